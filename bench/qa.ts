/**
 * Retrieval for questions about a document: a generated 300-page document (Russian and
 * English pages of varying filler that uses the facts' vocabulary) with 60 planted facts, each
 * asked by a question that shares the fact's key name or number but not its sentence, and in
 * Russian in other word forms ("насос" / "насоса"). The document goes through the real
 * passage store on a real SQLite file; recall@5 counts the questions whose fact passage is
 * among the five retrieved. With the fixture profile's embedding model (`npm run
 * fixtures:make`) the vectors are fused in; recall_at_5_fts is full-text search alone.
 *
 * Usage: npm run bench:qa [-- --pages 300 --profile fixture]
 * Last line: qa: pages=… questions=… recall_at_5=… recall_at_5_fts=… index_pages_per_s=…
 *   p95_retrieve_ms=… (recall_at_5 and p95_retrieve_ms with vectors fused in when the embedder
 *   runs, else full text alone; index_pages_per_s until the document is searchable by full
 *   text; the embedding rate is printed above it)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { Store } from "../src/memory/index.js";
import { PassageIndex, type PassageEmbedder } from "../src/services/qa/index.js";
import { mulberry32 } from "./trace.js";
import { benchEmbedder } from "./qa-embedder.js";

const { values } = parseArgs({
  options: {
    pages: { type: "string", default: "300" },
    profile: { type: "string", default: "fixture" },
    seed: { type: "string", default: "7" },
  },
});
const PAGES = Number(values.pages);
const FACTS = 60;
const random = mulberry32(Number(values.seed));
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T;
const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));

interface Fact {
  lang: "en" | "ru";
  sentence: string;
  question: string;
}

/** Fact templates: the sentence planted and a question sharing its name or number only. */
const EN_FACTS: ((name: string, n: number) => [string, string])[] = [
  (x, n) => [`The warranty for the ${x} pump lasts ${n} months.`, `How long is the ${x} warranty?`],
  (x, n) => [
    `Shipping a crate of ${x} parts to the harbour takes ${n} days.`,
    `How many days does delivery of ${x} take?`,
  ],
  (x, n) => [
    `Without its cover the ${x} unit weighs ${n} kilograms.`,
    `What is the weight of the ${x}?`,
  ],
  (x, n) => [`The ${x} conference hall seats ${n} guests.`, `How many people fit in ${x} hall?`],
  (x, n) => [
    `Doctor ${x} joined the research laboratory in ${1950 + n}.`,
    `When did ${x} start working at the lab?`,
  ],
  (x, n) => [
    `The ${x} battery must be recharged every ${n} hours.`,
    `How often should the battery of ${x} be charged?`,
  ],
];
/** A Russian name in the genitive, as a question may write it ("насоса Веги-23"). */
function genitive(name: string): string {
  return name.replace(/^([А-Яа-яё]+?)([а]?)(-\d+)$/u, (_, stem: string, a: string, num: string) =>
    a ? `${stem}${/[гкхжчшщ]$/u.test(stem) ? "и" : "ы"}${num}` : `${stem}а${num}`,
  );
}
const RU_FACTS: ((name: string, n: number) => [string, string])[] = [
  (x, n) => [
    `Гарантия на насос ${x} составляет ${n} месяцев.`,
    `Какой гарантийный срок у насоса ${genitive(x)}?`,
  ],
  (x, n) => [
    `Доставка партии деталей ${x} в порт занимает ${n} дней.`,
    `Сколько дней длится доставка деталей ${x}?`,
  ],
  (x, n) => [`Прибор ${x} без крышки весит ${n} килограммов.`, `Каков вес прибора ${genitive(x)}?`],
  (x, n) => [
    `Конференц-зал ${x} вмещает ${n} гостей.`,
    `Сколько гостей помещается в конференц-зале ${x}?`,
  ],
  (x, n) => [
    `Инженер ${x} пришёл в исследовательскую лабораторию в ${1950 + n} году.`,
    `Когда инженер ${x} начал работать в лаборатории?`,
  ],
  (x, n) => [
    `Аккумулятор ${x} нужно заряжать каждые ${n} часов.`,
    `Как часто заряжают аккумулятор прибора ${genitive(x)}?`,
  ],
];
const EN_NAMES = ["Orion", "Zephyr", "Kestrel", "Halvard", "Tamsin", "Borealis", "Quillon"];
const RU_NAMES = ["Вега", "Сокол", "Полюс", "Ладога", "Терек", "Сапфир", "Ангара"];

/** Filler that uses the facts' words without their names, so only the name tells them apart. */
const EN_FILLER = [
  "The warranty terms of every pump are described in the appendix to this report.",
  "Delivery schedules depend on the weather in the harbour and on customs.",
  "Each unit is weighed before shipping and the figures are kept in the ledger.",
  "The conference hall on the second floor is booked through the front desk.",
  "Several doctors from the laboratory published papers on corrosion last year.",
  "Batteries last longer when they are charged slowly and kept cool.",
  "Production volumes grew by {n} percent compared with the previous quarter.",
  "The committee met {n} times and approved the revised budget.",
  "Spare parts are stored in warehouse {n}, next to the loading ramp.",
  "Customers asked for a longer warranty and faster delivery of spare parts.",
  "The maintenance team replaced {n} valves and inspected the cooling circuit.",
  "Safety training is mandatory for every new member of staff.",
];
const RU_FILLER = [
  "Условия гарантии на каждый насос описаны в приложении к этому отчёту.",
  "Сроки доставки зависят от погоды в порту и от таможни.",
  "Каждый прибор взвешивают перед отправкой, а цифры заносят в журнал.",
  "Конференц-зал на втором этаже бронируют через приёмную.",
  "Несколько инженеров лаборатории в прошлом году опубликовали статьи о коррозии.",
  "Аккумуляторы служат дольше, если их заряжать медленно и держать в прохладе.",
  "Объём производства вырос на {n} процентов по сравнению с прошлым кварталом.",
  "Комиссия собиралась {n} раз и утвердила новый бюджет.",
  "Запасные детали хранятся на складе номер {n}, рядом с погрузочной рампой.",
  "Клиенты просили более долгую гарантию и быструю доставку деталей.",
  "Ремонтная бригада заменила {n} клапанов и проверила контур охлаждения.",
  "Обучение технике безопасности обязательно для всех новых сотрудников.",
];

function paragraph(filler: readonly string[]): string {
  return Array.from({ length: int(3, 6) }, () =>
    pick(filler).replace("{n}", String(int(2, 99))),
  ).join(" ");
}

/** The document: pages alternate languages in runs; every fifth page holds a fact. */
function generate(): { pages: { page: number; text: string }[]; facts: Fact[] } {
  const facts: Fact[] = [];
  const pages: { page: number; text: string }[] = [];
  const factEvery = Math.max(1, Math.floor(PAGES / FACTS));
  for (let page = 1; page <= PAGES; page++) {
    const lang = Math.floor((page - 1) / 3) % 2 === 0 ? "en" : "ru";
    const filler = lang === "en" ? EN_FILLER : RU_FILLER;
    const paragraphs = Array.from({ length: int(3, 5) }, () => paragraph(filler));
    if (page % factEvery === 0 && facts.length < FACTS) {
      const i = facts.length;
      const names = lang === "en" ? EN_NAMES : RU_NAMES;
      // A unique name per fact: a base name and a model number.
      const name = `${names[i % names.length]}-${i + 10}`;
      const templates = lang === "en" ? EN_FACTS : RU_FACTS;
      const [sentence, question] = (templates[i % templates.length] as (typeof templates)[0])(
        name,
        int(3, 60),
      );
      facts.push({ lang, sentence, question });
      const at = int(0, paragraphs.length - 1);
      paragraphs[at] = `${paragraphs[at]} ${sentence} ${paragraph(filler)}`;
    }
    pages.push({ page, text: paragraphs.join("\n\n") });
  }
  return { pages, facts };
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))] ??
  0;

interface Run {
  recall: number;
  pagesPerS: number;
  p95Ms: number;
  misses: string[];
}

async function run(
  store: Store,
  resultId: number,
  doc: ReturnType<typeof generate>,
  embedder?: PassageEmbedder,
): Promise<Run> {
  const index = new PassageIndex(store.passages, embedder ? { embedder } : {});
  // A fresh index each run: the same cut would keep the rows (and vectors) of the last.
  store.passages.replace(resultId, []);
  const started = performance.now();
  const passages = await index.index(resultId, {
    text: doc.pages.map((p) => p.text).join("\n\n"),
    pages: doc.pages,
  });
  const pagesPerS = doc.pages.length / ((performance.now() - started) / 1000);
  const times: number[] = [];
  const misses: string[] = [];
  let found = 0;
  for (const fact of doc.facts) {
    const asked = performance.now();
    const top = await index.retrieve(resultId, fact.question, 5);
    times.push(performance.now() - asked);
    if (top.some((p) => p.text.includes(fact.sentence))) found++;
    else misses.push(`${fact.question} -> ${fact.sentence}`);
  }
  console.log(
    `${embedder ? `fused with ${embedder.model}` : "full text"}: passages=${passages} ` +
      `index_s=${(doc.pages.length / pagesPerS).toFixed(2)} recall_at_5=${(found / doc.facts.length).toFixed(3)} ` +
      `p50_retrieve_ms=${percentile(times, 0.5).toFixed(2)} p95_retrieve_ms=${percentile(times, 0.95).toFixed(2)}`,
  );
  return { recall: found / doc.facts.length, pagesPerS, p95Ms: percentile(times, 0.95), misses };
}

const dir = await mkdtemp(join(tmpdir(), "bench-qa-"));
try {
  const doc = generate();
  const chars = doc.pages.reduce((sum, p) => sum + p.text.length, 0);
  console.log(
    `document: pages=${doc.pages.length} chars=${chars} facts=${doc.facts.length} ` +
      `(en=${doc.facts.filter((f) => f.lang === "en").length} ru=${doc.facts.filter((f) => f.lang === "ru").length})`,
  );
  const store = Store.open(join(dir, "bot.sqlite"));
  const resultId = store.results.save({
    chatId: 1,
    userId: 1,
    kind: "ocr",
    language: "ru",
    text: doc.pages.map((p) => p.text).join("\n\n"),
  });
  const fts = await run(store, resultId, doc);
  for (const miss of fts.misses) console.log(`  full-text miss: ${miss}`);
  const embedding = benchEmbedder(values.profile);
  let best = fts;
  if (embedding) {
    console.log(`embedder: ${embedding.embedder.model} (${embedding.note})`);
    best = await run(store, resultId, doc, embedding.embedder);
    for (const miss of best.misses) console.log(`  fused miss: ${miss}`);
    await embedding.close();
  } else {
    console.log(`embedder: none for profile ${values.profile}: full text alone`);
  }
  store.close();
  if (best !== fts) {
    console.log(`embedding: ${best.pagesPerS.toFixed(1)} pages/s (passages stored, then embedded)`);
  }
  // A document is askable once its passages are stored (full text); vectors follow.
  console.log(
    `qa: pages=${doc.pages.length} questions=${doc.facts.length} recall_at_5=${best.recall.toFixed(3)} ` +
      `recall_at_5_fts=${fts.recall.toFixed(3)} index_pages_per_s=${fts.pagesPerS.toFixed(0)} ` +
      `p95_retrieve_ms=${best.p95Ms.toFixed(1)}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
