"""A job that runs ``tick()`` every so often on the event loop, for the app's lifespan.

Subclasses implement ``tick`` (tests call it directly with their own clock, never sleeping);
``start``/``stop`` are wired in ``create_app``'s lifespan. A failing tick is logged and retried
on the next interval, never allowed to end the loop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

log = logging.getLogger(__name__)


class Periodic:
    name = "periodic job"

    def __init__(self) -> None:
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> Any:
        raise NotImplementedError

    async def _run(self, interval: float) -> None:
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("%s failed; will retry", self.name)
            await asyncio.sleep(interval)

    def start(self, interval: float) -> None:
        self._task = asyncio.create_task(self._run(interval), name=self.name)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
