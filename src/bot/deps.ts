import type { Logger } from "pino";
import type { JobLayer, ReadingMode } from "../jobs/index.js";
import type { Store } from "../memory/index.js";
import type { Clock } from "../shared/clock.js";
import type { FileFetcher, JobJournal, StatusPort } from "./ports.js";

/** Everything the bot is built from; the composition root fills it, tests fake parts. */
export interface BotDeps {
  token: string;
  apiRoot: string;
  adminIds: readonly number[];
  /** Empty: everyone may use the bot. */
  allowedUserIds: readonly number[];
  maxFileBytes: number;
  /** Limit of one Bot API call attempt, and the base of a download's limit. */
  telegramTimeoutMs: number;
  /** The longest 429 retry_after a call waits for before giving up. */
  maxRetryAfterS: number;
  rateLimitPerMinute: number;
  /** How long the buttons under a result keep working. */
  resultMaxAgeMs: number;
  /** Days results are stored before the pruner deletes them (RESULTS_MAX_AGE_DAYS); 0: forever. */
  resultsKeptDays?: number;
  store: Store;
  logger: Logger;
  clock: Clock;
  /** What runs for each request: the job layer every front-end shares. */
  jobs: JobLayer;
  /**
   * Updates a person may have waiting behind the one being answered (OWNER_MAX_WAITING);
   * the next one is refused at once with "owner.busy".
   */
  ownerMaxWaiting: number;
  /** The reading mode of users who never chose one (OCR_DEFAULT_MODE, resolved). */
  defaultReadingMode: ReadingMode;
  status: StatusPort;
  fetchFile: FileFetcher;
  /** Where accepted jobs are kept until answered (the store's `jobs`). */
  journal: JobJournal;
  /**
   * Delays between streamed updates, and before an answer's status message appears (1 s by
   * default: typing shows at once); tests set them to 0.
   */
  streaming?: { draftIntervalMs?: number; editIntervalMs?: number; statusAfterMs?: number };
}
