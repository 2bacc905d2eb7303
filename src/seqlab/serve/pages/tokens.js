// The tokens of running text, as seqlab/translit/text/tokens.py finds them (roman-to-native): e-mail addresses,
// URLs, @handles, #tags and numbers with units pass through untouched; runs of Devanagari stay as they are; runs
// of other letters are the words to transliterate. A mirror of TOKENS["roman-to-native"] in JavaScript (Python's
// \w is a Unicode letter or number, or _); tests/serve/test_browser.py checks it against tokens.py on the same
// texts, so the editor never offers candidates for what sentence mode would leave alone.
"use strict";

const WORD_CHAR = "\\p{L}\\p{N}_"; // Python's \w, inside a character class
const LETTER = "[\\p{L}\\p{Nl}\\p{No}]"; // Python's [^\W\d_]
const TOKEN_PATTERN = new RegExp(
  "(?<url>(?:https?://|www\\.)[^\\s<>\"'`]*[^\\s<>\"'`.,;:!?)\\]}])"
  + `|(?<email>[${WORD_CHAR}.+-]+@[${WORD_CHAR}-]+(?:\\.[${WORD_CHAR}-]+)+)`
  + `|(?<tag>(?<![${WORD_CHAR}@#])[@#][${WORD_CHAR}]+)`
  + `|(?<number>\\p{Nd}+(?:[.,:/]\\p{Nd}+)*(?:${LETTER}+)?)`
  + "|(?<native>[\\u0900-\\u0963\\u0971-\\u097F\\u200c\\u200d]+)"
  + `|(?<word>(?:(?![\\u0900-\\u097F])${LETTER})+)`,
  "gu");

// [{group, text, start, end}] of every token of `text`, in order (what lies between tokens is not listed).
function tokenize(text) {
  const found = [];
  for (const match of text.matchAll(TOKEN_PATTERN)) {
    const group = Object.keys(match.groups).find((name) => match.groups[name] !== undefined);
    found.push({ group, text: match[0], start: match.index, end: match.index + match[0].length });
  }
  return found;
}

// Whether the letters text[start, end) are not a word of their own: inside an address, URL, handle, tag or
// number (its whitespace-separated piece of text is tokenized as sentence mode would), or right after an @ or #
// (an address or handle being typed: `a@b` before its `.com`).
function insidePassThrough(text, start, end) {
  if (/[@#]/.test(text.charAt(start - 1))) return true;
  const from = text.slice(0, start).search(/\S*$/u);
  const rest = text.slice(end).search(/\s|$/u);
  const piece = text.slice(from, end + rest);
  const token = tokenize(piece).find((t) => t.start <= start - from && t.end >= end - from);
  return !token || token.group !== "word" || token.start !== start - from;
}

// The up to two words (Devanagari or Latin, not pass-through tokens) of the line before position `start`.
function wordsBefore(text, start) {
  const line = text.slice(text.lastIndexOf("\n", start - 1) + 1, start);
  return tokenize(line).filter((t) => t.group === "word" || t.group === "native").slice(-2).map((t) => t.text);
}
