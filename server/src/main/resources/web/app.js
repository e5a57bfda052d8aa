// Iris web page: pick an image, ask, read the answer as it streams (fetch + SSE parsing).
"use strict";

const KEY_STORE = "iris.apiKey";
const $ = (id) => document.getElementById(id);
const el = {
  modelName: $("model-name"), state: $("server-state"),
  keyPanel: $("key-panel"), keyForm: $("key-form"), keyInput: $("api-key"), forgetKey: $("forget-key"), keyHelp: $("key-help"),
  form: $("ask"), drop: $("drop"), file: $("image-input"), preview: $("preview"), clearImage: $("clear-image"),
  prompt: $("prompt"), temperature: $("temperature"), temperatureValue: $("temperature-value"), maxTokens: $("max-tokens"),
  send: $("send"), stop: $("stop"), answer: $("answer"), usage: $("usage"), message: $("message"), report: $("report"),
};

let model = "iris";
let imageDataUrl = null;
let imageName = null;       // the chosen file's name, shown in a report
let controller = null;
let last = null;   // the last finished exchange, for the report
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

function setImage(file) {
  if (!file) return;
  if (file.type !== "image/png" && file.type !== "image/jpeg") {
    showMessage("Please choose a PNG or JPEG image (this one is " + (file.type || "of an unknown type") + ").");
    return;
  }
  const reader = new FileReader();
  reader.onload = () => {
    imageDataUrl = reader.result;
    imageName = file.name;
    el.preview.src = imageDataUrl;
    el.preview.alt = "Chosen image: " + file.name;
    el.preview.hidden = false;
    el.clearImage.hidden = false;
    showMessage("");
  };
  reader.onerror = () => showMessage("Could not read " + file.name + ".");
  reader.readAsDataURL(file);
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
el.clearImage.addEventListener("click", clearImage);
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

// ---------------------------------------------------------------- asking

el.temperature.addEventListener("input", () => {
  el.temperatureValue.textContent = Number(el.temperature.value).toFixed(1);
});

function busy(on) {
  el.send.disabled = on;
  el.stop.disabled = !on;
  el.answer.setAttribute("aria-busy", on ? "true" : "false");
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

async function ask(event) {
  event.preventDefault();
  const prompt = el.prompt.value.trim();
  if (!prompt) { showMessage("Write a prompt first."); el.prompt.focus(); return; }
  const maxTokens = parseInt(el.maxTokens.value, 10);
  if (!(maxTokens >= 1)) { showMessage("Max tokens must be a whole number of at least 1."); el.maxTokens.focus(); return; }
  const temperature = Number(el.temperature.value);

  const content = [{ type: "text", text: prompt }];
  if (imageDataUrl) content.push({ type: "image_url", image_url: { url: imageDataUrl } });
  const request = {
    model, stream: true, stream_options: { include_usage: true },
    temperature, max_tokens: maxTokens,
    messages: [{ role: "user", content }],
  };

  showMessage("");
  el.answer.textContent = "";
  el.usage.textContent = "";
  el.answer.dataset.state = "streaming";
  el.report.disabled = true;
  busy(true);
  controller = new AbortController();
  let text = "", finish = null;
  try {
    const resp = await fetch("v1/chat/completions", {
      method: "POST", headers: headers(true), body: JSON.stringify(request), signal: controller.signal,
    });
    if (!resp.ok) {
      if (resp.status === 401) needKey("The server refused the API key: enter the right one.");
      throw new Error(await errorText(resp));
    }
    await readEvents(resp.body, (data) => {
      if (data === "[DONE]") return false;
      const chunk = JSON.parse(data);
      if (chunk.error) throw new Error("Error: " + chunk.error.message);
      const choice = chunk.choices && chunk.choices[0];
      if (choice && choice.delta && choice.delta.content) {
        text += choice.delta.content;
        el.answer.textContent = text;
      }
      if (choice && choice.finish_reason) finish = choice.finish_reason;
      if (chunk.usage) {
        el.usage.textContent = chunk.usage.prompt_tokens + " prompt + " + chunk.usage.completion_tokens + " answer tokens"
          + (finish === "length" ? " (stopped at the token limit)" : "");
      }
      return true;
    });
    // a report shows the model's findings on an image: offered only when there was one
    last = imageDataUrl ? { prompt, findings: text, image: imageDataUrl, image_name: imageName, temperature, max_tokens: maxTokens } : null;
    el.report.disabled = !last;
    el.answer.dataset.state = "done";
  } catch (e) {
    el.answer.dataset.state = "error";
    if (e.name === "AbortError") {
      showMessage("Stopped.");
    } else {
      showMessage(e.message || String(e));
    }
  } finally {
    busy(false);
    controller = null;
  }
}

el.form.addEventListener("submit", ask);
el.stop.addEventListener("click", () => { if (controller) controller.abort(); });
el.prompt.addEventListener("keydown", (e) => {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) el.form.requestSubmit();
});

// ---------------------------------------------------------------- report

el.report.addEventListener("click", async () => {
  if (!last) return;
  el.report.disabled = true;
  showMessage("");
  try {
    const resp = await fetch("v1/reports", {
      method: "POST", headers: headers(true), body: JSON.stringify(last),
    });
    if (!resp.ok) {
      if (resp.status === 401) needKey("The server refused the API key: enter the right one.");
      throw new Error("The report could not be made. " + await errorText(resp));
    }
    const blob = await resp.blob();
    const url = URL.createObjectURL(blob);
    const a = document.createElement("a");
    a.href = url;
    a.download = "iris-report.pdf";
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (e) {
    showMessage(e.message || String(e));
  } finally {
    el.report.disabled = false;
  }
});

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
