// Chat client: persists nothing itself; the server numbers messages. On reconnect it says which
// number it saw last and resends anything not yet acknowledged (same client_msg_id, stored once).
// Photos go up over HTTP and come back as ordinary message frames; product cards are sent by the
// stylist as a `send` frame with catalog_item_id. Everything a person wrote is put on the page with
// textContent (never innerHTML), so a message can never inject HTML.
//
// Every message reaches the page through show(): the history replayed after `hello`, live ones,
// and those caught up after a reconnect. So times (HH:MM) and day separators (today / yesterday /
// a date in the UI language) are drawn in one place, always in the store's time zone.
//
// Enter: on a device whose main pointer is fine (mouse, trackpad) Enter sends and Shift+Enter
// starts a new line, as in desktop chat apps. On a coarse pointer (a phone's touch screen and its
// virtual keyboard) Enter starts a new line and the Send button sends, as in LINE or WhatsApp on a
// phone: there is no Shift key there, and a stray Enter must not send half a message. Ctrl/Cmd+Enter
// sends everywhere. An Enter that commits IME text (Japanese kana→kanji) never sends: it arrives with
// isComposing, or (Safari) with keyCode 229 right after compositionend.
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
  const photoButton = document.getElementById("chat-photo-button");
  const photoInput = document.getElementById("chat-photo");
  const photoError = document.getElementById("chat-photo-error");
  const enterHint = document.getElementById("chat-enter-hint");
  const productSearch = document.getElementById("chat-product-search");
  const productResults = document.getElementById("chat-product-results");
  const pending = new Map(); // client_msg_id -> send frame, until acknowledged
  const baseTitle = document.title;
  const coarse = window.matchMedia("(pointer: coarse)");
  let lastSeq = 0;
  let unread = Number(root.dataset.unread || 0);
  let socket = null;
  let ready = false;
  let lastTyping = 0;
  let typingTimer = null;
  let composing = false;
  let stuck = true; // the log is scrolled to the newest message (keep it there as it resizes)

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ---- times and days, in the store's zone

  const zone = root.dataset.timeZone || "Asia/Tokyo";
  const intlLocale = lang === "en" ? "en-GB" : "ja-JP";
  const clock = new Intl.DateTimeFormat(intlLocale, {
    hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: zone,
  });
  const calendar = new Intl.DateTimeFormat("en-US", {
    year: "numeric", month: "2-digit", day: "2-digit", timeZone: zone,
  });

  function dayKey(moment) { // "2026-12-04": the store's calendar day of an instant
    const parts = {};
    for (const part of calendar.formatToParts(moment)) parts[part.type] = part.value;
    return `${parts.year}-${parts.month}-${parts.day}`;
  }

  function keyToNoonUtc(key) {
    const [year, month, day] = key.split("-").map(Number);
    return new Date(Date.UTC(year, month - 1, day, 12));
  }

  function dayLabel(key) {
    const today = dayKey(new Date());
    if (key === today) return root.dataset.textToday;
    const yesterday = keyToNoonUtc(today);
    yesterday.setUTCDate(yesterday.getUTCDate() - 1); // calendar days: no DST surprises
    if (key === yesterday.toISOString().slice(0, 10)) return root.dataset.textYesterday;
    const options = { month: "short", day: "numeric", weekday: "short", timeZone: "UTC" };
    if (key.slice(0, 4) !== today.slice(0, 4)) options.year = "numeric";
    return new Intl.DateTimeFormat(intlLocale, options).format(keyToNoonUtc(key));
  }

  function relabelDays() { // "today" becomes "yesterday" when the page stays open overnight
    for (const separator of log.querySelectorAll(".chat-day")) {
      separator.firstChild.textContent = dayLabel(separator.dataset.day);
    }
  }

  function daySeparator(key) {
    const item = el("li", "chat-day");
    item.dataset.day = key;
    const label = el("time", "", dayLabel(key));
    label.dateTime = key;
    item.append(label);
    return item;
  }

  function stamp(item, createdAt) {
    const moment = new Date(createdAt);
    if (Number.isNaN(moment.getTime())) return;
    const time = item.querySelector(".chat-time");
    time.dateTime = moment.toISOString();
    time.textContent = clock.format(moment);
    item.dataset.day = dayKey(moment);
  }

  // ---- scrolling: the newest message stays in view (new messages, keyboard opening, rotation)

  function atBottom() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 32;
  }

  function toBottom() {
    log.scrollTop = log.scrollHeight;
    stuck = true;
  }

  log.addEventListener("scroll", () => { stuck = atBottom(); }, { passive: true });
  if (window.ResizeObserver) {
    new ResizeObserver(() => { if (stuck) toBottom(); }).observe(log);
  }
  // On phones the conversation page is a screen-high shell; iOS Safari does not shrink the layout
  // for the virtual keyboard, so the shell follows the visual viewport (see .chat-screen in app.css).
  if (window.visualViewport && document.body.classList.contains("chat-screen")) {
    const fit = () => {
      if (Math.abs(window.visualViewport.scale - 1) > 0.01) return; // pinch zoom: leave the shell be
      document.body.style.setProperty("--chat-vh", `${window.visualViewport.height}px`);
      document.body.classList.add("chat-fitted");
      if (window.scrollY) window.scrollTo(0, 0);
      if (stuck) toBottom();
    };
    window.visualViewport.addEventListener("resize", fit);
    fit();
  }

  // ---- message bubbles

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
    image.addEventListener("load", () => { if (stuck) toBottom(); });
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
    item.querySelector(".chat-message").replaceChildren(...parts);
    if (item.previewUrl) {
      URL.revokeObjectURL(item.previewUrl);
      item.previewUrl = null;
    }
  }

  function setState(item, text) {
    item.querySelector(".chat-state").textContent = text;
  }

  // One entry: the bubble, and beside it its state (sending / read) and its time.
  function bubble(id, message, mine) {
    const follow = mine || stuck;
    const item = el("li", "chat-entry" + (mine ? " mine" : ""));
    item.dataset.id = id;
    const meta = el("span", "chat-meta");
    meta.append(el("span", "chat-state"), el("time", "chat-time"));
    item.append(el("div", "chat-message"), meta);
    fill(item, message);
    if (message.created_at) stamp(item, message.created_at);
    else item.dataset.day = dayKey(new Date()); // being sent now: it will be stored today
    const entries = log.querySelectorAll(".chat-entry");
    const previous = entries.length ? entries[entries.length - 1] : null;
    if (!previous || previous.dataset.day !== item.dataset.day) {
      relabelDays();
      log.append(daySeparator(item.dataset.day));
    }
    log.append(item);
    if (follow) toBottom();
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
    let item = mine ? log.querySelector(`.chat-entry[data-id="${CSS.escape(message.client_msg_id)}"]`) : null;
    if (item) {
      fill(item, message);
      stamp(item, message.created_at);
    } else item = bubble(message.client_msg_id, message, mine);
    item.dataset.seq = String(message.seq);
    item.classList.remove("failed");
    setState(item, "");
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
    setState(bubble(frame.client_msg_id, preview, true), root.dataset.textSending);
    send(frame);
  }

  function failed(clientMsgId, detail) {
    const item = log.querySelector(`.chat-entry[data-id="${CSS.escape(clientMsgId)}"]`);
    if (!item || item.dataset.seq) return;
    item.classList.add("failed");
    item.querySelector(".chat-progress")?.remove();
    setState(item, `${root.dataset.textNotSent}: ${detail}`);
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
        for (const item of log.querySelectorAll(".chat-entry.mine")) {
          if (Number(item.dataset.seq) <= frame.seq) setState(item, root.dataset.textRead);
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

  // ---- photos: picked with the composer's button, checked here first (the server checks again)

  function showPhotoError(text) {
    photoError.textContent = text;
    photoError.hidden = !text;
  }

  function photoProblem(file) {
    const accepted = (root.dataset.photoAccept || "").split(",");
    const extension = (file.name.match(/\.[^.]+$/) || [""])[0].toLowerCase();
    const typeOk = file.type ? accepted.includes(file.type) : accepted.includes(extension);
    if (!typeOk) return root.dataset.textPhotoType;
    if (file.size > Number(root.dataset.photoMaxBytes)) return root.dataset.textPhotoTooLarge;
    return "";
  }

  // One POST with upload progress (fetch has none); resolves with the response, rejects offline.
  function post(body, onProgress) {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", `/api/v1/conversations/${conversationId}/attachments`);
      request.setRequestHeader("X-CSRF-Token", csrf);
      request.setRequestHeader("Accept", "application/json");
      request.upload.addEventListener("progress", (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      });
      request.addEventListener("load", () => resolve(request));
      request.addEventListener("error", () => reject(new Error("network")));
      request.send(body);
    });
  }

  async function upload(file) {
    const id = crypto.randomUUID();
    const item = bubble(id, { body: "" }, true);
    const preview = el("img", "chat-preview");
    item.previewUrl = URL.createObjectURL(file);
    preview.src = item.previewUrl;
    preview.alt = root.dataset.textPhoto;
    preview.addEventListener("error", () => preview.remove()); // e.g. HEIC: no preview, still sent
    const progress = el("progress", "chat-progress");
    progress.max = 1;
    progress.value = 0;
    progress.setAttribute("aria-label", root.dataset.textUploading);
    item.querySelector(".chat-message").replaceChildren(preview, progress);
    setState(item, root.dataset.textUploading);
    toBottom();
    const body = new FormData();
    body.append("client_msg_id", id);
    body.append("file", file);
    for (let attempt = 0; attempt < 3; attempt += 1) {
      let response;
      try {
        response = await post(body, (share) => { progress.value = share; });
      } catch (networkError) {
        await new Promise((resolve) => setTimeout(resolve, 2000)); // same id: stored once
        continue;
      }
      if (response.status >= 200 && response.status < 300) {
        // The message itself arrives over the socket, in order, and replaces the preview.
        if (!item.dataset.seq) setState(item, root.dataset.textSending);
        return;
      }
      let detail = response.statusText;
      try { detail = JSON.parse(response.responseText).detail || detail; } catch (ignored) { /* not JSON */ }
      failed(id, detail);
      showPhotoError(detail);
      return;
    }
    failed(id, root.dataset.textOffline);
  }

  // ---- product cards (stylists)

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

  // ---- the composer

  function grow() { // the field grows with its text up to its CSS max-height, then scrolls
    input.style.height = "auto";
    input.style.height = `${input.scrollHeight + 2}px`;
  }

  function describeEnter() {
    input.enterKeyHint = coarse.matches ? "enter" : "send";
    if (coarse.matches) enterHint.textContent = root.dataset.textEnterPhone;
  }

  if (form) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const body = input.value.trim();
      if (!body) return;
      const id = crypto.randomUUID();
      queue({ type: "send", client_msg_id: id, body: body }, { body: body });
      input.value = "";
      grow();
    });
    // Keep the keyboard open on phones: tapping Send does not take the focus from the field.
    form.querySelector(".chat-send").addEventListener("mousedown", (event) => {
      if (document.activeElement === input) event.preventDefault();
    });
    input.addEventListener("compositionstart", () => { composing = true; });
    input.addEventListener("compositionend", () => { composing = false; });
    input.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" || event.shiftKey || event.altKey) return;
      if (event.isComposing || event.keyCode === 229 || composing) return; // IME commit, not send
      if (coarse.matches && !event.ctrlKey && !event.metaKey) return; // a new line on phones
      event.preventDefault();
      if (input.value.trim()) form.requestSubmit();
    });
    input.addEventListener("input", () => {
      grow();
      const now = Date.now();
      if (ready && now - lastTyping > 2000) {
        lastTyping = now;
        socket.send(JSON.stringify({ type: "typing" }));
      }
    });
    describeEnter();
    coarse.addEventListener("change", describeEnter);
  }
  if (photoButton) {
    photoButton.addEventListener("click", () => photoInput.click());
    photoInput.addEventListener("change", () => {
      const file = photoInput.files && photoInput.files[0];
      photoInput.value = "";
      if (!file) return;
      const problem = photoProblem(file);
      showPhotoError(problem);
      if (!problem) upload(file);
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
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") relabelDays();
    markRead();
  });
  showUnread();
  connect();
})();
