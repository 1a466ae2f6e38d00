/**
 * The options node runs the bot with. V8 takes them on node's command line only (not from
 * NODE_OPTIONS, nor once it runs), so every way of starting the bot names them: `npm start`,
 * the images' CMD, the systemd units and the end-to-end harness, whose tests check it.
 *
 * `--single-threaded-gc`: each isolate collects its garbage on its own thread. Otherwise V8's
 * helper threads, shared by all the isolates of the process and running at the main thread's
 * CPU priority, mark and scavenge for every one of them, the model threads at nice 10
 * included. Beside `bench:load`'s heavy users they took about 0.4 of the 2 cores; with the
 * option the same work runs on the threads it serves, at their priority, and a chat answer
 * beside the heavy users ran 55 ms instead of 84 (README, "bench:load"). Cloudflare's workerd,
 * which also runs many isolates in one process, sets the same flag.
 */
export const NODE_FLAGS: readonly string[] = ["--single-threaded-gc"];

/** What the bot logs (a warning) when node was started without some of {@link NODE_FLAGS}. */
export const MISSING_NODE_FLAGS =
  "node was started without the bot's options: start it with npm start, or as the README shows";

/** The options of {@link NODE_FLAGS} that `execArgv` (node's own arguments) lacks. */
export function missingNodeFlags(execArgv: readonly string[]): string[] {
  return NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}
