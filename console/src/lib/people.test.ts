import { describe, expect, it } from "vitest";
import {
  bodyProblem,
  byTheme,
  cannedMatches,
  channelsProblem,
  projectNameProblem,
  sameChannels,
  withChannel,
  emailProblem,
  generatePassword,
  groupNameProblem,
  nameProblem,
  passwordProblem,
  shortcutProblem,
  slotProblem,
  sortAgents,
} from "./people";
import { DEMO_AGENTS, DEMO_CANNED } from "./test-hub";

describe("generated passwords", () => {
  it("are 20 unambiguous letters and digits in groups of five, different each time", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{5}(-[a-km-zA-HJ-NP-Z2-9]{5}){3}$/);
      seen.add(p);
    }
    expect(seen.size).toBe(200);
  });

  it("draws from crypto.getRandomValues and skips bytes that would bias the alphabet", () => {
    // 56 signs: bytes 224..255 are drawn again rather than folded onto the first signs.
    let call = 0;
    const random = (bytes: Uint8Array) => {
      bytes.fill(call++ === 0 ? 255 : 0);
      return bytes;
    };
    expect(generatePassword(random)).toBe("aaaaa-aaaaa-aaaaa-aaaaa");
    expect(call).toBe(2);
  });
});

describe("the hub's rules, mirrored", () => {
  it("e-mail: required, one @ with something on each side", () => {
    expect(emailProblem(" ")?.key).toBe("people.email_required");
    expect(emailProblem("zoe")?.key).toBe("people.email_invalid");
    expect(emailProblem("zoe@")?.key).toBe("people.email_invalid");
    expect(emailProblem(" zoe@shop.example ")).toBeNull();
  });

  it("names: 1 to 200 characters, not blank (code points, as the hub counts)", () => {
    expect(nameProblem("  ")?.key).toBe("people.name_required");
    expect(nameProblem("é".repeat(200))).toBeNull();
    expect(nameProblem("😀".repeat(201))).toEqual({ key: "people.too_long", params: { max: 200, count: 201 } });
  });

  it("passwords: at least 8 characters", () => {
    expect(passwordProblem("")?.key).toBe("people.password_required");
    expect(passwordProblem("1234567")).toEqual({ key: "people.password_short", params: { min: 8, count: 7 } });
    expect(passwordProblem("12345678")).toBeNull();
  });

  it("conversations at once: a whole number from 1 to 50", () => {
    expect(slotProblem("")?.key).toBe("field.required");
    expect(slotProblem("2.5")?.key).toBe("field.whole");
    expect(slotProblem("0")?.key).toBe("field.range");
    expect(slotProblem("51")?.key).toBe("field.range");
    expect(slotProblem(" 50 ")).toBeNull();
  });

  it("shortcuts: empty, or a slash then signs without a space", () => {
    expect(shortcutProblem("")).toBeNull();
    expect(shortcutProblem("/hello")).toBeNull();
    expect(shortcutProblem("hello")?.key).toBe("canned.shortcut_invalid");
    expect(shortcutProblem("/")?.key).toBe("canned.shortcut_invalid");
    expect(shortcutProblem("/a b")?.key).toBe("canned.shortcut_invalid");
  });

  it("canned text: required, at most 10,000 characters", () => {
    expect(bodyProblem(" \n ")?.key).toBe("canned.body_required");
    expect(bodyProblem("x".repeat(10_001))?.key).toBe("people.too_long");
  });

  it("group names: required and not another group's", () => {
    expect(groupNameProblem("", ["Sales"])?.key).toBe("groups.name_required");
    expect(groupNameProblem(" Sales ", ["Sales"])?.key).toBe("groups.name_taken");
    expect(groupNameProblem("After sales", ["Sales"])).toBeNull();
  });
});

describe("lists", () => {
  it("agents: active first, then by name in the person's alphabet", () => {
    const agents = [...DEMO_AGENTS, { ...DEMO_AGENTS[0], id: 9, name: "Émile Zola", active: true }, { ...DEMO_AGENTS[0], id: 8, name: "Aaron", active: false }];
    expect(sortAgents(agents, "fr-FR").map((a) => a.name)).toEqual(["Alice Martin", "Bruno Petit", "Camille Martin", "Chloé Durand", "Émile Zola", "Aaron"]);
  });

  it("canned responses by theme, filtered by theme, title, shortcut or text, accents and case aside", () => {
    expect(byTheme(DEMO_CANNED, "en").map((t) => t.theme)).toEqual(["Delivery", "Greetings", "Salutations"]);
    expect(DEMO_CANNED.filter((c) => cannedMatches(c, "BONJOUR")).map((c) => c.id)).toEqual([2]);
    expect(DEMO_CANNED.filter((c) => cannedMatches(c, "/hel")).map((c) => c.id)).toEqual([1]);
    expect(DEMO_CANNED.filter((c) => cannedMatches(c, "parcel")).map((c) => c.id)).toEqual([3]);
    expect(DEMO_CANNED.filter((c) => cannedMatches(c, "")).length).toBe(3);
  });
});

describe("an agent's channels and the project's name", () => {
  it("channels: at least one, ticked in the console's order, compared whatever the order", () => {
    expect(channelsProblem([])?.key).toBe("agents.channels_required");
    expect(channelsProblem(["chat"])).toBeNull();
    expect(withChannel(["chat"], "messaging", true)).toEqual(["chat", "messaging"]);
    expect(withChannel(["messaging", "chat"], "call", true)).toEqual(["chat", "call", "messaging"]);
    expect(withChannel(["chat", "call"], "chat", false)).toEqual(["call"]);
    expect(sameChannels(["call", "chat"], ["chat", "call"])).toBe(true);
    expect(sameChannels(["chat"], ["chat", "call"])).toBe(false);
  });

  it("the project's name: 1 to 200 characters, not blank", () => {
    expect(projectNameProblem("  ")?.key).toBe("project.name_required");
    expect(projectNameProblem("Maison Lumière")).toBeNull();
    expect(projectNameProblem("x".repeat(201))?.key).toBe("people.too_long");
  });
});
