"""Faceboard: curate people and faces across face-recognition backends."""

from importlib.metadata import PackageNotFoundError, version

APP = "Faceboard"  # the folder under the platform's user data, config and cache folders, and the keyring service

try:
    __version__ = version("faceboard")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
