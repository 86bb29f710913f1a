import { defineConfig } from "vite";

// The co-browsing recorder, `dist/cobrowse.js` (`src/recorder/`): one self-contained IIFE with
// rrweb inside, built after `dist/widget.js` (so it must not empty `dist/`). The hub serves it
// at `/cobrowse.js`; the widget loads it only once the visitor accepted to share the page.
export default defineConfig({
  // rrweb's bundle carries postcss's `process.env` checks; the page has no `process`.
  define: {
    "process.env.NODE_ENV": JSON.stringify("production"),
    "process.env.LANG": "undefined",
  },
  build: {
    outDir: "dist",
    emptyOutDir: false,
    target: "es2020",
    sourcemap: false,
    lib: {
      entry: "src/recorder/main.ts",
      name: "PupitreCobrowse",
      formats: ["iife"],
      fileName: () => "cobrowse.js",
    },
  },
});
