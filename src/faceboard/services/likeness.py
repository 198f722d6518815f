"""`Likeness`: who each face may be, from the faces' embeddings (no Qt, no network).

The rule: a face's distance to a person is the root mean square of its distances to each
of the person's faces. The person's sum of embeddings and sum of squared norms give it
exactly (mean |v - a|² = |v|² - 2 v·mean + mean |a|²), so it costs one dot product a
person however many faces they have, and a face given to Alice changes only Alice's two
sums. It is a distance between faces (a centroid lies nearer than any face), so the
library's `calibration` (`recognition.similarity`) reads it as it reads two faces: 50 %
where its named faces say, dlib's 0.6 until enough are named. A person is suggested from
MIN_SIMILARITY on; an unassigned face with no suggestion at KNOWN or more is unknown:
`groups` gathers those into suggested people.

Every unassigned face's nearest people (KEPT of them, within MIN_SIMILARITY) are kept,
so `suggest_unassigned` is a look-up. A change measures again only the people it touched:
on the event loop for the faces that keep them (`apply`), off it for every other
unassigned face (`catch_up`, against them in one matrix product). Unknown faces are
grouped with a nearest-neighbour index kept beside the library (`face_index.KeptIndex`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import numpy as np

from faceboard.backends.base import FaceComparing, FaceQuality
from faceboard.domain import FaceGroup, PrimaryCandidate, SimilarPeople, Suggestion
from faceboard.recognition.similarity import DLIB, Calibration, calibrated
from faceboard.services.face_index import KeptIndex
from faceboard.services.grouping import chinese_whispers
from faceboard.services.operations import Change

MIN_SIMILARITY = 0.3  # a person less alike than this is not suggested (different people on tests/data: <= 27 %)
KNOWN = 0.5  # an unassigned face suggested at this or more is not unknown: it is not grouped
KEPT = 8  # people kept for each unassigned face (more than shown: a rejection rarely needs them all measured)
SHOWN = 3  # suggestions `suggest_unassigned` gives a face
GROUP_DISTANCE = 0.4  # unknown faces nearer are joined: two people of tests/data and its altered copies lie 0.42 apart
NEIGHBOURS = 16  # nearest faces asked of the index for each unknown face
MEASURED_AT_ONCE = 16  # faces measured against everyone on the event loop; more wait for `catch_up`
_UNASSIGNED = -1


class _Middles(NamedTuple):
    """What measuring against the people needs: their mean embedding, mean squared norm, faces."""

    mean: np.ndarray
    mean_sq: np.ndarray
    count: np.ndarray


PRIMARY_SIDE = 400  # a face this large in its photo is as large as a primary needs
PRIMARY_WEIGHTS = {"typical": 0.3, "size": 0.2, "sharp": 0.2, "frontal": 0.2, "light": 0.1}


class Likeness:
    """The embeddings of a backend's faces, who each face belongs to, and the people nearest
    each unassigned face, kept up to date by `apply` and `add_faces`. Made by `load`."""

    def __init__(self, backend: FaceComparing, people: Mapping[str, str], model: str, size: int):
        self.backend, self.model = backend, model
        self._ids: list[str] = []  # row -> face id
        self._row: dict[str, int] = {}
        self._vec = np.zeros((0, size), np.float32)
        self._n2 = np.zeros(0)  # each row's squared norm
        self._person = np.zeros(0, np.int32)  # each row's person index, _UNASSIGNED
        self._alive = np.zeros(0, bool)  # False: deleted
        self._top_p = np.zeros((0, KEPT), np.int32)  # an unassigned row's nearest people, -1 empty
        self._top_d = np.zeros((0, KEPT), np.float32)  # their squared distances, inf empty
        self._size = 0
        self._pids: list[str] = []  # person index -> id
        self._pindex: dict[str, int] = {}
        self._names: dict[str, str] = {}
        self._sum = np.zeros((0, size))  # each person's sum of embeddings
        self._sq = np.zeros(0)  # ... and of squared norms
        self._count = np.zeros(0, np.int64)
        self._mean = np.zeros((0, size), np.float32)
        self._mean_sq = np.zeros(0)
        self._rejected: dict[int, set[int]] = {}  # row -> person indices rejected for it
        self._waiting_rows: set[int] = set()  # unassigned rows `catch_up` is to measure in full
        self._waiting_people: set[int] = set()  # people `catch_up` is to measure every unassigned row against
        self._catching_rows: set[int] = set()  # ... the rows and people the `catch_up` under way measures
        self._catching_people: set[int] = set()
        self._touched: list[tuple[int, list[int]]] = []  # (generation, people whose faces changed then)
        self._generation = 0
        self._measured: set[int] = set()  # rows measured on the loop while a `catch_up` measured a copy
        self._catching_up: asyncio.Event | None = None  # set when the `catch_up` under way ends
        self._shown: dict[str, tuple[Suggestion, ...]] = {}  # every unassigned face's suggestions
        self._unembedded: set[str] = set()  # faces `add_faces` asked for that had no embedding
        self._through: int | None = None  # the newest embedding read (`FaceVectors.through`)
        self.index = KeptIndex(backend.index_folder, model, size, NEIGHBOURS + 1)  # of every face, for grouping
        self._index_lock = asyncio.Lock()
        self._indexed = 0  # rows given to the index
        self._row_of_position = np.zeros(0, np.int64)  # the index's faces' rows here (-1: none), for `_indexed` rows
        for person_id, name in people.items():
            self._person_index(person_id, name)
        self._calibrated_on = 0  # named faces with an embedding when the rule was last measured
        self._calibrate(DLIB)

    def _calibrate(self, calibration: Calibration) -> None:
        """Every figure read by `calibration` from now on, and its cuts: people are kept from
        MIN_SIMILARITY on (squared distance `_far2`), faces are known from KNOWN (`_known2`)."""
        self.calibration = calibration
        self._far2 = calibration.distance_at(MIN_SIMILARITY) ** 2
        self._known2 = calibration.distance_at(KNOWN) ** 2

    def _named_rows(self) -> np.ndarray:
        size = self._size
        return np.flatnonzero(self._alive[:size] & (self._person[:size] >= 0))

    # -- loading --------------------------------------------------------------------

    @classmethod
    async def load(cls, backend: FaceComparing, people: Mapping[str, str]) -> Likeness:
        """Every face's embedding and the operator's rejections, read from the backend;
        the arithmetic (every unassigned face against every person) off the event loop."""
        vectors = await backend.face_vectors()
        rejections = await backend.rejections()

        def build() -> Likeness:
            likeness = cls(backend, people, vectors.model, vectors.vectors.shape[1])
            likeness._through = vectors.through
            likeness._append(vectors.face_ids, vectors.person_ids, vectors.vectors)
            likeness._reject(rejections)
            likeness._recount(np.arange(len(likeness._pids)))
            named = likeness._named_rows()
            likeness._calibrated_on = len(named)
            likeness._calibrate(calibrated(likeness._vec[named], likeness._person[named]))
            likeness._measure(np.flatnonzero(likeness._unassigned_mask()))
            return likeness

        return await asyncio.to_thread(build)

    def _person_index(self, person_id: str, name: str | None = None) -> int:
        index = self._pindex.get(person_id)
        if index is None:
            index = self._pindex[person_id] = len(self._pids)
            self._pids.append(person_id)
            if index >= len(self._count):
                grow = max(16, 2 * len(self._count))
                self._sum = _grown(self._sum, grow)
                self._sq, self._count = _grown(self._sq, grow), _grown(self._count, grow)
                self._mean, self._mean_sq = _grown(self._mean, grow), _grown(self._mean_sq, grow)
        if name is not None or person_id not in self._names:
            self._names[person_id] = name if name is not None else f"Person {person_id}"
        return index

    def _append(self, face_ids: Sequence[str], person_ids: Sequence[str | None], vectors: np.ndarray) -> np.ndarray:
        """New rows, unassigned and deleted until `_place` says otherwise; their row numbers."""
        start, count = self._size, len(face_ids)
        if start + count > len(self._vec):
            grow = max(start + count, 2 * len(self._vec), 64)
            self._vec, self._n2 = _grown(self._vec, grow), _grown(self._n2, grow)
            self._person, self._alive = _grown(self._person, grow, _UNASSIGNED), _grown(self._alive, grow)
            self._top_p, self._top_d = _grown(self._top_p, grow, -1), _grown(self._top_d, grow, np.inf)
        rows = np.arange(start, start + count)
        self._vec[rows] = vectors
        self._n2[rows] = np.einsum("ij,ij->i", self._vec[rows], self._vec[rows], dtype=np.float64)
        self._person[rows] = [_UNASSIGNED if p is None else self._person_index(p) for p in person_ids]
        self._alive[rows] = True
        self._ids.extend(face_ids)
        for at in range(0, count, 8192):  # in one call, 100,000 faces held the GIL 35 ms (a thread loads them)
            self._row.update(zip(face_ids[at:at + 8192], range(start + at, start + min(count, at + 8192))))
        self._size = start + count
        return rows

    def _recount(self, people: np.ndarray) -> None:
        """The sums, counts and means of these people, from their faces (at loading)."""
        size = self._size
        members = self._alive[:size] & (self._person[:size] >= 0)
        owner = self._person[:size][members]
        vectors = self._vec[:size][members]
        total = len(self._pids)
        self._count[:total] = np.bincount(owner, minlength=total)
        self._sq[:total] = np.bincount(owner, self._n2[:size][members], minlength=total)
        for column in range(vectors.shape[1]):
            self._sum[:total, column] = np.bincount(owner, vectors[:, column], minlength=total)
        self._remean(people)

    def _remean(self, people: np.ndarray) -> None:
        people = np.asarray(people, dtype=np.int64)
        counts = np.maximum(self._count[people], 1)[:, None]
        self._mean[people] = self._sum[people] / counts
        self._mean_sq[people] = self._sq[people] / counts[:, 0]

    # -- measuring ------------------------------------------------------------------

    def _unassigned_mask(self) -> np.ndarray:
        size = self._size
        return self._alive[:size] & (self._person[:size] == _UNASSIGNED)

    def _middles(self, copy: bool = False) -> _Middles:
        """The people's means as they are (`copy`: for a thread, as they are now)."""
        total = len(self._pids)
        middles = _Middles(self._mean[:total], self._mean_sq[:total], self._count[:total])
        return _Middles(*(array.copy() for array in middles)) if copy else middles

    def _distances2(self, rows: np.ndarray | None, people: np.ndarray | None, middles: _Middles | None = None,
                    vectors: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
        """Squared distance of each row (None: every row of `vectors`, by default all) to
        each person (None: everyone, without copying their means: 5 MB at 10,000 people,
        10 ms a face; inf: a person without faces)."""
        middles = middles or self._middles()
        if people is not None:
            middles = _Middles(*(array[people] for array in middles))
        every, n2 = vectors or (self._vec[:self._size], self._n2[:self._size])
        if rows is not None:
            every, n2 = every[rows], n2[rows]
        d2 = n2[:, None] + middles.mean_sq[None, :] - 2.0 * (every @ middles.mean.T)
        d2 = np.maximum(d2, 0.0).astype(np.float32)
        d2[:, middles.count == 0] = np.inf
        return d2

    def _masked(self, rows: np.ndarray, people: np.ndarray, d2: np.ndarray, rejected: dict[int, set[int]],
                own: np.ndarray | None) -> np.ndarray:
        """`d2` with the people too far, rejected for each row, or the row's `own`, at inf."""
        d2[d2 > self._far2] = np.inf
        if rejected:
            column = {int(p): c for c, p in enumerate(people)}
            rejecting = np.fromiter(rejected, np.int64, len(rejected))
            for at in np.flatnonzero(_among(rows, rejecting)).tolist():
                for person in rejected[int(rows[at])]:
                    if (c := column.get(person)) is not None:
                        d2[at, c] = np.inf
        if own is not None and (own >= 0).any():
            where = np.searchsorted(people, own)
            hit = (own >= 0) & (where < len(people))
            hit[hit] = people[where[hit]] == own[hit]
            d2[np.flatnonzero(hit), where[hit]] = np.inf
        return d2

    def _ranked(self, rows: np.ndarray, limit: int, middles: _Middles | None = None,
                rejected: dict[int, set[int]] | None = None, unassigned: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Each row's `limit` nearest people (indices, -1 past the last) and squared
        distances, against every person. A thread passes a copy of the `middles` and of the
        rows' rejections, and rows that are `unassigned` (no own person to leave out)."""
        middles = middles or self._middles()
        rejected = self._rejected if rejected is None else rejected
        people = np.arange(len(middles.count))
        top_p = np.full((len(rows), limit), -1, np.int32)
        top_d = np.full((len(rows), limit), np.inf, np.float32)
        if not len(people) or not len(rows):
            return top_p, top_d
        block = max(64, 2**22 // len(people))
        for start in range(0, len(rows), block):
            part = rows[start:start + block]
            d2 = self._masked(part, people, self._distances2(part, None, middles), rejected,
                              None if unassigned else self._person[part])
            keep = min(limit, len(people))
            nearest = np.argpartition(d2, keep - 1, axis=1)[:, :keep] if keep < len(people) else \
                np.broadcast_to(people, (len(part), len(people)))
            near_d = np.take_along_axis(d2, nearest, axis=1)
            order = np.argsort(near_d, axis=1, kind="stable")
            near_d = np.take_along_axis(near_d, order, axis=1)
            near_p = np.take_along_axis(nearest, order, axis=1).astype(np.int32)
            near_p[~np.isfinite(near_d)] = -1
            top_p[start:start + len(part), :keep], top_d[start:start + len(part), :keep] = near_p, near_d
        return top_p, top_d

    def _measure(self, rows: np.ndarray) -> None:
        """Keep the nearest people of these unassigned rows, and their suggestions."""
        self._top_p[rows], self._top_d[rows] = self._ranked(rows, KEPT)
        self._show(rows.tolist())
        if self._catching_up is not None:  # newer than what the `catch_up` under way measures
            self._measured.update(rows.tolist())

    def _show(self, rows: Iterable[int]) -> None:
        """Keep these unassigned rows' suggestions, from their kept people: the figures of
        all of them in one numpy call (one at a time, 29,917 rows took 289 ms of Python on a
        thread, the window's lock shared meanwhile; 203 ms so)."""
        rows = np.fromiter(rows, np.int64)
        if not len(rows):
            return
        people, d2 = self._top_p[rows, :SHOWN], self._top_d[rows, :SHOWN]
        for row, kept, figures in zip(rows.tolist(), people.tolist(), self._figures(d2).tolist()):
            self._shown[self._ids[row]] = self._named(kept, figures)

    def _figures(self, d2: np.ndarray) -> np.ndarray:
        """The similarity of each squared distance, as the library's rule reads it."""
        return self.calibration.similarity(np.sqrt(np.asarray(d2, dtype=np.float64)))

    def _named(self, people: list[int], figures: list[float]) -> tuple[Suggestion, ...]:
        found = []
        for person, figure in zip(people, figures):
            if person < 0:
                break
            person_id = self._pids[person]
            found.append(Suggestion(person_id, self._names[person_id], round(figure, 4)))
        return tuple(found)

    def _suggestions_of(self, people: np.ndarray, d2: np.ndarray, limit: int) -> tuple[Suggestion, ...]:
        return self._named(people[:limit].tolist(), self._figures(d2[:limit]).tolist())

    def _merge(self, rows: np.ndarray, people: np.ndarray) -> set[int]:
        """These unassigned rows' kept people, given the new distances of `people` (whose
        faces changed). A row whose list may now miss someone (it was full, and one of them
        left it) waits for `catch_up` to measure it in full. The rows whose suggestions changed."""
        waiting = np.fromiter(self._waiting_rows, np.int64, len(self._waiting_rows))
        rows = rows[~_among(rows, waiting)]
        if not len(rows) or not len(people):
            return set()
        old_p, old_d = self._top_p[rows], self._top_d[rows]
        bound = np.where(old_p[:, -1] >= 0, old_d[:, -1], np.inf)  # everyone not kept is at least this far
        new_p, new_d = self._with_changed(rows, people)
        self._top_p[rows], self._top_d[rows] = new_p, new_d
        self._waiting_rows.update(rows[np.isfinite(bound) & ~(new_d[:, -1] <= bound)].tolist())
        changed = rows[(new_p != old_p).any(axis=1)
                       | (np.where(new_p >= 0, new_d, 0) != np.where(old_p >= 0, old_d, 0)).any(axis=1)]
        self._show(changed.tolist())
        return set(changed.tolist())

    def _with_changed(self, rows: np.ndarray, people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """These unassigned rows' KEPT nearest from their kept people, with `people` (whose
        faces changed) measured again: indices (-1 past the last) and squared distances."""
        d2 = self._masked(rows, people, self._distances2(rows, people), self._rejected, None)
        old_p, old_d = self._top_p[rows], self._top_d[rows]
        stays = ~_among(old_p.ravel().astype(np.int64), people).reshape(old_p.shape)
        candidates_p = np.concatenate([np.where(stays, old_p, -1), np.broadcast_to(people, d2.shape)], axis=1)
        candidates_d = np.concatenate([np.where(stays, old_d, np.inf), d2], axis=1)
        order = np.argsort(candidates_d, axis=1, kind="stable")[:, :KEPT]
        new_d = np.take_along_axis(candidates_d, order, axis=1)
        new_p = np.take_along_axis(candidates_p, order, axis=1).astype(np.int32)
        new_p[~np.isfinite(new_d)] = -1
        return new_p, new_d

    def _holding(self, people: np.ndarray) -> np.ndarray:
        """The unassigned rows that keep one of these people among their nearest."""
        kept_people = self._top_p[:self._size].ravel()  # flat: any(axis=1) is slow
        held = np.zeros(len(kept_people), bool)
        for person in np.asarray(people).tolist():
            held |= kept_people == person
        rows = np.flatnonzero(held) // KEPT  # in order, a row once a person it keeps
        rows = rows[np.r_[True, rows[1:] != rows[:-1]]] if len(rows) else rows
        return rows[self._alive[rows] & (self._person[rows] == _UNASSIGNED)]

    def _measure_or_wait(self, rows: np.ndarray) -> None:
        """A few rows are measured at once; more wait for `catch_up` (suggested () until then)."""
        if len(rows) <= MEASURED_AT_ONCE:
            self._measure(rows)
            return
        self._top_p[rows], self._top_d[rows] = -1, np.inf
        self._waiting_rows.update(rows.tolist())
        self._shown.update((self._ids[row], ()) for row in rows.tolist())

    @property
    def behind(self) -> bool:
        """Whether a change left work for `catch_up`."""
        return bool(self._waiting_rows or self._waiting_people)

    async def catch_up(self) -> set[str]:
        """Finish, off the event loop, what changes left: the unassigned faces that may now
        be near a person whose faces changed (every unassigned face against them), and the
        faces to measure in full (new, detached, or whose nearest people left). Measured
        on a copy; back on the loop, what changed meanwhile is measured again. The ids of
        the faces whose suggestions changed (a call while another is at it waits for it
        to end, and leaves the telling to it)."""
        if self._catching_up is not None:
            await self._catching_up.wait()
            return set()
        self._catching_up = asyncio.Event()
        changed: set[int] = set()
        try:
            while self.behind:
                self._catching_people, self._catching_rows = self._waiting_people, self._waiting_rows
                self._waiting_people, self._waiting_rows = set(), set()
                people = np.array(sorted(self._catching_people), np.int64)
                rows = np.array(sorted(self._catching_rows), np.int64)
                since, size = self._generation, self._size
                middles, vectors = self._middles(copy=True), (self._vec[:size], self._n2[:size])
                unassigned = self._unassigned_mask()
                rejected = {row: set(self._rejected[row]) for row in rows.tolist() if row in self._rejected}
                far2 = self._far2

                def work():
                    near = np.zeros(0, np.int64)
                    if len(people):
                        d2 = self._distances2(None, people, middles, vectors)
                        near = np.flatnonzero(unassigned & (d2 <= far2).any(axis=1))
                    return near, self._ranked(rows, KEPT, middles, rejected, unassigned=True)

                self._measured = set()
                near, (top_p, top_d) = await asyncio.to_thread(work)
                newer = np.fromiter(self._waiting_rows | self._measured, np.int64)
                still = self._unassigned_mask()[rows] & ~_among(rows, newer)
                rows, top_p, top_d = rows[still], top_p[still], top_d[still]
                old = {row: self._shown.get(self._ids[row]) for row in rows.tolist()}
                self._top_p[rows], self._top_d[rows] = top_p, top_d
                self._show(rows.tolist())
                changed |= {row for row in rows.tolist() if self._shown[self._ids[row]] != old[row]}
                if touched := self._touched_since(since):  # measured against older means
                    changed |= self._merge(rows, np.array(sorted(touched), np.int64))
                near = near[self._unassigned_mask()[near]]
                changed |= self._merge(near, np.array(sorted(set(people.tolist()) | self._touched_since(since)),
                                                      np.int64))
                self._catching_people, self._catching_rows = set(), set()
            self._touched.clear()
        finally:
            self._catching_people, self._catching_rows = set(), set()
            done, self._catching_up = self._catching_up, None
            done.set()
        return {self._ids[row] for row in changed}

    def _touched_since(self, generation: int) -> set[int]:
        return {person for made, people in self._touched if made > generation for person in people}

    # -- changing -------------------------------------------------------------------

    def _place(self, rows: np.ndarray, persons: np.ndarray, alive: np.ndarray) -> set[int]:
        """Rows' new person and state: the sums of the people they leave and join, the kept
        lists they enter and leave, and the unassigned rows that keep those people (the
        others wait for `catch_up`). The rows whose suggestions changed."""
        rows = np.asarray(rows, dtype=np.int64)
        persons = np.asarray(persons, dtype=np.int32)
        alive = np.asarray(alive, dtype=bool)
        old_alive, old_person = self._alive[rows], self._person[rows]
        moved = (old_alive != alive) | (old_person != persons)
        rows, persons, alive, old_alive, old_person = rows[moved], persons[moved], alive[moved], \
            old_alive[moved], old_person[moved]
        if not len(rows):
            return set()
        before = np.where(old_alive, old_person, _UNASSIGNED - 1)  # the person a row counted for
        after = np.where(alive, persons, _UNASSIGNED - 1)
        touched = np.array(sorted(set(before[before >= 0].tolist()) | set(after[after >= 0].tolist())), np.int64)
        for person in touched.tolist():
            leaving, joining = rows[before == person], rows[after == person]
            self._sum[person] += self._vec[joining].sum(axis=0, dtype=np.float64) - \
                self._vec[leaving].sum(axis=0, dtype=np.float64)
            self._sq[person] += self._n2[joining].sum() - self._n2[leaving].sum()
            self._count[person] += len(joining) - len(leaving)
        if len(touched):
            self._remean(touched)
            self._generation += 1
            self._touched.append((self._generation, touched.tolist()))
            self._waiting_people.update(touched.tolist())
        was_unassigned = old_alive & (old_person == _UNASSIGNED)
        self._person[rows], self._alive[rows] = persons, alive
        now_unassigned = alive & (persons == _UNASSIGNED)
        for row in rows[was_unassigned & ~now_unassigned].tolist():
            self._shown.pop(self._ids[row], None)
        self._waiting_rows.difference_update(rows[~now_unassigned].tolist())
        self._top_p[rows[~now_unassigned]], self._top_d[rows[~now_unassigned]] = -1, np.inf
        entering = rows[now_unassigned & ~was_unassigned]
        self._measure_or_wait(entering)
        changed = set(rows.tolist())
        if len(touched):
            holding = self._holding(touched)
            changed |= self._merge(holding[~_among(holding, entering)], touched)
        return changed

    def _reject(self, pairs: Iterable[tuple[str, str]]) -> set[int]:
        """Remember (face, person) rejections; the rows whose kept people held them."""
        again = set()
        for face_id, person_id in pairs:
            row = self._row.get(face_id)
            if row is None:
                continue
            person = self._person_index(person_id)
            self._rejected.setdefault(row, set()).add(person)
            if person in self._top_p[row]:
                again.add(row)
        return again

    def _unreject(self, pairs: Iterable[tuple[str, str]]) -> set[int]:
        again = set()
        for face_id, person_id in pairs:
            row, person = self._row.get(face_id), self._pindex.get(person_id)
            if row is None or person is None or person not in self._rejected.get(row, ()):
                continue
            self._rejected[row].discard(person)
            again.add(row)
        return again

    def apply(self, change: Change) -> set[str]:
        """What a change did (predicted or answered: applying it twice changes nothing more):
        people renamed or new, faces moved, restored or deleted, people deleted (their faces
        left unassigned), rejections made or forgotten. Cheap enough for the event loop:
        the faces that keep a touched person among their nearest are measured again now,
        the rest of the unassigned faces by `catch_up` (see `behind`). The ids of the faces
        whose suggestions changed. Faces it names that are not known: see `unknown_faces`."""
        changed: set[int] = set()
        for person in change.persons:
            renamed = person.id in self._names and self._names[person.id] != person.name
            index = self._person_index(person.id, person.name)
            if renamed:
                named = self._holding(np.array([index]))
                self._show(named.tolist())
                changed |= set(named.tolist())
        rows, persons = [], []
        for face in change.faces:
            if (row := self._row.get(face.id)) is not None:
                rows.append(row)
                persons.append(_UNASSIGNED if face.person_id is None else self._person_index(face.person_id))
        removed = [self._row[f] for f in change.removed_face_ids if f in self._row]
        gone = [self._pindex[p] for p in change.removed_person_ids if p in self._pindex]
        if gone:  # the faces a deleted person still holds are let go
            left = np.flatnonzero(np.isin(self._person[:self._size], gone) & self._alive[:self._size])
            left = left[~_among(left, rows)]
            rows.extend(left.tolist())
            persons.extend([_UNASSIGNED] * len(left))
        alive = [True] * len(rows)
        rows.extend(removed)
        persons.extend(self._person[removed].tolist())
        alive.extend([False] * len(removed))
        if rows:
            changed |= self._place(np.array(rows), np.array(persons), np.array(alive))
        again = self._reject(change.rejected) | self._unreject(change.unrejected)
        again = np.array(sorted(row for row in again if self._alive[row] and self._person[row] == _UNASSIGNED),
                         dtype=np.int64)
        if len(again):
            before = {row: self._shown.get(self._ids[row]) for row in again.tolist()}
            self._measure_or_wait(again)
            changed |= {row for row in again.tolist() if self._shown[self._ids[row]] != before[row]}
        return {self._ids[row] for row in changed}

    def unknown_faces(self, change: Change) -> list[str]:
        """The faces of a change not known here (drawn, or embedded since): for `add_faces`.
        Not those the backend had no embedding for when asked (a library without them
        read 1,000 faces' embeddings again for each move): they come with `add_faces()`
        once embedded."""
        return [face.id for face in change.faces if face.id not in self._row and face.id not in self._unembedded]

    async def add_faces(self, face_ids: Sequence[str] | None = None) -> set[str]:
        """Faces new to the backend (a scan found them, or they were given an embedding):
        their embeddings read and their people measured (off the event loop). None: every
        face embedded since the last such read (a scan's batch read every embedding again:
        100,000 of them each time). The ids of the faces whose suggestions changed."""
        found = await self.backend.face_vectors(face_ids, None if face_ids is not None else self._through)
        if face_ids is None and found.model == self.model and found.through is not None:
            self._through = found.through
        ours = found.model == self.model
        if face_ids is not None:
            self._unembedded.update(set(face_ids) - set(found.face_ids if ours else ()))
        fresh = [at for at, face_id in enumerate(found.face_ids) if face_id not in self._row] if ours else []
        if not fresh:
            return set()
        self._unembedded.difference_update(found.face_ids[at] for at in fresh)
        rows = self._append([found.face_ids[at] for at in fresh], [None] * len(fresh), found.vectors[fresh])
        self._alive[rows] = False  # placed now: counted where they belong
        persons = [_UNASSIGNED if found.person_ids[at] is None else self._person_index(found.person_ids[at])
                   for at in fresh]
        changed = {self._ids[row] for row in self._place(rows, np.array(persons), np.ones(len(rows), bool))}
        await self._calibrate_again()
        return changed | await self.catch_up()

    async def _calibrate_again(self) -> None:
        """The rule measured again (off the event loop) once the named faces with an
        embedding have doubled since it last was: the demo's are embedded after the first
        start, while the window shows them. Every unassigned face then waits for `catch_up`
        to be measured by it. (An operator naming faces does not change the figures under
        their eyes: the next opening measures the rule on them.)"""
        named = self._named_rows()
        if len(named) < max(1, 2 * self._calibrated_on):
            return
        self._calibrated_on = len(named)
        vectors, owners = self._vec, self._person[named]  # a row's embedding never changes; the array may grow
        calibration = await asyncio.to_thread(lambda: calibrated(vectors[named], owners))
        if calibration != self.calibration:
            self._calibrate(calibration)
            self._waiting_rows.update(np.flatnonzero(self._unassigned_mask()).tolist())

    # -- asking ---------------------------------------------------------------------

    def __contains__(self, face_id: str) -> bool:
        """Whether the face is here (not deleted, with an embedding)."""
        row = self._row.get(face_id)
        return row is not None and bool(self._alive[row])

    def suggestions(self, face_id: str, limit: int = SHOWN) -> tuple[Suggestion, ...]:
        """The people this face may be, best first: never its own person, never one the
        operator rejected for it, none below MIN_SIMILARITY; () for an unknown face."""
        row = self._row.get(face_id)
        if row is None or not self._alive[row] or limit <= 0:
            return ()
        if self._person[row] == _UNASSIGNED and limit <= KEPT and (kept := self._kept_now(row, limit)) is not None:
            return self._suggestions_of(*kept, limit)
        people, d2 = self._ranked(np.array([row]), limit)
        return self._suggestions_of(people[0], d2[0], limit)

    def _kept_now(self, row: int, limit: int) -> tuple[np.ndarray, np.ndarray] | None:
        """An unassigned row's `limit` nearest people from its kept ones, with the people
        whose faces changed since (waiting for `catch_up`, or being caught up) measured
        again: a few dot products, where measuring against everyone took 1-3 ms a face,
        for each tile and each face Review asked about after every decision. None when
        the kept ones cannot say: the row waits to be measured in full, or one of its
        kept people went farther and someone not kept may now be nearer."""
        if row in self._waiting_rows or row in self._catching_rows:
            return None
        old_p, old_d = self._top_p[row], self._top_d[row]
        changed = self._waiting_people | self._catching_people
        if not changed:
            return old_p, old_d
        near_p, near_d = self._with_changed(np.array([row]), np.fromiter(sorted(changed), np.int64, len(changed)))
        # everyone not kept was at least this far: a kept person gone farther leaves a gap (`apply` already sends
        # such a row to be measured in full; asked before it has, the row is measured here)
        bound = old_d[-1] if old_p[-1] >= 0 else np.inf
        if np.isfinite(bound) and not near_d[0, min(limit, KEPT) - 1] <= bound:
            return None
        return near_p[0], near_d[0]

    def suggest_unassigned(self) -> dict[str, tuple[Suggestion, ...]]:
        """Every unassigned face's suggestions (() where no one is near): for the Review view."""
        return dict(self._shown)

    def vector(self, face_id: str) -> np.ndarray | None:
        row = self._row.get(face_id)
        return None if row is None or not self._alive[row] else self._vec[row].copy()

    def likeness_to(self, person_id: str, vector: np.ndarray) -> float | None:
        """How alike a picture's embedding is to the person's faces; None: they have none."""
        person = self._pindex.get(person_id)
        if person is None or self._count[person] == 0:
            return None
        vector = np.asarray(vector, dtype=np.float64)
        d2 = vector @ vector + self._mean_sq[person] - 2.0 * float(vector @ self._mean[person])
        return self.calibration.similarity(max(d2, 0.0) ** 0.5)

    def _faces_of(self, person_id: str) -> np.ndarray:
        person = self._pindex.get(person_id)
        if person is None:
            return np.zeros(0, np.int64)
        size = self._size
        return np.flatnonzero(self._alive[:size] & (self._person[:size] == person))

    def typicality(self, person_id: str) -> dict[str, float]:
        """Each of the person's faces' similarity to the rest of them (one face alone: 1):
        the lowest is the face least like the others, perhaps filed wrongly."""
        rows = self._faces_of(person_id)
        if len(rows) < 2:
            return {self._ids[row]: 1.0 for row in rows.tolist()}
        vectors, n2 = self._vec[rows].astype(np.float64), self._n2[rows]
        total, squares, rest = vectors.sum(axis=0), n2.sum(), len(rows) - 1
        d2 = n2 + (squares - n2) / rest - 2.0 * (vectors @ total - n2) / rest  # to each of the others
        figures = self.calibration.similarity(np.sqrt(np.maximum(d2, 0.0)))
        return dict(zip((self._ids[row] for row in rows.tolist()), figures.tolist()))

    def similar_people(self, limit: int = 50) -> tuple[SimilarPeople, ...]:
        """Pairs of people whose faces are alike (root mean square over every pair of their
        faces), most alike first, from MIN_SIMILARITY on: perhaps one person filed twice."""
        people = np.flatnonzero(self._count[:len(self._pids)] > 0)
        if len(people) < 2 or limit <= 0:
            return ()
        means, mean_sq = self._mean[people], self._mean_sq[people].astype(np.float32)
        pairs: list[tuple[float, int, int]] = []
        block = max(16, 2**21 // len(people))
        for start in range(0, len(people), block):
            part = np.arange(start, min(start + block, len(people)))
            d2 = mean_sq[part][:, None] + mean_sq[None, :] - 2.0 * (means[part] @ means.T)
            d2[np.arange(len(part))[:, None] >= np.arange(len(people))[None, :] - start] = np.inf  # each pair once
            flat = np.flatnonzero(d2 <= self._far2)
            if len(flat) > limit:
                flat = flat[np.argpartition(d2.ravel()[flat], limit - 1)[:limit]]
            pairs.extend((float(d2.ravel()[f]), int(part[f // len(people)]), int(f % len(people))) for f in flat)
        pairs.sort()
        return tuple(SimilarPeople(self._pids[people[a]], self._pids[people[b]],
                                   round(self.calibration.similarity(max(d2, 0) ** 0.5), 4))
                     for d2, a, b in pairs[:limit])


    # -- groups and primaries -----------------------------------------------------------

    def _unknown_rows(self) -> np.ndarray:
        """Unassigned faces no one is suggested for at KNOWN or more."""
        size = self._size
        return np.flatnonzero(self._unassigned_mask() & ~(self._top_d[:size, 0] <= self._known2))

    async def groups(self) -> tuple[FaceGroup, ...]:
        """The unknown faces gathered into suggested people (two faces or more), largest
        first: each face joined to those of its NEIGHBOURS nearest (from the kept index)
        that are unknown too and nearer than GROUP_DISTANCE, the graph cut by Chinese
        whispers. Off the event loop; the index gains the faces it lacks and is kept."""
        await self.catch_up()
        async with self._index_lock:
            size, vectors, ids = self._size, self._vec, self._ids[:self._size]
            alive, unknown = self._alive[:size].copy(), self._unknown_rows()
            return await asyncio.to_thread(self._grouped, size, vectors, ids, alive, unknown)

    def _grouped(self, size: int, vectors: np.ndarray, ids: list[str], alive: np.ndarray,
                 unknown: np.ndarray) -> tuple[FaceGroup, ...]:
        if self._indexed < size or len(self._row_of_position) != len(self.index.ids):
            self.index.update(ids[self._indexed:size], vectors[self._indexed:size])
            self._indexed = size
            self._row_of_position = np.array([self._row.get(face_id, -1) for face_id in self.index.ids], np.int64)
        if len(unknown) < 2:
            return ()
        positions, d2 = self.index.nearest([ids[row] for row in unknown.tolist()], vectors[unknown])
        node_of_row = np.full(size, -1, np.int64)
        node_of_row[unknown] = np.arange(len(unknown))
        rows = self._row_of_position[positions]
        seen = (rows >= 0) & (rows < size)
        neighbour = np.where(seen, node_of_row[np.where(seen, rows, 0)], -1)
        me = np.arange(len(unknown))[:, None]
        edge = (neighbour >= 0) & (neighbour != me) & (d2 < GROUP_DISTANCE ** 2)
        first, second = np.broadcast_to(me, edge.shape)[edge], neighbour[edge]
        labels = chinese_whispers(len(unknown), first, second,
                                  self.calibration.similarity(np.sqrt(d2[edge].astype(np.float64))))
        order = np.argsort(labels, kind="stable")
        starts = np.flatnonzero(np.r_[True, labels[order][1:] != labels[order][:-1]])
        groups = []
        for members in np.split(order, starts[1:]):
            if len(members) < 2:
                continue
            faces = vectors[unknown[members]]
            apart = np.linalg.norm(faces - faces.mean(axis=0), axis=1)
            face_ids = [ids[row] for row in unknown[members[np.argsort(apart, kind="stable")]].tolist()]
            groups.append(FaceGroup("group-" + min(face_ids, key=_id_order), tuple(face_ids)))
        groups.sort(key=lambda g: (-len(g.face_ids), _id_order(g.id[len("group-"):])))
        return tuple(groups)

    async def best_primary(self, person_id: str, limit: int = 3) -> tuple[PrimaryCandidate, ...]:
        """The person's faces ranked as their primary thumbnail: large, sharp, frontal, well
        lit (the backend's `face_qualities`, what it measured) and typical of them (near the
        middle of their faces); each with the reasons a reviewer reads."""
        typical = self.typicality(person_id)
        if not typical or limit <= 0:
            return ()
        qualities = await self.backend.face_qualities(list(typical))
        sharpness = [q.sharpness for q in qualities.values() if q.sharpness is not None]
        sharpest = max(sharpness) if len(sharpness) > 1 else None
        most_typical = max(typical.values())
        ranked = []
        for face_id, alike in typical.items():
            parts = _strength(qualities.get(face_id), sharpest)
            if len(typical) > 2:
                parts["typical"] = (alike, "typical" if alike >= most_typical else None)
            score = (sum(PRIMARY_WEIGHTS[k] * v for k, (v, _) in parts.items())
                     / sum(PRIMARY_WEIGHTS[k] for k in parts)) if parts else alike
            reasons = tuple(why for k in ("sharp", "frontal", "light", "typical", "size")
                            if k in parts and (why := parts[k][1]))
            ranked.append(PrimaryCandidate(face_id, round(score, 4), reasons))
        ranked.sort(key=lambda c: (-c.score, _id_order(c.face_id)))
        return tuple(ranked[:limit])

def _strength(quality: FaceQuality | None, sharpest: float | None) -> dict[str, tuple[float, str | None]]:
    """What makes a face a good primary, each 0..1 with the reason it gives when it stands
    out: size, sharpness (against the person's sharpest), facing the camera, light."""
    if quality is None:
        return {}
    parts = {"size": (min(quality.side, PRIMARY_SIDE) / PRIMARY_SIDE, f"{quality.side}\u00a0px")}
    if quality.sharpness is not None and sharpest:
        parts["sharp"] = (quality.sharpness / sharpest, "sharpest" if quality.sharpness >= sharpest else None)
    if quality.frontal is not None:
        parts["frontal"] = (quality.frontal, "frontal" if quality.frontal >= 0.8 else None)
    if quality.brightness is not None:
        light = max(0.0, 1.0 - 2.0 * abs(quality.brightness - 0.5))
        parts["light"] = (light, "well lit" if light >= 0.6 else None)
    return parts


def _id_order(face_id: str) -> tuple:
    """Face ids in their backend's order: numbers as numbers."""
    return (0, int(face_id), "") if face_id.isdigit() else (1, 0, face_id)


def _among(values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Whether each of `values` is one of `wanted` (row numbers), by a binary search:
    `np.isin` allocates a table as long as the largest row number, or sorts with `np.unique`,
    whose first call imports numpy.ma (66 ms on the event loop)."""
    wanted = np.sort(np.asarray(wanted, dtype=np.int64))
    if not len(wanted):
        return np.zeros(len(values), bool)
    at = np.minimum(np.searchsorted(wanted, values), len(wanted) - 1)
    return wanted[at] == values


def _grown(array: np.ndarray, length: int, fill=0) -> np.ndarray:
    """`array` with room for `length` rows, the new ones `fill`."""
    if len(array) >= length:
        return array
    grown = np.full((length, *array.shape[1:]), fill, dtype=array.dtype)
    grown[:len(array)] = array
    return grown
