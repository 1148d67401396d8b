// The citizens' chat page: sends messages, button presses and files without reloading, shows the
// bot's replies as they come, and asks the server for news every few seconds while the page is
// shown. The conversation lives on the server; this script only mirrors it, so a reload loses
// nothing. Text is always set with textContent (never parsed as HTML).
"use strict";

(function () {
  const app = document.getElementById("app");
  if (!app) return;
  const log = document.getElementById("log");
  const main = document.getElementById("main");
  const notice = document.getElementById("notice");
  const message = document.getElementById("message");
  const upload = document.getElementById("upload");
  const controls = document.getElementById("controls");
  const skip = document.getElementById("skip");
  const word = (name) => app.dataset[name] || "";
  const csrf = word("csrf");
  const POLL_MS = 3000;
  const MAX_TEXT = 2000;
  let last = Number(word("last")) || 0;
  let busy = false;

  function say(text) {
    notice.textContent = text || "";
    notice.hidden = !text;
  }

  function scrollDown() {
    main.scrollTop = main.scrollHeight;
  }

  // Only the buttons under the bot's latest turn can be pressed.
  function retireChoices() {
    log.querySelectorAll('button[data-role="choice"]').forEach((button) => { button.disabled = true; });
  }

  function entryElement(entry) {
    const item = document.createElement("li");
    item.className = "entry " + entry.role;
    item.dataset.role = entry.role;
    item.dataset.id = String(entry.id);
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = entry.role === "bot" ? word("bot") : word("you");
    const text = document.createElement("p");
    text.className = "text";
    text.textContent = entry.text;
    item.append(who, text);
    if (entry.buttons && entry.buttons.length) {
      const form = document.createElement("form");
      form.method = "post";
      form.action = "/chat/choice";
      form.className = "choices";
      form.dataset.send = "";
      for (const button of entry.buttons) {
        const element = document.createElement("button");
        element.dataset.role = "choice";
        element.name = "choice";
        element.value = button.data;
        element.textContent = button.label;
        form.append(element);
      }
      form.addEventListener("submit", submit);
      item.append(form);
    }
    return item;
  }

  function setFile(file) {
    const input = document.getElementById("file");
    if (!file) {
      upload.replaceChildren();
      return;
    }
    if (input && input.accept === file.accept) return;
    const label = document.createElement("label");
    label.htmlFor = "file";
    label.textContent = word("fileLabel");
    const element = document.createElement("input");
    element.type = "file";
    element.id = "file";
    element.name = "file";
    element.accept = file.accept;
    element.dataset.max = String(file.max);
    element.addEventListener("change", send_file);
    upload.replaceChildren(label, element);
  }

  // Shows what the server sent; returns the first new choice button, if any.
  function show(news) {
    if (news.reset) {
      log.replaceChildren();
      last = 0;
    }
    let firstChoice = null;
    for (const entry of news.entries) {
      if (log.querySelector('[data-id="' + entry.id + '"]')) continue;
      if (entry.role === "user") retireChoices();
      const element = entryElement(entry);
      log.append(element);
      if (entry.role === "user") firstChoice = null;
      else firstChoice = firstChoice || element.querySelector('button[data-role="choice"]');
      last = Math.max(last, entry.id);
    }
    if (news.entries.length) {
      setFile(news.file);
      controls.hidden = !news.form;
      skip.hidden = !(news.form && news.form.skip);
      scrollDown();
    }
    return firstChoice;
  }

  async function request(url, options) {
    const headers = Object.assign({ "Accept": "application/json", "X-CSRF-Token": csrf }, options.headers || {});
    const response = await fetch(url, Object.assign({}, options, { headers, credentials: "same-origin" }));
    let body = null;
    try { body = await response.json(); } catch (_) { body = null; }
    if (!response.ok || !body) throw new Error((body && body.notice) || word("offline"));
    return body;
  }

  // Sends a request that adds to the conversation and shows the answer.
  async function exchange(url, options, focusAfter) {
    busy = true;
    say("");
    try {
      const news = await request(url, options);
      const choice = show(news);
      (choice || focusAfter || message).focus();
      return true;
    } catch (error) {
      say(error.message);
      return false;
    } finally {
      busy = false;
    }
  }

  async function submit(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const fields = new URLSearchParams(new FormData(form));
    if (event.submitter && event.submitter.name) fields.set(event.submitter.name, event.submitter.value);
    fields.set("after", String(last));
    if (form.id === "compose") {
      const text = message.value.trim();
      if (!text) return say(word("empty"));
      if (text.length > MAX_TEXT) return say(word("tooLong"));
    }
    const menu = form.closest("details");
    if (menu) menu.open = false;
    const sent = await exchange(form.action, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: fields.toString(),
    });
    if (sent && form.id === "compose") message.value = "";
    if (sent && "reload" in form.dataset) window.location.reload();
  }

  async function send_file(event) {
    const input = event.currentTarget;
    const file = input.files && input.files[0];
    if (!file) return;
    if (file.size > Number(input.dataset.max)) {
      input.value = "";
      return say(word("fileTooLarge"));
    }
    const sent = await exchange("/chat/upload?after=" + last, {
      method: "POST",
      headers: {
        "Content-Type": file.type || "application/octet-stream",
        "X-File-Name": encodeURIComponent(file.name),
      },
      body: file,
    });
    if (!sent) input.value = "";
  }

  async function poll() {
    if (busy || document.hidden) return;
    try {
      show(await request("/chat/history?after=" + last, { method: "GET" }));
    } catch (_) {
      // The next poll tries again; a failed send says so itself.
    }
  }

  document.querySelectorAll("form[data-send]").forEach((form) => form.addEventListener("submit", submit));
  const file = document.getElementById("file");
  if (file) file.addEventListener("change", send_file);
  document.addEventListener("visibilitychange", poll);
  window.setInterval(poll, POLL_MS);
  scrollDown();
})();
