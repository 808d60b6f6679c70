// The stylist's advice panel: recommendations that explain themselves, an outfit board of owned and
// new items, and sending items, outfits or lookbook entries on. All text from the server is placed
// with textContent; nothing a customer typed can become HTML.
"use strict";

(function () {
  const root = document.getElementById("advice");
  if (!root) return;
  const text = JSON.parse(document.getElementById("advice-text").textContent);
  const customer = root.dataset.customer;
  const conversation = root.dataset.conversation;
  const lookbookOn = Boolean(root.dataset.lookbook || root.dataset.appointment);
  const target = document.getElementById("advice-lookbook-target");
  const lookbookLink = document.getElementById("advice-lookbook-link");
  // The session whose lookbook "add to lookbook" fills: the one just held, or the stylist's pick.
  function appointment() {
    return target ? target.value : root.dataset.appointment;
  }
  if (target && lookbookLink) {
    target.addEventListener("change", () => {
      lookbookLink.hidden = !target.value;
      lookbookLink.querySelector("a").href = `/appointments/${target.value}/lookbook`;
    });
  }
  const list = document.getElementById("advice-list");
  const status = document.getElementById("advice-status");
  const board = document.getElementById("board-items");
  const boardStatus = document.getElementById("board-status");
  const filters = document.getElementById("advice-filters");
  const chosen = new Map(); // "catalog:12" / "owned:5" -> {kind, id, label, image}
  let messageCount = 0;

  function el(tag, className, content) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (content !== undefined) node.textContent = content;
    return node;
  }

  function picture(thing) {
    const img = el("img", "advice-thumb");
    img.src = thing.image_url;
    img.alt = thing.label;
    img.loading = "lazy";
    img.width = 64;
    img.height = 64;
    return img;
  }

  function button(label, onClick, className) {
    const b = el("button", className || "button button-small", label);
    b.type = "button";
    b.addEventListener("click", onClick);
    return b;
  }

  async function load() {
    const params = new URLSearchParams({ limit: "8" });
    const form = new FormData(filters);
    for (const [key, value] of form.entries()) if (value) params.set(key, value);
    status.textContent = text.loading;
    const response = await window.ccFetch(`/api/v1/customers/${customer}/recommendations?${params}`);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      status.textContent = body.detail || text.failed;
      return;
    }
    list.replaceChildren(...body.data.map(render));
    status.textContent = body.data.length ? text.count.replace("{n}", body.data.length) : text.none;
  }

  function render(rec) {
    const item = el("li", "advice-item");
    item.dataset.item = rec.item.id;
    const head = el("div", "advice-head");
    const name = el("p", "advice-name", rec.item.label);
    const meta = el("p", "muted small advice-meta", `${rec.item.price} · ${rec.item.colour_name}`);
    const about = el("div");
    about.append(name, meta);
    head.append(picture(rec.item), about);
    const counts = el("p", "advice-counts", rec.headline);
    const why = el("p", "advice-why small", rec.explanation);
    const examples = el("div", "advice-examples");
    examples.setAttribute("aria-label", text.examples);
    for (const outfit of rec.examples) {
      const row = el("div", "advice-outfit");
      row.setAttribute("role", "img");
      row.setAttribute("aria-label", outfit.map((o) => o.label).join(" + "));
      outfit.forEach((part) => row.append(picture(part)));
      examples.append(row);
    }
    const actions = el("div", "advice-actions");
    if (conversation) actions.append(button(text.send, () => sendItem(rec, actions)));
    actions.append(button(text.add_to_board, () => addToBoard({ kind: "catalog", ...rec.item })));
    if (lookbookOn) actions.append(button(text.to_lookbook, () => toLookbook("item", [rec.item.id], [], rec.explanation, actions)));
    item.append(head, counts, why, examples, actions);
    return item;
  }

  function note(where, message) {
    let line = where.querySelector(".advice-note");
    if (!line) {
      line = el("p", "advice-note small");
      line.setAttribute("role", "status");
      where.append(line);
    }
    line.textContent = message;
  }

  async function postMessage(payload) {
    messageCount += 1;
    const response = await window.ccFetch(`/api/v1/conversations/${conversation}/messages`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ client_msg_id: `advice-${Date.now()}-${messageCount}`, ...payload }),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new Error(body.detail || text.failed);
    }
  }

  async function sendItem(rec, where) {
    try {
      await postMessage({ catalog_item_id: rec.item.id, body: rec.explanation.slice(0, 300) });
      note(where, text.sent);
    } catch (error) {
      note(where, error.message);
    }
  }

  async function toLookbook(kind, catalogIds, ownedIds, explanation, where) {
    const session = appointment();
    if (!session) {
      note(where, text.choose_session);
      if (target) target.focus();
      return;
    }
    const response = await window.ccFetch(`/api/v1/appointments/${session}/lookbook/entries`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ kind, catalog_item_ids: catalogIds, owned_item_ids: ownedIds, note: explanation.slice(0, 300) }),
    });
    const body = await response.json().catch(() => ({}));
    note(where, response.ok ? text.in_lookbook : body.detail || text.failed);
  }

  // ---------- the outfit board

  function addToBoard(thing) {
    chosen.set(`${thing.kind}:${thing.id}`, thing);
    drawBoard();
  }

  function drawBoard() {
    board.replaceChildren(
      ...[...chosen.entries()].map(([key, thing]) => {
        const item = el("li", "board-item");
        item.append(picture(thing), el("span", "small", thing.label));
        item.append(button(text.remove, () => { chosen.delete(key); drawBoard(); }, "link-button"));
        return item;
      }),
    );
    document.getElementById("board-empty").hidden = chosen.size > 0;
    document.getElementById("board-actions").hidden = chosen.size === 0;
  }

  function boardParts() {
    const things = [...chosen.values()];
    return {
      things,
      catalogIds: things.filter((t) => t.kind === "catalog").map((t) => t.id),
      ownedIds: things.filter((t) => t.kind === "owned").map((t) => t.id),
      summary: text.outfit_prefix + things.map((t) => t.label).join(" + "),
    };
  }

  async function sendBoard() {
    const parts = boardParts();
    try {
      await postMessage({ body: parts.summary.slice(0, 2000) });
      for (const id of parts.catalogIds) await postMessage({ catalog_item_id: id });
      boardStatus.textContent = text.sent;
    } catch (error) {
      boardStatus.textContent = error.message;
    }
  }

  const boardSend = document.getElementById("board-send");
  if (boardSend) boardSend.addEventListener("click", sendBoard);
  const boardToLookbook = document.getElementById("board-lookbook");
  if (boardToLookbook) {
    boardToLookbook.addEventListener("click", () => {
      const parts = boardParts();
      toLookbook("outfit", parts.catalogIds, parts.ownedIds, parts.summary, boardStatus.parentElement);
    });
  }
  // Owned items from the wardrobe panel can go on the board too.
  document.addEventListener("click", (event) => {
    const target = event.target.closest("[data-board-owned]");
    if (!target) return;
    addToBoard({
      kind: "owned",
      id: Number(target.dataset.boardOwned),
      label: target.dataset.label,
      image_url: target.dataset.image,
    });
  });
  // ---------- the pull list: their own pieces to have on camera

  async function loadPullList() {
    const where = document.getElementById("pull-list");
    if (!where) return;
    const pullStatus = document.getElementById("pull-status");
    const response = await window.ccFetch(`/api/v1/customers/${customer}/pull-list`);
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      pullStatus.textContent = body.detail || text.pull_failed;
      return;
    }
    where.replaceChildren(
      ...body.data.map((pull) => {
        const item = el("li", "pull-item");
        const about = el("div");
        about.append(el("p", "advice-name", pull.item.label), el("p", "muted small", pull.reason));
        item.append(picture(pull.item), about);
        return item;
      }),
    );
    pullStatus.textContent = body.data.length ? "" : text.pull_none;
  }

  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  drawBoard();
  load();
  loadPullList();
})();
