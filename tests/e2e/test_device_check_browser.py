"""A customer checks camera, microphone and connection in a real browser (fake camera) against the
server's echo peer, on a phone-sized screen."""

from __future__ import annotations

import asyncio

from playwright.async_api import Browser, expect

from app.demo.loader import DEMO_PASSWORD
from tests.e2e.conftest import LiveServer, open_tab
from tests.e2e.test_accounts_browser import log_in, unlabelled_inputs

# What the page says, and how many frames of the echoed video the browser decoded.
PROGRESS = """async () => {
  const states = {};
  for (const name of ["camera", "microphone", "connection"]) {
    const item = document.getElementById("status-" + name);
    states[name] = item.dataset.state + ": " + item.querySelector(".status-text").textContent;
  }
  let frames = 0;
  const pc = window.ccDeviceCheck.pc;
  if (pc) {
    (await pc.getStats()).forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "video") frames += r.framesDecoded || 0;
    });
  }
  const check = window.ccDeviceCheck;
  // The level meter listens to the echoed sound once it arrives, not to the local microphone.
  const echoed = Boolean(check.source && check.remote && check.source.mediaStream === check.remote);
  const level = echoed ? document.getElementById("mic-level").value : 0;
  return { states, frames, level };
}"""


def _all_working(progress: dict) -> bool:
    return (
        all(state.startswith("ok:") for state in progress["states"].values())
        and progress["frames"] > 30
    )


class TestDeviceCheck:
    async def test_camera_microphone_and_connection_are_reported_working(
        self, live_server: LiveServer, browser: Browser
    ) -> None:
        base = live_server.base_url
        tab = await open_tab(browser, locale="ja", phone=True)
        page = tab.page
        await log_in(page, base, "yuki.sato@example.jp", DEMO_PASSWORD)
        await page.goto(f"{base}/device-check")
        assert await unlabelled_inputs(page) == []
        await expect(page.locator("#status-connection")).to_have_attribute("data-state", "idle")

        await page.locator("#check-start").click()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + 30
        progress = await page.evaluate(PROGRESS)
        while not _all_working(progress):
            assert loop.time() < deadline, f"the check never finished: {progress}"
            await asyncio.sleep(0.25)
            progress = await page.evaluate(PROGRESS)

        # The echoed sound moves the meter (the fake microphone beeps about once a second).
        while progress["level"] <= 0:
            assert loop.time() < deadline, f"the meter never moved: {progress}"
            await asyncio.sleep(0.1)
            progress = await page.evaluate(PROGRESS)

        # Once the echo is running the cameras and microphones can be chosen by name.
        await expect(page.locator("#device-pick")).to_be_visible()
        assert await page.locator("#camera-select option").count() >= 1
        assert await page.locator("#microphone-select option").count() >= 1
        assert await page.evaluate("document.getElementById('echo-video').videoWidth") > 0
        # The preview plays (not a black, paused picture) and is on the first screen.
        shown = await page.evaluate(
            """() => {
              const v = document.getElementById("echo-video");
              const box = v.getBoundingClientRect();
              return {playing: !v.paused && v.readyState >= 2, muted: v.muted,
                      top: box.top + window.scrollY, viewport: window.innerHeight};
            }"""
        )
        assert shown["playing"] and shown["muted"], shown
        assert shown["top"] < shown["viewport"], shown
        await tab.shot("device_check_ja_phone")

        # Leaving the page ends the check: the camera is released and nothing errs on the way.
        await page.locator('main a[href="/home"]').click()
        await expect(page).to_have_url(f"{base}/me")
        assert tab.problems == [], tab.problems
        await tab.context.close()
