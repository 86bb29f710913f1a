/**
 * Print the conversation and e-mail it to oneself (SPEC D16): the pane header's buttons, there
 * when the admin leaves them on (A3). Print puts the whole thread's printable layout in the
 * page (as text: a visitor's markup stays text), has the system print it, and removes it; e-mail
 * has the hub send it to the agent's own address and says so, or says why not.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import ConversationPane from "./ConversationPane.svelte";
import { setLang } from "../i18n/i18n";
import { deskFixture } from "../test-context";
import { attach } from "../state/desk.svelte";
import { longConversation } from "../demo";
import { wholeThread } from "../print";
import { T0 } from "../test-fixtures";
import type { Message } from "../protocol";

const HOSTILE = "<img src=x onerror=alert(1)><script>window.__pwned=1</script>";

/** What the page held while the system printed: the sheet's element, and whether the rest
 * was hidden for print. */
type Printed = { sheet: HTMLElement | null; printing: boolean; text: string };

async function open(reference = "DEMO-1042", setup?: (f: Awaited<ReturnType<typeof deskFixture>>) => void) {
  const seen: Printed[] = [];
  let release: (() => void) | null = null;
  let hold = false;
  const f = await deskFixture({
    print: () => {
      const sheet = document.querySelector<HTMLElement>(".print-sheet");
      seen.push({ sheet: sheet?.cloneNode(true) as HTMLElement | null, printing: document.body.classList.contains("printing"), text: sheet?.textContent ?? "" });
      if (hold) return new Promise<void>((resolve) => (release = resolve));
    },
  });
  setup?.(f);
  await attach(f.desk, f.backend);
  const user = userEvent.setup();
  render(ConversationPane, { props: { view: f.desk.conversation(reference)! }, context: f.context });
  return {
    ...f,
    user,
    seen,
    hold: () => (hold = true),
    release: () => release?.(),
    print: () => screen.getByRole("button", { name: "Print" }),
    email: () => screen.getByRole("button", { name: "E-mail to me" }),
  };
}

describe("print the conversation (D16)", () => {
  beforeEach(() => {
    setLang("en");
    document.body.classList.remove("printing");
  });

  it("puts the whole thread in the page as a printable layout, prints, then removes it", async () => {
    // A conversation longer than the desk holds (P5): the rest comes from the cache.
    const f = await open("DEMO-9999", (f) => f.backend.data.conversations.push(longConversation(T0, 240)));
    expect(f.desk.conversation("DEMO-9999")!.messages.length).toBe(50);
    await f.user.click(f.print());
    await waitFor(() => expect(f.seen).toHaveLength(1));
    const [{ sheet, printing, text }] = f.seen;
    expect(printing).toBe(true);
    expect(sheet).not.toBeNull();
    const all = f.backend.data.conversations.find((c) => c.reference === "DEMO-9999")!.messages;
    for (const m of all) if (m.body.kind === "text" || m.body.kind === "comment") expect(text).toContain(m.body.text);
    // The header: the project, the reference, the visitor, the agent, the count.
    expect(sheet!.querySelector("h1")).toHaveTextContent("Conversation DEMO-9999");
    expect(text).toContain("Pupitre · DEMO");
    expect(text).toContain("Inès Moreau");
    expect(text).toContain("ines@example.org");
    expect(text).toContain("Camille Laurent");
    expect(text).toContain("240 messages");
    // No control of any kind on paper.
    expect(sheet!.querySelector("button, a, input, textarea, img")).toBeNull();
    // Gone afterwards, and the page prints as before.
    await waitFor(() => expect(document.querySelector(".print-sheet")).toBeNull());
    expect(document.body).not.toHaveClass("printing");
    expect(f.print()).toBeEnabled();
    expect(f.backend.printed).toHaveLength(1);
  }, 15_000);

  it("the visitor's name, every message, system lines in italics, files as their names; no visitor image", async () => {
    const f = await open("DEMO-1044");
    await f.user.click(f.print());
    await waitFor(() => expect(f.seen).toHaveLength(1));
    const { sheet, text } = f.seen[0];
    expect(text).toContain("Tom Becker");
    expect(text).toContain("Is anyone there? I bought it in March, order 55120.");
    expect(text).toContain("File: ear-cup-left.jpg");
    expect(text).toContain("He already called twice about this");
    expect(sheet!.querySelector("img")).toBeNull();
    const italics = [...sheet!.querySelectorAll("i")].map((i) => i.textContent);
    expect(italics).toContain("Hugo asked for a file");
    expect(italics).toContain("Hugo transferred this conversation to Camille");
  });

  it("hostile visitor text is printed as text, never as elements", async () => {
    const f = await open("DEMO-1042");
    f.backend.visitorWrites("DEMO-1042", HOSTILE);
    await waitFor(() => expect(f.desk.conversation("DEMO-1042")!.messages.at(-1)!.body).toMatchObject({ text: HOSTILE }));
    await f.user.click(f.print());
    await waitFor(() => expect(f.seen).toHaveLength(1));
    const { sheet, text } = f.seen[0];
    expect(text).toContain(HOSTILE);
    expect(sheet!.querySelector("img, script")).toBeNull();
    expect((window as unknown as { __pwned?: number }).__pwned).toBeUndefined();
  });

  it("is busy while the print dialog is open (one at a time), and keyboard reachable", async () => {
    const f = await open();
    f.hold();
    f.print().focus();
    await f.user.keyboard("{Enter}");
    await waitFor(() => expect(f.seen).toHaveLength(1));
    expect(f.print()).toBeDisabled();
    expect(f.print()).toHaveAttribute("aria-busy", "true");
    expect(document.querySelectorAll(".print-sheet")).toHaveLength(1);
    f.release();
    await waitFor(() => expect(f.print()).toBeEnabled());
    expect(document.querySelector(".print-sheet")).toBeNull();
  });

  it("a refusal is said and the layout is removed; the cache failing prints what the desk holds, saying so", async () => {
    const f = await open();
    f.backend.data.profile.options.print = false;
    await f.user.click(f.print());
    expect(await screen.findByRole("alert")).toHaveTextContent("You are not allowed to do this.");
    expect(document.querySelector(".print-sheet")).toBeNull();
    expect(document.body).not.toHaveClass("printing");
    expect(f.seen).toHaveLength(0);

    f.backend.data.profile.options.print = true;
    // The cache fails from now on (the thread on screen read its pages already).
    f.backend.thread = () => Promise.reject({ code: "cache", message: "locked" });
    await f.user.click(f.print());
    await waitFor(() => expect(f.seen).toHaveLength(1));
    expect(f.seen[0].text).toContain("Earlier messages could not be read from this computer's cache");
    expect(f.seen[0].text).toContain("Comptez 2 jours ouvrés");
  });

  it("the whole thread is merged from the cache and the desk, by id, without doubles", async () => {
    const f = await deskFixture();
    const view = f.desk.conversation("DEMO-1042")!;
    const live: Message = { ...view.messages.at(-1)!, id: 999_999, body: { kind: "text", text: "only on the desk" } };
    const { messages, partial } = await wholeThread(f.backend, { ...view, messages: [...view.messages, live] });
    expect(partial).toBe(false);
    expect(messages.map((m) => m.id)).toEqual([...new Set(messages.map((m) => m.id))].sort((a, b) => a - b));
    expect(messages.at(-1)!.id).toBe(999_999);
    expect(messages).toHaveLength(view.messages.length + 1);
  });
});

describe("e-mail the conversation to oneself (D16)", () => {
  beforeEach(() => setLang("en"));

  it("asks the hub with the open conversation, then says where it went", async () => {
    const f = await open("DEMO-1044");
    expect(f.email()).toHaveAttribute("title", "E-mail this conversation to camille@example.com");
    await f.user.click(f.email());
    const done = await screen.findByTestId("email-sent");
    expect(done).toHaveAttribute("role", "status");
    expect(done).toHaveTextContent("Sent to camille@example.com");
    expect(f.backend.calls.filter((c) => c.name === "emailConversation").map((c) => c.args)).toEqual([["DEMO-1044"]]);
    expect(f.backend.emailed).toEqual(["DEMO-1044"]);
    await f.user.click(within(done).getByRole("button", { name: "Dismiss" }));
    expect(screen.queryByTestId("email-sent")).toBeNull();
  });

  it("is disabled while it is being sent", async () => {
    const f = await open();
    let finish!: () => void;
    f.backend.emailConversation = () => new Promise<void>((resolve) => (finish = resolve));
    await f.user.click(f.email());
    expect(f.email()).toBeDisabled();
    expect(f.email()).toHaveAttribute("aria-busy", "true");
    finish();
    await waitFor(() => expect(f.email()).toBeEnabled());
    expect(await screen.findByTestId("email-sent")).toHaveTextContent("Sent to camille@example.com");
  });

  it("says a refusal in the strip under the header, as the other actions do", async () => {
    const f = await open();
    f.backend.failNext("emailConversation", { code: "offline", message: "down" });
    await f.user.click(f.email());
    const alert = await screen.findByTestId("email-error");
    expect(alert).toHaveAttribute("role", "alert");
    expect(alert).toHaveTextContent("You are offline: this action needs the hub. Try again once reconnected.");
    expect(screen.queryByTestId("email-sent")).toBeNull();

    f.backend.data.profile.options.email_to_self = false;
    await f.user.click(f.email());
    await waitFor(() => expect(screen.getByTestId("email-error")).toHaveTextContent("You are not allowed to do this."));
    expect(f.backend.emailed).toEqual([]);
  });

  it("offline: disabled, saying why", async () => {
    const f = await open();
    f.backend.setConnection({ state: "offline", retry_at: null, reason: "test" });
    await waitFor(() => expect(f.email()).toBeDisabled());
    expect(f.email()).toHaveAttribute("title", "Not available offline");
    // Printing needs no hub: the thread is in the cache.
    expect(f.print()).toBeEnabled();
  });

  it("a narrow pane has them in its \"More actions\" menu, keyboard first", async () => {
    const f = await open();
    // jsdom has no container queries: the menu is there beside the buttons (CSS shows one).
    await f.user.click(screen.getByRole("button", { name: "More actions" }));
    const menu = screen.getByRole("menu", { name: "More actions" });
    await waitFor(() => expect(within(menu).getByRole("menuitem", { name: "Print" })).toHaveFocus());
    await f.user.keyboard("{ArrowDown}{Enter}");
    expect(await screen.findByTestId("email-sent")).toHaveTextContent("Sent to camille@example.com");
    expect(screen.queryByRole("menu")).toBeNull();
    await f.user.click(screen.getByRole("button", { name: "More actions" }));
    await f.user.click(screen.getByRole("menuitem", { name: "Print" }));
    await waitFor(() => expect(f.seen).toHaveLength(1));
  });

  it("in French: « M'envoyer par e-mail », then « Envoyée à … »", async () => {
    setLang("fr");
    const f = await open();
    await f.user.click(screen.getByRole("button", { name: "M'envoyer par e-mail" }));
    expect(await screen.findByTestId("email-sent")).toHaveTextContent("Envoyée à camille@example.com");
    expect(screen.getByRole("button", { name: "Imprimer" })).toBeInTheDocument();
    void f;
  });
});
