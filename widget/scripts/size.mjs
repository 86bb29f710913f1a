// The widget's size budget (issue 4: ≤ 30 KB gzipped), checked in `npm run size`. The
// co-browsing recorder (`dist/cobrowse.js`, loaded only when a visitor shares their page) has
// a budget of its own, to catch a bundle that grows by mistake (rrweb's replayer pulled in).
import { readFileSync } from "node:fs";
import { gzipSync } from "node:zlib";

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
let failed = false;
for (const [name, budget] of [
  ["widget.js", 30 * 1024],
  ["cobrowse.js", 80 * 1024],
]) {
  let source;
  try {
    source = readFileSync(new URL(`../dist/${name}`, import.meta.url));
  } catch {
    console.error(`dist/${name} is missing: run \`npm run build\` first`);
    process.exit(1);
  }
  const gzipped = gzipSync(source, { level: 9 }).length;
  console.log(`dist/${name}: ${kb(source.length)} raw, ${kb(gzipped)} gzipped (${gzipped} bytes; budget ${kb(budget)})`);
  if (gzipped > budget) {
    console.error(`dist/${name} is over budget by ${gzipped - budget} bytes`);
    failed = true;
  }
}
if (failed) process.exit(1);
