export * from "./cache.ts";
export * from "./memory-cache.ts";
export * from "./redis-cache.ts";
