"""Fault injection for the fake servers on a loopback socket (`server.serve`).

Each request draws one outcome from a seeded random generator, so a failing test fails
the same way again. The modes are what a flaky network and an overloaded service do:

- `drop`: close the connection without answering (the change is not applied);
- `5xx`: answer 503 with an error body (not applied);
- `429`: answer 429 with `Retry-After: 1` (not applied);
- `slow`: answer after `slow_seconds` (applied);
- `apply_then_drop`: apply the change, then close the connection without answering:
  the client cannot know that it went through.

A hostile server's mode, drawn only when named in `modes`:

- `trickle`: the headers at once, then the body one byte each `slow_seconds` (applied).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

MODES = ("drop", "5xx", "429", "slow", "apply_then_drop")
HOSTILE = ("trickle",)


@dataclass
class Faults:
    rate: float = 0.3  # the share of requests that meet a fault
    modes: tuple[str, ...] = MODES
    seed: int = 1
    slow_seconds: float = 0.05
    only: tuple[str, ...] = ()  # "METHOD /path" of the requests that may fail; empty: all
    injected: Counter = field(default_factory=Counter)  # mode -> how many times
    unanswered: Counter = field(default_factory=Counter)  # method -> requests refused unapplied (drop, 5xx, 429)

    def __post_init__(self):
        self._random = random.Random(self.seed)

    def draw(self, method: str, path: str) -> str | None:
        """The fault for the next request, or None."""
        if self.only and f"{method} {path}" not in self.only:
            return None
        if self._random.random() >= self.rate:
            return None
        mode = self._random.choice(self.modes)
        self.injected[mode] += 1
        if mode in ("drop", "5xx", "429"):
            self.unanswered[method] += 1
        return mode
