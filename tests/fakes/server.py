"""Serving a fake's `handle(method, path, query, headers, body)`: over ASGI, or on a
real loopback socket in a thread (for end-to-end tests of the command line). `path` is
as it went on the wire, still percent-encoded; fakes decode each segment. The whole
request target (path and query as sent, what a signature covers) is the `:path` header."""

from __future__ import annotations

import contextlib
import ssl
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Call:
    """A request as a fake received it, for tests to look at."""

    method: str
    path: str
    query: dict
    headers: dict
    body: object  # parsed JSON, or the raw bytes


class AsgiApp:
    def __init__(self, fake):
        self.fake = fake

    async def __call__(self, scope, receive, send):
        assert scope["type"] == "http"
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        query = urllib.parse.parse_qs(scope["query_string"].decode(), keep_blank_values=True)
        raw_path = scope.get("raw_path") or scope["path"].encode()  # as sent: %2F stays inside one segment
        headers[":path"] = raw_path.decode("ascii") + (f"?{scope['query_string'].decode()}" if scope["query_string"] else "")
        status, out_headers, out = self.fake.handle(scope["method"], raw_path.decode("ascii"), query, headers, body)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(k.encode(), str(v).encode()) for k, v in out_headers.items()]})
        await send({"type": "http.response.body", "body": out})


@contextlib.contextmanager
def serve(fake, tls: ssl.SSLContext | None = None):
    """Run the fake on 127.0.0.1 in threads (over HTTPS with `tls`, a server context);
    yields its base URL; stops by itself.
    A `latency` attribute on the fake (seconds) delays every answer, outside its lock;
    a `faults` attribute (`faults.Faults`) makes some requests fail as networks do."""
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as real servers and CDNs do
        disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

        def _any(self):
            url = urllib.parse.urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            if len(body) < length:  # the client went away mid-request (killed): nothing to answer
                self.close_connection = True
                return
            headers = {k.lower(): v for k, v in self.headers.items()}
            headers[":path"] = self.path  # the request target as sent, as HTTP/2 names it
            time.sleep(getattr(fake, "latency", 0.0))  # a distant server: answers overlap
            faults = getattr(fake, "faults", None)
            with lock:
                fault = faults.draw(self.command, url.path) if faults is not None and not url.path.startswith("/cdn/") else None
                if fault in ("drop", "5xx", "429"):
                    status, out_headers, out = {
                        "drop": (0, {}, b""),
                        "5xx": (503, {"content-type": "application/json"}, b'{"detail": "Service Unavailable"}'),
                        "429": (429, {"content-type": "application/json", "Retry-After": "1"},
                                b'{"detail": "Rate limit exceeded"}'),
                    }[fault]
                else:
                    status, out_headers, out = fake.handle(
                        self.command, url.path, urllib.parse.parse_qs(url.query, keep_blank_values=True), headers,
                        body)
            if fault == "slow":
                time.sleep(faults.slow_seconds)
            pause = faults.slow_seconds if fault == "trickle" else 0.0
            if fault in ("drop", "apply_then_drop"):
                self.close_connection = True  # no answer at all: the client sees the connection end
                return
            self.send_response(status)
            for key, value in out_headers.items():
                self.send_header(key, str(value))
            self.send_header("content-length", str(len(out)))
            self.end_headers()
            if not pause:
                self.wfile.write(out)
            for at in range(len(out) if pause else 0):  # a byte at a time, until the client gives up
                self.wfile.write(out[at : at + 1])
                time.sleep(pause)

        do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _any

        def log_message(self, *args):  # keep test output clean
            pass

    class Server(ThreadingHTTPServer):
        def handle_error(self, request, client_address):  # a client killed mid-answer is what some tests do
            if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError, ssl.SSLError)):
                super().handle_error(request, client_address)

    server = Server(("127.0.0.1", 0), Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    fake.base_url = f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake.base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
