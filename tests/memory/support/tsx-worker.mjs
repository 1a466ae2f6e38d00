// Runs a TypeScript module inside a worker thread through tsx.
import { register } from "tsx/esm/api";
import { workerData } from "node:worker_threads";

register();
await import(workerData.script);
