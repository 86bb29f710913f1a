/** Offers, files and the new thread events in the thread (D12, D16, R9), hostile content (DESIGN §8). */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import ThreadItem from "./ThreadItem.svelte";
import type { Message } from "../protocol";
import { eventText, inFilter, surveyStatus } from "../thread";
import { clearPreviews, safeName } from "../files";
import { fileSize, previewable, toBase64 } from "../bytes";
import { setLang } from "../i18n/i18n";
import { deskFixture } from "../test-context";
import { T0 } from "../test-fixtures";

const at = (body: Message["body"], author: Message["author"] = { kind: "agent", id: 1042, name: "Camille" }): Message => ({
  id: 77,
  conversation: "DEMO-1042",
  client_id: null,
  author,
  body,
  at: T0,
});

describe("offers in the thread (D12)", () => {
  beforeEach(() => setLang("en"));

  it("a card: title, text, https image, a button that opens the link outside", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    const offer = { title: "X200 — 15% off", text: "Until Sunday.", link: "https://shop.example.com/x200", image: "https://cdn.example.com/x200.jpg" };
    const { container } = render(ThreadItem, { props: { message: at({ kind: "offer", offer }), visitorName: "Léa", me: 1042, now: T0 }, context: f.context });
    expect(screen.getByText("X200 — 15% off")).toBeInTheDocument();
    expect(screen.getByText("Until Sunday.")).toBeInTheDocument();
    expect(container.querySelector("img")?.getAttribute("src")).toBe("https://cdn.example.com/x200.jpg");
    expect(container.querySelector("img")?.getAttribute("referrerpolicy")).toBe("no-referrer");
    await user.click(screen.getByRole("button", { name: /Open the offer/ }));
    await waitFor(() => expect(f.backend.opened).toEqual(["https://shop.example.com/x200"]));
  });

  it("a javascript: link is text, an http or data: image is not loaded, markup stays text", async () => {
    const f = await deskFixture();
    const offer = { title: "<b>Deal</b>", text: "<img src=x onerror=alert(1)>", link: "javascript:alert(1)", image: "http://cdn.example.com/x.jpg" };
    const { container, rerender } = render(ThreadItem, { props: { message: at({ kind: "offer", offer }), visitorName: "Léa", me: 1042, now: T0 }, context: f.context });
    expect(container.querySelector("img, b, a")).toBeNull();
    expect(screen.queryByRole("button", { name: /Open the offer/ })).toBeNull();
    expect(container.textContent).toContain("javascript:alert(1)");
    expect(container.textContent).toContain("<b>Deal</b>");
    await rerender({ message: at({ kind: "offer", offer: { ...offer, image: "data:image/png;base64,AAAA" } }), visitorName: "Léa", me: 1042, now: T0 });
    expect(container.querySelector("img")).toBeNull();
  });
});

describe("files in the thread (D12, D16)", () => {
  let created: Blob[];
  beforeEach(() => {
    setLang("en");
    clearPreviews();
    created = [];
    URL.createObjectURL = vi.fn((blob: Blob) => {
      created.push(blob);
      return `blob:pupitre/${created.length}`;
    });
    URL.revokeObjectURL = vi.fn();
  });
  afterEach(() => vi.restoreAllMocks());

  async function withFile(info: { id: string; name: string; size: number; mime: string }, bytes = new Uint8Array([1, 2, 3])) {
    const f = await deskFixture();
    f.backend.data.files = { [info.id]: { info, bytes } };
    return f;
  }

  it("an image from the visitor: name, size, a preview made from the door's bytes", async () => {
    const info = { id: "f1", name: "ear-cup.jpg", size: 48_213, mime: "image/jpeg" };
    const f = await withFile(info);
    const { container } = render(ThreadItem, { props: { message: at({ kind: "file", file: info }, { kind: "visitor" }), visitorName: "Tom", me: 1042, now: T0 }, context: f.context });
    // The name is isolated, its extension apart so that it always shows (issue 9).
    expect(screen.getByTitle("ear-cup.jpg")).toHaveTextContent("ear-cup.jpg");
    expect(screen.getByText("47 KB")).toBeInTheDocument();
    await waitFor(() => expect(container.querySelector("img")?.getAttribute("src")).toBe("blob:pupitre/1"));
    expect(f.backend.calls.find((c) => c.name === "fileBytes")?.args).toEqual(["f1"]);
    expect(created[0].type).toBe("image/jpeg");
  });

  it("no preview for SVG (a document that can carry script); download types the blob as bytes", async () => {
    const info = { id: "f2", name: "../../evil<script>.svg", size: 120, mime: "image/svg+xml" };
    const f = await withFile(info);
    const user = userEvent.setup();
    const clicked: HTMLAnchorElement[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this);
    });
    const { container } = render(ThreadItem, { props: { message: at({ kind: "file", file: info }, { kind: "visitor" }), visitorName: "Tom", me: 1042, now: T0 }, context: f.context });
    expect(container.querySelector("img, script")).toBeNull();
    expect(screen.getByTitle("../../evil<script>.svg")).toHaveTextContent("../../evil<script>.svg");
    await user.click(screen.getByRole("button", { name: /Download/ }));
    await waitFor(() => expect(clicked).toHaveLength(1));
    expect(clicked[0].download).toBe("_.._evil<script>.svg");
    expect(clicked[0].href).toBe("blob:pupitre/1");
    expect(created[0].type).toBe("application/octet-stream");
  });

  it("says when the file cannot be fetched", async () => {
    const info = { id: "gone", name: "notes.pdf", size: 2048, mime: "application/pdf" };
    const f = await deskFixture();
    const user = userEvent.setup();
    render(ThreadItem, { props: { message: at({ kind: "file", file: info }), visitorName: "Tom", me: 1042, now: T0 }, context: f.context });
    await user.click(screen.getByRole("button", { name: "Download notes.pdf" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("no longer on your desk");
  });

  it("in the desk app the file is written by the Rust side, which says where", async () => {
    const info = { id: "f3", name: "notes.pdf", size: 2048, mime: "application/pdf" };
    const f = await withFile(info);
    const user = userEvent.setup();
    const asked: string[] = [];
    f.backend.saveFile = async (file) => {
      asked.push(file.id);
      return "/home/alice/Downloads/notes (1).pdf";
    };
    render(ThreadItem, { props: { message: at({ kind: "file", file: info }), visitorName: "Tom", me: 1042, now: T0 }, context: f.context });
    await user.click(screen.getByRole("button", { name: "Download notes.pdf" }));
    expect(await screen.findByRole("status")).toHaveTextContent("Saved in /home/alice/Downloads/notes (1).pdf");
    expect(asked).toEqual(["f3"]);
  });
});

describe("thread events and filters (D13, D16, R9)", () => {
  afterEach(() => setLang("en"));

  it("“asked for a file” and the survey's answer, in both languages", () => {
    setLang("en");
    expect(eventText({ kind: "file_requested", agent: "Alice" })).toBe("Alice asked for a file");
    expect(eventText({ kind: "survey_answered", score: 4, comment: "Quick, thanks" })).toBe("Satisfaction: 4/5 — “Quick, thanks”");
    expect(eventText({ kind: "survey_answered", score: 5, comment: null })).toBe("Satisfaction: 5/5");
    setLang("fr");
    expect(eventText({ kind: "file_requested", agent: "Alice" })).toBe("Alice a demandé un fichier");
    expect(eventText({ kind: "survey_answered", score: 3, comment: "Bof" })).toBe("Satisfaction : 3/5 — « Bof »");
  });

  it("are centred lines of text, the visitor's comment included", async () => {
    setLang("en");
    const f = await deskFixture();
    const { container } = render(ThreadItem, {
      props: { message: at({ kind: "event", event: { kind: "survey_answered", score: 2, comment: "<img src=x onerror=alert(1)>" } }, { kind: "system" }), visitorName: "Léa", me: 1042, now: T0 },
      context: f.context,
    });
    expect(container.querySelector(".event")).toHaveTextContent("Satisfaction: 2/5 “<img src=x onerror=alert(1)>”");
    expect(container.querySelector(".event .comment")).toHaveTextContent(/^“<img src=x onerror=alert\(1\)>”$/);
    expect(container.querySelector("img")).toBeNull();
  });

  it("A5: “sent the satisfaction survey”, and an answer without a score (no “0/5”), in both languages", () => {
    setLang("en");
    expect(eventText({ kind: "survey_sent", agent: "Alice" })).toBe("Alice sent the satisfaction survey");
    expect(eventText({ kind: "survey_answered", score: null, comment: null, answers: [{ question: "Q", answer: "A" }] })).toBe("The visitor answered the survey");
    expect(eventText({ kind: "survey_answered", score: null, comment: "Top" })).toBe("Survey answered — “Top”");
    expect(eventText({ kind: "survey_answered", score: 4, comment: " \u200B " })).toBe("Satisfaction: 4/5");
    setLang("fr");
    expect(eventText({ kind: "survey_sent", agent: "Alice" })).toBe("Alice a envoyé le questionnaire de satisfaction");
    expect(eventText({ kind: "survey_answered", score: null, comment: null })).toBe("Le visiteur a répondu au questionnaire de satisfaction");
    expect(eventText({ kind: "survey_answered", score: null, comment: "Top" })).toBe("Questionnaire de satisfaction rempli — « Top »");
  });

  it("R9, A5: the survey's answer shows the score, the comment quoted, and each answer as “question — answer”", async () => {
    setLang("en");
    const f = await deskFixture();
    const event = {
      kind: "survey_answered" as const,
      score: 4,
      comment: "Quick and kind",
      answers: [
        { question: "Was your question answered?", answer: "Yes" },
        { question: "Anything to add?", answer: "The delivery was late" },
      ],
    };
    // The hub records the answer as the visitor's.
    const { container } = render(ThreadItem, { props: { message: at({ kind: "event", event }, { kind: "visitor" }), visitorName: "Léa", me: 1042, now: T0 }, context: f.context });
    const block = container.querySelector(".event")!;
    expect(block.firstElementChild).toHaveTextContent(/^Satisfaction: 4\/5$/);
    expect(block.querySelector(".comment")).toHaveTextContent(/^“Quick and kind”$/);
    const pairs = [...block.querySelectorAll("dl > div")].map((d) => [d.querySelector("dt")!.textContent, d.querySelector("dd")!.textContent]);
    expect(pairs).toEqual([
      ["Was your question answered?", "Yes"],
      ["Anything to add?", "The delivery was late"],
    ]);
  });

  it("R9: an answer without a score or a comment says the visitor answered, and shows the answers", async () => {
    setLang("fr");
    const f = await deskFixture();
    const event = { kind: "survey_answered" as const, score: null, comment: null, answers: [{ question: "Recommanderiez-vous ?", answer: "Oui" }] };
    const { container } = render(ThreadItem, { props: { message: at({ kind: "event", event }, { kind: "system" }), visitorName: "Léa", me: 1042, now: T0 }, context: f.context });
    const block = container.querySelector(".event")!;
    expect(block.firstElementChild).toHaveTextContent(/^Le visiteur a répondu au questionnaire de satisfaction$/);
    expect(block.querySelector(".comment")).toBeNull();
    expect(block.querySelector("dl")).toHaveTextContent("Recommanderiez-vous ?Oui");
    expect(block.textContent).not.toMatch(/\/5/);
  });

  it("the survey's answer is the visitor's (Visitor filter) and an action; its sending is an action", () => {
    const answered = at({ kind: "event", event: { kind: "survey_answered", score: 5, comment: "ok" } }, { kind: "visitor" });
    const sent = at({ kind: "event", event: { kind: "survey_sent", agent: "A" } }, { kind: "system" });
    expect(inFilter(answered, "visitor") && inFilter(answered, "actions")).toBe(true);
    expect(inFilter(answered, "agent") || inFilter(answered, "navigation")).toBe(false);
    expect(inFilter(sent, "actions")).toBe(true);
    expect(inFilter(sent, "visitor") || inFilter(sent, "agent")).toBe(false);
  });

  it("A5: where the survey stands in a thread: open, sent, answered", () => {
    const text = at({ kind: "text", text: "hi" }, { kind: "visitor" });
    const sent = at({ kind: "event", event: { kind: "survey_sent", agent: "A" } }, { kind: "system" });
    const answered = at({ kind: "event", event: { kind: "survey_answered", score: 5, comment: null } }, { kind: "system" });
    expect(surveyStatus([])).toBe("open");
    expect(surveyStatus([text])).toBe("open");
    expect(surveyStatus([text, sent, text])).toBe("sent");
    expect(surveyStatus([sent, answered])).toBe("answered");
    // Answered at close, without being sent during the conversation (R9): answered too.
    expect(surveyStatus([answered, text])).toBe("answered");
  });

  it("offers and files are actions; a visitor's file is the visitor's, an agent's offer the agent's", () => {
    const offer = at({ kind: "offer", offer: { title: "t", text: null, link: "https://a.example", image: null } });
    const file = at({ kind: "file", file: { id: "f", name: "n", size: 1, mime: "text/plain" } }, { kind: "visitor" });
    expect(inFilter(offer, "actions") && inFilter(file, "actions")).toBe(true);
    expect(inFilter(offer, "agent")).toBe(true);
    expect(inFilter(offer, "visitor")).toBe(false);
    expect(inFilter(file, "visitor")).toBe(true);
    expect(inFilter(file, "agent")).toBe(false);
    expect(inFilter(at({ kind: "event", event: { kind: "file_requested", agent: "A" } }, { kind: "system" }), "actions")).toBe(true);
  });
});

describe("bytes", () => {
  beforeEach(() => setLang("en"));

  it("base64 as Tauri's send_file expects it (no data: prefix), also past one chunk", () => {
    expect(toBase64(new Uint8Array([]))).toBe("");
    expect(toBase64(new TextEncoder().encode("Pupitre!"))).toBe("UHVwaXRyZSE=");
    const big = new Uint8Array(100_000).map((_, i) => (i * 31) % 256);
    expect(toBase64(big)).toBe(Buffer.from(big).toString("base64"));
  });

  it("sizes for people, in the agent's language", () => {
    expect(fileSize(512)).toBe("512 B");
    expect(fileSize(1536)).toBe("1.5 KB");
    expect(fileSize(48_213)).toBe("47 KB");
    expect(fileSize(3.4 * 1024 * 1024)).toBe("3.4 MB");
    setLang("fr");
    expect(fileSize(3.4 * 1024 * 1024)).toBe("3,4 Mo");
  });

  it("previews raster images only; file names lose paths and control characters", () => {
    expect(previewable("image/png")).toBe(true);
    expect(previewable("IMAGE/JPEG; q=1")).toBe(true);
    expect(previewable("image/svg+xml")).toBe(false);
    expect(previewable("text/html")).toBe(false);
    expect(safeName("../../etc/passwd")).toBe("_.._etc_passwd");
    expect(safeName("a\u0000b\\c.txt")).toBe("a_b_c.txt");
    expect(safeName("...")).toBe("file");
  });
});
