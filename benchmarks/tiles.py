"""How long one 160 px tile takes from a 12-megapixel JPEG, for the whole photo and for a
face crop: Faceboard's `decode_tile` (JPEG draft, crop, reduce) against a full decode and
resize (what loading a QPixmap and scaling it costs), and against a bare `draft()` +
`load()` of the same file at the same scale (the limit: nothing can decode less).
Prints JSON, then a readable line per case.

    .venv/bin/python benchmarks/tiles.py
"""

import io
import json
import tempfile
import time
from pathlib import Path

from PIL import Image

from faceboard.backends.local import demo
from faceboard.domain import BoundingBox
from faceboard.imaging import FACE_MARGIN, decode_tile

SIZE = 160


def full_decode(data: bytes, box: BoundingBox | None) -> Image.Image:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    if box is not None:
        image = image.crop((box.x, box.y, box.x + box.width, box.y + box.height))
    return image.resize((SIZE, SIZE), Image.Resampling.BICUBIC)


def draft_and_load(data: bytes, box: BoundingBox | None) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    wanted = (SIZE, SIZE)
    if box is not None:  # the scale decode_tile asks for, so both decode the same pixels
        side = max(box.width, box.height) * (1 + 2 * FACE_MARGIN)
        wanted = (int(SIZE * image.width / side) + 1, int(SIZE * image.height / side) + 1)
    image.draft("RGB", wanted)
    image.load()
    return image


def best_of(fns, rounds: int) -> list[float]:
    """The fastest of `rounds` runs of each function, in ms of this thread's CPU time
    (decoding is all CPU: the time other processes of a shared machine take is left
    out), the functions taking turns within each round, so what one meets the other
    meets too."""
    timings = [[] for _ in fns]
    for _ in range(rounds):
        for fn, times in zip(fns, timings):
            start = time.thread_time()
            fn()
            times.append(time.thread_time() - start)
    return [round(min(times) * 1000, 2) for times in timings]


def measure(data: bytes, box: BoundingBox | None, rounds: int = 30) -> dict:
    faceboard, limit = best_of([lambda: decode_tile(data, box, SIZE), lambda: draft_and_load(data, box)], rounds)
    (full,) = best_of([lambda: full_decode(data, box)], max(3, rounds // 6))
    return {"faceboard_ms": faceboard, "full_decode_resize_ms": full, "draft_load_ms": limit,
            "speedup_vs_full": round(full / faceboard, 1), "ratio_to_limit": round(faceboard / limit, 2)}


def twelve_megapixels() -> bytes:
    folder = Path(tempfile.mkdtemp()) / "library"
    demo.generate(folder, people=6, photos=4)
    photo = Image.open(folder / "images" / "assets" / "000001.jpg").resize((4240, 2828))
    out = io.BytesIO()
    photo.save(out, "JPEG", quality=90)
    return out.getvalue()


def main() -> None:
    data = twelve_megapixels()
    cases = {"whole photo": None, "face crop 400x480": BoundingBox(1800, 900, 400, 480)}
    results = {label: measure(data, box) for label, box in cases.items()}
    print(json.dumps({"image": "4240x2828 JPEG", "tile_px": SIZE, **results}))
    for label, r in results.items():
        print(f"12 MP JPEG -> {SIZE} px tile, {label}: faceboard {r['faceboard_ms']} ms, full decode + resize "
              f"{r['full_decode_resize_ms']} ms ({r['speedup_vs_full']}x faster), bare draft + load "
              f"{r['draft_load_ms']} ms ({r['ratio_to_limit']}x the limit)")


if __name__ == "__main__":
    main()
