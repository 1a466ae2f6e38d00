/**
 * Reads a Bot API request body into method parameters and uploaded files. Telegram accepts
 * query strings, `application/json`, `application/x-www-form-urlencoded` and
 * `multipart/form-data`; grammY sends JSON, or multipart when a call uploads an `InputFile`.
 * Multipart goes through busboy because Node 20's `Request.formData()` rejects grammY's
 * bodies. Form fields holding JSON (`reply_markup`, `entities`, ...) are decoded, and
 * `attach://<part>` references are resolved to the uploaded part.
 */
import type { IncomingMessage } from "node:http";
import busboy from "busboy";
import { ApiError, badRequest } from "./errors.js";

/** A file the bot uploaded in a multipart request. */
export interface UploadedFile {
  /** The parameter that refers to it, e.g. `"voice"` or `"document"`. */
  field: string;
  fileName: string;
  /** The part's content type; grammY always sends `application/octet-stream`. */
  mimeType: string;
  bytes: Buffer;
}

/** A decoded request: scalar fields stay strings (form bodies) or JSON values (JSON bodies). */
export interface RequestBody {
  params: Record<string, unknown>;
  /** Uploaded files by the parameter that refers to them. */
  files: Map<string, UploadedFile>;
}

const tooLarge = () => new ApiError({ error_code: 413, description: "Request Entity Too Large" });

/** Parses the query string and body of `req`; uploads above `maxUploadBytes` are a 413. */
export async function readBody(
  req: IncomingMessage,
  url: URL,
  maxUploadBytes: number,
): Promise<RequestBody> {
  const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (type.startsWith("multipart/form-data")) {
    const parts = await readMultipart(req, maxUploadBytes);
    for (const [key, value] of parts.fields) params[key] = decodeField(value);
    return { params, files: resolveAttachments(params, parts.files) };
  }
  const raw = await readAll(req, maxUploadBytes);
  if (type.startsWith("application/json") && raw.length > 0) {
    let json: unknown;
    try {
      json = JSON.parse(raw.toString("utf8"));
    } catch {
      throw badRequest("invalid JSON body");
    }
    if (typeof json !== "object" || json === null) throw badRequest("JSON body must be an object");
    Object.assign(params, json);
  } else if (raw.length > 0) {
    for (const [key, value] of new URLSearchParams(raw.toString("utf8"))) {
      params[key] = decodeField(value);
    }
  }
  return { params, files: new Map() };
}

/** Form fields carry objects as JSON text; scalars stay strings (Telegram coerces per field). */
function decodeField(value: string): unknown {
  if (!/^\s*[[{]/.test(value)) return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

function readAll(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) reject(tooLarge());
      else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

interface Parts {
  fields: Map<string, string>;
  files: Map<string, Omit<UploadedFile, "field">>;
}

function readMultipart(req: IncomingMessage, limit: number): Promise<Parts> {
  return new Promise((resolve, reject) => {
    const parts: Parts = { fields: new Map(), files: new Map() };
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: limit } });
    } catch (error) {
      reject(badRequest(`invalid multipart body: ${(error as Error).message}`));
      return;
    }
    parser.on("field", (name, value) => parts.fields.set(name, value));
    parser.on("file", (name, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("limit", () => reject(tooLarge()));
      stream.on("close", () =>
        parts.files.set(name, {
          fileName: info.filename ?? name,
          mimeType: info.mimeType,
          bytes: Buffer.concat(chunks),
        }),
      );
    });
    parser.on("close", () => resolve(parts));
    parser.on("error", (error: Error) =>
      reject(badRequest(`invalid multipart body: ${error.message}`)),
    );
    req.pipe(parser);
  });
}

/** Maps each `attach://<part>` field (or a part named like the field itself) to its file. */
function resolveAttachments(
  params: Record<string, unknown>,
  parts: Parts["files"],
): Map<string, UploadedFile> {
  const files = new Map<string, UploadedFile>();
  const attached = new Set<string>();
  for (const [field, value] of Object.entries(params)) {
    const part = typeof value === "string" && value.startsWith("attach://") ? value.slice(9) : "";
    const file = parts.get(part);
    if (file) {
      files.set(field, { field, ...file });
      attached.add(part);
    }
  }
  for (const [name, file] of parts) {
    if (!attached.has(name) && !(name in params)) {
      files.set(name, { field: name, ...file });
      params[name] = `attach://${name}`;
    }
  }
  return files;
}
