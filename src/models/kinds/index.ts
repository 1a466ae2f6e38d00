/**
 * The model-kind table and the rule for falling back when a kind's model can't serve. The
 * adapter factories are in ./adapters.js, imported on their own: they load the ML libraries.
 */
export * from "./table.js";
export { cannotServe } from "./cannot-serve.js";
export * from "./handles.js";
