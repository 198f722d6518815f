"""NAVER Cloud Platform's API Gateway signature v2, as an httpx `Auth`.

    signature = Base64(HMAC-SHA256(secret key, METHOD + " " + path?query + "\\n" + timestamp + "\\n" + access key))

The path and query signed are the ones that go on the wire (`url.raw_path`), so what is
signed and what is sent cannot differ. The body and the host are not signed. The
gateway refuses a timestamp more than five minutes away from its clock.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable

import httpx

from faceboard.redaction import register_secret

TIMESTAMP = "x-ncp-apigw-timestamp"
ACCESS_KEY = "x-ncp-iam-access-key"
SIGNATURE = "x-ncp-apigw-signature-v2"


def signature(secret_key: str, method: str, target: str, timestamp: str, access_key: str) -> str:
    message = f"{method.upper()} {target}\n{timestamp}\n{access_key}"
    digest = hmac.new(secret_key.encode(), message.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class NcpSignature(httpx.Auth):
    def __init__(self, access_key: str, secret_key: str, clock: Callable[[], float] = time.time):
        register_secret(secret_key)
        self._access_key = access_key
        self._secret_key = secret_key
        self._clock = clock

    def auth_flow(self, request: httpx.Request):
        timestamp = str(int(self._clock() * 1000))
        target = request.url.raw_path.decode("ascii")
        request.headers[TIMESTAMP] = timestamp
        request.headers[ACCESS_KEY] = self._access_key
        request.headers[SIGNATURE] = signature(self._secret_key, request.method, target, timestamp, self._access_key)
        request.headers.setdefault("content-type", "application/json")
        yield request
