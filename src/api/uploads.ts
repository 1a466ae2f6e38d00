/**
 * Files sent as multipart form fields: the schema every upload route declares (so the
 * OpenAPI document shows a file picker) and the one check they all need before a file
 * reaches the job layer.
 */
import { z } from "@hono/zod-openapi";
import type { MediaInput } from "../jobs/index.js";
import { HttpError } from "./errors.js";

/** A multipart file field, as the schema of a route's form. */
export const fileField = z
  .instanceof(File, { message: "a file is required (multipart form field)" })
  .openapi({ type: "string", format: "binary" });

/** The file's bytes for the job layer; an empty file is refused here, clearly. */
export async function mediaInput(file: File): Promise<MediaInput> {
  if (file.size === 0) throw new HttpError(400, "input.empty", "the file is empty (0 bytes)");
  return {
    bytes: new Uint8Array(await file.arrayBuffer()),
    ...(file.name ? { fileName: file.name } : {}),
    ...(file.type ? { mimeType: file.type } : {}),
  };
}
