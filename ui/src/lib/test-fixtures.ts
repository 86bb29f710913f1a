/** Builders shared by the tests. */
import type { ConversationView, Message } from "./protocol";
import type { DeskState } from "./backend";
import { demoData } from "./demo";

export const T0 = Date.UTC(2025, 2, 14, 13, 0, 0);

export function view(reference: string, patch: Partial<ConversationView> = {}): ConversationView {
  return {
    reference,
    state: "assigned",
    group: 1,
    channel: "chat",
    visitor: { id: `v-${reference}`, name: null, email: null, page_url: null, page_title: null, language: null, user_agent: null, fields: [], custom: {} },
    visitor_online: true,
    created_at: T0 - 600_000,
    assigned_agent: 1042,
    waiting_since: null,
    last_agent_message_at: null,
    snoozed_until: null,
    important: false,
    joined: [],
    messages: [],
    ...patch,
  };
}

let nextId = 1;
export function message(conversation: string, author: "visitor" | "agent" | "system", text: string, at = T0, clientId: string | null = null): Message {
  return {
    id: nextId++,
    conversation,
    client_id: clientId,
    author: author === "agent" ? { kind: "agent", id: 1042, name: "Camille" } : { kind: author },
    body: { kind: "text", text },
    at,
  };
}

export function state(conversations: ConversationView[], patch: Partial<DeskState> = {}): DeskState {
  return {
    profile: demoData(T0).profile,
    connection: { state: "online" },
    conversations,
    snoozed: [],
    outbox: [],
    waiting: conversations.filter((c) => c.waiting_since !== null).length,
    visitor_drafts: {},
    timeout_reminders: {},
    cobrowse: {},
    keyring_warning: null,
    help: [],
    watching: [],
    ...patch,
  };
}
