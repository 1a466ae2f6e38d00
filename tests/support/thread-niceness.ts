/** The CPU priority of this process's threads, from /proc (Linux). */
import { readdirSync, readFileSync } from "node:fs";

/** This process's threads (Linux task ids) and their nice values. */
function threadNiceness(): Map<string, number> {
  const threads = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      // The fields after the command's ")"; the first is field 3 (state), nice is field 19.
      threads.set(tid, Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]));
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return threads;
}

/** The nice values of the threads that `action` started and that still run once it is done. */
export async function nicenessOfThreadsStartedBy(
  action: () => Promise<unknown>,
): Promise<number[]> {
  const before = threadNiceness();
  await action();
  return [...threadNiceness()].filter(([tid]) => !before.has(tid)).map(([, nice]) => nice);
}
