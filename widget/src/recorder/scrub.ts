/**
 * What rrweb 2.2.2 records of form fields even with every kind masked, taken out of each event
 * before it leaves the page (an rrweb record plugin's `eventProcessor`, which sees every event
 * before `emit`). Pure: rrweb-shaped events in, the same events scrubbed in place; whether a
 * node is a field the admin shows as typed is asked of `unmasked(id)` (the recorder looks the
 * live element up in rrweb's mirror).
 *
 * rrweb's leaks (see its notes: no attribute masking at all in 2.2.2, rrweb#1361, #1581, #1609):
 * - a field's `value` *attribute* is recorded as written when the live value is empty (a
 *   password whose field was cleared), and always for radios and checkboxes; an option's
 *   `value` always;
 * - `checked` (the live state of radios and checkboxes, and their input events' `isChecked`),
 *   and `selected` attribute changes of options;
 * - `placeholder`, `title`, `aria-label` and the like, and `data-*` attributes of fields, which
 *   sites fill with what the visitor typed or chose.
 * Here, on fields (input, textarea, select, option, and contenteditable elements): those
 * attributes go; a value becomes `MASK` (an option's goes), unless the admin shows the field as
 * typed; buttons keep their value (their label, the site's own text). As a second guard, text
 * inside options, textareas and contenteditable elements becomes `MASK` too (rrweb's
 * `maskTextSelector` already does it).
 */
import { MASK } from "./mask";

/** rrweb's event types and sources used here (`@rrweb/types`). */
export const EventType = { FullSnapshot: 2, IncrementalSnapshot: 3, Meta: 4 } as const;
export const Source = { Mutation: 0, Input: 5 } as const;
/** rrweb-snapshot's node types. */
const ELEMENT = 2;
const TEXT = 3;

type Attrs = Record<string, unknown>;

export interface SNode {
  type: number;
  id: number;
  tagName?: string;
  attributes?: Attrs;
  childNodes?: SNode[];
  textContent?: string;
  isStyle?: boolean;
}

export interface RrEvent {
  type: number;
  data: Record<string, unknown> & { source?: number };
  timestamp?: number;
}

const FIELDS = new Set(["input", "textarea", "select", "option"]);
/** Input types whose `value` is the button's label. */
const BUTTONS = new Set(["submit", "button", "reset", "image"]);
/** Attributes of a field that sites fill with the visitor's data. */
const DROPPED = new Set(["placeholder", "title", "aria-label", "aria-valuetext", "aria-valuenow", "aria-description", "aria-placeholder"]);

interface Field {
  tag: string;
  /** The `type` attribute, lowercased. */
  type: string;
}

export class Scrubber {
  /** Fields seen in this recording, by node id (an attribute change names only the id). */
  private fields = new Map<number, Field>();
  /** Elements whose text is masked (options, textareas, contenteditable, and inside them). */
  private maskedParents = new Set<number>();
  /** Text nodes inside them. */
  private maskedTexts = new Set<number>();

  constructor(private unmasked: (id: number) => boolean) {}

  /** rrweb's `eventProcessor`: the event, scrubbed. */
  process = <E>(event: E): E => {
    const e = event as unknown as RrEvent;
    if (!e || typeof e !== "object" || !e.data) return event;
    if (e.type === EventType.FullSnapshot) {
      this.fields.clear();
      this.maskedParents.clear();
      this.maskedTexts.clear();
      const node = e.data.node as SNode | undefined;
      if (node) this.walk(node, false);
    } else if (e.type === EventType.IncrementalSnapshot) {
      if (e.data.source === Source.Mutation) this.mutation(e.data);
      else if (e.data.source === Source.Input) this.input(e.data);
    }
    return event;
  };

  /** A full snapshot's tree: every node, with whether it sits inside a masked element. */
  private walk(node: SNode, inMasked: boolean): void {
    const masked = this.node(node, inMasked);
    for (const child of node.childNodes ?? []) this.walk(child, masked);
  }

  /** One serialized node; returns whether its children's text is masked. */
  private node(node: SNode, inMasked: boolean): boolean {
    if (node.type === TEXT) {
      if (inMasked) {
        this.maskedTexts.add(node.id);
        if (typeof node.textContent === "string" && !node.isStyle) node.textContent = maskText(node.textContent);
      }
      return inMasked;
    }
    if (node.type !== ELEMENT) return inMasked;
    const tag = String(node.tagName ?? "").toLowerCase();
    const attrs = node.attributes ?? {};
    const editable = "contenteditable" in attrs;
    if (FIELDS.has(tag)) {
      const field = { tag, type: String(attrs.type ?? "").toLowerCase() };
      this.fields.set(node.id, field);
      this.attributes(node.id, field, attrs, false);
    } else if (editable) {
      this.attributes(node.id, null, attrs, false);
    }
    const masked = inMasked || editable || tag === "option" || tag === "textarea";
    if (masked) this.maskedParents.add(node.id);
    return masked;
  }

  /** A field's attributes (`change`: an attribute mutation, where `null` removes one). */
  private attributes(id: number, field: Field | null, attrs: Attrs, change: boolean): void {
    for (const name of Object.keys(attrs)) {
      const lower = name.toLowerCase();
      if (DROPPED.has(lower) || lower.startsWith("data-")) {
        if (change) attrs[name] = null;
        else delete attrs[name];
        continue;
      }
      if (!field) continue;
      const value = attrs[name];
      if (lower === "value") {
        if (field.tag === "option") {
          if (change) attrs[name] = null;
          else delete attrs[name];
        } else if (!(field.tag === "input" && BUTTONS.has(field.type)) && !this.unmasked(id) && typeof value === "string" && value) {
          attrs[name] = MASK;
        }
      } else if (lower === "selected" || (lower === "checked" && !this.unmasked(id))) {
        if (change) attrs[name] = null;
        else delete attrs[name];
      }
    }
  }

  private mutation(data: Record<string, unknown>): void {
    const adds = Array.isArray(data.adds) ? (data.adds as { parentId: number; node: SNode }[]) : [];
    // Elements first (a parent may be listed after its child), until no new masked parent.
    for (let grew = true, rounds = 0; grew && rounds <= adds.length; rounds++) {
      grew = false;
      for (const add of adds) {
        const node = add?.node;
        if (!node || node.type !== ELEMENT) continue;
        const had = this.maskedParents.has(node.id);
        this.node(node, this.maskedParents.has(add.parentId));
        if (!had && this.maskedParents.has(node.id)) grew = true;
      }
    }
    for (const add of adds) {
      const node = add?.node;
      if (!node || node.type === ELEMENT) continue;
      // A node added with its subtree (a shadow root, an iframe's document) is walked whole.
      if (node.childNodes?.length) this.walk(node, this.maskedParents.has(add.parentId));
      else this.node(node, this.maskedParents.has(add.parentId));
    }
    for (const change of Array.isArray(data.attributes) ? (data.attributes as { id: number; attributes: Attrs }[]) : []) {
      if (!change?.attributes) continue;
      const field = this.fields.get(change.id) ?? null;
      const attrs = change.attributes;
      if (field && typeof attrs.type === "string") field.type = attrs.type.toLowerCase();
      if ("contenteditable" in attrs && attrs.contenteditable !== null) this.maskedParents.add(change.id);
      if (field || this.maskedParents.has(change.id)) this.attributes(change.id, field, attrs, true);
    }
    for (const text of Array.isArray(data.texts) ? (data.texts as { id: number; value: unknown }[]) : []) {
      if (text && this.maskedTexts.has(text.id) && typeof text.value === "string") text.value = maskText(text.value);
    }
  }

  /** An input event: a field's value or a box's checked state. */
  private input(data: Record<string, unknown>): void {
    const id = data.id as number;
    if (this.unmasked(id)) return;
    if (typeof data.text === "string" && data.text) data.text = MASK;
    if (data.isChecked) data.isChecked = false;
  }
}

function maskText(text: string): string {
  return text.trim() ? MASK : text;
}
