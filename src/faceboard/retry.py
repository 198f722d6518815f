"""The one retry policy: how many times to try again, and how long to wait before each.

Plain arithmetic, no I/O of its own: the HTTP transport uses it between requests, the
backends between the steps a service asks to repeat (`tries`), and the outbox between
tries to reach a backend that does not answer.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RetryPolicy:
    retries: float = 3  # tries after the first; math.inf: until it works
    initial_delay: float = 0.5
    max_delay: float = 8.0

    def backoff(self, attempt: int, jitter: float = 0.0) -> float:
        """Seconds to wait before try `attempt + 1` (0-based); `jitter` in [0, 1) shortens
        it by up to a quarter, so that many clients do not come back at once."""
        return min(self.initial_delay * 2**attempt, self.max_delay) * (1 - 0.25 * jitter)

    def gives_up(self, attempt: int) -> bool:
        """True once `attempt` tries after the first have been made."""
        return attempt >= self.retries


FOREVER = math.inf


async def tries(policy: RetryPolicy, sleep: Callable[[float], Awaitable[None]]) -> AsyncIterator[int]:
    """0, 1, 2, … for the tries the policy allows, waiting its backoff before each after
    the first. The caller leaves the loop when a try succeeds, or raises when the last
    one (`policy.gives_up(attempt)`) fails."""
    attempt = 0
    while True:
        yield attempt
        if policy.gives_up(attempt):
            return
        await sleep(policy.backoff(attempt))
        attempt += 1
