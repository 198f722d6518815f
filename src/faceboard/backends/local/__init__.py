"""The built-in local library: SQLite plus an image folder, with every capability."""

from faceboard.backends.local.library import LocalLibrary

__all__ = ["LocalLibrary"]
