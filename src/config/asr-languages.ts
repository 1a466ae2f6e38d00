/**
 * The languages Whisper knows, as transformers.js 4.3.1 names them (its
 * `models/whisper/common_whisper.js`), with their ISO 639-2/3 codes, so that ASR_LANGUAGE may
 * be written `ru`, `rus` or `russian` and always reaches the pipeline as the code
 * transformers.js takes (`ru`). Whisper's own quirks are kept: Javanese is `jw`, Hawaiian `haw`.
 */

/** [Whisper code, English name, other names and codes (ISO 639-2/B, 639-2/T or 639-3)]. */
const LANGUAGES: readonly (readonly [string, string, ...string[]])[] = [
  ["en", "english", "eng"],
  ["zh", "chinese", "zho", "chi"],
  ["de", "german", "deu", "ger"],
  ["es", "spanish", "spa", "castilian"],
  ["ru", "russian", "rus"],
  ["ko", "korean", "kor"],
  ["fr", "french", "fra", "fre"],
  ["ja", "japanese", "jpn"],
  ["pt", "portuguese", "por"],
  ["tr", "turkish", "tur"],
  ["pl", "polish", "pol"],
  ["ca", "catalan", "cat", "valencian"],
  ["nl", "dutch", "nld", "dut", "flemish"],
  ["ar", "arabic", "ara"],
  ["sv", "swedish", "swe"],
  ["it", "italian", "ita"],
  ["id", "indonesian", "ind"],
  ["hi", "hindi", "hin"],
  ["fi", "finnish", "fin"],
  ["vi", "vietnamese", "vie"],
  ["he", "hebrew", "heb"],
  ["uk", "ukrainian", "ukr"],
  ["el", "greek", "ell", "gre"],
  ["ms", "malay", "msa", "may"],
  ["cs", "czech", "ces", "cze"],
  ["ro", "romanian", "ron", "rum", "moldavian", "moldovan"],
  ["da", "danish", "dan"],
  ["hu", "hungarian", "hun"],
  ["ta", "tamil", "tam"],
  ["no", "norwegian", "nor"],
  ["th", "thai", "tha"],
  ["ur", "urdu", "urd"],
  ["hr", "croatian", "hrv"],
  ["bg", "bulgarian", "bul"],
  ["lt", "lithuanian", "lit"],
  ["la", "latin", "lat"],
  ["mi", "maori", "mri", "mao"],
  ["ml", "malayalam", "mal"],
  ["cy", "welsh", "cym", "wel"],
  ["sk", "slovak", "slk", "slo"],
  ["te", "telugu", "tel"],
  ["fa", "persian", "fas", "per"],
  ["lv", "latvian", "lav"],
  ["bn", "bengali", "ben"],
  ["sr", "serbian", "srp"],
  ["az", "azerbaijani", "aze"],
  ["sl", "slovenian", "slv"],
  ["kn", "kannada", "kan"],
  ["et", "estonian", "est"],
  ["mk", "macedonian", "mkd", "mac"],
  ["br", "breton", "bre"],
  ["eu", "basque", "eus", "baq"],
  ["is", "icelandic", "isl", "ice"],
  ["hy", "armenian", "hye", "arm"],
  ["ne", "nepali", "nep"],
  ["mn", "mongolian", "mon"],
  ["bs", "bosnian", "bos"],
  ["kk", "kazakh", "kaz"],
  ["sq", "albanian", "sqi", "alb"],
  ["sw", "swahili", "swa"],
  ["gl", "galician", "glg"],
  ["mr", "marathi", "mar"],
  ["pa", "punjabi", "pan", "panjabi"],
  ["si", "sinhala", "sin", "sinhalese"],
  ["km", "khmer", "khm"],
  ["sn", "shona", "sna"],
  ["yo", "yoruba", "yor"],
  ["so", "somali", "som"],
  ["af", "afrikaans", "afr"],
  ["oc", "occitan", "oci"],
  ["ka", "georgian", "kat", "geo"],
  ["be", "belarusian", "bel"],
  ["tg", "tajik", "tgk"],
  ["sd", "sindhi", "snd"],
  ["gu", "gujarati", "guj"],
  ["am", "amharic", "amh"],
  ["yi", "yiddish", "yid"],
  ["lo", "lao"],
  ["uz", "uzbek", "uzb"],
  ["fo", "faroese", "fao"],
  ["ht", "haitian creole", "hat", "haitian"],
  ["ps", "pashto", "pus", "pushto"],
  ["tk", "turkmen", "tuk"],
  ["nn", "nynorsk", "nno"],
  ["mt", "maltese", "mlt"],
  ["sa", "sanskrit", "san"],
  ["lb", "luxembourgish", "ltz", "letzeburgesch"],
  ["my", "myanmar", "mya", "bur", "burmese"],
  ["bo", "tibetan", "bod", "tib"],
  ["tl", "tagalog", "tgl"],
  ["mg", "malagasy", "mlg"],
  ["as", "assamese", "asm"],
  ["tt", "tatar", "tat"],
  ["haw", "hawaiian"],
  ["ln", "lingala", "lin"],
  ["ha", "hausa", "hau"],
  ["ba", "bashkir", "bak"],
  ["jw", "javanese", "jav", "jv"],
  ["su", "sundanese", "sun"],
];

const BY_NAME: ReadonlyMap<string, string> = new Map(
  LANGUAGES.flatMap(([code, ...names]) => [code, ...names].map((name) => [name, code] as const)),
);

/** Every Whisper language code, in Whisper's order. */
export const WHISPER_LANGUAGE_CODES: readonly string[] = LANGUAGES.map(([code]) => code);

/** "ru (russian, rus)" for each language: what an error message lists. */
export function acceptedAsrLanguages(): string[] {
  return LANGUAGES.map(([code, name, ...others]) => `${code} (${[name, ...others].join(", ")})`);
}

/**
 * The Whisper code for a 2- or 3-letter code or an English name, any case;
 * "auto" stays "auto"; `undefined` for anything Whisper does not know.
 */
export function normaliseAsrLanguage(text: string): string | undefined {
  const key = text
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, " ");
  if (key === "auto") return "auto";
  return BY_NAME.get(key);
}
