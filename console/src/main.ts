/**
 * Entry: the console under /admin/, talking to the hub that serves it (same origin). The
 * language follows the browser (i18n.ts does it on import).
 */
import "@fontsource/inter/latin-400.css";
import "@fontsource/inter/latin-500.css";
import "@fontsource/inter/latin-600.css";
import "@fontsource/inter/latin-700.css";
import "@fontsource/inter/latin-ext-400.css";
import "./app.css";
import { mount } from "svelte";
import App from "./App.svelte";
import { createApi } from "./lib/api";

mount(App, { target: document.getElementById("app")!, props: { api: createApi() } });
