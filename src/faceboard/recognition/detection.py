"""Finding faces in a picture, behind one small interface (`Detector`), so a better
model can replace the one chosen here without touching the rest.

YuNet (libfacedetection, compiled into `yuface`) finds turned and small faces (down to
about 16 px) fast; it ships wheels only for CPython <= 3.11 on Linux and Windows. Where it
is missing, dlib's HOG detector (inside `dlib-bin`, everywhere) finds frontal faces of
about 80 px and more. README "Face detection and recognition" has the figures.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from importlib.metadata import version
from typing import Protocol

import numpy as np


@dataclass(frozen=True, slots=True)
class Detection:
    """A face found in the picture given to the detector, in its pixels."""

    left: float
    top: float
    width: float
    height: float
    confidence: float  # 0..1


class Detector(Protocol):
    name: str  # the model and its version, stored with each face it finds
    max_side: int  # pictures are scaled down to fit this square before detection

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        """The faces in an RGB uint8 picture (height × width × 3)."""


class YuNetDetector:
    """libfacedetection's YuNet through `yuface`: a CNN that finds faces turned up to
    profile and down to about 16 px, in BGR pictures of any size."""

    MIN_CONFIDENCE = 60  # of 100: below this, mostly patterns and ears in the measured photos

    def __init__(self, max_side: int = 1600):
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

    def detect(self, rgb: np.ndarray) -> list[Detection]:
        rects, scores, _ = self._detector.run(np.ascontiguousarray(rgb), 0, 0.0)
        return [Detection(r.left(), r.top(), r.width(), r.height(), 1 / (1 + math.exp(-2 * score)))
                for r, score in zip(rects, scores)]


@functools.cache
def detector() -> Detector:
    """The detector of this process: YuNet where `yuface` installs, else HOG."""
    try:
        return YuNetDetector()
    except ImportError:
        return HogDetector()
