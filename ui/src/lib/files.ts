/**
 * Files of a thread (D12, D16) as the page can use them: blob URLs made from the bytes the
 * door hands over (`Backend.fileBytes`), never a URL of the hub (the page has no token and the
 * CSP allows no connection).
 *
 * Visitor files are hostile (DESIGN §8): a preview is made only for raster images
 * (`previewable`), and a download's blob is typed `application/octet-stream`, so no file is
 * ever rendered as a document in the app's origin. Previews are kept in a small cache (the
 * thread is virtualized: rows come and go as the agent scrolls) and revoked when evicted.
 */
import type { FileInfo } from "./protocol";
import type { Backend } from "./backend";
import { previewable } from "./bytes";

/** Previews kept at once; the oldest is revoked beyond this. */
const MAX_PREVIEWS = 24;
/** Bigger images are not previewed (a click downloads them). */
export const MAX_PREVIEW_BYTES = 8 * 1024 * 1024;

const previews = new Map<string, Promise<string>>();

function remember(id: string, url: Promise<string>): void {
  previews.set(id, url);
  while (previews.size > MAX_PREVIEWS) {
    const [oldest, promise] = previews.entries().next().value as [string, Promise<string>];
    previews.delete(oldest);
    promise.then((u) => URL.revokeObjectURL(u)).catch(() => {});
  }
}

export function canPreview(file: FileInfo): boolean {
  return previewable(file.mime) && file.size <= MAX_PREVIEW_BYTES;
}

/** A blob URL showing the image, made once per file while it stays in the cache. */
export function previewUrl(backend: Backend, file: FileInfo): Promise<string> {
  if (!canPreview(file)) return Promise.reject(new Error("not previewable"));
  const known = previews.get(file.id);
  if (known) {
    // Most recently used last.
    previews.delete(file.id);
    previews.set(file.id, known);
    return known;
  }
  const url = backend.fileBytes(file.id).then((bytes) => URL.createObjectURL(new Blob([bytes], { type: file.mime })));
  url.catch(() => previews.delete(file.id));
  remember(file.id, url);
  return url;
}

/** Saves the file through the webview's download (an anchor with `download`). */
export async function download(backend: Backend, file: FileInfo): Promise<void> {
  const bytes = await backend.fileBytes(file.id);
  const url = URL.createObjectURL(new Blob([bytes], { type: "application/octet-stream" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = safeName(file.name);
  a.rel = "noopener";
  a.style.display = "none";
  document.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

/** A file name without directories or control characters (the name is the visitor's). */
export function safeName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = name.replace(/[\u0000-\u001f\u007f/\\]/g, "_").replace(/^\.+/, "").trim();
  return cleaned === "" ? "file" : cleaned.slice(0, 200);
}

/** For tests: forget every preview. */
export function clearPreviews(): void {
  previews.clear();
}
