"""`KeptIndex`: an approximate nearest-neighbour index (voyager's HNSW) of faces'
embeddings, kept in a folder so that a restart reads it instead of building it again (a
build of 100,000 faces takes about 24 s on two cores, reading it back a fraction of a
second). It only grows: faces new to it are added, faces deleted since stay in it and
the caller leaves them out of what it finds, so while the model stays the same it never
needs building again. Each model has its own index (another model's distances mean
nothing here). Called off the event loop: every method may take seconds.

Each face's nearest faces are looked up once and kept too (in memory and beside the
index): the groups are made again after every decision, and looking up the 14,657
unknown faces of a library of 100,000 took 6.4 s each time, holding the GIL in slices
(benchmarks/scale.py: the window stalled for seconds while an operator worked in Review).
A face added later is looked up when it joins, and enters the kept lists of the faces it
finds nearer than their farthest (a face that does not find them is missed, as HNSW may
miss a neighbour anyway).
"""

from __future__ import annotations

import atexit
import os
import re
import weakref
import zipfile
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

    def __init__(self, folder: Path | None, model: str, size: int, nearest: int):
        stem = "faces-" + re.sub(r"[^A-Za-z0-9._-]+", "_", model)
        self._files = None if folder is None else \
            tuple(Path(folder) / f"{stem}.{kind}" for kind in ("voy", "ids", "near.npz"))
        self._size, self._k = size, nearest
        self._index: Index | None = None
        self.ids: list[str] = []
        self._position: dict[str, int] = {}
        self._near = np.full((0, nearest), -1, np.int32)  # each position's nearest positions; -1: not looked up
        self._near_d2 = np.zeros((0, nearest), np.float32)  # ... and their squared distances
        self.opened = False  # read from the folder, not built
        self.added = 0  # faces added since it was opened or made
        self.looked_up = 0  # faces whose nearest were looked up since (not read from the folder)

    def _open(self) -> Index:
        if self._index is None:
            _OPEN.add(self)
            self._index = self._read() or Index(Space.Euclidean, num_dimensions=self._size, M=M,
                                                ef_construction=EF_CONSTRUCTION)
        return self._index

    def _read(self) -> Index | None:
        """The kept index, if its two files agree (a crash between their writes: none)."""
        if self._files is None or not all(path.exists() for path in self._files[:2]):
            return None
        try:
            index = Index.load(str(self._files[0]))
            ids = self._files[1].read_text(encoding="utf-8").splitlines()
        except (OSError, RuntimeError, ValueError, UnicodeDecodeError):
            return None
        if index.num_elements != len(ids) or index.num_dimensions != self._size:
            return None
        self.ids, self._position, self.opened = ids, {face_id: at for at, face_id in enumerate(ids)}, True
        self._near, self._near_d2 = self._read_nearest(len(ids))
        return index

    def _read_nearest(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The kept nearest faces, if kept for these `count` faces and this many nearest (else none looked up)."""
        try:
            with np.load(self._files[2]) as kept:
                near, near_d2 = kept["near"], kept["near_d2"]
        except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile):
            near = near_d2 = None
        if near is None or near.shape != (count, self._k) or near_d2.shape != near.shape:
            return np.full((count, self._k), -1, np.int32), np.zeros((count, self._k), np.float32)
        return near.astype(np.int32), near_d2.astype(np.float32)

    def update(self, face_ids: Sequence[str], vectors: np.ndarray) -> int:
        """Add the faces it lacks (rows of `vectors`), and keep it if it grew: how many."""
        index = self._open()
        fresh = [at for at, face_id in enumerate(face_ids) if face_id not in self._position]
        if not fresh:
            return 0
        start = len(self.ids)
        vectors = np.ascontiguousarray(vectors[fresh], dtype=np.float32)
        index.add_items(vectors, ids=list(range(start, start + len(fresh))), num_threads=1)
        added = [face_ids[at] for at in fresh]
        self.ids.extend(added)
        self._position.update((face_id, start + at) for at, face_id in enumerate(added))
        self.added += len(added)
        looked_up = (self._near[:, 0] >= 0).any()
        self._near = np.concatenate([self._near, np.full((len(added), self._k), -1, np.int32)])
        self._near_d2 = np.concatenate([self._near_d2, np.zeros((len(added), self._k), np.float32)])
        if looked_up:  # the faces already looked up may now have a nearer face among these
            new = np.arange(start, start + len(added))
            self._look_up(index, new, vectors)
            self._meet(new)
        self._save(index)
        return len(added)

    def nearest(self, face_ids: Sequence[str], vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The nearest faces (`nearest` of them, itself among them) of these faces of the
        index (`vectors`: their embeddings): positions and squared distances. Looked up the
        first time a face is asked for, then kept."""
        index = self._open()
        positions = np.fromiter((self._position[face_id] for face_id in face_ids), np.int64, len(face_ids))
        missing = np.flatnonzero(self._near[positions, 0] < 0)
        if len(missing):
            self._look_up(index, positions[missing], np.ascontiguousarray(vectors[missing], dtype=np.float32))
            self._save_nearest()
        return self._near[positions].astype(np.int64), self._near_d2[positions]

    def _look_up(self, index: Index, positions: np.ndarray, vectors: np.ndarray) -> None:
        k = min(self._k, index.num_elements)
        for at in range(0, len(positions), QUERY_BATCH):
            found, d2 = index.query(vectors[at:at + QUERY_BATCH], k=k, num_threads=1, query_ef=max(QUERY_EF, k))
            rows = positions[at:at + QUERY_BATCH]
            self._near[rows, :k], self._near_d2[rows, :k] = found.reshape(len(rows), k), d2.reshape(len(rows), k)
            self._near[rows, k:], self._near_d2[rows, k:] = rows[:, None], np.inf  # fewer faces than asked for
        self.looked_up += len(positions)

    def _meet(self, new: np.ndarray) -> None:
        """The new faces (looked up) enter the kept lists of the older faces they found,
        where nearer than the farthest kept."""
        fresh = self._near[new] >= new[0]
        older, d2 = self._near[new][~fresh], self._near_d2[new][~fresh]
        joining = np.broadcast_to(new[:, None], fresh.shape)[~fresh]
        keep = (self._near[older, 0] >= 0) & (d2 < self._near_d2[older, -1])
        for face, other, distance in zip(older[keep].tolist(), joining[keep].tolist(), d2[keep].tolist()):
            if distance >= self._near_d2[face, -1] or other in self._near[face]:
                continue
            at = int(np.searchsorted(self._near_d2[face], distance, side="right"))
            self._near[face, at + 1:], self._near_d2[face, at + 1:] = self._near[face, at:-1], self._near_d2[face, at:-1]
            self._near[face, at], self._near_d2[face, at] = other, distance

    def _save(self, index: Index) -> None:
        if self._files is None:
            return
        voy, ids, _ = self._files
        try:
            voy.parent.mkdir(parents=True, exist_ok=True)
            index.save(str(voy) + ".new")
            ids.with_suffix(".new").write_text("".join(f"{face_id}\n" for face_id in self.ids), encoding="utf-8")
            os.replace(ids.with_suffix(".new"), ids)
            os.replace(str(voy) + ".new", voy)
        except OSError:
            return  # not kept this time (a full disk, a folder gone read-only): built again next time
        self._save_nearest()

    def _save_nearest(self) -> None:
        """The nearest faces kept beside the index, for as many faces as it holds (read
        back only if the counts agree)."""
        if self._files is None:
            return
        kept = self._files[2]
        try:
            with open(kept.with_suffix(".new"), "wb") as out:
                np.savez(out, near=self._near, near_d2=self._near_d2)
            os.replace(kept.with_suffix(".new"), kept)
        except OSError:
            pass  # looked up again next time
