/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// One self-contained IIFE, `dist/widget.js`: the hub serves it at `/widget.js` and pages embed
// it with one tag. Styles live in the script (injected into a Shadow DOM root), so there is no
// CSS file, no eval and no inline script: it runs under a strict CSP.
export default defineConfig({
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2020",
    sourcemap: false,
    lib: {
      entry: "src/main.ts",
      name: "Pupitre",
      formats: ["iife"],
      fileName: () => "widget.js",
    },
  },
  test: {
    environment: "jsdom",
    include: ["test/**/*.test.ts"],
    globals: true,
  },
});
