"""`Tasks`: the coroutines a window started, kept so that none is lost unawaited and
the tests (and closing) can wait for all of them. Plain asyncio."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable


class Tasks:
    def __init__(self):
        self._running: set[asyncio.Task] = set()

    def spawn(self, awaitable: Awaitable) -> asyncio.Task:
        """Run a coroutine on the loop; an unexpected exception goes to sys.excepthook."""
        task = asyncio.ensure_future(awaitable)
        self._running.add(task)
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            sys.excepthook(type(error), error, error.__traceback__)

    async def settle(self) -> None:
        """Wait until every task started so far (and any they started) has finished."""
        while self._running:
            await asyncio.gather(*list(self._running), return_exceptions=True)
