/**
 * Replays a trace against model handles in virtual time: each request is submitted at
 * its arrival time and the clock is advanced until nothing is left to happen.
 */
import type { ManualClock } from "../src/shared/clock.js";
import type { ModelHandle } from "../src/models/contract.js";
import type { TimedJob } from "./timed-model.js";
import type { TraceModel, TraceRequest } from "./trace.js";

export interface ReplayOutcome {
  request: TraceRequest;
  /** When the job started running (absent if it never ran). */
  startedAt?: number;
  ok: boolean;
  error?: unknown;
}

export interface ReplayOptions {
  /** Milliseconds after arrival at which a request is cancelled, or undefined to keep it. */
  cancelAfter?: (request: TraceRequest) => number | undefined;
  /** Called after each step of the clock (the timers due at one instant), e.g. to check invariants. */
  onTick?: () => void;
}

export async function replay(
  clock: ManualClock,
  trace: readonly TraceRequest[],
  handles: Record<TraceModel, ModelHandle<TimedJob, number>>,
  options: ReplayOptions = {},
): Promise<ReplayOutcome[]> {
  const outcomes: ReplayOutcome[] = [];
  const submit = (request: TraceRequest) => {
    let startedAt: number | undefined;
    const cancelMs = options.cancelAfter?.(request);
    const controller = cancelMs === undefined ? undefined : new AbortController();
    if (controller && cancelMs !== undefined) {
      clock.setTimeout(() => controller.abort(new Error("user cancelled")), cancelMs);
    }
    const record = (ok: boolean, error?: unknown) =>
      outcomes.push({
        request,
        ...(startedAt === undefined ? {} : { startedAt }),
        ok,
        ...(ok ? {} : { error }),
      });
    handles[request.model]
      .run(
        { runMs: request.runMs },
        {
          ...(controller ? { signal: controller.signal } : {}),
          onEvent: (event) => {
            if (event.type === "running") startedAt = clock.now();
          },
        },
      )
      .then(
        () => record(true),
        (error: unknown) => record(false, error),
      );
  };
  scheduleTrace(trace, clock, submit);
  for (let at = clock.nextAt(); at !== undefined; at = clock.nextAt()) {
    await clock.advanceTo(at);
    options.onTick?.();
  }
  return outcomes;
}

/** Submits each request of `trace` at its time, in virtual time on `clock`. */
export function scheduleTrace(
  trace: readonly TraceRequest[],
  clock: ManualClock,
  submit: (request: TraceRequest) => void,
): void {
  let next = 0;
  const scheduleNext = () => {
    const request = trace[next];
    if (!request) return;
    clock.setTimeout(
      () => {
        next += 1;
        submit(request);
        scheduleNext();
      },
      Math.max(0, request.at - clock.now()),
    );
  };
  scheduleNext();
}
