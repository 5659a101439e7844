// Public surface of the engine.

export * from "./types.ts";
export * from "./geo.ts";
export * from "./species.ts";
export * from "./fix-window.ts";
export * from "./movement-metrics.ts";
export * from "./quality.ts";
export * from "./actor-messages.ts";
export * from "./animal-actor.ts";
export * from "./actor-system.ts";
export * from "./placement.ts";
export type { SnapshotStore } from "./snapshot-port.ts";
