"""Fake backend servers that follow the documented contracts and refuse what the real
services refuse. Each has a plain `handle()` core, served in process over ASGI (httpx's
ASGITransport) or on a real loopback socket (`serve`)."""
