"""1,000 face crops from a loopback server that adds 50 ms to every answer: Faceboard's
pipeline (bounded concurrency over kept-alive connections) against fetching one after
another, in the same run; then the same view again, which must cost no request.

    .venv/bin/python benchmarks/fetching.py [N]
"""

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fakes.gumnut import FakeGumnut  # noqa: E402
from fakes.server import serve  # noqa: E402

from faceboard.backends.gumnut import GumnutBackend  # noqa: E402
from faceboard.services.images import MAX_WAITING, ImagePipeline  # noqa: E402

LATENCY = 0.05


async def load_all(pipeline: ImagePipeline, faces) -> None:
    """All tiles, a few screens at a time as a view asks (the pipeline keeps at most
    MAX_WAITING requests waiting and forgets older ones, long scrolled away)."""
    for start in range(0, len(faces), MAX_WAITING):
        await asyncio.gather(*(pipeline.request(f.image, 160) for f in faces[start : start + MAX_WAITING]))


async def measure(base_url: str, fake: FakeGumnut, count: int) -> dict:
    backend = GumnutBackend(fake.api_key, base_url, "lib_main")
    try:
        faces = []
        cursor = None
        while len(faces) < count:
            page = await backend.list_faces(None, cursor, 200)
            faces.extend(page.items)
            cursor = page.next_cursor
        faces = faces[:count]
        sequential_n = max(20, count // 20)  # sequential is slow: time a sample and scale it
        start = time.perf_counter()
        for face in faces[:sequential_n]:
            await backend.read_image(face.image.uri)
        sequential = (time.perf_counter() - start) * count / sequential_n
        with tempfile.TemporaryDirectory() as cache:
            pipeline = ImagePipeline(backend.read_image, Path(cache))
            calls = len(fake.calls)
            start = time.perf_counter()
            await load_all(pipeline, faces)
            concurrent = time.perf_counter() - start
            fetched = len(fake.calls) - calls
            start = time.perf_counter()
            await load_all(pipeline, faces)
            again = time.perf_counter() - start
            refetched = len(fake.calls) - calls - fetched
            await pipeline.aclose()
    finally:
        await backend.close()
    return {"thumbnails": count, "latency_ms": LATENCY * 1000, "sequential_s": round(sequential, 2),
            "pipeline_s": round(concurrent, 2), "speedup": round(sequential / concurrent, 1),
            "requests": fetched, "reopen_s": round(again, 2), "reopen_requests": refetched}


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    fake = FakeGumnut.seeded(people=2, faces_per_person=1, unassigned=count)
    fake.rate_limited = False
    fake.latency = LATENCY
    with serve(fake) as base_url:
        result = asyncio.run(measure(base_url, fake, count))
    print(json.dumps(result))
    print(f"{count} thumbnails with {LATENCY * 1000:.0f} ms latency: pipeline {result['pipeline_s']} s, "
          f"sequential {result['sequential_s']} s ({result['speedup']}x faster); "
          f"reopening the view: {result['reopen_s']} s and {result['reopen_requests']} requests")


if __name__ == "__main__":
    main()
