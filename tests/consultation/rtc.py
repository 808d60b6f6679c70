"""Helpers for tests that drive real aiortc peers: tracks one can recognise, and bounded waits."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from aiortc import MediaStreamTrack, RTCPeerConnection
from aiortc.mediastreams import VideoStreamTrack
from av import VideoFrame

DEADLINE_SECONDS = 20.0


class FlatVideoTrack(VideoStreamTrack):
    """A 320x240 picture of one brightness, so the receiver can tell whose video it got."""

    def __init__(self, luma: int) -> None:
        super().__init__()
        self.luma = luma

    async def recv(self) -> VideoFrame:
        pts, time_base = await self.next_timestamp()
        frame = VideoFrame(width=320, height=240, format="yuv420p")
        y, u, v = frame.planes
        y.update(bytes([self.luma]) * y.buffer_size)
        u.update(b"\x80" * u.buffer_size)
        v.update(b"\x80" * v.buffer_size)
        frame.pts, frame.time_base = pts, time_base
        return frame


def mean_luma(frame: VideoFrame) -> float:
    """Average Y (luma) value of a decoded frame, ignoring row padding."""
    yuv = frame if frame.format.name == "yuv420p" else frame.reformat(format="yuv420p")
    plane = yuv.planes[0]
    data = bytes(plane)
    total = sum(
        sum(data[row * plane.line_size : row * plane.line_size + yuv.width])
        for row in range(yuv.height)
    )
    return total / (yuv.width * yuv.height)


async def receive_frames(track: MediaStreamTrack, count: int) -> list[VideoFrame]:
    """``count`` frames from ``track``, or fail after the deadline."""
    frames: list[VideoFrame] = []
    async with asyncio.timeout(DEADLINE_SECONDS):
        while len(frames) < count:
            frames.append(await track.recv())  # type: ignore[arg-type]
    return frames


async def wait_until(check: Callable[[], bool], what: str) -> None:
    """Poll ``check`` until it holds; fail with ``what`` after the deadline (no timing asserted)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.05)


def tracks_of(pc: RTCPeerConnection) -> dict[str, MediaStreamTrack]:
    """Collect the remote tracks of ``pc`` by kind as they arrive."""
    received: dict[str, MediaStreamTrack] = {}

    @pc.on("track")
    def _on_track(track: MediaStreamTrack) -> None:
        received[track.kind] = track

    return received
