import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "./App.svelte";
import { setLang } from "./lib/i18n/i18n";
import { fakeHub, json } from "./lib/test-hub";
import type { ConsoleSession } from "./lib/api";

const HOSTILE = "<img src=x onerror=alert(1)>";
const MANAGER: ConsoleSession = { agent_id: 3, name: "Chloé Durand", role: "manager", project: "DEMO" };

beforeEach(() => {
  setLang("en");
  history.replaceState(null, "", "/admin/#/people");
});
afterEach(() => setLang("en"));

async function knowledgeTab(options: Parameters<typeof fakeHub>[0] = {}) {
  const hub = fakeHub({ signedIn: true, ...options });
  const user = userEvent.setup();
  render(App, { api: hub.api });
  await user.click(await screen.findByRole("tab", { name: /^Knowledge/ }));
  await screen.findByRole("heading", { level: 2, name: "Knowledge" });
  await waitFor(() => expect(screen.getByRole("tab", { name: /^Knowledge/ })).toHaveTextContent("2"));
  return { hub, user };
}

const titles = () => screen.queryAllByRole("listitem").filter((li) => li.dataset.article).map((li) => li.querySelector(".canned-title")!.textContent);
const dialog = () => screen.getByRole("dialog");

describe("people and content: knowledge", () => {
  it("lists the articles newest first with their tags as chips", async () => {
    await knowledgeTab();
    expect(titles()).toEqual(["Délais de livraison", "Returns within 30 days"]);
    const returns = screen.getAllByRole("listitem").find((li) => li.dataset.article === "1")!;
    expect(within(within(returns).getByRole("list", { name: "Tags of Returns within 30 days" })).getAllByRole("listitem").map((c) => c.textContent)).toEqual(["returns", "refund"]);
  });

  it("searches through the hub (q) and filters by language", async () => {
    const { hub, user } = await knowledgeTab();
    await user.type(screen.getByRole("searchbox", { name: "Search" }), "REFUND");
    await waitFor(() => expect(titles()).toEqual(["Returns within 30 days"]));
    expect(hub.calls.some((c) => c.url.endsWith("/knowledge?q=REFUND"))).toBe(true);
    await user.clear(screen.getByRole("searchbox", { name: "Search" }));
    await user.selectOptions(screen.getByLabelText("Language"), "fr");
    await waitFor(() => expect(titles()).toEqual(["Délais de livraison"]));
    await user.type(screen.getByRole("searchbox", { name: "Search" }), "zzz");
    await waitFor(() => expect(screen.getByText("No article matches this search.")).toBeInTheDocument());
  });

  it("adds an article; its hostile title and body stay text; tags are lower-cased; it is audited", async () => {
    const { hub, user } = await knowledgeTab();
    await user.click(screen.getByRole("button", { name: "Add an article" }));
    await user.click(within(dialog()).getByRole("button", { name: "Add" }));
    expect(within(dialog()).getByLabelText("Title")).toHaveAccessibleDescription("Enter a title.");
    expect(within(dialog()).getByLabelText("Text")).toHaveAccessibleDescription(/^Enter the text\./);
    await user.type(within(dialog()).getByLabelText("Title"), HOSTILE);
    await user.type(within(dialog()).getByLabelText("Text"), `${HOSTILE}{Enter}Second line`);
    await user.type(within(dialog()).getByLabelText("Tags"), "Delivery, bad tag!");
    await user.click(within(dialog()).getByRole("button", { name: "Add" }));
    expect(within(dialog()).getByLabelText("Tags")).toHaveAccessibleDescription(/^The tag tag! may only have/);
    await user.clear(within(dialog()).getByLabelText("Tags"));
    await user.type(within(dialog()).getByLabelText("Tags"), "Delivery, Express");
    await user.click(within(dialog()).getByRole("button", { name: "Add" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(titles()[0]).toBe(HOSTILE);
    expect(document.querySelector("img")).toBeNull();
    const created = hub.state.knowledge.find((a) => a.title === HOSTILE)!;
    expect(created).toMatchObject({ body: `${HOSTILE}\nSecond line`, tags: ["delivery", "express"], language: "en" });
    expect(hub.state.audit[0].action).toBe("knowledge.create");
  });

  it("edits and removes an article; the hub's fields land on their inputs", async () => {
    const { hub, user } = await knowledgeTab();
    await user.click(screen.getByRole("button", { name: "Edit Returns within 30 days" }));
    const language = within(dialog()).getByLabelText("Language");
    await user.clear(language);
    await user.type(language, "pt-BR");
    hub.on("PUT", `${hub.projectPath}/knowledge/1`, () => json(400, { code: "invalid_input", message: "invalid", fields: { "tags.1": "too long" } }));
    await user.click(within(dialog()).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(within(dialog()).getByLabelText("Tags")).toHaveAccessibleDescription(/too long/));
    await user.click(within(dialog()).getByRole("button", { name: "Save" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(hub.state.knowledge.find((a) => a.id === 1)!.language).toBe("pt-BR");
    expect(titles()[0]).toBe("Returns within 30 days");
    await user.click(screen.getByRole("button", { name: "Remove Délais de livraison" }));
    await user.click(within(dialog()).getByRole("button", { name: "Remove" }));
    await waitFor(() => expect(titles()).toEqual(["Returns within 30 days"]));
    expect(hub.state.audit[0].action).toBe("knowledge.delete");
  });

  it("a manager reads the articles, without add, edit or remove", async () => {
    await knowledgeTab({ session: MANAGER });
    expect(titles()).toHaveLength(2);
    expect(screen.queryByRole("button", { name: "Add an article" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /^Edit / })).not.toBeInTheDocument();
  });

  it("says when the hub has no knowledge yet (404), and the other tabs still work", async () => {
    const hub = fakeHub({ signedIn: true });
    hub.on("GET", `${hub.projectPath}/knowledge`, () => json(404, { code: "not_found", message: "no route" }));
    const user = userEvent.setup();
    render(App, { api: hub.api });
    await user.click(await screen.findByRole("tab", { name: /^Knowledge/ }));
    expect(await screen.findByText(/The articles could not be loaded\./)).toBeInTheDocument();
    await user.click(screen.getByRole("tab", { name: /^Agents/ }));
    expect(await screen.findByRole("table", { name: "Agents" })).toBeInTheDocument();
  });
});
