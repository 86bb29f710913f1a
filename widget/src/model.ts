/**
 * What the visitor's side knows, fed by the hub's frames: conversations (oldest first) with
 * their messages, the last event `seq` (resume point, R12), the seen mark (unread badge), and
 * the survey and questionnaire on offer (W4). No DOM, no socket: the tests drive it directly.
 */
import type {
  AgentCard,
  ConversationState,
  Message,
  QuestionnaireQuestion,
  VisitorConversation,
  VisitorEvent,
  VisitorServerFrame,
} from "./protocol";
import { readQuestion } from "./questions";

export interface Conversation {
  reference: string;
  state: ConversationState;
  agent: AgentCard | null;
  messages: Message[];
}

export interface Questionnaire {
  conversation: string;
  questions: string[];
  /** Its display time (R10), counted from when it shows. */
  seconds?: number;
  /** Shown until then (ms), unless an agent joins or it is answered; null: not shown yet. */
  until: number | null;
}

export interface Snapshot {
  v: 1;
  token: string | null;
  seq: number | null;
  seen: number;
  conversations: Conversation[];
  survey: string | null;
  /** The project's own survey for `survey` (A5); none: the built-in score and comment. */
  surveyQuestions?: QuestionnaireQuestion[] | null;
  /** Conversations whose survey was answered (the last few): not asked again. */
  surveyed?: string[];
  questionnaire: Questionnaire | null;
  emailLeft: string | null;
  emailDismissed?: string | null;
  /** The hub's id of this visitor, for the site's own server to report sales (D15). */
  visitorId?: string | null;
}

type Welcome = Extract<VisitorServerFrame, { type: "welcome" }>;

/** Sentences after which the visitor may leave an e-mail address (R8). */
export const ASYNC_SENTENCES = ["auto_reply", "no_agent", "out_of_hours"];

export class Model {
  token: string | null = null;
  /** The hub's id of this visitor (`Pupitre.visitor()`), known from the first welcome. */
  visitorId: string | null = null;
  seq: number | null = null;
  seen = 0;
  conversations: Conversation[] = [];
  /** The conversation whose survey is on offer: closed, or open when the agent sent it (A5). */
  survey: string | null = null;
  /** Its questions when the project chose its own survey; null: the built-in one. */
  surveyQuestions: QuestionnaireQuestion[] | null = null;
  /** The conversations whose survey was answered (the hub may ask again at close): the last 20. */
  surveyed: string[] = [];
  questionnaire: Questionnaire | null = null;
  /** The e-mail address the visitor left (R8), once acknowledged. */
  emailLeft: string | null = null;
  /** The conversation whose e-mail offer the visitor put off ("Not now"). */
  emailDismissed: string | null = null;

  static from(s: Snapshot | null): Model {
    const m = new Model();
    if (s && s.v === 1) {
      m.token = typeof s.token === "string" ? s.token : null;
      m.seq = typeof s.seq === "number" && m.token ? s.seq : null;
      m.seen = typeof s.seen === "number" ? s.seen : 0;
      m.conversations = Array.isArray(s.conversations) ? s.conversations : [];
      m.survey = s.survey ?? null;
      m.surveyQuestions = m.survey ? questions(s.surveyQuestions) : null;
      m.surveyed = Array.isArray(s.surveyed) ? s.surveyed.filter((x) => typeof x === "string") : [];
      m.questionnaire = s.questionnaire ?? null;
      m.emailLeft = s.emailLeft ?? null;
      m.emailDismissed = s.emailDismissed ?? null;
      m.visitorId = m.token && typeof s.visitorId === "string" ? s.visitorId : null;
    }
    return m;
  }

  snapshot(): Snapshot {
    return {
      v: 1,
      token: this.token,
      seq: this.seq,
      seen: this.seen,
      conversations: this.conversations,
      survey: this.survey,
      surveyQuestions: this.surveyQuestions,
      surveyed: this.surveyed,
      questionnaire: this.questionnaire,
      emailLeft: this.emailLeft,
      emailDismissed: this.emailDismissed,
      visitorId: this.visitorId,
    };
  }

  /**
   * With a history (asked with `last_seq: null`, or the hub found the gap too long), the
   * history replaces what we had and the resume point is the welcome's seq. Without one, the
   * missed events follow: our resume point stays until they arrive.
   */
  welcome(w: Welcome): void {
    this.token = w.token;
    this.visitorId = typeof w.visitor_id === "string" ? w.visitor_id : null;
    if (w.history) {
      this.conversations = w.history.map(fromWire);
      this.seq = w.seq;
    } else if (this.seq === null) {
      this.seq = w.seq;
    }
    this.seen = Math.max(this.seen, w.seen ?? 0);
  }

  /** Applies one event; false when it was already seen (a duplicate after a resume). */
  event(seq: number, e: VisitorEvent): boolean {
    if (this.seq !== null && seq <= this.seq) return false;
    this.seq = seq;
    this.apply(e);
    return true;
  }

  apply(e: VisitorEvent): void {
    switch (e.kind) {
      case "conversation_started":
        this.conversation(e.conversation);
        break;
      case "message":
        this.addMessage(e.message);
        break;
      case "agent_joined": {
        const c = this.conversation(e.conversation);
        c.agent = e.agent;
        c.state = "assigned";
        if (this.questionnaire?.conversation === e.conversation) this.questionnaire = null;
        break;
      }
      case "conversation_closed":
        this.conversation(e.conversation).state = "closed";
        if (this.questionnaire?.conversation === e.conversation) this.questionnaire = null;
        break;
      case "survey_requested":
        if (this.surveyed.includes(e.conversation)) break;
        this.survey = e.conversation;
        this.surveyQuestions = questions(e.questions);
        break;
      case "survey_answered":
        this.surveyDone(e.conversation);
        break;
      case "questionnaire_requested":
        this.questionnaire = {
          conversation: e.conversation,
          questions: Array.isArray(e.questions) ? e.questions.map(String) : [],
          seconds: Math.max(0, Number(e.display_seconds) || 0),
          until: null,
        };
        break;
      case "seen":
        this.seen = Math.max(this.seen, e.up_to);
        break;
      default:
        // A kind this widget does not know yet: ignored, never fatal.
        break;
    }
  }

  /** The survey of this conversation was answered (here or in another tab). */
  surveyDone(reference: string): void {
    if (this.survey === reference) {
      this.survey = null;
      this.surveyQuestions = null;
    }
    if (!this.surveyed.includes(reference)) this.surveyed = [...this.surveyed, reference].slice(-20);
  }

  /** The conversation, made (queued) if we did not know it. */
  conversation(reference: string): Conversation {
    let c = this.conversations.find((x) => x.reference === reference);
    if (!c) {
      c = { reference, state: "queued", agent: null, messages: [] };
      this.conversations.push(c);
    }
    return c;
  }

  /** Adds or replaces (same id) a message; a visitor message in a closed conversation means
   * the hub reopened it (R9). Returns whether it was new. */
  addMessage(m: Message): boolean {
    if (!m || typeof m.id !== "number" || typeof m.conversation !== "string") return false;
    const c = this.conversation(m.conversation);
    const i = c.messages.findIndex((x) => x.id === m.id);
    if (i >= 0) {
      c.messages[i] = m;
      return false;
    }
    let at = c.messages.length;
    while (at > 0 && c.messages[at - 1].id > m.id) at--;
    c.messages.splice(at, 0, m);
    if (c.state === "closed" && m.author?.kind === "visitor") c.state = "queued";
    if (m.author?.kind === "agent" && !c.agent) c.agent = { name: m.author.name };
    return true;
  }

  /** The conversation still going on, if any (a new message goes there). */
  open(): Conversation | null {
    for (let i = this.conversations.length - 1; i >= 0; i--) {
      if (this.conversations[i].state !== "closed") return this.conversations[i];
    }
    return null;
  }

  /** Messages the visitor gets to see, across conversations, in order. */
  *visible(): Generator<Message> {
    for (const c of this.conversations) for (const m of c.messages) if (isShown(m)) yield m;
  }

  lastShownId(): number {
    let max = 0;
    for (const m of this.visible()) max = Math.max(max, m.id);
    return max;
  }

  /** Messages from the brand side (agent or system) after the seen mark: the badge. */
  unread(): number {
    let n = 0;
    for (const m of this.visible()) if (m.id > this.seen && m.author?.kind !== "visitor") n++;
    return n;
  }

  /**
   * The waiting questionnaire to show now, if any. `held`: something else asks the visitor
   * first (the e-mail offer, R8): one form at a time. Its display time starts when it shows;
   * held back, it starts again when it comes back.
   */
  questionnaireShown(now: number, held = false): Questionnaire | null {
    const q = this.questionnaire;
    if (!q || q.questions.length === 0) return null;
    const c = this.conversations.find((x) => x.reference === q.conversation);
    if (!c || c.agent || c.state === "assigned" || c.state === "closed") return null;
    if (held) {
      q.until = null;
      return null;
    }
    if (typeof q.until !== "number") q.until = now + (q.seconds ?? 0) * 1000;
    return now < q.until ? q : null;
  }

  /** R8: the open conversation's first reply was an automatic "leave us a message" sentence
   * and no agent answered yet: the e-mail form goes right after that sentence. */
  emailOffer(): { conversation: string; after: number } | null {
    if (this.emailLeft) return null;
    const c = this.open();
    if (!c || this.emailDismissed === c.reference) return null;
    const firstReply = c.messages.find((m) => m.author?.kind !== "visitor" && isShown(m));
    if (!firstReply || firstReply.body.kind !== "sentence") return null;
    if (!ASYNC_SENTENCES.includes(firstReply.body.sentence)) return null;
    if (c.messages.some((m) => m.author?.kind === "agent")) return null;
    return { conversation: c.reference, after: firstReply.id };
  }
}

/** What the widget renders; everything else (internal events, unknown kinds) is skipped. */
export function isShown(m: Message): boolean {
  const b = m?.body;
  if (!b) return false;
  switch (b.kind) {
    case "text":
    case "sentence":
    case "offer":
    case "file":
      return true;
    case "event":
      return b.event?.kind === "file_requested" || b.event?.kind === "manager_joined";
    default:
      return false;
  }
}

/** The survey's questions the widget can show (a kind it does not know is left out); null for
 * none: the built-in survey. */
function questions(x: unknown): QuestionnaireQuestion[] | null {
  const qs = Array.isArray(x) ? x.map(readQuestion).filter((q): q is QuestionnaireQuestion => q !== null) : [];
  return qs.length ? qs : null;
}

function fromWire(c: VisitorConversation): Conversation {
  return {
    reference: c.reference,
    state: c.state,
    agent: c.agent ?? null,
    messages: (c.messages ?? []).slice().sort((a, b) => a.id - b.id),
  };
}
