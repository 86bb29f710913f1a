/**
 * uPlot formats numbers with `new Intl.NumberFormat(navigator.language)` when its module loads.
 * Under a POSIX locale (`LANG=C`, as on a bare session) WebKitGTK reports a language Intl
 * refuses, and that throws: the charts would fall back to their tables. Imported before uPlot
 * (`uplot.ts`): when Intl refuses the browser's language, this page's `navigator.language`
 * reads as the document's language, or English.
 */
function usable(tag: string): boolean {
  try {
    new Intl.NumberFormat(tag);
    return true;
  } catch {
    return false;
  }
}

if (typeof navigator !== "undefined" && !usable(navigator.language)) {
  const lang = document.documentElement.lang;
  Object.defineProperty(navigator, "language", { value: lang && usable(lang) ? lang : "en", configurable: true });
}

export {};
