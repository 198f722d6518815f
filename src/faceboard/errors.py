"""The one error hierarchy every layer raises and catches.

Each error carries a message meant for the user (the server's own words where there
are any), so the UI can show it as it is. The message is redacted when the error is
made: a server that echoes part of a key never gets it printed, journaled or shown.
"""

from faceboard.redaction import redact


class FaceboardError(Exception):
    """Base of every error Faceboard expects and reports to the user."""

    def __init__(self, message: str):
        message = redact(message)
        super().__init__(message)
        self.message = message


class NotFound(FaceboardError):
    """The person, face, thumbnail or file no longer exists."""


class Conflict(FaceboardError):
    """The change contradicts the backend's current state."""


class InvalidInput(FaceboardError):
    """The request or file is malformed, too large, or not allowed."""


class AuthFailed(FaceboardError):
    """Credentials are missing, wrong or lack permission."""


class RateLimited(FaceboardError):
    """The backend asked us to slow down."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(FaceboardError):
    """The backend cannot be reached or failed on its side."""


class Unreachable(Unavailable):
    """No answer came (connection refused or dropped, timeout, 5xx after retries): the
    change may not have been applied, and can be sent again later. Changes meeting this
    wait in the journal."""


class Unsupported(FaceboardError):
    """The connected backend lacks the capability the operation needs."""


class StorageError(FaceboardError):
    """A file Faceboard keeps (the local library, the change journal) cannot be used as
    it is; nothing was changed. The message names the file and what to do."""


class Damaged(StorageError):
    """Not a database, malformed, cut short, tables missing, text that is not UTF-8."""


class InUse(StorageError):
    """Another Faceboard holds the file's write lock longer than we wait."""


class DiskFull(StorageError):
    """The disk (or the file's size limit) has no room for the change."""


class ReadOnly(StorageError):
    """The connection can change nothing (the library's file or folder cannot be written):
    read it, but change nothing."""
