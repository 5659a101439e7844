export * from "./roles.ts";
export * from "./secrets.ts";
export * from "./tokens.ts";
export * from "./device-token-cache.ts";
