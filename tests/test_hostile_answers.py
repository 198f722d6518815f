"""A hostile server's answers end in a message naming what is wrong, within a time limit:
a bounding box that is not a size, pages that go in a circle or never end, a body
trickled a byte at a time, JSON nested too deeply, a body compressed wrongly, and
redirects in a loop."""

import asyncio
import signal
import time

import httpx
import pytest
from fake_clock import FakeClock
from fakes.faults import Faults
from fakes.gumnut import FakeGumnut
from fakes.ncp_mi import FakeMediaIntelligence
from fakes.server import AsgiApp, serve
from fakes.superoffice import FakeSuperOffice

from faceboard import paging
from faceboard.backends import http
from faceboard.backends.gumnut import GumnutBackend
from faceboard.backends.http import TokenBucket, json_of, make_client, send
from faceboard.backends.ncp_mi import NcpMediaIntelligence
from faceboard.backends.superoffice import SuperOffice
from faceboard.domain import Page
from faceboard.errors import Unavailable, Unreachable
from faceboard.paging import ListingBudget, every_item
from faceboard.services.curator import Curator

LIMIT = 10.0  # seconds any of these may take before it counts as a hang


def within_limit(coro):
    """Run `coro`, failing the test after LIMIT seconds even if it never gives the event
    loop a turn (an endless walk over in-process pages does not)."""

    def expire(signum, frame):
        raise TimeoutError(f"still running after {LIMIT:g} s: a hang")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, LIMIT)
    try:
        return asyncio.run(coro)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def gumnut(fake=None, transport=None, base_url="http://gumnut.test"):
    clock = FakeClock()
    if fake is not None:
        fake.clock = clock
    return GumnutBackend(FakeGumnut.api_key, base_url, "lib_main",
                         transport=transport or httpx.ASGITransport(app=AsgiApp(fake)),
                         limiter=TokenBucket(400, 100, clock=clock, sleep=clock.sleep), sleep=clock.sleep)


async def closing(backend, scenario):
    try:
        return await scenario(backend)
    finally:
        await backend.close()


class Body(httpx.AsyncByteStream):
    """A body that arrives as it would from a socket (not read when the answer is made)."""

    def __init__(self, data: bytes):
        self.data = data

    async def __aiter__(self):
        yield self.data


# -- fields -----------------------------------------------------------------------------


def test_a_picture_id_that_is_infinite_is_refused():
    def answer(request):
        return httpx.Response(200, headers={"content-type": "application/json"}, content=b"Infinity")

    backend = SuperOffice("http://so.test/Cust1/api/v1", "so-Tok3n-hostile", transport=httpx.MockTransport(answer))
    with pytest.raises(Unavailable, match="did not answer with its id"):
        within_limit(closing(backend, lambda backend: backend.add_thumbnail("5", b"\x89PNG\r\n\x1a\n")))


@pytest.mark.parametrize("value, shown", [(float("nan"), "nan"), (float("inf"), "inf"), (-5, "-5")])
def test_a_bounding_box_that_is_not_a_size_is_refused_naming_the_field(value, shown):
    fake = FakeGumnut.seeded(people=1, faces_per_person=3, unassigned=0)
    person = next(iter(fake.people))
    face = next(f for f in fake.faces.values() if f.person_id == person)
    face.box = {**face.box, "w": value}
    with pytest.raises(Unavailable, match=rf"face {face.id}\.bounding_box\.w is {shown}"):
        within_limit(closing(gumnut(fake), lambda backend: backend.list_faces(person)))


# -- paging -----------------------------------------------------------------------------


def test_people_pages_that_alternate_are_stopped():
    fake = FakeGumnut.seeded(people=250, faces_per_person=0, unassigned=0, paging="circle")
    with pytest.raises(Unavailable, match="pages go in a circle"):
        within_limit(closing(gumnut(fake), lambda backend: Curator(backend).all_people()))
    assert sum(c.path == "/api/people" for c in fake.calls) == 3  # A, B, then A again: stopped there


def test_unassigned_faces_among_pages_that_alternate_are_stopped():
    """Gumnut walks all faces for the unassigned ones: with none unassigned and the pages
    in a circle, that walk went on for ever inside one call."""
    fake = FakeGumnut.seeded(people=1, faces_per_person=250, unassigned=0, paging="circle")
    with pytest.raises(Unavailable, match="pages go in a circle"):
        within_limit(closing(gumnut(fake), lambda backend: backend.list_faces(None)))


def test_an_endless_series_of_new_pages_is_stopped_at_the_budget(monkeypatch):
    monkeypatch.setattr(paging, "BUDGET", ListingBudget(pages=5))
    fake = FakeGumnut.seeded(people=3, faces_per_person=1, unassigned=0, paging="endless")
    with pytest.raises(Unavailable, match="more than 5 pages"):
        within_limit(closing(gumnut(fake), lambda backend: Curator(backend).all_people()))
    assert sum(c.path == "/api/people" for c in fake.calls) == 5


def test_workspaces_that_never_end_are_stopped_at_the_budget(monkeypatch):
    monkeypatch.setattr(paging, "BUDGET", ListingBudget(pages=5))
    fake, clock = FakeMediaIntelligence.seeded(endless_workspaces=True), FakeClock()
    fake.clock = clock
    backend = NcpMediaIntelligence(fake.access_key, fake.secret_key, "", "http://mi.test",
                                   transport=httpx.ASGITransport(app=AsgiApp(fake)), sleep=clock.sleep, clock=clock)
    with pytest.raises(Unavailable, match="more than 5 pages"):
        within_limit(closing(backend, lambda backend: backend.connect()))


def test_a_listing_past_its_time_budget_is_stopped():
    clock = FakeClock()

    async def slow_page(cursor):
        clock.now += 10.0
        return Page((int(cursor or 0),), str(int(cursor or 0) + 1))

    with pytest.raises(Unavailable, match="more than 30 s for one listing"):
        within_limit(every_item(slow_page, "Svc", ListingBudget(seconds=30), clock=lambda: clock.now))


def test_a_listing_past_its_item_budget_is_stopped():
    async def big_page(cursor):
        return Page(tuple(range(100)), str(int(cursor or 0) + 1))

    with pytest.raises(Unavailable, match="1,000 items"):
        within_limit(every_item(big_page, "Svc", ListingBudget(items=1_000)))


# -- bodies -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["gumnut", "superoffice"])
def test_a_body_trickled_a_byte_at_a_time_ends_at_the_answers_deadline(monkeypatch, kind):
    monkeypatch.setattr(http, "ANSWER_DEADLINE", 0.5)
    trickle = Faults(rate=1.0, modes=("trickle",), slow_seconds=0.05)
    if kind == "gumnut":
        fake = FakeGumnut.seeded(people=5, faces_per_person=1, unassigned=0, rate_limited=False)
        trickle.only = ("GET /api/people",)
        fake.faults = trickle
    else:
        fake = FakeSuperOffice.seeded()
        fake.faults = trickle
    with serve(fake) as base_url:
        if kind == "gumnut":
            backend = GumnutBackend(fake.api_key, base_url, "lib_main")
            scenario = lambda backend: backend.list_people()  # noqa: E731
        else:
            backend = SuperOffice(f"{base_url}/{fake.tenant}/api/v1", fake.token)
            scenario = lambda backend: backend.connect()  # noqa: E731
        started = time.monotonic()
        with pytest.raises(Unreachable, match="answer too slowly"):
            within_limit(closing(backend, scenario))
    assert time.monotonic() - started < 5  # the body alone would take minutes
    assert trickle.injected["trickle"] == 1  # not tried again: that would wait as long again


NESTED = b"[" * 100_000 + b"]" * 100_000


def test_json_nested_too_deeply_is_named_so():
    fake = FakeGumnut.seeded(people=2, faces_per_person=1, unassigned=0)
    fake.fail[("GET", "/api/people")] = (200, NESTED, 1)
    with pytest.raises(Unavailable, match="nested too deeply"):
        within_limit(closing(gumnut(fake), lambda backend: backend.list_people()))


def test_json_nested_too_deeply_is_named_so_where_the_backend_reads_it_itself():
    inner = httpx.MockTransport(lambda request: httpx.Response(
        200, headers={"content-type": "application/json"}, content=NESTED))

    async def scenario():
        async with make_client("https://api.example", inner=inner) as client:
            return json_of(await send(client, "GET", "/x", "Svc"), "Svc")

    with pytest.raises(Unavailable, match="Svc: the answer is nested too deeply"):
        within_limit(scenario())


def wrongly_compressed(request):
    return httpx.Response(200, headers={"content-type": "application/json", "content-encoding": "gzip"},
                          stream=Body(b"\x1f\x8b\x08\x00 this is not gzip"))


def test_a_body_compressed_wrongly_is_named_so():
    backend = gumnut(transport=httpx.MockTransport(wrongly_compressed))
    with pytest.raises(Unavailable, match="Gumnut: the answer is compressed wrongly") as raised:
        within_limit(closing(backend, lambda backend: backend.list_people()))
    assert "Cannot reach" not in raised.value.message


def test_a_body_compressed_wrongly_is_named_so_where_the_backend_reads_it_itself():
    backend = SuperOffice("http://so.test/Cust1/api/v1", "so-Tok3n-hostile", transport=httpx.MockTransport(wrongly_compressed))
    with pytest.raises(Unavailable, match="SuperOffice: the answer is compressed wrongly"):
        within_limit(closing(backend, lambda backend: backend.connect()))


def redirect_to_itself(request):
    return httpx.Response(302, headers={"location": str(request.url)})


@pytest.mark.parametrize("make", [
    lambda: gumnut(transport=httpx.MockTransport(redirect_to_itself)),
    lambda: SuperOffice("http://so.test/Cust1/api/v1", "so-Tok3n-hostile", transport=httpx.MockTransport(redirect_to_itself)),
], ids=["gumnut", "superoffice"])
def test_redirects_in_a_loop_are_named_so(make):
    with pytest.raises(Unavailable, match="redirects in a loop") as raised:
        within_limit(closing(make(), lambda backend: backend.connect()))
    assert "Cannot reach" not in raised.value.message
