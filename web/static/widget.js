/*! Widget « L'Europe des communes » — assistant des financements européens du jumelage.
 * Intégration : <script src="https://…/static/widget.js" data-bot-url="http://localhost:5005"
 *   data-commune="Ville-sur-Exemple" data-color="#003399"></script>
 * Sans dépendance ni appel tiers. Parle au canal REST de Rasa : POST {bot}/webhooks/rest/webhook.
 * Le texte du serveur est toujours inséré comme texte (textContent), jamais comme HTML.
 */
(function () {
  "use strict";
  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (!script || window.__edcWidget) return;
  window.__edcWidget = true;

  var data = script.dataset;
  var botUrl = (data.botUrl || "http://localhost:5005").replace(/\/+$/, "");
  var commune = data.commune || "";
  var storeKey = "edc-widget:" + botUrl;
  // A named link [name](address) — how the assistant writes its links — or a bare address.
  var LINK_RE = /\[([^\]\n]+)\]\(((?:https?:\/\/|mailto:)[^\s)]+)\)|(https?:\/\/[^\s<>"'«»]+|mailto:[^\s<>"'«»]+)/g;
  // The welcome's suggestions: the kinds of project the assistant knows (payloads are the domain's intents).
  var SUGGESTIONS = [
    { title: "Rencontre entre habitants des villes jumelles", payload: "/ask_funding_twinning" },
    { title: "Échange de jeunes", payload: "/ask_funding_youth_exchange" },
    { title: "Réseau de plusieurs villes", payload: "/ask_funding_network_of_towns" },
    { title: "Trouver un centre Europe Direct", payload: "/ask_europe_direct" }
  ];

  // ---- colours: the configured colour carries white text; darken it until the contrast is >= 4.5:1
  function hex(c) {
    var m = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec((c || "").trim());
    if (!m) return null;
    var h = m[1].length === 3 ? m[1].replace(/./g, "$&$&") : m[1];
    return [0, 2, 4].map(function (i) { return parseInt(h.substr(i, 2), 16); });
  }
  function lum(rgb) {
    var v = rgb.map(function (x) {
      x /= 255;
      return x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2];
  }
  function contrast(a, b) {
    var la = lum(a), lb = lum(b);
    return (Math.max(la, lb) + 0.05) / (Math.min(la, lb) + 0.05);
  }
  function toHex(rgb) {
    return "#" + rgb.map(function (x) { return ("0" + Math.round(x).toString(16)).slice(-2); }).join("");
  }
  function accessible(color, text) {
    var c = hex(color) || [0, 51, 153];
    var t = hex(text) || [255, 255, 255];
    for (var i = 0; i < 40 && contrast(c, t) < 4.5; i++) {
      c = c.map(function (x) { return x * 0.9; });
      if (contrast(c, t) >= 4.5) break;
    }
    if (contrast(c, t) < 4.5) return text ? accessible(color) : { bg: "#003399", fg: "#ffffff" };
    return { bg: toHex(c), fg: toHex(t) };
  }
  var colors = accessible(data.color, data.colorText);
  // Links and outlines are drawn in the colour on white: it needs 4.5:1 against white too.
  var accent = accessible(colors.bg, "#ffffff").bg;

  // ---- state kept for the tab (sessionStorage): sender id, transcript, open or not
  function newId(prefix) {
    var a = new Uint8Array(12);
    (window.crypto || window.msCrypto).getRandomValues(a);
    return (prefix || "web-") + Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }
  var state;
  try { state = JSON.parse(sessionStorage.getItem(storeKey)); } catch (e) { state = null; }
  if (!state || typeof state.sender !== "string" || !Array.isArray(state.log)) {
    state = { sender: newId(), log: [], open: false };
  }
  function save() {
    try {
      state.log = state.log.slice(-100);
      sessionStorage.setItem(storeKey, JSON.stringify(state));
    } catch (e) { /* private mode or full: the conversation still works */ }
  }

  // ---- DOM helpers
  function el(tag, attrs, children) {
    var n = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === "text") n.textContent = attrs[k];
      else n.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) n.appendChild(c); });
    return n;
  }
  function sr(text) { return el("span", { "class": "edc-sr", text: text }); }

  // Text with its links (named or bare) turned into links, built node by node: never HTML from the server.
  function linkify(parent, text) {
    var last = 0, m;
    LINK_RE.lastIndex = 0;
    while ((m = LINK_RE.exec(text))) {
      var raw = m[2] || m[3].replace(/[.,;:!?)\]]+$/, "");
      var url = null;
      try { url = new URL(raw); } catch (e) { /* not a URL: keep as text */ }
      if (!url || !/^(https?|mailto):$/.test(url.protocol)) continue;
      parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      var a = el("a", { href: url.href, text: m[1] || raw });
      if (url.protocol !== "mailto:") {
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        a.appendChild(sr(" (nouvelle fenêtre)"));
      }
      parent.appendChild(a);
      last = m.index + (m[1] ? m[0].length : raw.length);
      LINK_RE.lastIndex = last;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
    return parent;
  }
  // What a reader hears of a text: links by their name, bare addresses left out.
  function spoken(text) {
    return String(text || "").replace(LINK_RE, function (all, name) { return name || ""; }).replace(/\s+/g, " ").trim();
  }

  function lineNode(line) {
    var p = el("p");
    if (line.label) {
      p.appendChild(el("strong", { text: line.label }));
      linkify(p, " : " + line.text);
    } else linkify(p, line.text);
    return p;
  }

  // An answer model (actions/answer.py): title, the facts that decide, a message to copy, then the
  // details behind a disclosure.
  function card(answer) {
    var c = el("div", { "class": "edc-card" });
    if (answer.title) c.appendChild(linkify(el("p", { "class": "edc-card-title" }), answer.title));
    (answer.facts || []).forEach(function (line) { c.appendChild(lineNode(line)); });
    if (answer.copy) {
      var pre = el("pre", { "class": "edc-copy", text: answer.copy });
      var copyBtn = el("button", { type: "button", "class": "edc-copy-btn", text: "Copier le message" });
      copyBtn.addEventListener("click", function () {
        var done = function () { copyBtn.textContent = "Message copié"; announce("Message copié."); };
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(answer.copy).then(done, function () { selectText(pre); });
        } else selectText(pre);
      });
      c.appendChild(pre);
      c.appendChild(copyBtn);
    }
    if (answer.details && answer.details.length) {
      var d = el("details", { "class": "edc-details" }, [el("summary", { text: answer.details_title || "Détails et sources" })]);
      answer.details.forEach(function (line) { d.appendChild(lineNode(line)); });
      c.appendChild(d);
    }
    return c;
  }
  // Without the clipboard API: select the message, so that Ctrl+C copies it.
  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    announce("Message sélectionné : copiez-le avec Ctrl+C.");
  }

  // ---- the widget
  var title = "Assistant Europe" + (commune ? " – " + commune : "");
  var root = el("aside", { "class": "edc", "aria-label": "Assistant des financements européens" });
  root.style.setProperty("--edc-bg", colors.bg);
  root.style.setProperty("--edc-fg", colors.fg);
  root.style.setProperty("--edc-accent", accent);

  var launcher = el("button", {
    type: "button", "class": "edc-launcher", "aria-expanded": "false", "aria-controls": "edc-panel",
    // The accessible name starts with the visible text (WCAG 2.5.3); aria-expanded gives the state.
    "aria-label": "Une question sur les financements européens ? Assistant automatique"
  }, [el("span", { "aria-hidden": "true", text: "Une question sur les financements européens ?" })]);
  var closeBtn = el("button", { type: "button", "class": "edc-icon", "aria-label": "Fermer l'assistant", text: "×" });
  var resetBtn = el("button", { type: "button", "class": "edc-icon edc-reset", "aria-label": "Effacer la conversation", text: "↺" });
  var log = el("div", { "class": "edc-log", role: "region", tabindex: "0", "aria-label": "Conversation" });
  var live = el("div", { "class": "edc-sr edc-live", "aria-live": "polite", "aria-atomic": "true" });
  var typing = el("p", { "class": "edc-typing", hidden: "" }, [el("span", { "aria-hidden": "true", "class": "edc-dots", text: "•••" }), document.createTextNode(" L'assistant écrit…")]);
  var input = el("input", { id: "edc-input", type: "text", autocomplete: "off", maxlength: "1000", placeholder: "Ex. : échange de jeunes avec l'Allemagne" });
  var send = el("button", { type: "submit", "class": "edc-send", "aria-label": "Envoyer le message", text: "Envoyer" });
  var form = el("form", { "class": "edc-form" }, [
    el("label", { "for": "edc-input", "class": "edc-label", text: "Votre question" }), input, send
  ]);
  var panel = el("div", { id: "edc-panel", "class": "edc-panel", role: "dialog", "aria-labelledby": "edc-title", hidden: "" }, [
    el("div", { "class": "edc-head" }, [el("p", { id: "edc-title", "class": "edc-title", text: title }), resetBtn, closeBtn]),
    log, typing, form,
    el("p", { "class": "edc-note", text: "Réponses automatiques, à vérifier sur les pages officielles citées." })
  ]);
  root.appendChild(panel);
  root.appendChild(launcher);
  root.appendChild(live);

  function announce(text) {
    // Cleared then set so that the same answer twice is still announced.
    live.textContent = "";
    setTimeout(function () { live.textContent = text; }, 50);
  }

  function renderMessage(msg, isLast) {
    var who = msg.who === "user" ? "user" : "bot";
    var bubble = el("div", { "class": "edc-msg edc-" + who, tabindex: "-1" }, [sr(who === "user" ? "Vous : " : "Assistant : ")]);
    if (who === "bot" && msg.answer && typeof msg.answer === "object") bubble.appendChild(card(msg.answer));
    else if (msg.text) linkify(bubble, msg.text);
    log.appendChild(bubble);
    if (isLast && who === "bot" && msg.buttons && msg.buttons.length) {
      var group = el("div", { "class": "edc-replies", role: "group", "aria-label": "Réponses proposées" });
      msg.buttons.forEach(function (b) {
        if (!b || !b.title) return;
        var btn = el("button", { type: "button", "class": "edc-reply", text: String(b.title) });
        btn.addEventListener("click", function () {
          group.remove();
          ask(String(b.title), String(b.payload || b.title), true);
        });
        group.appendChild(btn);
      });
      log.appendChild(group);
    }
  }

  // Draws the transcript; returns the first answer after the user's last message (null when none).
  function render() {
    log.textContent = "";
    if (!state.log.length) {
      // The welcome stays at the top of the transcript, with the kinds of project as suggestions.
      state.log.push({ who: "bot", text: "Bonjour ! Je suis l'assistant des financements européens" +
        (commune ? " de " + commune : "") + ". Décrivez votre projet de jumelage (avec qui, pour qui, quoi) " +
        "et je vous indique le programme qui peut le financer, son montant et sa prochaine date limite. " +
        "Ou choisissez :", buttons: SUGGESTIONS });
    }
    // Quick replies stay only on the answers that follow the user's last message.
    var lastUser = -1;
    state.log.forEach(function (m, i) { if (m.who === "user") lastUser = i; });
    state.log.forEach(function (m, i) { renderMessage(m, i > lastUser); });
    var first = lastUser >= 0 ? log.querySelectorAll(".edc-msg")[lastUser + 1] : null;
    // The reader starts at the beginning of the new answer (its title), not at its end.
    if (first) log.scrollTop = first.offsetTop - log.offsetTop - 8;
    else log.scrollTop = lastUser >= 0 ? log.scrollHeight : 0;
    return first || null;
  }

  function add(msg) {
    state.log.push(msg);
    save();
  }

  var busy = false;
  function setBusy(on) {
    busy = on;
    typing.hidden = !on;
    send.setAttribute("aria-disabled", on ? "true" : "false");
    if (on) announce("L'assistant écrit…");
  }

  // Sends a message; ``fromReply``: chosen among quick replies, whose button is gone, so the focus
  // goes to the answer (after a typed message it stays in the input).
  function ask(shown, message, fromReply) {
    if (busy || !message.trim()) return;
    var replies = log.querySelector(".edc-replies");
    if (replies) replies.remove();
    add({ who: "user", text: shown });
    render();
    if (fromReply) input.focus();
    setBusy(true);
    // The same message_id on a retry: the server answers it once, even if the first try got through.
    var body = JSON.stringify({ sender: state.sender, message: message, message_id: newId("m-") });
    function post(triesLeft) {
      var ctrl = window.AbortController ? new AbortController() : null;
      var timer = ctrl && setTimeout(function () { ctrl.abort(); }, 30000);
      return fetch(botUrl + "/webhooks/rest/webhook", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: body,
        signal: ctrl ? ctrl.signal : undefined
      }).then(function (r) {
        if (!r.ok) throw { status: r.status };
        return r.json();
      }).then(function (answers) {
        if (timer) clearTimeout(timer);
        return answers;
      }, function (error) {
        if (timer) clearTimeout(timer);
        // No answer, or the server (or its proxy) failed: once more, a moment later. A refused request (4xx) is final.
        var retry = triesLeft > 1 && !(error && error.status >= 400 && error.status < 500);
        if (!retry) throw error;
        return new Promise(function (resolve) { setTimeout(resolve, 1500); }).then(function () { return post(triesLeft - 1); });
      });
    }
    post(2).then(function (answers) {
      var said = [];
      (Array.isArray(answers) ? answers : []).forEach(function (a) {
        if (!a || (typeof a.text !== "string" && !Array.isArray(a.buttons))) return;
        var buttons = (a.buttons || []).filter(function (b) { return b && b.title; })
          .map(function (b) { return { title: String(b.title), payload: String(b.payload || b.title) }; });
        var model = a.custom && typeof a.custom.answer === "object" ? a.custom.answer : null;
        add({ who: "bot", text: typeof a.text === "string" ? a.text : "", answer: model, buttons: buttons });
        // A short summary for screen readers: the model's, else the first lines, links by their name.
        var summary = model && model.summary ? String(model.summary) : spoken(a.text);
        if (summary) said.push(summary.length > 240 ? summary.slice(0, 239).replace(/\s+\S*$/, "") + "…" : summary);
        if (buttons.length) said.push("Réponses proposées : " + buttons.map(function (b) { return b.title; }).join(", ") + ".");
      });
      if (!said.length) {
        said.push("Je n'ai pas de réponse à cela. Pouvez-vous reformuler ?");
        add({ who: "bot", text: said[0] });
      }
      return said.join("\n");
    }, function () {
      var text = "Le service ne répond pas pour le moment. Réessayez dans un instant.";
      add({ who: "bot", text: text });
      return text;
    }).then(function (said) {
      setBusy(false);
      var first = render();
      if (fromReply && first) first.focus({ preventScroll: true });
      announce("L'assistant : " + said);
    });
  }

  function open(focus) {
    panel.hidden = false;
    root.classList.add("edc-open");
    launcher.setAttribute("aria-expanded", "true");
    state.open = true;
    save();
    render();
    if (focus) input.focus();
  }
  function close() {
    panel.hidden = true;
    root.classList.remove("edc-open");
    launcher.setAttribute("aria-expanded", "false");
    state.open = false;
    save();
    launcher.focus();
  }

  launcher.addEventListener("click", function () { if (panel.hidden) open(true); else close(); });
  closeBtn.addEventListener("click", close);
  resetBtn.addEventListener("click", function () {
    state = { sender: newId(), log: [], open: true };
    render();
    save();
    announce("Conversation effacée.");
    input.focus();
  });
  root.addEventListener("keydown", function (e) {
    if ((e.key === "Escape" || e.key === "Esc") && !panel.hidden) {
      e.preventDefault();
      close();
    }
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || busy) return;
    input.value = "";
    ask(text, text);
  });

  function mount() {
    var css = el("link", { rel: "stylesheet", href: new URL("widget.css", script.src).href });
    document.head.appendChild(css);
    document.body.appendChild(root);
    if (state.open) open(false);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
