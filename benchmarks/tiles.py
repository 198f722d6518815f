"""How long one face tile takes: Faceboard's decode (JPEG draft, crop, reduce) against
a plain full decode, crop and resize, on a demo photo and on a 12-megapixel photo.

    .venv/bin/python benchmarks/tiles.py
"""

import io
import tempfile
import time
from pathlib import Path

from PIL import Image

from faceboard.backends.local import demo
from faceboard.domain import BoundingBox
from faceboard.services.images import decode_tile


def naive(data: bytes, box: BoundingBox, size: int) -> Image.Image:
    image = Image.open(io.BytesIO(data)).convert("RGB")
    crop = image.crop((box.x, box.y, box.x + box.width, box.y + box.height))
    return crop.resize((size, size), Image.Resampling.BICUBIC)


def measure(label: str, data: bytes, box: BoundingBox, size: int = 128, rounds: int = 30) -> None:
    timings = {}
    for name, fn in (("faceboard", decode_tile), ("full decode + resize", naive)):
        start = time.perf_counter()
        for _ in range(rounds):
            fn(data, box, size)
        timings[name] = (time.perf_counter() - start) / rounds * 1000
    ratio = timings["full decode + resize"] / timings["faceboard"]
    print(f"{label}: faceboard {timings['faceboard']:.1f} ms/tile, "
          f"full decode + resize {timings['full decode + resize']:.1f} ms/tile, {ratio:.1f}x")


def main() -> None:
    folder = Path(tempfile.mkdtemp()) / "library"
    demo.generate(folder, people=6, photos=4)
    photo = (folder / "images" / "assets" / "000001.jpg").read_bytes()
    measure("demo photo 1024x683, face 80 px", photo, BoundingBox(100, 150, 80, 120))
    big = Image.open(io.BytesIO(photo)).resize((4240, 2828))
    out = io.BytesIO()
    big.save(out, "JPEG", quality=90)
    measure("12 MP photo, face 400 px", out.getvalue(), BoundingBox(400, 600, 400, 480), rounds=10)


if __name__ == "__main__":
    main()
