/**
 * Knowledge articles (A8): title, body, tags and language, searchable by the hub
 * (`GET …/knowledge?q=&language=`). The hub's rules mirrored (title 1–200 characters on one
 * line, body 1–20,000, at most 20 tags of 1–40 lowercase letters, digits, `-` and `_`, a
 * language code such as en, fr or pt-BR), and tags as typed turned into the list sent. Pure.
 */
import type * as Hub from "./hub";
import type { Problem } from "./fields";
import { codePoint, forbiddenCharacter } from "./lists";

export const TITLE_MAX = 200;
export const ARTICLE_BODY_MAX = 20_000;
export const MOST_TAGS = 20;
export const TAG_MAX = 40;
/** The languages offered first (any code the hub accepts may be typed). */
export const KNOWLEDGE_LANGUAGES = ["en", "fr"] as const;

/** A knowledge article (`GET …/knowledge`), as the hub keeps it. */
export type KnowledgeArticle = Hub.Article;

/** What `POST`/`PUT …/knowledge` take. */
export type KnowledgeInput = Hub.ArticleRequest;

export function titleProblem(text: string): Problem | null {
  if (text.trim() === "") return { key: "knowledge.title_required" };
  const count = [...text.trim()].length;
  if (count > TITLE_MAX) return { key: "people.too_long", params: { max: TITLE_MAX, count } };
  const bad = forbiddenCharacter(text);
  if (bad !== null) return { key: "list.control", params: { code: codePoint(bad) } };
  return null;
}

export function articleBodyProblem(text: string): Problem | null {
  if (text.trim() === "") return { key: "knowledge.body_required" };
  const count = [...text].length;
  if (count > ARTICLE_BODY_MAX) return { key: "people.too_long", params: { max: ARTICLE_BODY_MAX, count } };
  return null;
}

/** Tags as typed ("Delivery, returns  refund"): split on commas and spaces, trimmed, lower-cased, once each. */
export function parseTags(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split(/[,\s]+/)) {
    const tag = raw.trim().toLowerCase();
    if (tag !== "" && !out.includes(tag)) out.push(tag);
  }
  return out;
}

const TAG = /^[a-z0-9_-]+$/;

export function tagsProblem(tags: readonly string[]): Problem | null {
  if (tags.length > MOST_TAGS) return { key: "knowledge.too_many_tags", params: { max: MOST_TAGS, count: tags.length } };
  for (const tag of tags) {
    if ([...tag].length > TAG_MAX) return { key: "knowledge.tag_long", params: { tag, max: TAG_MAX } };
    if (!TAG.test(tag)) return { key: "knowledge.tag_invalid", params: { tag } };
  }
  return null;
}

/** A language code such as en, fr or pt-BR (the hub's `is_language`). */
export function isLanguage(code: string): boolean {
  return /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(code);
}

export function languageProblem(code: string): Problem | null {
  return isLanguage(code.trim()) ? null : { key: "knowledge.language_invalid" };
}

/** The input id a hub `fields` path lands on (`tags.3` on the tags input). */
export function inputForPath(path: string): string | null {
  const head = path.split(".")[0];
  return head === "title" || head === "body" || head === "tags" || head === "language" ? `knowledge-${head}` : null;
}
