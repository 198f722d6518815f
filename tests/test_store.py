"""The store without Qt: listings read page by page, predictions and the backend's
answers applied once, counts derived from what it holds, the events that name the rows
that changed, the selection as one value, refresh."""

import asyncio
from dataclasses import replace

from faceboard.domain import BoundingBox, Face, ImageRef, Page, Person, Thumbnail
from faceboard.errors import NotFound
from faceboard.services.operations import AssignFaces, Change, RejectSuggestions, RestoreSuggestions, UpdatePerson
from faceboard.domain import count
from faceboard.services import store as store_module
from faceboard.services.drops import assignment
from faceboard.services.store import FACES, PEOPLE, THUMBNAILS, Store


class Backend:
    """People and faces in miniature, listed by name, paged by offset."""

    def __init__(self, people=30, faces=12, page=10):
        self.people = {str(i): Person(str(i), f"Person {i:03d}", face_count=0) for i in range(1, people + 1)}
        self.faces = {str(i): Face(str(i), None, "a", BoundingBox(0, 0, 1, 1), ImageRef(f"k{i}", "u"))
                      for i in range(1, faces + 1)}
        self.page = page
        self.reads = 0
        self.counts = True  # False: like Gumnut, no count of the unassigned faces until they are read

    async def people_page(self, query, cursor):
        self.reads += 1
        chosen = sorted((p for p in self.people.values() if query.text.casefold() in p.name.casefold()),
                        key=lambda p: (p.name.casefold(), p.id))
        start = int(cursor or 0)
        more = start + self.page < len(chosen)
        return Page(tuple(chosen[start : start + self.page]), str(start + self.page) if more else None)

    async def faces_page(self, scope, cursor, query):
        chosen = [f for f in self.faces.values() if f.person_id == scope and query.shows(f)]
        start = int(cursor or 0)
        more = start + self.page < len(chosen)
        return Page(tuple(chosen[start : start + self.page]), str(start + self.page) if more else None)

    async def thumbnails(self, person_id):
        return [Thumbnail(f"t{person_id}", person_id, ImageRef(f"t{person_id}", "u"), is_primary=True)]

    async def person(self, person_id):
        if person_id not in self.people:
            raise NotFound(f"Person {person_id} does not exist.")
        return self.people[person_id]

    async def count_unassigned(self):
        if not self.counts:
            return None
        return sum(f.person_id is None for f in self.faces.values())


def run(test, **options):
    """Run `test(store, backend, settle)` on a fresh event loop; `settle()` waits for
    everything the store started. `options` go to the Store."""
    async def main():
        tasks = set()

        def spawn(awaitable):
            task = asyncio.ensure_future(awaitable)
            tasks.add(task)
            return task

        async def settle():
            while pending := [t for t in tasks if not t.done()]:
                await asyncio.gather(*pending)

        backend = Backend()
        store = Store(backend.people_page, backend.faces_page, backend.thumbnails, backend.count_unassigned, spawn,
                      load_person=backend.person, **options)
        events = []
        store.listen(events.append)
        await test(store, backend, settle, events)

    asyncio.run(main())


def test_count_says_one_person_three_people_and_what_is_not_known():
    assert count(1, "person") == "1 person"
    assert count(3, "person") == "3 people"
    assert count(0, "person") == "0 people"
    assert count(200, "person", more=True) == "200+ people"
    assert count(1, "unassigned face") == "1 unassigned face"
    assert count(None, "unassigned face") == "unassigned faces not counted yet"
    assert count(2, "change") == "2 changes"


def test_the_people_count_is_what_is_listed_and_says_when_more_may_come():
    async def test(store, backend, settle, events):
        await store.load()
        assert store.people_count() == (10, False)  # a page of 30: "10+ people"
        assert store.unassigned == 12
        while store.listings[PEOPLE].can_fetch:
            store.fetch_more(PEOPLE)
            await settle()
        assert store.people_count() == (30, True)
        store.set_query(text="nobody has this name")
        await settle()
        assert store.people_count() == (0, True)
        store.set_query(text="")
        await settle()
        assert store.people_count() == (10, False)

    run(test)


def test_a_prediction_and_its_answer_move_a_face_and_the_counts_once():
    async def test(store, backend, settle, events):
        await store.load()
        store.select(None)
        await settle()
        assert len(store.listings[FACES]) == 10 and store.unassigned == 12
        counted = store.predict(AssignFaces((("1", "2"),)))
        assert counted and store.unassigned == 11 and store.people["2"].face_count == 1
        assert "1" not in store.listings[FACES].rows  # left the unassigned faces at once
        moved = replace(store.faces["1"], person_id="2")
        store.apply(Change(persons=(replace(store.people["2"], face_count=1),), faces=(moved,), unassigned_delta=-1),
                    counts_shown=counted)
        assert store.unassigned == 11 and store.people["2"].face_count == 1  # not moved twice
        assert store.faces["1"].person_id == "2"

    run(test)


def test_a_large_drop_makes_its_faces_a_slice_a_turn_and_a_move_meanwhile_reads_where_each_is(monkeypatch):
    """The faces a drop took off the grid are made MADE_AT_ONCE a turn (the window paints
    between); a second move of them meanwhile first makes the rest, so that it predicts
    from where each is now (counts, and where the move says it found them)."""
    monkeypatch.setattr(store_module, "MADE_AT_ONCE", 2)

    async def test(store, backend, settle, events):
        await store.load()
        store.select(None)
        await settle()
        ids = store.listings[FACES].ids[:5]
        assert store.predict(AssignFaces(tuple((i, "2") for i in ids)))
        await asyncio.sleep(0)
        assert [store.faces[i].person_id for i in ids] == ["2", "2", None, None, None]  # the first slice
        assert "faces" not in [e.kind for e in events]
        assert assignment(store, (ids[4],), "3").shown == ((ids[4], "2"),)  # made first: where the drop put it
        assert [store.faces[i].person_id for i in ids] == ["2"] * 5 and [e.kind for e in events].count("faces") == 1
        store.predict(AssignFaces(((ids[4], "3"),), ((ids[4], "2"),)))
        assert store.people["2"].face_count == 4 and store.people["3"].face_count == 1 and store.unassigned == 7
        await store.all_made()
        await settle()
        assert [store.faces[i].person_id for i in ids] == ["2"] * 4 + ["3"]

    run(test)


def test_a_drop_takes_its_faces_off_the_grid_at_once_and_makes_them_anew_in_the_next_turn():
    """The drop's turn does what the screen shows (rows gone, counts moved, one "counts"
    event); the faces' new objects follow in the next turn, an answer that came first kept."""
    async def test(store, backend, settle, events):
        await store.load()
        store.select(None)
        await settle()
        ids = store.listings[FACES].ids[:4]
        olds = {i: store.faces[i] for i in ids}
        events.clear()
        assert store.predict(AssignFaces(tuple((i, "2") for i in ids)))
        assert not set(ids) & set(store.listings[FACES].ids) and store.unassigned == 8
        assert store.people["2"].face_count == 4
        assert [e.kind for e in events].count("counts") == 1  # the window counts once for the drop
        assert all(store.faces[i] is olds[i] for i in ids)  # not made in the drop's turn
        answered = replace(olds[ids[0]], person_id="2", confidence=0.5)  # the backend's, come first
        store.faces[ids[0]] = answered
        await asyncio.sleep(0)
        assert store.faces[ids[0]] is answered
        assert [store.faces[i].person_id for i in ids[1:]] == ["2"] * 3 and events[-1].kind == "faces"
        assert all(replace(store.faces[i], person_id=None) == olds[i] for i in ids[1:])

    run(test)


def test_events_name_only_the_rows_that_changed():
    async def test(store, backend, settle, events):
        await store.load()
        events.clear()
        store.predict(UpdatePerson("3", name="Person 003 renamed"))
        row = store.listings[PEOPLE].rows["3"]
        changed = [e for e in events if e.kind == "changed"]
        assert [(e.pane, e.first, e.last) for e in changed] == [(PEOPLE, row, row)]
        assert not [e for e in events if e.kind in ("resetting", "reset")]

    run(test)


def test_a_person_created_beyond_the_rows_read_is_listed_and_selected():
    async def test(store, backend, settle, events):
        await store.load()
        assert not store.listings[PEOPLE].exhausted
        zoe = Person("99", "Zoe", face_count=1)
        store.apply(Change(persons=(zoe,), created_person_id="99"))
        assert store.selection == "99" and store.selected_person == zoe
        assert "99" in store.listings[PEOPLE].rows  # the list can highlight whom the panes show
        await settle()
        assert store.selected_thumbnails()[0].person_id == "99"

    run(test)


def test_selecting_a_person_not_listed_yet_lists_them():
    async def test(store, backend, settle, events):
        await store.load()
        store.people["30"] = backend.people["30"]  # met elsewhere (a picker), beyond the first page
        store.select("30")
        assert store.listings[PEOPLE].rows.get("30") is not None
        assert any(e.kind == "reset" and e.pane == THUMBNAILS for e in events)
        await settle()

    run(test)


def test_refresh_shows_what_changed_elsewhere_and_keeps_the_selection():
    async def test(store, backend, settle, events):
        await store.load()
        store.fetch_more(PEOPLE)
        await settle()
        store.select(None)
        await settle()
        assert len(store.listings[PEOPLE]) == 20
        backend.faces["2"] = replace(backend.faces["2"], person_id="5")  # assigned from the command line
        backend.people["5"] = replace(backend.people["5"], face_count=1)
        reads = backend.reads
        events.clear()
        await store.refresh()
        assert store.selection is None and "2" not in store.listings[FACES].rows
        assert store.unassigned == 11 and store.people["5"].face_count == 1
        assert len(store.listings[PEOPLE]) == 20 and backend.reads == reads + 2  # the rows listed, again
        people_events = [e for e in events if e.pane == PEOPLE]
        row = store.listings[PEOPLE].rows["5"]
        assert [(e.kind, e.first) for e in people_events] == [("changed", row)]  # the one row that changed

    run(test)


def test_refresh_after_the_selected_person_was_deleted_elsewhere_selects_unassigned_and_says_so():
    async def test(store, backend, settle, events):
        await store.load()
        store.select("5")
        await settle()
        del backend.people["5"]  # deleted, or merged into someone, from the command line
        said = await store.refresh()
        await settle()
        assert said == "Person 005 was deleted or merged elsewhere."
        assert store.selection is None and store.selected_person is None
        assert "5" not in store.listings[PEOPLE].rows and "5" not in store.people
        assert len(store.listings[FACES]) == 10  # the unassigned faces' first page, read for the new selection

    run(test)


def test_without_faces_the_first_person_takes_the_place_of_one_deleted_elsewhere():
    async def test(store, backend, settle, events):
        await store.load()
        store.select("1")
        await settle()
        del backend.people["1"]
        assert await store.refresh() == "Person 001 was deleted or merged elsewhere."
        await settle()
        assert store.selection == store.listings[PEOPLE].ids[0] == "2"  # by name, Person 002 comes next

    run(test, lists_unassigned=False)


def test_without_faces_a_merge_of_the_selected_person_selects_the_first_person_not_unassigned():
    async def test(store, backend, settle, events):
        await store.load()
        store.select("3")
        await settle()
        store.apply(Change(persons=(replace(backend.people["1"], face_count=4),), removed_person_ids=("3",)))
        await settle()
        assert store.selection == "1"  # there is no "Unassigned" to show where there are no faces

    run(test, lists_unassigned=False)


def test_refresh_reads_the_selected_person_even_when_the_list_does_not_hold_them():
    async def test(store, backend, settle, events):
        await store.load()
        store.select("5")
        store.set_query(text="Person 00")  # the list now holds 001-009; the selection stays
        await settle()
        backend.people["5"] = replace(backend.people["5"], name="Renamed Elsewhere")
        events.clear()
        assert await store.refresh() is None
        assert store.selection == "5" and store.selected_person.name == "Renamed Elsewhere"
        assert "5" not in store.listings[PEOPLE].rows  # the filter no longer lets them in
        assert any(e.kind == "selected" for e in events)

    run(test)


def test_the_unassigned_faces_read_to_the_end_are_counted():
    async def test(store, backend, settle, events):
        backend.counts = False
        await store.load()
        assert store.unassigned is None
        store.select(None)
        await settle()
        store.fetch_more(FACES)
        await settle()
        assert store.unassigned == 12

    run(test)


def test_unassigned_faces_read_to_the_end_through_a_filter_are_not_taken_for_their_count():
    async def test(store, backend, settle, events):
        backend.counts = False
        await store.load()
        store.select(None)
        store.set_face_filter("doubtful")  # none of them: no confidence given
        await settle()
        assert store.faces_listed() == (0, True) and store.unassigned is None

    run(test)


def test_a_face_moved_to_the_person_shown_joins_only_if_the_filter_shows_it():
    async def test(store, backend, settle, events):
        await store.load()
        store.select("2")
        store.set_face_filter("doubtful")
        await settle()
        sure = replace(backend.faces["1"], person_id="2", confidence=0.9)
        doubtful = replace(backend.faces["3"], person_id="2", confidence=0.3)
        store.apply(Change(faces=(sure, doubtful)))
        assert store.listings[FACES].ids == ["3"] and store.faces["1"].person_id == "2"

    run(test)



def test_pages_that_alternate_end_the_listing_at_the_first_cursor_seen_again():
    """Two pages pointing at each other, each saying more follow: the third read is the
    first page again, and the listing stops there with the reason."""
    faces = tuple(Backend().faces.values())
    pages = {None: Page(faces[:5], "b"), "b": Page(faces[5:], "a"), "a": Page(faces[:5], "b")}
    reads, problems = [], []

    async def alternating(scope, cursor, query):
        reads.append(cursor)
        return pages[cursor]

    async def main():
        backend = Backend()
        backend.counts = False  # the unassigned faces are counted once listed to the end
        store = Store(backend.people_page, alternating, backend.thumbnails, backend.count_unassigned,
                      asyncio.ensure_future, lambda what, error: problems.append(f"{what}: {error}"), "Svc",
                      load_person=backend.person)
        await store.load()
        store.select(None)
        for _ in range(20):  # scrolling on; bounded, as a circle without the trail never ends
            store.fetch_more(FACES)
            await asyncio.sleep(0)
        assert not store.listings[FACES].can_fetch
        assert store.unassigned is None  # a listing stopped short is not a count

    asyncio.run(main())
    assert reads == [None, "b", "a"]
    assert problems == ["Loading faces: Svc gave a page again: its pages go in a circle; stopped."]


def test_faces_found_meanwhile_join_the_end_of_the_listing_without_a_reset():
    async def test(store, backend, settle, events):
        await store.load()
        store.select(None)
        await settle()
        while store.listings[FACES].can_fetch:  # 12 faces, pages of 10: read to the end
            store.fetch_more(FACES)
            await settle()
        shown = list(store.listings[FACES].ids)
        for i in range(13, 26):  # a scan finds 13 more, after those in the backend's order
            backend.faces[str(i)] = Face(str(i), None, "a", BoundingBox(0, 0, 1, 1), ImageRef(f"k{i}", "u"))
        events.clear()
        await store.read_newer()
        listing = store.listings[FACES]
        assert listing.ids[: len(shown)] == shown and len(listing) == 20  # the last page again: 11 to 20
        assert not any(e.kind == "resetting" for e in events)  # rows shown stay, with their selection
        assert [(e.first, e.last) for e in events if e.kind == "inserted" and e.pane == FACES] == [(12, 19)]
        assert store.unassigned == 25 and listing.can_fetch  # counted; the rest comes as the grid scrolls
        store.fetch_more(FACES)
        await settle()
        assert listing.ids == [str(i) for i in range(1, 26)]

    run(test)


def test_faces_found_while_a_person_is_shown_only_move_the_unassigned_count():
    async def test(store, backend, settle, events):
        await store.load()
        store.select("1")
        await settle()
        backend.faces["99"] = Face("99", None, "a", BoundingBox(0, 0, 1, 1), ImageRef("k99", "u"))
        await store.read_newer()
        assert "99" not in store.listings[FACES].ids and store.unassigned == 13

    run(test)


def test_a_removal_does_not_number_all_the_rows_after_it_again_at_once():
    """Faces leaving the top of a long listing leave the rows after them to be numbered
    again a slice at a time, between other work; a row asked for meanwhile is still right."""
    async def test(store, backend, settle, events):
        await store.load()
        store.select(None)
        await settle()
        listing = store.listings[FACES]
        ids = list(listing.ids)
        store.predict(AssignFaces(((ids[0], "1"),)))
        assert listing.rows.exact == 0  # none of the rows after it numbered yet
        assert listing.rows.get(ids[-1]) == len(ids) - 2  # asked for: numbered when asked
        store.predict(AssignFaces(((ids[1], "1"),)))
        await settle()
        assert listing.rows.exact == len(listing)
        assert [listing.rows[face_id] for face_id in listing.ids] == list(range(len(listing)))
        assert ids[0] not in listing.rows and ids[1] not in listing.rows

    run(test)


def test_a_rejection_and_its_undoing_leave_what_the_store_shows_as_it_was():
    async def test(store, backend, settle, events):
        await store.load()
        before = (dict(store.people), dict(store.faces), store.unassigned, store.selection)
        for operation, change in ((RejectSuggestions((("1", "2"),)), Change(rejected=(("1", "2"),))),
                                  (RestoreSuggestions((("1", "2"),)), Change(unrejected=(("1", "2"),)))):
            assert store.predict(operation) is False  # nothing the panes show moves
            store.apply(change, counts_shown=False)
        await settle()
        assert (dict(store.people), dict(store.faces), store.unassigned, store.selection) == before

    run(test)


def test_an_unknown_group_shown_follows_its_faces_when_the_groups_are_made_again():
    """Its faces listed; one moved to a person leaves it; made again without its lowest face
    (so under another id) it is still the group shown; gone, the unassigned faces are."""
    from faceboard.domain import FaceGroup

    async def load_group(group, query):
        return Page(tuple(backend_faces[f] for f in group.face_ids if backend_faces[f].person_id is None))

    backend_faces = {}

    async def test(store, backend, settle, events):
        backend_faces.update(backend.faces)
        await store.load()
        group = FaceGroup("group-3", ("3", "5", "7"))
        store.select_group(group)
        await settle()
        assert store.selected_group == group and store.selected_person is None and store.chosen == ()
        assert [f.id for f in store.listed_faces()] == ["3", "5", "7"] and store.face_count(group.id) == 3
        moved = replace(backend.faces["3"], person_id="1")
        backend_faces["3"] = moved
        store.apply(Change(faces=(moved,)))
        assert [f.id for f in store.listed_faces()] == ["5", "7"]  # it left the group
        again = FaceGroup("group-5", ("5", "7", "9"))
        store.regroup([FaceGroup("group-1", ("1", "2")), again])
        await settle()
        assert store.selection == "group-5" and store.selected_group == again
        assert [f.id for f in store.listed_faces()] == ["5", "7", "9"]  # the face that joined is read
        store.regroup([FaceGroup("group-1", ("1", "2"))])
        await settle()
        assert store.selection is None and store.selected_group is None  # gone: the unassigned faces

    run(test, load_group=load_group)
