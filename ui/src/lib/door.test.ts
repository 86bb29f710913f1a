import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const SRC = join(__dirname, "..");

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path);
    return /\.(ts|svelte)$/.test(name) ? [path] : [];
  });
}

describe("the one door (DESIGN §7)", () => {
  it("only tauri-backend.ts imports @tauri-apps", () => {
    const importers = files(SRC)
      .filter((f) => !f.endsWith(".test.ts"))
      .filter((f) => /from\s+["']@tauri-apps\//.test(readFileSync(f, "utf8")))
      .map((f) => relative(SRC, f));
    expect(importers).toEqual(["lib/tauri-backend.ts"]);
  });

  it("never renders HTML from strings", () => {
    const offenders = files(SRC)
      .filter((f) => f.endsWith(".svelte"))
      .filter((f) => /\{@html|innerHTML/.test(readFileSync(f, "utf8")))
      .map((f) => relative(SRC, f));
    expect(offenders).toEqual([]);
  });
});
