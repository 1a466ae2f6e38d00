/**
 * The fairness scenario of `bench:load` (`--heavy N`): does a crowd's light work (text and
 * picture questions) wait behind a few people's long jobs? On the same bot, after the load
 * scenario, two phases of `--seconds` each (their owed replies awaited up to `--grace`):
 *   1. light-alone: users - N light users at human pace (`--light-mix`, `--think-ms`);
 *   2. mixed: the same light users (same seeds: the same messages at the same pauses) plus N
 *      heavy users, each sending a 25-page scanned PDF and a 3-minute voice note in turn,
 *      the next as soon as the previous result is in (a voice note's: its voice reply).
 * Its summary line compares the light users' p95 latency in the two phases:
 *   fair: users=… heavy=… p95_light_ms=… p95_light_alone_ms=… ratio=… lost=…
 * where lost counts the light and heavy messages of both phases that got no reply at all.
 */
import type { Exit } from "../tests/e2e/harness.js";
import { ENGLISH_LINE, longVoiceNote, textPdf } from "../tests/e2e/media.js";
import type { BotApiServer } from "../tests/support/bot-api/index.js";
import { jobFigures, type MetricsSnapshot } from "./load-metrics.js";
import {
  countOf,
  eager,
  kindTable,
  latencies,
  percentile,
  Phase,
  thinking,
  type Exchange,
  type Kind,
  type Media,
  type Mix,
} from "./load-users.js";

const LIGHT_KINDS: readonly Kind[] = ["text", "picture"];
const HEAVY_KINDS: readonly Kind[] = ["pdf", "talk"];
export const PDF_PAGES = 25;
export const TALK_SECONDS = 180;

/** A PDF of {@link PDF_PAGES} scanned pages of a line of text, and a 3-minute talk. */
export async function heavyMedia(): Promise<Required<Pick<Media, "pdf" | "talk">>> {
  const pages = Array.from({ length: PDF_PAGES }, () => ({ scanned: ENGLISH_LINE }));
  return { pdf: await textPdf(pages), talk: await longVoiceNote(TALK_SECONDS) };
}

export interface FairSetup {
  server: BotApiServer;
  died: Promise<Exit>;
  media: Media;
  users: number;
  heavy: number;
  seconds: number;
  graceS: number;
  seed: number;
  lightMix: Mix;
  thinkMs: readonly [number, number];
  /** The bot's metrics now, for each phase's job figures (undefined once it is gone). */
  metrics: () => Promise<MetricsSnapshot | undefined>;
}

/** Runs both phases, printing each one's figures as it ends, and returns the `fair:` summary line. */
export async function fairness(setup: FairSetup): Promise<string> {
  const { users, heavy } = setup;
  const light = users - heavy;
  const alone = await phase(setup, light, 0);
  const mixed = await phase(setup, light, heavy);
  const p95 = (exchanges: readonly Exchange[]) =>
    Math.round(percentile(latencies(exchanges, LIGHT_KINDS), 95));
  const [withHeavy, withoutHeavy] = [p95(mixed), p95(alone)];
  const ratio = withoutHeavy > 0 ? (withHeavy / withoutHeavy).toFixed(2) : "n/a";
  const lost = countOf(alone, "lost") + countOf(mixed, "lost");
  return (
    `fair: users=${users} heavy=${heavy} p95_light_ms=${withHeavy} ` +
    `p95_light_alone_ms=${withoutHeavy} ratio=${ratio} lost=${lost}`
  );
}

/** One phase: `light` light users and `heavy` heavy ones; returns every exchange. */
async function phase(setup: FairSetup, light: number, heavy: number): Promise<Exchange[]> {
  const { server, died, media, seconds, graceS, seed } = setup;
  const name = heavy === 0 ? "light-alone" : "mixed";
  console.log(`phase ${name}: ${light} light users, ${heavy} heavy users for ${seconds} s`);
  const before = await setup.metrics();
  const run = new Phase(server, died, media, { seconds, graceS, seed });
  const thinker = thinking(setup.lightMix, setup.thinkMs);
  await Promise.all([
    ...Array.from({ length: light }, (_, i) => run.user(i, thinker)),
    // Half the heavy users start with a PDF, half with a voice note.
    ...Array.from({ length: heavy }, (_, j) =>
      run.user(light + j, eager(j % 2 === 0 ? HEAVY_KINDS : [...HEAVY_KINDS].reverse())),
    ),
  ]);
  const after = await setup.metrics();
  for (const line of kindTable(run.exchanges, [...LIGHT_KINDS, ...HEAVY_KINDS])) console.log(line);
  if (after) for (const line of jobFigures(after, before)) console.log(line);
  return run.exchanges;
}
