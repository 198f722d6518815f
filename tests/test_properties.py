"""Property-based tests (hypothesis): the response parsers never fail but with a clear
message, operations survive the journal's JSON unchanged, and replaying a journal after
a crash at any point leaves the backend exactly as if nothing had gone wrong."""

import asyncio

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fakes.gumnut import FakeGumnut
from fakes.server import AsgiApp
from faceboard.backends.gumnut import GumnutBackend
from faceboard.backends.gumnut_json import face_from, page_from, person_from
from faceboard.errors import Unavailable
from faceboard.services.curator import Curator
from faceboard.services.journal import DONE, Journal, decode, encode
from faceboard.services.outbox import WINDOW, Outbox
from faceboard.services.operations import AddThumbnails, AssignFaces, Batch, CreatePerson, UpdatePerson

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)
FIELDS = ("id", "asset_id", "person_id", "bounding_box", "confidence", "asset_urls", "cluster_assignment", "name",
          "is_hidden", "thumbnail_face_id", "asset_count", "cluster_metrics", "data", "has_more")
# dictionaries with the fields the parsers read, holding anything
ANSWERS = st.dictionaries(st.sampled_from(FIELDS), JSON, max_size=len(FIELDS)) | JSON
IDS = st.text(min_size=1, max_size=12)  # slashes, unicode, spaces: ids are the server's to choose


@given(ANSWERS)
@settings(max_examples=400)
def test_parsers_read_anything_or_say_clearly_what_was_wrong(answer):
    for parse in (face_from, person_from, lambda data: page_from(data, face_from, 200)):
        try:
            parse(answer)
        except Unavailable as error:
            assert error.message.startswith("Gumnut answered with something Faceboard cannot read: ")


@given(IDS, st.none() | IDS, st.integers(0, 10**6), st.integers(0, 10**6), st.none() | st.floats(0, 1))
def test_a_well_formed_face_is_read_as_sent(face_id, person_id, x, w, confidence):
    face = face_from({"id": face_id, "asset_id": "a", "person_id": person_id, "confidence": confidence,
                      "bounding_box": {"x": x, "y": 0, "w": w, "h": 1},
                      "asset_urls": {"thumbnail": {"url": "https://cdn/x.jpg?sig=s"}}})
    assert (face.id, face.person_id, face.box.x, face.box.width) == (face_id, person_id, x, w)
    assert face.image.uri == "https://cdn/x.jpg?sig=s" and face.confidence == confidence


OPERATIONS = st.recursive(
    st.builds(AssignFaces, st.lists(st.tuples(IDS, st.none() | IDS), max_size=5).map(tuple),
              st.lists(st.tuples(IDS, st.none() | IDS), max_size=5).map(tuple))
    | st.builds(CreatePerson, st.text(max_size=20), st.lists(IDS, max_size=3).map(tuple))
    | st.builds(UpdatePerson, IDS, st.none() | st.text(max_size=10), st.none() | st.booleans(),
                st.none() | st.text(max_size=10))
    | st.builds(AddThumbnails, IDS, st.lists(st.binary(max_size=16), min_size=1, max_size=2).map(tuple),
                st.booleans()),
    lambda inner: st.builds(Batch, st.lists(inner, max_size=3).map(tuple)),
    max_leaves=6,
)


@given(OPERATIONS)
def test_operations_survive_the_journal_unchanged(operation):
    assert decode(*encode(operation)) == operation


MOVES = st.lists(st.lists(st.tuples(st.integers(0, 11), st.integers(-1, 2)), min_size=1, max_size=6),
                 min_size=1, max_size=6)


@given(MOVES, st.data())
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_replaying_the_journal_after_a_crash_anywhere_gives_what_was_asked(tmp_path_factory, changes, data):
    """Changes 0..k-1 were answered; change k reached the server for some of its faces
    and then Faceboard died; the rest were only journaled. Resuming must leave every face
    where applying all the changes in order would, and every entry done."""
    fake = FakeGumnut.seeded(people=3, faces_per_person=0, unassigned=12)
    fake.rate_limited = False
    faces = list(fake.faces)
    people = [None, *fake.people]
    operations = [AssignFaces(tuple((faces[f], people[p + 1]) for f, p in change)) for change in changes]
    crash = data.draw(st.integers(0, len(operations) - 1), label="the change being sent when Faceboard died")
    reached = data.draw(st.sets(st.integers(0, len(operations[crash].moves) - 1)), label="its moves that arrived")
    expected = {f: fake.faces[f].person_id for f in faces}
    for operation in operations:
        expected.update(operation.moves)

    async def scenario():
        backend = GumnutBackend(fake.api_key, "http://gumnut.test", "lib_main",
                                transport=httpx.ASGITransport(app=AsgiApp(fake)))
        journal = Journal(tmp_path_factory.mktemp("journal") / "journal.sqlite3")
        outbox = Outbox(Curator(backend), journal, "gumnut|fake", "fake")
        try:
            for operation in operations[:crash]:
                await outbox.submit(operation, "answered")
            await journal.record("fake", "Gumnut", "being sent", operations[crash], {}, key=outbox.key)
            for at in sorted(reached):
                face_id, person_id = operations[crash].moves[at]
                fake.faces[face_id].person_id = person_id  # the PATCHes that got there
            for operation in operations[crash + 1:]:
                await outbox.record(operation, "made meanwhile", WINDOW)
            results = await outbox.resume()
            assert all(not isinstance(outcome, Exception) for _, outcome in results)
            return await journal.history()
        finally:
            await backend.close()
            await journal.close()

    history = asyncio.run(scenario())
    assert {f: fake.faces[f].person_id for f in faces} == expected
    assert {e.state for e in history} == {DONE} and len(history) == len(operations)
