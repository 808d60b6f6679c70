// Chat client: persists nothing itself; the server numbers messages. On reconnect it says which
// number it saw last and resends anything not yet acknowledged (same client_msg_id, stored once).
"use strict";

(function () {
  const root = document.getElementById("chat");
  if (!root) return;
  const me = Number(root.dataset.me);
  const log = document.getElementById("chat-log");
  const status = document.getElementById("chat-status");
  const typingLine = document.getElementById("chat-typing");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const pending = new Map(); // client_msg_id -> body, until acknowledged
  let lastSeq = 0;
  let socket = null;
  let ready = false;
  let lastTyping = 0;
  let typingTimer = null;

  function bubble(id, body, mine) {
    const item = document.createElement("li");
    item.className = "chat-message" + (mine ? " mine" : "");
    item.dataset.id = id;
    const text = document.createElement("p");
    text.textContent = body; // text only: a message can never inject HTML
    const meta = document.createElement("span");
    meta.className = "chat-meta";
    item.append(text, meta);
    log.append(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function show(message) {
    if (message.seq <= lastSeq) return;
    lastSeq = message.seq;
    const mine = message.sender_id === me;
    let item = mine ? log.querySelector(`[data-id="${CSS.escape(message.client_msg_id)}"]`) : null;
    if (!item) item = bubble(message.client_msg_id, message.body, mine);
    item.dataset.seq = String(message.seq);
    item.querySelector(".chat-meta").textContent = "";
    if (!mine && ready) socket.send(JSON.stringify({ type: "read", seq: message.seq }));
  }

  function send(id, body) {
    if (socket && ready) socket.send(JSON.stringify({ type: "send", client_msg_id: id, body: body }));
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/chat/${root.dataset.conversation}`);
    socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "hello", last_seq: lastSeq })));
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === "message") show(frame);
      else if (frame.type === "ready") {
        ready = true;
        status.textContent = root.dataset.textOnline;
        for (const [id, body] of pending) send(id, body);
        if (lastSeq) socket.send(JSON.stringify({ type: "read", seq: lastSeq }));
      } else if (frame.type === "ack") {
        pending.delete(frame.client_msg_id);
      } else if (frame.type === "typing") {
        typingLine.textContent = root.dataset.textTyping;
        clearTimeout(typingTimer);
        typingTimer = setTimeout(() => { typingLine.textContent = ""; }, 4000);
      } else if (frame.type === "read") {
        for (const item of log.querySelectorAll(".chat-message.mine")) {
          if (Number(item.dataset.seq) <= frame.seq) item.querySelector(".chat-meta").textContent = root.dataset.textRead;
        }
      } else if (frame.type === "error") {
        status.textContent = frame.detail;
        if (frame.client_msg_id && frame.code !== "rate_limited") pending.delete(frame.client_msg_id);
      }
    });
    socket.addEventListener("close", () => {
      ready = false;
      status.textContent = root.dataset.textOffline;
      setTimeout(connect, 1500);
    });
  }

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = input.value.trim();
      if (!body) return;
      const id = crypto.randomUUID();
      pending.set(id, body);
      bubble(id, body, true).querySelector(".chat-meta").textContent = root.dataset.textSending;
      input.value = "";
      send(id, body);
    });
    input.addEventListener("input", () => {
      const now = Date.now();
      if (ready && now - lastTyping > 2000) {
        lastTyping = now;
        socket.send(JSON.stringify({ type: "typing" }));
      }
    });
  }
  connect();
})();
