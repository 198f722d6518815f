"""Finding faces in a picture, behind one small interface (`Detector`), so a better
model can replace the one chosen here without touching the rest.

YuNet (libfacedetection, compiled into `yuface`) finds turned and small faces (down to
about 16 px) fast; it ships wheels only for CPython <= 3.11 on Linux and Windows. Where it
is missing, dlib's HOG detector (inside `dlib-bin`, everywhere) finds frontal faces of
about 80 px and more. Either runs inside `TurningDetector`, which also looks at the
picture turned by quarter turns for faces on their side or upside down. README "Face
detection and recognition" has the figures.
"""

from __future__ import annotations

import functools
import math
import os
from dataclasses import dataclass
from importlib.metadata import version
from typing import Protocol

import numpy as np


@dataclass(frozen=True, slots=True)
class Detection:
    """A face found in the picture given to the detector, in its pixels: a box from the
    hairline to the chin (YuNet's; other detectors' boxes are made like it), so tiles and
    the embedder see the same part of a face whichever detector found it."""

    left: float
    top: float
    width: float
    height: float
    confidence: float  # 0..1
    turn: int = 0  # quarter turns (counter-clockwise) the picture took for this face to stand upright


class Detector(Protocol):
    name: str  # the model and its version, stored with each face it finds
    max_side: int  # pictures are scaled down to fit this square before detection

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        """The faces in an RGB uint8 picture (height × width × 3)."""


class YuNetDetector:
    """libfacedetection's YuNet through `yuface`: a CNN that finds faces turned up to
    profile and down to about 16 px, in BGR pictures of any size."""

    MIN_CONFIDENCE = 70  # of 100: below this, mostly hands, hair and hardware in the measured photos

    def __init__(self, max_side: int = 1600):
        # libfacedetection runs on OpenMP, which reads this once, when yuface loads. The scan
        # runs a process on each core: a second thread each only contends (a 720×480 photo
        # took 0.59 s with 2 threads, 0.16 s with 1, on this 2-core machine while busy).
        os.environ.setdefault("OMP_NUM_THREADS", "1")
        import yuface  # noqa: F401  (fails here where there is no wheel: the caller falls back)

        self.name = f"yunet-libfacedetection (yuface {version('yuface')})"
        self.max_side = max_side

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        from yuface import c_detect  # the module's `detect` casts boxes to uint16, wrapping negative edges

        rows = c_detect(np.ascontiguousarray(rgb[:, :, ::-1]))  # columns: score, x, y, w, h, 10 landmarks, …
        return [Detection(float(x), float(y), float(w), float(h), score / 100)
                for score, x, y, w, h in rows[:, :5].tolist() if score >= self.MIN_CONFIDENCE and w > 0 and h > 0]


class HogDetector:
    """dlib's HOG + linear SVM frontal-face detector: no model file, works wherever dlib
    does; misses faces turned more than about 30° and smaller than about 80 px."""

    def __init__(self, max_side: int = 2000):
        import dlib

        self.name = f"dlib-hog (dlib-bin {version('dlib-bin')})"
        self.max_side = max_side
        self._detector = dlib.get_frontal_face_detector()

    # HOG's boxes are squares from the brows to the chin: YuNet's box of the same face is
    # 0.96 as wide, 1.22 times as high and reaches higher (measured on the test photos)
    WIDTH, HEIGHT, RISE = 0.96, 1.22, 0.09

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        rects, scores, _ = self._detector.run(np.ascontiguousarray(rgb), 0, 0.0)
        found = []
        for rect, score in zip(rects, scores):
            width, height = rect.width() * self.WIDTH, rect.height() * self.HEIGHT
            centre_x, centre_y = rect.left() + rect.width() / 2, rect.top() + rect.height() / 2 - self.RISE * height
            found.append(Detection(centre_x - width / 2, centre_y - height / 2, width, height,
                                   1 / (1 + math.exp(-2 * score))))
        return found


class TurningDetector:
    """`inner` on the picture as it is, then on the picture turned a quarter, a half and
    three quarters (scaled down to at most `turned_side`): detectors find faces within about 45°
    of upright, and people lie, float and hang upside down, and photos come sideways
    without EXIF. A face found more than once keeps its most confident detection."""

    SAME_FACE = 0.4  # of the smaller box, covered by the other: above this, two boxes are one face
    MIN_TURNED_CONFIDENCE = 0.85  # turned pictures show hands and knees as faces more often

    def __init__(self, inner: Detector, turned_side: int = 640):
        self.name = inner.name
        self.max_side = inner.max_side
        self._inner = inner
        self._turned_side = turned_side

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        found = self._inner.detect(rgb)
        height, width = rgb.shape[:2]
        small = _reduced(rgb, self._turned_side)
        scale = width / small.shape[1]
        for turn in (1, 2, 3):
            found += [_unturned(face, turn, small.shape[1], small.shape[0], scale)
                      for face in self._inner.detect(np.rot90(small, turn))
                      if face.confidence >= self.MIN_TURNED_CONFIDENCE]
        return _one_per_face(found, self.SAME_FACE)


def _reduced(rgb: np.ndarray, side: int) -> np.ndarray:
    """`rgb` made smaller by a whole factor (the mean of each block of pixels) to fit a
    `side` square; as it is when it already does. Summed a pixel of each block at a time:
    4× faster than a mean over a reshaped array."""
    factor = math.ceil(max(rgb.shape[:2]) / side)
    if factor <= 1:
        return rgb
    height, width = rgb.shape[0] // factor, rgb.shape[1] // factor
    total = np.zeros((height, width, 3), np.uint16)  # up to 16 × 16 blocks of 255
    for dy in range(factor):
        for dx in range(factor):
            total += rgb[dy: height * factor: factor, dx: width * factor: factor]
    return (total // (factor * factor)).astype(np.uint8)


def _unturned(face: Detection, turn: int, width: int, height: int, scale: float) -> Detection:
    """A face found in the `width`×`height` picture turned `turn` quarters counter-clockwise
    (np.rot90), in the unturned picture's pixels, times `scale`."""
    if turn == 1:
        left, top, w, h = width - face.top - face.height, face.left, face.height, face.width
    elif turn == 2:
        left, top, w, h = width - face.left - face.width, height - face.top - face.height, face.width, face.height
    else:
        left, top, w, h = face.top, height - face.left - face.width, face.height, face.width
    return Detection(left * scale, top * scale, w * scale, h * scale, face.confidence, turn)


def _overlap(a: Detection, b: Detection) -> float:
    """How much of the smaller of two boxes the other covers."""
    width = min(a.left + a.width, b.left + b.width) - max(a.left, b.left)
    height = min(a.top + a.height, b.top + b.height) - max(a.top, b.top)
    if width <= 0 or height <= 0:
        return 0.0
    return width * height / min(a.width * a.height, b.width * b.height)


def _one_per_face(found: list[Detection], same: float) -> list[Detection]:
    """The most confident of each group of boxes that overlap by more than `same`."""
    kept: list[Detection] = []
    for face in sorted(found, key=lambda f: -f.confidence):
        if all(_overlap(face, other) <= same for other in kept):
            kept.append(face)
    return kept


@functools.cache
def detector() -> Detector:
    """The detector of this process: YuNet where `yuface` installs, else HOG; both also
    on the picture turned."""
    try:
        return TurningDetector(YuNetDetector())
    except ImportError:
        return TurningDetector(HogDetector())
