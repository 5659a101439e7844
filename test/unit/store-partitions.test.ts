// Week arithmetic of the native partitioning: ISO weeks, Monday 00:00 UTC.
import { describe, expect, it } from "vitest";
import { partitionName, partitionWeek, weekStart } from "../../store/partitions.ts";

const utc = (s: string) => Date.parse(`${s}T00:00:00Z`);

describe("weekly partitions", () => {
  it("starts weeks on Monday 00:00 UTC", () => {
    expect(weekStart(Date.parse("2026-11-18T15:30:00Z"))).toBe(utc("2026-11-16")); // Wednesday
    expect(weekStart(utc("2026-11-16"))).toBe(utc("2026-11-16")); // Monday itself
    expect(weekStart(Date.parse("2026-11-22T23:59:59.999Z"))).toBe(utc("2026-11-16")); // Sunday night
    expect(weekStart(Date.parse("1969-12-31T12:00:00Z"))).toBe(utc("1969-12-29")); // before the epoch
  });

  it("names partitions by ISO year and week", () => {
    expect(partitionName("fixes", utc("2026-11-16"))).toBe("fixes_p2026w47");
    expect(partitionName("fixes", weekStart(utc("2024-12-30")))).toBe("fixes_p2025w01"); // ISO year ahead
    expect(partitionName("fixes", weekStart(utc("2021-01-03")))).toBe("fixes_p2020w53"); // ISO year behind
    expect(partitionName("animal_snapshots", weekStart(utc("1995-06-01")))).toBe("animal_snapshots_p1995w22");
  });

  it("reads the week back from a name", () => {
    for (const day of ["2026-11-16", "2024-12-30", "2020-12-28", "1995-05-29", "2026-01-01"]) {
      const monday = weekStart(utc(day));
      expect(partitionWeek(partitionName("fixes", monday))).toBe(monday);
    }
    expect(partitionWeek("fixes_default")).toBeNull();
  });
});
