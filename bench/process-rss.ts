/**
 * A child process's resident memory (VmRSS from /proc), for the benches that run the bot as
 * a process: at the start, its peak (sampled each second) and at the end.
 */
import fs from "node:fs";

/** Resident memory of a process in MB (VmRSS), or undefined once it is gone. */
export function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) / 1024;
  } catch {
    return undefined;
  }
}

export const mb = (value: number | undefined) => (value === undefined ? "n/a" : value.toFixed(0));

/** A process's RSS at the start, its peak (sampled each second) and at the end. */
export class RssWatch {
  readonly start: number | undefined;
  peak: number | undefined;
  end: number | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly pid: number | undefined) {
    this.start = this.peak = rssMb(pid);
    this.timer = setInterval(() => this.sample(), 1000);
  }

  /** Takes the last sample; later calls change nothing. */
  stop(): void {
    if (!this.timer) return;
    clearInterval(this.timer);
    this.timer = undefined;
    this.end = this.sample();
  }

  private sample(): number | undefined {
    const now = rssMb(this.pid);
    if (now !== undefined) this.peak = Math.max(this.peak ?? 0, now);
    return now;
  }
}
