// Issue 10: the desk's "…" menu opens the administration console for admins and managers only.
import { describe, expect, it } from "vitest";
import { render, screen, waitFor } from "@testing-library/svelte";
import userEvent from "@testing-library/user-event";
import App from "../../App.svelte";
import { FakeBackend } from "../fake-backend";
import { demoData } from "../demo";
import type { Role } from "../protocol";

async function open(role: Role) {
  const data = demoData(Date.now());
  data.profile.role = role;
  const backend = new FakeBackend(data);
  const user = userEvent.setup();
  render(App, { props: { backend } });
  await waitFor(() => expect(document.querySelectorAll(".box").length).toBeGreaterThan(0));
  await user.click(screen.getByRole("button", { name: "More" }));
  return { backend, user };
}

describe("the administration console from the desk", () => {
  it("an agent has no such item", async () => {
    await open("agent");
    expect(screen.queryByRole("menuitem", { name: "Administration console" })).toBeNull();
  });

  for (const role of ["manager", "admin"] as const) {
    it(`a ${role} opens it in the system browser`, async () => {
      const { backend, user } = await open(role);
      await user.click(screen.getByRole("menuitem", { name: "Administration console" }));
      await waitFor(() => expect(backend.opened).toContain("hub:/admin/"));
    });
  }
});
