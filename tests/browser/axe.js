// axe-core in the page under test: every rule, every impact. A page passes with no violation at all.
"use strict";
const assert = require("node:assert/strict");

const AXE = require.resolve("axe-core/axe.min.js");

async function assertNoAxeViolation(page, t, label) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document));
  const found = result.violations.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join("; ")}`);
  t.diagnostic(`axe ${label}: ${result.passes.length} rules passed, ${found.length} violation(s)`);
  assert.deepEqual(found, [], `axe on ${label}`);
}

module.exports = { assertNoAxeViolation };
