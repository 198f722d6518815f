"""Faces in 12-megapixel photos, one process: Faceboard's `analyse_photo` against the bare
model calls it makes (the same decode, detector passes and dlib calls with nothing
around them: the pipeline's overhead) and against a naive run of the same models (the
photo decoded at full size, YuNet once over all 12 MP, each face embedded from the full
photo). Also the detection sizes that find a 40 px face, and dlib's HOG (the detector
where yuface has no wheel) on the same photos.

The 12 MP photos are made from tests/data: upscaled, and a canvas with pasted faces of
40 to 160 px. One OpenMP thread for YuNet in every run (the scan runs a process a core);
times are CPU seconds of this process. Prints JSON, then a readable line per figure.

    .venv/bin/python benchmarks/recognition.py
"""

import os

os.environ["OMP_NUM_THREADS"] = "1"

import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import dlib  # noqa: E402
import numpy as np  # noqa: E402
import yuface  # noqa: E402
from PIL import Image  # noqa: E402

from faceboard import imaging  # noqa: E402
from faceboard.recognition import analyse_photo, warm_up  # noqa: E402
from faceboard.recognition import analysis, detection, embedding  # noqa: E402

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SIZE = (4000, 3000)
SMALL_FACES = (40, 60, 80, 120, 160)  # pasted into one canvas, face widths in px


def twelve_megapixels(folder: Path) -> dict[str, Path]:
    """The benchmark's photos, JPEG quality 90 like a camera's."""
    photos = {}
    for name, source, area in (("no face", "wiseman_iss.jpg", (330, 0, 720, 479)),
                               ("portrait", "whitson_iss.jpg", None), ("crew of 3", "expedition1_crew.jpg", None),
                               ("crew of 13", "sts131_crew.jpg", None)):
        image = Image.open(DATA / source).convert("RGB").crop(area)  # no face: the cupola's window
        scale = max(SIZE[0] / image.width, SIZE[1] / image.height)
        image = image.resize((round(image.width * scale), round(image.height * scale)), Image.Resampling.BICUBIC)
        photos[name] = image.crop((0, 0) + SIZE)
    canvas = Image.open(DATA / "rubins_iss.jpg").convert("RGB").resize(SIZE, Image.Resampling.BICUBIC)
    portrait = Image.open(DATA / "whitson_portrait.jpg").convert("RGB")
    for i, width in enumerate(SMALL_FACES):  # whitson_portrait's face is 150 px wide
        scale = width / 150
        face = portrait.resize((round(portrait.width * scale), round(portrait.height * scale)),
                               Image.Resampling.LANCZOS)
        canvas.paste(face, (200 + i * 700, 2000))
    photos[f"{len(SMALL_FACES)} small faces + 1"] = canvas
    paths = {}
    for name, image in photos.items():
        paths[name] = folder / f"{name.replace(' ', '_')}.jpg"
        image.save(paths[name], quality=90)
    return paths


def timed(call, repeat: int = 3):
    """The median CPU time of `repeat` calls (this process's, all on one thread: on a
    shared machine wall time mostly measures the neighbours), and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = call()
        times.append(time.process_time() - start)
    return statistics.median(times), result


def decoded(path: Path, side: int | None, exact: bool = True) -> np.ndarray:
    image = Image.open(path)
    if side is not None:
        image.draft("RGB", (side * image.width // max(image.size), side * image.height // max(image.size)))
    image = image.convert("RGB")
    if side is not None and exact:
        image.thumbnail((side, side), Image.Resampling.BILINEAR, reducing_gap=2.0)
    return np.asarray(image)


def bare_calls(path: Path, crops, embed_side: int | None, landmarks, model) -> None:
    """What analyse_photo costs at the least: the JPEG decoded at the detection size, YuNet
    on it and on its three quarter turns (every third pixel), the JPEG decoded again where
    a small face needs more pixels, and dlib on each face's crop; nothing else."""
    pixels = decoded(path, 1600)[:, :, ::-1]
    yuface.c_detect(np.ascontiguousarray(pixels))
    small = pixels[::3, ::3]
    for turn in (1, 2, 3):
        yuface.c_detect(np.ascontiguousarray(np.rot90(small, turn)))
    if embed_side != 1600 and crops:
        decoded(path, embed_side, exact=False)
    for crop, rect in crops:
        model.compute_face_descriptor(crop, landmarks(crop, rect))


def naive(path: Path, landmarks, model) -> int:
    """The same models the plain way: full decode, one YuNet pass over 12 MP, each face
    embedded from the full photo."""
    rgb = np.asarray(Image.open(path).convert("RGB"))
    rows = yuface.c_detect(np.ascontiguousarray(rgb[:, :, ::-1]))
    faces = [row for row in rows if row[0] >= detection.YuNetDetector.MIN_CONFIDENCE]
    for score, x, y, w, h in (row[:5] for row in faces):
        model.compute_face_descriptor(rgb, landmarks(rgb, dlib.rectangle(int(x), int(y), int(x + w), int(y + h))))
    return len(faces)


def face_crops(path: Path):
    """Each face's crop and dlib box as analyse_photo makes them, for the bare calls, and
    the size the photo is decoded at for them."""
    photo = imaging.read_photo(path)
    found = analyse_photo(str(path)).faces
    if not found:
        return [], None
    side = max(1600, analysis._side_needed(photo, min(max(f.box.width, f.box.height) for f in found),
                                           embedding.embedder()))
    source = imaging.decode_photo(photo, side, exact=False)
    crops = []
    for face in found:
        box, scale = face.box, source.scale
        margin = max(box.width, box.height) * scale * analysis.EMBED_MARGIN
        shrink = min(1.0, embedding.embedder().face_side / (max(box.width, box.height) * scale))
        crop = np.ascontiguousarray(imaging.cut(source, (box.x * scale - margin, box.y * scale - margin,
                                                         (box.x + box.width) * scale + margin,
                                                         (box.y + box.height) * scale + margin), shrink))
        m, w = margin * shrink, box.width * scale * shrink
        crops.append((crop, dlib.rectangle(round(m), round(m), round(m + w), round(m + box.height * scale * shrink))))
    return crops, (None if side >= max(photo.width, photo.height) else side)


def main() -> None:
    warm_up()
    landmarks = dlib.shape_predictor(embedding.model_file(embedding.LANDMARKS_MODEL))
    model = dlib.face_recognition_model_v1(embedding.model_file(embedding.EMBEDDING_MODEL))
    results = {"photos": {}}
    with tempfile.TemporaryDirectory() as folder:
        photos = twelve_megapixels(Path(folder))
        for name, path in photos.items():
            pipeline, found = timed(lambda: analyse_photo(str(path)))
            photo = imaging.read_photo(path)
            seen = imaging.decode_photo(photo, detection.detector().max_side)
            detect, _ = timed(lambda: detection.detector().detect(np.asarray(seen.image)))
            crops, embed_side = face_crops(path)
            bare, _ = timed(lambda: bare_calls(path, crops, embed_side, landmarks, model))
            per_face = (timed(lambda: [model.compute_face_descriptor(c, landmarks(c, r)) for c, r in crops])[0]
                        / len(crops)) if crops else 0.0
            plain, plain_faces = timed(lambda: naive(path, landmarks, model), repeat=1)
            results["photos"][name] = {
                "faces": len(found.faces), "analyse_photo_s": round(pipeline, 3), "detection_s": round(detect, 3),
                "embedding_per_face_s": round(per_face, 3), "bare_calls_s": round(bare, 3),
                "overhead": round(pipeline / bare, 2), "naive_s": round(plain, 3), "naive_faces": plain_faces,
                "faster_than_naive": round(plain / pipeline, 2)}
        hog = detection.TurningDetector(detection.HogDetector())
        results["hog"] = {}
        for name, path in photos.items():
            seen = imaging.decode_photo(imaging.read_photo(path), hog.max_side)
            seconds, faces = timed(lambda: hog.detect(np.asarray(seen.image)))
            results["hog"][name] = {"faces": len(faces), "detection_s": round(seconds, 3)}
        small = photos[f"{len(SMALL_FACES)} small faces + 1"]
        results["detection_size"] = {}
        for side in (960, 1280, 1600, 2000, 2400):
            seen = imaging.decode_photo(imaging.read_photo(small), side)
            yunet = detection.YuNetDetector(side)
            seconds, faces = timed(lambda: yunet.detect(np.asarray(seen.image)))
            widths = sorted(round(face.width / seen.scale) for face in faces)
            results["detection_size"][side] = {"seconds": round(seconds, 3), "face_widths_found": widths}
    print(json.dumps(results, indent=1))
    for name, r in results["photos"].items():
        print(f"{name}: {r['faces']} faces, analyse_photo {r['analyse_photo_s']:.2f} s (detection "
              f"{r['detection_s']:.2f} s, {r['embedding_per_face_s']:.3f} s a face), bare calls {r['bare_calls_s']:.2f} s "
              f"({r['overhead']}×), naive {r['naive_s']:.2f} s with {r['naive_faces']} faces "
              f"({r['faster_than_naive']}× slower)")
    total = sum(r["analyse_photo_s"] for r in results["photos"].values())
    faces = sum(r["faces"] for r in results["photos"].values())
    naive_total = sum(r["naive_s"] for r in results["photos"].values())
    bare_total = sum(r["bare_calls_s"] for r in results["photos"].values())
    print(f"all {len(photos)} photos, one process: {len(photos) / total:.2f} photos/s, {faces / total:.2f} faces/s; "
          f"naive {naive_total / total:.2f}× slower; pipeline {total / bare_total:.2f}× the bare calls")
    for name, r in results["hog"].items():
        print(f"HOG {name}: {r['faces']} faces in {r['detection_s']:.2f} s")
    for side, r in results["detection_size"].items():
        print(f"YuNet at {side} px: {r['seconds']:.2f} s, faces of {r['face_widths_found']} px found "
              f"(pasted: {list(SMALL_FACES)} and one of about 300)")


if __name__ == "__main__":
    main()
