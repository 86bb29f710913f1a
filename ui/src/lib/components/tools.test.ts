/** The composer's tools (D12, D16, A5): emoji, attach a file, share a link, share an offer, ask for a file, send the survey. */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { fireEvent, render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Composer from "./Composer.svelte";
import OfferDialog from "../dialogs/OfferDialog.svelte";
import LinkDialog from "../dialogs/LinkDialog.svelte";
import { MAX_FILE_BYTES } from "../backend";
import { EMOJI, moveInGrid } from "../emoji";
import { setLang } from "../i18n/i18n";
import { deskFixture } from "../test-context";
import { attach } from "../state/desk.svelte";

describe("emoji palette (D12)", () => {
  beforeEach(() => setLang("en"));

  it("moves in an 8-column grid with the arrows, wrapping", () => {
    expect(moveInGrid(0, "ArrowRight")).toBe(1);
    expect(moveInGrid(0, "ArrowLeft")).toBe(EMOJI.length - 1);
    expect(moveInGrid(3, "ArrowDown")).toBe(11);
    expect(moveInGrid(35, "ArrowDown")).toBe(3);
    expect(moveInGrid(3, "ArrowUp")).toBe(35);
    expect(moveInGrid(9, "ArrowUp")).toBe(1);
    expect(moveInGrid(5, "End")).toBe(EMOJI.length - 1);
    expect(moveInGrid(5, "a")).toBeNull();
  });

  it("opens from its button, moves with the keyboard and inserts at the caret", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(Composer, { props: { reference: "DEMO-1044" }, context: f.context });
    const box = screen.getByRole("textbox");
    await user.type(box, "Thanks world{ArrowLeft}{ArrowLeft}{ArrowLeft}{ArrowLeft}{ArrowLeft}");
    await user.click(screen.getByRole("button", { name: "Emoji" }));
    const grid = screen.getByRole("grid", { name: "Emoji" });
    expect(grid.querySelectorAll("button")).toHaveLength(EMOJI.length);
    expect(document.activeElement).toHaveAccessibleName("smiling face");
    await user.keyboard("{ArrowDown}{ArrowRight}");
    expect(document.activeElement).toHaveAccessibleName(EMOJI[9].en);
    await user.keyboard("{Enter}");
    expect(box).toHaveValue(`Thanks ${EMOJI[9].char}world`);
    expect(screen.queryByRole("grid")).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(box));
    expect(f.backend.calls.some((c) => c.name === "sendMessage")).toBe(false);
  });

  it("Esc closes it and gives the keyboard back to the composer", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(Composer, { props: { reference: "DEMO-1044" }, context: f.context });
    await user.click(screen.getByRole("button", { name: "Emoji" }));
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("grid")).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByRole("textbox")));
  });
});

describe("attach a file (D12)", () => {
  beforeEach(() => setLang("en"));

  const input = () => document.querySelector<HTMLInputElement>('input[type="file"]')!;
  const choose = (file: File) => fireEvent.change(input(), { target: { files: [file] } });

  it("sends the file's bytes, name and type through the door", async () => {
    const f = await deskFixture();
    const stop = await attach(f.desk, f.backend);
    render(Composer, { props: { reference: "DEMO-1044" }, context: f.context });
    await choose(new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])], "receipt.png", { type: "image/png" }));
    await waitFor(() => expect(f.backend.calls.find((c) => c.name === "sendFile")).toBeDefined());
    const [conversation, name, mime, data] = f.backend.calls.find((c) => c.name === "sendFile")!.args as [string, string, string, Uint8Array];
    expect([conversation, name, mime]).toEqual(["DEMO-1044", "receipt.png", "image/png"]);
    expect([...data]).toEqual([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    // The hub's echo puts it in the thread as a file message.
    const sent = f.backend.data.conversations.find((c) => c.reference === "DEMO-1044")!.messages.at(-1)!;
    expect(sent.body).toMatchObject({ kind: "file", file: { name: "receipt.png", size: 7, mime: "image/png" } });
    // The desk's changes put it in the thread at once, and a file is a reply (D7).
    await waitFor(() => expect(f.desk.conversation("DEMO-1044")!.messages.at(-1)!.id).toBe(sent.id));
    expect(f.desk.conversation("DEMO-1044")!.waiting_since).toBeNull();
    stop();
  });

  it("refuses a file over 10 MB with a sentence that says what to do", async () => {
    const f = await deskFixture();
    render(Composer, { props: { reference: "DEMO-1044" }, context: f.context });
    await choose(new File([new Uint8Array(MAX_FILE_BYTES + 2 * 1024 * 1024)], "video.mp4", { type: "video/mp4" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("video.mp4 is 12 MB: files are limited to 10 MB. Send a smaller one or a link.");
    expect(f.backend.calls.some((c) => c.name === "sendFile")).toBe(false);
  });

  it("shows the hub's refusal", async () => {
    const f = await deskFixture();
    render(Composer, { props: { reference: "DEMO-1044" }, context: f.context });
    f.backend.failNext("sendFile", { code: "forbidden", message: "option off" });
    await choose(new File(["x"], "a.txt", { type: "text/plain" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("You are not allowed to do this.");
  });
});

describe("ask the visitor for a file (D16)", () => {
  beforeEach(() => setLang("en"));

  it("asks through the door and says so; the thread gets the event", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(Composer, { props: { reference: "DEMO-1042" }, context: f.context });
    await user.click(screen.getByRole("button", { name: "Ask for a file from the visitor" }));
    await waitFor(() => expect(f.backend.calls.find((c) => c.name === "requestFile")?.args).toEqual(["DEMO-1042"]));
    await waitFor(() => expect(f.overlay.toast).toBe("File requested: the visitor can now upload one."));
    const last = f.backend.data.conversations.find((c) => c.reference === "DEMO-1042")!.messages.at(-1)!;
    expect(last.body).toEqual({ kind: "event", event: { kind: "file_requested", agent: "Camille Laurent" } });
  });

  it("the tools that need the hub are off while offline; emoji and link stay", async () => {
    const f = await deskFixture();
    f.desk.apply({ kind: "connection", connection: { state: "offline", retry_at: null, reason: "test" } });
    render(Composer, { props: { reference: "DEMO-1042" }, context: f.context });
    for (const name of ["Share an offer", "Ask for a file from the visitor", "Attach a file (10 MB max)"])
      expect(screen.getByRole("button", { name })).toBeDisabled();
    for (const name of ["Emoji", "Share a link", "Canned responses (/)"]) expect(screen.getByRole("button", { name })).toBeEnabled();
  });

  it("the offer and link buttons open their dialogs", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(Composer, { props: { reference: "DEMO-1042" }, context: f.context });
    await user.click(screen.getByRole("button", { name: "Share an offer" }));
    expect(f.overlay.dialog).toEqual({ kind: "offer", reference: "DEMO-1042" });
    await user.click(screen.getByRole("button", { name: "Share a link" }));
    expect(f.overlay.dialog).toEqual({ kind: "link", reference: "DEMO-1042" });
  });
});

describe("OfferDialog (D12)", () => {
  beforeEach(() => setLang("en"));

  it("refuses a link that is not http(s), then shares the offer", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    const onclose = vi.fn();
    render(OfferDialog, { props: { reference: "DEMO-1042", onclose }, context: f.context });
    await user.type(screen.getByLabelText("Title"), "X200 — 15% off");
    await user.type(screen.getByLabelText("Text (optional)"), "Until Sunday.");
    await user.type(screen.getByLabelText("Link (http or https)"), "javascript:alert(1)");
    await user.click(screen.getByRole("button", { name: "Share the offer" }));
    expect(screen.getAllByText("Enter an address starting with http:// or https://.").length).toBeGreaterThan(0);
    expect(f.backend.calls.some((c) => c.name === "sendOffer")).toBe(false);

    await user.clear(screen.getByLabelText("Link (http or https)"));
    await user.type(screen.getByLabelText("Link (http or https)"), "https://shop.example.com/x200?promo=15");
    // The preview is the card the visitor gets.
    expect(screen.getByText("Open the offer")).toBeInTheDocument();
    await user.keyboard("{Control>}{Enter}{/Control}");
    await waitFor(() => expect(onclose).toHaveBeenCalled());
    expect(f.backend.calls.find((c) => c.name === "sendOffer")!.args).toEqual([
      "DEMO-1042",
      { title: "X200 — 15% off", text: "Until Sunday.", link: "https://shop.example.com/x200?promo=15", image: null },
    ]);
  });

  it("needs a title, refuses a bad image address, and shows the hub's error", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    const onclose = vi.fn();
    render(OfferDialog, { props: { reference: "DEMO-1042", onclose }, context: f.context });
    await user.type(screen.getByLabelText("Link (http or https)"), "https://shop.example.com/");
    await user.type(screen.getByLabelText(/Image address/), "data:image/png;base64,AAAA");
    await user.click(screen.getByRole("button", { name: "Share the offer" }));
    expect(screen.getByText("Give the offer a title.")).toBeInTheDocument();
    expect(screen.getByText("Enter an address starting with http:// or https://.")).toBeInTheDocument();
    await user.type(screen.getByLabelText("Title"), "Spring sale");
    await user.clear(screen.getByLabelText(/Image address/));
    f.backend.failNext("sendOffer", { code: "offline", message: "down" });
    await user.click(screen.getByRole("button", { name: "Share the offer" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("You are offline");
    expect(onclose).not.toHaveBeenCalled();
  });
});

describe("LinkDialog (D12)", () => {
  beforeEach(() => setLang("en"));

  it("inserts the link, after its label, into the conversation's draft", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    const onclose = vi.fn();
    f.drafts.set("DEMO-1042", "Here it is:");
    render(LinkDialog, { props: { reference: "DEMO-1042", onclose }, context: f.context });
    await user.type(screen.getByLabelText("Address (http or https)"), "vbscript:x");
    await user.click(screen.getByRole("button", { name: "Insert" }));
    expect(onclose).not.toHaveBeenCalled();
    await user.clear(screen.getByLabelText("Address (http or https)"));
    await user.type(screen.getByLabelText("Address (http or https)"), "https://shop.example.com/x200/specs");
    await user.type(screen.getByLabelText("Label (optional)"), "Specs{Enter}");
    expect(onclose).toHaveBeenCalled();
    expect(f.drafts.get("DEMO-1042")).toBe("Here it is: Specs: https://shop.example.com/x200/specs");
    expect(f.backend.calls.some((c) => c.name === "sendMessage")).toBe(false);
  });
});

describe("send the satisfaction survey (A5)", () => {
  beforeEach(() => setLang("en"));
  const survey = () => screen.queryByRole("button", { name: "Send the survey" });
  const answered = {
    id: 9001,
    conversation: "DEMO-1042",
    client_id: null,
    author: { kind: "system" as const },
    body: { kind: "event" as const, event: { kind: "survey_answered" as const, score: 5, comment: null } },
    at: 0,
  };

  it("sends it through the door and says so; the thread gets the event, and the button turns off, saying why", async () => {
    const f = await deskFixture();
    const stop = await attach(f.desk, f.backend);
    const user = userEvent.setup();
    render(Composer, { props: { reference: "DEMO-1042" }, context: f.context });
    expect(survey()).toBeEnabled();
    expect(survey()).toHaveAttribute("title", "Send the survey");
    expect(survey()).toHaveTextContent("Survey");
    await user.click(survey()!);
    await waitFor(() => expect(f.backend.calls.find((c) => c.name === "sendSurvey")?.args).toEqual(["DEMO-1042"]));
    await waitFor(() => expect(f.overlay.toast).toBe("Survey sent: the visitor sees it in the chat."));
    const last = f.backend.data.conversations.find((c) => c.reference === "DEMO-1042")!.messages.at(-1)!;
    expect(last.body).toEqual({ kind: "event", event: { kind: "survey_sent", agent: "Camille Laurent" } });
    await waitFor(() => expect(survey()).toBeDisabled());
    expect(survey()).toHaveAttribute("title", "The survey was already sent in this conversation.");
    // Like the hub, once per conversation.
    await expect(f.backend.sendSurvey("DEMO-1042")).rejects.toMatchObject({ code: "conflict" });
    stop();
  });

  it("once the visitor answered, it is off and says so; the hub would refuse it", async () => {
    const f = await deskFixture();
    f.desk.apply({ kind: "message_added", message: answered });
    f.backend.data.conversations.find((c) => c.reference === "DEMO-1042")!.messages.push(answered);
    render(Composer, { props: { reference: "DEMO-1042" }, context: f.context });
    expect(survey()).toBeDisabled();
    expect(survey()).toHaveAttribute("title", "The visitor already answered the survey in this conversation.");
    await expect(f.backend.sendSurvey("DEMO-1042")).rejects.toMatchObject({ code: "conflict" });
    // Another conversation has its own.
    render(Composer, { props: { reference: "DEMO-1044" }, context: f.context });
    expect(screen.getAllByRole("button", { name: "Send the survey" })[1]).toBeEnabled();
  });

  it("is not there when the admin does not let agents send it, and the fake hub refuses it", async () => {
    const f = await deskFixture();
    f.backend.data.profile.may_send_survey = false;
    f.desk.apply({ kind: "profile_changed", profile: structuredClone(f.backend.data.profile) });
    render(Composer, { props: { reference: "DEMO-1042" }, context: f.context });
    expect(survey()).toBeNull();
    await expect(f.backend.sendSurvey("DEMO-1042")).rejects.toMatchObject({ code: "forbidden" });
    // A profile from before the switch (a desk cache) has none either.
    const { may_send_survey: _, ...older } = f.backend.data.profile;
    f.desk.apply({ kind: "profile_changed", profile: older as typeof f.backend.data.profile });
    expect(survey()).toBeNull();
  });

  it("is off while offline, like the other tools that need the hub", async () => {
    const f = await deskFixture();
    f.desk.apply({ kind: "connection", connection: { state: "offline", retry_at: null, reason: "test" } });
    render(Composer, { props: { reference: "DEMO-1042" }, context: f.context });
    expect(survey()).toBeDisabled();
    expect(survey()).toHaveAttribute("title", "Not available offline");
  });

  it("sent before what the desk holds of the thread (the hub's conflict): says so, and stays off", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(Composer, { props: { reference: "DEMO-1042" }, context: f.context });
    f.backend.failNext("sendSurvey", { code: "conflict", message: "already sent" });
    await user.click(survey()!);
    await waitFor(() => expect(f.overlay.toast).toBe("The survey was already sent in this conversation."));
    expect(survey()).toBeDisabled();
    expect(survey()).toHaveAttribute("title", "The survey was already sent in this conversation.");
    expect(screen.queryByRole("alert")).toBeNull();
  });

  it("shows another refusal in the composer, and can be tried again", async () => {
    const f = await deskFixture();
    const user = userEvent.setup();
    render(Composer, { props: { reference: "DEMO-1042" }, context: f.context });
    f.backend.failNext("sendSurvey", { code: "forbidden", message: "switched off" });
    await user.click(survey()!);
    expect(await screen.findByRole("alert")).toHaveTextContent("You are not allowed to do this.");
    expect(survey()).toBeEnabled();
  });
});
