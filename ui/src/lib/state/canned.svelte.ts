/**
 * Canned responses (D12): loaded once per session (again when the admin switches them back on,
 * A3), filtered by `/shortcut` in the composer, and suggested from the visitor's last message
 * ("smart responses").
 */
import type { Backend, CannedResponse, CannedResponseDraft } from "../backend";

/** Lower case, no accents: "Délais" → "delais". */
export function fold(text: string): string {
  return text.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase();
}

function sameLanguage(response: CannedResponse, language: string | null): boolean {
  return language !== null && response.language !== null && fold(language).startsWith(fold(response.language));
}

/**
 * `/hel`: shortcuts starting with the query first, then shortcuts or titles containing it;
 * within each rank, the visitor's language first, then personal ones, then alphabetical.
 */
export function matchCanned(list: CannedResponse[], query: string, language: string | null = null): CannedResponse[] {
  const q = fold(query.trim());
  const rank = (r: CannedResponse): number => {
    if (q === "") return 0;
    const shortcut = fold(r.shortcut);
    if (shortcut.startsWith(q)) return 0;
    if (shortcut.includes(q) || fold(r.title).includes(q)) return 1;
    return -1;
  };
  return list
    .map((r) => ({ r, rank: rank(r) }))
    .filter((x) => x.rank >= 0)
    .sort(
      (a, b) =>
        a.rank - b.rank ||
        Number(sameLanguage(b.r, language)) - Number(sameLanguage(a.r, language)) ||
        Number(b.r.personal) - Number(a.r.personal) ||
        a.r.shortcut.localeCompare(b.r.shortcut),
    )
    .map((x) => x.r);
}

// Words too common to say what a message is about (French and English, 4 letters or more).
const STOP = new Set([
  "pour", "avec", "dans", "vous", "nous", "avoir", "etre", "peux", "puis", "sont", "avez", "votre", "cette", "mais", "bien", "merci", "bonjour",
  "this", "that", "with", "have", "your", "there", "what", "about", "will", "would", "could", "thanks", "hello",
]);

function words(text: string): string[] {
  return fold(text)
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length >= 4 && !STOP.has(w));
}

/** Up to `max` responses sharing words (by their first 5 letters) with the visitor's message. */
export function suggest(list: CannedResponse[], visitorText: string | null, language: string | null, max = 3): CannedResponse[] {
  if (!visitorText) return [];
  const stems = new Set(words(visitorText).map((w) => w.slice(0, 5)));
  if (stems.size === 0) return [];
  return list
    .map((r) => {
      const own = new Set(words(`${r.title} ${r.shortcut} ${r.text}`).map((w) => w.slice(0, 5)));
      let score = 0;
      for (const s of stems) if (own.has(s)) score++;
      if (score > 0 && sameLanguage(r, language)) score += 0.5;
      return { r, score };
    })
    .filter((x) => x.score >= 1)
    .sort((a, b) => b.score - a.score)
    .slice(0, max)
    .map((x) => x.r);
}

export class CannedResponses {
  list = $state<CannedResponse[]>([]);
  loaded = $state(false);

  /** Admin responses grouped by theme, then personal ones under `null`. */
  byTheme = $derived.by(() => {
    const groups = new Map<string | null, CannedResponse[]>();
    for (const r of this.list) {
      const key = r.personal ? null : (r.theme ?? "");
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    return [...groups.entries()].sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)));
  });

  /** Bumped by each `load` and `clear`: an answer that comes after a newer one, or after the
   * option was switched off, is dropped. */
  #generation = 0;

  async load(backend: Backend): Promise<void> {
    const generation = ++this.#generation;
    const list = await backend.cannedResponses();
    if (generation !== this.#generation) return;
    this.list = list;
    this.loaded = true;
  }

  /** The admin switched canned responses off (A3): none anywhere, not even suggested. */
  clear(): void {
    this.#generation++;
    this.list = [];
    this.loaded = false;
  }

  async create(backend: Backend, draft: CannedResponseDraft): Promise<CannedResponse> {
    const created = await backend.createCannedResponse(draft);
    this.list.push(created);
    return created;
  }
}
