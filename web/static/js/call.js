// The consultation call: lobby with camera preview, admission, WebRTC to each other participant,
// media controls, connection quality, recovery by ICE restart, and the closet snapshot for staff.
// Protocol: docs/signaling.md (version 1). The peer that receives `peer-joined` makes the offer; an
// offer with `restart: false` always starts a fresh connection, `restart: true` renegotiates the
// existing one. When offers cross, the polite peer (customer < manager < stylist) yields.
"use strict";

(function () {
  const root = document.getElementById("call");
  if (!root || root.dataset.state !== "open") return;
  const text = JSON.parse(document.getElementById("call-text").textContent);
  const appointment = root.dataset.appointment;
  const myRole = root.dataset.role;
  const isStaff = myRole !== "customer";
  const $ = (id) => document.getElementById(id);

  const state = {
    socket: null,
    me: null,
    iceServers: [],
    admitted: false,
    joined: false,
    ended: false,
    stream: null, // camera + microphone
    screen: null, // screen-share track while sharing
    muted: false,
    cameraOff: false,
    facing: "user",
    peers: new Map(), // id -> {pc, role, offerer, pendingCandidates, restartTimer, lastStats}
    roles: new Map(), // id -> role, for everyone known in the room
    retry: 0,
    inbox: Promise.resolve(), // frames are handled one after another
    keepalive: null,
    heardAt: 0,
  };
  window.ccCall = state; // inspected by the browser tests (getStats on state.peers)
  // A support hook (and the tests' way in): renegotiate every path now, as a network change would.
  state.restartAll = () => [...state.peers.values()].filter((p) => p.offerer).forEach((p) => restartIce(p, true));

  // ---------- devices and the lobby preview

  // A preview or self-view keeps playing: set its stream, then ask it to play. Again each time it
  // is shown, since a browser may pause a video that was hidden or moved (a black self-view).
  function play(video, stream) {
    if (!video) return;
    if (stream !== undefined && video.srcObject !== stream) video.srcObject = stream;
    if (video.id !== "remote") video.muted = true; // our own sound never plays back
    if (video.srcObject && video.paused) video.play().catch(() => {});
  }

  async function openDevices() {
    const camera = $("camera-select").value;
    const mic = $("mic-select").value;
    const constraints = {
      video: camera ? { deviceId: { exact: camera } } : { facingMode: state.facing },
      audio: mic ? { deviceId: { exact: mic } } : true,
    };
    if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
    try {
      state.stream = await navigator.mediaDevices.getUserMedia(constraints);
      $("device-note").textContent = "";
    } catch (error) {
      state.stream = null;
      $("device-note").textContent =
        error && error.name === "NotAllowedError" ? text.need_permission : text.no_devices;
    }
    play($("preview"), state.stream);
    play($("local"), state.screen ? $("local").srcObject : state.stream);
    await listDevices();
    $("join-button").disabled = false;
    for (const peer of state.peers.values()) await sendTracks(peer.pc);
  }

  async function listDevices() {
    const devices = await navigator.mediaDevices.enumerateDevices();
    fill($("camera-select"), devices.filter((d) => d.kind === "videoinput"), currentId("video"));
    fill($("mic-select"), devices.filter((d) => d.kind === "audioinput"), currentId("audio"));
    const cameras = devices.filter((d) => d.kind === "videoinput").length;
    $("flip-button").hidden = cameras < 2 && !/Android|iPhone|iPad/i.test(navigator.userAgent);
    $("share-button").hidden = !navigator.mediaDevices.getDisplayMedia || /Android|iPhone|iPad/i.test(navigator.userAgent);
  }

  function currentId(kind) {
    const track = state.stream && state.stream.getTracks().find((t) => t.kind === kind);
    return track ? track.getSettings().deviceId : "";
  }

  function fill(select, devices, selected) {
    select.replaceChildren();
    devices.forEach((device, index) => {
      const option = document.createElement("option");
      option.value = device.deviceId;
      option.textContent = device.label || `${select.id === "camera-select" ? "Camera" : "Microphone"} ${index + 1}`;
      option.selected = device.deviceId === selected;
      select.append(option);
    });
  }

  // ---------- signaling

  const PROTOCOL_VERSION = 1;
  const ROLE_RANK = { stylist: 3, manager: 2, customer: 1 };
  // Close codes (docs/signaling.md, "Close codes") after which reconnecting cannot help.
  const CLOSE = { replaced: 4001, callOver: 4002, unsupported: 4003, appointmentClosed: 4004 };

  function connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/call/${appointment}`);
    state.socket = socket;
    state.welcomed = false;
    socket.addEventListener("open", () => {
      state.retry = 0;
      state.heardAt = Date.now();
      send({ type: "join", version: PROTOCOL_VERSION });
    });
    socket.addEventListener("message", (event) => {
      if (socket !== state.socket) return;
      state.heardAt = Date.now();
      const message = JSON.parse(event.data);
      // One frame at a time, in order: a candidate never overtakes the offer it belongs to.
      state.inbox = state.inbox.then(() => handle(message)).catch((error) => console.warn(error));
    });
    socket.addEventListener("close", (event) => onClose(socket, event));
  }

  function onClose(socket, event) {
    if (state.ended || socket !== state.socket) return;
    stopKeepalive();
    if (event.code === CLOSE.callOver || event.code === CLOSE.appointmentClosed) {
      endCall(false, event.code === CLOSE.callOver ? text.call_over : text.call_closed);
      return;
    }
    if (event.code === CLOSE.replaced) {
      // The call goes on in another tab or window: this one steps back to the lobby and can
      // take the call back with "Join".
      for (const id of [...state.peers.keys()]) dropPeer(id);
      state.joined = false;
      state.admitted = false;
      $("stage").hidden = true;
      $("lobby").hidden = false;
      $("join-button").disabled = false;
      lobbyStatus(text.replaced);
      return;
    }
    if (event.code === CLOSE.unsupported) {
      lobbyStatus(text.outdated);
      return;
    }
    if (!state.joined) {
      lobbyStatus(text.refused);
      return;
    }
    reconnectSoon();
  }

  function reconnectSoon() {
    setQuality("poor", text.reconnecting);
    const delay = Math.min(8000, 500 * 2 ** state.retry++);
    setTimeout(connect, delay); // admission is kept until bye: we go straight back into the call
  }

  function send(message) {
    if (state.socket && state.socket.readyState === WebSocket.OPEN) {
      state.socket.send(JSON.stringify(message));
    }
  }

  // Keepalive: a ping every interval; a server silent for the timeout is taken for gone.
  function startKeepalive(keepalive) {
    stopKeepalive();
    const interval = (keepalive ? keepalive.interval_seconds : 20) * 1000;
    const timeout = (keepalive ? keepalive.timeout_seconds : 60) * 1000;
    state.keepalive = setInterval(() => {
      if (Date.now() - state.heardAt > timeout) {
        const dead = state.socket;
        state.socket = null; // its late close event is ignored
        stopKeepalive();
        if (dead) dead.close();
        reconnectSoon();
        return;
      }
      send({ type: "ping" });
    }, interval);
  }

  function stopKeepalive() {
    clearInterval(state.keepalive);
    state.keepalive = null;
  }

  function isPolite(otherId) {
    const mine = ROLE_RANK[myRole] || 0;
    const theirs = ROLE_RANK[state.roles.get(otherId)] || 0;
    return mine !== theirs ? mine < theirs : state.me > otherId;
  }

  // Fresh TURN credentials (pushed before the old ones expire): every connection takes them for
  // its next gathering, and a path relayed through TURN is moved onto them by an ICE restart.
  async function applyIceServers(iceServers) {
    state.iceServers = iceServers || [];
    for (const peer of state.peers.values()) {
      try {
        peer.pc.setConfiguration({ ...peer.pc.getConfiguration(), iceServers: state.iceServers });
      } catch (error) {
        console.warn("could not apply fresh ICE servers", error);
        continue;
      }
      if (peer.offerer && (await relayed(peer.pc))) await restartIce(peer, true);
    }
    state.iceRefreshes = (state.iceRefreshes || 0) + 1;
  }

  async function relayed(pc) {
    const stats = await pc.getStats();
    let pair = null;
    stats.forEach((r) => {
      if (r.type === "transport" && r.selectedCandidatePairId) pair = stats.get(r.selectedCandidatePairId);
    });
    const local = pair && stats.get(pair.localCandidateId);
    return Boolean(local && local.candidateType === "relay");
  }

  async function handle(message) {
    switch (message.type) {
      case "welcome":
        state.joined = true;
        state.welcomed = true;
        state.me = message.id;
        state.iceServers = message.iceServers || [];
        startKeepalive(message.keepalive);
        (message.peers || []).forEach((p) => state.roles.set(p.id, p.role));
        (message.waiting || []).forEach(addWaiting);
        if (message.admitted) enterCall(message.peers.length === 0);
        else lobbyStatus(text.waiting_for_admit);
        break;
      case "admitted":
        message.peers.forEach((p) => state.roles.set(p.id, p.role));
        enterCall(message.peers.length === 0);
        break;
      case "waiting":
        addWaiting(message.peer);
        break;
      case "peer-joined":
        removeWaiting(message.peer.id);
        state.roles.set(message.peer.id, message.peer.role);
        await startConnection(message.peer.id);
        break;
      case "offer":
        await onOffer(message);
        break;
      case "answer": {
        const peer = state.peers.get(message.from);
        // Only an answer to the offer we have out (a late one for a rolled-back offer is stale).
        if (!peer || peer.pc.signalingState !== "have-local-offer") break;
        await peer.pc.setRemoteDescription({ type: "answer", sdp: message.sdp });
        await flushCandidates(peer);
        break;
      }
      case "candidate":
        await onCandidate(message);
        break;
      case "media":
        showRemoteMedia(message);
        break;
      case "bye":
        // The customer or the stylist hanging up ends the session for everyone; a manager just leaves.
        if (state.roles.get(message.from) !== "manager") endCall(false);
        else dropPeer(message.from);
        break;
      case "peer-left":
        removeWaiting(message.id);
        if (state.peers.has(message.id)) {
          dropPeer(message.id);
          $("remote-state").textContent = text.peer_left;
        }
        break;
      case "ice-servers":
        await applyIceServers(message.iceServers);
        break;
      case "pong":
        break;
      case "error":
        // glare: our offer crossed theirs and we are polite; theirs arrives and we answer it.
        if (message.code === "glare") console.info("offer collision; answering theirs");
        else console.warn("signaling error", message.code, message.detail);
        break;
    }
  }

  // ---------- peer connections

  function newPeer(id, offerer) {
    const pc = new RTCPeerConnection({ iceServers: state.iceServers });
    const peer = { id, pc, offerer, pendingCandidates: [], restartTimer: null, lastStats: null };
    state.peers.set(id, peer);
    pc.addEventListener("icecandidate", (event) => {
      // The browser's own candidate JSON as it is; no candidate means the end of candidates.
      const c = event.candidate;
      send(c ? { type: "candidate", to: id, ...c.toJSON() } : { type: "candidate", to: id, candidate: "" });
    });
    pc.addEventListener("track", (event) => {
      play($("remote"), event.streams[0]);
    });
    pc.addEventListener("connectionstatechange", () => onConnectionState(peer));
    return peer;
  }

  async function sendTracks(pc) {
    const tracks = state.stream ? state.stream.getTracks() : [];
    for (const track of tracks) {
      const sender = pc.getSenders().find((s) => s.track && s.track.kind === track.kind);
      const outgoing = track.kind === "video" && state.screen ? state.screen : track;
      if (sender) await sender.replaceTrack(outgoing);
      else pc.addTrack(outgoing, state.stream);
    }
  }

  async function startConnection(id) {
    dropPeer(id);
    const peer = newPeer(id, true);
    await sendTracks(peer.pc);
    if (!state.stream) {
      // No camera or microphone: still receive the other side's video and sound.
      peer.pc.addTransceiver("video", { direction: "recvonly" });
      peer.pc.addTransceiver("audio", { direction: "recvonly" });
    }
    await peer.pc.setLocalDescription(await peer.pc.createOffer());
    send({ type: "offer", to: id, sdp: peer.pc.localDescription.sdp });
    sendMediaState();
  }

  async function onOffer(message) {
    let peer = state.peers.get(message.from);
    const collision = Boolean(peer) && peer.pc.signalingState !== "stable";
    if (collision && !isPolite(message.from)) return; // our offer wins: theirs is ignored
    if (collision && message.restart) await peer.pc.setLocalDescription({ type: "rollback" });
    if (!peer || !message.restart) {
      dropPeer(message.from);
      peer = newPeer(message.from, false);
      await sendTracks(peer.pc);
    }
    await peer.pc.setRemoteDescription({ type: "offer", sdp: message.sdp });
    await flushCandidates(peer);
    await peer.pc.setLocalDescription(await peer.pc.createAnswer());
    send({ type: "answer", to: message.from, sdp: peer.pc.localDescription.sdp });
    sendMediaState();
  }

  async function onCandidate(message) {
    const peer = state.peers.get(message.from);
    if (!peer) return;
    const candidate = message.candidate
      ? {
          candidate: message.candidate,
          sdpMid: message.sdpMid ?? null,
          sdpMLineIndex: message.sdpMLineIndex ?? null,
          usernameFragment: message.usernameFragment ?? null,
        }
      : null;
    if (!peer.pc.remoteDescription) {
      peer.pendingCandidates.push(candidate);
      return;
    }
    await addCandidate(peer, candidate);
  }

  async function flushCandidates(peer) {
    const queued = peer.pendingCandidates.splice(0);
    for (const candidate of queued) await addCandidate(peer, candidate);
  }

  async function addCandidate(peer, candidate) {
    try {
      await peer.pc.addIceCandidate(candidate);
    } catch (error) {
      console.warn("ignored a candidate", error);
    }
  }

  function onConnectionState(peer) {
    const s = peer.pc.connectionState;
    root.dataset.connection = s;
    if (s === "connected") {
      clearTimeout(peer.restartTimer);
      peer.restartTimer = null;
      $("remote-state").textContent = "";
      setQuality("good", text.connected);
    } else if (s === "disconnected" || s === "failed") {
      setQuality("poor", text.reconnecting);
      // The offerer repairs the path with an ICE restart; nobody goes back to the lobby.
      if (peer.offerer && !peer.restartTimer) {
        peer.restartTimer = setTimeout(() => restartIce(peer), s === "failed" ? 0 : 2000);
      }
    }
  }

  async function restartIce(peer, force) {
    peer.restartTimer = null;
    if (state.ended || state.peers.get(peer.id) !== peer) return;
    if (peer.pc.connectionState === "connected" && !force) return;
    try {
      await peer.pc.setLocalDescription(await peer.pc.createOffer({ iceRestart: true }));
      send({ type: "offer", to: peer.id, sdp: peer.pc.localDescription.sdp, restart: true });
    } catch (error) {
      console.warn("ICE restart failed; trying a fresh connection", error);
      await startConnection(peer.id);
    }
    // Still down after a while (e.g. the answer was lost): try again.
    if (!force) peer.restartTimer = setTimeout(() => restartIce(peer), 5000);
    state.restarts = (state.restarts || 0) + 1;
  }

  function dropPeer(id) {
    const peer = state.peers.get(id);
    if (!peer) return;
    clearTimeout(peer.restartTimer);
    peer.pc.close();
    state.peers.delete(id);
  }

  // ---------- the call screen

  function enterCall(alone) {
    state.admitted = true;
    $("lobby").hidden = true;
    $("stage").hidden = false;
    play($("local"));
    play($("remote"));
    $("remote-state").textContent = alone ? text.not_here_yet : "";
    sendMediaState();
  }

  function lobbyStatus(message) {
    $("lobby-status").textContent = message;
  }

  function addWaiting(peer) {
    const list = $("waiting-list");
    if (!list || list.querySelector(`[data-peer="${CSS.escape(peer.id)}"]`)) return;
    const item = document.createElement("li");
    item.dataset.peer = peer.id;
    const who = document.createElement("span");
    who.textContent = text["role_" + peer.role] || peer.role;
    const admit = document.createElement("button");
    admit.type = "button";
    admit.className = "button button-primary";
    admit.textContent = text.admit;
    admit.addEventListener("click", () => {
      send({ type: "admit", id: peer.id });
      admit.disabled = true;
    });
    item.append(who, " ", admit);
    list.append(item);
    $("waiting-empty").hidden = true;
    admit.focus();
  }

  function removeWaiting(id) {
    const list = $("waiting-list");
    if (!list) return;
    const item = list.querySelector(`[data-peer="${CSS.escape(id)}"]`);
    if (item) item.remove();
    $("waiting-empty").hidden = list.children.length > 0;
  }

  function sendMediaState() {
    send({
      type: "media",
      muted: state.muted,
      camera_off: state.cameraOff,
      screen_sharing: Boolean(state.screen),
    });
  }

  function showRemoteMedia(message) {
    const notes = [];
    if (message.muted) notes.push(text.muted);
    if (message.camera_off) notes.push(text.camera_off);
    if (message.screen_sharing) notes.push(text.screen_sharing);
    $("remote-state").textContent = notes.join(" · ");
    root.dataset.remoteMuted = String(Boolean(message.muted));
    root.dataset.remoteCameraOff = String(Boolean(message.camera_off));
  }

  function setQuality(level, label) {
    const box = $("quality");
    box.dataset.level = level;
    $("quality-text").textContent = label;
  }

  async function measureQuality() {
    for (const peer of state.peers.values()) {
      if (peer.pc.connectionState !== "connected") continue;
      const stats = await peer.pc.getStats();
      let rtt = 0;
      let lost = 0;
      let received = 0;
      stats.forEach((report) => {
        if (report.type === "candidate-pair" && report.nominated && report.currentRoundTripTime) {
          rtt = report.currentRoundTripTime;
        }
        if (report.type === "inbound-rtp") {
          lost += report.packetsLost || 0;
          received += report.packetsReceived || 0;
        }
      });
      const previous = peer.lastStats || { lost: 0, received: 0 };
      peer.lastStats = { lost, received };
      const newLost = lost - previous.lost;
      const newReceived = received - previous.received;
      const lossRate = newLost + newReceived > 0 ? newLost / (newLost + newReceived) : 0;
      let level = "good";
      if (rtt > 0.4 || lossRate > 0.08) level = "poor";
      else if (rtt > 0.15 || lossRate > 0.02) level = "fair";
      setQuality(level, text["quality_" + level]);
      root.dataset.quality = level;
    }
  }

  function endCall(sayBye, reason) {
    if (state.ended) return;
    state.ended = true;
    stopKeepalive();
    if (sayBye) send({ type: "bye" });
    for (const id of [...state.peers.keys()]) dropPeer(id);
    if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
    if (state.screen) state.screen.stop();
    if (state.socket) state.socket.close();
    $("stage").hidden = true;
    $("lobby").hidden = true;
    $("ended").hidden = false;
    if (reason) endedReason(reason);
    $("ended").focus();
    root.dataset.ended = "true";
  }

  function endedReason(message) {
    let note = $("ended-reason");
    if (!note) {
      note = document.createElement("p");
      note.id = "ended-reason";
      $("ended-title").after(note);
    }
    note.textContent = message;
  }

  // ---------- controls

  function toggleMute() {
    state.muted = !state.muted;
    if (state.stream) state.stream.getAudioTracks().forEach((t) => (t.enabled = !state.muted));
    $("mute-button").setAttribute("aria-pressed", String(state.muted));
    $("mute-button").textContent = state.muted ? text.unmute : text.mute;
    sendMediaState();
  }

  function toggleCamera() {
    state.cameraOff = !state.cameraOff;
    if (state.stream) state.stream.getVideoTracks().forEach((t) => (t.enabled = !state.cameraOff));
    $("camera-button").setAttribute("aria-pressed", String(state.cameraOff));
    $("camera-button").textContent = state.cameraOff ? text.camera_on_button : text.camera_off_button;
    sendMediaState();
  }

  async function flipCamera() {
    // Phones: the rear ("environment") camera shows the clothes; desktops: the next camera.
    state.facing = state.facing === "user" ? "environment" : "user";
    const cameras = [...$("camera-select").options].map((o) => o.value);
    const index = cameras.indexOf($("camera-select").value);
    if (cameras.length > 1 && !/Android|iPhone|iPad/i.test(navigator.userAgent)) {
      $("camera-select").value = cameras[(index + 1) % cameras.length];
    } else {
      $("camera-select").value = "";
    }
    await openDevices();
    if (state.cameraOff && state.stream) state.stream.getVideoTracks().forEach((t) => (t.enabled = false));
    if (state.muted && state.stream) state.stream.getAudioTracks().forEach((t) => (t.enabled = false));
  }

  async function toggleShare() {
    if (state.screen) {
      stopShare();
      return;
    }
    try {
      const display = await navigator.mediaDevices.getDisplayMedia({ video: true });
      state.screen = display.getVideoTracks()[0];
      state.screen.addEventListener("ended", stopShare);
      for (const peer of state.peers.values()) await sendTracks(peer.pc);
      play($("local"), display);
      $("share-button").setAttribute("aria-pressed", "true");
      $("share-button").textContent = text.stop_share;
      sendMediaState();
    } catch (error) {
      console.warn("screen share cancelled", error);
    }
  }

  async function stopShare() {
    if (!state.screen) return;
    state.screen.stop();
    state.screen = null;
    for (const peer of state.peers.values()) await sendTracks(peer.pc);
    play($("local"), state.stream);
    $("share-button").setAttribute("aria-pressed", "false");
    $("share-button").textContent = text.share;
    sendMediaState();
  }

  // ---------- the closet snapshot: take a still, file it by slot and colour, save it

  const snap = { canvas: null, slotChosen: false };

  // The palette colour most of the still's middle is closest to: the garment held up to the
  // camera fills the middle; the edges are the room. "Redmean" distance, cheap and close to the eye.
  function dominantColour(canvas) {
    const options = [...$("snapshot-colour").options].filter((o) => o.dataset.rgb);
    const palette = options.map((o) => {
      const hex = o.dataset.rgb.slice(1);
      return { code: o.value, rgb: [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) };
    });
    const small = document.createElement("canvas");
    small.width = 48;
    small.height = 36;
    const ctx = small.getContext("2d");
    ctx.drawImage(canvas, canvas.width * 0.25, canvas.height * 0.2, canvas.width * 0.5, canvas.height * 0.6, 0, 0, 48, 36);
    const data = ctx.getImageData(0, 0, 48, 36).data;
    const votes = new Map();
    for (let i = 0; i < data.length; i += 4) {
      let best = null;
      let bestDistance = Infinity;
      for (const colour of palette) {
        const r = (data[i] + colour.rgb[0]) / 2;
        const dr = data[i] - colour.rgb[0];
        const dg = data[i + 1] - colour.rgb[1];
        const db = data[i + 2] - colour.rgb[2];
        const distance = (2 + r / 256) * dr * dr + 4 * dg * dg + (2 + (255 - r) / 256) * db * db;
        if (distance < bestDistance) {
          bestDistance = distance;
          best = colour.code;
        }
      }
      votes.set(best, (votes.get(best) || 0) + 1);
    }
    let winner = "";
    for (const [code, count] of votes) if (!winner || count > votes.get(winner)) winner = code;
    return winner;
  }

  function showSwatch() {
    const option = $("snapshot-colour").selectedOptions[0];
    $("snapshot-swatch").style.background = option && option.dataset.rgb ? option.dataset.rgb : "transparent";
  }

  // "紺のウールコート" → outerwear: the first kind of item named in the label, until she picks one.
  function guessSlot() {
    if (snap.slotChosen) return;
    const label = $("snapshot-label").value.toLowerCase();
    const kinds = JSON.parse($("snapshot-kinds").textContent);
    const found = kinds.find(([ja, en]) => label.includes(ja) || label.includes(en.toLowerCase()));
    if (found) $("snapshot-slot").value = found[2];
  }

  function takeStill() {
    const video = $("remote");
    const status = $("snapshot-status");
    if (!video.videoWidth) {
      status.textContent = text.snapshot_no_video;
      return;
    }
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    snap.canvas = canvas;
    $("snapshot-preview").src = canvas.toDataURL("image/jpeg", 0.8);
    const colour = dominantColour(canvas);
    $("snapshot-colour").value = colour;
    showSwatch();
    const option = $("snapshot-colour").selectedOptions[0];
    $("snapshot-colour-hint").textContent = colour ? text.snapshot_suggested.replace("{colour}", option.textContent) : "";
    status.textContent = "";
    $("snapshot-details").hidden = false;
    $("snapshot-capture").hidden = true;
    $("snapshot-label").focus();
  }

  function resetSnapshot() {
    snap.canvas = null;
    snap.slotChosen = false;
    $("snapshot-form").reset();
    $("snapshot-colour-hint").textContent = "";
    showSwatch();
    $("snapshot-details").hidden = true;
    $("snapshot-capture").hidden = false;
  }

  async function saveSnapshot(event) {
    event.preventDefault();
    const status = $("snapshot-status");
    const missing = [
      ["snapshot-label", text.snapshot_need_label],
      ["snapshot-slot", text.snapshot_need_slot],
      ["snapshot-colour", text.snapshot_need_colour],
    ].find(([id]) => !$(id).value.trim());
    for (const id of ["snapshot-label", "snapshot-slot", "snapshot-colour"]) {
      $(id).setAttribute("aria-invalid", String(Boolean(missing && missing[0] === id)));
    }
    if (missing) {
      status.textContent = missing[1];
      $(missing[0]).focus();
      return;
    }
    if (!snap.canvas) return;
    status.textContent = text.snapshot_saving;
    const blob = await new Promise((resolve) => snap.canvas.toBlob(resolve, "image/jpeg", 0.9));
    const colour = $("snapshot-colour").selectedOptions[0];
    const form = new FormData();
    form.append("label", $("snapshot-label").value.trim());
    form.append("slot", $("snapshot-slot").value);
    form.append("colour_name", colour.value);
    form.append("colour_rgb", colour.dataset.rgb);
    form.append("image", blob, "snapshot.jpg");
    const response = await window.ccFetch(`/api/v1/appointments/${appointment}/snapshots`, {
      method: "POST",
      body: form,
    });
    if (response.ok) {
      resetSnapshot();
      status.textContent = text.snapshot_saved;
      $("snapshot-capture").focus();
    } else {
      const problem = await response.json().catch(() => ({}));
      status.textContent = problem.detail || text.snapshot_failed;
    }
  }

  $("camera-select").addEventListener("change", openDevices);
  $("mic-select").addEventListener("change", openDevices);
  $("join-button").addEventListener("click", () => {
    $("join-button").disabled = true;
    lobbyStatus(text.joining);
    connect();
  });
  $("mute-button").addEventListener("click", toggleMute);
  $("camera-button").addEventListener("click", toggleCamera);
  $("flip-button").addEventListener("click", flipCamera);
  $("share-button").addEventListener("click", toggleShare);
  $("hangup-button").addEventListener("click", () => endCall(true));
  const snapshot = $("snapshot-form");
  if (snapshot) {
    snapshot.addEventListener("submit", saveSnapshot);
    $("snapshot-capture").addEventListener("click", takeStill);
    $("snapshot-retake").addEventListener("click", takeStill);
    $("snapshot-label").addEventListener("input", guessSlot);
    $("snapshot-slot").addEventListener("change", () => (snap.slotChosen = true));
    $("snapshot-colour").addEventListener("change", () => {
      showSwatch();
      $("snapshot-colour-hint").textContent = "";
    });
    // Once a missing field is filled in, its mark and message go.
    const needs = [text.snapshot_need_label, text.snapshot_need_slot, text.snapshot_need_colour];
    for (const id of ["snapshot-label", "snapshot-slot", "snapshot-colour"]) {
      const clear = () => {
        if (!$(id).value.trim()) return;
        $(id).setAttribute("aria-invalid", "false");
        if (needs.includes($("snapshot-status").textContent)) $("snapshot-status").textContent = "";
      };
      $(id).addEventListener("input", clear);
      $(id).addEventListener("change", clear);
    }
  }
  setInterval(measureQuality, 2000);
  openDevices();
})();
