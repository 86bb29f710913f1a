// The widget's size budget (issue 4: ≤ 30 KB gzipped), checked in `npm run size`.
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const BUDGET = 30 * 1024;
const path = new URL("../dist/widget.js", import.meta.url);
let source;
try {
  source = readFileSync(path);
} catch {
  console.error("dist/widget.js is missing: run `npm run build` first");
  process.exit(1);
}
const gzipped = gzipSync(source, { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(`dist/widget.js: ${kb(source.length)} raw, ${kb(gzipped)} gzipped (${gzipped} bytes; budget ${kb(BUDGET)})`);
if (gzipped > BUDGET) {
  console.error(`over budget by ${gzipped - BUDGET} bytes`);
  process.exit(1);
}
