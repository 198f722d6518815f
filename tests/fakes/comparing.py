"""An in-memory backend that compares faces (the `FaceComparing` role, as documented in
`backends.base`): faces with embeddings and people, the operator's rejections, qualities.
The likeness tests move faces here and hand `Likeness.apply` the `Change` the curator would."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from faceboard.backends.base import FaceQuality, FaceVectors
from faceboard.domain import BoundingBox, Face, ImageRef

MODEL = "dlib_face_recognition_resnet_model_v1"


class FakeComparing:
    def __init__(self, vectors: dict[str, np.ndarray], index_folder: Path | None = None):
        self.vectors = dict(vectors)  # face id -> embedding
        self.person: dict[str, str | None] = dict.fromkeys(vectors)
        self.deleted: set[str] = set()
        self.rejected: set[tuple[str, str]] = set()
        self.qualities: dict[str, FaceQuality] = {}
        self.index_folder = index_folder
        self.vector_reads = 0
        self.vectors_read = 0  # embeddings answered, in all
        self.embedded: dict[str, int] = {}  # face id -> when its embedding came (a counter)

    async def face_vectors(self, face_ids: Sequence[str] | None = None,
                           newer_than: int | None = None) -> FaceVectors:
        """As the local library: `through` counts the embeddings in the order they came."""
        self.vector_reads += 1
        for face_id in self.vectors:
            self.embedded.setdefault(face_id, len(self.embedded))
        since = -1 if newer_than is None else newer_than
        ids = [f for f in (self.vectors if face_ids is None else face_ids)
               if f in self.vectors and f not in self.deleted and self.embedded[f] > since]
        self.vectors_read += len(ids)
        rows = np.array([self.vectors[f] for f in ids], np.float32).reshape(len(ids), 128)
        return FaceVectors(MODEL, tuple(ids), tuple(self.person.get(f) for f in ids), rows,
                           max((self.embedded[f] for f in ids), default=newer_than))

    async def rejections(self) -> frozenset[tuple[str, str]]:
        return frozenset(self.rejected)

    async def reject_suggestions(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.rejected.update(pairs)

    async def restore_suggestions(self, pairs: Sequence[tuple[str, str]]) -> None:
        self.rejected.difference_update(pairs)

    async def face_qualities(self, face_ids: Sequence[str]) -> dict[str, FaceQuality]:
        return {f: self.qualities[f] for f in face_ids if f in self.qualities}

    def face(self, face_id: str) -> Face:
        return Face(face_id, self.person[face_id], "photo", BoundingBox(0, 0, 10, 10), ImageRef(face_id, face_id))

    def move(self, moves: dict[str, str | None]) -> tuple[Face, ...]:
        """Move faces as `assign_faces` would; the faces as they are now."""
        self.person.update(moves)
        return tuple(self.face(f) for f in moves)
