from dataclasses import replace

from conftest import wait_for

from faceboard.domain import BoundingBox, Face, ImageRef, Page, Person, Thumbnail
from faceboard.services.operations import Change, SetPrimary
from faceboard.services.store import Store
from faceboard.ui.panes.faces import FacesModel
from faceboard.ui.panes.people import CountRole, PeopleModel
from faceboard.ui.panes.thumbnails import ThumbnailsModel
from faceboard.ui.panes.tiles import ObjectRole


def people(n=30):
    return [Person(str(i), f"Person {i:02d}", hidden=i % 10 == 0, face_count=i) for i in range(1, n + 1)]


def face(i, person="1"):
    return Face(str(i), person, "a", BoundingBox(0, 0, 10, 10), ImageRef(f"f{i}", "x"))


def people_loader(everyone, page_size=10):
    """A backend's people listing in miniature: filtered, sorted, paged by offset."""
    orders = {"name": lambda p: (p.name.casefold(), p.id), "most_faces": lambda p: (-p.face_count, p.id),
              "fewest_faces": lambda p: (p.face_count, p.id)}
    calls = []

    async def load(query, cursor):
        calls.append((query, cursor))
        chosen = sorted((p for p in everyone if (query.include_hidden or not p.hidden)
                         and query.text.casefold() in p.name.casefold()), key=orders[query.sort])
        start = int(cursor or 0)
        more = start + page_size < len(chosen)
        return Page(tuple(chosen[start : start + page_size]), str(start + page_size) if more else None)

    return load, calls


async def no_faces(scope, cursor, query):
    return Page(())


async def no_thumbnails(person_id):
    return []


def store_of(loop, load_people=None, load_faces=no_faces, load_thumbnails=no_thumbnails, unassigned=0):
    async def count():
        return unassigned

    async def nobody(query, cursor):
        return Page(())

    return Store(load_people or nobody, load_faces, load_thumbnails, count, loop.create_task, load_person=nobody)


def fetch_all(qtbot, model):
    qtbot.waitUntil(lambda: not model.loading)
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.loading)


def test_people_model_pages_filters_sorts_and_updates(qtbot, loop, qtmodeltester):
    load, calls = people_loader(people())
    store = store_of(loop, load, unassigned=7)
    model = PeopleModel(store)
    wait_for(qtbot, store.load())
    assert model.rowCount() == 1 + 10 and len(calls) == 1  # one page, not the whole list
    qtmodeltester.check(model)
    fetch_all(qtbot, model)
    assert model.rowCount() == 1 + 27  # Unassigned, and the 27 not hidden
    assert model.index(0).data() == "Unassigned" and model.index(0).data(CountRole) == 7
    store.set_query(sort="most_faces")
    qtbot.waitUntil(lambda: model.rowCount() > 1 and not model.loading)
    assert model.index(1).data(ObjectRole).id == "29"
    store.set_query(text="person 1")
    qtbot.waitUntil(lambda: not model.loading and model.rowCount() == 10)
    fetch_all(qtbot, model)
    assert {model.index(r).data() for r in range(1, model.rowCount())} == {f"Person {i:02d}" for i in range(11, 20)}
    store.set_query(text="", include_hidden=True, sort="name")
    qtbot.waitUntil(lambda: model.rowCount() > 1 and not model.loading)
    fetch_all(qtbot, model)
    assert model.rowCount() == 31
    store.apply(Change(persons=(replace(store.people["5"], name="Aaron Renamed"),)))
    assert model.index(model.row_of("5")).data() == "Aaron Renamed"
    store.apply(Change(persons=(Person("99", "Aaron New", face_count=1),)))
    assert model.index(1).data() == "Aaron New"  # placed where the order puts it
    store.apply(Change(removed_person_ids=("99",)))
    assert model.row_of("99") is None
    store.apply(Change(unassigned_delta=-1))
    assert model.index(0).data(CountRole) == 6
    qtmodeltester.check(model)


def test_faces_model_pages_and_applies_moves(qtbot, loop, qtmodeltester):
    faces = [face(i) for i in range(1, 26)]

    async def load(scope, cursor, query):
        start = int(cursor or 0)
        items = tuple(f for f in faces[start : start + 10] if f.person_id == scope)
        return Page(items, str(start + 10) if start + 10 < len(faces) else None)

    store = store_of(loop, load_faces=load)
    model = FacesModel(store)
    store.select("1")
    qtbot.waitUntil(lambda: model.rowCount() == 10)
    qtmodeltester.check(model)  # it may fetch more itself
    qtbot.waitUntil(lambda: not model.loading)
    while model.canFetchMore():
        model.fetchMore()
        qtbot.waitUntil(lambda: not model.loading)
    assert model.rowCount() == 25
    store.apply(Change(faces=(replace(faces[3], person_id="2"), replace(faces[4], person_id=None),
                              replace(faces[20], person_id="2"))))
    assert model.rowCount() == 22 and model.row_of("4") is None
    store.apply(Change(faces=(faces[3],)))
    assert model.row_of("4") is not None
    qtmodeltester.check(model)


def test_thumbnails_model_marks_the_primary(qtbot, loop, qtmodeltester):
    thumbs = [Thumbnail(str(i), "1", ImageRef(f"t{i}", "x"), is_primary=i == 1) for i in range(1, 4)]

    async def load(person_id):
        return thumbs

    store = store_of(loop, load_thumbnails=load)
    store.people["1"] = Person("1", "One", primary_thumbnail_id="1")
    model = ThumbnailsModel(store)
    store.select("1")
    qtbot.waitUntil(lambda: model.rowCount() == 3)
    qtmodeltester.check(model)
    store.predict(SetPrimary("1", "3"))
    assert [model.thumbnail_at(r).is_primary for r in range(3)] == [False, False, True]


def test_people_model_on_the_demo_library(qtbot, qtmodeltester, loop, library):
    from faceboard.domain import PeopleQuery
    from faceboard.services.curator import Curator

    curator = Curator(library)
    store = Store(curator.people_page, curator.faces_page, curator.thumbnails, curator.unassigned_count,
                  loop.create_task, load_person=curator.person)
    model = PeopleModel(store)
    wait_for(qtbot, store.load())
    qtmodeltester.check(model)
    assert model.rowCount() >= 21
    page = wait_for(qtbot, curator.people_page(PeopleQuery(sort="most_faces"), None, 5))
    counts = [p.face_count for p in page.items]
    assert counts == sorted(counts, reverse=True) and page.next_cursor == "5"
    found = wait_for(qtbot, curator.people_page(PeopleQuery(text="ZAHRA"), None, 5)).items
    assert [p.name for p in found] == ["Fatima Zahra"]
