// Lyrics page: POST /lyrics/generate and show the Server-Sent Events as they stream in (fetch + a reader, since
// EventSource cannot POST). The knobs start at the server's defaults (GET /lyrics/info); a model trained with
// artist conditioning gets an artist picker (GET /lyrics/artists).
"use strict";

const form = document.getElementById("lyrics-form");
const output = document.getElementById("output");
const modelStatus = document.getElementById("model-status");
const generateButton = document.getElementById("generate");
const stopButton = document.getElementById("stop");
const NUMBERS = ["max_length", "top_k", "top_p", "temperature", "repetition_penalty"];
let controller = null;

fetch("/lyrics/info").then((r) => r.json()).then((info) => {
  for (const name of NUMBERS) document.getElementById(name).value = info.defaults[name];
  document.getElementById("max_length").max = info.max_length_limit;
  if (!document.getElementById("prompt").value) document.getElementById("prompt").value = info.defaults.prompt;
  modelStatus.textContent = info.loaded ? `Model: ${info.model}` :
    "No lyrics model is loaded: start the server with --lyrics-model DIR (or smollm2-135m).";
  generateButton.disabled = !info.loaded;
  if (info.loaded) loadArtists();
}).catch(() => { modelStatus.textContent = "Cannot reach the server."; });

async function loadArtists() {
  const response = await fetch("/lyrics/artists");
  if (!response.ok) return;
  const { artists } = await response.json();
  const picker = document.getElementById("artist");
  for (const artist of artists) {
    const option = document.createElement("option");
    option.value = artist.name;
    option.textContent = `${artist.name} (${artist.train_songs} songs)`;
    picker.append(option);
  }
  document.getElementById("artist-row").hidden = artists.length === 0;
}

function request() {
  const body = { prompt: document.getElementById("prompt").value };
  for (const name of NUMBERS) body[name] = Number(document.getElementById(name).value);
  const seed = document.getElementById("seed").value;
  if (seed !== "") body.seed = Number(seed);
  const artist = document.getElementById("artist").value;
  if (artist !== "") body.artist = artist;
  return body;
}

function handle(event) { // one SSE event: {name, data}
  const data = JSON.parse(event.data);
  if (event.name === "done") modelStatus.textContent = `Done: ${data.new_tokens} new tokens in ${data.seconds} s.`;
  else if (event.name === "error") modelStatus.textContent = `Error: ${data.error}`;
  else if (event.name === "warning") modelStatus.textContent = data.warning;
  else output.textContent += data.text;
}

function parse(block) {
  const event = { name: "message", data: "" };
  for (const line of block.split("\n")) {
    if (line.startsWith("event: ")) event.name = line.slice(7);
    else if (line.startsWith("data: ")) event.data += line.slice(6);
  }
  return event;
}

form.addEventListener("submit", async (submit) => {
  submit.preventDefault();
  output.textContent = "";
  modelStatus.textContent = "Generating…";
  controller = new AbortController();
  generateButton.disabled = true;
  stopButton.disabled = false;
  try {
    const response = await fetch("/lyrics/generate", { method: "POST", signal: controller.signal,
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(request()) });
    if (!response.ok) {
      modelStatus.textContent = `Error: ${(await response.json()).error}`;
      return;
    }
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        handle(parse(buffer.slice(0, cut)));
        buffer = buffer.slice(cut + 2);
      }
    }
  } catch (error) {
    if (error.name === "AbortError") modelStatus.textContent = "Stopped.";
    else modelStatus.textContent = `Error: ${error.message}`;
  } finally {
    generateButton.disabled = false;
    stopButton.disabled = true;
  }
});

stopButton.addEventListener("click", () => { if (controller) controller.abort(); });
