/**
 * Generation that an AbortSignal stops at the next token: an `InterruptableStoppingCriteria`
 * wired to the signal, so an aborted job settles promptly and never leaves a `generate()`
 * running behind it. Shared by the chat and vision adapters.
 */
import { InterruptableStoppingCriteria } from "@huggingface/transformers";
import { cancelledError } from "../../shared/errors.js";

/**
 * Runs `generate` with a stopping criterion the signal interrupts; throws the cancellation
 * when the signal is aborted before or during generation.
 */
export async function generateUntilAborted(
  signal: AbortSignal,
  generate: (stop: InterruptableStoppingCriteria) => Promise<unknown>,
): Promise<void> {
  const stop = new InterruptableStoppingCriteria();
  const interrupt = () => stop.interrupt();
  if (signal.aborted) throw cancelledError(signal.reason);
  signal.addEventListener("abort", interrupt, { once: true });
  try {
    await generate(stop);
  } finally {
    signal.removeEventListener("abort", interrupt);
  }
  if (signal.aborted) throw cancelledError(signal.reason);
}
