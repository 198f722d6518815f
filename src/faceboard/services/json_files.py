"""The small JSON files Faceboard keeps (profiles, links): read with a clear message
when damaged, written whole to a temporary file and then renamed, so a crash mid-write
leaves the old file, never half a new one."""

from __future__ import annotations

import json
import os
from pathlib import Path

from faceboard.errors import InvalidInput


def read_list(path: Path, key: str) -> list:
    """The list under `key`; empty when the file does not exist yet."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except ValueError:
        raise InvalidInput(f"{path} is damaged; fix or remove it.") from None
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise InvalidInput(f"{path} is damaged; fix or remove it.")
    return items


def write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(temporary, path)
