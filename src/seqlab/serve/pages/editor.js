// Type-ahead editor: the Latin word before the cursor gets a dropdown of native-script candidates (GET /tl),
// anchored at the cursor and ranked as the word after the two words before it (`prev`). Space/Enter/Tab and
// punctuation commit the highlighted one, arrows move, a digit picks, Esc keeps Latin, Backspace right after a
// commit brings the Latin word back; after a commit, Tab takes a correction of an earlier word that the words after
// it clearly re-read (corrections.js). Addresses, URLs, @handles, #tags and numbers with units get no candidates
// (tokens.js, the rule of sentence mode). The language picker lists the server's languages (GET /languages) and
// remembers the choice in localStorage; right-to-left scripts (Urdu, Sindhi) are typed and shown right to left,
// each script in its Noto font. No framework, no build step, no network but this server.
"use strict";

const K = 5; // text/typeahead.py EDITOR_LIST: tuning keeps the required first candidates at this length
const LANG_KEY = "seqlab.lang";
let LANG = null; // the chosen language's code, once GET /languages answered
const editor = document.getElementById("editor");
const picker = document.getElementById("lang");
const list = document.getElementById("suggestions");
const statusLine = document.getElementById("status");
const learnBox = document.getElementById("learn");
const PUNCTUATION = new Set([".", ",", "?", "!", ";", ":", ")", "\"", "'", "\u201d", "\u2019"]); // commit, then go in
const cache = new Map(); // "word|previous words" → Promise of the word's candidates after those words
let open = null; // {start, end, word, prev, items, index} while the dropdown shows
let dismissed = null; // "start:word" the user pressed Esc on: keep it Latin
let committed = null; // {start, end, word, text}: the last commit, while the cursor is still right after it
let readOnly = true;

function say(text) { statusLine.textContent = text; }

function storedLanguage() {
  try { return localStorage.getItem(LANG_KEY); } catch (error) { return null; }
}

// Show the editor in the language's script: direction, font, title; the candidate cache is per language.
function useLanguage(info) {
  LANG = info.code;
  picker.value = info.code;
  const font = `"${info.font}", "Noto Sans", system-ui, sans-serif`;
  for (const element of [editor, list]) {
    element.dir = info.direction;
    element.lang = info.code;
    element.style.fontFamily = font;
  }
  document.getElementById("title").textContent = `Type ${info.name}`;
  document.getElementById("script-name").textContent = `${info.script} (${info.native_name})`;
  document.title = `seqlab — type ${info.name}`;
  try { localStorage.setItem(LANG_KEY, info.code); } catch (error) { /* private mode: not remembered */ }
  open = null;
  render();
}

const ready = fetch("/languages").then((r) => r.json()).then((body) => {
  const languages = body.languages || [];
  picker.replaceChildren(...languages.map((info) => {
    const option = document.createElement("option");
    option.value = info.code;
    option.textContent = `${info.native_name} — ${info.name}`;
    return option;
  }));
  const saved = languages.find((info) => info.code === storedLanguage());
  if (languages.length) useLanguage(saved || languages[0]);
  picker.addEventListener("change", () => {
    useLanguage(languages.find((info) => info.code === picker.value));
    editor.focus();
  });
  picker.disabled = languages.length < 2;
}).catch(() => say("Could not load the list of languages."));

function candidatesOf(word, prev) {
  const key = `${LANG}:${word.toLowerCase()}|${prev.join(" ")}`;
  if (!cache.has(key)) {
    const context = prev.length ? `&prev=${prev.map(encodeURIComponent).join("+")}` : "";
    const request = fetch(`/tl/${LANG}/${encodeURIComponent(word.toLowerCase())}?k=${K}${context}`)
      .then((r) => (r.ok ? r.json() : { result: [] }))
      .then((body) => body.result || [])
      .catch(() => { cache.delete(key); return []; });
    cache.set(key, request);
  }
  return cache.get(key);
}

// The run of Latin letters that ends at the cursor, with the words before it (none when the cursor is inside a
// word or after a non-letter, or the letters are part of an address, URL, handle, tag or number).
function wordAtCursor() {
  if (editor.selectionStart !== editor.selectionEnd) return null;
  const caret = editor.selectionStart;
  const text = editor.value;
  if (/[A-Za-z]/.test(text.charAt(caret))) return null;
  const match = /[A-Za-z]+$/.exec(text.slice(0, caret));
  if (!match) return null;
  const start = caret - match[0].length;
  if (insidePassThrough(text, start, caret)) return null;
  return { start, end: caret, word: match[0], prev: wordsBefore(text, start) };
}

function sameSpan(a, b) {
  return a && b && a.start === b.start && a.word === b.word && a.prev.join(" ") === b.prev.join(" ");
}

// Where the cursor is, in pixels inside the editor's box: a hidden copy of the text up to the cursor.
function caretPosition(position) {
  const style = getComputedStyle(editor);
  const mirror = document.createElement("div");
  for (const name of ["boxSizing", "width", "paddingTop", "paddingRight", "paddingBottom", "paddingLeft",
    "borderTopWidth", "borderRightWidth", "borderBottomWidth", "borderLeftWidth", "fontFamily", "fontSize",
    "fontWeight", "lineHeight", "letterSpacing", "wordSpacing", "textIndent", "tabSize", "direction",
    "textAlign"]) {
    mirror.style[name] = style[name];
  }
  Object.assign(mirror.style, { position: "absolute", visibility: "hidden", whiteSpace: "pre-wrap",
    overflowWrap: "break-word", top: "0", left: "-9999px" });
  mirror.textContent = editor.value.slice(0, position);
  const marker = document.createElement("span");
  marker.textContent = "\u200b";
  mirror.appendChild(marker);
  document.body.appendChild(mirror);
  const top = marker.offsetTop - editor.scrollTop;
  const left = marker.offsetLeft - editor.scrollLeft;
  const height = parseFloat(style.lineHeight) || marker.offsetHeight;
  mirror.remove();
  return { top, left, height };
}

function render() {
  if (!open) {
    list.hidden = true;
    list.replaceChildren();
    editor.setAttribute("aria-expanded", "false");
    editor.removeAttribute("aria-activedescendant");
    return;
  }
  list.replaceChildren(...open.items.map((item, i) => {
    const li = document.createElement("li");
    li.id = `candidate-${i}`;
    li.setAttribute("role", "option");
    li.setAttribute("aria-selected", String(i === open.index));
    if (i === open.items.length - 1) li.className = "latin";
    const number = document.createElement("span");
    number.className = "num";
    number.textContent = String(i + 1);
    li.append(number, document.createTextNode(item));
    li.addEventListener("mousedown", (event) => { event.preventDefault(); commit(open, i, ""); });
    return li;
  }));
  const where = caretPosition(open.start);
  list.hidden = false;
  // Left to right the list hangs from where the word starts; right to left (the word grows leftwards from
  // there) its right edge is at that point, kept inside the editor.
  const x = editor.offsetLeft + where.left;
  const rtl = getComputedStyle(editor).direction === "rtl";
  list.style.left = `${rtl ? Math.max(editor.offsetLeft, x - list.offsetWidth) : x}px`;
  list.style.top = `${editor.offsetTop + where.top + where.height + 2}px`;
  editor.setAttribute("aria-expanded", "true");
  editor.setAttribute("aria-activedescendant", `candidate-${open.index}`);
}

async function refresh() {
  await ready;
  const span = wordAtCursor();
  if (!span || dismissed === `${span.start}:${span.word}`) { open = null; render(); return; }
  const found = await candidatesOf(span.word, span.prev);
  const now = wordAtCursor();
  if (!sameSpan(now, span)) return; // typed on meanwhile
  open = found.length ? { ...span, items: [...found, span.word], index: 0 } : null;
  render();
}

// Replace the word at span with its candidate `index` (the last item is the Latin word itself) plus `suffix`.
async function commit(span, index, suffix) {
  await ready;
  const found = await candidatesOf(span.word, span.prev);
  const items = [...found, span.word];
  const choice = items[Math.min(index, items.length - 1)];
  if (editor.value.slice(span.start, span.end) !== span.word) return; // the text changed under us
  const caret = editor.selectionStart;
  const replacement = choice + suffix;
  editor.setRangeText(replacement, span.start, span.end, "preserve");
  const delta = replacement.length - span.word.length;
  const after = caret >= span.end ? caret + delta : span.start + replacement.length;
  editor.setSelectionRange(after, after);
  committed = { start: span.start, end: after, word: span.word, text: editor.value.slice(span.start, after) };
  open = null;
  render();
  if (choice !== span.word) rememberCommit(span.start, span.word, choice); // corrections.js
  offerCorrections();
  if (learnBox.checked && !readOnly && index > 0 && index < found.length) learn(span.word, choice);
}

async function learn(roman, native) {
  const response = await fetch("/learn", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ lang: LANG, roman, native }) });
  const prefix = `${LANG}:${roman.toLowerCase()}|`;
  for (const key of [...cache.keys()]) if (key.startsWith(prefix)) cache.delete(key);
  say(response.ok ? `Learned: ${roman} → ${native}` : "Could not save the pick");
}

// Backspace right after a commit: the committed word and what followed it (a space, punctuation) give way to the
// Latin word again, with its candidates.
function undoCommit() {
  const last = committed;
  committed = null;
  const caret = editor.selectionStart;
  if (!last || caret !== editor.selectionEnd || caret !== last.end
      || editor.value.slice(last.start, last.end) !== last.text) return false;
  editor.setRangeText(last.word, last.start, last.end, "end");
  dismissed = null;
  refresh();
  return true;
}

editor.addEventListener("keydown", (event) => {
  if (event.isComposing || event.ctrlKey || event.metaKey || event.altKey) return;
  const key = event.key;
  if (key === "Backspace" && undoCommit()) {
    event.preventDefault();
    return;
  }
  if (!["Shift", "CapsLock"].includes(key)) committed = null;
  if (open && (key === "ArrowDown" || key === "ArrowUp")) {
    event.preventDefault();
    const n = open.items.length;
    open.index = (open.index + (key === "ArrowDown" ? 1 : n - 1)) % n;
    render();
  } else if (open && /^[1-9]$/.test(key) && Number(key) <= open.items.length) {
    event.preventDefault();
    commit(open, Number(key) - 1, "");
  } else if (open && key === "Escape") {
    event.preventDefault();
    dismissed = `${open.start}:${open.word}`;
    open = null;
    render();
  } else if (key === " " || key === "Enter" || key === "Tab" || PUNCTUATION.has(key)) {
    const span = wordAtCursor();
    if (!span || dismissed === `${span.start}:${span.word}`) return; // nothing to commit: the key does its usual
    if (key === ":" && /^https?$/i.test(span.word)) return; // a URL's scheme, not a word
    event.preventDefault();
    const index = sameSpan(open, span) ? open.index : 0;
    if (key !== "Enter" && key !== "Tab") { // the space or mark goes in at once: fast typing never loses it
      const caret = editor.selectionStart;
      editor.setRangeText(key, caret, caret, "end");
    }
    commit(span, index, "");
  }
});

editor.addEventListener("input", refresh); // an Esc-kept word stays Latin until it changes (its key changes)
editor.addEventListener("click", refresh);
editor.addEventListener("blur", () => { open = null; render(); });
editor.addEventListener("scroll", () => { if (open) render(); });

document.getElementById("convert-all").addEventListener("click", async () => {
  say("Transliterating…");
  const response = await fetch("/transliterate", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ lang: LANG, text: editor.value }) });
  const body = await response.json();
  if (response.ok) { editor.value = body.result; say(`Transliterated ${body.words} words.`); }
  else say(`Error: ${body.error}`);
  editor.focus();
});

document.getElementById("copy").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText(editor.value);
  } catch (error) {
    editor.select();
    document.execCommand("copy");
  }
  say("Copied.");
});

fetch("/healthz").then((r) => r.json()).then((health) => {
  readOnly = health.read_only;
  learnBox.disabled = readOnly;
  if (readOnly) learnBox.parentElement.title = "This server does not learn (read-only).";
}).catch(() => {});
