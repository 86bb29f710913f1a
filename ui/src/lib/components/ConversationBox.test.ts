import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { render, screen } from "@testing-library/svelte";
import { flushSync } from "svelte";
import ConversationBox from "./ConversationBox.svelte";
import { clock } from "../state/clock.svelte";
import { setLang } from "../i18n/i18n";
import { T0, message, view } from "../test-fixtures";

describe("ConversationBox (D7)", () => {
  beforeEach(() => {
    setLang("en");
    vi.useFakeTimers({ now: T0 });
    clock.start();
  });
  afterEach(() => {
    clock.stop();
    vi.useRealTimers();
  });

  const props = (patch = {}, state = {}) => ({
    view: view("DEMO-1042", {
      created_at: T0 - (12 * 60 + 10) * 1000,
      last_agent_message_at: T0 - 45_000,
      messages: [message("DEMO-1042", "visitor", "Super, et la livraison prend combien de temps ?", T0 - 60_000)],
      ...patch,
    }),
    index: 0,
    onScreen: false,
    focused: false,
    onopen: () => {},
    ...state,
  });

  it("is white while waiting for the visitor, red while waiting for the agent", () => {
    const { container, rerender } = render(ConversationBox, { props: props() });
    const box = container.querySelector(".box")!;
    expect(box).not.toHaveClass("waiting");
    rerender(props({ waiting_since: T0 - 30_000 }));
    expect(container.querySelector(".box")).toHaveClass("waiting");
  });

  it("has the green band when on screen and the tint when focused", () => {
    const { container } = render(ConversationBox, { props: props({}, { onScreen: true, focused: true }) });
    const box = container.querySelector(".box")!;
    expect(box).toHaveClass("on-screen");
    expect(box).toHaveClass("focused");
    expect(box).toHaveAttribute("aria-current", "true");
  });

  it("shows the time since the agent's last message and the total duration, ticking", () => {
    const { container } = render(ConversationBox, { props: props() });
    expect(container.querySelector(".since")!.textContent).toBe("0:45");
    expect(container.querySelector(".total")!.textContent).toBe("12:10");
    vi.advanceTimersByTime(3000);
    flushSync();
    expect(container.querySelector(".since")!.textContent).toBe("0:48");
    expect(container.querySelector(".total")!.textContent).toBe("12:13");
  });

  it("counts from the start when the agent never wrote, and shows the visitor's last message", () => {
    const { container } = render(ConversationBox, { props: props({ last_agent_message_at: null, waiting_since: T0 - 72_000 }) });
    expect(container.querySelector(".since")!.textContent).toBe("12:10");
    expect(screen.getByText("Super, et la livraison prend combien de temps ?")).toBeInTheDocument();
    expect(container.querySelector(".dot.online")).not.toBeNull();
  });

  it("opens its conversation on click", async () => {
    const onopen = vi.fn();
    render(ConversationBox, { props: { ...props(), onopen } });
    screen.getByRole("button").click();
    expect(onopen).toHaveBeenCalledOnce();
  });
});
