// Local servers for the browser test: the widget's files (web/, laid out as bot/web.py serves them)
// and a fake Rasa REST channel. Both listen on 127.0.0.1 on a free port; nothing leaves the machine.
"use strict";
const http = require("node:http");
const fs = require("node:fs");
const path = require("node:path");

const WEB = path.resolve(__dirname, "../../web");
const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".png": "image/png" };

function listen(server) {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server.address().port)));
}

// The assistant's real answers (card, follow-up, hand-over, clarifying question), as its REST channel
// sends them: tests/support/widget_answers.py writes them, a Python test keeps them up to date.
const ANSWERS = JSON.parse(fs.readFileSync(path.join(__dirname, "fixtures", "answers.json"), "utf8"));

// A reply shaped like Rasa's REST channel: a list of {recipient_id, text, buttons, custom}.
function answer(sender, message) {
  const m = message.toLowerCase();
  const as = (name) => ANSWERS[name].map((a) => ({ ...a, recipient_id: sender }));
  if (m.startsWith("/ask_programme_info")) return as("card");
  if (m.startsWith("/")) return as("card");
  if (m.includes("anglaise")) return as("followup");
  if (m.includes("quelqu'un")) return as("handover");
  if (m.includes("subvention")) return as("clarify");
  if (m.includes("script")) {
    return [{ recipient_id: sender, text: "Voici du code : <script>alert(1)</script> <img src=x onerror=alert(2)> fin." }];
  }
  return [{ recipient_id: sender, text: "Bonjour ! Décrivez votre projet de jumelage." }];
}

async function startFakeRasa() {
  const received = [];
  const server = http.createServer((req, res) => {
    res.setHeader("Access-Control-Allow-Origin", "*"); // the real Rasa allows only CORS_ORIGINS (the demo page by default)
    res.setHeader("Access-Control-Allow-Headers", "Content-Type");
    res.setHeader("Access-Control-Allow-Methods", "POST, OPTIONS");
    if (req.method === "OPTIONS") return res.writeHead(204).end();
    if (req.method !== "POST" || req.url !== "/webhooks/rest/webhook") return res.writeHead(404).end();
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      let msg;
      try { msg = JSON.parse(body); } catch { return res.writeHead(400).end(); }
      received.push(msg);
      // "panne": the first try of the message fails as a dying server behind a proxy would.
      if (String(msg.message).includes("panne") && received.filter((m) => m.message_id === msg.message_id).length === 1) {
        return res.writeHead(503).end();
      }
      // A short delay, as a real model takes, so that the typing indicator shows.
      setTimeout(() => {
        res.writeHead(200, { "Content-Type": "application/json" });
        res.end(JSON.stringify(answer(msg.sender, String(msg.message))));
      }, 300);
    });
  });
  const port = await listen(server);
  return { server, port, url: `http://127.0.0.1:${port}`, received };
}

// Serves / and /demo/ (web/demo) and /static/ (web/static) like bot/web.py, with the demo's
// data-bot-url pointed at the fake; /contrast.html is the demo with a light colour configured.
async function startWeb(botUrl) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    let file;
    let color = null;
    if (url.pathname === "/" || url.pathname === "/demo/" || url.pathname === "/demo/index.html") file = path.join(WEB, "demo", "index.html");
    else if (url.pathname === "/contrast.html") { file = path.join(WEB, "demo", "index.html"); color = "#ffdd00"; }
    else if (url.pathname.startsWith("/static/") || url.pathname.startsWith("/demo/")) file = path.join(WEB, path.normalize(url.pathname).replace(/^\/+/, ""));
    if (!file || !file.startsWith(WEB + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) return res.writeHead(404).end("absent");
    let content = fs.readFileSync(file);
    if (file.endsWith(".html")) {
      let html = content.toString("utf8").replace(/data-bot-url="[^"]*"/, `data-bot-url="${botUrl}"`);
      if (color) html = html.replace(/data-color="[^"]*"/, `data-color="${color}"`);
      content = html;
    }
    res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] || "application/octet-stream", "Cache-Control": "no-store" });
    res.end(content);
  });
  const port = await listen(server);
  return { server, port, url: `http://127.0.0.1:${port}` };
}

module.exports = { startFakeRasa, startWeb };
