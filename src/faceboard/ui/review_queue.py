"""`ReviewQueue`: what the Review view shows, without Qt. The unassigned faces that
Faceboard's comparison suggests someone for, grouped by their best suggested person:
each group's faces the likeliest first, the groups in the order they were most certain
when the view opened (a group does not jump under the operator's hand as it shrinks,
and stays, done, when it is empty; one made later is placed by its best face).

A decision is predicted here at once, before the backend and the likeness answer: an
accepted face leaves its group, a rejected one moves to its next suggestion (or leaves).
What the likeness says afterwards (`refile`) is the truth the queue then holds.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Mapping

from faceboard.domain import Suggestion
from faceboard.recognition.similarity import shown

# (kind, row, person id): "inserting"/"inserted" (a new group's row in `order`, before and
# after), "changed" (the group's faces)
Listener = Callable[[str, int, str], None]


class ReviewQueue:
    def __init__(self, suggestions: Mapping[str, tuple[Suggestion, ...]]):
        self._suggestions: dict[str, tuple[Suggestion, ...]] = {}  # face id -> whom it may be, as predicted
        self.groups: dict[str, list[str]] = {}  # person id -> face ids, likeliest first
        self._keys: dict[str, list[float]] = {}  # person id -> minus each face's similarity, as `groups`
        self.names: dict[str, str] = {}  # person id -> name, as the suggestions say it
        self._listeners: list[Listener] = []
        filed: dict[str, list[tuple[float, str]]] = {}  # person id -> (minus similarity, face id): sorted in C
        for face_id, offered in suggestions.items():
            if offered and (offered[0].similarity is None or offered[-1].similarity is None):
                offered = _comparable(offered)  # the backend's guesses (a face has the likeness's or those)
            if offered:
                best = offered[0]
                self._suggestions[face_id] = offered
                filed.setdefault(best.person_id, []).append((-best.similarity, face_id))
                self.names[best.person_id] = best.name
        for person_id, faces in filed.items():
            faces.sort()
            self._keys[person_id] = [key for key, _ in faces]
            self.groups[person_id] = [face_id for _, face_id in faces]
        self.order: list[str] = sorted(self.groups, key=lambda person_id: self._keys[person_id][0])
        self._rows = {person_id: row for row, person_id in enumerate(self.order)}  # `order.index` was O(groups)
        self._groups_waiting = len(self.groups)  # those with faces left

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _emit(self, kind: str, row: int, person_id: str) -> None:
        for listener in self._listeners:
            listener(kind, row, person_id)

    # -- reading --------------------------------------------------------------------

    @property
    def waiting(self) -> int:
        """How many faces wait for a decision."""
        return len(self._suggestions)

    def groups_waiting(self) -> int:
        """How many groups have faces left."""
        return self._groups_waiting

    def next_waiting(self, row: int) -> int | None:
        """The row of the first group with faces left from `row` on, else from the top; None when all are done."""
        rows = len(self.order)
        return next((r % rows for r in range(row, row + rows) if self.groups[self.order[r % rows]]), None)

    def row_of(self, person_id: str | None) -> int | None:
        """The row of the person's group in `order`; None if they have none."""
        return self._rows.get(person_id)

    def suggestions(self, face_id: str) -> tuple[Suggestion, ...]:
        return self._suggestions.get(face_id, ())

    def similarity(self, face_id: str) -> float:
        """How like the person of its group the face is."""
        return self._suggestions[face_id][0].similarity

    def person_of(self, face_id: str) -> str | None:
        """The person whose group holds the face; None once it left the queue."""
        offered = self._suggestions.get(face_id)
        return offered[0].person_id if offered else None

    def at_or_above(self, face_id: str) -> list[str]:
        """The faces of the face's group as like their person as it reads, or more (itself
        among them): "Accept all ≥ 99 %" takes every face that shows 99 %."""
        person_id = self.person_of(face_id)
        if person_id is None:
            return []
        floor = shown(self.similarity(face_id))
        group = self.groups[person_id]
        return list(itertools.takewhile(lambda f: shown(self.similarity(f)) >= floor, group))

    # -- changing -------------------------------------------------------------------

    def take(self, face_ids: list[str]) -> None:
        """Faces decided (accepted, moved elsewhere): they leave the queue."""
        touched: set[str] = set()
        for face_id in face_ids:
            self._unfile(face_id, touched)
            self._suggestions.pop(face_id, None)
        self._changed(touched)

    def reject(self, face_id: str) -> None:
        """The face is not the person of its group: it goes to its next suggestion, if any."""
        offered = self._suggestions.get(face_id)
        if offered:
            self.refile({face_id: offered[1:]})

    def refile(self, fresh: Mapping[str, tuple[Suggestion, ...]]) -> None:
        """The likeness's word on these faces: () or no suggestion with a figure takes a
        face out of the queue (assigned, or no one suggested any more)."""
        touched: set[str] = set()
        for face_id, offered in fresh.items():
            kept = _comparable(offered)
            known = self._suggestions.get(face_id)
            if known == kept or (not known and not kept):
                continue
            self._unfile(face_id, touched)
            if kept:
                self._suggestions[face_id] = kept
                self._file(face_id, kept[0], touched)
            else:
                self._suggestions.pop(face_id, None)
        self._changed(touched)

    def _changed(self, touched: set[str]) -> None:
        """Say once per group that its faces changed (a change to a person can move hundreds)."""
        for person_id in touched:
            self._emit("changed", self._rows[person_id], person_id)

    def _file(self, face_id: str, best: Suggestion, touched: set[str]) -> None:
        person_id, key = best.person_id, -best.similarity
        self.names[person_id] = best.name
        if person_id not in self.groups:  # a new group: the operator rejected its faces' first person
            # placed by its best face among the groups with faces left (a group done stays where it was)
            row = next((i for i, other in enumerate(self.order) if self._keys[other] and self._keys[other][0] > key),
                       len(self.order))
            self.groups[person_id], self._keys[person_id] = [face_id], [key]
            self._groups_waiting += 1
            self._emit("inserting", row, person_id)
            self.order.insert(row, person_id)
            self._rows.update((other, at) for at, other in enumerate(self.order[row:], row))
            self._emit("inserted", row, person_id)
            return
        at = bisect.bisect_right(self._keys[person_id], key)
        self._groups_waiting += not self.groups[person_id]
        self.groups[person_id].insert(at, face_id)
        self._keys[person_id].insert(at, key)
        touched.add(person_id)

    def _unfile(self, face_id: str, touched: set[str]) -> None:
        person_id = self.person_of(face_id)
        if person_id is None:
            return
        faces = self.groups[person_id]
        at = faces.index(face_id)
        del faces[at], self._keys[person_id][at]
        self._groups_waiting -= not faces
        touched.add(person_id)


def _comparable(offered: tuple[Suggestion, ...]) -> tuple[Suggestion, ...]:
    """The suggestions with a similarity: only those can be ranked and accepted by it."""
    return tuple(s for s in offered if s.similarity is not None)
