// The device check: camera, microphone and connection, each with a status in plain words.
// The browser's own tracks go to a server peer and come straight back: the returned video is shown
// and the returned audio drives the level meter, so "works" means a real round trip.
"use strict";

(function () {
  const root = document.getElementById("device-check");
  if (!root) return;
  const texts = JSON.parse(root.dataset.texts);
  const iceServers = JSON.parse(root.dataset.iceServers);
  const video = document.getElementById("echo-video");
  const meter = document.getElementById("mic-level");
  const startButton = document.getElementById("check-start");
  const picker = document.getElementById("device-pick");
  const cameraSelect = document.getElementById("camera-select");
  const micSelect = document.getElementById("microphone-select");
  const note = document.getElementById("check-note");

  const GATHER_WAIT_MS = 5000; // send what we have if a STUN/TURN server is slow to answer
  const CONNECT_WAIT_MS = 20000;
  const SILENCE_WAIT_MS = 15000;
  const CHECK_LENGTH_MS = 115000; // the server ends its echo after two minutes
  const SOUND_RMS = 0.02;

  // One attempt at a time. `run` numbers the attempts so callbacks of an old one are ignored.
  const check = {
    run: 0, pc: null, stream: null, remote: null, audio: null, source: null, analyser: null,
    samples: null, heard: false, connected: false, timers: [], ticker: null,
  };
  window.ccDeviceCheck = check; // read by the browser tests, and handy when helping someone

  function setStatus(name, state, message) {
    const item = document.getElementById("status-" + name);
    item.dataset.state = state;
    item.querySelector(".status-text").textContent = message;
  }

  function later(fn, ms) {
    check.timers.push(setTimeout(fn, ms));
  }

  function constraints(kind) {
    const select = kind === "video" ? cameraSelect : micSelect;
    const wanted = kind === "video"
      ? { width: { ideal: 640 }, height: { ideal: 480 } }
      : { echoCancellation: true, noiseSuppression: true };
    if (select.value) wanted.deviceId = { exact: select.value };
    return wanted;
  }

  async function capture() {
    try {
      const both = { video: constraints("video"), audio: constraints("audio") };
      return { stream: await navigator.mediaDevices.getUserMedia(both), errors: {} };
    } catch (ignored) {
      // Ask for each one alone to find out which of the two is the problem.
      const result = { stream: new MediaStream(), errors: {} };
      for (const kind of ["video", "audio"]) {
        try {
          const one = await navigator.mediaDevices.getUserMedia({ [kind]: constraints(kind) });
          one.getTracks().forEach((track) => result.stream.addTrack(track));
        } catch (error) {
          result.errors[kind] = error;
        }
      }
      return result;
    }
  }

  function problemText(kind, error) {
    const prefix = kind === "video" ? "camera_" : "mic_";
    const name = error && error.name;
    if (name === "NotAllowedError" || name === "SecurityError") return texts[prefix + "denied"];
    if (name === "NotFoundError" || name === "OverconstrainedError") return texts[prefix + "missing"];
    if (name === "NotReadableError" || name === "AbortError") return texts[prefix + "busy"];
    return texts[prefix + "failed"];
  }

  function fill(select, devices, unnamed, inUse) {
    select.textContent = "";
    devices.forEach((device, index) => {
      const label = device.label || unnamed.replace("{n}", String(index + 1));
      select.append(new Option(label, device.deviceId));
    });
    if (!devices.length) select.append(new Option(texts.default_device, ""));
    if (inUse && devices.some((device) => device.deviceId === inUse)) select.value = inUse;
  }

  async function listDevices(stream) {
    const devices = await navigator.mediaDevices.enumerateDevices();
    const inUse = (tracks) => (tracks[0] ? tracks[0].getSettings().deviceId : "");
    fill(cameraSelect, devices.filter((d) => d.kind === "videoinput"), texts.unnamed_camera,
      inUse(stream.getVideoTracks()));
    fill(micSelect, devices.filter((d) => d.kind === "audioinput"), texts.unnamed_microphone,
      inUse(stream.getAudioTracks()));
    picker.hidden = false;
  }

  function meterFrom(stream) {
    if (!check.audio || !stream.getAudioTracks().length) return;
    if (check.source) check.source.disconnect();
    if (!check.analyser) {
      check.analyser = check.audio.createAnalyser();
      check.analyser.fftSize = 1024;
      check.samples = new Float32Array(check.analyser.fftSize);
    }
    check.source = check.audio.createMediaStreamSource(stream);
    check.source.connect(check.analyser);
  }

  function tick() {
    if (check.source) {
      check.analyser.getFloatTimeDomainData(check.samples);
      let sum = 0;
      for (const sample of check.samples) sum += sample * sample;
      const rms = Math.sqrt(sum / check.samples.length);
      // Rise at once, fall slowly: short sounds stay visible long enough to be seen.
      meter.value = Math.max(Math.min(1, rms * 4), meter.value * 0.85);
      const live = check.stream && check.stream.getAudioTracks().some((t) => t.readyState === "live");
      if (!check.heard && live && rms > SOUND_RMS) {
        check.heard = true;
        setStatus("microphone", "ok", texts.mic_ok);
      }
    }
    const pc = check.pc;
    if (!check.connected && pc && pc.connectionState === "connected" &&
        video.srcObject === check.remote && video.videoWidth > 0) {
      check.connected = true;
      setStatus("connection", "ok", texts.connection_ok);
    }
  }

  function gathered(pc) {
    if (pc.iceGatheringState === "complete") return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, GATHER_WAIT_MS);
      pc.addEventListener("icegatheringstatechange", () => {
        if (pc.iceGatheringState === "complete") {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  }

  async function connect(stream, run) {
    setStatus("connection", "checking", texts.connecting);
    const pc = new RTCPeerConnection({ iceServers: iceServers });
    check.pc = pc;
    check.remote = new MediaStream();
    stream.getTracks().forEach((track) => pc.addTrack(track, stream));
    pc.addEventListener("track", (event) => {
      if (run !== check.run) return;
      check.remote.addTrack(event.track);
      // Chromium feeds remote audio to Web Audio only while a media element plays it: the muted
      // video element plays the whole echoed stream.
      if (video.srcObject !== check.remote) video.srcObject = check.remote;
      video.play().catch(() => {}); // keep the preview playing (a new source may leave it paused)
      // The level now comes from the echoed sound: proof that the server heard the microphone.
      if (event.track.kind === "audio") meterFrom(check.remote);
    });
    pc.addEventListener("connectionstatechange", () => {
      if (run === check.run && pc.connectionState === "failed") {
        setStatus("connection", "problem", texts.connection_failed);
      }
    });
    await pc.setLocalDescription(await pc.createOffer());
    await gathered(pc);
    if (run !== check.run) return;
    let response;
    try {
      response = await window.ccFetch("/api/v1/device-check/offer", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ type: "offer", sdp: pc.localDescription.sdp }),
      });
    } catch (error) {
      if (run === check.run) setStatus("connection", "problem", texts.connection_unreachable);
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (run !== check.run) return;
    if (!response.ok) {
      setStatus("connection", "problem", body.detail || texts.connection_failed);
      return;
    }
    await pc.setRemoteDescription({ type: "answer", sdp: body.sdp });
    later(() => {
      if (run === check.run && !check.connected) {
        setStatus("connection", "problem", texts.connection_failed);
      }
    }, CONNECT_WAIT_MS);
  }

  function stop() {
    check.run += 1;
    check.timers.forEach(clearTimeout);
    check.timers = [];
    clearInterval(check.ticker);
    if (check.pc) check.pc.close();
    if (check.stream) check.stream.getTracks().forEach((track) => track.stop());
    if (check.source) check.source.disconnect();
    Object.assign(check, { pc: null, stream: null, remote: null, source: null, connected: false });
    video.srcObject = null;
    meter.value = 0;
  }

  async function start() {
    stop();
    const run = check.run;
    startButton.textContent = texts.try_again;
    note.hidden = true;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia || !window.RTCPeerConnection) {
      ["camera", "microphone", "connection"].forEach((n) => setStatus(n, "problem", texts.unsupported));
      return;
    }
    // Created on a click, so the browser lets it run (autoplay rules).
    if (!check.audio && window.AudioContext) check.audio = new AudioContext();
    if (check.audio && check.audio.state === "suspended") check.audio.resume();
    setStatus("camera", "checking", texts.checking);
    setStatus("microphone", "checking", texts.checking);
    setStatus("connection", "idle", texts.connection_waiting);

    const { stream, errors } = await capture();
    if (run !== check.run) {
      stream.getTracks().forEach((track) => track.stop());
      return;
    }
    check.stream = stream;
    const camera = stream.getVideoTracks()[0];
    const microphone = stream.getAudioTracks()[0];
    if (camera) {
      setStatus("camera", "ok", texts.camera_ok);
      camera.addEventListener("ended", () => {
        if (run === check.run) setStatus("camera", "problem", texts.camera_ended);
      });
    } else {
      setStatus("camera", "problem", problemText("video", errors.video));
    }
    check.heard = false;
    if (microphone) {
      setStatus("microphone", "checking", texts.mic_listening);
      later(() => {
        if (run === check.run && !check.heard) setStatus("microphone", "problem", texts.mic_silent);
      }, SILENCE_WAIT_MS);
    } else {
      setStatus("microphone", "problem", problemText("audio", errors.audio));
    }
    await listDevices(stream).catch(() => { picker.hidden = false; });
    if (!camera && !microphone) return;

    video.srcObject = stream; // the local picture until the echo arrives
    video.muted = true;
    video.play().catch(() => {});
    meterFrom(stream);
    check.ticker = setInterval(tick, 100);
    later(() => {
      stop();
      note.hidden = false;
    }, CHECK_LENGTH_MS);
    connect(stream, run).catch(() => {
      if (run === check.run) setStatus("connection", "problem", texts.connection_failed);
    });
  }

  startButton.addEventListener("click", start);
  cameraSelect.addEventListener("change", start);
  micSelect.addEventListener("change", start);
  // Leaving the page frees the camera at once and lets the server end its echo peer.
  window.addEventListener("pagehide", stop);
})();
