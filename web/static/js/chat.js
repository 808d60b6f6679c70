// Chat client: persists nothing itself; the server numbers messages. On reconnect it says which
// number it saw last and resends anything not yet acknowledged (same client_msg_id, stored once).
// Photos go up over HTTP and come back as ordinary message frames; product cards are sent by the
// stylist as a `send` frame with catalog_item_id. Everything a person wrote is put on the page with
// textContent (never innerHTML), so a message can never inject HTML.
"use strict";

(function () {
  const root = document.getElementById("chat");
  if (!root) return;
  const me = Number(root.dataset.me);
  const conversationId = root.dataset.conversation;
  const lang = document.documentElement.lang === "en" ? "en" : "ja";
  const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
  const log = document.getElementById("chat-log");
  const status = document.getElementById("chat-status");
  const typingLine = document.getElementById("chat-typing");
  const unreadBadge = document.getElementById("chat-unread");
  const form = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const photoForm = document.getElementById("chat-photo-form");
  const photoInput = document.getElementById("chat-photo");
  const productSearch = document.getElementById("chat-product-search");
  const productResults = document.getElementById("chat-product-results");
  const pending = new Map(); // client_msg_id -> send frame, until acknowledged
  const baseTitle = document.title;
  let lastSeq = 0;
  let unread = Number(root.dataset.unread || 0);
  let socket = null;
  let ready = false;
  let lastTyping = 0;
  let typingTimer = null;

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function yen(amount) {
    const digits = Number(amount).toLocaleString("en-US");
    return lang === "ja" ? `¥${digits}（税込）` : `¥${digits} (tax incl.)`;
  }

  function productCard(product) {
    const card = el("div", "chat-product");
    const swatch = el("img", "chat-product-swatch");
    swatch.src = product.swatch_url;
    swatch.alt = "";
    swatch.width = 56;
    swatch.height = 56;
    const info = el("div", "chat-product-info");
    const name = el("strong", "chat-product-name", lang === "en" ? product.name_en : product.name_ja);
    const colour = el("span", "chat-product-colour");
    const dot = el("span", "chat-colour-dot");
    if (/^#[0-9a-fA-F]{6}$/.test(product.colour_rgb)) dot.style.backgroundColor = product.colour_rgb;
    colour.append(dot, document.createTextNode((lang === "en" ? product.colour_name_en : product.colour_name_ja) || product.colour_name));
    const price = el("span", "chat-product-price", yen(product.price_yen));
    const sizes = el("span", "chat-product-sizes", `${root.dataset.textSizes}: ${product.sizes.join(" / ")}`);
    info.append(name, colour, price, sizes);
    card.append(swatch, info);
    return card;
  }

  function photo(attachment) {
    const link = el("a", "chat-photo");
    link.href = attachment.url;
    link.target = "_blank";
    link.rel = "noopener";
    const image = el("img");
    image.src = attachment.url;
    image.alt = root.dataset.textPhoto;
    image.loading = "lazy";
    if (attachment.width && attachment.height) {
      image.width = attachment.width;
      image.height = attachment.height;
    }
    link.append(image);
    return link;
  }

  // (Re)draw a bubble's content from a message, or from what is being sent.
  function fill(item, message) {
    const parts = [];
    if (message.attachment) parts.push(photo(message.attachment));
    if (message.product) parts.push(productCard(message.product));
    if (message.body) parts.push(el("p", "", message.body));
    const meta = item.querySelector(".chat-meta") || el("span", "chat-meta");
    item.replaceChildren(...parts, meta);
  }

  function bubble(id, message, mine) {
    const item = el("li", "chat-message" + (mine ? " mine" : ""));
    item.dataset.id = id;
    fill(item, message);
    log.append(item);
    item.scrollIntoView({ block: "end" });
    return item;
  }

  function showUnread() {
    unreadBadge.hidden = unread === 0;
    unreadBadge.textContent = root.dataset.textUnread.replace("{n}", String(unread));
    document.title = unread ? `(${unread}) ${baseTitle}` : baseTitle;
  }

  function markRead() {
    if (!ready || document.visibilityState !== "visible") return;
    if (lastSeq) socket.send(JSON.stringify({ type: "read", seq: lastSeq }));
    unread = 0;
    showUnread();
  }

  function show(message) {
    if (message.seq <= lastSeq) return;
    lastSeq = message.seq;
    const mine = message.sender_id === me;
    let item = mine ? log.querySelector(`[data-id="${CSS.escape(message.client_msg_id)}"]`) : null;
    if (item) fill(item, message);
    else item = bubble(message.client_msg_id, message, mine);
    item.dataset.seq = String(message.seq);
    item.classList.remove("failed");
    item.querySelector(".chat-meta").textContent = "";
    if (!mine && ready) {
      if (document.visibilityState === "visible") markRead();
      else {
        unread += 1;
        showUnread();
      }
    }
  }

  function send(frame) {
    if (socket && ready) socket.send(JSON.stringify(frame));
  }

  function queue(frame, preview) {
    pending.set(frame.client_msg_id, frame);
    bubble(frame.client_msg_id, preview, true).querySelector(".chat-meta").textContent = root.dataset.textSending;
    send(frame);
  }

  function failed(clientMsgId, detail) {
    const item = log.querySelector(`[data-id="${CSS.escape(clientMsgId)}"]`);
    if (!item || item.dataset.seq) return;
    item.classList.add("failed");
    item.querySelector(".chat-meta").textContent = `${root.dataset.textNotSent}: ${detail}`;
  }

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/chat/${conversationId}`);
    socket.addEventListener("open", () => socket.send(JSON.stringify({ type: "hello", last_seq: lastSeq })));
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(event.data);
      if (frame.type === "message") {
        if (frame.sender_id !== me) {  // whoever was typing has sent it
          clearTimeout(typingTimer);
          typingLine.textContent = "";
        }
        show(frame);
      } else if (frame.type === "ready") {
        ready = true;
        status.textContent = root.dataset.textOnline;
        for (const waiting of pending.values()) send(waiting);
        unread = frame.unread || 0;
        showUnread();
        markRead();
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
        if (frame.client_msg_id && frame.code !== "rate_limited") {
          pending.delete(frame.client_msg_id);
          failed(frame.client_msg_id, frame.detail);
        }
      }
    });
    socket.addEventListener("close", () => {
      ready = false;
      status.textContent = root.dataset.textOffline;
      setTimeout(connect, 1500);
    });
  }

  async function upload(file) {
    const id = crypto.randomUUID();
    const item = bubble(id, { body: "" }, true);
    item.querySelector(".chat-meta").textContent = root.dataset.textUploading;
    const body = new FormData();
    body.append("client_msg_id", id);
    body.append("file", file);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      let response;
      try {
        response = await fetch(`/api/v1/conversations/${conversationId}/attachments`, {
          method: "POST",
          body: body,
          headers: { "X-CSRF-Token": csrf },
          credentials: "same-origin",
        });
      } catch (networkError) {
        await new Promise((resolve) => setTimeout(resolve, 2000)); // same id: stored once
        continue;
      }
      if (response.ok) return; // the message itself arrives over the socket, in order
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch (ignored) { /* not JSON */ }
      failed(id, detail);
      status.textContent = detail;
      return;
    }
    failed(id, root.dataset.textOffline);
  }

  function productResult(product) {
    const row = el("li", "chat-product-result");
    const button = el("button", "button", root.dataset.textSendCard);
    button.type = "button";
    button.addEventListener("click", () => {
      const id = crypto.randomUUID();
      queue({ type: "send", client_msg_id: id, catalog_item_id: product.id, body: "" }, { product: product });
    });
    row.append(productCard(product), button);
    return row;
  }

  let searchTimer = null;
  async function searchProducts() {
    const query = productSearch.value.trim();
    const response = await fetch(
      `/api/v1/conversations/${conversationId}/products?q=${encodeURIComponent(query)}`,
      { credentials: "same-origin" },
    );
    if (!response.ok) return;
    const products = await response.json();
    if (!products.length) productResults.replaceChildren(el("li", "muted small", root.dataset.textNoProducts));
    else productResults.replaceChildren(...products.map(productResult));
  }

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = input.value.trim();
      if (!body) return;
      const id = crypto.randomUUID();
      queue({ type: "send", client_msg_id: id, body: body }, { body: body });
      input.value = "";
    });
    input.addEventListener("input", () => {
      const now = Date.now();
      if (ready && now - lastTyping > 2000) {
        lastTyping = now;
        socket.send(JSON.stringify({ type: "typing" }));
      }
    });
  }
  if (photoForm) {
    photoForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const file = photoInput.files && photoInput.files[0];
      if (!file) return;
      photoInput.value = "";
      upload(file);
    });
  }
  if (productSearch) {
    productSearch.addEventListener("input", () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(searchProducts, 250);
    });
    document.getElementById("chat-products").addEventListener("toggle", (event) => {
      if (event.target.open && !productResults.children.length) searchProducts();
    });
  }
  document.addEventListener("visibilitychange", markRead);
  showUnread();
  connect();
})();
