// The staff console in a real browser (headless Debian Chromium, playwright-core), with axe-core on
// every page: 0 violations of any level. The console runs with stand-ins (tests/support/console_server.py):
// knowledge base from the data files, a small tracker store, a keyword NLU, a fixed date.
"use strict";
const { test, before, after } = require("node:test");
const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { assertNoAxeViolation, launchChromium } = require("./support");

const ROOT = path.resolve(__dirname, "../..");
const PYTHON = process.env.PYTHON || path.join(ROOT, ".venv/bin/python");
const SCREENSHOT = path.join(ROOT, "docs/console.png");

const TWO_PROJECTS = `Bonjour,

Notre commune est jumelée depuis 1992 avec une ville d'Allemagne. Nous avons deux projets pour 2027 :
1) un échange de jeunes de 15 à 17 ans avec notre ville jumelle, l'été prochain ;
2) un réseau de villes sur le climat avec des communes d'Italie.

Merci d'avance pour votre aide.
Marie Dupont, secrétaire de mairie`;

let server, base, token, context, page, userDataDir;
const pageErrors = [];

function startConsole() {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, ["-m", "tests.support.console_server"], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
    let out = "";
    const timer = setTimeout(() => reject(new Error("the console server did not start in 90 s")), 90000);
    child.stdout.on("data", (chunk) => {
      out += chunk;
      const ready = out.match(/READY (\S+) (\S+)/);
      if (ready) { clearTimeout(timer); resolve({ child, url: ready[1], token: ready[2] }); }
    });
    child.on("exit", (code) => { clearTimeout(timer); reject(new Error(`the console server stopped (${code})`)); });
  });
}

before(async () => {
  server = await startConsole();
  base = server.url;
  token = server.token;
  userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "console-chromium-"));
  ({ context, page } = await launchChromium(userDataDir, {
    viewport: { width: 1100, height: 900 },
    // The console allows no script at all (CSP default-src 'none'): let the test inject axe anyway.
    bypassCSP: true,
  }));
  context.setDefaultTimeout(20000);
  page.on("pageerror", (e) => pageErrors.push(String(e)));
});

after(async () => {
  if (context) await context.close();
  if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
  if (server) { server.child.stdin.end(); server.child.kill("SIGTERM"); }
});

test("the login page passes axe, and the token opens the console", async (t) => {
  await page.goto(base + "/console/ask");
  assert.match(page.url(), /\/console\/login$/);
  assert.equal(await page.getAttribute("html", "lang"), "fr");
  await assertNoAxeViolation(page, t, "login");
  await page.fill("#token", token);
  await Promise.all([page.waitForURL(/\/console\/ask$/), page.click("button.primary")]);
  await assertNoAxeViolation(page, t, "Analyser, empty");
});

test("Analyser: the e-mail to send comes first and answers each project; axe; screenshot", async (t) => {
  await page.fill("#question", TWO_PROJECTS);
  await Promise.all([page.waitForLoadState("load"), page.click("form[action='/console/ask'] button.primary")]);
  const reply = page.locator("pre.reply");
  const email = await reply.textContent();
  assert.match(email, /^Bonjour,\n\nMerci pour votre message\. Vous nous présentez deux projets/);
  assert.match(email, /1\. Votre projet « un échange de jeunes/);
  assert.match(email, /2\. Votre projet « un réseau de villes sur le climat/);
  assert.match(email, /Bien cordialement,\n\n\[Prénom Nom\]/);
  // The reply is the first thing on the page, above the fold; the reasoning follows per project.
  const replyBox = await reply.boundingBox();
  const firstProject = await page.locator("section.project").first().boundingBox();
  assert.ok(replyBox.y < 300, `the reply starts at ${replyBox.y}px`);
  assert.ok(replyBox.y < firstProject.y);
  assert.equal(await page.locator("section.project").count(), 2);
  await assertNoAxeViolation(page, t, "Analyser, two projects");
  fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
  await page.screenshot({ path: SCREENSHOT });
  assert.ok(fs.statSync(SCREENSHOT).size > 1000);
  // Every disclosure open (sources of each programme), still no violation.
  await page.evaluate(() => document.querySelectorAll("details").forEach((d) => { d.open = true; }));
  await assertNoAxeViolation(page, t, "Analyser, every detail open");
});

test("the inbox shows the answers, opens a message in Analyser and marks it traité; no test traffic", async (t) => {
  await page.goto(base + "/console/inbox");
  const rows = page.locator("table.inbox tr:has(td)");
  assert.equal(await rows.count(), 3);
  const text = await page.locator("table.inbox").textContent();
  assert.match(text, /Pour vous orienter vers le bon programme/);
  assert.doesNotMatch(text, /nlu_fallback|test de charge/);
  await assertNoAxeViolation(page, t, "inbox");

  const row = page.locator("table.inbox tr", { hasText: "repeindre la salle" });
  await Promise.all([page.waitForURL(/\/console\/inbox$/), row.locator("button", { hasText: "Marquer traité" }).click()]);
  assert.equal(await page.locator("table.inbox tr:has(td)").count(), 2);
  const done = page.locator("details.handled");
  assert.match(await done.locator("summary").textContent(), /Messages traités \(1\)/);
  await done.locator("summary").click();
  assert.match(await done.textContent(), /repeindre la salle des fêtes/);
  await page.evaluate(() => document.querySelectorAll("details").forEach((d) => { d.open = true; }));
  await assertNoAxeViolation(page, t, "inbox with a message handled, every detail open");

  await Promise.all([page.waitForURL(/\/console\/ask$/),
    page.locator("table.inbox tr", { hasText: "fête du cidre" }).locator("button", { hasText: "Analyser" }).click()]);
  assert.equal(await page.inputValue("#question"), "c'est pour la fête du cidre avec les anglais");
  assert.ok(await page.locator("pre.reply").isVisible());
});

test("the knowledge page: next opening of closed calls, history; axe with every detail open", async (t) => {
  await page.goto(base + "/console/knowledge");
  const closed = page.locator("#call-CERV-2026-CITIZENS-TOWN-TT");
  assert.match(await closed.locator("td.next-opening").textContent(), /non publiée/);
  assert.equal(await page.locator("#calls #call-CERV-2025-CITIZENS-TOWN-TT").count(), 0);
  assert.equal(await page.locator("#history #call-CERV-2025-CITIZENS-TOWN-TT").count(), 1);
  await assertNoAxeViolation(page, t, "knowledge");
  await page.evaluate(() => document.querySelectorAll("details").forEach((d) => { d.open = true; }));
  await assertNoAxeViolation(page, t, "knowledge, every detail open");
  assert.deepEqual(pageErrors, []);
});
