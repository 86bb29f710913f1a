import { beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import ThreadItem from "./ThreadItem.svelte";
import Thread from "./Thread.svelte";
import VisitorPanel from "./VisitorPanel.svelte";
import ConversationBox from "./ConversationBox.svelte";
import ConversationPane from "./ConversationPane.svelte";
import { setLang, tParts } from "../i18n/i18n";
import { segments } from "../links";
import { externalUrl } from "../backend";
import { FakeBackend } from "../fake-backend";
import { demoData } from "../demo";
import { fileNameParts, isEmail, oneLine } from "../text";
import { eventText } from "../thread";
import { deskFixture } from "../test-context";
import { T0, message, view } from "../test-fixtures";
import type { Message } from "../protocol";

describe("visitor content is hostile (DESIGN §8)", () => {
  beforeEach(() => setLang("en"));

  it("renders markup as text: no img element, no handler", async () => {
    const f = await deskFixture();
    const evil = '<img src=x onerror=alert(1)><script>alert(2)</script><b>bold</b>';
    const { container } = render(ThreadItem, {
      props: { message: message("DEMO-1042", "visitor", evil), visitorName: "Léa", me: 1042, now: T0 },
      context: f.context,
    });
    expect(container.querySelector("img")).toBeNull();
    expect(container.querySelector("script")).toBeNull();
    expect(container.querySelector("b")).toBeNull();
    expect(container.textContent).toContain(evil);
  });

  it("a javascript: link is not an anchor; an https one is, and opens through the backend", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    const text = "see javascript:alert(document.cookie) or https://shop.example.com/x200?a=1, or data:text/html,<b>x</b>";
    const { container } = render(ThreadItem, {
      props: { message: message("DEMO-1042", "visitor", text), visitorName: "Léa", me: 1042, now: T0 },
      context: f.context,
    });
    const anchors = [...container.querySelectorAll("a")];
    expect(anchors.map((a) => a.getAttribute("href"))).toEqual(["https://shop.example.com/x200?a=1"]);
    expect(container.textContent).toContain("javascript:alert(document.cookie)");
    await user.click(anchors[0]);
    await waitFor(() => expect(f.backend.opened).toEqual(["https://shop.example.com/x200?a=1"]));
  });

  it("the visitor's draft and agent names are text too", async () => {
    const f = await deskFixture();
    const { container } = render(Thread, {
      props: {
        reference: "A",
        messages: view("A", { messages: [{ ...message("A", "agent", "hi"), author: { kind: "agent", id: 7, name: "<i>Eve</i>" } }] }).messages,
        filter: "all",
        outbox: [],
        draft: "<img src=x onerror=alert(1)>",
        me: 1042,
        visitorName: "<u>V</u>",
      },
      context: f.context,
    });
    await waitFor(() => expect(container.textContent).toContain("<img src=x onerror=alert(1)>"));
    expect(container.querySelector("img, i, u")).toBeNull();
    expect(container.textContent).toContain("<i>Eve</i>");
  });

  it("a visitor card with a javascript: page and a fake e-mail shows text only", async () => {
    const f = await deskFixture();
    const lea = f.desk.conversation("DEMO-1042")!;
    lea.visitor = { ...lea.visitor, page_url: "javascript:alert(1)", email: 'x" onmouseover="alert(1)' };
    render(VisitorPanel, { context: f.context });
    expect(screen.getByText("javascript:alert(1)").closest("a")).toBeNull();
    expect(screen.getByText('x" onmouseover="alert(1)').closest("a")).toBeNull();
  });
});

describe("segments", () => {
  it("keeps trailing punctuation out and accepts mailto and www", () => {
    expect(segments("Voir https://a.example/p. Merci")).toEqual([
      { kind: "text", text: "Voir " },
      { kind: "link", text: "https://a.example/p", href: "https://a.example/p" },
      { kind: "text", text: ". Merci" },
    ]);
    expect(segments("mailto:a@b.example").map((s) => s.kind)).toEqual(["link"]);
    expect(segments("www.example.com")[0]).toEqual({ kind: "link", text: "www.example.com", href: "https://www.example.com/" });
    expect(segments("file:///etc/passwd vbscript:x").every((s) => s.kind === "text")).toBe(true);
  });
});

/** Bidi controls and zero-width characters (issue 9). */
const CONTROLS = /[\u061C\u200B-\u200F\u202A-\u202E\u2060\u2066-\u2069\uFEFF]/;
const RLO = "\u202E";

describe("mailto links carry no headers (issue 9)", () => {
  beforeEach(() => setLang("en"));
  const injected = "mailto:lea@example.com?cc=boss@evil.test&bcc=all@evil.test&body=Send%20your%20card%20number";

  it("in the thread: the href is the bare address, the text what the visitor wrote, the click opens the bare address", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    const { container } = render(ThreadItem, {
      props: { message: message("DEMO-1042", "visitor", `write to ${injected} please`), visitorName: "Léa", me: 1042, now: T0 },
      context: f.context,
    });
    const anchors = [...container.querySelectorAll("a")];
    expect(anchors.map((a) => a.getAttribute("href"))).toEqual(["mailto:lea@example.com"]);
    expect(anchors[0].getAttribute("title")).toBe("mailto:lea@example.com");
    expect(anchors[0].textContent).toBe(injected);
    await user.click(anchors[0]);
    await waitFor(() => expect(f.backend.opened).toEqual(["mailto:lea@example.com"]));
  });

  it("segments: a mailto's href is reduced; one that is not a valid address is no link", () => {
    expect(segments(`${injected} ok`)).toEqual([
      { kind: "link", text: injected, href: "mailto:lea@example.com" },
      { kind: "text", text: " ok" },
    ]);
    for (const bad of [
      "mailto:?to=a@evil.test",
      "mailto:a@localhost",
      "mailto:a@evil.test,b@evil.test",
      "mailto:a%3Fbcc%3Db@evil.test",
      "mailto:a%40b@evil.test",
      "mailto:%E2%80%AEa@evil.test",
      "mailto:a@evil_test.com",
      "mailto:%ZZ@evil.test",
    ]) {
      expect(segments(`write to ${bad} now`).every((part) => part.kind === "text"), bad).toBe(true);
      expect(externalUrl(bad), bad).toBeNull();
    }
  });

  it("isEmail takes one address and nothing else", () => {
    expect(isEmail("lea@example.com")).toBe(true);
    expect(isEmail("first.last+tag@mail.example-shop.co.uk")).toBe(true);
    for (const bad of [
      "a@example.com?bcc=evil%40evil.test&body=hi",
      "a@example.com&bcc=x@evil.test",
      "a b@example.com",
      "a@b@example.com",
      "a@example",
      "<a>@example.com",
      '"a"@example.com',
      "a'b@example.com",
      `a@example.com${RLO}`,
      "a\u200B@example.com",
      "a\n@example.com",
      ".a@example.com",
      "a.@example.com",
      "@example.com",
      "a@",
      "a@-example.com",
      "a@example..com",
    ]) {
      expect(isEmail(bad), bad).toBe(false);
    }
  });

  it("the visitor card: a header-injected e-mail is text; a valid one links to its bare address", async () => {
    const f = await deskFixture();
    const lea = f.desk.conversation("DEMO-1042")!;
    const evil = "a@example.com?bcc=evil%40evil.test&body=hi";
    lea.visitor = { ...lea.visitor, email: evil };
    const { unmount } = render(VisitorPanel, { context: f.context });
    expect(screen.getByText(evil).closest("a")).toBeNull();
    unmount();
    lea.visitor = { ...lea.visitor, email: "lea@example.com" };
    render(VisitorPanel, { context: f.context });
    expect(screen.getByText("lea@example.com").closest("a")?.getAttribute("href")).toBe("mailto:lea@example.com");
  });

  it("the backends open a mailto as its bare address, and refuse one that is not an address", async () => {
    const backend = new FakeBackend(demoData(T0), { now: () => T0 });
    await backend.openExternal(injected);
    expect(backend.opened).toEqual(["mailto:lea@example.com"]);
    await expect(backend.openExternal("mailto:a@evil.test,b@evil.test")).rejects.toMatchObject({ code: "invalid_input" });
    await expect(backend.openExternal("mailto:?bcc=a@evil.test")).rejects.toMatchObject({ code: "invalid_input" });
    expect(backend.opened).toEqual(["mailto:lea@example.com"]);
    expect(externalUrl("MAILTO:Lea@Example.com?subject=x#y")).toBe("mailto:Lea@Example.com");
    expect(externalUrl("https://shop.example.com/x?a=1")).toBe("https://shop.example.com/x?a=1");
  });
});

describe("bidi and zero-width controls (issue 9)", () => {
  beforeEach(() => setLang("en"));
  const hostileName = `invoice${RLO}gpj.exe`;
  const fileMessage = (name: string, author: "visitor" | "agent" = "visitor"): Message => ({
    ...message("DEMO-1042", author, ""),
    body: { kind: "file", file: { id: "f-bidi", name, size: 2048, mime: "application/octet-stream" } },
  });

  it("oneLine drops the controls, folds line breaks, keeps emoji sequences; fileNameParts keeps the real extension", () => {
    expect(oneLine(hostileName)).toBe("invoicegpj.exe");
    expect(oneLine(" L\u200Bé\u2066a\u2069\u200F\n\u2028Martin\uFEFF\u061C ")).toBe("Léa Martin");
    expect(oneLine("\u{1F469}\u200D\u{1F4BB} Léa")).toBe("\u{1F469}\u200D\u{1F4BB} Léa");
    expect(oneLine(null)).toBe("");
    expect(fileNameParts(hostileName)).toEqual({ stem: "invoicegpj", ext: ".exe" });
    expect(fileNameParts(".bashrc")).toEqual({ stem: ".bashrc", ext: "" });
    expect(fileNameParts("photo.jpg   \u202E.exe")).toEqual({ stem: "photo.jpg ", ext: ".exe" });
  });

  it("a file name with U+202E shows without it, in an isolating element, its extension apart", async () => {
    const f = await deskFixture();
    const { container } = render(ThreadItem, {
      props: { message: fileMessage(hostileName), visitorName: "Léa", me: 1042, now: T0 },
      context: f.context,
    });
    const name = container.querySelector(".name")!;
    expect(name.tagName).toBe("BDI");
    expect(name.textContent).toBe("invoicegpj.exe");
    expect(name.querySelector(".ext")?.textContent).toBe(".exe");
    expect(name.getAttribute("title")).toBe("invoicegpj.exe");
    expect(screen.getByRole("button", { name: "Download invoicegpj.exe" })).toBeInTheDocument();
    // Nowhere in the card, text or attributes.
    expect(container.innerHTML).not.toMatch(CONTROLS);
  });

  it("a thread line's time is not inside the visitor's text run: the name is isolated on its own", async () => {
    const f = await deskFixture();
    const { container } = render(ThreadItem, {
      props: { message: message("DEMO-1042", "visitor", "Bonjour"), visitorName: hostileName, me: 1042, now: T0 },
      context: f.context,
    });
    const meta = container.querySelector(".meta")!;
    const name = meta.querySelector("bdi")!;
    expect(name.textContent).toBe("invoicegpj.exe");
    expect(meta.textContent).toMatch(/^invoicegpj\.exe · \d\d:\d\d$/);
    const time = meta.textContent!.slice(-5);
    expect(name.textContent).not.toContain(time);
    expect(meta.textContent).not.toMatch(CONTROLS);
  });

  it("the file card's line: the sender's name isolated, the time outside it", async () => {
    const f = await deskFixture();
    const { container } = render(ThreadItem, {
      props: { message: fileMessage("a.pdf"), visitorName: `L\u202Eéa`, me: 1042, now: T0 },
      context: f.context,
    });
    const meta = container.querySelector(".meta")!;
    expect(meta.querySelector("bdi")?.textContent).toBe("Léa");
    expect(meta.textContent).toMatch(/^Léa · \d\d:\d\d$/);
  });

  it("a message body keeps its text, isolated (dir=auto)", async () => {
    const f = await deskFixture();
    const text = `see ${RLO}this`;
    const { container } = render(ThreadItem, {
      props: { message: message("DEMO-1042", "visitor", text), visitorName: "Léa", me: 1042, now: T0 },
      context: f.context,
    });
    const body = container.querySelector(".text")!;
    expect(body.getAttribute("dir")).toBe("auto");
    expect(body.textContent).toBe(text);
  });

  it("events isolate names and comments (each param in a bdi), on one line", async () => {
    const f = await deskFixture();
    const event: Message = {
      ...message("DEMO-1042", "system", ""),
      body: { kind: "event", event: { kind: "transferred", from: `Hu${RLO}go`, to: "Alice\u200B" } },
    };
    const { container } = render(ThreadItem, { props: { message: event, visitorName: "Léa", me: 1042, now: T0 }, context: f.context });
    const line = container.querySelector(".event")!;
    expect([...line.querySelectorAll("bdi")].map((b) => b.textContent)).toEqual(["Hugo", "Alice"]);
    expect(line.textContent).toBe("Hugo transferred this conversation to Alice");
    expect(eventText({ kind: "survey_answered", score: 4, comment: `ok${RLO} merci\n!` })).toBe("Satisfaction: 4/5 — “ok merci !”");
    expect(tParts("file.saved", { path: `/tmp/${hostileName}` })).toEqual([
      { text: "Saved in ", param: false },
      { text: "/tmp/invoicegpj.exe", param: true },
    ]);
  });

  it("the box preview and the pane header: on one line, isolated", async () => {
    const f = await deskFixture();
    const lea = f.desk.conversation("DEMO-1042")!;
    lea.visitor = { ...lea.visitor, name: `Léa ${hostileName}` };
    const last = message("DEMO-1042", "visitor", `voir ${hostileName}\nmerci`);
    const { container: box } = render(ConversationBox, {
      props: { view: view("DEMO-1042", { messages: [last] }), index: 0, onScreen: false, focused: false, onopen: () => {} },
    });
    const preview = box.querySelector(".l2 bdi")!;
    expect(preview.textContent).toBe("voir invoicegpj.exe merci");
    expect(box.innerHTML).not.toMatch(CONTROLS);
    const { container: pane } = render(ConversationPane, { props: { view: lea }, context: f.context });
    const who = pane.querySelector("header .who")!;
    expect(who.tagName).toBe("BDI");
    expect(who.textContent).toBe("Léa invoicegpj.exe");
    expect(pane.querySelector("header")!.innerHTML).not.toMatch(CONTROLS);
    expect(pane.querySelector("section")!.getAttribute("aria-label")).toBe("DEMO-1042 — Léa invoicegpj.exe");
  });

  it("A7: a card field reads in the desk's language when the admin named it so, as text", async () => {
    const f = await deskFixture();
    const lea = f.desk.conversation("DEMO-1042")!;
    lea.visitor = {
      ...lea.visitor,
      fields: [{ label: "Cart", value: "129,90 €", labels: { en: "Cart", fr: "Panier <b>total</b>" } }],
    };
    setLang("fr");
    try {
      render(VisitorPanel, { context: f.context });
      expect(screen.getByText("Panier <b>total</b>").tagName).toBe("BDI");
      expect(screen.getByText("129,90 €")).toBeInTheDocument();
    } finally {
      setLang("en");
    }
  });

  it("the visitor card: name, page title and fields on one line, each isolated", async () => {
    const f = await deskFixture();
    const lea = f.desk.conversation("DEMO-1042")!;
    lea.visitor = {
      ...lea.visitor,
      name: `Léa${RLO} Martin`,
      page_title: `Casque ${RLO}X100`,
      fields: [{ label: `Commande${RLO}`, value: `A-${RLO}42` }],
    };
    const { container } = render(VisitorPanel, { context: f.context });
    expect(screen.getByText("Léa Martin").tagName).toBe("BDI");
    expect(screen.getByText("Casque X100").tagName).toBe("BDI");
    expect(screen.getByText("A-42").tagName).toBe("BDI");
    expect(container.querySelector("dl")!.innerHTML).not.toMatch(CONTROLS);
  });

  it("A7: the admin's names for built-in lines are text, on one line, isolated", async () => {
    const f = await deskFixture();
    const lea = f.desk.conversation("DEMO-1042")!;
    lea.visitor = { ...lea.visitor, names: { email: { en: `<img src=x onerror=alert(1)>Mail${RLO}\nbox` } }, order: ["email", "name"] };
    const { container } = render(VisitorPanel, { context: f.context });
    const label = screen.getByText("<img src=x onerror=alert(1)>Mail box");
    expect(label.tagName).toBe("BDI");
    expect(label.closest("dt")).toHaveAttribute("title", "<img src=x onerror=alert(1)>Mail box");
    expect(container.querySelector("dl img")).toBeNull();
    expect(container.querySelector("dl")!.innerHTML).not.toMatch(CONTROLS);
  });

  it("R9, A5: the survey's comment and answers are text, on one line, each isolated", async () => {
    const f = await deskFixture();
    const evil = "<img src=x onerror=alert(1)>";
    const answer: Message = {
      ...message("DEMO-1042", "system", ""),
      body: {
        kind: "event",
        event: {
          kind: "survey_answered",
          score: 4,
          comment: `Bien${RLO}\n${evil}`,
          answers: [
            { question: `<b>Q</b>${RLO}1`, answer: `${evil}\u200Boui` },
            { question: "  ", answer: "" },
          ],
        },
      },
    };
    const { container } = render(ThreadItem, { props: { message: answer, visitorName: "Léa", me: 1042, now: T0 }, context: f.context });
    const block = container.querySelector(".event")!;
    expect(block.querySelector("img, b, script")).toBeNull();
    expect(block.innerHTML).not.toMatch(CONTROLS);
    expect(block.querySelector(".comment bdi")!.textContent).toBe(`Bien ${evil}`);
    // A blank answer line is left out.
    expect([...block.querySelectorAll("dt")].map((e) => e.textContent)).toEqual(["<b>Q</b>1"]);
    expect([...block.querySelectorAll("dd bdi")].map((e) => e.textContent)).toEqual([`${evil}oui`]);
  });
});
