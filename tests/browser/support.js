// Shared by the browser tests: headless Debian Chromium (playwright-core), and axe-core in the page
// under test with every rule, every impact: a page passes with no violation at all.
"use strict";
const assert = require("node:assert/strict");
const { chromium } = require("playwright-core");

const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const AXE = require.resolve("axe-core/axe.min.js");

// A persistent context in French with nothing that calls outside hosts; `options` adds to it.
async function launchChromium(userDataDir, options = {}) {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    locale: "fr-FR",
    ...options,
  });
  return { context, page: context.pages()[0] || (await context.newPage()) };
}

async function assertNoAxeViolation(page, t, label) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document));
  const found = result.violations.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`);
  t.diagnostic(`axe ${label}: ${result.passes.length} rules passed, ${found.length} violation(s)`);
  assert.deepEqual(found, [], `axe on ${label}`);
}

module.exports = { launchChromium, assertNoAxeViolation };
