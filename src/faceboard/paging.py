"""Reading a listing whole, page by page, safe from a server that would keep us reading.

Cursors come from the server (Gumnut's are the last id of a page) or from its counts
(a total of pages that never ends): a cursor seen before means the pages go in a
circle, and a listing over its budget (pages, items, seconds) is a server gone wrong
or a listing too large to read whole. Either ends in an `Unavailable` that says so.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from faceboard.domain import Page
from faceboard.errors import Unavailable

T = TypeVar("T")


@dataclass(frozen=True)
class ListingBudget:
    pages: int = 5_000
    items: int = 1_000_000  # 5,000 pages of 200
    seconds: float = 300.0  # 100,000 Gumnut faces take 25 s at its rate limit


BUDGET = ListingBudget()


class Trail:
    """The cursors one listing has passed, and what it has spent of its budget."""

    def __init__(self, service: str, budget: ListingBudget | None = None,
                 clock: Callable[[], float] = time.monotonic):
        self.service = service
        self.budget = budget or BUDGET
        self._clock = clock
        self._started = clock()
        self._seen: set[str] = set()
        self._items = 0

    def follow(self, cursor: str | None, items: int) -> str | None:
        """Record a page of `items` whose next page starts at `cursor` (None: the last);
        return the cursor, or raise if following it would go round or over budget."""
        self._items += items
        if cursor is None:
            return None
        if cursor in self._seen:
            raise Unavailable(f"{self.service} gave a page again: its pages go in a circle; stopped.")
        self._seen.add(cursor)
        budget = self.budget
        if len(self._seen) >= budget.pages or self._items > budget.items:
            raise Unavailable(f"{self.service} gave more than {budget.pages:,} pages or {budget.items:,} "
                              "items for one listing; stopped.")
        if self._clock() - self._started > budget.seconds:
            raise Unavailable(f"{self.service} took more than {budget.seconds:g} s for one listing; stopped.")
        return cursor


async def every_item(load: Callable[[str | None], Awaitable[Page[T]]], service: str,
                     budget: ListingBudget | None = None, clock: Callable[[], float] = time.monotonic) -> list[T]:
    """All the items of a listing, `load(cursor)` giving each page."""
    trail = Trail(service, budget, clock)
    items: list[T] = []
    cursor = None
    while True:
        page = await load(cursor)
        items.extend(page.items)
        if (cursor := trail.follow(page.next_cursor, len(page.items))) is None:
            return items
