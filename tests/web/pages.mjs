// Visits lovebank-node's pages in Debian's headless Chromium and prints, as one JSON
// object on stdout, what a person would see on each: the numbers of its tables (their
// data-value cells), its text, the scripts that ran, any dialog or Content-Security-
// Policy violation, axe-core's accessibility findings, the smallest touch target and
// text, and whether the page fits a phone's width. It judges nothing itself: the
// gtest that runs it (tests/e2e/web_e2e_test.cc) compares those with the wallet's.
//
//   node tests/web/pages.mjs BASE_URL SCREENSHOT_DIR PATH...
//
// Each PATH is visited in Chinese (the browser asking for zh-CN) and in English (by
// the page's own switch), at 1280x800 and at a phone's 390x844; a screenshot of each
// is written to SCREENSHOT_DIR.
import { readFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const [base, shots, ...paths] = process.argv.slice(2);
if (!base || !shots || paths.length === 0) {
  console.error("usage: node pages.mjs BASE_URL SCREENSHOT_DIR PATH...");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.LOVEBANK_CHROMIUM || "/usr/bin/chromium",
  // As root on a closed network: no sandbox, and none of Chromium's own traffic.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

function fileName(path, lang, viewport) {
  const stem = path === "/" ? "start" : path.replace(/^\//, "").replace(/[^A-Za-z0-9]+/g, "-");
  return `${stem.slice(0, 16)}-${lang}-${viewport}.png`;
}

async function visit(context, path, lang, viewport) {
  const page = await context.newPage();
  const dialogs = [];
  const csp = [];
  page.on("dialog", async (d) => { dialogs.push(d.message()); await d.dismiss(); });
  page.on("console", (m) => {
    if (/Content Security Policy/i.test(m.text())) csp.push(m.text());
  });
  page.on("pageerror", (e) => csp.push(`page error: ${e.message}`));
  const url = base + path + (lang === "en" ? (path.includes("?") ? "&" : "?") + "lang=en" : "");
  const response = await page.goto(url, { waitUntil: "load" });
  const headers = response.headers();
  const seen = await page.evaluate(() => {
    const tables = {};
    for (const t of document.querySelectorAll("[data-table]")) {
      const rows = [];
      const items = t.tagName === "TABLE" ? t.querySelectorAll("tbody tr") : [t];
      for (const row of items) {
        const cells = {};
        for (const c of row.querySelectorAll("[data-key]")) cells[c.dataset.key] = c.dataset.value;
        rows.push(cells);
      }
      tables[t.dataset.table] = rows;
    }
    // Targets a finger presses, and the size of running text.
    let smallestTarget = null;
    for (const el of document.querySelectorAll("a, button, input, select")) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;  // hidden
      if (el.closest("td, p, dd, footer")) continue;  // links inside text lines
      const size = Math.min(r.width, r.height);
      if (!smallestTarget || size < smallestTarget.size) {
        smallestTarget = { size, text: el.textContent.trim().slice(0, 40) };
      }
    }
    let smallestText = null;
    for (const el of document.querySelectorAll("main p, main td, main th, main li, main dd, nav a")) {
      const px = parseFloat(getComputedStyle(el).fontSize);
      if (!smallestText || px < smallestText.px) smallestText = { px, text: el.textContent.trim().slice(0, 40) };
    }
    return {
      htmlLang: document.documentElement.lang,
      title: document.title,
      h1: document.querySelector("h1")?.textContent ?? "",
      text: document.body.innerText,
      scripts: [...document.scripts].map((s) => s.src || "(inline)"),
      tables,
      smallestTarget,
      smallestText,
      overflowPx: document.documentElement.scrollWidth - window.innerWidth,
      printButtons: [...document.querySelectorAll("button[data-print]")].filter((b) => !b.hidden).length,
    };
  });
  // axe-core, evaluated by the browser's debugging protocol (the page's own policy
  // rightly forbids any script but the node's).
  await page.evaluate(axeSource);
  const axe = await page.evaluate(async () => {
    const result = await window.axe.run(document, { resultTypes: ["violations"] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                                           nodes: v.nodes.map((n) => n.target.join(" ")) }));
  });
  await page.screenshot({ path: `${shots}/${fileName(path, lang, viewport)}`, fullPage: true });
  await page.close();
  return { path, lang, viewport, status: response.status(), headers, dialogs, csp, axe, ...seen };
}

const results = [];
try {
  for (const [viewport, size] of [["desktop", { width: 1280, height: 800 }],
                                  ["phone", { width: 390, height: 844 }]]) {
    for (const lang of ["zh", "en"]) {
      const context = await browser.newContext({
        viewport: size,
        locale: "zh-CN",  // the browser asks for Chinese; English is the page's switch
        extraHTTPHeaders: { "Accept-Language": "zh-CN,zh;q=0.9" },
      });
      for (const path of paths) results.push(await visit(context, path, lang, viewport));
      await context.close();
    }
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify({ pages: results }) + "\n");
