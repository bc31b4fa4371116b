export * from "./identity";
export * from "./catalog";
export * from "./plugins";
export * from "./operations";
export * from "./moderation";
