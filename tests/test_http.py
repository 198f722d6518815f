"""The shared HTTP layer: retries, Retry-After, rate limiting, error mapping, redaction."""

import asyncio
import logging

import httpx
import pytest
from fake_clock import FakeClock

from faceboard.backends.http import (
    FaceboardTransport,
    TokenBucket,
    error_for,
)
from faceboard.redaction import redact, register_secret
from faceboard.retry import RetryPolicy
from faceboard.errors import AuthFailed, Conflict, InvalidInput, NotFound, RateLimited, Unavailable


def scripted(*answers):
    """An inner transport that plays back answers (a Response, or an exception) in order."""
    seen = []

    def handler(request):
        seen.append(request)
        answer = answers[min(len(seen), len(answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        return answer

    return httpx.MockTransport(handler), seen


def client(inner, clock, limiter=None, policy=RetryPolicy()):
    transport = FaceboardTransport(inner, limiter=limiter, sleep=clock.sleep, jitter=lambda: 0.0,
                                   now=lambda: clock.now, policy=policy)
    return httpx.AsyncClient(transport=transport, base_url="https://api.example")


def run(coro):
    return asyncio.run(coro)


def test_retries_5xx_and_connection_errors_with_backoff():
    clock = FakeClock()
    inner, seen = scripted(httpx.ConnectError("refused"), httpx.Response(503), httpx.Response(200, json={"ok": 1}))
    response = run(client(inner, clock).get("/things"))
    assert response.status_code == 200 and len(seen) == 3
    assert clock.sleeps == [0.5, 1.0]


def test_retry_after_seconds_date_and_ms_are_obeyed():
    clock = FakeClock()
    date = "Thu, 01 Jan 1970 00:17:00 GMT"  # 1020 s after epoch; the clock says 1000
    inner, _ = scripted(httpx.Response(429, headers={"Retry-After": "3"}),
                        httpx.Response(429, headers={"Retry-After": date}),
                        httpx.Response(503, headers={"retry-after-ms": "250"}),
                        httpx.Response(200))
    assert run(client(inner, clock).get("/x")).status_code == 200
    assert clock.sleeps == [3.0, pytest.approx(17.0), 0.25]  # the date is 17 s away after the first wait


def test_a_retry_after_over_a_minute_is_not_waited_for():
    clock = FakeClock()
    inner, seen = scripted(httpx.Response(429, headers={"Retry-After": "3600"}))
    assert run(client(inner, clock).get("/x")).status_code == 429
    assert len(seen) == 1 and clock.sleeps == []


def test_post_is_not_retried_blindly_but_is_after_a_429():
    clock = FakeClock()
    inner, seen = scripted(httpx.Response(503), httpx.Response(201))
    assert run(client(inner, clock).post("/people", json={})).status_code == 503
    assert len(seen) == 1
    inner, seen = scripted(httpx.Response(429, headers={"Retry-After": "1"}), httpx.Response(201))
    assert run(client(inner, clock).post("/people", json={})).status_code == 201
    inner, seen = scripted(httpx.Response(503), httpx.Response(201))
    safe = client(inner, clock).post("/people/search", json={}, extensions={"faceboard.retry_safe": True})
    assert run(safe).status_code == 201


def test_gives_up_after_the_policy_retries():
    clock = FakeClock()
    inner, seen = scripted(httpx.Response(502))
    assert run(client(inner, clock, policy=RetryPolicy(retries=2)).get("/x")).status_code == 502
    assert len(seen) == 3


def test_token_bucket_slows_a_burst_instead_of_failing():
    clock = FakeClock()
    bucket = TokenBucket(10, 5, clock=clock, sleep=clock.sleep)

    async def burst():
        for _ in range(20):
            await bucket.acquire(1)

    run(burst())
    assert clock.now - 1000 == pytest.approx(2.0)  # 10 from the bucket, 10 more at 5/s
    bucket.observe(0)
    assert bucket.tokens == 0


def test_the_transport_follows_the_servers_remaining_count():
    clock = FakeClock()
    bucket = TokenBucket(400, 100, clock=clock, sleep=clock.sleep)
    inner, _ = scripted(httpx.Response(200, headers={"X-RateLimit-Remaining": "3"}))
    run(client(inner, clock, limiter=bucket).get("/x"))
    assert bucket.tokens == 3


@pytest.mark.parametrize("status, body, error, text", [
    (401, {"detail": "JWT has expired"}, AuthFailed, "JWT has expired"),
    (404, {"detail": "Face face_1 not found"}, NotFound, "face_1 not found"),
    (409, {"error": {"code": "conflict", "message": "Changed meanwhile"}}, Conflict, "Changed meanwhile"),
    (422, {"detail": [{"loc": ["query", "limit"], "msg": "too big"}]}, InvalidInput, "limit: too big"),
    (403, {"error": "forbidden", "message": "Insufficient permissions"}, AuthFailed, "Insufficient permissions"),
    (429, {"detail": "slow down"}, RateLimited, "slow down"),
    (500, {"code": "x"}, Unavailable, "HTTP 500"),
])
def test_error_bodies_map_to_domain_errors(status, body, error, text):
    mapped = error_for(httpx.Response(status, json=body), "Svc")
    assert isinstance(mapped, error) and text in mapped.message and mapped.message.startswith("Svc")


def test_garbage_is_a_clear_error_not_a_crash():
    page = httpx.Response(200, content=b"<html>proxy login</html>", headers={"content-type": "text/html"})
    inner, _ = scripted(page)
    transport = FaceboardTransport(inner, expect_json=True)
    response = run(httpx.AsyncClient(transport=transport, base_url="https://api.example").get("/x"))
    mapped = error_for(response, "Svc")
    assert isinstance(mapped, Unavailable) and "not JSON (text/html)" in mapped.message
    assert "HTTP 502" in error_for(httpx.Response(502, content=b"<html>bad gateway</html>"), "Svc").message


def test_secrets_never_reach_a_log_line(caplog):
    register_secret("sk_live_1234567890")
    caplog.set_level(logging.DEBUG)
    logging.getLogger("anything").debug("sending %s", {"Authorization": "Bearer apikey_abcdef", "x-api-key": "k9k9k9k9"})
    logging.getLogger("httpx").info("GET https://cdn.example/a.jpg?X-Amz-Signature=deadbeef&x=1 key=sk_live_1234567890")
    text = caplog.text
    for secret in ("apikey_abcdef", "k9k9k9k9", "deadbeef", "sk_live_1234567890"):
        assert secret not in text
    assert "x=1" in text
    assert redact("Basic dXNlcjpwYXNz") == "Basic ***"


def test_a_reserve_is_left_for_the_jitter_between_sending_and_arriving():
    clock = FakeClock()
    bucket = TokenBucket(10, 5, clock=clock, sleep=clock.sleep, reserve=2)

    async def spend():
        for _ in range(10):
            await bucket.acquire()

    asyncio.run(spend())
    assert bucket.tokens >= 2 - 1e-9  # never run below the reserve
    assert clock.now - 1000.0 == pytest.approx(0.4)  # 8 at once, then one token each 0.2 s
