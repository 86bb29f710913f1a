/**
 * The console's sections: the seed admin page's, in its order ("Configuration générale"),
 * with co-browsing's page after the desk options that offer it, then the project-wide ones of
 * issue 10 (A8's conversation types next to "People and content", which will hold them).
 * `ready` ones have a page; the others are listed, disabled, as coming soon.
 */
import Gauge from "@lucide/svelte/icons/gauge";
import Timer from "@lucide/svelte/icons/timer";
import SlidersHorizontal from "@lucide/svelte/icons/sliders-horizontal";
import ScreenShare from "@lucide/svelte/icons/screen-share";
import CircleDot from "@lucide/svelte/icons/circle-dot";
import ClipboardList from "@lucide/svelte/icons/clipboard-list";
import MessageSquareHeart from "@lucide/svelte/icons/message-square-heart";
import Shapes from "@lucide/svelte/icons/shapes";
import Clock from "@lucide/svelte/icons/clock";
import IdCard from "@lucide/svelte/icons/id-card";
import Users from "@lucide/svelte/icons/users";
import Palette from "@lucide/svelte/icons/palette";
import Tags from "@lucide/svelte/icons/tags";
import ScrollText from "@lucide/svelte/icons/scroll-text";
import ArrowDownUp from "@lucide/svelte/icons/arrow-down-up";
import type { Role } from "./api";
import type { Key } from "./i18n/i18n";

export type SectionId =
  | "capacity"
  | "timeouts"
  | "desk_options"
  | "cobrowse"
  | "statuses"
  | "agent_questionnaire"
  | "visitor_survey"
  | "misc"
  | "hours"
  | "visitor_card"
  | "people"
  | "widget"
  | "conversation_types"
  | "audit"
  | "export";

export interface Section {
  id: SectionId;
  title: Key;
  group: "livechat" | "project";
  ready: boolean;
  icon: typeof Gauge;
  /**
   * What a manager does there (M4): `edit` (their groups' hours, agents and canned
   * responses), `read` (the project's settings: shown read only, no Save the hub would
   * refuse), `hidden` (the admin's: not in their navigation).
   */
  manager: "edit" | "read" | "hidden";
}

export const SECTIONS: readonly Section[] = [
  { id: "capacity", title: "section.capacity", group: "livechat", ready: true, icon: Gauge, manager: "read" },
  { id: "timeouts", title: "section.timeouts", group: "livechat", ready: true, icon: Timer, manager: "read" },
  { id: "desk_options", title: "section.desk_options", group: "livechat", ready: true, icon: SlidersHorizontal, manager: "read" },
  // A3, C1, C2, C4: co-browsing's sites and masks; whether it is offered is a desk option.
  { id: "cobrowse", title: "section.cobrowse", group: "livechat", ready: true, icon: ScreenShare, manager: "read" },
  { id: "statuses", title: "section.statuses", group: "livechat", ready: true, icon: CircleDot, manager: "read" },
  { id: "agent_questionnaire", title: "section.agent_questionnaire", group: "livechat", ready: true, icon: ClipboardList, manager: "read" },
  { id: "visitor_survey", title: "section.visitor_survey", group: "livechat", ready: true, icon: MessageSquareHeart, manager: "read" },
  { id: "misc", title: "section.misc", group: "livechat", ready: true, icon: Shapes, manager: "read" },
  { id: "hours", title: "section.hours", group: "livechat", ready: true, icon: Clock, manager: "edit" },
  { id: "visitor_card", title: "section.visitor_card", group: "livechat", ready: true, icon: IdCard, manager: "read" },
  { id: "people", title: "section.people", group: "project", ready: true, icon: Users, manager: "edit" },
  // A8's widget look (colour, font, e-mail capture, survey, questionnaire, files).
  { id: "widget", title: "section.widget", group: "project", ready: true, icon: Palette, manager: "read" },
  // A8's conversation types (R9), a page of their own until "People and content" exists.
  { id: "conversation_types", title: "section.conversation_types", group: "project", ready: true, icon: Tags, manager: "read" },
  { id: "audit", title: "section.audit", group: "project", ready: true, icon: ScrollText, manager: "hidden" },
  { id: "export", title: "section.export", group: "project", ready: true, icon: ArrowDownUp, manager: "hidden" },
];

export const FIRST_SECTION: SectionId = "capacity";

/** Whether `role` sees `section` in the navigation (a manager not the admin's own). */
export function visibleTo(section: Section, role: Role): boolean {
  return role !== "manager" || section.manager !== "hidden";
}

/** Whether `role` only reads `section` (a manager on the project's settings). */
export function readOnlyFor(id: SectionId, role: Role): boolean {
  return role === "manager" && sectionById(id).manager === "read";
}

/** The ready section a `location.hash` names (`#/timeouts`) that `role` may open, or the first one. */
export function sectionFromHash(hash: string, role: Role = "admin"): SectionId {
  const id = hash.replace(/^#\/?/, "");
  const found = SECTIONS.find((s) => s.id === id && s.ready && visibleTo(s, role));
  return found ? found.id : FIRST_SECTION;
}

export function sectionById(id: SectionId): Section {
  return SECTIONS.find((s) => s.id === id)!;
}

export const hashFor = (id: SectionId) => `#/${id}`;
