"""Secrets kept out of every message and log line.

A server may echo part of a key back ("invalid key apikey_AbCd…xYz"), so a secret is
hidden wherever any 8 characters of it in a row appear, not only whole. Below the
backends, so that the domain errors redact their own messages: whatever a backend
raises is safe to print, journal and show in the history. Every log record is
redacted where it is made, whichever logger (httpx, an SDK) makes it.
"""

from __future__ import annotations

import logging
import re

FRAGMENT = 8  # this many characters of a secret in a row are hidden; fewer say nothing of it
_secrets: set[str] = set()
_fragments: set[str] = set()
_PATTERNS = (
    (re.compile(r"(?i)\b(bearer|basic|soticket)\s+[A-Za-z0-9._~+/=:-]+"), r"\1 ***"),
    (re.compile(r"apikey_[A-Za-z0-9_-]+"), "apikey_***"),
    (re.compile(r"(?i)((?:x-api-key|x-ncp-iam-access-key|x-ncp-apigw-signature-v2|so-apptoken|authorization)"
                r"['\"]?\s*[:=,]\s*(?:\(\s*)?b?['\"]?)[^'\"\s,})]+"), r"\1***"),
    (re.compile(r"(?i)([?&][^=&\s]*(?:sig|signature|token|key|credential|secret|policy|expires|x-amz-[a-z-]+)"
                r"[^=&\s]*=)[^&\s\"'<>]+"), r"\1***"),
    (re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://[^/@\s:]*:)[^/@\s]+@"), r"\1***@"),  # user:password@ in an address
)


def register_secret(secret: str | None) -> None:
    """Remember a secret so that it, and any 8 characters of it in a row, are blanked."""
    if secret and len(secret) >= 4:
        _secrets.add(secret)
        _fragments.update(secret[at : at + FRAGMENT] for at in range(len(secret) - FRAGMENT + 1))


def redact(text: str) -> str:
    text = _without_fragments(text)
    for secret in _secrets:  # those shorter than a fragment, whole
        text = text.replace(secret, "***")
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def _without_fragments(text: str) -> str:
    """Each run of text made of overlapping fragments of a secret becomes `***`."""
    if not _fragments or len(text) < FRAGMENT:
        return text
    runs: list[list[int]] = []
    for at in range(len(text) - FRAGMENT + 1):
        if text[at : at + FRAGMENT] in _fragments:
            if runs and at <= runs[-1][1]:
                runs[-1][1] = at + FRAGMENT
            else:
                runs.append([at, at + FRAGMENT])
    if not runs:
        return text
    kept, start = [], 0
    for begin, end in runs:
        kept += [text[start:begin], "***"]
        start = end
    return "".join(kept) + text[start:]


def _install() -> None:
    make_record = logging.getLogRecordFactory()
    if getattr(make_record, "faceboard_redacts", False):
        return

    def redacting_record(*args, **kwargs):
        record = make_record(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record stays as it is; logging reports it itself
            return record
        record.msg, record.args = redact(message), ()
        return record

    redacting_record.faceboard_redacts = True
    logging.setLogRecordFactory(redacting_record)


_install()
