export * from "./roles.ts";
export * from "./secrets.ts";
export * from "./tokens.ts";
