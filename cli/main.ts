// `wt` command line: serve, migrate, simulate. Errors go to stderr with exit code 1; --json prints one
// JSON object on the last line of stdout.
import { CONFIG_HELP, ConfigError, loadConfig } from "../engine/config.ts";

const USAGE = `wt — wildlife tracking engine

Usage: wt <command> [options]

Commands:
  serve       start the engine (REST, /ingest WebSocket, Socket.IO live) — what \`npm start\` runs
  migrate     apply sql/ migrations to DATABASE_URL (or the embedded database in WT_DATA_DIR)
  simulate    drive simulated collars against a server over /ingest (see \`wt simulate --help\`)
  hmm         fit movement hidden Markov models to a track CSV (see \`wt hmm --help\`)
  habitat     habitat model: boosted trees on presence/absence, CV AUC, ONNX export (see \`wt habitat --help\`)
  predict     next-position model: evaluate against persistence and constant velocity (see \`wt predict --help\`)
  bbmm        Brownian bridge home range: motion variance, UD contour areas (see \`wt bbmm --help\`)

Options:
  --help      show help for a command
  --json      (migrate) print the result as one JSON object on the last line

Configuration (environment):
${CONFIG_HELP.map(([k, meaning, def]) => `  ${k.padEnd(24)} ${meaning} (default: ${def})`).join("\n")}
`;

export interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}
const defaultIo: Io = { stdout: (s) => process.stdout.write(s + "\n"), stderr: (s) => process.stderr.write(s + "\n") };

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "--help" || command === "-h" || command === "help") {
    io.stdout(USAGE);
    return command ? 0 : 1;
  }
  try {
    switch (command) {
      case "serve":
        if (rest.includes("--help")) return (io.stdout("Usage: wt serve\n\nStarts the engine; configured by the environment (see `wt --help`)."), 0);
        return await (await import("./serve.ts")).runServe(io);
      case "migrate":
        if (rest.includes("--help")) return (io.stdout("Usage: wt migrate [--json]\n\nApplies sql/ migrations to DATABASE_URL, or to the embedded database in WT_DATA_DIR when unset. Each migration is applied once, in a transaction."), 0);
        return await runMigrate(rest, io);
      case "simulate": {
        const { runSimulate } = await import("./simulate.ts");
        return await runSimulate(rest, io);
      }
      case "hmm":
        return await (await import("./hmm.ts")).runHmm(rest, io);
      case "habitat":
        return await (await import("./habitat.ts")).runHabitat(rest, io);
      case "predict":
        return await (await import("./predict.ts")).runPredict(rest, io);
      case "bbmm": {
        const { runBbmm } = await import("./bbmm.ts");
        return await runBbmm(rest, io);
      }
      default:
        io.stderr(`wt: unknown command "${command}" (try wt --help)`);
        return 1;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      for (const line of err.lines) io.stderr(line);
      return 1;
    }
    io.stderr(`wt ${command}: ${(err as Error)?.message ?? String(err)}`);
    return 1;
  }
}

async function runMigrate(args: string[], io: Io): Promise<number> {
  const config = loadConfig();
  const { openDatabase } = await import("../store/open-database.ts");
  const { migrate } = await import("../store/migrate.ts");
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    const result = await migrate(db);
    if (args.includes("--json")) io.stdout(JSON.stringify({ applied: result.applied, variant: result.variant, database: db.kind }));
    else io.stdout(result.applied.length ? `applied ${result.applied.length} migration(s) (${result.variant}): ${result.applied.join(", ")}` : `up to date (${result.variant})`);
    return 0;
  } finally {
    await db.close();
  }
}
