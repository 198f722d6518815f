"""`Store`: what the window shows, in one place, without Qt.

People, faces and thumbnails are kept by id; the people list and the selected person's
faces are `Listing`s (ids in the order the backend gave, read page by page). The
selection is one value: a person's id, None for the unassigned faces, or an unknown
group's id (`select_group`: unassigned faces that look like one person); beside it, the
people chosen together in the list (Ctrl/Shift) for hiding, merging or deleting them at
once, the selected person among them. Predictions
(`predict`) and the backend's answers (`apply`, a `Change`) are applied here once; the
pane models read the store and repaint what its events name. Counts are derived here:
a person's faces, the unassigned faces, the people listed (with whether that is all).
A listing keeps the trail of cursors it followed: a server whose pages go in a circle
ends the listing with a message instead of serving repeats for as long as the user
scrolls.
"""

from __future__ import annotations

import asyncio
import bisect
import collections
import contextlib
import gc
import heapq
import itertools
import math
import operator
from collections import Counter, deque
from collections.abc import Awaitable, Callable, Iterable, Iterator
from dataclasses import dataclass, fields, replace

from faceboard.domain import Face, FaceGroup, FacesQuery, Page, PeopleQuery, Person, Thumbnail
from faceboard.errors import FaceboardError, NotFound, Unavailable
from faceboard.paging import ListingBudget, Trail
from faceboard.services.operations import AssignFaces, Batch, Change, Operation, SetPrimary, UpdatePerson

PEOPLE, FACES, THUMBNAILS = "people", "faces", "thumbnails"  # the listings a pane shows
ORDERS: dict[str, Callable[[Person], object]] = {  # the backends' orders, for placing a person met meanwhile
    "name": lambda p: (p.name.casefold(), p.id),
    "most_faces": lambda p: (-p.face_count, p.name.casefold(), p.id),
    "fewest_faces": lambda p: (p.face_count, p.name.casefold(), p.id),
}
SCROLLED = ListingBudget(seconds=math.inf)  # read as the user scrolls: time says nothing of the server
RENUMBERED_AT_ONCE = 4096  # rows numbered again in one turn of the event loop: about a millisecond
MADE_AT_ONCE = 250  # faces a drop took off the grid made in one turn of the event loop: 1-2 ms
BETWEEN_SLICES_S = 0.004  # the pause after each slice of such work, for the timers and a repaint
PLACED_ONE_BY_ONE = 64  # places faces that joined a listing go to with a row event each; more: one reset


@dataclass(frozen=True)
class Event:
    """What changed. `kind` is one of: "resetting", "reset", "inserting", "inserted",
    "removing", "removed", "changed" (rows `first`..`last` of `pane`, inclusive), or
    "selected" (the selection or the selected person changed), "counts", "faces" (faces
    not listed changed: those a drop took off the grid, for the photo showing them)."""

    kind: str
    pane: str = ""
    first: int = 0
    last: int = -1


class RowIndex:
    """The row of each id of a listing, asked as of a dict (`get`, `in`, `[]`). A removal
    or an insertion shifts the rows after it: they are numbered again a slice at a time
    (`renumber`, between other work), or all at once when one of them is asked for before
    that, never on each change (a drop of 1,000 faces numbered the 29,000 after them
    again, 8-20 ms on the GUI thread)."""

    def __init__(self, ids: list[str]):
        self._ids = ids
        self._rows = dict(zip(ids, range(len(ids))))  # every id listed, right before `exact`
        self.exact = len(ids)  # the rows before this one are numbered right; later ones may have moved

    @property
    def stale(self) -> bool:
        return self.exact < len(self._ids)

    def get(self, item: str, default: int | None = None) -> int | None:
        row = self._rows.get(item)
        if row is None:
            return default
        if row >= len(self._ids) or self._ids[row] != item:  # it moved since it was numbered
            self.renumber(len(self._ids))
            row = self._rows[item]
        return row

    def rows_of(self, items: Iterable[str]) -> list[int]:
        """The rows of those of `items` listed, in one pass (a drop asks for 1,000: one
        call of `get` each took a millisecond)."""
        got, ids, exact = self._rows.get, self._ids, self.exact
        pairs = [(item, row) for item in items if (row := got(item)) is not None]
        if exact < len(ids) and any(row >= exact and (row >= len(ids) or ids[row] != item) for item, row in pairs):
            self.renumber(len(ids))  # one of them moved since it was numbered
            return [row for item, _ in pairs if (row := self._rows.get(item)) is not None]
        return [row for _, row in pairs]

    def __getitem__(self, item: str) -> int:
        if (row := self.get(item)) is None:
            raise KeyError(item)
        return row

    def __contains__(self, item: str) -> bool:
        return item in self._rows

    def renumber(self, count: int) -> bool:
        """Number up to `count` rows again from the first that may have moved; True while
        some remain to number."""
        start = self.exact
        stop = min(len(self._ids), start + count)
        self._rows.update(zip(self._ids[start:stop], range(start, stop)))  # islice walked the rows before `start`
        self.exact = stop
        return self.stale

    def inserted(self, position: int, ids: list[str]) -> None:
        """`ids` were inserted at `position`: the rows after them moved (none, for a page appended)."""
        self._rows.update(zip(ids, range(position, position + len(ids))))
        if self.exact >= position:
            self.exact = position + len(ids)

    def removed(self, first: int, ids: list[str]) -> None:
        """`ids`, from row `first` on, were removed: the rows after them moved."""
        collections.deque(map(self._rows.pop, ids, itertools.repeat(None)), maxlen=0)  # in C: 1,000 in a drop
        self.exact = min(self.exact, first)


class Listing:
    """Ids in the order a pane lists them, and where the next page starts. The
    generation makes answers for an older view (another query, another person) count
    for nothing."""

    def __init__(self, pane: str):
        self.pane = pane
        self.ids: list[str] = []
        self.rows = RowIndex(self.ids)
        self.renumbering = False  # the rows a change moved are being numbered again
        self.cursor: str | None = None
        self.last_cursor: str | None = None  # the one the last page read was asked with
        self.trail = Trail("")  # the cursors followed since the listing (re)started
        self.exhausted = True
        self.stopped = False  # ended before its last page (a read failed, the pages went wrong): maybe not all
        self.fetching = False
        self.generation = 0

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def can_fetch(self) -> bool:
        return not self.exhausted and not self.fetching

    def reset(self, ids: list[str]) -> None:
        self.ids = ids
        self.rows = RowIndex(ids)

    def insert(self, position: int, ids: list[str]) -> None:
        self.ids[position:position] = ids
        self.rows.inserted(position, ids)

    def remove(self, first: int, last: int) -> None:
        """Rows `first`..`last`, inclusive."""
        gone = self.ids[first : last + 1]
        del self.ids[first : last + 1]
        self.rows.removed(first, gone)


Listener = Callable[[Event], None]


class Store:
    """`load_people(query, cursor)`, `load_faces(scope, cursor, query=FacesQuery)`, `load_thumbnails(id)`,
    `count_unassigned()` and `load_person(id)` (NotFound when they are gone) read the
    backend, `load_group(group, query)` an unknown group's faces (`service`: its name, for
    messages); `spawn` runs a coroutine;
    `on_error(what, error)` hears of a read that failed. `lists_unassigned`: whether there
    are unassigned faces to select (a backend without faces has none: its first person
    is selected instead)."""

    def __init__(
        self,
        load_people: Callable[[PeopleQuery, str | None], Awaitable[Page[Person]]],
        load_faces: Callable[..., Awaitable[Page[Face]]],  # (scope, cursor, query=FacesQuery)
        load_thumbnails: Callable[[str], Awaitable[list[Thumbnail]]],
        count_unassigned: Callable[[], Awaitable[int | None]],
        spawn: Callable[[Awaitable], object],
        on_error: Callable[[str, Exception], None] = lambda what, error: None,
        service: str = "The backend",
        *,
        load_person: Callable[[str], Awaitable[Person]],
        load_group: Callable[[FaceGroup, FacesQuery], Awaitable[Page[Face]]] | None = None,
        lists_unassigned: bool = True,
    ):
        self._load_people, self._load_faces, self._load_person = load_people, load_faces, load_person
        self._load_group = load_group
        self.lists_unassigned = lists_unassigned
        self._load_thumbnails, self._count_unassigned = load_thumbnails, count_unassigned
        self._spawn = spawn
        self._on_error = on_error
        self.service = service
        self.people: dict[str, Person] = {}  # everyone met so far
        self.faces: dict[str, Face] = {}  # every face met so far
        self.thumbnails: dict[str, tuple[Thumbnail, ...]] = {}  # person id -> their thumbnails
        self.listings = {PEOPLE: Listing(PEOPLE), FACES: Listing(FACES)}
        self.query = PeopleQuery(include_hidden=False)
        self.face_query = FacesQuery()  # the order and filter of the faces listed
        self.selection: str | None = None  # the selected person; None: the unassigned faces; or a group's id
        self.group: FaceGroup | None = None  # the unknown group last selected
        self.chosen: tuple[str, ...] = ()  # the people chosen together in the list, in its order
        self.unassigned: int | None = 0  # None: not counted yet
        self._listeners: list[Listener] = []
        self._counts_held = self._counts_due = False  # see `_counts_once`
        self._unmade: deque[tuple[Face, str | None]] = deque()  # faces a drop took off the grid, still to make
        self._all_made = asyncio.Event()
        self._all_made.set()
        self._making = False  # a task makes them

    # -- listening ------------------------------------------------------------------

    def listen(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def unlisten(self, listener: Listener) -> None:
        """For a view that hears the store only while it is shown."""
        self._listeners.remove(listener)

    def _emit(self, kind: str, pane: str = "", first: int = 0, last: int = -1) -> None:
        if kind == "counts" and self._counts_held:
            self._counts_due = True
            return
        event = Event(kind, pane, first, last)
        for listener in self._listeners:
            listener(event)

    @contextlib.contextmanager
    def _counts_once(self) -> Iterator[None]:
        """One "counts" event for a change that moves several counts (the rows removed,
        the people's and the unassigned counts): the window counts once, not three times."""
        held, self._counts_held = self._counts_held, True
        try:
            yield
        finally:
            self._counts_held = held
            if not held and self._counts_due:
                self._counts_due = False
                self._emit("counts")

    # -- reading --------------------------------------------------------------------

    @property
    def selected_person(self) -> Person | None:
        return None if self.selection is None else self.people.get(self.selection)

    @property
    def selected_group(self) -> FaceGroup | None:
        """The unknown group whose faces are shown, if the selection is one."""
        group = self.group
        return group if group is not None and self.selection == group.id else None

    def _shown_here(self, face: Face) -> bool:
        """Whether a face belongs to what is selected (a group: while it is unassigned)."""
        group = self.selected_group
        if group is not None:
            return face.person_id is None and face.id in group.face_ids
        return face.person_id == self.selection

    def chosen_people(self) -> list[Person]:
        """The people a bulk action is for: those chosen together, else the selected person."""
        ids = self.chosen or (() if self.selection is None else (self.selection,))
        return [self.people[i] for i in ids if i in self.people]

    def listed_people(self) -> list[Person]:
        return [self.people[pid] for pid in self.listings[PEOPLE].ids]

    def listed_faces(self) -> list[Face]:
        return [self.faces[fid] for fid in self.listings[FACES].ids]

    def selected_thumbnails(self) -> tuple[Thumbnail, ...]:
        return () if self.selection is None else self.thumbnails.get(self.selection, ())

    def default_selection(self) -> str | None:
        """Whom to show when the selected person is no more: the unassigned faces, or the
        first person listed where there are none."""
        if self.lists_unassigned or not self.listings[PEOPLE].ids:
            return None
        return self.listings[PEOPLE].ids[0]

    def people_count(self) -> tuple[int, bool]:
        """How many people the list holds, and whether that is all the query selects."""
        people = self.listings[PEOPLE]
        return len(people), people.exhausted and not people.fetching and not people.stopped

    def faces_listed(self) -> tuple[int, bool]:
        """How many faces the grid holds, and whether that is all the filter shows."""
        faces = self.listings[FACES]
        return len(faces), faces.exhausted and not faces.fetching and not faces.stopped

    def face_count(self, person_id: str | None) -> int | None:
        if person_id is None:
            return self.unassigned
        if (group := self.selected_group) is not None and person_id == group.id:
            return len(self.listings[FACES]) if self.listings[FACES].exhausted else len(group.face_ids)
        person = self.people.get(person_id)
        return None if person is None else person.face_count

    # -- loading --------------------------------------------------------------------

    async def load(self) -> None:
        """Count the unassigned faces and read the first page of people."""
        self.unassigned = await self._count_unassigned()
        await self._restart(self.listings[PEOPLE])  # which says the counts changed

    def set_query(self, *, text: str | None = None, sort: str | None = None,
                  include_hidden: bool | None = None) -> None:
        query = self.query
        if text is not None:
            query = replace(query, text=text.strip())
        if sort is not None:
            query = replace(query, sort=sort)
        if include_hidden is not None:
            query = replace(query, include_hidden=include_hidden)
        if query != self.query:
            self.query = query
            self._spawn(self._restart(self.listings[PEOPLE]))

    def set_face_sort(self, sort: str) -> None:
        """List the faces shown again, in another order (read from the backend in it)."""
        self._set_face_query(replace(self.face_query, sort=sort))

    def set_face_filter(self, show: str, taken_from: str | None = None, taken_to: str | None = None) -> None:
        """List again only the faces the filter shows (the backend filters: the pages hold);
        "taken" from the day `taken_from` to `taken_to`."""
        self._set_face_query(replace(self.face_query, show=show, taken_from=taken_from, taken_to=taken_to))

    def _set_face_query(self, query: FacesQuery) -> None:
        if query != self.face_query:
            self.face_query = query
            self._spawn(self._restart(self.listings[FACES]))

    def fetch_more(self, pane: str) -> None:
        listing = self.listings[pane]
        if listing.can_fetch:
            listing.fetching = True
            self._spawn(self._fetch(listing, listing.generation))

    def choose(self, person_ids: Iterable[str]) -> None:
        """The people chosen together in the list now (the selected one among them, if a person)."""
        chosen = tuple(dict.fromkeys(i for i in person_ids if i in self.people))
        if chosen != self.chosen:
            self.chosen = chosen
            self._emit("selected")

    def select(self, person_id: str | None) -> None:
        """Show a person's thumbnails and faces; None shows the unassigned faces. The
        people chosen together are the one selected, until the list chooses more."""
        self.selection = person_id
        group = self.selected_group
        self.chosen = () if person_id is None or group is not None else (person_id,)
        self._emit("resetting", THUMBNAILS)
        self._emit("reset", THUMBNAILS)
        self._spawn(self._restart(self.listings[FACES]))
        if person_id is not None and group is None:
            self._list_if_missing(person_id)
            self._spawn(self._read_thumbnails(person_id))
        self._emit("selected")

    def select_group(self, group: FaceGroup) -> None:
        """Show the faces of an unknown group (no thumbnails: it is no one yet)."""
        self.group = group
        self.select(group.id)

    def regroup(self, groups: Iterable[FaceGroup]) -> None:
        """The unknown groups were made again: the one shown is the group that holds most of
        its faces now (its id changes when its lowest face left it); faces that joined it are
        read (those that left it went as they moved). One that holds none of them, or no
        group at all, gives way to the default selection."""
        group = self.selected_group
        if group is None:
            return
        faces = set(group.face_ids)
        again = max(groups, key=lambda g: len(faces.intersection(g.face_ids)), default=None)
        if again is None or not faces.intersection(again.face_ids):
            self.select(self.default_selection())
            return
        if again == group:
            return
        self.group, self.selection = again, again.id
        if set(again.face_ids) - faces:
            self._spawn(self._restart(self.listings[FACES]))
        self._emit("selected")

    def _restart(self, listing: Listing) -> Awaitable[bool]:
        """Empty the listing at once; return the fetch of its first page."""
        self._emit("resetting", listing.pane)
        listing.generation += 1
        listing.reset([])
        listing.cursor, listing.exhausted, listing.fetching, listing.stopped = None, False, True, False
        listing.last_cursor = None
        listing.trail = Trail(self.service, SCROLLED)
        self._emit("reset", listing.pane)
        self._emit("counts")
        return self._fetch(listing, listing.generation)

    def _page(self, listing: Listing, cursor: str | None) -> Awaitable[Page]:
        if listing.pane == PEOPLE:
            return self._load_people(self.query, cursor)
        if (group := self.selected_group) is not None and self._load_group is not None:
            return self._load_group(group, self.face_query)
        return self._load_faces(self.selection, cursor, query=self.face_query)

    async def _fetch(self, listing: Listing, generation: int) -> bool:
        """Fetch the listing's next page; True when it was the last."""
        what = "Loading people" if listing.pane == PEOPLE else "Loading faces"
        asked = listing.cursor
        try:
            page = await self._page(listing, asked)
        except Exception as error:
            if generation == listing.generation:
                listing.fetching, listing.exhausted, listing.stopped = False, True, True
                self._emit("counts")
                self._on_error(what, error)
            return False
        if generation != listing.generation:
            return False  # the user moved on to another view meanwhile
        listing.last_cursor = asked
        self._take(listing, page.items)
        try:
            listing.cursor = listing.trail.follow(page.next_cursor, len(page.items))
        except Unavailable as error:  # a cursor seen before (pages in a circle), or over the budget
            listing.cursor, listing.stopped = None, True
            self._on_error(what, error)
        listing.exhausted, listing.fetching = listing.cursor is None, False
        _keep_out_of_full_collections()
        if (listing.exhausted and not listing.stopped and listing.pane == FACES and self.selection is None
                and self.face_query.show == "all"):
            self.unassigned = len(listing)  # read to the end: now their count is known
        self._emit("counts")
        return listing.exhausted

    def _take(self, listing: Listing, items: tuple) -> None:
        known = self.people if listing.pane == PEOPLE else self.faces
        known.update((item.id, item) for item in items)
        fresh = [item_id for item_id in dict.fromkeys(item.id for item in items) if item_id not in listing.rows]
        if listing.pane == PEOPLE:
            for person in items:
                if (row := listing.rows.get(person.id)) is not None:
                    self._emit("changed", PEOPLE, row, row)
        if fresh:
            self._insert(listing, len(listing), fresh)

    async def _read_thumbnails(self, person_id: str) -> None:
        try:
            thumbnails = await self._load_thumbnails(person_id)
        except FaceboardError as error:
            self._on_error("Loading thumbnails", error)
            return
        self._set_thumbnails(person_id, tuple(thumbnails))
        self._primary_from(person_id, thumbnails)

    def _primary_from(self, person_id: str, thumbnails: Iterable[Thumbnail]) -> None:
        """A person's thumbnails say which is the primary: a backend that cannot tell it in
        its people list (SuperOffice: one call a person) learns it when they are shown."""
        person = self.people.get(person_id)
        primary = next((t for t in thumbnails if t.is_primary), None)
        if person is not None and primary is not None and person.primary_image != primary.image:
            self._update_people([replace(person, primary_thumbnail_id=primary.id, primary_image=primary.image)])

    async def read_newer(self) -> None:
        """Faces that joined the end of the faces shown since they were read to it (a scan
        finding them, in the backend's order): the last page again, its new rows appended,
        the rows shown left as they are (and their selection); what lies beyond it is read
        as the grid scrolls. A listing not read to its end yet meets them as it scrolls.
        The unassigned faces are counted again either way."""
        listing = self.listings[FACES]
        if listing.exhausted and not listing.fetching and not listing.stopped:
            generation, asked = listing.generation, listing.last_cursor
            page = await self._page(listing, asked)
            if generation == listing.generation and listing.exhausted and not listing.fetching:
                self._take(listing, page.items)
                if page.next_cursor is not None and page.next_cursor != asked:
                    listing.cursor, listing.exhausted = page.next_cursor, False
        unassigned = await self._count_unassigned()
        if unassigned is not None:
            self.unassigned = unassigned
        self._emit("counts")

    async def refresh(self) -> str | None:
        """Read again from the backend what is on screen (as many rows as are listed),
        keeping the selection; rows that did not change are not repainted. The selected
        person is read too, listed or not: renamed elsewhere, they show their new name;
        deleted or merged elsewhere, the default selection takes their place, and the
        sentence returned says why."""
        unassigned = await self._count_unassigned()
        selected, gone = None, None  # the selected person as they are now, or as they were last seen
        person = self.selection is not None and self.selected_group is None
        if person:
            try:
                selected = await self._load_person(self.selection)
            except NotFound:
                gone = self.people.get(self.selection, Person(self.selection, f"Person {self.selection}"))
        people = await self._reread(self.listings[PEOPLE])
        if gone is None:
            faces = await self._reread(self.listings[FACES])
            if person:
                self._set_thumbnails(self.selection, tuple(await self._load_thumbnails(self.selection)))
        self._replace(self.listings[PEOPLE], *people)
        if gone is not None:
            self._remove_people([gone.id])
            self.select(self.default_selection())
        else:
            self._replace(self.listings[FACES], *faces)
            if selected is not None:
                self._update_people([selected])
        faces_listing = self.listings[FACES]
        if unassigned is None and self.selection is None and faces_listing.exhausted:
            unassigned = len(faces_listing)  # a backend that cannot count them: all are listed
        if unassigned is not None:
            self.unassigned = unassigned
        self._emit("counts")
        self._emit("selected")
        return None if gone is None else f"{gone.name} was deleted or merged elsewhere."

    async def _reread(self, listing: Listing) -> tuple[list, str | None, int]:
        """The listing's first pages again, as many rows as it holds: the items, where the
        next page starts, and the generation they were read for."""
        generation, wanted = listing.generation, max(1, len(listing))
        items, cursor = [], None
        while True:
            page = await self._page(listing, cursor)
            items.extend(page.items)
            cursor = page.next_cursor
            if cursor is None or len(items) >= wanted:
                break
        return items, cursor, generation

    def _replace(self, listing: Listing, items: list, cursor: str | None, generation: int) -> None:
        """The listing as read again; repaint only what changed (all, if rows came or went)."""
        if generation != listing.generation:
            return  # the view changed meanwhile: what was read is for another one
        known = self.people if listing.pane == PEOPLE else self.faces
        ids = list(dict.fromkeys(item.id for item in items))
        changed = [item.id for item in items if known.get(item.id) != item]
        known.update((item.id, item) for item in items)
        listing.cursor, listing.exhausted = cursor, cursor is None
        if ids != listing.ids:
            self._emit("resetting", listing.pane)
            listing.reset(ids)
            self._emit("reset", listing.pane)
        else:
            for item_id in changed:
                row = listing.rows[item_id]
                self._emit("changed", listing.pane, row, row)

    # -- changing -------------------------------------------------------------------

    def apply(self, change: Change, counts_shown: bool = False) -> None:
        """The backend's answer; `counts_shown`: the prediction already moved the counts."""
        self.made_now()
        self._update_people(change.persons, created=change.created_person_id)
        self._remove_people(change.removed_person_ids)
        if change.unassigned_delta and not counts_shown and self.unassigned is not None:
            self.unassigned += change.unassigned_delta
            self._emit("counts")
        self._update_faces(change.faces)
        self._remove_faces(change.removed_face_ids)
        for person_id, thumbnails in change.thumbnails:
            self._set_thumbnails(person_id, thumbnails)
        if self.selection is not None and self.selection in change.removed_person_ids:
            self.select(self.default_selection())
        elif change.created_person_id and change.created_person_id in {p.id for p in change.persons}:
            self.select(change.created_person_id)
        elif self.selection in {p.id for p in change.persons}:
            self._emit("selected")

    def predict(self, operation: Operation) -> bool:
        """Show the expected outcome before the backend answers (only what is certain).
        True when the face counts shown now already include the change."""
        match operation:
            case AssignFaces(moves):
                self.made_now()
                faces = list(map(self.faces.get, map(_FIRST, moves)))
                if not all(faces):
                    return False  # faces never shown: wait for the backend's answer
                shown = [(face, target) for face, (_, target) in zip(faces, moves) if face.person_id != target]
                selection = self.selection
                joining = [pair for pair in shown if pair[1] == selection]
                leaving = [pair for pair in shown if pair[1] != selection] if joining else shown
                deltas = Counter(face.person_id for face, _ in shown)
                deltas.subtract(map(_SECOND, shown))
                deltas = {person_id: -n for person_id, n in deltas.items()}  # each one's old faces first, as listed
                listing = self.listings[FACES]
                with self._counts_once():
                    self._remove_rows(listing, listing.rows.rows_of(face.id for face, _ in leaving))
                    self._update_faces([_moved(face, target) for face, target in joining])
                    self._adjust_counts(deltas)
                if leaving:
                    self._unmade.extend(leaving)
                    self._all_made.clear()
                    if not self._making:
                        self._making = True
                        self._spawn(self._make_moved())
                return True
            case SetPrimary(person_id, thumbnail_id):
                person = self.people.get(person_id)
                thumbnails = self.thumbnails.get(person_id, ())
                thumbnail = next((t for t in thumbnails if t.id == thumbnail_id), None)
                if person is not None and thumbnail is not None:
                    self._set_thumbnails(person_id, tuple(replace(t, is_primary=t.id == thumbnail_id)
                                                          for t in thumbnails))
                    self._update_people([replace(person, primary_thumbnail_id=thumbnail_id,
                                                 primary_image=thumbnail.image)])
            case UpdatePerson(person_id, name, hidden):
                person = self.people.get(person_id)
                if person is not None:
                    self._update_people([replace(person, name=person.name if name is None else name,
                                                 hidden=person.hidden if hidden is None else hidden)])
            case Batch(parts) if all(isinstance(part, UpdatePerson) for part in parts):  # several hidden at once
                for part in parts:
                    self.predict(part)
        return False

    async def _make_moved(self) -> None:
        """The faces a drop took off the grid, as predicted, made after the drop's turn and
        MADE_AT_ONCE a turn: 1,000 of them in one turn took 5-10 ms, and the repaint after
        the drop waited behind them."""
        try:
            self._make(MADE_AT_ONCE)  # a task starts in a turn after the drop's
            while self._unmade:
                await asyncio.sleep(BETWEEN_SLICES_S)
                self._make(MADE_AT_ONCE)
        finally:
            self._making = False

    def _make(self, count: int) -> None:
        """Make `count` of the faces still to make (a face the backend's answer brought
        meanwhile is left as it says); the last made tells the listeners."""
        known, unmade = self.faces, self._unmade
        with _collector_paused():
            for _ in range(min(count, len(unmade))):
                face, target = unmade.popleft()
                if known.get(face.id) is face:
                    known[face.id] = _moved(face, target)
        if not unmade and not self._all_made.is_set():
            self._all_made.set()
            self._emit("faces")

    def made_now(self) -> None:
        """Make every face a drop took off the grid now: a change made from the faces shown
        (a second drop, an answer) reads where each is."""
        self._make(len(self._unmade))

    async def all_made(self) -> None:
        """Wait until the faces drops took off the grid are made."""
        await self._all_made.wait()

    def _adjust_counts(self, deltas: dict[str | None, int]) -> None:
        """Optimistic face counts while a reassignment is on its way."""
        for person_id, delta in deltas.items():
            if person_id is None:
                if self.unassigned is not None:
                    self.unassigned += delta
                    self._emit("counts")
            elif person_id in self.people:
                person = self.people[person_id]
                self._update_people([replace(person, face_count=max(0, person.face_count + delta))])

    def _passes(self, person: Person) -> bool:
        if person.hidden and not self.query.include_hidden:
            return False
        return self.query.text.casefold() in person.name.casefold()

    def _update_people(self, people: Iterable[Person], created: str | None = None) -> None:
        """New states of people; one not listed yet is inserted where the order puts it,
        if that is among the rows read so far (a person just created: always)."""
        listing = self.listings[PEOPLE]
        for person in people:
            self.people[person.id] = person
            row = listing.rows.get(person.id)
            if row is not None:
                if self._passes(person):
                    self._emit("changed", PEOPLE, row, row)
                else:  # hidden, say: off the list, and no longer chosen there
                    self._remove_rows(listing, [row])
                    self._unchoose([person.id])
            elif self._passes(person):
                self._place(person, anywhere=person.id == created)
            if person.id == self.selection:
                self._emit("selected")

    def _list_if_missing(self, person_id: str) -> None:
        """The selected person is listed (if the query lets them be), so that the list
        highlights whom the panes show."""
        person = self.people.get(person_id)
        if person is not None and person_id not in self.listings[PEOPLE].rows and self._passes(person):
            self._place(person, anywhere=True)

    def _place(self, person: Person, anywhere: bool) -> None:
        listing = self.listings[PEOPLE]
        key = ORDERS[self.query.sort]
        position = next((i for i, pid in enumerate(listing.ids) if key(self.people[pid]) > key(person)), None)
        if position is None and (listing.exhausted or anywhere):
            position = len(listing)
        if position is not None:
            self._insert(listing, position, [person.id])

    def _unchoose(self, person_ids: Iterable[str]) -> None:
        """People who left the list (deleted, merged, hidden) are no longer chosen there."""
        if gone := set(person_ids) & set(self.chosen):
            self.chosen = tuple(i for i in self.chosen if i not in gone)
            self._emit("selected")

    def _remove_people(self, person_ids: Iterable[str]) -> None:
        listing = self.listings[PEOPLE]
        person_ids = tuple(person_ids)
        self._unchoose(person_ids)
        for person_id in person_ids:
            row = listing.rows.get(person_id)
            if row is not None:
                self._remove_rows(listing, [row])  # before forgetting them: a view may still ask
            self.people.pop(person_id, None)

    def meet_people(self, people: Iterable[Person]) -> None:
        """People read elsewhere than in the list (a dialog's): known by id from now on,
        so that a change of them is described and predicted as of those listed."""
        for person in people:
            self.people.setdefault(person.id, person)

    def meet(self, faces: Iterable[Face]) -> None:
        """Faces shown elsewhere than in a listing (on their photo): known by id from now
        on, so that moving one is predicted and says where the window showed it."""
        listing = self.listings[FACES]
        for face in faces:
            self.faces[face.id] = face
            if (row := listing.rows.get(face.id)) is not None:
                self._emit("changed", FACES, row, row)

    def _update_faces(self, faces: Iterable[Face]) -> None:
        """Faces' new states: faces that left the selection's listing (or its filter) go, faces
        that joined come."""
        listing = self.listings[FACES]
        gone, joined = [], []
        for face in faces:
            self.faces[face.id] = face
            row = listing.rows.get(face.id)
            if self._shown_here(face) and self.face_query.shows(face):
                if row is None:
                    joined.append(face.id)
                else:
                    self._emit("changed", FACES, row, row)
            elif row is not None:
                gone.append(row)
        self._remove_rows(listing, gone)
        if joined:
            self._place_faces(listing, joined)

    def _place_faces(self, listing: Listing, joined: list[str]) -> None:
        """Faces that joined the listing (a move undone, faces dropped on the person shown)
        go where the order puts them among the rows read, as if read with them; one that
        falls after the last row read, while more are to come, is left to its page. In
        "least_alike" order (made of the whole person's embeddings, not of each face) they
        go first: the faces the operator has to look at."""
        if self.face_query.sort == "least_alike":
            self._insert(listing, 0, joined)
            return
        key, known = self.face_query.key, self.faces
        placed: dict[int, list[str]] = {}
        for face_id in sorted(joined, key=lambda f: key(known[f])):
            row = bisect.bisect_left(listing.ids, key(known[face_id]), key=lambda f: key(known[f]))
            if row < len(listing) or listing.exhausted or not listing.ids:
                placed.setdefault(row, []).append(face_id)
        if len(placed) > PLACED_ONE_BY_ONE:  # scattered all over: one reset, not a row event each
            self._emit("resetting", listing.pane)
            listing.reset(list(heapq.merge(listing.ids, itertools.chain(*placed.values()), key=lambda f: key(known[f]))))
            self._emit("reset", listing.pane)
            self._emit("counts")
            return
        with self._counts_once():
            for row in sorted(placed, reverse=True):  # the last first: the rows before it stay where they are
                self._insert(listing, row, placed[row])

    def _remove_faces(self, face_ids: Iterable[str]) -> None:
        """Faces that no longer exist (deleted) leave the list."""
        listing = self.listings[FACES]
        self._remove_rows(listing, [listing.rows[f] for f in face_ids if f in listing.rows])

    def _set_thumbnails(self, person_id: str, thumbnails: tuple[Thumbnail, ...]) -> None:
        shown = person_id == self.selection
        if shown:
            self._emit("resetting", THUMBNAILS)
        self.thumbnails[person_id] = tuple(thumbnails)
        if shown:
            self._emit("reset", THUMBNAILS)

    def _insert(self, listing: Listing, position: int, ids: list[str]) -> None:
        self._emit("inserting", listing.pane, position, position + len(ids) - 1)
        listing.insert(position, ids)
        self._emit("inserted", listing.pane, position, position + len(ids) - 1)
        self._emit("counts")
        self._keep_numbered(listing)

    def _remove_rows(self, listing: Listing, rows: Iterable[int]) -> None:
        runs = _runs(sorted(set(rows), reverse=True))
        for first, last in runs:
            self._emit("removing", listing.pane, first, last)
            listing.remove(first, last)
            self._emit("removed", listing.pane, first, last)
        if runs:
            self._emit("counts")
            self._keep_numbered(listing)

    def _keep_numbered(self, listing: Listing) -> None:
        if listing.rows.stale and not listing.renumbering:
            listing.renumbering = True
            self._spawn(self._renumber(listing))

    async def _renumber(self, listing: Listing) -> None:
        """Number the rows a change moved again, a slice per turn of the event loop: the
        next drop finds its faces' rows without numbering them all at once."""
        try:
            while listing.rows.renumber(RENUMBERED_AT_ONCE):
                await asyncio.sleep(BETWEEN_SLICES_S)
        finally:
            listing.renumbering = False


_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)
_FACE_FIELDS = tuple(field.name for field in fields(Face))
_face_values = operator.attrgetter(*_FACE_FIELDS)
_PERSON_AT = _FACE_FIELDS.index("person_id")


def _moved(face: Face, person_id: str | None) -> Face:
    """`replace(face, person_id=…)` in a third of the time: a drop of 1,000 faces made
    1,000 of them on the GUI thread (5.7 µs each, the prediction's largest part)."""
    values = list(_face_values(face))
    values[_PERSON_AT] = person_id
    return Face(*values)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Make many objects without the garbage collector's passes in between: the 1,000
    faces a drop makes set off its young passes, each walking what was made since the
    last page was frozen (2-4 ms, measured with benchmarks/scale.py). They pass later,
    in turns of their own, and the next page freezes what survives."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _runs(rows_descending: list[int]) -> list[tuple[int, int]]:
    """Group descending row numbers into (first, last) runs, for one removal per run."""
    runs: list[tuple[int, int]] = []
    for row in rows_descending:
        if runs and runs[-1][0] == row + 1:
            runs[-1] = (row, runs[-1][1])
        else:
            runs.append((row, row))
    return runs


def _keep_out_of_full_collections() -> None:
    """A page's objects live as long as the store holds them. Collect the young
    generations, then freeze what survives: the garbage collector's full passes no longer
    walk 100,000 faces (35-67 ms pauses mid-scroll, measured with benchmarks/scale.py).
    Frozen objects are still freed by reference counting when they are let go; the
    domain objects hold no cycles."""
    gc.collect(1)
    gc.freeze()
