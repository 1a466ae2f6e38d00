/**
 * A task run again and again, `intervalMs` after each run has settled (so two runs never
 * overlap), until stopped. A failed run is reported and the next one still comes: a
 * heartbeat or a watchdog must outlive a Redis hiccup.
 */
import type { Clock, TimerHandle } from "./clock.js";

export interface Repeating {
  stop(): void;
}

export function repeatAfter(
  clock: Clock,
  intervalMs: number,
  task: () => Promise<void>,
  onError: (error: unknown) => void,
): Repeating {
  let timer: TimerHandle | undefined;
  let stopped = false;
  const schedule = (): void => {
    if (stopped) return;
    timer = clock.setTimeout(() => {
      task().then(schedule, (error: unknown) => {
        onError(error);
        schedule();
      });
    }, intervalMs);
  };
  schedule();
  return {
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
    },
  };
}
