"""The steps a service asks to repeat wait by the one retry policy (`faceboard.retry`):
MI's upload confirmation and face search, OpenCV FR's database error."""

import asyncio

import httpx
import pytest
from fake_clock import FakeClock
from fakes.ncp_mi import FakeMediaIntelligence, picture
from fakes.opencv_fr import FakeOpenCvFr
from fakes.server import AsgiApp

from faceboard.backends.ncp_mi import NcpMediaIntelligence
from faceboard.backends.opencv_fr import OpenCvFaceRecognition
from faceboard.errors import InvalidInput, Unavailable, Unreachable
from faceboard.retry import RetryPolicy, tries


def test_tries_wait_the_policys_backoff_between_them_and_stop_when_it_gives_up():
    clock = FakeClock()

    async def count():
        return [attempt async for attempt in tries(RetryPolicy(retries=3, initial_delay=0.5), clock.sleep)]

    assert asyncio.run(count()) == [0, 1, 2, 3] and clock.sleeps == [0.5, 1.0, 2.0]


def mi(fake, clock):
    fake.clock = clock
    return NcpMediaIntelligence(fake.access_key, fake.secret_key, fake.workspace, "http://mi.test",
                                transport=httpx.ASGITransport(app=AsgiApp(fake)), sleep=clock.sleep, clock=clock)


def run(backend, scenario):
    async def main():
        try:
            return await scenario(backend)
        finally:
            await backend.close()

    return asyncio.run(asyncio.wait_for(main(), 30))


class Forgetful(dict):
    """A storage that never shows what was put in it."""

    def __setitem__(self, key, value):
        pass


def test_an_upload_storage_does_not_show_is_asked_after_again_after_1_2_4_and_8_seconds():
    fake, clock = FakeMediaIntelligence.seeded(), FakeClock()
    fake.objects = Forgetful()
    person = next(iter(fake.persons))
    with pytest.raises(InvalidInput, match="never reached the storage"):
        run(mi(fake, clock), lambda backend: backend.add_thumbnail(str(person), picture((5, 5, 5))))
    assert sum(c.path.endswith("/uploads/complete") for c in fake.calls) == 5
    assert clock.sleeps == [1.0, 2.0, 4.0, 8.0]


def test_a_search_that_does_not_finish_is_looked_at_30_times_backing_off_to_4_seconds():
    fake, clock = FakeMediaIntelligence.seeded(), FakeClock()
    fake.search_looks = 1_000
    with pytest.raises(Unavailable, match="did not finish the search in time"):
        run(mi(fake, clock), lambda backend: backend.find_in_media(picture((9, 9, 9), (300, 300))))
    assert sum("/assets/search/" in c.path for c in fake.calls) == 30
    assert clock.sleeps[-29:] == [0.25, 0.5, 1.0, 2.0] + [4.0] * 25


def test_the_database_error_is_tried_again_after_half_a_second_1_and_2():
    fake, clock = FakeOpenCvFr.seeded(), FakeClock()
    fake.database_failures = 10
    backend = OpenCvFaceRecognition("http://fr.test", fake.api_key, "staff", fake.edition,
                                    transport=httpx.ASGITransport(app=AsgiApp(fake)), sleep=clock.sleep)
    with pytest.raises(Unreachable, match="its database failed"):
        run(backend, lambda backend: backend.connect())
    assert len(fake.calls) == 4 and clock.sleeps == [0.5, 1.0, 2.0]
