import { vitePreprocess } from "@sveltejs/vite-plugin-svelte";

export default {
  preprocess: vitePreprocess(),
  // css: "external" (the default with Vite) puts component styles in the built .css file:
  // nothing is injected at run time, which the hub's `style-src 'self'` would refuse.
  compilerOptions: { runes: true },
};
