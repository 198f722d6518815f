"""The one HTTP layer every remote backend uses.

- `FaceboardTransport` wraps httpx's transport: a client-side rate limiter, and retries
  with exponential backoff and jitter on connection errors, timeouts, 408, 429 and 5xx,
  obeying `Retry-After` (seconds or HTTP date) and `retry-after-ms` up to 60 s. Requests
  that are not idempotent (POST) are retried only after a 429 (the server did nothing)
  or when the request says it is safe (`extensions={"faceboard.retry_safe": True}`).
  Official SDKs plug in through `http_client=` with their own retries off, so retries
  never stack.
- Every answer has an overall deadline (`ANSWER_DEADLINE`), not only httpx's timeout
  per read: a body trickled a byte a second ends in a message, not minutes of waiting.
- `error_for` maps a status and an error body (every shape the backends use) to the
  domain errors, keeping the server's message for the user; `failure` names a request
  that got no usable answer (unreachable, too slow, redirects in a loop, compressed
  wrongly); `json_of` reads a body; `send` makes a request and raises them.
- Secrets never reach a log line or a message: `faceboard.redaction`, below the backends.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import ssl
import time
from collections.abc import Awaitable, Callable
from typing import Any

import certifi
import httpx

from faceboard.errors import (
    AuthFailed,
    Conflict,
    FaceboardError,
    InvalidInput,
    NotFound,
    RateLimited,
    Unavailable,
    Unreachable,
)
from faceboard.redaction import redact
from faceboard.retry import RetryPolicy

log = logging.getLogger("faceboard.http")

RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE"})
RETRY_SAFE = "faceboard.retry_safe"
MAX_RETRY_AFTER = 60.0
MAX_JSON_BYTES = 32 * 2**20  # a page of 200 faces is 0.2 MB; beyond this a server has gone wrong
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
ANSWER_DEADLINE = 90.0  # seconds for one whole answer, headers and body; read when a client is made
NESTED_TOO_DEEPLY = "the answer is nested too deeply"
COMPRESSED_WRONGLY = "the answer is compressed wrongly"

# -- errors ---------------------------------------------------------------------------


def server_message(response: httpx.Response) -> str:
    """The server's own explanation, from whichever error body shape it used."""
    try:
        body = response.json()
    except RecursionError:
        return NESTED_TOO_DEEPLY
    except ValueError:
        text = response.text.strip()
        return redact(text[:200]) if text and not text.startswith("<") else f"HTTP {response.status_code}"
    message: Any = None
    if isinstance(body, dict):
        detail = body.get("detail")
        if isinstance(detail, list):  # FastAPI validation errors
            message = "; ".join(
                f"{'.'.join(str(p) for p in item.get('loc', [])[1:]) or 'request'}: {item.get('msg', item)}"
                if isinstance(item, dict) else str(item)
                for item in detail
            )
        elif detail:
            message = detail
        elif isinstance(body.get("error"), dict):
            message = body["error"].get("message") or body["error"].get("errorCode") or body["error"].get("code")
        elif body.get("message"):
            message = body["message"]
        elif body.get("error"):
            message = body["error"]
        elif body.get("Error"):  # SuperOffice
            message = body.get("Message") or body["Error"]
    return redact(str(message)) if message else f"HTTP {response.status_code}"


def retry_after(response: httpx.Response, now: Callable[[], float] = time.time) -> float | None:
    """Seconds the server asked us to wait, from `retry-after-ms` or `Retry-After`."""
    milliseconds = response.headers.get("retry-after-ms")
    if milliseconds:
        try:
            return max(0.0, float(milliseconds) / 1000)
        except ValueError:
            pass
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        return max(0.0, when.timestamp() - now())


def error_for(response: httpx.Response, service: str) -> FaceboardError | None:
    """The domain error for a response, or None when it succeeded."""
    status = response.status_code
    if status < 400:
        return None
    message = f"{service}: {server_message(response)}"
    if status in (401, 403):
        return AuthFailed(message)
    if status == 404:
        return NotFound(message)
    if status == 409:
        return Conflict(message)
    if status == 429:
        return RateLimited(message, retry_after(response))
    if status == 421:  # Misdirected Request: this host no longer serves the address (a tenant moved)
        return Unavailable(f"{service} says this address is served elsewhere now (421): check it.")
    if status == 408 or status >= 500:
        return Unreachable(message)
    return InvalidInput(message)


async def send(client: httpx.AsyncClient, method: str, url: str, service: str, **kwargs) -> httpx.Response:
    """One request whose failure, on the way or in the answer, is raised as the domain error."""
    try:
        response = await client.request(method, url, **kwargs)
    except httpx.RequestError as error:
        raise failure(error, service) from None
    if (error := error_for(response, service)) is not None:
        raise error
    return response


def json_of(response: httpx.Response, service: str):
    """The answer's JSON, or an `Unavailable` that says what is wrong with it."""
    try:
        return response.json()
    except RecursionError:
        raise Unavailable(f"{service}: {NESTED_TOO_DEEPLY}.") from None
    except ValueError:
        raise Unavailable(f"{service} answered with something that is not JSON.") from None


def untrusted(error: httpx.TransportError) -> bool:
    """The server's certificate failed the check: no retry will change that."""
    return "CERTIFICATE_VERIFY_FAILED" in str(error)


class AnswerTooSlow(httpx.ReadTimeout):
    """The whole answer took longer than its deadline, however steadily its bytes came."""


def failure(error: httpx.RequestError, service: str) -> Unavailable:
    """The domain error for a request that got no usable answer."""
    if isinstance(error, httpx.TooManyRedirects):
        return Unavailable(f"{service} redirects in a loop: check the address.")
    if isinstance(error, httpx.DecodingError):
        return Unavailable(f"{service}: {COMPRESSED_WRONGLY}.")
    if isinstance(error, AnswerTooSlow):
        return Unreachable(f"{service} sent its answer too slowly: {error}.")
    if isinstance(error, httpx.TimeoutException):
        return Unreachable(f"{service} did not answer in time.")
    if untrusted(error):
        reason = str(error).rpartition("certificate verify failed:")[2].strip(" ()_") or "not trusted"
        return Unreachable(f"{service}'s certificate is not trusted ({redact(reason)}). Faceboard always checks "
                           "certificates; if your organisation has its own certificate authority, give its "
                           "certificate as the connection's CA bundle.")
    return Unreachable(f"Cannot reach {service}: {redact(str(error)) or type(error).__name__}.")


# -- rate limiting --------------------------------------------------------------------


class TokenBucket:
    """A client-side token bucket: a bulk operation slows down instead of drawing 429s.

    `reserve` tokens are left unspent: the server charges a request when it arrives, and
    arrivals jitter by some milliseconds against the sends this bucket counts, so a
    bucket run down to zero would now and then be one token ahead of the server's."""

    def __init__(self, capacity: float, refill_per_second: float,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, reserve: float = 0.0):
        self.capacity = capacity
        self.rate = refill_per_second
        self.reserve = reserve
        self._clock = clock
        self._sleep = sleep
        self._tokens = capacity
        self._stamp = clock()

    @property
    def tokens(self) -> float:
        self._refill()
        return self._tokens

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    async def acquire(self, cost: float = 1.0) -> None:
        cost = min(cost, self.capacity)
        needed = min(cost + self.reserve, self.capacity)
        while True:
            self._refill()
            if self._tokens >= needed - 1e-9:  # tolerate float dust, or a wait could shrink forever
                self._tokens = max(0.0, self._tokens - cost)
                return
            await self._sleep(max((needed - self._tokens) / self.rate, 0.001))

    def observe(self, remaining: float) -> None:
        """The server's count is the truth when it says we have fewer tokens left."""
        self._refill()
        self._tokens = min(self._tokens, remaining)

    def drain(self) -> None:
        """After a 429: start again from empty."""
        self._refill()
        self._tokens = 0.0


# -- the transport ----------------------------------------------------------------------


class FaceboardTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        limiter: TokenBucket | None = None,
        cost: Callable[[httpx.Request], float] = lambda request: 1.0,
        policy: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        jitter: Callable[[], float] = random.random,
        now: Callable[[], float] = time.time,
        expect_json: bool = False,
        deadline: float = ANSWER_DEADLINE,
    ):
        self._expect_json = expect_json
        self._deadline = deadline
        self._inner = inner
        self._limiter = limiter
        self._cost = cost
        self._policy = policy
        self._sleep = sleep
        self._jitter = jitter
        self._now = now

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        idempotent = request.method in IDEMPOTENT or bool(request.extensions.get(RETRY_SAFE))
        attempt = 0
        while True:
            if self._limiter is not None:
                await self._limiter.acquire(self._cost(request))
            log.debug("%s %s", request.method, request.url)
            try:
                response = await self._answer(request)
            except httpx.TransportError as error:
                if not idempotent or self._policy.gives_up(attempt) or untrusted(error) \
                        or isinstance(error, AnswerTooSlow):  # trying again would wait as long again
                    raise
                delay = self._policy.backoff(attempt, self._jitter())
                log.debug("%s %s failed (%s); retrying in %.2f s", request.method, request.url,
                          type(error).__name__, delay)
            else:
                self._observe(response)
                status = response.status_code
                retryable = status in RETRY_STATUSES and (idempotent or status == 429)
                if not retryable or self._policy.gives_up(attempt):
                    return await self._checked(response, request) if self._expect_json else response
                asked = retry_after(response, self._now)
                if asked is not None and asked > MAX_RETRY_AFTER:
                    return response  # the caller reports it; we do not hang for minutes
                delay = asked if asked is not None else self._policy.backoff(attempt, self._jitter())
                await response.aread()
                await response.aclose()
                log.debug("%s %s answered %d; retrying in %.2f s", request.method, request.url, status, delay)
            await self._sleep(delay)
            attempt += 1

    async def _answer(self, request: httpx.Request) -> httpx.Response:
        """The inner transport's answer, its headers and then its body held to the deadline."""
        deadline = asyncio.get_running_loop().time() + self._deadline
        try:
            async with asyncio.timeout_at(deadline):  # no task of its own: nothing added per request
                response = await self._inner.handle_async_request(request)
        except TimeoutError:
            raise AnswerTooSlow(self._too_slow(), request=request) from None
        response.stream = _Deadlined(response.stream, deadline, self._too_slow, request)
        return response

    def _too_slow(self) -> str:
        return f"no whole answer within {self._deadline:g} s"

    @staticmethod
    async def _checked(response: httpx.Response, request: httpx.Request) -> httpx.Response:
        """A success whose body is not JSON (a captive portal, a proxy page) or is
        enormous becomes a 502 that says so, instead of garbage an SDK would choke on."""
        if not 200 <= response.status_code < 300 or response.status_code == 204:
            return response
        declared = response.headers.get("content-length", "")
        body = bytearray()
        too_large = declared.isdigit() and int(declared) > MAX_JSON_BYTES
        try:
            if not too_large:
                async for chunk in response.aiter_bytes():  # decoded: a gzip bomb counts at its real size
                    body += chunk
                    if too_large := len(body) > MAX_JSON_BYTES:
                        break
        except httpx.DecodingError:
            return httpx.Response(502, json={"detail": COMPRESSED_WRONGLY}, request=request)
        finally:
            await response.aclose()
        if too_large:
            message = f"the server's answer is larger than {MAX_JSON_BYTES // 2**20} MB"
            return httpx.Response(502, json={"detail": message}, request=request)
        kind = response.headers.get("content-type", "")
        try:
            if body.strip():
                json.loads(body)
        except RecursionError:
            return httpx.Response(502, json={"detail": NESTED_TOO_DEEPLY}, request=request)
        except ValueError:
            message = f"the server answered with something that is not JSON ({kind or 'no content type'})"
            return httpx.Response(502, json={"detail": message}, request=request)
        headers = [(k, v) for k, v in response.headers.multi_items()
                   if k.lower() not in ("content-encoding", "content-length", "transfer-encoding")]
        return httpx.Response(response.status_code, headers=headers, content=bytes(body), request=request,
                              extensions=response.extensions)

    def _observe(self, response: httpx.Response) -> None:
        if self._limiter is None:
            return
        if response.status_code == 429:
            self._limiter.drain()
        remaining = response.headers.get("x-ratelimit-remaining")
        if remaining is not None:
            try:
                self._limiter.observe(float(remaining))
            except ValueError:
                pass

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Deadlined(httpx.AsyncByteStream):
    """A body that must have come whole by `deadline` (the event loop's time)."""

    def __init__(self, inner: httpx.AsyncByteStream, deadline: float, reason: Callable[[], str],
                 request: httpx.Request):
        self._inner, self._deadline, self._reason, self._request = inner, deadline, reason, request

    async def __aiter__(self):
        chunks = aiter(self._inner)
        while True:
            try:
                async with asyncio.timeout_at(self._deadline):
                    chunk = await anext(chunks)
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise AnswerTooSlow(self._reason(), request=self._request) from None
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


def make_client(
    base_url: str = "",
    *,
    inner: httpx.AsyncBaseTransport | None = None,
    limiter: TokenBucket | None = None,
    cost: Callable[[httpx.Request], float] = lambda request: 1.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    headers: dict[str, str] | None = None,
    auth: httpx.Auth | None = None,
    expect_json: bool = False,
    ca_bundle: str = "",
) -> httpx.AsyncClient:
    """One long-lived client per connection (close it with `aclose`). Certificates are
    always checked: against the system's authorities, or a private CA's `ca_bundle`."""
    refuse_credentials_in(base_url)
    if inner is None:
        inner = httpx.AsyncHTTPTransport(verify=trusted(ca_bundle),
                                          limits=httpx.Limits(max_connections=16, max_keepalive_connections=16))
    transport = FaceboardTransport(inner, limiter=limiter, cost=cost, sleep=sleep, expect_json=expect_json,
                                   deadline=ANSWER_DEADLINE)
    return httpx.AsyncClient(base_url=base_url, transport=transport, timeout=DEFAULT_TIMEOUT,
                             headers=headers, auth=auth, follow_redirects=True)


def refuse_credentials_in(address: str) -> None:
    """A `user:password@` in an address would be logged with it, and httpx would send it
    as Basic authentication in place of the connection's key: it is refused."""
    try:
        url = httpx.URL(address)
    except httpx.InvalidURL as error:
        raise InvalidInput(f"The address is not a valid URL ({error}).") from None
    if url.userinfo:
        raise InvalidInput("The address holds a user name or password (user:password@); give the address "
                           "without it, and the key or password as the connection's secret.")


def trusted(ca_bundle: str = "") -> ssl.SSLContext:
    """The certificate check every client uses (the public authorities httpx trusts, and
    a private CA's `ca_bundle` besides); there is no way to turn it off."""
    context = ssl.create_default_context(cafile=certifi.where())
    if ca_bundle:
        try:
            context.load_verify_locations(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as error:
            raise InvalidInput(f"The CA bundle {ca_bundle} cannot be used: {error.strerror or error}.") from None
    return context
