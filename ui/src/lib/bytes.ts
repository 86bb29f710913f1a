/** Bytes for the door: base64 for `send_file` (Tauri's JSON IPC), sizes for people. */
import { numberFormat, t } from "./i18n/i18n";

/** Standard base64 (with padding, no `data:` prefix). Chunked: `String.fromCharCode(...big)`
 * would overflow the call stack on a 10 MB file. */
export function toBase64(bytes: Uint8Array): string {
  const CHUNK = 0x8000;
  let binary = "";
  for (let i = 0; i < bytes.length; i += CHUNK) {
    binary += String.fromCharCode(...bytes.subarray(i, i + CHUNK));
  }
  return btoa(binary);
}

/** `512 B`, `12 KB`, `3.4 MB` (`3,4 Mo`) in the agent's locale (powers of 1024, as file managers do). */
export function fileSize(bytes: number): string {
  const format = (value: number, digits: number) =>
    numberFormat({ maximumFractionDigits: digits }).format(value);
  if (bytes < 1024) return `${format(bytes, 0)} ${t("size.b")}`;
  if (bytes < 1024 * 1024) return `${format(bytes / 1024, bytes < 10 * 1024 ? 1 : 0)} ${t("size.kb")}`;
  return `${format(bytes / (1024 * 1024), 1)} ${t("size.mb")}`;
}

/** Raster images the desk previews inline. SVG is left out on purpose: it is a document that
 * can carry script, and visitor files are hostile (DESIGN §8). */
const PREVIEWABLE = new Set(["image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp"]);

export function previewable(mime: string): boolean {
  return PREVIEWABLE.has(mime.toLowerCase().split(";")[0].trim());
}
