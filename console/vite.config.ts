/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The hub serves console/dist under /admin/ with a strict CSP (no inline script or style, no
// data: fonts): every asset is a file of its own, never inlined.
export default defineConfig({
  base: "/admin/",
  plugins: [svelte()],
  clearScreen: false,
  server: {
    port: 5174,
    strictPort: true,
    // `npm run dev` against a hub on this computer (`pupitre serve --listen 127.0.0.1:8470`).
    proxy: { "/api": process.env.PUPITRE_HUB ?? "http://127.0.0.1:8470" },
  },
  build: {
    outDir: "dist",
    target: "es2022",
    sourcemap: false,
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
  },
  // Tests mount components in jsdom: resolve Svelte for the browser.
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
  test: {
    environment: "jsdom",
    setupFiles: ["./src/test-setup.ts"],
    include: ["src/**/*.test.ts"],
    // Hang guards, not timings: jsdom tests take seconds on a busy 2-core CI machine.
    testTimeout: 30_000,
  },
});
