/**
 * Demo data for the browser (no Tauri): a logged-in agent, four conversations (one waiting for
 * the agent and marked important, one waiting for the visitor, one with a live visitor draft,
 * one snoozed), statuses and canned responses by theme in French and English, the visitors'
 * earlier conversations, today's figures with two sales, half a year of statistics and closed
 * conversations (D15, demo-stats.ts), a closing questionnaire (A5, R9), the colleagues online and
 * the knowledge articles (D16: with the canned responses and Camille's own past answers, what
 * the assistant answers from), the supervision side of the project (M1–M3: the groups' queues and
 * the colleagues' conversations a manager's board shows and watches; `withManager` makes Camille
 * a manager whom Sarah asks for help), and on demand (`longConversation`) a 10,000-message
 * history to scroll.
 */
import type { AgentQuestionnaire, ConversationView, FileInfo, HelpRequest, Message, TeamMember, VisitorCard } from "./protocol";
import type { KnowledgeArticle } from "./backend";
import { FakeBackend, type FakeData, type FakeSupervision } from "./fake-backend";
import { ALL_ON } from "./options";
import { demoStats } from "./demo-stats";

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
      custom: {},
      fields: [
        { label: "Sujet", value: "Question produit" },
        { label: "Panier", value: "129,90 €" },
      ],
    },
    visitor_online: true,
    created_at: now - 12 * MIN - 10 * S,
    assigned_agent: 1042,
    waiting_since: null,
    last_agent_message_at: now - 45 * S,
    snoozed_until: null,
    important: false,
    joined: [],
    messages: [],
  };
  const r = lea.reference;
  lea.messages = [
    msg(r, lea.created_at, system, { kind: "event", event: { kind: "navigated", url: "https://shop.example.com/produits/casque-x200", title: "Casque X200" } }),
    msg(r, lea.created_at + 2 * S, visitor, text("Bonjour, le casque X200 est-il compatible avec mon téléphone ?")),
    msg(r, lea.created_at + 3 * S, system, { kind: "event", event: { kind: "assigned", agent: "Camille" } }),
    msg(r, lea.created_at + 40 * S, camille, text("Bonjour Léa ! Oui, il se connecte en Bluetooth 5.3 à tous les smartphones récents. La fiche technique : https://shop.example.com/x200/specs")),
    msg(r, lea.created_at + 70 * S, camille, {
      kind: "offer",
      offer: {
        title: "Casque X200 — livraison express offerte",
        text: "Jusqu'à dimanche, l'express est offert pour toute commande du X200.",
        link: "https://shop.example.com/produits/casque-x200?promo=EXPRESS",
        image: null,
      },
    }),
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
      custom: {},
      fields: [
        { label: "Topic", value: "Warranty / return" },
        { label: "Order number", value: "55120" },
      ],
    },
    visitor_online: true,
    created_at: now - 4 * MIN - 20 * S,
    assigned_agent: 1042,
    waiting_since: now - 72 * S,
    last_agent_message_at: null,
    snoozed_until: null,
    // D16: Hugo marked it important (a customer who called twice).
    important: true,
    joined: [],
    messages: [],
  };
  tom.messages = [
    msg(tom.reference, tom.created_at, visitor, text("Hi, I have a question about the warranty on my X200 headset — the left ear cup crackles.")),
    msg(tom.reference, tom.created_at + 2 * S, system, { kind: "event", event: { kind: "assigned", agent: "Hugo" } }),
    msg(tom.reference, tom.created_at + 30 * S, system, { kind: "event", event: { kind: "file_requested", agent: "Hugo" } }),
    msg(tom.reference, tom.created_at + 70 * S, visitor, { kind: "file", file: DEMO_PHOTO }),
    msg(tom.reference, now - 80 * S, system, { kind: "comment", text: "He already called twice about this; a warranty extension was promised on the phone." }),
    msg(tom.reference, now - 80 * S, system, { kind: "event", event: { kind: "marked_important", agent: "Hugo", important: true } }),
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
      custom: {},
      fields: [],
    },
    visitor_online: false,
    created_at: now - 15 * H - 41 * MIN,
    assigned_agent: 1042,
    waiting_since: null,
    last_agent_message_at: now - 20 * S - 2 * MIN,
    snoozed_until: null,
    important: false,
    joined: [],
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

  const closedThread = (reference: string, at: number, agent: string, lines: [Message["author"]["kind"], string][], score: number, comment: string | null): Message[] => {
    const who = { kind: "agent" as const, id: agent === "Camille" ? 1042 : 1017, name: agent };
    // Ids in the order of time, as the hub gives them.
    const out = [msg(reference, at, visitor, text(lines[0][1])), msg(reference, at + 2 * S, system, { kind: "event", event: { kind: "assigned", agent } })];
    lines.slice(1).forEach(([kind, line], i) => out.push(msg(reference, at + (i + 1) * 50 * S, kind === "agent" ? who : visitor, text(line))));
    const end = at + lines.length * 50 * S;
    out.push(msg(reference, end, system, { kind: "event", event: { kind: "closed", by: agent, conversation_type: null } }));
    out.push(msg(reference, end + 40 * S, system, { kind: "event", event: { kind: "survey_answered", score, comment } }));
    return out;
  };

  const conversationTypes = ["Order tracking", "Product question", "Return / warranty", "Billing", "Other"];
  const { stats, closed } = demoStats(now, conversationTypes, "Camille Laurent", [1, 2, 3]);

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
      optional_status_labels: {
        "In training": { fr: "En formation" },
        "On the phone": { fr: "Téléphone" },
        "With supervisor": { fr: "Échange avec le superviseur" },
        "No new conversation": { fr: "Pas de nouvelle conversation" },
        "Looking up information": { fr: "En recherche d'information" },
      },
      conversation_types: conversationTypes,
      // A3: every tool on, as a new project has them (`?off=canned_responses,send_file` in the demo).
      options: { ...ALL_ON },
      // A5: the admin lets agents send the survey during a conversation.
      may_send_survey: true,
      site_origins: ["https://shop.example.com"],
      // A5, R9: the admin's closing questionnaire, to answer before closing (`?questionnaire=`
      // in the demo: `optional` lets Camille close without it and has no Cancel, `none` removes it).
      agent_questionnaire: demoQuestionnaire(),
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
    threads: {
      "DEMO-0877": closedThread("DEMO-0877", now - 40 * 24 * H - 20 * MIN, "Hugo", [
        ["visitor", "Bonjour, je voudrais retourner mon casque X100, il ne tient pas la charge."],
        ["agent", "Bonjour Léa, désolé pour ce souci. Je vous envoie une étiquette de retour prépayée."],
        ["visitor", "Merci ! Je la reçois par e-mail ?"],
        ["agent", "Oui, dans quelques minutes. Retour du casque X100, étiquette envoyée."],
      ], 5, "Très rapide, merci Hugo !"),
      "DEMO-0712": closedThread("DEMO-0712", now - 80 * 24 * H - 15 * MIN, "Camille", [
        ["visitor", "Avez-vous un tarif étudiant ?"],
        ["agent", "Bonjour ! Oui : -10 % sur présentation de votre carte, directement au panier."],
      ], 4, null),
      "DEMO-0950": closedThread("DEMO-0950", now - 6 * 24 * H - 30 * MIN, "Hugo", [
        ["visitor", "My X200's left ear cup crackles when I move my head."],
        ["agent", "Sorry to hear that! Could you send me a photo of the ear cup?"],
        ["visitor", "I'll take one tonight."],
      ], 3, "Still waiting for the return form."),
      // Camille's own earlier conversations (not her visitors' of today): the assistant learns
      // from her answers in them (D16).
      "DEMO-0981": closedThread("DEMO-0981", now - 9 * 24 * H - 2 * H, "Camille", [
        ["visitor", "Livrez-vous en Belgique ? Et en combien de temps ?"],
        ["agent", "Oui, nous livrons en Belgique en 3 à 4 jours ouvrés, frais de port offerts dès 60 €."],
        ["visitor", "Et si je commande avant samedi, je l'ai quand ?"],
        ["agent", "Commandée avant vendredi 14 h en express, votre commande part le jour même et arrive le samedi en France ; pour la Belgique, comptez le mardi suivant."],
      ], 5, null),
      "DEMO-0990": closedThread("DEMO-0990", now - 4 * 24 * H - 5 * H, "Camille", [
        ["visitor", "Can I pay for the X200 in three instalments?"],
        ["agent", "Yes: choose “Pay in 3” at checkout, for any order from 100 € to 2,000 €, at no extra cost."],
      ], 4, null),
      "DEMO-0996": closedThread("DEMO-0996", now - 2 * 24 * H - 3 * H, "Camille", [
        ["visitor", "Mon casque ne s'appaire plus avec mon téléphone, que faire ?"],
        ["agent", "Essayez une réinitialisation : casque éteint, maintenez le bouton d'alimentation et le volume + pendant 10 secondes jusqu'au clignotement bleu et rouge, puis appairez-le de nouveau."],
      ], 5, "Réglé en deux minutes !"),
    },
    today: {
      conversations: 14,
      closed: 11,
      first_response_avg_ms: 18_000,
      response_avg_ms: 42_000,
      satisfaction_avg: 4.7,
      satisfaction_count: 9,
      // D15: two orders the site reported for Camille's conversations (129,90 € + 59,90 €).
      sales: [{ currency: "EUR", count: 2, amount_minor: 18_980 }],
    },
    files: { [DEMO_PHOTO.id]: { info: DEMO_PHOTO, bytes: new Uint8Array(0) } },
    stats,
    closed,
    team: demoTeam(),
    knowledge: demoKnowledge(now),
    supervision: demoSupervision(now, () => id++),
  };
}

/** M1–M3: the groups' queues and the conversations on the colleagues' desks (Sarah, Hugo,
 * Yanis), whole, for a manager's board and watch. No help request is open. */
function demoSupervision(now: number, nextId: () => number): FakeSupervision {
  const visitor = { kind: "visitor" as const };
  const system = { kind: "system" as const };
  const sarah = { kind: "agent" as const, id: 1023, name: "Sarah" };
  const hugo = { kind: "agent" as const, id: 1017, name: "Hugo" };
  const yanis = { kind: "agent" as const, id: 1060, name: "Yanis" };
  const card = (id: string, name: string | null, language: string, page: string, title: string): VisitorCard => ({
    id,
    name,
    email: null,
    page_url: `https://shop.example.com${page}`,
    page_title: title,
    language,
    user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    custom: {},
    fields: [],
  });
  const live = (
    reference: string,
    group: number,
    agent: typeof sarah,
    visitorCard: VisitorCard,
    started: number,
    waitingSince: number | null,
    lines: [Message["author"], string, number][],
  ): ConversationView => {
    const messages: Message[] = [];
    const add = (author: Message["author"], body: Message["body"], at: number) =>
      messages.push({ id: nextId(), conversation: reference, client_id: author.kind === "agent" ? crypto.randomUUID() : null, author, body, at });
    add(visitor, { kind: "text", text: lines[0][1] }, started);
    add(system, { kind: "event", event: { kind: "assigned", agent: agent.name } }, started + 2 * S);
    for (const [author, text, at] of lines.slice(1)) add(author, { kind: "text", text }, at);
    const agentLines = lines.filter(([author]) => author.kind === "agent");
    return {
      reference,
      state: "assigned",
      group,
      channel: "chat",
      visitor: visitorCard,
      visitor_online: true,
      created_at: started,
      assigned_agent: agent.id,
      waiting_since: waitingSince,
      last_agent_message_at: agentLines.at(-1)?.[2] ?? null,
      snoozed_until: null,
      important: false,
      joined: [],
      messages,
    };
  };
  return {
    groups: [
      { id: 1, name: "Support", waiting: 2, longest_wait_since: now - 2 * MIN - 15 * S, live: 0 },
      { id: 2, name: "Sales", waiting: 0, longest_wait_since: null, live: 0 },
      { id: 3, name: "Billing", waiting: 1, longest_wait_since: now - 40 * S, live: 0 },
    ],
    live: [
      live("DEMO-1051", 1, sarah, card("v-zoe", "Zoé Lambert", "fr-FR", "/aide/retours", "Retours et remboursements"), now - 9 * MIN, now - 100 * S, [
        [visitor, "Bonjour, j'ai acheté le casque X100 pendant les soldes et il ne me convient pas. Je peux être remboursée ?", 0],
        [sarah, "Bonjour Zoé ! Les articles soldés sont repris sous 14 jours, sous forme d'avoir uniquement.", now - 8 * MIN],
        [visitor, "Un avoir ? Sur votre site c'est écrit « satisfait ou remboursé 30 jours »…", now - 6 * MIN],
        [sarah, "Je vérifie avec ma responsable, un instant s'il vous plaît.", now - 4 * MIN],
        [visitor, "D'accord, mais je préfère vraiment un remboursement.", now - 100 * S],
      ]),
      live("DEMO-1048", 1, sarah, card("v-4c1e", null, "en-GB", "/account/orders", "My orders"), now - 18 * MIN, null, [
        [visitor, "Hi, my parcel shows as delivered but I never got it.", 0],
        [sarah, "Sorry about that! I've opened an investigation with the carrier; you'll hear from us within 48 h.", now - 3 * MIN],
      ]),
      live("DEMO-1045", 1, sarah, card("v-nina", "Nina Schulz", "de-DE", "/produits/casque-x200", "Casque X200"), now - 26 * MIN, null, [
        [visitor, "Does the X200 come with a travel case?", 0],
        [sarah, "It does: a hard-shell case and a USB-C cable are in the box.", now - 7 * MIN],
      ]),
      live("DEMO-1050", 1, hugo, card("v-emma", "Emma Girard", "fr-FR", "/compte/factures", "Mes factures"), now - 6 * MIN, null, [
        [visitor, "Bonjour, pouvez-vous me renvoyer la facture de ma commande 55790 ?", 0],
        [hugo, "Bonjour Emma, c'est envoyé : vous la recevez dans quelques minutes.", now - 2 * MIN],
      ]),
      live("DEMO-1053", 2, yanis, card("v-ana", "Ana Costa", "pt-PT", "/pro/devis", "Devis entreprises"), now - 3 * MIN, now - 25 * S, [
        [visitor, "Hello, we'd like a quote for 40 X200 headsets for our call centre.", 0],
        [yanis, "Happy to help! Which delivery address should the quote use?", now - 2 * MIN],
        [visitor, "Our office in Lisbon. Do you offer volume discounts?", now - 25 * S],
      ]),
      live("DEMO-1046", 2, yanis, card("v-pierre", "Pierre Morel", "fr-FR", "/produits/casque-x200", "Casque X200"), now - 14 * MIN, null, [
        [visitor, "Le X200 existe-t-il en blanc ?", 0],
        [yanis, "Oui, en blanc et en bleu nuit, au même prix.", now - 5 * MIN],
      ]),
    ],
    help: [],
  };
}

/**
 * M1–M3: Camille manages the Support and Sales groups (the demo's `?manager=1`), available with a
 * free slot (she may take a conversation over), and Sarah asks her for help about Zoé's refund
 * (DEMO-1051): the request waits for her answer for the rest of the minute.
 */
export function withManager(data: FakeData, now: number): void {
  data.profile.role = "manager";
  data.profile.groups = [
    { id: 1, name: "Support" },
    { id: 2, name: "Sales" },
  ];
  data.profile.slot_limit = 4;
  data.profile.statuses = data.profile.statuses.map((s) => (s.channel === "chat" ? { ...s, availability: "available" } : s));
  const request: HelpRequest = {
    id: 7,
    conversation: "DEMO-1051",
    group: 1,
    agent: 1023,
    agent_name: "Sarah Klein",
    note: "She wants a refund on a sale item; our terms say credit note only. Can we make an exception?",
    visitor_name: "Zoé Lambert",
    at: now - 18 * S,
    state: { kind: "asking", manager: 1042, manager_name: "Camille Laurent", until: now + 42 * S },
  };
  data.supervision?.help.push(request);
}

/** D16: Camille's colleagues online (her own line comes from her profile): statuses per
 * channel, optional ones too, their load and slots. */
function demoTeam(): TeamMember[] {
  const available = { kind: "available" as const };
  const unavailable = { kind: "unavailable" as const };
  return [
    {
      id: 1017,
      name: "Hugo Bernard",
      role: "manager",
      groups: [1, 2],
      statuses: [
        { channel: "chat", chosen: available, availability: "available" },
        { channel: "call", chosen: available, availability: "available" },
      ],
      load: 1,
      slot_limit: 4,
    },
    {
      id: 1023,
      name: "Sarah Klein",
      role: "agent",
      groups: [1],
      statuses: [
        { channel: "chat", chosen: available, availability: "busy" },
        { channel: "call", chosen: unavailable, availability: "unavailable" },
      ],
      load: 3,
      slot_limit: 3,
    },
    {
      id: 1031,
      name: "Marc Dubois",
      role: "agent",
      groups: [1],
      statuses: [
        { channel: "chat", chosen: { kind: "optional", name: "In training" }, availability: "unavailable" },
        { channel: "call", chosen: unavailable, availability: "unavailable" },
      ],
      load: 0,
      slot_limit: 3,
    },
    {
      id: 1060,
      name: "Yanis Benali",
      role: "agent",
      groups: [2],
      statuses: [
        { channel: "chat", chosen: available, availability: "available" },
        { channel: "call", chosen: { kind: "optional", name: "On the phone" }, availability: "unavailable" },
      ],
      load: 2,
      slot_limit: 5,
    },
  ];
}

/** D16, A8: the team's knowledge articles, in French and English (plain text, as the admin
 * writes them). */
function demoKnowledge(now: number): KnowledgeArticle[] {
  const D = 24 * H;
  return [
    {
      id: 301,
      title: "Délais et options de livraison",
      language: "fr",
      tags: ["livraison", "express"],
      updated_at: now - 3 * D,
      body:
        "Livraison standard : 2 jours ouvrés en France métropolitaine, offerte dès 49 €.\n" +
        "Livraison express : 24 h pour toute commande passée avant 14 h (9,90 €, offerte jusqu'à dimanche sur le casque X200).\n" +
        "Belgique et Luxembourg : 3 à 4 jours ouvrés.\n\n" +
        "Le numéro de suivi part par e-mail dans l'heure qui suit l'expédition ; il est aussi dans l'espace client, rubrique « Mes commandes ».",
    },
    {
      id: 302,
      title: "Delivery times and options",
      language: "en",
      tags: ["delivery", "express"],
      updated_at: now - 3 * D,
      body:
        "Standard delivery: 2 working days in mainland France, free from €49.\n" +
        "Express delivery: within 24 h for orders placed before 2 pm (€9.90).\n" +
        "Belgium and Luxembourg: 3 to 4 working days.\n\n" +
        "The tracking number is e-mailed within the hour after shipping, and shown in the account under “My orders”.",
    },
    {
      id: 303,
      title: "Compatibilité Bluetooth du casque X200",
      language: "fr",
      tags: ["X200", "bluetooth", "produit"],
      updated_at: now - 12 * D,
      body:
        "Le X200 utilise le Bluetooth 5.3 et fonctionne avec tous les smartphones, tablettes et ordinateurs récents (Android, iOS, Windows, macOS, Linux).\n" +
        "Il peut être appairé à deux appareils à la fois (multipoint).\n" +
        "Codecs : SBC, AAC et LDAC. Fiche technique : https://shop.example.com/x200/specs",
    },
    {
      id: 304,
      title: "Réinitialiser le casque X200",
      language: "fr",
      tags: ["X200", "dépannage", "bluetooth"],
      updated_at: now - 20 * D,
      body:
        "Si le casque ne s'appaire plus ou coupe le son :\n" +
        "1. Éteignez le casque.\n" +
        "2. Maintenez le bouton d'alimentation et le volume + pendant 10 secondes, jusqu'au clignotement bleu et rouge.\n" +
        "3. Supprimez « X200 » de la liste Bluetooth du téléphone, puis appairez-le de nouveau.",
    },
    {
      id: 305,
      title: "Warranty and returns",
      language: "en",
      tags: ["warranty", "returns"],
      updated_at: now - 30 * D,
      body:
        "Every headset carries a 2-year warranty from the delivery date, battery included (replaced below 80 % of its capacity).\n" +
        "Returns are free within 30 days: send the customer the prepaid return form, then the refund or exchange follows within 5 working days of receipt.\n" +
        "For a fault, ask for a photo or a short video first.",
    },
    {
      id: 306,
      title: "Garantie et retours",
      language: "fr",
      tags: ["garantie", "retours"],
      updated_at: now - 30 * D,
      body:
        "Tous nos casques sont garantis 2 ans à compter de la livraison, batterie comprise (échangée sous 80 % de capacité).\n" +
        "Retours gratuits sous 30 jours : envoyez le formulaire de retour prépayé ; remboursement ou échange sous 5 jours ouvrés après réception.\n" +
        "En cas de panne, demandez d'abord une photo ou une courte vidéo.",
    },
    {
      id: 307,
      title: "Paiement en 3 fois sans frais",
      language: "fr",
      tags: ["paiement"],
      updated_at: now - 45 * D,
      body: "Le paiement en 3 fois sans frais est proposé au moment de payer, pour les commandes de 100 € à 2 000 €, par carte bancaire uniquement.",
    },
  ];
}

/** The demo's closing questionnaire (A5, R9): every kind of question, in English and French;
 * answered before closing, "Complete questionnaire" under the composer, a Cancel button. */
export function demoQuestionnaire(): AgentQuestionnaire {
  return {
    questionnaire: {
      id: "closing",
      name: "Closing — support",
      questions: [
        { id: "resolved", text: { en: "Was the request resolved?", fr: "La demande est-elle résolue ?" }, answer: { kind: "yes_no" }, required: true },
        {
          id: "topic",
          text: { en: "Topic", fr: "Sujet" },
          answer: {
            kind: "choice",
            choices: [
              { en: "Delivery", fr: "Livraison" },
              { en: "Product", fr: "Produit" },
              { en: "Return / warranty", fr: "Retour / garantie" },
              { en: "Billing", fr: "Facturation" },
              { en: "Other", fr: "Autre" },
            ],
            multiple: true,
          },
          required: false,
        },
        { id: "mood", text: { en: "How did the visitor seem at the end?", fr: "Comment le visiteur semblait-il à la fin ?" }, answer: { kind: "rating", max: 5 }, required: false },
        { id: "notes", text: { en: "Notes", fr: "Notes" }, answer: { kind: "text" }, required: false },
      ],
    },
    complete_button: true,
    cancel_button: true,
    closable_without_answer: false,
  };
}

/** Tom's photo of his ear cup (D16 file on request). The browser demo draws its bytes
 * (`drawDemoPhoto`); elsewhere the file is empty. */
export const DEMO_PHOTO: FileInfo = { id: "demo-photo", name: "ear-cup-left.jpg", size: 48_213, mime: "image/jpeg" };

/** Draws Tom's photo on a canvas (browser only): an ear cup on a desk. */
export async function drawDemoPhoto(): Promise<Uint8Array | null> {
  if (typeof OffscreenCanvas === "undefined") return null;
  const canvas = new OffscreenCanvas(320, 200);
  const g = canvas.getContext("2d");
  if (!g) return null;
  const desk = g.createLinearGradient(0, 0, 320, 200);
  desk.addColorStop(0, "#d9c3a5");
  desk.addColorStop(1, "#b8976e");
  g.fillStyle = desk;
  g.fillRect(0, 0, 320, 200);
  g.strokeStyle = "#2b2f36";
  g.lineWidth = 16;
  g.beginPath();
  g.arc(160, 230, 150, Math.PI * 1.15, Math.PI * 1.85);
  g.stroke();
  const cup = g.createRadialGradient(150, 110, 10, 160, 120, 70);
  cup.addColorStop(0, "#4a505b");
  cup.addColorStop(1, "#17191d");
  g.fillStyle = cup;
  g.beginPath();
  g.ellipse(160, 120, 62, 70, 0, 0, Math.PI * 2);
  g.fill();
  g.fillStyle = "#6b707a";
  g.beginPath();
  g.ellipse(160, 120, 36, 42, 0, 0, Math.PI * 2);
  g.fill();
  g.strokeStyle = "#e03131";
  g.lineWidth = 3;
  g.beginPath();
  g.arc(198, 86, 18, 0, Math.PI * 2);
  g.stroke();
  const blob = await canvas.convertToBlob({ type: "image/jpeg", quality: 0.85 });
  return new Uint8Array(await blob.arrayBuffer());
}

/**
 * A5: Camille sent Léa (DEMO-1042) the satisfaction survey during the conversation, and Léa
 * answered it: a score, a comment and the questionnaire's answers (the demo's `?survey=1`).
 */
export function withSurvey(data: FakeData, now: number): void {
  const lea = data.conversations.find((c) => c.reference === "DEMO-1042");
  if (!lea) return;
  let id = Math.max(0, ...lea.messages.map((m) => m.id)) + 1;
  // As the hub records them: the sending by the system, the answer by the visitor.
  const event = (at: number, author: Message["author"], body: Message["body"]): Message => ({ id: id++, conversation: lea.reference, client_id: null, author, body, at });
  lea.messages.push(
    event(now - 40 * S, { kind: "system" }, { kind: "event", event: { kind: "survey_sent", agent: "Camille" } }),
    event(now - 12 * S, { kind: "visitor" }, {
      kind: "event",
      event: {
        kind: "survey_answered",
        score: 4,
        comment: "Réponse rapide et claire, merci ! Je commande ce soir.",
        answers: [
          { question: "Avez-vous obtenu une réponse à votre question ?", answer: "Oui" },
          { question: "Recommanderiez-vous notre boutique ?", answer: "Probablement" },
        ],
      },
    }),
  );
}

/**
 * A conversation with `count` messages (P5: scrolling a 10,000-message history), for the demo's
 * `?long=1` and the tests. Deterministic: the same texts and times for the same `now`.
 */
export function longConversation(now: number, count = 10_000): ConversationView {
  const reference = "DEMO-9999";
  const lines = [
    "Bonjour !",
    "Merci, je regarde tout de suite.",
    "Le colis est parti ce matin ; vous recevrez le numéro de suivi par e-mail dans l'heure.",
    "D'accord.",
    "Est-ce que la garantie couvre aussi la batterie, ou seulement les pièces mécaniques ? Je pose la question parce que la mienne tient de moins en moins longtemps depuis la dernière mise à jour.",
    "Oui, la batterie est couverte 2 ans.\nSi elle tombe sous 80 % de sa capacité, nous l'échangeons.",
    "Parfait 👍",
    "Je vous envoie le formulaire : https://shop.example.com/support/retour",
    "Une dernière question : livrez-vous en Belgique ?",
    "Oui, en 3 à 4 jours ouvrés.",
  ];
  const start = now - 40 * 24 * H;
  const step = Math.floor((39 * 24 * H) / count);
  const camille = { kind: "agent" as const, id: 1042, name: "Camille" };
  const messages: Message[] = [];
  for (let i = 0; i < count; i++) {
    const at = start + i * step;
    const id = 1_000_000 + i;
    let author: Message["author"] = i % 2 === 0 ? { kind: "visitor" } : camille;
    let body: Message["body"] = { kind: "text", text: `${lines[(i * 7) % lines.length]} (#${i + 1})` };
    if (i % 97 === 50) {
      author = { kind: "system" };
      body = { kind: "event", event: { kind: "navigated", url: `https://shop.example.com/produits/${i}`, title: `Produit ${i}` } };
    } else if (i % 211 === 100) {
      author = { kind: "system" };
      body = { kind: "comment", text: `Note ${i}: client fidèle, penser au code promo.` };
    }
    messages.push({ id, conversation: reference, client_id: null, author, body, at });
  }
  return {
    reference,
    state: "assigned",
    group: 1,
    channel: "chat",
    visitor: {
      id: "v-long",
      name: "Inès Moreau",
      email: "ines@example.org",
      page_url: "https://shop.example.com/compte",
      page_title: "Mon compte",
      language: "fr-FR",
      user_agent: "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
      custom: {},
      fields: [{ label: "Messages", value: String(count) }],
    },
    visitor_online: true,
    created_at: start,
    assigned_agent: 1042,
    waiting_since: null,
    last_agent_message_at: messages.at(-1)?.at ?? null,
    snoozed_until: null,
    important: false,
    joined: [],
    messages,
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
