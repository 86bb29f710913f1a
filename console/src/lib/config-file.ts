/**
 * A project's configuration file (A10, crates/server/src/admin/config_file.rs): checked here
 * before the hub is asked (readable JSON, the format and version this hub writes, not larger
 * than the hub takes), so a wrong file is named at once; the hub stays the judge of the rest.
 */
import type { ImportReport } from "./api";
import type { Problem } from "./fields";

export const CONFIG_FORMAT = "pupitre-configuration";
export const CONFIG_VERSION = 1;
/** The hub's body limit for a configuration file (`MAX_CONFIGURATION_BODY`,
 * crates/server/src/api/mod.rs). */
export const MOST_IMPORT_BYTES = 8 * 1024 * 1024;

export type FileCheck = { file: Record<string, unknown>; project: string | null } | { problem: Problem };

/** Whether `text` (of `bytes` bytes) may be a configuration file this hub reads. */
export function checkConfiguration(text: string, bytes: number): FileCheck {
  if (bytes > MOST_IMPORT_BYTES) return { problem: { key: "export.too_large", params: { max: MOST_IMPORT_BYTES / 1024 } } };
  if (text.trim() === "") return { problem: { key: "export.empty_file" } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { problem: { key: "export.not_json" } };
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) return { problem: { key: "export.wrong_format" } };
  const file = parsed as Record<string, unknown>;
  if (file.format !== CONFIG_FORMAT) return { problem: { key: "export.wrong_format" } };
  if (file.version !== CONFIG_VERSION) return { problem: { key: "export.wrong_version", params: { version: String(file.version ?? "?") } } };
  return { file, project: typeof file.project === "string" ? file.project : null };
}

/** Whether an import changes nothing (canned responses and articles kept are no change). */
export function changesNothing(report: ImportReport): boolean {
  return (
    report.settings.length === 0 &&
    report.groups_created.length === 0 &&
    report.groups_with_new_hours.length === 0 &&
    report.canned_added.length === 0 &&
    report.articles_added.length === 0
  );
}

/** The name to save a download under: the hub's, or one like it. */
export function downloadName(hubName: string | null, project: string): string {
  return hubName ?? `pupitre-${project.replace(/[^\w-]+/g, "_")}-configuration.json`;
}
