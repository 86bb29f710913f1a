/**
 * The console's sections: the seed admin page's, in its order ("Configuration générale"),
 * then the project-wide ones of issue 10 (A8's conversation types next to "People and
 * content", which will hold them). `ready` ones have a page; the others are listed,
 * disabled, as coming soon.
 */
import Gauge from "@lucide/svelte/icons/gauge";
import Timer from "@lucide/svelte/icons/timer";
import SlidersHorizontal from "@lucide/svelte/icons/sliders-horizontal";
import CircleDot from "@lucide/svelte/icons/circle-dot";
import ClipboardList from "@lucide/svelte/icons/clipboard-list";
import MessageSquareHeart from "@lucide/svelte/icons/message-square-heart";
import Shapes from "@lucide/svelte/icons/shapes";
import Clock from "@lucide/svelte/icons/clock";
import IdCard from "@lucide/svelte/icons/id-card";
import Users from "@lucide/svelte/icons/users";
import Tags from "@lucide/svelte/icons/tags";
import ScrollText from "@lucide/svelte/icons/scroll-text";
import ArrowDownUp from "@lucide/svelte/icons/arrow-down-up";
import type { Key } from "./i18n/i18n";

export type SectionId =
  | "capacity"
  | "timeouts"
  | "desk_options"
  | "statuses"
  | "agent_questionnaire"
  | "visitor_survey"
  | "misc"
  | "hours"
  | "visitor_card"
  | "people"
  | "conversation_types"
  | "audit"
  | "export";

export interface Section {
  id: SectionId;
  title: Key;
  group: "livechat" | "project";
  ready: boolean;
  icon: typeof Gauge;
}

export const SECTIONS: readonly Section[] = [
  { id: "capacity", title: "section.capacity", group: "livechat", ready: true, icon: Gauge },
  { id: "timeouts", title: "section.timeouts", group: "livechat", ready: true, icon: Timer },
  { id: "desk_options", title: "section.desk_options", group: "livechat", ready: true, icon: SlidersHorizontal },
  { id: "statuses", title: "section.statuses", group: "livechat", ready: true, icon: CircleDot },
  { id: "agent_questionnaire", title: "section.agent_questionnaire", group: "livechat", ready: false, icon: ClipboardList },
  { id: "visitor_survey", title: "section.visitor_survey", group: "livechat", ready: false, icon: MessageSquareHeart },
  { id: "misc", title: "section.misc", group: "livechat", ready: true, icon: Shapes },
  { id: "hours", title: "section.hours", group: "livechat", ready: true, icon: Clock },
  { id: "visitor_card", title: "section.visitor_card", group: "livechat", ready: false, icon: IdCard },
  { id: "people", title: "section.people", group: "project", ready: false, icon: Users },
  // A8's conversation types (R9), a page of their own until "People and content" exists.
  { id: "conversation_types", title: "section.conversation_types", group: "project", ready: true, icon: Tags },
  { id: "audit", title: "section.audit", group: "project", ready: true, icon: ScrollText },
  { id: "export", title: "section.export", group: "project", ready: true, icon: ArrowDownUp },
];

export const FIRST_SECTION: SectionId = "capacity";

/** The ready section a `location.hash` names (`#/timeouts`), or the first one. */
export function sectionFromHash(hash: string): SectionId {
  const id = hash.replace(/^#\/?/, "");
  const found = SECTIONS.find((s) => s.id === id && s.ready);
  return found ? found.id : FIRST_SECTION;
}

export function sectionById(id: SectionId): Section {
  return SECTIONS.find((s) => s.id === id)!;
}

export const hashFor = (id: SectionId) => `#/${id}`;
