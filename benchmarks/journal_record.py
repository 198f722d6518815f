"""Writing a large change to the journal: a publication holding 10 MB of pictures is
encoded (base64 JSON) and committed with fsync. Prints how long that takes, and how late
a 5 ms ticker on the same event loop ran meanwhile: the loop is the GUI thread's, and the
encoding and the disk belong on the journal's own thread.

    .venv/bin/python benchmarks/journal_record.py
"""

import asyncio
import io
import json
import tempfile
import time
from pathlib import Path

from PIL import Image

from faceboard.domain import Publication
from faceboard.services.journal import Journal, encode
from faceboard.services.operations import Publish


def jpeg(side: int) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((side, side), 40).convert("RGB").save(out, "JPEG", quality=92)
    return out.getvalue()


async def main() -> None:
    publication = Publication("Dora Diaz", "7", jpeg(2048), (jpeg(2048), jpeg(2048)),
                              tuple(jpeg(512) for _ in range(12)))
    operation = Publish(None, publication)
    megabytes = sum(map(len, [publication.primary, *publication.thumbnails, *publication.faces])) / 1e6
    started = time.perf_counter()
    encode(operation)
    encoding_ms = (time.perf_counter() - started) * 1000
    late: list[float] = []

    async def ticker():
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.005)
            now = time.perf_counter()
            late.append(max(0.0, now - last - 0.005) * 1000)
            last = now

    with tempfile.TemporaryDirectory() as folder:
        journal = Journal(Path(folder) / "journal.sqlite3")
        await journal.open()
        tick = asyncio.ensure_future(ticker())
        await asyncio.sleep(0.02)
        started = time.perf_counter()
        await journal.record("bench", "bench", "Publish Dora Diaz", operation)
        record_ms = (time.perf_counter() - started) * 1000
        tick.cancel()
        await journal.close()
    figures = {"pictures_mb": round(megabytes, 1), "encode_ms": round(encoding_ms, 1),
               "record_ms": round(record_ms, 1), "loop_late_max_ms": round(max(late), 1)}
    print(json.dumps(figures))
    print(f"a publication of {megabytes:.1f} MB of pictures: encoding {encoding_ms:.1f} ms, journaled (with fsync) "
          f"in {record_ms:.1f} ms; the event loop was at most {max(late):.1f} ms late meanwhile")


asyncio.run(main())
