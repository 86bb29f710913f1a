// Screenshots of the demo at 1440×860 into ui/screenshots/, with the system's Chromium (no
// browser download). Run `npm run build && npx vite preview --port 4173` first, then
// `npm run screenshots` (CHROMIUM=/path/to/chromium to override; ONLY=desk-watch,board writes only
// the screenshots whose name has one of those, the others are left as they are).
import { chromium } from "playwright-core";

const base = process.env.BASE ?? "http://127.0.0.1:4173/";
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu"],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 860 } });
const only = (process.env.ONLY ?? "").split(",").filter((s) => s !== "");
const shot = async (name) => {
  if (only.length > 0 && !only.some((s) => name.includes(s))) return;
  await page.screenshot({ path: new URL(`../screenshots/${name}.png`, import.meta.url).pathname });
};

await page.goto(`${base}?lang=fr&screen=login`);
await page.waitForSelector("form");
await shot("login");

await page.goto(`${base}?lang=fr&still=1`);
await page.waitForSelector(".box");
await shot("desk-1-pane");

await page.goto(`${base}?lang=en&still=1&panes=4`);
await page.waitForSelector(".box");
await shot("desk-4-panes");

await page.goto(`${base}?lang=en&still=1&offline=1&panes=2`);
await page.waitForSelector("text=Waiting to be sent");
await shot("desk-offline");

// R7: an unavailable agent → warning and "Transfer anyway".
await page.goto(`${base}?lang=fr&still=1&panes=2`);
await page.waitForSelector(".box");
await page.locator('section[aria-label^="DEMO-1042"]').getByRole("button", { name: "Transférer" }).click();
await page.getByText("Marc Dubois").click();
await page.getByLabel(/Commentaire/).fill("Client fidèle, garantie à prolonger.");
await page.getByRole("button", { name: "Transférer", exact: true }).last().click();
await page.waitForSelector("text=Transférer quand même");
await shot("dialog-transfer");

// D12, D16, R10, D15: two panes with a shared offer, the visitor's photo sent on request, the
// inactivity countdown on a box, today's figures; the emoji palette open.
await page.goto(`${base}?lang=en&still=1&panes=2`);
await page.waitForSelector(".box");
await page.locator('.box[data-reference="DEMO-1044"]').click();
await page.waitForSelector('section[aria-label^="DEMO-1044"] .thumb img');
await page.locator('section[aria-label^="DEMO-1042"]').getByRole("button", { name: "Emoji" }).click();
await page.keyboard.press("ArrowRight");
await shot("desk-tools");

// A5, R9: Léa was sent the survey and answered it (score, comment, the questionnaire's
// answers); her pane's "Survey" is off, saying why, Tom's is on.
await page.goto(`${base}?lang=en&still=1&panes=2&survey=1`);
await page.waitForSelector(".event.survey dl");
await shot("desk-survey");

// A5, R9: closing Tom's conversation with the closing questionnaire above the type, answered in
// part: the required question left blank says so. Then in French, where the admin lets agents
// close without answering (and wants no Cancel button).
const pick = (role, name) => page.locator("label", { has: page.getByRole(role, { name, exact: true }) }).click();
await page.goto(`${base}?lang=en&still=1&dialog=close`);
await page.waitForSelector('[role="dialog"] [data-question]');
await pick("checkbox", "Return / warranty");
await pick("radio", "2 out of 5");
await page.getByRole("textbox", { name: "Notes" }).fill("Called twice already; warranty extension promised.");
await page.getByRole("combobox", { name: "Conversation type" }).selectOption("Return / warranty");
await page.getByRole("button", { name: "Close conversation" }).click();
await page.waitForSelector('[role="dialog"] [aria-invalid="true"]');
await shot("dialog-close-questionnaire");

await page.goto(`${base}?lang=fr&still=1&dialog=close&questionnaire=optional`);
await page.waitForSelector('[role="dialog"] [data-question]');
await shot("dialog-close-questionnaire-fr");

// A5, R9: answered before closing ("Complete questionnaire"): the answers in the thread, and the
// button under the composer now edits them.
await page.goto(`${base}?lang=en&still=1&dialog=questionnaire`);
await page.waitForSelector('[role="dialog"] [data-question]');
await pick("radio", "Yes");
await pick("checkbox", "Return / warranty");
await pick("radio", "4 out of 5");
await page.getByRole("textbox", { name: "Notes" }).fill("Photo received; return label sent.");
await page.getByRole("button", { name: "Save answers" }).click();
await page.waitForSelector(".event.survey dl");
await page.waitForTimeout(300);
await shot("desk-questionnaire-answered");

// D5, C1, C4: Léa shares her page (the hostile fixture, made inert) and lets the agent guide:
// the mirroring panel beside the thread, live, with the visitor's mouse.
await page.goto(`${base}?lang=en&still=1&cobrowse=1`);
await page.waitForSelector('[data-status="live"]');
await page.waitForTimeout(2500);
await shot("desk-cobrowse");

// D16, D15: Tom's conversation, marked important (the header's toggle on, the star on its box),
// in French; today's figures open with the day's sales.
await page.goto(`${base}?lang=fr&still=1`);
await page.waitForSelector(".box");
await page.locator('.box[data-reference="DEMO-1044"]').click();
await page.waitForSelector('section[aria-label^="DEMO-1044"] [data-testid="mark-important"][aria-pressed="true"]');
await page.locator(".today button.strip").click();
await page.waitForSelector('.today [data-testid="today-sales"]');
await page.waitForTimeout(300);
await shot("desk-important");

// D12: the offer dialog with the card's live preview.
await page.goto(`${base}?lang=fr&still=1&dialog=offer`);
await page.waitForSelector('[role="dialog"]');
await page.getByLabel("Titre").fill("Casque X200 — -15 % jusqu'à dimanche");
await page.getByLabel("Texte (facultatif)").fill("Remise appliquée automatiquement au panier.");
await page.getByLabel("Lien (http ou https)").fill("https://shop.example.com/produits/casque-x200?promo=15");
await shot("dialog-offer");

// D15: the statistics in place of the conversations — last week (this one may have just begun),
// last month in French, a manager's group in the dark theme (a day's reading under the pointer),
// the closed conversations to re-read, filtered, with the re-read dialog open; this week as it
// is (early on a Monday: empty), and the time per status as a table.
const statsPage = async (query) => {
  await page.goto(`${base}?still=1&page=stats&${query}`);
  await page.waitForSelector('[data-testid="stats"] [data-figure]');
};
const drawn = () => page.waitForSelector('[data-testid="stats"] .plot canvas').then(() => page.waitForTimeout(300));

await statsPage("lang=en");
await page.getByRole("button", { name: "Previous week" }).click();
await page.waitForSelector('[data-testid="stats"] [data-figure]');
await drawn();
await shot("stats-week");

await statsPage("lang=fr");
await page.getByRole("radio", { name: "Mois" }).click();
await page.getByRole("button", { name: "Mois précédent" }).click();
await page.waitForSelector('[data-testid="stats"] [data-figure]');
await drawn();
await shot("stats-month-fr");

await page.emulateMedia({ colorScheme: "dark" });
await statsPage("lang=en&role=manager");
await page.getByRole("combobox", { name: "Figures of" }).selectOption({ label: "Group Support" });
await page.waitForSelector("text=Figures of the group Support");
await page.getByRole("radio", { name: "Month" }).click();
await page.waitForSelector('[data-testid="stats"] [data-figure]');
await drawn();
await page.locator(".plot").last().hover({ position: { x: 120, y: 100 } });
await shot("stats-manager-dark");
await page.emulateMedia({ colorScheme: "light" });

await statsPage("lang=en");
await page.getByRole("button", { name: "Previous week" }).click();
await page.waitForSelector('[data-testid="stats"] [data-figure]');
await page.getByRole("checkbox", { name: "Important only" }).click();
await page.waitForTimeout(400);
await page.locator('[data-testid="stats"]').evaluate((e) => e.scrollTo(0, e.scrollHeight));
await shot("stats-closed");
await page.locator("tbody tr", { has: page.locator(".comment") }).first().getByRole("button").click();
await page.waitForSelector('[role="dialog"] .msg.visitor');
await page.waitForTimeout(400);
await shot("stats-reread");

await statsPage("lang=en");
await page.waitForTimeout(300);
await shot("stats-this-week");
await page.getByRole("button", { name: "Previous week" }).click();
await page.waitForSelector('[data-testid="stats"] [data-figure]');
await drawn();
await page.getByRole("button", { name: "Show as table" }).last().click();
await page.waitForTimeout(300);
await shot("stats-table");

// D16: the header's Print and "E-mail to me" (then its confirmation); the knowledge tab with an
// article open, the assistant's answers with their sources, the agents online (dark); the
// printable layout as the print dialog gets it (A4, print media; the margins are @page's).
await page.goto(`${base}?lang=en&still=1`);
await page.waitForSelector(".box");
await page.locator('.box[data-reference="DEMO-1044"]').click();
await page.locator('section[aria-label^="DEMO-1044"]').getByRole("button", { name: "E-mail to me" }).click();
await page.waitForSelector('[data-testid="email-sent"]');
await page.locator('section[aria-label^="DEMO-1044"]').getByRole("button", { name: "Print" }).hover();
await page.waitForTimeout(300);
await shot("desk-print-email");

await page.goto(`${base}?lang=fr&still=1&drawer=knowledge`);
await page.waitForSelector(".drawer li .hit");
await page.getByRole("searchbox", { name: "Rechercher dans les articles" }).fill("livraison");
await page.waitForTimeout(500);
await shot("drawer-knowledge");
await page.locator(".drawer li .hit").first().click();
await page.waitForSelector('[data-testid="knowledge-body"]');
await page.waitForTimeout(200);
await shot("drawer-knowledge-article");

await page.goto(`${base}?lang=fr&still=1&drawer=assistant`);
await page.waitForSelector(".drawer form");
await page.getByRole("textbox", { name: "Votre question" }).fill("Livrez-vous en Belgique avant samedi ?");
await page.keyboard.press("Enter");
await page.waitForSelector(".drawer .card");
await page.waitForTimeout(300);
await shot("drawer-assistant");

await page.emulateMedia({ colorScheme: "dark" });
await page.goto(`${base}?lang=en&still=1&drawer=team&panes=2`);
await page.waitForSelector(".drawer [data-member]");
await page.waitForTimeout(300);
await shot("drawer-team-dark");
await page.emulateMedia({ colorScheme: "light" });

// M1–M3: a manager's team board (Sarah asks Camille for help: Accept, Decline, the time left;
// the groups' queues; the conversations on desks with Watch; the agents' load), in English, then
// dark and in French beside two panes; a watched conversation with Camille's whisper, beside her
// own conversation; the agent's "Ask a manager" dialog, then the chip and Hugo's whisper once he
// accepted.
await page.goto(`${base}?lang=en&still=1&manager=1&drawer=board`);
await page.waitForSelector(".drawer [data-board-conversation]");
await page.waitForTimeout(300);
await shot("board");

await page.emulateMedia({ colorScheme: "dark" });
await page.goto(`${base}?lang=fr&still=1&manager=1&drawer=board&panes=2`);
await page.waitForSelector(".drawer [data-board-conversation]");
await page.waitForTimeout(300);
await shot("board-dark");
await page.emulateMedia({ colorScheme: "light" });

await page.goto(`${base}?lang=en&still=1&manager=1`);
await page.waitForSelector('[data-testid="help-banner"]');
await page.getByRole("button", { name: "Accept", exact: true }).click();
await page.waitForSelector("[data-watch]");
await page.locator("textarea[data-whisper-composer]").fill("Offer her a refund this once: the sale terms on the page were unclear. I'll approve it.");
await page.keyboard.press("Enter");
await page.waitForSelector("[data-watch] [data-whisper]");
await page.locator("textarea[data-whisper-composer]").blur();
await page.waitForTimeout(300);
await shot("desk-watch-whisper");

// M3: Camille joined Sarah (`?joined=1`): "Joined · you write to the visitor too", her own message
// to Zoé in the thread (sent), a whisper to Sarah, the composer to the visitor above the whisper
// one. Then the page Zoé shares with Sarah, seen by the watching manager (view only), in French;
// and the watch column beside the team board with two panes: the focused conversation only.
await page.goto(`${base}?lang=en&still=1&manager=1&watch=DEMO-1051&joined=1`);
await page.waitForSelector("[data-watch][data-joined] textarea[data-visitor-composer]");
await page.locator("textarea[data-visitor-composer]").fill("Bonjour Zoé, je suis Camille, responsable du support : nous vous remboursons exceptionnellement.");
await page.keyboard.press("Enter");
await page.waitForSelector("[data-watch] .msg.agent.mine");
await page.locator("textarea[data-whisper-composer]").fill("I've told her we refund this once; you can close it once she confirms.");
await page.keyboard.press("Enter");
await page.waitForSelector("[data-watch] [data-whisper]");
await page.locator("textarea[data-whisper-composer]").blur();
await page.waitForTimeout(300);
await shot("desk-watch-joined");

await page.goto(`${base}?lang=fr&still=1&manager=1&watch=DEMO-1051&cobrowse=1`);
await page.waitForSelector('[data-testid="watch-cobrowse"]');
await page.locator('[data-testid="watch-cobrowse"] button').click();
await page.waitForSelector('[data-watch] .mirror[data-status="live"]');
await page.waitForTimeout(2500);
await shot("desk-watch-cobrowse");

await page.goto(`${base}?lang=en&still=1&manager=1&drawer=board&panes=2&watch=DEMO-1051`);
await page.waitForSelector(".drawer [data-board-conversation]");
await page.waitForSelector("main.squeezed [data-watch]");
await page.waitForTimeout(300);
await shot("board-watch");

await page.goto(`${base}?lang=en&still=1&panes=2`);
await page.waitForSelector(".box");
await page.locator('.box[data-reference="DEMO-1044"]').click();
await page.locator('section[aria-label^="DEMO-1044"]').getByRole("button", { name: "Ask a manager" }).click();
await page.waitForSelector('[role="dialog"] textarea');
await page.locator('[role="dialog"] textarea').fill("Tom called twice already and was promised a warranty extension on the phone. Can I confirm it in writing?");
await page.waitForTimeout(200);
await shot("desk-ask-help");
await page.getByRole("button", { name: "Ask for help" }).click();
await page.waitForSelector('section[aria-label^="DEMO-1044"] [data-testid="help-chip"]');
await page.waitForSelector('section[aria-label^="DEMO-1044"] [data-whisper]', { timeout: 15_000 });
await page.waitForTimeout(300);
await shot("desk-ask-help-accepted");

await page.goto(`${base}?lang=en&still=1&print=hold`);
await page.waitForSelector(".box");
await page.locator('.box[data-reference="DEMO-1044"]').click();
await page.locator('section[aria-label^="DEMO-1044"]').getByRole("button", { name: "Print" }).click();
await page.waitForSelector(".print-sheet", { state: "attached" });
await page.setViewportSize({ width: 794, height: 1123 });
await page.emulateMedia({ media: "print" });
// The sheet's margins are @page's on paper; a screenshot has none: the same, as padding.
await page.addStyleTag({ content: "body.printing > .print-sheet { padding: 60px 57px; }" });
await page.waitForTimeout(300);
await shot("print-layout");

await browser.close();
