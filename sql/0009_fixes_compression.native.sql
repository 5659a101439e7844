-- Nothing to do natively: compression is a TimescaleDB feature (see the .timescale.sql twin).
SELECT 1;
