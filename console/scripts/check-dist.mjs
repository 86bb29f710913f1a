// After `vite build`: the built console must run under the hub's CSP (`script-src 'self';
// style-src 'self'; font-src` falling back to `'self'`): no inline <script> or <style>, no
// style attributes, no event-handler attributes, no data: URL in the CSS (fonts would be
// refused), every asset under /admin/.
import { readFileSync, readdirSync } from "node:fs";

const dist = new URL("../dist/", import.meta.url);
const html = readFileSync(new URL("index.html", dist), "utf8");
const problems = [];

for (const match of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
  if (!/\bsrc=/.test(match[1]) || match[2].trim() !== "") problems.push(`inline <script>: ${match[0].slice(0, 80)}`);
}
if (/<style\b/i.test(html)) problems.push("inline <style> in index.html");
if (/\sstyle=/i.test(html)) problems.push("style attribute in index.html");
if (/\son[a-z]+=/i.test(html)) problems.push("event-handler attribute in index.html");
for (const match of html.matchAll(/\b(?:src|href)="([^"]+)"/g)) {
  const url = match[1];
  if (url !== "data:," && !url.startsWith("/admin/")) problems.push(`asset outside /admin/: ${url}`);
}
for (const file of readdirSync(new URL("assets/", dist))) {
  if (!file.endsWith(".css")) continue;
  const css = readFileSync(new URL(`assets/${file}`, dist), "utf8");
  if (/url\(\s*["']?data:/i.test(css)) problems.push(`data: URL in ${file}`);
}

if (problems.length > 0) {
  console.error(`console/dist breaks the hub's CSP:\n  ${problems.join("\n  ")}`);
  process.exit(1);
}
console.log("console/dist: no inline script or style, every asset under /admin/.");
