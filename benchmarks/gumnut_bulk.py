"""Bulk reassignment against the fake Gumnut on a loopback socket, with the real clock:
how long N faces take, and whether the client-side limiter kept the server from
answering 429.

    .venv/bin/python benchmarks/gumnut_bulk.py [N]
"""

import asyncio
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakes.gumnut import FakeGumnut  # noqa: E402
from fakes.server import serve  # noqa: E402

from faceboard.domain import Progress  # noqa: E402
from faceboard.backends.gumnut import GumnutBackend  # noqa: E402
from faceboard.services.curator import Curator  # noqa: E402
from faceboard.services.operations import AssignFaces  # noqa: E402


async def bulk(base_url: str, fake: FakeGumnut, count: int) -> None:
    target = next(iter(fake.people.values())).id
    faces = [fake.add_face(None).id for _ in range(count)]
    backend = GumnutBackend(fake.api_key, base_url, "lib_main")
    try:
        start = time.perf_counter()
        change = await Curator(backend).apply(AssignFaces(tuple((f, target) for f in faces)), Progress())
        elapsed = time.perf_counter() - start
    finally:
        await backend.close()
    refused = sum(1 for c in fake.calls if c.method == "PATCH") - count
    print(f"{count} faces reassigned in {elapsed:.2f} s ({count / elapsed:.0f}/s); "
          f"failures {len(change.failures)}; PATCHes the server refused with 429: {refused}")


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    fake = FakeGumnut.seeded(people=3, faces_per_person=2, unassigned=0)
    with serve(fake) as base_url:
        asyncio.run(bulk(base_url, fake, count))


if __name__ == "__main__":
    main()
