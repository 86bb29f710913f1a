/**
 * The knowledge tab and the assistant (SPEC D16): searching the articles (after the agent
 * stops typing), the results, the offline note, an article read whole and inserted (or the part
 * selected) into the composer; the assistant's answers with their sources, Insert, nothing found,
 * the session's questions kept; the fake's side (the hub's refusals, the ranking).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Drawer from "./Drawer.svelte";
import Composer from "./Composer.svelte";
import { setLang } from "../i18n/i18n";
import { deskFixture } from "../test-context";
import { attach } from "../state/desk.svelte";
import { ASSISTANT_KEPT } from "../state/assistant.svelte";
import { rank, words } from "../fake-knowledge";
import type { Drawer as DrawerKind } from "../state/overlay.svelte";

async function open(drawer: Exclude<DrawerKind, null>) {
  const f = await deskFixture();
  await attach(f.desk, f.backend);
  f.desk.open("DEMO-1042");
  f.overlay.drawer = drawer;
  const user = userEvent.setup();
  const drawerView = render(Drawer, { context: f.context });
  render(Composer, { props: { reference: "DEMO-1042" }, context: f.context });
  const calls = (name: "knowledgeSearch" | "assistantAsk") => f.backend.calls.filter((c) => c.name === name).map((c) => c.args[0]);
  return { ...f, user, calls, drawerView };
}

const composer = () => screen.getByRole("textbox", { name: /message/i });

describe("knowledge search (D16)", () => {
  beforeEach(() => setLang("en"));

  it("lists the newest articles at first, then searches once the agent stops typing", async () => {
    const f = await open("knowledge");
    await screen.findByText("Newest articles");
    expect(f.calls("knowledgeSearch")).toEqual([{ text: "", language: null }]);
    const first = screen.getAllByRole("listitem")[0];
    expect(first).toHaveTextContent("Délais et options de livraison");

    await f.user.type(screen.getByRole("searchbox", { name: "Search the articles" }), "garantie");
    // Typed in one go: nothing asked yet, then one search with the whole word.
    expect(f.calls("knowledgeSearch")).toHaveLength(1);
    await waitFor(() => expect(f.calls("knowledgeSearch")).toHaveLength(2));
    expect(f.calls("knowledgeSearch")[1]).toEqual({ text: "garantie", language: null });
    await screen.findByText("1 article");
    const hit = screen.getByRole("button", { name: /Garantie et retours/ });
    expect(hit).toHaveTextContent("FR");
    expect(hit).toHaveTextContent("garantie");
    expect(hit).toHaveTextContent("retours");
    expect(hit.querySelector(".excerpt")).toHaveTextContent(/^Tous nos casques sont garantis 2 ans/);

    await f.user.clear(screen.getByRole("searchbox"));
    await f.user.type(screen.getByRole("searchbox"), "zzzz");
    expect(await screen.findByText("No article matches these words.")).toBeInTheDocument();
  });

  it("offline, the articles come from this computer, and it says so", async () => {
    const f = await open("knowledge");
    await screen.findByText("Newest articles");
    expect(screen.queryByTestId("knowledge-offline")).toBeNull();
    f.backend.setConnection({ state: "offline", retry_at: null, reason: "test" });
    await f.user.type(screen.getByRole("searchbox"), "X200");
    expect(await screen.findByTestId("knowledge-offline")).toHaveTextContent("Offline — from this computer");
    expect(screen.getByRole("button", { name: /Compatibilité Bluetooth du casque X200/ })).toBeInTheDocument();
  });

  it("opens an article whole, as text, and Insert puts it into the composer of the open conversation", async () => {
    const f = await open("knowledge");
    await f.user.click(await screen.findByRole("button", { name: /Réinitialiser le casque X200/ }));
    const heading = screen.getByRole("heading", { name: "Réinitialiser le casque X200" });
    await waitFor(() => expect(heading).toHaveFocus());
    const body = screen.getByTestId("knowledge-body");
    const article = f.backend.data.knowledge!.find((a) => a.id === 304)!;
    expect(body.textContent).toBe(article.body);

    await f.user.type(composer(), "Bonjour,");
    await f.user.click(screen.getByRole("button", { name: "Insert" }));
    expect(f.drafts.get("DEMO-1042")).toBe(`Bonjour,\n\n${article.body}`);
    await waitFor(() => expect(composer()).toHaveValue(`Bonjour,\n\n${article.body}`));
    await waitFor(() => expect(composer()).toHaveFocus());
    // Nothing was sent: the agent reads it first.
    expect(f.backend.calls.some((c) => c.name === "sendMessage")).toBe(false);

    await f.user.click(screen.getByRole("button", { name: "Back to the results" }));
    await waitFor(() => expect(screen.getByRole("searchbox")).toHaveFocus());
  });

  it("inserts only the part of the article the agent selected", async () => {
    const f = await open("knowledge");
    await f.user.click(await screen.findByRole("button", { name: /Délais et options de livraison/ }));
    const wanted = "Belgique et Luxembourg : 3 à 4 jours ouvrés.";
    const walker = document.createTreeWalker(screen.getByTestId("knowledge-body"), NodeFilter.SHOW_TEXT);
    let text = walker.nextNode() as Text;
    while (!text.data.includes(wanted)) text = walker.nextNode() as Text;
    const at = text.data.indexOf(wanted);
    const range = document.createRange();
    range.setStart(text, at);
    range.setEnd(text, at + wanted.length);
    document.getSelection()!.removeAllRanges();
    document.getSelection()!.addRange(range);
    document.dispatchEvent(new Event("selectionchange"));
    await f.user.click(await screen.findByRole("button", { name: "Insert the selection" }));
    expect(f.drafts.get("DEMO-1042")).toBe(wanted);
  });

  it("Insert is off while no conversation is open", async () => {
    const f = await open("knowledge");
    f.desk.focused = null;
    await f.user.click(await screen.findByRole("button", { name: /Garantie et retours/ }));
    const insert = screen.getByRole("button", { name: "Insert" });
    expect(insert).toBeDisabled();
    expect(insert).toHaveAttribute("title", "Open a conversation to insert into its message");
  });

  it("a failure says why, with Retry", async () => {
    const f = await deskFixture();
    f.backend.failNext("knowledgeSearch", { code: "forbidden", message: "off" });
    f.overlay.drawer = "knowledge";
    const user = userEvent.setup();
    render(Drawer, { context: f.context });
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("You are not allowed to do this.");
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    await screen.findByText("Newest articles");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("the fake refuses with forbidden when the option is off", async () => {
    const f = await deskFixture();
    f.backend.setOptions({ knowledge_search: false });
    await expect(f.backend.knowledgeSearch({ text: "", language: null })).rejects.toMatchObject({ code: "forbidden" });
  });
});

describe("the assistant (D16)", () => {
  beforeEach(() => setLang("en"));

  const ask = async (f: Awaited<ReturnType<typeof open>>, question: string) => {
    await f.user.type(screen.getByRole("textbox", { name: "Your question" }), `${question}{Enter}`);
  };

  it("asks with Enter; answers as cards with their sources; Insert puts one into the composer", async () => {
    const f = await open("assistant");
    expect(screen.getByText("Answers come from your team's articles, canned responses and your past conversations, on this computer.")).toBeInTheDocument();
    await ask(f, "Livrez-vous en Belgique avant samedi ?");
    expect(f.calls("assistantAsk")).toEqual(["Livrez-vous en Belgique avant samedi ?"]);
    expect(screen.getByRole("textbox", { name: "Your question" })).toHaveValue("");
    const cards = await waitFor(() => {
      const found = screen.getAllByRole("listitem");
      expect(found.length).toBeGreaterThan(1);
      return found;
    });
    const sources = cards.map((c) => c.querySelector(".source")!.textContent);
    // Camille's own answer in DEMO-0981, with its date; the articles and canned responses too.
    expect(sources.some((s) => /^Your conversation DEMO-0981 · \d/.test(s!))).toBe(true);
    expect(sources).toContain("Knowledge article");
    const canned = await (async () => {
      await ask(f, "delivery times express");
      return waitFor(() => {
        const label = screen.getAllByText(/^Canned response \//);
        expect(label.length).toBeGreaterThan(0);
        return label[0];
      });
    })();
    expect(canned.textContent).toMatch(/^Canned response \/(delivery|delai)$/);

    const mine = cards.find((c) => /DEMO-0981/.test(c.textContent!))!;
    const text = mine.querySelector(".text")!.textContent!;
    await f.user.click(within(mine).getByRole("button", { name: "Insert" }));
    expect(f.drafts.get("DEMO-1042")).toBe(text);
    await waitFor(() => expect(composer()).toHaveValue(text));
  });

  it("says when nothing was found", async () => {
    const f = await open("assistant");
    await ask(f, "zzqx wvbk");
    expect(await screen.findByText("No answer found in the articles, canned responses or your past conversations.")).toBeInTheDocument();
  });

  it("keeps the session's questions and replies when the drawer closes and opens again (memory only)", async () => {
    const f = await open("assistant");
    await ask(f, "garantie batterie");
    await screen.findByText("Garantie et retours");
    f.drawerView.unmount();
    render(Drawer, { context: f.context });
    expect(screen.getByText("garantie batterie")).toBeInTheDocument();
    expect(screen.getAllByText("Garantie et retours").length).toBeGreaterThan(0);
    expect(f.assistant.exchanges).toHaveLength(1);
    await f.user.click(screen.getAllByRole("button", { name: "Clear" })[0]);
    expect(f.assistant.exchanges).toHaveLength(0);
  });

  it("a refusal is said with Retry; the fake refuses with forbidden when the option is off", async () => {
    const f = await open("assistant");
    f.backend.failNext("assistantAsk", { code: "internal", message: "index" });
    await ask(f, "garantie");
    const alert = await screen.findByRole("alert");
    await f.user.click(within(alert).getByRole("button", { name: "Try again" }));
    await screen.findByText("Garantie et retours");
    expect(f.calls("assistantAsk")).toEqual(["garantie", "garantie"]);

    f.backend.data.profile.options.assistant = false;
    await expect(f.backend.assistantAsk("garantie")).rejects.toMatchObject({ code: "forbidden" });
  });

  it("keeps at most the last questions of the session", async () => {
    const f = await deskFixture();
    for (let i = 0; i < ASSISTANT_KEPT + 3; i++) await f.assistant.ask(f.backend, `question ${i}`);
    expect(f.assistant.exchanges).toHaveLength(ASSISTANT_KEPT);
    expect(f.assistant.exchanges[0].question).toBe("question 3");
  });

  it("ranks with BM25: the document with the rarer shared words first, nothing without a shared word", () => {
    const docs = [
      { source: { kind: "article" as const, id: 1 }, title: "Livraison", text: "La livraison prend deux jours." },
      { source: { kind: "article" as const, id: 2 }, title: "Belgique", text: "Livraison en Belgique en quatre jours." },
      { source: { kind: "article" as const, id: 3 }, title: "Garantie", text: "Deux ans." },
    ];
    const answers = rank("livraison Belgique", docs);
    expect(answers.map((a) => a.source)).toEqual([{ kind: "article", id: 2 }, { kind: "article", id: 1 }]);
    expect(answers[0].score).toBeGreaterThan(answers[1].score);
    expect(words("Où est ma commande ? Livrée à Liège")).toEqual(["commande", "livree", "liege"]);
  });
});
