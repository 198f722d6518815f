"""Certificates are always checked: a server the system does not trust is refused with
a message that says so (and is not retried), a private CA is trusted only when a profile
names its certificate, and no setting turns the check off."""

import asyncio
import ssl

import pytest
import trustme
from fakes.gumnut import FakeGumnut
from fakes.server import serve

from faceboard.errors import InvalidInput, Unreachable
from faceboard.services.connections import Profile, open_backend


@pytest.fixture(scope="module")
def authority():
    return trustme.CA()


@pytest.fixture
def https_gumnut(authority):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    fake = FakeGumnut.seeded()
    with serve(fake, tls=context) as url:
        yield fake, url


def connect(profile: Profile, key: str) -> str:
    async def main():
        backend = open_backend(profile, {"key": key})
        try:
            return await backend.connect()
        finally:
            await backend.close()

    return asyncio.run(main())


def test_a_server_with_an_untrusted_certificate_is_refused_at_once(https_gumnut):
    fake, url = https_gumnut
    with pytest.raises(Unreachable, match="certificate is not trusted.*always checks certificates"):
        connect(Profile("work", "gumnut", url, "lib_main"), fake.api_key)
    assert not fake.calls  # nothing was sent: the handshake failed, and was not tried again


def test_a_private_authority_named_by_the_profile_is_trusted(https_gumnut, authority, tmp_path):
    fake, url = https_gumnut
    bundle = tmp_path / "company-ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    assert "Family photos" in connect(Profile("work", "gumnut", url, "lib_main", ca_bundle=str(bundle)), fake.api_key)
    assert fake.calls and fake.calls[0].path == "/api/libraries"


def test_a_ca_bundle_that_cannot_be_read_is_named(tmp_path):
    bad = tmp_path / "not-a-cert.pem"
    bad.write_text("hello")
    for path in (bad, tmp_path / "missing.pem"):
        with pytest.raises(InvalidInput, match=f"The CA bundle {path} cannot be used"):
            connect(Profile("work", "gumnut", "https://127.0.0.1:9", "lib_main", ca_bundle=str(path)), "apikey_x")
