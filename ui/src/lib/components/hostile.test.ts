import { beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import ThreadItem from "./ThreadItem.svelte";
import Thread from "./Thread.svelte";
import VisitorPanel from "./VisitorPanel.svelte";
import { setLang } from "../i18n/i18n";
import { segments } from "../links";
import { deskFixture } from "../test-context";
import { T0, message, view } from "../test-fixtures";

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
