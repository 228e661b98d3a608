// The chat widget in a real browser: Debian's headless Chromium driven by playwright-core,
// axe-core for accessibility. No real Rasa: a fake REST channel runs inside the test.
"use strict";
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { startFakeRasa, startWeb } = require("./servers");
const { assertNoAxeViolation, launchChromium } = require("./support");

const SCREENSHOT = path.resolve(__dirname, "../../docs/widget.png");
const PHONE_SCREENSHOT = path.resolve(__dirname, "../../docs/widget-phone.png");
const PHONE = { width: 375, height: 740 };

let rasa, web, context, page, userDataDir;
const dialogs = [];
const pageErrors = [];

before(async () => {
  rasa = await startFakeRasa();
  web = await startWeb(rasa.url);
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "widget-chromium-"));
  ({ context, page } = await launchChromium(userDataDir, { viewport: { width: 1100, height: 760 } }));
  context.setDefaultTimeout(10000);
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: web.url });
  page.on("dialog", (d) => { dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  await page.goto(web.url + "/");
});

after(async () => {
  if (context) await context.close();
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  for (const s of [web, rasa]) if (s) await new Promise((r) => s.server.close(r));
});

const launcher = () => page.locator(".edc-launcher");
const input = () => page.locator("#edc-input");
const liveText = () => page.locator(".edc-live").textContent();
const focused = () => page.evaluate(() => document.activeElement && (document.activeElement.id || document.activeElement.className));

async function ask(text, p = page) {
  const before = await p.locator(".edc-bot").count();
  await p.locator("#edc-input").fill(text);
  await p.locator("#edc-input").press("Enter");
  await p.waitForFunction((n) => document.querySelectorAll(".edc-bot").length > n, before);
}

const axe = (t, label) => assertNoAxeViolation(page, t, label);

// Words a reader reads in an element (screen-reader-only text excepted).
const wordsIn = (locator) => locator.evaluate((e) => {
  const c = e.cloneNode(true);
  c.querySelectorAll(".edc-sr").forEach((n) => n.remove());
  return c.textContent.trim().split(/\s+/).filter((w) => /[\p{L}\d]/u.test(w)).length;
});
// No address written out in the conversation: links show their names.
async function assertNoRawUrl(p) {
  const text = await p.locator(".edc-log").evaluate((e) => {
    const c = e.cloneNode(true);
    c.querySelectorAll("script").forEach((n) => n.remove());
    return c.textContent;
  });
  assert.doesNotMatch(text, /https?:\/\/|mailto:|www\./);
}
// The rectangle of an element, and of the visible part of the conversation.
const box = (locator) => locator.evaluate((e) => { const r = e.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, left: r.left, right: r.right }; });

test("the demo page is a French page with a title, landmarks and headings", async () => {
  assert.equal(await page.getAttribute("html", "lang"), "fr");
  assert.match(await page.title(), /Ville-sur-Exemple/);
  for (const landmark of ["header", "nav", "main", "footer"]) assert.equal(await page.locator(landmark).count(), 1, landmark);
  assert.equal(await page.locator("h1").count(), 1);
  assert.ok((await page.locator("h2").count()) >= 2);
  assert.equal(await launcher().getAttribute("aria-expanded"), "false");
  assert.ok(await page.locator(".edc-panel").isHidden());
});

test("axe finds no violation on the page with the widget closed", async (t) => {
  await axe(t, "closed");
});

test("the keyboard alone opens the widget and puts the focus in the labelled input", async () => {
  let found = false;
  for (let i = 0; i < 20 && !found; i++) {
    await page.keyboard.press("Tab");
    found = await page.evaluate(() => document.activeElement.classList.contains("edc-launcher"));
  }
  assert.ok(found, "Tab reaches the launcher");
  await page.keyboard.press("Enter");
  assert.equal(await launcher().getAttribute("aria-expanded"), "true");
  assert.ok(await page.locator(".edc-panel").isVisible());
  assert.equal(await focused(), "edc-input");
  assert.equal(await page.locator('label[for="edc-input"]').textContent(), "Votre question");
  // The welcome message names the commune and suggests the kinds of project.
  assert.match(await page.locator(".edc-bot").first().textContent(), /Ville-sur-Exemple/);
  assert.deepEqual(await page.locator(".edc-reply").allTextContents(), [
    "Rencontre entre habitants des villes jumelles", "Échange de jeunes", "Réseau de plusieurs villes", "Trouver un centre Europe Direct"]);
  // A visible focus outline.
  const outline = await input().evaluate((e) => getComputedStyle(e).outlineStyle);
  assert.notEqual(outline, "none");
});

test("Escape closes the widget and gives the focus back to the launcher", async () => {
  await page.keyboard.press("Escape");
  assert.equal(await launcher().getAttribute("aria-expanded"), "false");
  assert.ok(await page.locator(".edc-panel").isHidden());
  assert.match(await focused(), /edc-launcher/);
  await page.keyboard.press("Enter");
  assert.equal(await focused(), "edc-input");
});

test("a question sent with Enter gets its answer, announced politely after a typing indicator", async () => {
  await input().fill("Bonjour");
  await input().press("Enter");
  await page.waitForFunction(() => /écrit/.test(document.querySelector(".edc-live").textContent));
  assert.ok(await page.locator(".edc-typing").isVisible());
  await page.waitForFunction(() => document.querySelectorAll(".edc-bot").length > 1);
  assert.ok(await page.locator(".edc-typing").isHidden());
  assert.equal(await page.locator(".edc-user").last().textContent(), "Vous : Bonjour");
  assert.match(await page.locator(".edc-bot").last().textContent(), /Décrivez votre projet de jumelage/);
  const live = page.locator(".edc-live");
  assert.equal(await live.getAttribute("aria-live"), "polite");
  await page.waitForFunction(() => /Décrivez votre projet/.test(document.querySelector(".edc-live").textContent));
  assert.match(await liveText(), /^L'assistant : Bonjour ! Décrivez/);
  const last = rasa.received[rasa.received.length - 1];
  assert.equal(last.message, "Bonjour");
  assert.match(last.sender, /^web-[0-9a-f]{24}$/);
});

test("a message that got no answer is sent once more with the same key, and answered once", async () => {
  const sent = rasa.received.length;
  const answers = await page.locator(".edc-bot").count();
  await ask("le serveur est en panne ?");
  const tries = rasa.received.slice(sent);
  assert.equal(tries.length, 2);
  assert.match(tries[0].message_id, /^m-[0-9a-f]{24}$/);
  assert.equal(tries[1].message_id, tries[0].message_id);
  assert.equal(await page.locator(".edc-bot").count(), answers + 1);
  assert.match(await page.locator(".edc-bot").last().textContent(), /Décrivez votre projet/);
  await ask("Bonjour");
  assert.notEqual(rasa.received[rasa.received.length - 1].message_id, tries[0].message_id, "a new message, a new key");
});

test("HTML in an answer is shown as text: no script runs, no dialog opens", async () => {
  await ask("montre-moi un script");
  const bubble = page.locator(".edc-bot").last();
  assert.match(await bubble.textContent(), /<script>alert\(1\)<\/script> <img src=x onerror=alert\(2\)>/);
  assert.equal(await page.locator(".edc-log script, .edc-log img").count(), 0);
  await page.waitForTimeout(200);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(pageErrors, []);
});

test("a quick reply chosen with the keyboard sends its payload; the focus and the view go to the start of the answer", async () => {
  await ask("on cherche des subventions européennes");
  const replies = page.locator(".edc-reply");
  assert.equal(await replies.count(), 6);
  assert.equal((await replies.allTextContents())[1], "Échange de jeunes");
  await page.waitForFunction(() => /Réponses proposées/.test(document.querySelector(".edc-live").textContent));
  await replies.nth(1).focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.querySelector(".edc-card-title"));
  assert.equal(await page.locator(".edc-user").last().textContent(), "Vous : Échange de jeunes");
  assert.equal(rasa.received[rasa.received.length - 1].message, "/ask_funding_youth_exchange");
  assert.equal(await page.locator(".edc-reply").count(), 0, "the quick replies are gone once used");
  // The focus is on the new answer, not lost on <body>.
  await page.waitForFunction(() => document.activeElement && document.activeElement.querySelector && document.activeElement.querySelector(".edc-card"));
  // The view starts at the answer's title.
  const log = await box(page.locator(".edc-log"));
  const title = await box(page.locator(".edc-card-title"));
  assert.ok(title.top >= log.top && title.top < log.top + 40, `title at ${title.top}, conversation from ${log.top}`);
  assert.match(await page.locator(".edc-card-title").textContent(), /^Le programme le plus adapté à votre projet : Erasmus\+/);
  // The live region says a short summary, without addresses.
  await page.waitForFunction(() => /Erasmus/.test(document.querySelector(".edc-live").textContent));
  const live = await liveText();
  assert.ok(live.length < 300, `live region: ${live.length} characters`);
  assert.doesNotMatch(live, /https?:|www\./);
});

test("a card shows what decides first, details and sources on demand, links by their names", async () => {
  const cardBox = page.locator(".edc-card").last();
  const labels = await cardBox.locator(":scope > p > strong").allTextContents();
  assert.deepEqual(labels.slice(0, 4), ["Pourquoi", "Montant", "Date limite", "Contact"]);
  assert.equal((await cardBox.locator(":scope > p").filter({ hasText: /à confirmer/i }).count()), 1, "« à confirmer » once");
  const details = cardBox.locator("details");
  assert.equal(await details.locator("summary").textContent(), "Détails et sources");
  assert.equal(await details.getAttribute("open"), null, "closed at first");
  assert.ok(await details.locator("p").first().isHidden());
  await details.locator("summary").click();
  assert.ok(await details.locator("p").first().isVisible());
  assert.match(await details.textContent(), /Sources : page officielle/);
  const official = details.locator("a", { hasText: "page officielle" });
  assert.match(await official.getAttribute("href"), /^https:\/\/erasmus-plus\.ec\.europa\.eu\//);
  assert.equal(await official.getAttribute("target"), "_blank");
  assert.match(await official.getAttribute("rel"), /noopener/);
  assert.match(await official.textContent(), /nouvelle fenêtre/);
  await assertNoRawUrl(page);
});

test("a follow-up that changes the partner country says what changed in a few words", async () => {
  await ask("et avec notre ville jumelle anglaise ?");
  const answer = page.locator(".edc-bot").last();
  assert.ok((await wordsIn(answer)) < 60, `${await wordsIn(answer)} words`);
  assert.match(await answer.textContent(), /Royaume-Uni/);
  assert.deepEqual(await page.locator(".edc-reply").allTextContents(), ["Voir la fiche complète"]);
});

test("the hand-over is one message with a Copier button and an e-mail link to a named contact", async () => {
  const before = await page.locator(".edc-bot").count();
  await ask("je voudrais parler à quelqu'un");
  assert.equal(await page.locator(".edc-bot").count(), before + 1, "one message");
  const message = page.locator(".edc-bot").last();
  const mail = message.locator('a[href^="mailto:"]');
  assert.equal(await mail.count(), 1);
  const href = await mail.getAttribute("href");
  assert.match(href, /^mailto:[^?@]+@[^?]+\?subject=[^&]+&body=/);
  assert.doesNotMatch(await mail.textContent(), /mailto|@/);
  await message.getByRole("button", { name: "Copier le message" }).click();
  await page.waitForFunction(() => /copié/.test(document.querySelector(".edc-copy-btn").textContent));
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(copied, /^Bonjour,\n/);
  assert.match(copied, /Pays partenaire : Royaume-Uni/);
  assert.equal(copied, await message.locator(".edc-copy").textContent());
  await assertNoRawUrl(page);
});

test("the conversation is still there after a reload, with the same sender id", async () => {
  const sender = rasa.received[rasa.received.length - 1].sender;
  const count = await page.locator(".edc-msg").count();
  await page.reload();
  await page.waitForSelector(".edc-card-title");
  assert.equal(await page.locator(".edc-msg").count(), count);
  assert.equal(await launcher().getAttribute("aria-expanded"), "true");
  assert.match(await page.locator(".edc-log").textContent(), /<script>alert\(1\)<\/script>/);
  await ask("Bonjour");
  assert.equal(rasa.received[rasa.received.length - 1].sender, sender);
  assert.deepEqual(dialogs, []);
});

test("axe finds no violation with the conversation open, details shown; desktop screenshot", async (t) => {
  await ask("on cherche des subventions européennes");
  await axe(t, "open with quick replies");
  await page.locator(".edc-reply").nth(1).click();
  await page.waitForFunction(() => document.querySelectorAll(".edc-card-title").length > 1);
  await axe(t, "open with a recommendation card");
  await page.locator(".edc-card").last().locator("summary").click();
  await axe(t, "card with its details open");
  await page.locator(".edc-card").last().locator("summary").click();
  await page.locator(".edc-card-title").last().evaluate((e) => { const log = e.closest(".edc-log"); log.scrollTop = e.closest(".edc-msg").offsetTop - log.offsetTop - 8; });
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  assert.ok(fs.statSync(SCREENSHOT).size > 1000);
});

test("on a phone the panel fills the screen, the launcher steps aside, and the first screen of a card shows what decides", async (t) => {
  const p = await context.newPage();
  await p.setViewportSize(PHONE);
  await p.goto(web.url + "/");
  await p.evaluate(() => sessionStorage.clear());
  await p.reload();
  await p.locator(".edc-launcher").click();
  const panel = await box(p.locator(".edc-panel"));
  assert.deepEqual([panel.left, panel.top, panel.right, panel.bottom], [0, 0, PHONE.width, PHONE.height]);
  assert.ok(await p.locator(".edc-launcher").isHidden(), "no launcher under the panel");
  await assertNoAxeViolation(p, t, "phone, welcome");
  // A suggestion of the welcome message, chosen with the keyboard.
  await p.locator(".edc-reply", { hasText: "Échange de jeunes" }).focus();
  await p.keyboard.press("Enter");
  await p.waitForFunction(() => document.querySelector(".edc-card-title"));
  await p.waitForFunction(() => document.activeElement && document.activeElement.querySelector && document.activeElement.querySelector(".edc-card"));
  const log = await box(p.locator(".edc-log"));
  const card = p.locator(".edc-card").last();
  const visible = async (locator, what) => {
    const b = await box(locator);
    assert.ok(b.top >= log.top - 1 && b.bottom <= log.bottom + 1, `${what} not on the first screen: ${b.top}–${b.bottom} in ${log.top}–${log.bottom}`);
  };
  await visible(card.locator(".edc-card-title"), "programme");
  for (const label of ["Montant", "Date limite", "Contact"]) await visible(card.locator(":scope > p", { has: p.locator("strong", { hasText: new RegExp(`^${label}$`) }) }), label);
  fs.mkdirSync(path.dirname(PHONE_SCREENSHOT), { recursive: true });
  await p.screenshot({ path: PHONE_SCREENSHOT });
  await assertNoAxeViolation(p, t, "phone, card");
  await ask("et avec notre ville jumelle anglaise ?", p);
  assert.ok((await wordsIn(p.locator(".edc-bot").last())) < 60);
  await assertNoAxeViolation(p, t, "phone, follow-up");
  await assertNoRawUrl(p);
  // The × closes the panel and gives the focus back to the launcher, shown again.
  await p.getByRole("button", { name: "Fermer l'assistant" }).click();
  assert.ok(await p.locator(".edc-launcher").isVisible());
  assert.match(await p.evaluate(() => document.activeElement.className), /edc-launcher/);
  await p.close();
});

test("a light configured colour is darkened until white text reaches 4.5:1", async () => {
  const p = await context.newPage();
  await p.goto(web.url + "/contrast.html");
  const [bg, fg] = await p.locator(".edc-launcher").evaluate((e) => [getComputedStyle(e).backgroundColor, getComputedStyle(e).color]);
  await p.close();
  const rgb = (s) => s.match(/\d+/g).slice(0, 3).map(Number);
  const lum = (c) => { const v = c.map((x) => { x /= 255; return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4; }); return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
  const [a, b] = [lum(rgb(bg)), lum(rgb(fg))];
  const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  assert.notEqual(bg, "rgb(255, 221, 0)", "the light yellow is not used as is");
  assert.ok(ratio >= 4.5, `contrast ${ratio.toFixed(2)} of ${fg} on ${bg}`);
});

test("no infinite animation, and none at all with prefers-reduced-motion", async () => {
  const p = await context.newPage();
  await p.goto(web.url + "/");
  const normal = await p.locator(".edc-dots").evaluate((e) => getComputedStyle(e).animationIterationCount);
  await p.emulateMedia({ reducedMotion: "reduce" });
  const reduced = await p.locator(".edc-dots").evaluate((e) => getComputedStyle(e).animationName);
  const infinite = await p.evaluate(() => [...document.querySelectorAll(".edc, .edc *")].filter((e) => getComputedStyle(e).animationIterationCount === "infinite").length);
  await p.close();
  assert.notEqual(normal, "infinite");
  assert.equal(reduced, "none");
  assert.equal(infinite, 0);
});
