/**
 * The admin's desk options (SPEC A3, D16): "each is a switch: the desk hides what is off and
 * the hub refuses it". What is off is gone (not disabled), follows a live `profile_changed`,
 * and canned responses are not even asked for while off.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { createEvent, fireEvent, render, screen, waitFor, within } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "../../App.svelte";
import { FakeBackend } from "../fake-backend";
import { demoData } from "../demo";
import { setLang } from "../i18n/i18n";
import { ALL_ON, deskOptions } from "../options";
import { CannedResponses } from "../state/canned.svelte";
import type { DeskOptions } from "../protocol";
import type { Backend, CannedResponse } from "../backend";
import { REAL_ASSIGNED_JSON, REAL_PROFILE_CHANGED_JSON, RealShapesBackend } from "../real-shapes";

const boxes = () => [...document.querySelectorAll<HTMLElement>(".box")];
const pane = () => screen.getAllByRole("region").find((r) => r.classList.contains("pane"))!;
const cannedCalls = (backend: FakeBackend) => backend.calls.filter((c) => c.name === "cannedResponses").length;

async function open(off: Partial<DeskOptions> = {}) {
  const data = demoData(Date.now());
  data.profile.options = { ...ALL_ON, ...off };
  const backend = new FakeBackend(data);
  const user = userEvent.setup();
  render(App, { props: { backend } });
  await waitFor(() => expect(boxes()).toHaveLength(3));
  return { backend, user };
}

/** The controls each option shows, in a pane's composer, the rail and the "…" menu. */
const controls = {
  cannedButton: () => within(pane()).queryByRole("button", { name: "Canned responses (/)" }),
  cannedRail: () => screen.queryByRole("button", { name: "Canned responses" }),
  suggestions: () => document.querySelector(".suggestions"),
  attach: () => within(pane()).queryByRole("button", { name: "Attach a file (10 MB max)" }),
  fileInput: () => document.querySelector('input[type="file"]'),
  requestFile: () => within(pane()).queryByRole("button", { name: "Ask for a file from the visitor" }),
  seePage: () => within(pane()).queryByRole("button", { name: "See the page" }),
  markImportant: () => within(pane()).queryByRole("button", { name: "Mark important" }),
  print: () => within(pane()).queryByRole("button", { name: "Print" }),
  email: () => within(pane()).queryByRole("button", { name: "E-mail to me" }),
  knowledgeRail: () => screen.queryByRole("button", { name: "Knowledge" }),
  assistantRail: () => screen.queryByRole("button", { name: "Assistant" }),
  teamRail: () => screen.queryByRole("button", { name: "Agents online" }),
};

/** The D16 tools, each with its switch, its control and the fake hub's call it refuses. */
const TOOLS = [
  { option: "print", control: controls.print, call: (b: FakeBackend) => b.printConversation() },
  { option: "email_to_self", control: controls.email, call: (b: FakeBackend) => b.emailConversation("DEMO-1042") },
  { option: "knowledge_search", control: controls.knowledgeRail, call: (b: FakeBackend) => b.knowledgeSearch({ text: "", language: null }) },
  { option: "assistant", control: controls.assistantRail, call: (b: FakeBackend) => b.assistantAsk("livraison") },
  { option: "online_agents", control: controls.teamRail, call: (b: FakeBackend) => b.teamOnline() },
] as const;

/** A `drop` (or `dragover`) carrying files, as the browser sends it. */
function fileDrag(type: "drop" | "dragOver", target: Element, files: File[]) {
  const event = createEvent[type](target);
  Object.defineProperty(event, "dataTransfer", { value: { types: ["Files"], files, dropEffect: "none" } });
  return fireEvent(target, event).then(() => event);
}

function filePaste(target: Element, files: File[], types = ["Files"]) {
  const event = createEvent.paste(target);
  Object.defineProperty(event, "clipboardData", { value: { types, files } });
  return fireEvent(target, event).then(() => event);
}

const png = () => new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], "shot.png", { type: "image/png" });

describe("desk options: the profile's switches", () => {
  it("a profile without options (an older cache) has every tool; only false turns one off", () => {
    expect(deskOptions(null)).toEqual(ALL_ON);
    expect(deskOptions({} as never)).toEqual(ALL_ON);
    expect(deskOptions({ options: { send_file: false } as DeskOptions })).toEqual({ ...ALL_ON, send_file: false });
  });
});

describe("desk options: what is off is not there (A3)", () => {
  beforeEach(() => {
    setLang("en");
    localStorage.clear();
  });

  it("with every option on, every tool shows (the demo's desk)", async () => {
    const { backend } = await open();
    await waitFor(() => expect(controls.suggestions()).not.toBeNull());
    expect(controls.cannedButton()).toBeInTheDocument();
    expect(controls.cannedRail()).toBeInTheDocument();
    expect(controls.attach()).toBeInTheDocument();
    expect(controls.requestFile()).toBeInTheDocument();
    expect(controls.seePage()).toBeInTheDocument();
    expect(controls.markImportant()).toBeInTheDocument();
    for (const tool of TOOLS) expect(tool.control()).toBeInTheDocument();
    expect(cannedCalls(backend)).toBe(1);
  });

  for (const tool of TOOLS) {
    it(`${tool.option} off (D16): its control is gone, the others stay, and the hub refuses it anyway`, async () => {
      const { backend } = await open({ [tool.option]: false });
      expect(tool.control()).toBeNull();
      for (const other of TOOLS.filter((t) => t !== tool)) expect(other.control()).toBeInTheDocument();
      expect(controls.markImportant()).toBeInTheDocument();
      await expect(tool.call(backend)).rejects.toMatchObject({ code: "forbidden" });
      // On, the hub answers.
      backend.setOptions({ [tool.option]: true });
      await waitFor(() => expect(tool.control()).toBeInTheDocument());
      await tool.call(backend);
    });
  }

  it("mark important off (D16): no toggle, the hub refuses it anyway; a mark already there still shows on its box", async () => {
    const { backend } = await open({ mark_important: false });
    expect(controls.markImportant()).toBeNull();
    expect(controls.seePage()).toBeInTheDocument();
    expect(within(boxes()[1]).getByTestId("box-important")).toBeInTheDocument();
    await expect(backend.markImportant("DEMO-1042", true)).rejects.toMatchObject({ code: "forbidden" });
  });

  it("co-browsing off (D5, C1): no \"See the page\", and the hub refuses it anyway", async () => {
    const { backend } = await open({ cobrowse: false });
    expect(controls.seePage()).toBeNull();
    expect(controls.requestFile()).toBeInTheDocument();
    await expect(backend.cobrowse("DEMO-1042", { kind: "ask" })).rejects.toMatchObject({ code: "forbidden" });
  });

  it("canned responses off: no button, picker, rail drawer, menu entry, suggestion or `/` shortcut, and no list asked for", async () => {
    const { backend, user } = await open({ canned_responses: false });
    expect(controls.cannedButton()).toBeNull();
    expect(controls.cannedRail()).toBeNull();
    expect(controls.suggestions()).toBeNull();
    // The other tools are still there.
    expect(controls.attach()).toBeInTheDocument();
    expect(controls.requestFile()).toBeInTheDocument();

    // `/` outside the composer does nothing; typed in it, it is just a slash.
    (document.activeElement as HTMLElement | null)?.blur();
    await user.keyboard("/");
    expect(screen.queryByRole("listbox")).toBeNull();
    const box = within(pane()).getByRole("textbox");
    expect(box).toHaveAttribute("placeholder", "Your message… (Enter to send)");
    await user.type(box, "/hel");
    expect(box).toHaveValue("/hel");
    expect(screen.queryByRole("listbox")).toBeNull();

    await user.click(screen.getByRole("button", { name: "More" }));
    expect(screen.getByRole("menu")).toBeInTheDocument();
    expect(screen.queryByRole("menuitem", { name: /canned/i })).toBeNull();

    expect(cannedCalls(backend)).toBe(0);
  });

  it("ask for a file off: its button is gone, the rest stays", async () => {
    await open({ request_file: false });
    expect(controls.requestFile()).toBeNull();
    expect(controls.attach()).toBeInTheDocument();
    expect(controls.cannedButton()).toBeInTheDocument();
  });

  it("send a file off: no attach button, and a dropped or pasted file is refused with a notice", async () => {
    const { backend } = await open({ send_file: false });
    expect(controls.attach()).toBeNull();
    expect(controls.fileInput()).toBeNull();
    expect(controls.requestFile()).toBeInTheDocument();

    const composer = pane().querySelector(".composer")!;
    const over = await fileDrag("dragOver", composer, [png()]);
    expect(over.defaultPrevented).toBe(true);
    expect(composer).not.toHaveClass("dropping");
    const drop = await fileDrag("drop", composer, [png()]);
    // Taken (the page does not open the file) and refused in words.
    expect(drop.defaultPrevented).toBe(true);
    expect(await screen.findByRole("status")).toHaveTextContent("Sending files is switched off on this desk.");

    const paste = await filePaste(within(pane()).getByRole("textbox"), [png()]);
    expect(paste.defaultPrevented).toBe(true);
    expect(backend.calls.some((c) => c.name === "sendFile")).toBe(false);
  });

  it("send a file on: a dropped or pasted file is sent; pasted text with a picture of itself stays text", async () => {
    const { backend } = await open();
    const composer = pane().querySelector(".composer")!;
    await fileDrag("dragOver", composer, [png()]);
    expect(composer).toHaveClass("dropping");
    await fileDrag("drop", composer, [png()]);
    await waitFor(() => expect(backend.calls.filter((c) => c.name === "sendFile")).toHaveLength(1));
    expect(composer).not.toHaveClass("dropping");

    const box = within(pane()).getByRole("textbox");
    await filePaste(box, [png()]);
    await waitFor(() => expect(backend.calls.filter((c) => c.name === "sendFile")).toHaveLength(2));
    const office = await filePaste(box, [png()], ["text/plain", "Files"]);
    expect(office.defaultPrevented).toBe(false);
    expect(backend.calls.filter((c) => c.name === "sendFile")).toHaveLength(2);
  });
});

describe("desk options: switched live (profile_changed)", () => {
  beforeEach(() => {
    setLang("en");
    localStorage.clear();
  });

  it("canned responses switched off close their drawer and hide them; back on, they load again and show", async () => {
    const { backend, user } = await open();
    await waitFor(() => expect(controls.suggestions()).not.toBeNull());
    await user.click(controls.cannedRail()!);
    expect(screen.getByRole("region", { name: "Canned responses" })).toBeInTheDocument();

    backend.setOptions({ canned_responses: false });
    await waitFor(() => expect(controls.cannedButton()).toBeNull());
    expect(controls.cannedRail()).toBeNull();
    expect(controls.suggestions()).toBeNull();
    expect(screen.queryByRole("region", { name: "Canned responses" })).toBeNull();
    expect(cannedCalls(backend)).toBe(1);

    backend.setOptions({ canned_responses: true });
    await waitFor(() => expect(controls.cannedButton()).toBeInTheDocument());
    expect(controls.cannedRail()).toBeInTheDocument();
    await waitFor(() => expect(controls.suggestions()).not.toBeNull());
    expect(cannedCalls(backend)).toBe(2);
  });

  it("the D16 tools switched off close their drawer and go; back on, they come back", async () => {
    const { backend, user } = await open();
    for (const [name, option] of [
      ["Knowledge", "knowledge_search"],
      ["Assistant", "assistant"],
      ["Agents online", "online_agents"],
    ] as const) {
      await user.click(screen.getByRole("button", { name }));
      expect(screen.getByRole("region", { name })).toBeInTheDocument();
      backend.setOptions({ [option]: false });
      await waitFor(() => expect(screen.queryByRole("region", { name })).toBeNull());
      expect(screen.queryByRole("button", { name })).toBeNull();
      backend.setOptions({ [option]: true });
      await waitFor(() => expect(screen.getByRole("button", { name })).toBeInTheDocument());
    }
    backend.setOptions({ print: false, email_to_self: false });
    await waitFor(() => expect(controls.print()).toBeNull());
    expect(controls.email()).toBeNull();
    backend.setOptions({ print: true, email_to_self: true });
    await waitFor(() => expect(controls.print()).toBeInTheDocument());
    expect(controls.email()).toBeInTheDocument();
  });

  it("canned responses off from the start, then on: asked for only then, and the picker works", async () => {
    const { backend, user } = await open({ canned_responses: false });
    expect(cannedCalls(backend)).toBe(0);
    backend.setOptions({ canned_responses: true });
    await waitFor(() => expect(cannedCalls(backend)).toBe(1));
    await waitFor(() => expect(controls.cannedButton()).toBeInTheDocument());
    await user.type(within(pane()).getByRole("textbox"), "/hel");
    expect(within(screen.getByRole("listbox")).getAllByRole("option")[0]).toHaveTextContent("/hello");
  });

  it("a slot or status change (same options) does not ask for the canned responses again", async () => {
    const { backend } = await open();
    await waitFor(() => expect(cannedCalls(backend)).toBe(1));
    await backend.setSlotLimit(4);
    await waitFor(() => expect(screen.getByTestId("slots")).toHaveTextContent("3 / 4"));
    expect(cannedCalls(backend)).toBe(1);
  });

  it("ask for a file and send a file switched off, then on again", async () => {
    const { backend } = await open();
    backend.setOptions({ request_file: false, send_file: false });
    await waitFor(() => expect(controls.requestFile()).toBeNull());
    expect(controls.attach()).toBeNull();
    expect(controls.cannedButton()).toBeInTheDocument();

    backend.setOptions({ request_file: true });
    await waitFor(() => expect(controls.requestFile()).toBeInTheDocument());
    expect(controls.attach()).toBeNull();
    backend.setOptions({ send_file: true });
    await waitFor(() => expect(controls.attach()).toBeInTheDocument());
  });

  it("the hub refusing the list (switched off before the profile says so) is quiet", async () => {
    const data = demoData(Date.now());
    const backend = new FakeBackend(data);
    backend.failNext("cannedResponses", { code: "forbidden", message: "off" });
    render(App, { props: { backend } });
    await waitFor(() => expect(boxes()).toHaveLength(3));
    await waitFor(() => expect(cannedCalls(backend)).toBe(1));
    expect(screen.queryByRole("alert")).toBeNull();
    expect(controls.suggestions()).toBeNull();
  });

  it("on the real app's JSON: a profile from before co-browsing (no `cobrowse`, no `site_origins`) has it", async () => {
    setLang("en");
    const backend = new RealShapesBackend();
    render(App, { props: { backend } });
    await waitFor(() => expect(screen.getByRole("button", { name: "Canned responses" })).toBeInTheDocument());
    expect(JSON.parse(REAL_PROFILE_CHANGED_JSON).profile.options.cobrowse).toBeUndefined();
    backend.emitJson(REAL_ASSIGNED_JSON);
    await waitFor(() => expect(controls.seePage()).toBeInTheDocument());
  });

  it("on the real app's JSON: the hub's pushed profile hides the tools it switched off", async () => {
    setLang("en");
    const backend = new RealShapesBackend();
    render(App, { props: { backend } });
    await waitFor(() => expect(screen.getByRole("button", { name: "Canned responses" })).toBeInTheDocument());
    backend.emitJson(REAL_PROFILE_CHANGED_JSON);
    await waitFor(() => expect(screen.queryByRole("button", { name: "Canned responses" })).toBeNull());
  });
});

describe("canned responses' state", () => {
  it("an answer that comes after the switch went off is dropped", async () => {
    let answer!: (list: CannedResponse[]) => void;
    const backend = { cannedResponses: () => new Promise<CannedResponse[]>((resolve) => (answer = resolve)) } as unknown as Backend;
    const canned = new CannedResponses();
    const loading = canned.load(backend);
    canned.clear();
    answer([{ id: "a1", shortcut: "hello", title: "Hello", text: "Hello!", theme: null, language: null, personal: false }]);
    await loading;
    expect(canned.list).toEqual([]);
    expect(canned.loaded).toBe(false);
  });
});
