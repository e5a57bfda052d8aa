// Iris web page: a chat about an image. Every request sends the whole history as OpenAI `messages`
// (the image as a data-URL part of the turn it was attached to); answers stream in (fetch + SSE parsing).
"use strict";

const KEY_STORE = "iris.apiKey";
const $ = (id) => document.getElementById(id);
const el = {
  modelName: $("model-name"), state: $("server-state"),
  keyPanel: $("key-panel"), keyForm: $("key-form"), keyInput: $("api-key"), forgetKey: $("forget-key"), keyHelp: $("key-help"),
  form: $("ask"), drop: $("drop"), file: $("image-input"), preview: $("preview"), clearImage: $("clear-image"),
  prompt: $("prompt"), temperature: $("temperature"), temperatureValue: $("temperature-value"), maxTokens: $("max-tokens"),
  send: $("send"), stop: $("stop"), message: $("message"), history: $("history"), emptyChat: $("empty-chat"), newChat: $("new-chat"),
};

let model = "iris";
let imageDataUrl = null;   // the image picked for the next message (not sent yet)
let imageName = null;       // the chosen file's name, shown in a report
let controller = null;
// the conversation so far: {role: "user", text, image, imageName} and {role: "assistant", text}
let turns = [];
let answers = 0;            // assistant answers shown, for their labels
let memoryKey = "";   // used when the browser refuses localStorage

function apiKey() {
  try { return localStorage.getItem(KEY_STORE) || memoryKey; } catch (e) { return memoryKey; }
}

function headers(json) {
  const h = {};
  if (json) h["Content-Type"] = "application/json";
  const key = apiKey();
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

function showMessage(text) {
  el.message.textContent = text;
  el.message.hidden = !text;
}

/** The message of an error response in OpenAI's shape, or a readable fallback. */
async function errorText(resp) {
  let detail = "";
  try {
    const body = await resp.json();
    detail = body && body.error && body.error.message ? body.error.message : "";
  } catch (e) { /* not JSON */ }
  const retry = resp.headers.get("Retry-After");
  const status = resp.status + (resp.statusText ? " " + resp.statusText : "");
  return "Error " + status + (detail ? ": " + detail : "") + (retry ? " (try again in " + retry + " s)" : "");
}

function needKey(why) {
  el.keyPanel.hidden = false;
  el.keyHelp.textContent = why;
  el.keyInput.focus();
}

async function checkServer() {
  try {
    const resp = await fetch("v1/models", { headers: headers(false) });
    if (resp.status === 401) {
      el.state.textContent = "API key needed";
      needKey(apiKey() ? "The saved API key was refused. Enter the right one." : "This server needs an API key. It is kept in this browser (localStorage) only.");
      return;
    }
    if (resp.ok) {
      const body = await resp.json();
      if (body.data && body.data.length) model = body.data[0].id;
      el.modelName.textContent = model;
      el.keyPanel.hidden = true;
    }
    const ready = await fetch("ready", { headers: headers(false) });
    el.state.textContent = ready.ok ? "ready" : "loading the model…";
    if (!ready.ok) setTimeout(checkServer, 3000);
  } catch (e) {
    el.state.textContent = "server unreachable";
  }
}

// ---------------------------------------------------------------- image

/** The latest user turn of this chat that carries an image, if any: the image a new answer reads last. */
function latestImageTurn() {
  return turns.findLast((t) => t.role === "user" && t.image) || null;
}

const TOO_MANY_IMAGES = "This chat has more images than the server accepts: press \u201cNew chat\u201d to ask about another image.";

function setImage(file) {
  if (!file) return;
  if (file.type !== "image/png" && file.type !== "image/jpeg") {
    showMessage("Please choose a PNG or JPEG image (this one is " + (file.type || "of an unknown type") + ").");
    return;
  }
  const reader = new FileReader();
  reader.onload = () => showImage(reader.result, file.name);
  reader.onerror = () => showMessage("Could not read " + file.name + ".");
  reader.readAsDataURL(file);
}

function showImage(dataUrl, name) {
  imageDataUrl = dataUrl;
  imageName = name;
  el.preview.src = dataUrl;
  el.preview.alt = "Chosen image: " + name;
  el.preview.hidden = false;
  el.clearImage.hidden = false;
  el.newChat.disabled = false;
  showMessage("");
}

function clearImage() {
  imageDataUrl = null;
  imageName = null;
  el.file.value = "";
  el.preview.removeAttribute("src");
  el.preview.alt = "";
  el.preview.hidden = true;
  el.clearImage.hidden = true;
}

el.file.addEventListener("change", () => setImage(el.file.files[0]));
el.clearImage.addEventListener("click", () => { clearImage(); el.drop.focus(); });
el.drop.addEventListener("keydown", (e) => {
  if (e.key === "Enter" || e.key === " ") { e.preventDefault(); el.file.click(); }
});
for (const type of ["dragenter", "dragover"]) {
  el.drop.addEventListener(type, (e) => { e.preventDefault(); el.drop.classList.add("over"); });
}
for (const type of ["dragleave", "drop"]) {
  el.drop.addEventListener(type, (e) => { e.preventDefault(); el.drop.classList.remove("over"); });
}
el.drop.addEventListener("drop", (e) => {
  const file = e.dataTransfer && e.dataTransfer.files[0];
  if (file) setImage(file);
});

// ---------------------------------------------------------------- history

function node(tag, className, text) {
  const n = document.createElement(tag);
  if (className) n.className = className;
  if (text !== undefined) n.textContent = text;
  return n;
}

/** A user turn in the history: who, the image when one was attached to it, the text. */
function showUserTurn(turn) {
  const li = node("li", "turn user");
  li.appendChild(node("span", "who", "You"));
  if (turn.image) {
    const img = node("img", "thumb");
    img.src = turn.image;
    img.alt = "Image attached to this message: " + turn.imageName;
    li.appendChild(img);
  }
  li.appendChild(node("p", "text", turn.text));
  el.history.appendChild(li);
  return li;
}

/** An assistant turn: its streamed text, usage, and the report button. */
function showAnswerTurn(number) {
  const li = node("li", "turn assistant");
  li.dataset.answer = String(number);
  li.appendChild(node("span", "who", "Iris"));
  const answer = node("div", "answer");
  answer.id = "answer-" + number;
  answer.dataset.state = "streaming";
  answer.setAttribute("aria-busy", "true");
  li.appendChild(answer);
  const usage = node("p", "usage muted");
  li.appendChild(usage);
  const report = node("button", "report secondary small", "Download PDF report");
  report.type = "button";
  report.disabled = true;
  report.setAttribute("aria-label", "Download PDF report of answer " + number);
  li.appendChild(report);
  el.history.appendChild(li);
  return { li, answer, usage, report };
}

function updateEmpty() {
  el.emptyChat.hidden = turns.length > 0;
  el.newChat.disabled = turns.length === 0 && !imageDataUrl && !controller;
}

/** The history as OpenAI `messages`: the image, when there is one, as a data-URL part of the turn it came with. */
function toMessages(list) {
  return list.map((t) => {
    if (t.role !== "user" || !t.image) return { role: t.role, content: t.text };
    return { role: "user", content: [{ type: "text", text: t.text }, { type: "image_url", image_url: { url: t.image } }] };
  });
}

el.newChat.addEventListener("click", () => {
  if (controller) controller.abort();
  turns = [];
  answers = 0;
  el.history.replaceChildren();
  clearImage();
  el.prompt.value = "";
  showMessage("");
  updateEmpty();
  el.prompt.focus();
});

// ---------------------------------------------------------------- asking

el.temperature.addEventListener("input", () => {
  el.temperatureValue.textContent = Number(el.temperature.value).toFixed(1);
});

function busy(on) {
  el.send.disabled = on;
  el.stop.disabled = !on;
}

/** Reads Server-Sent Events from a fetch body; calls onData with each event's data text. */
async function readEvents(body, onData) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).replace(/^ /, "")).join("\n");
      if (data && onData(data) === false) return;
    }
  }
}

/** An error response's text; the server's refusal of too many images is said in the page's words. */
async function requestError(resp) {
  const clone = resp.clone();
  try {
    const body = await clone.json();
    if (body && body.error && body.error.code === "too_many_images") return TOO_MANY_IMAGES + " (" + body.error.message + ")";
  } catch (e) { /* not JSON */ }
  return errorText(resp);
}

async function ask(event) {
  event.preventDefault();
  if (controller) return;
  const prompt = el.prompt.value.trim();
  if (!prompt) { showMessage("Write a message first."); el.prompt.focus(); return; }
  const maxTokens = parseInt(el.maxTokens.value, 10);
  if (!(maxTokens >= 1)) { showMessage("Max tokens must be a whole number of at least 1."); el.maxTokens.focus(); return; }
  const temperature = Number(el.temperature.value);

  const userTurn = { role: "user", text: prompt, image: imageDataUrl, imageName };
  const request = {
    model, stream: true, stream_options: { include_usage: true },
    temperature, max_tokens: maxTokens,
    messages: toMessages(turns.concat([userTurn])),
  };
  // the image a report of this answer shows: the one attached to this turn, else the latest earlier one
  const seen = userTurn.image ? userTurn : latestImageTurn();

  showMessage("");
  const userNode = showUserTurn(userTurn);
  const shown = showAnswerTurn(answers + 1);
  el.emptyChat.hidden = true;
  shown.li.scrollIntoView({ block: "nearest" });
  el.prompt.value = "";
  clearImage();
  busy(true);
  controller = new AbortController();
  el.newChat.disabled = false;
  let text = "", finish = null, failure = null;
  try {
    const resp = await fetch("v1/chat/completions", {
      method: "POST", headers: headers(true), body: JSON.stringify(request), signal: controller.signal,
    });
    if (!resp.ok) {
      if (resp.status === 401) needKey("The server refused the API key: enter the right one.");
      throw new Error(await requestError(resp));
    }
    await readEvents(resp.body, (data) => {
      if (data === "[DONE]") return false;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new Error("Error: " + chunk.error.message);
      const choice = chunk.choices && chunk.choices[0];
      if (choice && choice.delta && choice.delta.content) {
        text += choice.delta.content;
        shown.answer.textContent = text;
      }
      if (choice && choice.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) {
        shown.usage.textContent = chunk.usage.prompt_tokens + " prompt + " + chunk.usage.completion_tokens + " answer tokens"
          + (finish === "length" ? " (stopped at the token limit)" : "");
      }
      return true;
    });
  } catch (e) {
    failure = e;
  }
  controller = null;
  busy(false);
  shown.answer.setAttribute("aria-busy", "false");
  const cleared = !userNode.isConnected;   // "New chat" was pressed while the answer streamed
  if (failure && !text) {
    // nothing was answered: the turn leaves the history, and its text and image go back to the form
    userNode.remove();
    shown.li.remove();
    if (!cleared) {
      el.prompt.value = prompt;
      if (userTurn.image) showImage(userTurn.image, userTurn.imageName);
    }
  } else if (!cleared) {
    // an answer stopped part-way stays in the history as far as it got
    turns.push(userTurn, { role: "assistant", text });
    answers++;
    shown.answer.dataset.state = failure ? "stopped" : "done";
    if (failure) shown.usage.textContent = "(stopped part-way)";
    offerReport(shown.report, { prompt, findings: text, image: seen && seen.image, image_name: seen && seen.imageName, temperature, max_tokens: maxTokens }, answers);
  }
  if (failure && !cleared) showMessage(failure.name === "AbortError" ? "Stopped." : (failure.message || String(failure)));
  updateEmpty();
  if (!cleared) el.prompt.focus();
}

el.form.addEventListener("submit", ask);
el.stop.addEventListener("click", () => { if (controller) controller.abort(); });
el.prompt.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) el.form.requestSubmit();
  if (e.key === "Escape" && controller) controller.abort();
});

// ---------------------------------------------------------------- report

/** The report button of one answer: a PDF of that answer with its question and the chat's image (a report needs an image). */
function offerReport(button, exchange, number) {
  if (!exchange.image) {
    button.textContent = "PDF report (needs an image)";
    button.setAttribute("aria-label", "PDF report of answer " + number + ": needs an image");
    button.title = "A report shows the model's findings on an image; no image was attached before this answer.";
    return;
  }
  button.disabled = false;
  button.addEventListener("click", async () => {
    button.disabled = true;
    showMessage("");
    try {
      const resp = await fetch("v1/reports", {
        method: "POST", headers: headers(true), body: JSON.stringify(exchange),
      });
      if (!resp.ok) {
        if (resp.status === 401) needKey("The server refused the API key: enter the right one.");
        throw new Error("The report could not be made. " + await errorText(resp));
      }
      const blob = await resp.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = "iris-report-" + number + ".pdf";
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    } catch (e) {
      showMessage(e.message || String(e));
    } finally {
      button.disabled = false;
    }
  });
}

// ---------------------------------------------------------------- API key

el.keyForm.addEventListener("submit", (e) => {
  e.preventDefault();
  memoryKey = el.keyInput.value.trim();
  try { localStorage.setItem(KEY_STORE, memoryKey); } catch (err) { /* storage off: the key lasts while the page is open */ }
  el.keyInput.value = "";
  showMessage("");
  checkServer();
});
el.forgetKey.addEventListener("click", () => {
  memoryKey = "";
  try { localStorage.removeItem(KEY_STORE); } catch (err) { /* nothing stored */ }
  el.keyInput.value = "";
  checkServer();
});

checkServer();
