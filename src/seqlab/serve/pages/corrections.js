// One-key corrections for the type-ahead editor (issue 21). Each word is committed with only the words before it;
// after every commit the last REREAD words of the line go to POST /reread, which reads them jointly as sentence
// mode does and answers the earlier ones it clearly reads otherwise (margin at least the server's
// --reread-margin). Those words are underlined, with their new reading in a small hint: Tab applies them all,
// any other key ignores them (an ignored reading is not offered again). Accepting every offer lowered the
// first-candidate WER of typing the report half of the Hindi dev sentences (README: Type-ahead). Loaded before
// editor.js so that its key handler sees a key first; editor.js calls rememberCommit and offerCorrections.
"use strict";

const REREAD = 4; // the window typeahead_keystrokes.py --corrections 4 measured (at most text/reread.py MAX_REREAD)
const REMEMBERED = 50; // commits kept for their Latin words: far more than a window reaches
const correctionBox = document.getElementById("correction");
const correctionHint = document.getElementById("correction-hint");
const commits = []; // {start, word, text}: Latin words committed in the native script, while they stand there
const ignoredReadings = new Set(); // "start:from:to" of readings the user typed on over
let offered = null; // {items: [{start, end, text, to}]} while the hint shows

// editor.js, at each commit: the Latin word `word` now stands as `text` at `start`.
function rememberCommit(start, word, text) {
  const value = document.getElementById("editor").value;
  const standing = commits.filter((c) => c.start !== start && value.slice(c.start, c.start + c.text.length) === c.text);
  commits.splice(0, commits.length, ...standing.slice(-REMEMBERED), { start, word: word.toLowerCase(), text });
}

function readingKey(item) { return `${item.start}:${item.text}:${item.to}`; }

// After a commit: ask which of the line's last words the words after them read otherwise, and offer those.
async function offerCorrections() {
  const editor = document.getElementById("editor");
  const value = editor.value;
  const caret = editor.selectionStart;
  const lineStart = value.lastIndexOf("\n", caret - 1) + 1;
  const words = tokenize(value.slice(lineStart, caret)).filter((t) => t.group === "word" || t.group === "native");
  const tail = words.slice(-(REREAD + 1));
  const rows = tail.slice(-REREAD).map((t) => {
    const start = lineStart + t.start;
    const known = commits.find((c) => c.start === start && c.text === t.text);
    return { start, end: start + t.text.length, text: t.text, typed: known ? known.word : t.text };
  });
  if (rows.length < 2 || rows.every((row) => row.typed === row.text)) return;
  const body = { lang: LANG, words: rows.map((row) => row.typed), committed: rows.map((row) => row.text) };
  if (tail.length > REREAD) body.before = tail[0].text;
  let result = [];
  try {
    const response = await fetch("/reread", { method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body) });
    result = response.ok ? (await response.json()).result || [] : [];
  } catch (error) {
    return; // no correction is no harm
  }
  if (editor.value !== value || editor.selectionStart !== caret) return; // typed on meanwhile
  const items = result.map((found) => ({ ...rows[found.index], to: found.word }))
    .filter((item) => !ignoredReadings.has(readingKey(item)));
  offered = items.length ? { items } : null;
  showCorrections();
}

function showCorrections() {
  for (const mark of correctionBox.querySelectorAll(".mark")) mark.remove();
  if (!offered) { correctionBox.hidden = true; correctionHint.textContent = ""; return; }
  const editor = document.getElementById("editor");
  for (const item of offered.items) { // underline each word (caretPosition: editor.js)
    const from = caretPosition(item.start);
    const to = caretPosition(item.end);
    const mark = document.createElement("div");
    mark.className = "mark";
    Object.assign(mark.style, { left: `${editor.offsetLeft + Math.min(from.left, to.left)}px`,
      top: `${editor.offsetTop + from.top + from.height - 3}px`, width: `${Math.abs(to.left - from.left)}px` });
    correctionBox.appendChild(mark);
  }
  const first = caretPosition(offered.items[0].start);
  correctionHint.replaceChildren(document.createTextNode(
    offered.items.map((item) => `${item.text} → ${item.to}`).join(", ") + " "), Object.assign(
    document.createElement("kbd"), { textContent: "Tab" }));
  correctionHint.style.left = `${editor.offsetLeft + first.left}px`;
  correctionHint.style.top = `${editor.offsetTop + first.top + first.height + 4}px`;
  correctionBox.hidden = false;
}

// Put the offered readings in (the last first, so the earlier positions hold) and keep the remembered commits
// where their words now stand.
function applyCorrections(items) {
  const editor = document.getElementById("editor");
  if (items.some((item) => editor.value.slice(item.start, item.end) !== item.text)) return;
  for (const item of [...items].reverse()) {
    editor.setRangeText(item.to, item.start, item.end, "preserve");
    const delta = item.to.length - item.text.length;
    for (const c of commits) {
      if (c.start === item.start) c.text = item.to;
      else if (c.start > item.start) c.start += delta;
    }
  }
  say(`Corrected: ${items.map((item) => `${item.text} → ${item.to}`).join(", ")}`);
}

document.getElementById("editor").addEventListener("keydown", (event) => {
  if (!offered || event.isComposing || ["Shift", "CapsLock", "Control", "Alt", "Meta"].includes(event.key)) return;
  const items = offered.items;
  offered = null;
  showCorrections();
  if (event.key === "Tab" && !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey) {
    event.preventDefault();
    event.stopImmediatePropagation(); // the editor's own Tab (commit the word at the cursor) has nothing to do
    applyCorrections(items);
  } else {
    for (const item of items) ignoredReadings.add(readingKey(item));
  }
});
document.getElementById("editor").addEventListener("blur", () => { offered = null; showCorrections(); });
