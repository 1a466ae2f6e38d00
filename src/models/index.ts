export type * from "./contract.js";
export * from "./manager/index.js";
