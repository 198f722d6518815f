"""How good a face is as a primary thumbnail, measured on the aligned face the embedder
saw (`embedding.Embedded`), so every face is measured at one size (150 px) and pose
whatever its photo: sharp, frontal, well lit. The box's size is the library's to add.

Sharpness and brightness are read from the chip's middle, the face without the margin
the embedder keeps around it (a bright sky behind a head is not a well-lit face).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from faceboard.recognition.embedding import Embedded

_GREY = np.array([0.299, 0.587, 0.114])  # ITU-R 601 luma, as Pillow's "L"


@dataclass(frozen=True)
class Quality:
    sharpness: float  # variance of the Laplacian of the grey face: a blurred copy has a fraction of it
    frontal: float  # 0..1: 1 looking straight at the camera, towards 0 turned to a profile
    brightness: float  # 0..1: the face's mean grey level


def measure(face: Embedded, padding: float) -> Quality:
    """The quality of an embedded face whose chip holds `padding` (of the face's side) of
    margin on each side."""
    side = face.chip.shape[0]
    margin = round(side * padding / (1 + 2 * padding))
    grey = face.chip[margin:side - margin, margin:side - margin].astype(np.float64) @ _GREY
    laplacian = grey[:-2, 1:-1] + grey[2:, 1:-1] + grey[1:-1, :-2] + grey[1:-1, 2:] - 4 * grey[1:-1, 1:-1]
    return Quality(round(float(laplacian.var()), 2), round(frontal(face.landmarks), 3),
                   round(float(grey.mean()) / 255, 3))


def frontal(landmarks: np.ndarray) -> float:
    """0..1 from the symmetry of dlib's 5 landmarks (two corners of each eye, then the
    bottom of the nose): a face turned away moves the nose towards one eye and narrows the
    farther eye. The product of how centred the nose lies between the eyes' middles and
    how alike the eyes' widths are."""
    first, second, nose = landmarks[0:2].mean(axis=0), landmarks[2:4].mean(axis=0), landmarks[4]
    across = second - first
    length = float(across @ across)
    if length == 0:
        return 0.0
    along = float((nose - first) @ across) / length  # 0.5: the nose halfway between the eyes
    centred = max(0.0, 1 - 2 * abs(along - 0.5))
    widths = sorted(float(np.linalg.norm(landmarks[i] - landmarks[i + 1])) for i in (0, 2))
    return centred * (widths[0] / widths[1] if widths[1] else 0.0)
