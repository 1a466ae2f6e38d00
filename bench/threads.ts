/**
 * ONNX Runtime threads per session: what the thread plan (src/app/models.ts, profileThreads)
 * gives a model on the main thread, against one thread, on a graph the size of one decode
 * step of a small real model. The fixture models are too small for threads to matter (a hidden
 * size of 1), so this graph is made here: `--layers` MatMuls of `--hidden`² weights and a head
 * to `--vocab` logits (the defaults: ~57M weights, 230 MB). Between two runs the caller's
 * thread does `--gap-ms` of JavaScript, as the bot's main thread does between two tokens; a
 * pool thread that spins burns a core through it.
 *
 *   npm run bench:threads [-- --runs 200 --gap-ms 5 --hidden 1024 --layers 24 --vocab 32000]
 *
 * Per setting: wall and CPU milliseconds per run. Last line:
 * threads: cores=… plan=… one_ms=… plan_ms=… spinning_cpu_ms=… plan_cpu_ms=…
 */
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-node";
import { DT, encodeModel, node, valueInfo } from "../scripts/fixtures/onnx.js";
import { profileThreads } from "../src/app/models.js";
import { resolveProfile } from "../src/models/catalogue/index.js";
import type { SessionThreads } from "../src/models/runtime/index.js";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "200" },
    "gap-ms": { type: "string", default: "5" },
    hidden: { type: "string", default: "1024" },
    layers: { type: "string", default: "24" },
    vocab: { type: "string", default: "32000" },
  },
});
const [runs, gapMs, hidden, layers, vocab] = [
  values.runs,
  values["gap-ms"],
  values.hidden,
  values.layers,
  values.vocab,
].map(Number) as [number, number, number, number, number];

/** Small random weights, so that no run meets infinities. */
function weights(name: string, rows: number, columns: number) {
  const data = new Float32Array(rows * columns);
  for (let i = 0; i < data.length; i++) data[i] = (Math.random() - 0.5) * 0.05;
  return { name, dataType: DT.FLOAT, dims: [rows, columns], rawData: new Uint8Array(data.buffer) };
}

function decodeStepGraph(): Uint8Array {
  const names = Array.from({ length: layers }, (_, i) => `h${i}`);
  const inputs = ["x", ...names];
  return encodeModel({
    name: "decode-step",
    inputs: [valueInfo("x", DT.FLOAT, [1, hidden])],
    outputs: [valueInfo("logits", DT.FLOAT, [1, vocab])],
    initializers: [
      ...names.map((_, i) => weights(`w${i}`, hidden, hidden)),
      weights("head", hidden, vocab),
    ],
    nodes: [
      ...names.map((name, i) => node("MatMul", [inputs[i]!, `w${i}`], [name])),
      node("MatMul", [inputs[layers]!, "head"], ["logits"]),
    ],
  });
}

/** The caller's own work between two runs. */
function busyFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

async function measure(graph: Uint8Array, options: ort.InferenceSession.SessionOptions) {
  const session = await ort.InferenceSession.create(graph, options);
  const feeds = { x: new ort.Tensor("float32", new Float32Array(hidden).fill(0.1), [1, hidden]) };
  for (let i = 0; i < 20; i++) await session.run(feeds);
  const cpuBefore = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < runs; i++) {
    await session.run(feeds);
    busyFor(gapMs);
  }
  const wallMs = (performance.now() - start) / runs - gapMs;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMs = (cpu.user + cpu.system) / 1000 / runs - gapMs;
  await session.release();
  return { wallMs, cpuMs };
}

const plan: SessionThreads = profileThreads(resolveProfile("cpu", {}, { cudaAvailable: false }));
const spinning = { ...plan, extra: { session: { intra_op: { allow_spinning: "1" } } } };
const one = { ...plan, intraOpNumThreads: 1 };
const graph = decodeStepGraph();
console.log(
  `graph: ${layers} x ${hidden}² + ${hidden} x ${vocab} weights; ${runs} runs, ${gapMs} ms between`,
);

const settings = [
  ["one thread", one],
  [`plan (${plan.intraOpNumThreads} threads, no spinning)`, plan],
  [`${plan.intraOpNumThreads} threads, spinning`, spinning],
] as const;
const results: Record<string, { wallMs: number; cpuMs: number }> = {};
// Twice, alternating, so that a slower minute of the machine doesn't favour one setting.
for (let round = 0; round < 2; round++) {
  for (const [name, options] of settings) {
    const result = await measure(graph, options);
    const seen = results[name];
    results[name] = seen
      ? { wallMs: (seen.wallMs + result.wallMs) / 2, cpuMs: (seen.cpuMs + result.cpuMs) / 2 }
      : result;
  }
}
for (const [name] of settings) {
  const { wallMs, cpuMs } = results[name]!;
  console.log(`${name}: ${wallMs.toFixed(2)} ms per run, ${cpuMs.toFixed(2)} ms of CPU`);
}
const [oneResult, planResult, spinResult] = settings.map(([name]) => results[name]!);
console.log(
  `threads: cores=${availableParallelism()} plan=${plan.intraOpNumThreads} ` +
    `one_ms=${oneResult!.wallMs.toFixed(2)} plan_ms=${planResult!.wallMs.toFixed(2)} ` +
    `spinning_cpu_ms=${spinResult!.cpuMs.toFixed(2)} plan_cpu_ms=${planResult!.cpuMs.toFixed(2)}`,
);
