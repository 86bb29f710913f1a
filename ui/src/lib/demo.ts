/**
 * Demo data for the browser (no Tauri): a logged-in agent, four conversations (one waiting for
 * the agent, one waiting for the visitor, one with a live visitor draft, one snoozed), statuses
 * and canned responses by theme in French and English.
 */
import type { ConversationView, Message } from "./protocol";
import { FakeBackend, type FakeData } from "./fake-backend";

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

export function demoData(now: number): FakeData {
  let id = 5000;
  const msg = (conversation: string, at: number, author: Message["author"], body: Message["body"]): Message => ({
    id: id++,
    conversation,
    client_id: author.kind === "agent" ? crypto.randomUUID() : null,
    author,
    body,
    at,
  });
  const camille = { kind: "agent" as const, id: 1042, name: "Camille" };
  const visitor = { kind: "visitor" as const };
  const system = { kind: "system" as const };
  const text = (t: string) => ({ kind: "text" as const, text: t });

  const lea: ConversationView = {
    reference: "DEMO-1042",
    state: "assigned",
    group: 1,
    channel: "chat",
    visitor: {
      id: "v-lea",
      name: "Léa Martin",
      email: "lea.m@example.org",
      page_url: "https://shop.example.com/produits/casque-x200",
      page_title: "Casque X200 — Boutique",
      language: "fr-FR",
      user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    },
    visitor_online: true,
    created_at: now - 12 * MIN - 10 * S,
    assigned_agent: 1042,
    waiting_since: null,
    last_agent_message_at: now - 45 * S,
    snoozed_until: null,
    messages: [],
  };
  const r = lea.reference;
  lea.messages = [
    msg(r, lea.created_at, system, { kind: "event", event: { kind: "navigated", url: "https://shop.example.com/produits/casque-x200", title: "Casque X200" } }),
    msg(r, lea.created_at + 2 * S, visitor, text("Bonjour, le casque X200 est-il compatible avec mon téléphone ?")),
    msg(r, lea.created_at + 3 * S, system, { kind: "event", event: { kind: "assigned", agent: "Camille" } }),
    msg(r, lea.created_at + 40 * S, camille, text("Bonjour Léa ! Oui, il se connecte en Bluetooth 5.3 à tous les smartphones récents. La fiche technique : https://shop.example.com/x200/specs")),
    msg(r, now - 6 * MIN, visitor, text("Super, et la livraison prend combien de temps ?")),
    msg(r, now - 45 * S, camille, text("Comptez 2 jours ouvrés en livraison standard, 24 h en express (commande avant 14 h).")),
  ];

  const tom: ConversationView = {
    reference: "DEMO-1044",
    state: "assigned",
    group: 1,
    channel: "chat",
    visitor: {
      id: "v-tom",
      name: "Tom Becker",
      email: null,
      page_url: "https://shop.example.com/support/warranty",
      page_title: "Warranty & returns",
      language: "en-GB",
      user_agent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    },
    visitor_online: true,
    created_at: now - 4 * MIN - 20 * S,
    assigned_agent: 1042,
    waiting_since: now - 72 * S,
    last_agent_message_at: null,
    snoozed_until: null,
    messages: [],
  };
  tom.messages = [
    msg(tom.reference, tom.created_at, visitor, text("Hi, I have a question about the warranty on my X200 headset — the left ear cup crackles.")),
    msg(tom.reference, tom.created_at + 2 * S, system, { kind: "event", event: { kind: "assigned", agent: "Hugo" } }),
    msg(tom.reference, now - 80 * S, system, { kind: "comment", text: "He already called twice about this; a warranty extension was promised on the phone." }),
    msg(tom.reference, now - 80 * S, system, { kind: "event", event: { kind: "transferred", from: "Hugo", to: "Camille" } }),
    msg(tom.reference, now - 72 * S, visitor, text("Is anyone there? I bought it in March, order 55120.")),
  ];

  const anon: ConversationView = {
    reference: "DEMO-1039",
    state: "assigned",
    group: 1,
    channel: "chat",
    visitor: {
      id: "v-7f3a",
      name: null,
      email: "k.durand@example.net",
      page_url: "https://shop.example.com/compte/commandes",
      page_title: "Mes commandes",
      language: "fr-FR",
      user_agent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36",
    },
    visitor_online: false,
    created_at: now - 15 * H - 41 * MIN,
    assigned_agent: 1042,
    waiting_since: null,
    last_agent_message_at: now - 20 * S - 2 * MIN,
    snoozed_until: null,
    messages: [],
  };
  const a = anon.reference;
  anon.messages = [
    msg(a, anon.created_at, visitor, text("Ma commande 55812 n'est pas arrivée.")),
    msg(a, anon.created_at + 1 * S, system, { kind: "sentence", sentence: "auto_reply", text: "👋 Bonjour ! Laissez-nous un message, nous vous répondrons dès que possible…" }),
    msg(a, anon.created_at + 3 * MIN, system, { kind: "event", event: { kind: "email_left" } }),
    msg(a, now - 3 * H, system, { kind: "event", event: { kind: "snoozed", agent: "Hugo", until: now - 10 * MIN, keep: false } }),
    msg(a, now - 10 * MIN, system, { kind: "event", event: { kind: "woke" } }),
    msg(a, now - 10 * MIN, system, { kind: "event", event: { kind: "assigned", agent: "Camille" } }),
    msg(a, now - 2 * MIN - 20 * S, camille, text("Bonjour, je regarde votre commande tout de suite. Le colis est chez le transporteur : https://track.example.com/55812")),
  ];

  return {
    profile: {
      id: 1042,
      name: "Camille Laurent",
      email: "camille@example.com",
      project: "DEMO",
      role: "agent",
      groups: [{ id: 1, name: "Support" }],
      slot_limit: 3,
      slot_max: 5,
      statuses: [
        { channel: "chat", chosen: { kind: "available" }, availability: "busy" },
        { channel: "call", chosen: { kind: "unavailable" }, availability: "unavailable" },
      ],
      optional_statuses: ["In training", "On the phone", "With supervisor", "No new conversation", "Looking up information"],
      conversation_types: ["Order tracking", "Product question", "Return / warranty", "Billing", "Other"],
    },
    conversations: [lea, tom, anon],
    snoozed: [
      {
        reference: "DEMO-1031",
        visitor_name: "Sofia Rossi",
        until: tomorrowAt(now, 9),
        keep: true,
        last_visitor_text: "I'll check with my bank and come back to you tomorrow.",
      },
    ],
    agents: [
      { id: 1042, name: "Camille Laurent", availability: "busy", groups: [1] },
      { id: 1017, name: "Hugo Bernard", availability: "available", groups: [1, 2] },
      { id: 1023, name: "Sarah Klein", availability: "busy", groups: [1] },
      { id: 1031, name: "Marc Dubois", availability: "unavailable", groups: [1] },
      { id: 1055, name: "Nadia Haddad", availability: "offline", groups: [1, 3] },
    ],
    groups: [
      { id: 1, name: "Support" },
      { id: 2, name: "Sales" },
      { id: 3, name: "Billing" },
    ],
    canned: [
      { id: "a1", shortcut: "hello", title: "Greeting", text: "Hello, thank you for contacting us! How can I help you today?", theme: "Greetings", language: "en", personal: false },
      { id: "a2", shortcut: "bonjour", title: "Salutation", text: "Bonjour, merci de nous avoir contactés ! Comment puis-je vous aider ?", theme: "Greetings", language: "fr", personal: false },
      { id: "a3", shortcut: "help", title: "Anything else?", text: "Is there anything else I can help you with?", theme: "Greetings", language: "en", personal: false },
      { id: "a4", shortcut: "delai", title: "Délais de livraison", text: "La livraison standard prend 2 jours ouvrés ; l'express, 24 h pour toute commande passée avant 14 h.", theme: "Delivery", language: "fr", personal: false },
      { id: "a5", shortcut: "delivery", title: "Delivery times", text: "Standard delivery takes 2 working days; express delivers within 24 h for orders placed before 2 pm.", theme: "Delivery", language: "en", personal: false },
      { id: "a6", shortcut: "suivi", title: "Suivi de commande", text: "Vous pouvez suivre votre colis à tout moment depuis votre espace client, rubrique « Mes commandes ».", theme: "Orders", language: "fr", personal: false },
      { id: "a7", shortcut: "tracking", title: "Order tracking", text: "You can track your parcel at any time from your account, under “My orders”.", theme: "Orders", language: "en", personal: false },
      { id: "a8", shortcut: "garantie", title: "Garantie", text: "Tous nos casques sont garantis 2 ans. Je vous envoie le formulaire de retour.", theme: "Returns", language: "fr", personal: false },
      { id: "a9", shortcut: "warranty", title: "Warranty", text: "All our headsets carry a 2-year warranty. I'm sending you the return form now.", theme: "Returns", language: "en", personal: false },
      { id: "p1", shortcut: "brb", title: "One moment", text: "Give me one moment, I'm looking into it.", theme: null, language: "en", personal: true },
    ],
    history: [
      { visitor: "v-lea", reference: "DEMO-0877", visitor_name: "Léa Martin", closed_at: now - 40 * 24 * H, agent_name: "Hugo Bernard", conversation_type: "Return / warranty", excerpt: "Retour du casque X100, étiquette envoyée." },
      { visitor: "v-lea", reference: "DEMO-0712", visitor_name: "Léa Martin", closed_at: now - 80 * 24 * H, agent_name: "Camille Laurent", conversation_type: "Product question", excerpt: "Question sur le tarif étudiant." },
      { visitor: "v-tom", reference: "DEMO-0950", visitor_name: "Tom Becker", closed_at: now - 6 * 24 * H, agent_name: "Hugo Bernard", conversation_type: "Return / warranty", excerpt: "Crackling left ear cup; asked for a photo." },
    ],
  };
}

function tomorrowAt(now: number, hour: number): number {
  const d = new Date(now);
  d.setDate(d.getDate() + 1);
  d.setHours(hour, 0, 0, 0);
  return d.getTime();
}

/** Keeps the demo alive: Léa types, then sends; a new visitor arrives a little later. */
export function animateDemo(backend: FakeBackend): () => void {
  const draft = "Et si je commande aujourd'hui, je peux l'avoir avant samedi ?";
  const timers: ReturnType<typeof setTimeout>[] = [];
  const at = (ms: number, fn: () => void) => timers.push(setTimeout(fn, ms));
  backend.emit({ kind: "visitor_draft", conversation: "DEMO-1042", text: draft.slice(0, 44) + "…" });
  for (let i = 45; i <= draft.length; i += 3) {
    at(20_000 + (i - 45) * 120, () => backend.emit({ kind: "visitor_draft", conversation: "DEMO-1042", text: draft.slice(0, i) }));
  }
  at(24_000, () => {
    backend.emit({ kind: "visitor_draft", conversation: "DEMO-1042", text: "" });
    backend.visitorWrites("DEMO-1042", draft);
  });
  return () => timers.forEach(clearTimeout);
}
