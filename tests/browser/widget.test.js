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

let rasa, web, context, page, userDataDir;
const dialogs = [];
const pageErrors = [];

before(async () => {
  rasa = await startFakeRasa();
  web = await startWeb(rasa.url);
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "widget-chromium-"));
  ({ context, page } = await launchChromium(userDataDir, { viewport: { width: 1100, height: 760 } }));
  context.setDefaultTimeout(10000);
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

async function ask(text) {
  const before = await page.locator(".edc-bot").count();
  await input().fill(text);
  await input().press("Enter");
  await page.waitForFunction((n) => document.querySelectorAll(".edc-bot").length > n, before);
}

const axe = (t, label) => assertNoAxeViolation(page, t, label);

test("the demo page is a French page with a title, landmarks and headings", async () => {
  assert.equal(await page.getAttribute("html", "lang"), "fr");
  assert.match(await page.title(), /Ville-sur-Exemple/);
  for (const landmark of ["header", "nav", "main", "footer"]) assert.equal(await page.locator(landmark).count(), 1, landmark);
  assert.equal(await page.locator("h1").count(), 1);
  assert.ok((await page.locator("h2").count()) >= 2);
  assert.equal(await launcher().getAttribute("aria-expanded"), "false");
  assert.ok(await page.locator(".edc-panel").isHidden());
});

test("axe finds no serious or critical violation on the page with the widget closed", async (t) => {
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
  // The welcome message names the commune.
  assert.match(await page.locator(".edc-bot").first().textContent(), /Ville-sur-Exemple/);
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

test("quick replies send their payload and show their title as the user's message", async () => {
  await ask("on cherche des subventions européennes");
  const replies = page.locator(".edc-reply");
  assert.deepEqual(await replies.allTextContents(), ["Échange de jeunes", "Rencontre entre habitants"]);
  assert.match(await liveText().then(() => page.waitForFunction(() => /Réponses proposées/.test(document.querySelector(".edc-live").textContent)).then(liveText)), /Échange de jeunes/);
  await replies.first().click();
  await page.waitForFunction(() => document.querySelector(".edc-card"));
  assert.equal(await page.locator(".edc-user").last().textContent(), "Vous : Échange de jeunes");
  assert.equal(rasa.received[rasa.received.length - 1].message, '/inform{"project_type":"youth_exchange"}');
  assert.equal(await page.locator(".edc-reply").count(), 0, "the quick replies are gone once used");
  // The recommendation is a card titled by its first line; its URL is a safe link.
  assert.match(await page.locator(".edc-card-title").textContent(), /^Le programme le plus adapté/);
  const link = page.locator(".edc-card a");
  assert.equal(await link.getAttribute("href"), "https://erasmus-plus.ec.europa.eu/fr/programme-guide");
  assert.equal(await link.getAttribute("target"), "_blank");
  assert.match(await link.getAttribute("rel"), /noopener/);
  assert.match(await link.textContent(), /nouvelle fenêtre/);
});

test("the conversation is still there after a reload, with the same sender id", async () => {
  const sender = rasa.received[rasa.received.length - 1].sender;
  const count = await page.locator(".edc-msg").count();
  await page.reload();
  await page.waitForSelector(".edc-card");
  assert.equal(await page.locator(".edc-msg").count(), count);
  assert.equal(await launcher().getAttribute("aria-expanded"), "true");
  assert.match(await page.locator(".edc-log").textContent(), /<script>alert\(1\)<\/script>/);
  await ask("Bonjour");
  assert.equal(rasa.received[rasa.received.length - 1].sender, sender);
  assert.deepEqual(dialogs, []);
});

test("axe finds no serious or critical violation with the conversation open; screenshot", async (t) => {
  await ask("on cherche des subventions européennes");
  await axe(t, "open with quick replies");
  await page.locator(".edc-reply").last().click();
  await page.waitForFunction(() => document.querySelectorAll(".edc-card").length > 1);
  await axe(t, "open with a recommendation card");
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  assert.ok(fs.statSync(SCREENSHOT).size > 1000);
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
