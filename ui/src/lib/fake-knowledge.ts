/**
 * D16 as the desk answers it, for the FakeBackend: the knowledge tab's search (words in the
 * title, tags or body, accents and case ignored; no words: the newest articles) and the
 * assistant's ranking (BM25 over the knowledge articles, the canned responses and the agent's
 * own past answers, as the Rust side computes it on the agent's machine).
 */
import type { Message } from "./protocol";
import type { AssistantAnswer, AssistantSource, CannedResponse, KnowledgeArticle, KnowledgeQuery } from "./backend";

/** At most this many articles in one search answer (the drawer lists them all). */
export const KNOWLEDGE_LIMIT = 20;
/** At most this many answers in one reply of the assistant: the best ones, the rest is noise. */
export const ASSISTANT_LIMIT = 5;

/** BM25's usual constants: term frequency saturation and length normalisation. */
const K1 = 1.2;
const B = 0.75;

/** Words that carry no meaning for ranking, in the desk's two languages. */
const STOP = new Set(
  (
    "a an and are as at be but by can do does for from has have how i if in is it its me my no not of on or our so " +
    "that the their them there this to was we what when where which who why will with you your " +
    "au aux avec ce ces cet cette dans de des du elle en est et il ils je la le les leur ma mes mon ne nous on ou " +
    "par pas pour qu que qui sa se ses son sont sur ta te tes ton tu un une vos votre vous y est-ce peut puis"
  ).split(" "),
);

/** The words of a text, lower case, without accents, without stop words. */
export function words(text: string): string[] {
  return text
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w.length > 1 && !STOP.has(w));
}

/** The knowledge tab's search: every word of the query in the article (title, tags or body),
 * best matches (title first) then newest; no words: the newest. */
export function searchArticles(articles: readonly KnowledgeArticle[], query: KnowledgeQuery): KnowledgeArticle[] {
  const wanted = words(query.text);
  const pool = articles.filter((a) => query.language === null || a.language === query.language);
  const scored = pool
    .map((article) => {
      const title = new Set(words(article.title));
      const all = new Set([...title, ...words(article.tags.join(" ")), ...words(article.body)]);
      const found = wanted.every((w) => [...all].some((a) => a.startsWith(w)));
      const inTitle = wanted.filter((w) => [...title].some((a) => a.startsWith(w))).length;
      return { article, found, inTitle };
    })
    .filter((s) => wanted.length === 0 || s.found);
  scored.sort((a, b) => b.inTitle - a.inTitle || b.article.updated_at - a.article.updated_at);
  return scored.slice(0, KNOWLEDGE_LIMIT).map((s) => structuredClone(s.article));
}

/** One thing the assistant may answer with. */
export type AssistantDocument = { source: AssistantSource; title: string; text: string };

/** The agent's own past answers: each text of theirs in a closed conversation, with the
 * visitor's words it answered as its title. */
export function pastAnswers(threads: Record<string, readonly Message[]>, agentId: number): AssistantDocument[] {
  const out: AssistantDocument[] = [];
  for (const [reference, thread] of Object.entries(threads)) {
    let question: string | null = null;
    for (const message of thread) {
      if (message.body.kind !== "text") continue;
      if (message.author.kind === "visitor") question = message.body.text;
      else if (message.author.kind === "agent" && message.author.id === agentId && question !== null) {
        out.push({ source: { kind: "conversation", reference, at: message.at }, title: question, text: message.body.text });
        question = null;
      }
    }
  }
  return out;
}

/** The documents of the assistant: articles, canned responses, past answers. */
export function assistantDocuments(articles: readonly KnowledgeArticle[], canned: readonly CannedResponse[], past: readonly AssistantDocument[]): AssistantDocument[] {
  return [
    ...articles.map((a) => ({ source: { kind: "article" as const, id: a.id }, title: a.title, text: a.body })),
    ...canned.map((c) => ({ source: { kind: "canned" as const, id: c.id, shortcut: c.shortcut }, title: c.title, text: c.text })),
    ...past,
  ];
}

/** BM25 of the question against the documents (title and text together), best first; only
 * those that share a word with it, `ASSISTANT_LIMIT` at most. */
export function rank(question: string, documents: readonly AssistantDocument[]): AssistantAnswer[] {
  const query = [...new Set(words(question))];
  if (query.length === 0 || documents.length === 0) return [];
  const bags = documents.map((d) => words(`${d.title} ${d.text}`));
  const average = bags.reduce((sum, bag) => sum + bag.length, 0) / bags.length;
  const frequency = new Map<string, number>();
  for (const term of query) frequency.set(term, bags.filter((bag) => bag.some((w) => matches(w, term))).length);
  const answers: AssistantAnswer[] = [];
  documents.forEach((document, i) => {
    const bag = bags[i];
    let score = 0;
    for (const term of query) {
      const tf = bag.filter((w) => matches(w, term)).length;
      if (tf === 0) continue;
      const n = frequency.get(term) ?? 0;
      const idf = Math.log(1 + (documents.length - n + 0.5) / (n + 0.5));
      score += (idf * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * bag.length) / average));
    }
    if (score > 0) answers.push({ source: structuredClone(document.source), title: document.title, text: document.text, score: Math.round(score * 1000) / 1000 });
  });
  answers.sort((a, b) => b.score - a.score);
  return answers.slice(0, ASSISTANT_LIMIT);
}

/** A word of a document counts for a word of the question when it is it, or it with an ending
 * (`livraison` for `livr`, `delivered` for `deliver`): a crude stemming. */
function matches(word: string, term: string): boolean {
  return word === term || (term.length >= 4 && word.startsWith(term));
}
