"""Scanning 12 MP photos: photos and faces a second through the Scanner (worker processes,
one photo a transaction into a fresh local library), against a naive run of the same
models in one process at full resolution (decode the whole photo, detect on it, embed each
face from it), and against the bare model calls the scan makes (the detector's and the
embedder's own time, measured in one process on the same photos): the pipeline's overhead.

The photos are 4000×3000 JPEGs made from the public-domain photos of tests/data (portraits
and crews, scaled so that faces run from about 40 to 400 px) on a noisy background, so
each file is about the size a phone's is. Prints JSON, then a readable line.

    .venv/bin/python benchmarks/scan.py [PHOTOS]      (default 12)
"""

import asyncio
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from faceboard.backends.local import LocalLibrary
from faceboard.recognition import analyse_photo
from faceboard.recognition.detection import detector
from faceboard.recognition.embedding import embedder
from faceboard.services.scanning import Scanner, worker_count

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
PEOPLE = ("collins.jpg", "whitson_portrait.jpg", "expedition1_crew.jpg", "wiseman_iss.jpg", "sts131_crew.jpg",
          "rubins_portrait.jpg", "whitson_iss.jpg", "wiseman_portrait.jpg")
SIZE = (4000, 3000)


def make_photos(folder: Path, count: int, seed: int = 14) -> list[Path]:
    """`count` distinct 12 MP photos: one or two of the test photos each (a portrait, a
    crew), each in a quarter of the frame or more at a random scale, on a gradient with
    sensor-like noise."""
    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    sources = [Image.open(DATA / name).convert("RGB") for name in PEOPLE]
    y, x = np.mgrid[0:SIZE[1], 0:SIZE[0]]
    base = np.stack([x * 200 / SIZE[0] + 30, y * 180 / SIZE[1] + 40, (x + y) * 120 / sum(SIZE) + 60], -1)
    photos = []
    for i in range(count):
        canvas = Image.fromarray(np.clip(base + noise.normal(0, 7, base.shape), 0, 255).astype(np.uint8))
        quarters = rng.sample([(0, 0), (1, 0), (0, 1), (1, 1)], rng.choice((1, 2)))
        for (qx, qy), source in zip(quarters, rng.sample(sources, len(quarters))):
            scale = rng.uniform(0.45, 1.0) * min(SIZE[0] / 2 / source.width, SIZE[1] / 2 / source.height)
            picture = source.resize((round(source.width * scale), round(source.height * scale)),
                                    Image.Resampling.BICUBIC)
            canvas.paste(picture, (qx * SIZE[0] // 2 + rng.randrange(SIZE[0] // 2 - picture.width + 1),
                                   qy * SIZE[1] // 2 + rng.randrange(SIZE[1] // 2 - picture.height + 1)))
        path = folder / f"IMG_{i:04d}.jpg"
        canvas.save(path, "JPEG", quality=92)
        photos.append(path)
    return photos


def scan(photos: list[Path], library: Path) -> dict:
    """The Scanner on a fresh library: the whole run, and its steady rate (first to last photo)."""
    stamps: list[float] = []

    async def go():
        lib = LocalLibrary(library)
        try:
            start = time.perf_counter()
            done = await Scanner(lib, lambda p: stamps.append(time.perf_counter()) if p.photos_done else None).run(
                [photos[0].parent])
            return done, start, time.perf_counter()
        finally:
            await lib.close()

    done, start, end = asyncio.run(go())
    assert done.photos_done == len(photos) and not done.problems, done
    firsts = sorted(set(stamps))  # when each photo was committed
    steady = (firsts[-1] - firsts[0]) / (len(photos) - 1) if len(photos) > 1 else end - start
    return {"seconds": end - start, "faces": done.faces_found, "steady_seconds_per_photo": steady,
            "until_first_photo": firsts[0] - start}


class Timed:
    """A model whose calls are timed: the bare model time of the pipeline."""

    def __init__(self, model, method: str):
        self.seconds = 0.0
        call = getattr(model, method)

        def timed(*args):
            start = time.perf_counter()
            try:
                return call(*args)
            finally:
                self.seconds += time.perf_counter() - start

        setattr(model, method, timed)


def bare(photos: list[Path]) -> dict:
    """analyse_photo in this process, the models' own calls timed apart."""
    find, embed = detector(), embedder()
    model = getattr(find, "_inner", find)  # the detector proper, not the turning around it
    detecting, embedding = Timed(model, "detect"), Timed(embed, "embed")
    start = time.perf_counter()
    faces = sum(len(analyse_photo(str(p)).faces) for p in photos)
    return {"seconds": time.perf_counter() - start, "model_seconds": detecting.seconds + embedding.seconds,
            "detect_seconds": detecting.seconds, "embed_seconds": embedding.seconds, "faces": faces}


def naive(photos: list[Path]) -> dict:
    """The same models, one process, at full resolution: the whole photo decoded, the
    detector run on it, each face embedded from it."""
    find, embed = detector(), embedder()
    start = time.perf_counter()
    faces = 0
    for path in photos:
        rgb = np.asarray(ImageOps.exif_transpose(Image.open(path)).convert("RGB"))
        for face in find.detect(rgb):
            embed.embed(rgb, (face.left, face.top, face.width, face.height))
            faces += 1
    return {"seconds": time.perf_counter() - start, "faces": faces}


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 12
    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "photos"
        folder.mkdir()
        photos = make_photos(folder, count)
        megabytes = sum(p.stat().st_size for p in photos) / len(photos) / 2**20
        warm = bare(photos[:1])  # loads the models in this process first
        del warm
        pipeline = scan(photos, Path(temporary) / "library")
        models = bare(photos)
        slow = naive(photos)
    workers = worker_count()
    figures = {
        "photos": count, "faces_per_photo": pipeline["faces"] / count, "megapixels": SIZE[0] * SIZE[1] / 1e6, "mb_per_photo": round(megabytes, 2),
        "workers": workers, "scanner": pipeline, "bare_models": models, "naive": slow,
        "photos_per_second": count / pipeline["seconds"], "faces_per_second": pipeline["faces"] / pipeline["seconds"],
        "naive_photos_per_second": count / slow["seconds"],
        "faster_than_naive": slow["seconds"] / pipeline["seconds"],
        # worker time per photo against the models' own time per photo (both on one core a worker)
        "overhead_vs_bare_models": pipeline["steady_seconds_per_photo"] * workers / (models["model_seconds"] / count),
    }
    print(json.dumps(figures, indent=2))
    print(f"{count} photos of 12 MP ({megabytes:.1f} MB each), {workers} worker(s): scanner "
          f"{figures['photos_per_second']:.2f} photos/s, {figures['faces_per_second']:.1f} faces/s "
          f"({pipeline['faces']} faces, {pipeline['seconds']:.1f} s with the workers' start); naive full resolution in "
          f"one process {figures['naive_photos_per_second']:.2f} photos/s ({slow['faces']} faces): "
          f"{figures['faster_than_naive']:.1f}x faster; pipeline {figures['overhead_vs_bare_models']:.2f}x the bare "
          f"model calls ({models['model_seconds'] / count:.2f} s a photo: detect {models['detect_seconds'] / count:.2f}"
          f", embed {models['embed_seconds'] / count:.2f})")


if __name__ == "__main__":
    main()
