/**
 * The admin's desk options (SPEC A3, D16): each a switch. The desk hides what is off (not
 * disabled: gone), and the hub refuses it with `forbidden` anyway.
 *
 * Of the eleven, the desk has today: canned responses (composer button and `/` picker, the `/`
 * shortcut, the rail's drawer, the "…" menu's "My canned responses", the suggestions), ask the
 * visitor for a file, send a file (attach, drop, paste), co-browsing ("See the page"), mark
 * important (the pane header's toggle; a mark already there still shows on its box), print and
 * e-mail to self (the pane header's buttons), knowledge search, the assistant and the agents
 * online (the rail's drawers: `DRAWER_OPTION`), and ask a manager (M2: the pane header's tool
 * and its dialog).
 */
import type { AgentProfile, DeskOptions } from "./protocol";

/** A new project's desk has every tool (the Rust side's `DeskOptions::default`). */
export const ALL_ON: DeskOptions = {
  print: true,
  email_to_self: true,
  mark_important: true,
  ask_manager: true,
  online_agents: true,
  knowledge_search: true,
  canned_responses: true,
  request_file: true,
  send_file: true,
  assistant: true,
  cobrowse: true,
};

/**
 * The options of a profile. Only an explicit `false` turns a tool off: a profile without
 * `options` (a desk cache written before they existed) or without one of them has it on, as
 * serde's `#[serde(default)]` reads it on the Rust side.
 */
export function deskOptions(profile: Pick<AgentProfile, "options"> | null | undefined): DeskOptions {
  const given: Partial<DeskOptions> = profile?.options ?? {};
  const out = { ...ALL_ON };
  for (const key of Object.keys(ALL_ON) as (keyof DeskOptions)[]) out[key] = given[key] !== false;
  return out;
}
