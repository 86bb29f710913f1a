import { beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import Login from "./Login.svelte";
import App from "../../App.svelte";
import { FakeBackend } from "../fake-backend";
import { demoData } from "../demo";
import { setLang } from "../i18n/i18n";
import { errorText } from "../errors";
import { T0 } from "../test-fixtures";

async function fill(user: ReturnType<typeof userEvent.setup>, password = "secret") {
  await user.type(screen.getByLabelText("E-mail"), "camille@example.com");
  await user.type(screen.getByLabelText("Password"), password);
  await user.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("Login", () => {
  beforeEach(() => {
    setLang("en");
    localStorage.clear();
  });

  it.each([
    ["unauthorized", "Wrong e-mail or password"],
    ["hub_unreachable", "The hub cannot be reached"],
    ["insecure_hub", "would send your password unencrypted"],
    ["untrusted_certificate", "certificate is not trusted"],
    ["rate_limited", "Too many actions at once"],
    ["internal", "Something went wrong (internal)"],
  ] as const)("maps %s to its message", async (code, text) => {
    const backend = new FakeBackend(demoData(T0), { loggedIn: false });
    backend.failNext("login", { code, message: "raw hub text that is never shown" });
    const onlogin = vi.fn();
    const user = userEvent.setup();
    render(Login, { props: { backend, onlogin } });
    await fill(user);
    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent(text);
    expect(alert).toHaveAttribute("data-code", code);
    expect(alert).not.toHaveTextContent("raw hub text");
    expect(onlogin).not.toHaveBeenCalled();
  });

  it("sends hub, e-mail, password and remember", async () => {
    const backend = new FakeBackend(demoData(T0), { loggedIn: false });
    const spy = vi.spyOn(backend, "login");
    const onlogin = vi.fn();
    const user = userEvent.setup();
    render(Login, { props: { backend, onlogin } });
    await user.clear(screen.getByLabelText("Hub address"));
    await user.type(screen.getByLabelText("Hub address"), "https://hub.example.com");
    await user.click(screen.getByLabelText(/Remember me/));
    await fill(user);
    await waitFor(() => expect(onlogin).toHaveBeenCalled());
    expect(spy).toHaveBeenCalledWith({ hub: "https://hub.example.com", email: "camille@example.com", password: "secret", remember: false });
  });

  it("keyring unavailable is a notice on the desk, not an error", async () => {
    const backend = new FakeBackend(demoData(T0), {
      loggedIn: false,
      rememberNotice: { code: "keyring_unavailable", message: "no secret service" },
    });
    const user = userEvent.setup();
    render(App, { props: { backend } });
    await screen.findByLabelText("E-mail");
    await fill(user);
    const notice = await screen.findByText(/could not be saved in the system keyring/);
    expect(notice.closest("[role=status]")).not.toBeNull();
    expect(screen.queryByRole("alert")).toBeNull();
    expect(await screen.findByText("DEMO-1044", { selector: ".box .ref" })).toBeInTheDocument();
  });

  it("every hub error code has a sentence in both languages", () => {
    const codes = ["unauthorized", "hub_unreachable", "keyring_unavailable", "offline", "agent_unavailable", "slot_limit_above_max", "invalid_state"] as const;
    for (const lang of ["en", "fr"] as const) {
      setLang(lang);
      for (const code of codes) expect(errorText({ code, message: "" })).not.toMatch(/\(.*_.*\)/);
    }
  });
});
