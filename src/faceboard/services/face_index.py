"""`KeptIndex`: an approximate nearest-neighbour index (voyager's HNSW) of faces'
embeddings, kept in a folder so that a restart reads it instead of building it again (a
build of 100,000 faces takes about 24 s on two cores, reading it back a fraction of a
second). It only grows: faces new to it are added, faces deleted since stay in it and
the caller leaves them out of what it finds, so while the model stays the same it never
needs building again. Each model has its own index (another model's distances mean
nothing here). Called off the event loop: every method may take seconds.
"""

from __future__ import annotations

import atexit
import os
import re
import weakref
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from voyager import Index, Space

M, EF_CONSTRUCTION = 12, 64  # recall 0.996 for k=11 on 100,000 faces
QUERY_EF = 64
# voyager holds the GIL through a whole multi-threaded call, and through any query: the
# window froze for seconds while the groups were made (scale.py: stalls of 2.6-3 s). So
# faces are added on one thread (which lets the GIL go) and looked up a few at a time: a
# lookup of QUERY_BATCH faces holds the GIL about 5 ms
QUERY_BATCH = 16


_OPEN: weakref.WeakSet[KeptIndex] = weakref.WeakSet()  # the indexes holding a voyager index now


@atexit.register
def _let_go() -> None:
    """Free every voyager index before the interpreter ends: nanobind, which voyager is
    bound with, prints a screenful of "leaked instance" warnings for one still alive."""
    for kept in list(_OPEN):
        kept._index = None


class KeptIndex:
    """Faces by position (voyager's id): `ids[position]` is the face id. `folder` None: in memory only."""

    def __init__(self, folder: Path | None, model: str, size: int):
        stem = "faces-" + re.sub(r"[^A-Za-z0-9._-]+", "_", model)
        self._files = None if folder is None else (Path(folder) / f"{stem}.voy", Path(folder) / f"{stem}.ids")
        self._size = size
        self._index: Index | None = None
        self.ids: list[str] = []
        self._known: set[str] = set()
        self.opened = False  # read from the folder, not built
        self.added = 0  # faces added since it was opened or made

    def _open(self) -> Index:
        if self._index is None:
            _OPEN.add(self)
            self._index = self._read() or Index(Space.Euclidean, num_dimensions=self._size, M=M,
                                                ef_construction=EF_CONSTRUCTION)
        return self._index

    def _read(self) -> Index | None:
        """The kept index, if its two files agree (a crash between their writes: none)."""
        if self._files is None or not all(path.exists() for path in self._files):
            return None
        try:
            index = Index.load(str(self._files[0]))
            ids = self._files[1].read_text(encoding="utf-8").splitlines()
        except (OSError, RuntimeError, ValueError, UnicodeDecodeError):
            return None
        if index.num_elements != len(ids) or index.num_dimensions != self._size:
            return None
        self.ids, self._known, self.opened = ids, set(ids), True
        return index

    def update(self, face_ids: Sequence[str], vectors: np.ndarray) -> int:
        """Add the faces it lacks (rows of `vectors`), and keep it if it grew: how many."""
        index = self._open()
        fresh = [at for at, face_id in enumerate(face_ids) if face_id not in self._known]
        if not fresh:
            return 0
        start = len(self.ids)
        index.add_items(np.ascontiguousarray(vectors[fresh], dtype=np.float32),
                        ids=list(range(start, start + len(fresh))), num_threads=1)
        added = [face_ids[at] for at in fresh]
        self.ids.extend(added)
        self._known.update(added)
        self.added += len(added)
        self._save(index)
        return len(added)

    def _save(self, index: Index) -> None:
        if self._files is None:
            return
        voy, ids = self._files
        try:
            voy.parent.mkdir(parents=True, exist_ok=True)
            index.save(str(voy) + ".new")
            ids.with_suffix(".new").write_text("".join(f"{face_id}\n" for face_id in self.ids), encoding="utf-8")
            os.replace(ids.with_suffix(".new"), ids)
            os.replace(str(voy) + ".new", voy)
        except OSError:
            pass  # not kept this time (a full disk, a folder gone read-only): built again next time

    def neighbours(self, vectors: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Each vector's `k` nearest faces in the index: positions and squared distances."""
        index = self._open()
        k = min(k, index.num_elements)
        if not k or not len(vectors):
            return np.zeros((len(vectors), 0), np.int64), np.zeros((len(vectors), 0), np.float32)
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        found = [index.query(vectors[at:at + QUERY_BATCH], k=k, num_threads=1, query_ef=max(QUERY_EF, k))
                 for at in range(0, len(vectors), QUERY_BATCH)]
        return (np.concatenate([p for p, _ in found]).astype(np.int64).reshape(len(vectors), k),
                np.concatenate([d for _, d in found]).reshape(len(vectors), k))
