/**
 * Generates tiny, deterministic fixture models that load through transformers.js's real
 * code path (config.json + tokenizer files + ONNX graphs), so the ASR, chat and TTS adapters
 * can be tested offline without Hugging Face weights.
 *
 * Each model is a lookup table, not a network:
 * - whisper: the decoder maps the last token to the next one, so any audio transcribes as
 *   {@link WHISPER_SENTENCE} after the usual `<|startoftranscript|><|lang|><|task|><|notimestamps|>`
 *   prefix; `<|startoftranscript|>` alone is followed by `<|en|>` (language "detection"), and
 *   with timestamps the sentence is framed by `<|0.00|>` ... `<|2.00|>`.
 * - qwen2: same bigram trick; any prompt is answered with {@link QWEN_ANSWER} then `<|im_end|>`.
 * - mms-tts-*: a sine tone of {@link TTS_SAMPLES_PER_ID} samples per input id.
 *
 * Run `npm run fixtures:make` to regenerate `fixtures/models/fixture/*`; the output is
 * byte-for-byte reproducible (tests/models/fixtures.test.ts checks it).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import onnxProto from "onnx-proto";

const { onnx } = onnxProto;
type DataType = onnxProto.onnx.TensorProto.DataType;
const DT = onnx.TensorProto.DataType;

/** What the Whisper fixture transcribes for any audio (leading space as real Whisper emits). */
export const WHISPER_SENTENCE = " The quick brown fox jumps over the lazy dog.";
/** What the Qwen2 fixture answers to any chat. */
export const QWEN_ANSWER = "Hello! I am a tiny local model.";
/** Output sampling rate of the TTS fixtures. */
export const TTS_SAMPLING_RATE = 16000;
/** Waveform samples the TTS fixtures emit per input id (0.1 s). */
export const TTS_SAMPLES_PER_ID = 1600;
/** Tone frequency per TTS fixture, in Hz (integers keep the phase computation exact). */
export const TTS_TONE_HZ = { "mms-tts-eng": 440, "mms-tts-rus": 330 } as const;
/** Peak amplitude of the TTS tone. */
export const TTS_AMPLITUDE = 0.3;

/** Default output folder: `<repo>/fixtures/models`. */
export const FIXTURES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../fixtures/models");

const OPSET = 17;
/** Logit of the predicted token; every other token gets its negation. */
const LOGIT = 10;

// ---------------------------------------------------------------------------------------------
// ONNX building blocks

type Dim = number | string;

function valueInfo(name: string, elemType: DataType, shape: Dim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: {
          dim: shape.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

function int64Tensor(name: string, values: readonly number[], dims: number[] = [values.length]) {
  const data = new BigInt64Array(values.map((v) => BigInt(v)));
  return { name, dataType: DT.INT64, dims, rawData: new Uint8Array(data.buffer) };
}

function floatTensor(name: string, values: readonly number[], dims: number[] = [values.length]) {
  const data = new Float32Array(values);
  return { name, dataType: DT.FLOAT, dims, rawData: new Uint8Array(data.buffer) };
}

type Attr = number | number[] | onnxProto.onnx.ITensorProto;

function node(
  opType: string,
  inputs: string[],
  outputs: string[],
  attrs: Record<string, Attr> = {},
): onnxProto.onnx.INodeProto {
  const AT = onnx.AttributeProto.AttributeType;
  const attribute = Object.entries(attrs).map(([name, v]): onnxProto.onnx.IAttributeProto => {
    if (typeof v === "number") return { name, type: AT.INT, i: v };
    if (Array.isArray(v)) return { name, type: AT.INTS, ints: v };
    return { name, type: AT.TENSOR, t: v };
  });
  return { opType, input: inputs, output: outputs, name: outputs[0], attribute };
}

interface GraphSpec {
  name: string;
  inputs: onnxProto.onnx.IValueInfoProto[];
  outputs: onnxProto.onnx.IValueInfoProto[];
  initializers: onnxProto.onnx.ITensorProto[];
  nodes: onnxProto.onnx.INodeProto[];
}

function encodeModel(spec: GraphSpec): Uint8Array {
  const model: onnxProto.onnx.IModelProto = {
    irVersion: 8,
    producerName: "make-fixtures",
    opsetImport: [{ domain: "", version: OPSET }],
    graph: {
      name: spec.name,
      input: spec.inputs,
      output: spec.outputs,
      initializer: spec.initializers,
      node: spec.nodes,
    },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.fromObject(model)).finish();
}

/**
 * Nodes turning `ids` [batch, seq] into logits [batch, seq, vocab] that put {@link LOGIT} on
 * `nextToken[id]` and `-LOGIT` everywhere else: a bigram table as a one-hot comparison.
 * `adjust` may rewrite the looked-up `table_next` ids before they become `next_ids`.
 */
function bigramLogitsNodes(
  ids: string,
  logits: string,
  nextToken: readonly number[],
  adjust: onnxProto.onnx.INodeProto[] = [node("Identity", ["table_next"], ["next_ids"])],
) {
  const vocab = nextToken.map((_, i) => i);
  return {
    initializers: [
      int64Tensor("next_token", nextToken),
      int64Tensor("vocab_ids", vocab),
      int64Tensor("last_axis", [-1]),
      floatTensor("logit_scale", [2 * LOGIT], []),
      floatTensor("logit_shift", [LOGIT], []),
    ],
    nodes: [
      node("Gather", ["next_token", ids], ["table_next"], { axis: 0 }),
      ...adjust,
      node("Unsqueeze", ["next_ids", "last_axis"], ["next_ids_col"]),
      node("Equal", ["next_ids_col", "vocab_ids"], ["is_next"]),
      node("Cast", ["is_next"], ["is_next_f"], { to: DT.FLOAT }),
      node("Mul", ["is_next_f", "logit_scale"], ["scaled"]),
      node("Sub", ["scaled", "logit_shift"], [logits]),
    ],
  };
}

/**
 * Nodes appending one key/value row per input id to a past cache
 * [batch, 1, past, 1] -> present [batch, 1, past + seq, 1], so the cache length that
 * transformers.js reads back (dims[-2]) tracks the sequence exactly like a real model.
 */
function kvCacheNodes(ids: string, pasts: string[], presents: string[]) {
  return {
    initializers: [int64Tensor("kv_axes", [1, 3])],
    nodes: [
      node("Cast", [ids], ["ids_f"], { to: DT.FLOAT }),
      node("Unsqueeze", ["ids_f", "kv_axes"], ["new_kv"]),
      ...pasts.map((past, i) => node("Concat", [past, "new_kv"], [presents[i] ?? ""], { axis: 2 })),
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Byte-level BPE tokenizers (GPT-2 style, like Whisper's and Qwen2's)

/** GPT-2's reversible byte -> printable character table. */
function bytesToUnicode(): string[] {
  const printable: number[] = [];
  const ranges: [number, number][] = [
    [0x21, 0x7e],
    [0xa1, 0xac],
    [0xae, 0xff],
  ];
  for (const [from, to] of ranges) for (let b = from; b <= to; b++) printable.push(b);
  const table: string[] = [];
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = String.fromCodePoint(printable.includes(b) ? b : 256 + extra++);
  }
  return table;
}

const BYTE_CHARS = bytesToUnicode();

/** Text as byte-level symbols, e.g. " The" -> ["Ġ", "T", "h", "e"]. */
function byteSymbols(text: string): string[] {
  return [...new TextEncoder().encode(text)].map((b) => BYTE_CHARS[b] ?? "");
}

interface ByteLevelVocab {
  vocab: Map<string, number>;
  merges: string[];
}

/**
 * A vocabulary of all 256 byte symbols (so any text encodes without unknowns) plus whole
 * tokens for `pieces`, built by left-to-right merges, then `specials`.
 */
function byteLevelVocab(pieces: readonly string[], specials: readonly string[]): ByteLevelVocab {
  const vocab = new Map<string, number>();
  const add = (token: string) => {
    if (!vocab.has(token)) vocab.set(token, vocab.size);
  };
  BYTE_CHARS.forEach(add);
  const merges: string[] = [];
  for (const piece of pieces) {
    const [first = "", ...rest] = byteSymbols(piece);
    let token = first;
    for (const symbol of rest) {
      const merge = `${token} ${symbol}`;
      if (!merges.includes(merge)) merges.push(merge);
      token += symbol;
      add(token);
    }
  }
  specials.forEach(add);
  return { vocab, merges };
}

function idOf(vocab: Map<string, number>, text: string): number {
  const id = vocab.get(byteSymbols(text).join("")) ?? vocab.get(text);
  if (id === undefined) throw new Error(`fixture vocabulary lacks ${JSON.stringify(text)}`);
  return id;
}

function byteLevelTokenizerJson(
  { vocab, merges }: ByteLevelVocab,
  specials: readonly string[],
  plainAdded: readonly string[] = [],
) {
  const added = (content: string, special: boolean) => ({
    id: vocab.get(content),
    content,
    single_word: false,
    lstrip: false,
    rstrip: false,
    normalized: false,
    special,
  });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [
      ...specials.map((content) => added(content, true)),
      ...plainAdded.map((content) => added(content, false)),
    ],
    normalizer: null,
    pre_tokenizer: {
      type: "ByteLevel",
      add_prefix_space: false,
      trim_offsets: true,
      use_regex: true,
    },
    post_processor: {
      type: "ByteLevel",
      add_prefix_space: true,
      trim_offsets: false,
      use_regex: true,
    },
    decoder: { type: "ByteLevel", add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: "BPE",
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: "",
      end_of_word_suffix: "",
      fuse_unk: false,
      byte_fallback: false,
      vocab: Object.fromEntries(vocab),
      merges,
    },
  };
}

/** Splits `text` like the GPT-2 pre-tokenizer does for simple ASCII sentences. */
function wordPieces(text: string): string[] {
  return text.match(/ ?[A-Za-z]+| ?[^A-Za-z\s]+/g) ?? [];
}

/** Next-token table: `chain[i] -> chain[i + 1]`, everything else -> `fallback`. */
function chainTable(size: number, chain: readonly number[], fallback: number): number[] {
  const table = new Array<number>(size).fill(fallback);
  for (let i = 0; i + 1 < chain.length; i++) table[chain[i] ?? 0] = chain[i + 1] ?? fallback;
  return table;
}

// ---------------------------------------------------------------------------------------------
// Fixtures

type Files = Map<string, string | Uint8Array>;

function json(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** tokenizer.json holds thousands of entries (Whisper's timestamps): one line keeps it small. */
function compactJson(value: unknown): string {
  return `${JSON.stringify(value)}\n`;
}

const WHISPER_LANGUAGES = ["en", "ru"] as const;
/** Whisper's timestamp tokens: <|0.00|> ... <|30.00|> in 0.02 s steps. */
const WHISPER_TIMESTAMPS = 1501;
const WHISPER_TIME_PRECISION = 0.02;
/** Where the fixture ends its one segment when timestamps are requested. */
const WHISPER_SEGMENT_END = "<|2.00|>";
const WHISPER_D_MODEL = 4;

function whisperFiles(): Files {
  const specials = [
    "<|endoftext|>",
    "<|startoftranscript|>",
    ...WHISPER_LANGUAGES.map((l) => `<|${l}|>`),
    "<|translate|>",
    "<|transcribe|>",
    "<|startoflm|>",
    "<|startofprev|>",
    "<|nocaptions|>",
    // transformers.js treats every id above <|notimestamps|> as a timestamp token.
    "<|notimestamps|>",
  ];
  const timestamps = Array.from(
    { length: WHISPER_TIMESTAMPS },
    (_, i) => `<|${(i * WHISPER_TIME_PRECISION).toFixed(2)}|>`,
  );
  const words = wordPieces(WHISPER_SENTENCE);
  const bpe = byteLevelVocab(words, [...specials, ...timestamps]);
  const id = (t: string) => idOf(bpe.vocab, t);
  const eot = id("<|endoftext|>");
  const sot = id("<|startoftranscript|>");
  const transcribe = id("<|transcribe|>");
  const translate = id("<|translate|>");
  const noTimestamps = id("<|notimestamps|>");
  const vocabSize = bpe.vocab.size;

  const next = chainTable(vocabSize, [noTimestamps, ...words.map(id), eot], eot);
  next[sot] = id("<|en|>");
  for (const l of WHISPER_LANGUAGES) next[id(`<|${l}|>`)] = transcribe;
  next[transcribe] = noTimestamps;
  next[translate] = noTimestamps;
  // With return_timestamps, <|notimestamps|> is suppressed and the first timestamp wins the
  // tie among the rest: the sentence then sits between <|0.00|> and a fixed end timestamp.
  const [firstTimestamp = eot] = timestamps.map(id);
  const endTimestamp = id(WHISPER_SEGMENT_END);
  const fullStop = id(".");
  next[firstTimestamp] = next[noTimestamps] ?? eot;
  next[endTimestamp] = eot;

  // Encoder: every second frame of the first d_model mel bins, [b, 80, 3000] -> [b, 1500, d].
  const encoder = encodeModel({
    name: "whisper_encoder",
    inputs: [valueInfo("input_features", DT.FLOAT, ["batch_size", 80, 3000])],
    outputs: [valueInfo("last_hidden_state", DT.FLOAT, ["batch_size", 1500, WHISPER_D_MODEL])],
    initializers: [
      int64Tensor("starts", [0, 0]),
      int64Tensor("ends", [3000, WHISPER_D_MODEL]),
      int64Tensor("axes", [1, 2]),
      int64Tensor("steps", [2, 1]),
    ],
    nodes: [
      node("Transpose", ["input_features"], ["frames"], { perm: [0, 2, 1] }),
      node("Slice", ["frames", "starts", "ends", "axes", "steps"], ["last_hidden_state"]),
    ],
  });

  // The self-attention cache holds every token id so far; once a timestamp is among them, the
  // full stop is followed by the segment's end timestamp instead of <|endoftext|>.
  const logits = bigramLogitsNodes("input_ids", "logits", next, [
    node("ReduceMax", ["present.0.decoder.key"], ["max_seen"], { axes: [1, 2, 3], keepdims: 0 }),
    node("GreaterOrEqual", ["max_seen", "timestamp_begin"], ["timestamped"]),
    node("Unsqueeze", ["timestamped", "head_axis"], ["timestamped_col"]),
    node("Equal", ["input_ids", "full_stop"], ["is_full_stop"]),
    node("And", ["is_full_stop", "timestamped_col"], ["ends_segment"]),
    node("Where", ["ends_segment", "segment_end", "table_next"], ["next_ids"]),
  ]);
  const cache = kvCacheNodes(
    "input_ids",
    ["past_key_values.0.decoder.key", "past_key_values.0.decoder.value"],
    ["present.0.decoder.key", "present.0.decoder.value"],
  );
  const selfCache = (length: string) => ["batch_size", 1, length, 1];
  const crossCache = ["batch_size", 1, "encoder_sequence_length_out", WHISPER_D_MODEL];
  const decoder = encodeModel({
    name: "whisper_decoder_merged",
    inputs: [
      valueInfo("input_ids", DT.INT64, ["batch_size", "decoder_sequence_length"]),
      valueInfo("encoder_hidden_states", DT.FLOAT, ["batch_size", 1500, WHISPER_D_MODEL]),
      ...["decoder.key", "decoder.value"].map((kv) =>
        valueInfo(`past_key_values.0.${kv}`, DT.FLOAT, selfCache("past_decoder_sequence_length")),
      ),
      ...["encoder.key", "encoder.value"].map((kv) =>
        valueInfo(`past_key_values.0.${kv}`, DT.FLOAT, crossCache),
      ),
      valueInfo("use_cache_branch", DT.BOOL, [1]),
    ],
    outputs: [
      valueInfo("logits", DT.FLOAT, ["batch_size", "decoder_sequence_length", vocabSize]),
      ...["decoder.key", "decoder.value"].map((kv) =>
        valueInfo(`present.0.${kv}`, DT.FLOAT, selfCache("present_decoder_sequence_length")),
      ),
      ...["encoder.key", "encoder.value"].map((kv) =>
        valueInfo(`present.0.${kv}`, DT.FLOAT, crossCache),
      ),
    ],
    initializers: [
      ...logits.initializers,
      ...cache.initializers,
      int64Tensor("head_axis", [1]),
      int64Tensor("full_stop", [fullStop], []),
      int64Tensor("segment_end", [endTimestamp], []),
      floatTensor("timestamp_begin", [noTimestamps + 1], []),
    ],
    nodes: [
      ...logits.nodes,
      ...cache.nodes,
      // Cross-attention cache: the encoder output itself, one head. transformers.js reuses the
      // first step's copy afterwards, so use_cache_branch needs no If node here.
      node("Unsqueeze", ["encoder_hidden_states", "head_axis"], ["present.0.encoder.key"]),
      node("Identity", ["present.0.encoder.key"], ["present.0.encoder.value"]),
    ],
  });

  const langToId = Object.fromEntries(WHISPER_LANGUAGES.map((l) => [`<|${l}|>`, id(`<|${l}|>`)]));
  const config = {
    architectures: ["WhisperForConditionalGeneration"],
    model_type: "whisper",
    is_encoder_decoder: true,
    vocab_size: vocabSize,
    num_mel_bins: 80,
    d_model: WHISPER_D_MODEL,
    encoder_layers: 1,
    encoder_attention_heads: 1,
    decoder_layers: 1,
    decoder_attention_heads: 1,
    max_source_positions: 1500,
    max_target_positions: 448,
    bos_token_id: eot,
    eos_token_id: eot,
    pad_token_id: eot,
    decoder_start_token_id: sot,
    use_cache: true,
  };
  const generationConfig = {
    bos_token_id: eot,
    eos_token_id: eot,
    pad_token_id: eot,
    decoder_start_token_id: sot,
    max_length: 448,
    is_multilingual: true,
    lang_to_id: langToId,
    task_to_id: { transcribe, translate },
    no_timestamps_token_id: noTimestamps,
    prev_sot_token_id: id("<|startofprev|>"),
    forced_decoder_ids: [
      [1, null],
      [2, transcribe],
    ],
    return_timestamps: false,
  };
  const preprocessorConfig = {
    feature_extractor_type: "WhisperFeatureExtractor",
    processor_class: "WhisperProcessor",
    feature_size: 80,
    sampling_rate: 16000,
    hop_length: 160,
    chunk_length: 30,
    n_fft: 400,
    n_samples: 480000,
    nb_max_frames: 3000,
    padding_side: "right",
    padding_value: 0.0,
    return_attention_mask: false,
  };
  const tokenizerConfig = {
    tokenizer_class: "WhisperTokenizer",
    bos_token: "<|endoftext|>",
    eos_token: "<|endoftext|>",
    unk_token: "<|endoftext|>",
    pad_token: "<|endoftext|>",
    add_prefix_space: false,
    clean_up_tokenization_spaces: false,
    model_max_length: 1024,
  };
  return new Map<string, string | Uint8Array>([
    ["config.json", json(config)],
    ["generation_config.json", json(generationConfig)],
    ["preprocessor_config.json", json(preprocessorConfig)],
    ["tokenizer.json", compactJson(byteLevelTokenizerJson(bpe, specials, timestamps))],
    ["tokenizer_config.json", json(tokenizerConfig)],
    ["onnx/encoder_model.onnx", encoder],
    ["onnx/decoder_model_merged.onnx", decoder],
  ]);
}

const CHATML_TEMPLATE =
  "{% for message in messages %}" +
  "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}" +
  "{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

function qwen2Files(): Files {
  const specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];
  const words = wordPieces(QWEN_ANSWER);
  const bpe = byteLevelVocab(words, specials);
  const id = (t: string) => idOf(bpe.vocab, t);
  const endOfText = id("<|endoftext|>");
  const imEnd = id("<|im_end|>");
  const vocabSize = bpe.vocab.size;
  const answer = words.map(id);
  const first = answer[0] ?? imEnd;
  // Any prompt token starts the answer; the answer's own tokens continue it up to <|im_end|>.
  const next = chainTable(vocabSize, [...answer, imEnd], first);
  next[imEnd] = imEnd;
  next[endOfText] = imEnd;

  const logits = bigramLogitsNodes("input_ids", "logits", next);
  const cache = kvCacheNodes(
    "input_ids",
    ["past_key_values.0.key", "past_key_values.0.value"],
    ["present.0.key", "present.0.value"],
  );
  const past = ["batch_size", 1, "past_sequence_length", 1];
  const present = ["batch_size", 1, "total_sequence_length", 1];
  const model = encodeModel({
    name: "qwen2_decoder",
    inputs: [
      valueInfo("input_ids", DT.INT64, ["batch_size", "sequence_length"]),
      valueInfo("attention_mask", DT.INT64, ["batch_size", "total_sequence_length"]),
      valueInfo("position_ids", DT.INT64, ["batch_size", "sequence_length"]),
      valueInfo("past_key_values.0.key", DT.FLOAT, past),
      valueInfo("past_key_values.0.value", DT.FLOAT, past),
    ],
    outputs: [
      valueInfo("logits", DT.FLOAT, ["batch_size", "sequence_length", vocabSize]),
      valueInfo("present.0.key", DT.FLOAT, present),
      valueInfo("present.0.value", DT.FLOAT, present),
    ],
    initializers: [...logits.initializers, ...cache.initializers],
    nodes: [...logits.nodes, ...cache.nodes],
  });

  const config = {
    architectures: ["Qwen2ForCausalLM"],
    model_type: "qwen2",
    vocab_size: vocabSize,
    hidden_size: 1,
    intermediate_size: 1,
    num_hidden_layers: 1,
    num_attention_heads: 1,
    num_key_value_heads: 1,
    max_position_embeddings: 32768,
    bos_token_id: endOfText,
    eos_token_id: imEnd,
    tie_word_embeddings: true,
    torch_dtype: "float32",
    use_cache: true,
  };
  const generationConfig = {
    bos_token_id: endOfText,
    eos_token_id: [imEnd, endOfText],
    pad_token_id: endOfText,
    do_sample: false,
  };
  const tokenizerConfig = {
    tokenizer_class: "Qwen2Tokenizer",
    bos_token: null,
    eos_token: "<|im_end|>",
    pad_token: "<|endoftext|>",
    unk_token: null,
    add_prefix_space: false,
    clean_up_tokenization_spaces: false,
    errors: "replace",
    model_max_length: 32768,
    split_special_tokens: false,
    chat_template: CHATML_TEMPLATE,
  };
  return new Map<string, string | Uint8Array>([
    ["config.json", json(config)],
    ["generation_config.json", json(generationConfig)],
    ["tokenizer.json", compactJson(byteLevelTokenizerJson(bpe, specials))],
    ["tokenizer_config.json", json(tokenizerConfig)],
    ["onnx/model.onnx", model],
  ]);
}

/** MMS-TTS style character vocabularies: id 0 is the blank interleaved between characters. */
const TTS_ALPHABETS = {
  "mms-tts-eng": "abcdefghijklmnopqrstuvwxyz",
  "mms-tts-rus": "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
} as const;
const TTS_PUNCTUATION = " '-!,.?";
const TTS_BLANK = "_";

function vitsFiles(name: keyof typeof TTS_ALPHABETS): Files {
  const symbols = [TTS_BLANK, ...TTS_PUNCTUATION, ...TTS_ALPHABETS[name]];
  const vocab = Object.fromEntries(symbols.map((s, i) => [s, i]));
  const escape = (s: string) => s.replace(/[\\\]^-]/g, (c) => `\\${c}`);
  const allowed = escape(symbols.filter((s) => s !== TTS_BLANK).join(""));
  const tokenizer = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [],
    // Like MMS: lowercase, drop characters the voice cannot say, then put the blank between
    // (and around) the remaining characters, so n characters become 2n + 1 ids.
    normalizer: {
      type: "Sequence",
      normalizers: [
        { type: "Lowercase" },
        { type: "Replace", pattern: { Regex: `[^${allowed}]` }, content: "" },
        { type: "Replace", pattern: { Regex: "" }, content: TTS_BLANK },
      ],
    },
    pre_tokenizer: { type: "FixedLength", length: 1 },
    post_processor: null,
    decoder: null,
    model: { vocab },
  };
  const tokenizerConfig = {
    tokenizer_class: "VitsTokenizer",
    pad_token: TTS_BLANK,
    unk_token: TTS_BLANK,
    add_blank: true,
    normalize: true,
    phonemize: false,
    is_uroman: false,
    language: name.slice("mms-tts-".length),
    clean_up_tokenization_spaces: true,
  };

  // waveform[t] = A * sin(2 pi f (t mod sr) / sr): exact phase for integer f, any length.
  const hz = TTS_TONE_HZ[name];
  const model = encodeModel({
    name: "vits_tone",
    inputs: [valueInfo("input_ids", DT.INT64, ["batch_size", "text_length"])],
    outputs: [valueInfo("waveform", DT.FLOAT, ["batch_size", "num_samples"])],
    initializers: [
      int64Tensor("zero", [0], []),
      int64Tensor("one", [1], []),
      int64Tensor("first_axis", [0]),
      int64Tensor("samples_per_id", [TTS_SAMPLES_PER_ID], []),
      int64Tensor("sampling_rate", [TTS_SAMPLING_RATE], []),
      floatTensor("angular_step", [(2 * Math.PI * hz) / TTS_SAMPLING_RATE], []),
      floatTensor("amplitude", [TTS_AMPLITUDE], []),
    ],
    nodes: [
      node("Shape", ["input_ids"], ["ids_shape"]),
      node("Gather", ["ids_shape", "zero"], ["batch"], { axis: 0 }),
      node("Gather", ["ids_shape", "one"], ["text_length"], { axis: 0 }),
      node("Mul", ["text_length", "samples_per_id"], ["num_samples"]),
      node("Range", ["zero", "num_samples", "one"], ["t"]),
      node("Mod", ["t", "sampling_rate"], ["t_in_second"], { fmod: 0 }),
      node("Cast", ["t_in_second"], ["t_f"], { to: DT.FLOAT }),
      node("Mul", ["t_f", "angular_step"], ["phase"]),
      node("Sin", ["phase"], ["sine"]),
      node("Mul", ["sine", "amplitude"], ["tone"]),
      node("Unsqueeze", ["tone", "first_axis"], ["tone_row"]),
      node("Unsqueeze", ["batch", "first_axis"], ["batch_1d"]),
      node("Unsqueeze", ["num_samples", "first_axis"], ["samples_1d"]),
      node("Concat", ["batch_1d", "samples_1d"], ["waveform_shape"], { axis: 0 }),
      node("Expand", ["tone_row", "waveform_shape"], ["waveform"]),
    ],
  });

  const config = {
    architectures: ["VitsModel"],
    model_type: "vits",
    vocab_size: symbols.length,
    sampling_rate: TTS_SAMPLING_RATE,
    hidden_size: 1,
    num_speakers: 1,
  };
  return new Map<string, string | Uint8Array>([
    ["config.json", json(config)],
    ["tokenizer.json", compactJson(tokenizer)],
    ["tokenizer_config.json", json(tokenizerConfig)],
    ["onnx/model.onnx", model],
  ]);
}

/** Every fixture model, keyed by its id relative to `env.localModelPath`. */
export function fixtureFiles(): Map<string, Files> {
  return new Map([
    ["fixture/whisper", whisperFiles()],
    ["fixture/qwen2", qwen2Files()],
    ["fixture/mms-tts-eng", vitsFiles("mms-tts-eng")],
    ["fixture/mms-tts-rus", vitsFiles("mms-tts-rus")],
  ]);
}

/**
 * Writes every fixture model under `outDir` (a transformers.js `localModelPath`) and
 * returns the written paths relative to it.
 */
export async function makeFixtures(outDir: string = FIXTURES_DIR): Promise<string[]> {
  const written: string[] = [];
  for (const [modelId, files] of fixtureFiles()) {
    for (const [file, content] of files) {
      const path = join(outDir, modelId, file);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
      written.push(join(modelId, file));
    }
  }
  return written;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const written = await makeFixtures();
  console.log(`wrote ${written.length} files under ${FIXTURES_DIR}`);
}
