"""How a face's suggestions read, wherever they are shown (a tile's band, its tooltip,
the M picker, the Review view): "probably Alice · 92 %" where Faceboard compared the
faces (a similarity, `recognition.similarity`), "probably: Alice, Bob" where the backend
guessed without a figure (Gumnut's candidates)."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import Qt

from faceboard.domain import Suggestion
from faceboard.recognition.similarity import percent

LIKELY = 0.5  # a tile says "probably" from here on: as likely them as not (`recognition.similarity`)
PROBABLY = "probably "
ELIDE_RIGHT = Qt.TextElideMode.ElideRight


def caption(suggestions: tuple[Suggestion, ...]) -> str | None:
    """A tile's band: the best suggestion with its similarity, if it is LIKELY at least (the
    tooltip lists the less likely), or the backend's first two."""
    if not suggestions:
        return None
    best = suggestions[0]
    if best.similarity is not None:
        return f"{PROBABLY}{best.name} · {percent(best.similarity)}" if best.similarity >= LIKELY else None
    return f"probably: {', '.join(s.name for s in suggestions[:2])}"


def fitted(caption: str, metrics, width: int) -> str:
    """A band's text in `width` pixels (`metrics`: a QFontMetrics): whole if it fits, else
    without its "probably", then the name cut short before the figure, which always shows:
    "Peggy Whi… · 97 %", not "probably Peggy Whitso…"."""
    if metrics.horizontalAdvance(caption) <= width:
        return caption
    head, dot, figure = caption.rpartition(" · ")
    if not dot:  # the backend's names, no figure
        return metrics.elidedText(caption, ELIDE_RIGHT, width)
    head = head.removeprefix(PROBABLY)
    room = width - metrics.horizontalAdvance(dot + figure)
    return (metrics.elidedText(head, ELIDE_RIGHT, room) + dot if room > metrics.horizontalAdvance("M…") else "") + figure


def listed(suggestions: tuple[Suggestion, ...]) -> str:
    """A tooltip's line: "Probably: Alice 92 %, Bob 41 %" (empty without suggestions)."""
    if not suggestions:
        return ""
    return "Probably: " + ", ".join(s.name if s.similarity is None else f"{s.name} {percent(s.similarity)}"
                                    for s in suggestions)


def merged(each: Iterable[tuple[Suggestion, ...]]) -> tuple[Suggestion, ...]:
    """The suggestions of several faces as one list: each person once, with the best
    similarity any of the faces has to them, the likeliest first (the backend's
    guesses, without a figure, after those with one, in the order they came)."""
    best: dict[str, Suggestion] = {}
    for suggestions in each:
        for s in suggestions:
            known = best.get(s.person_id)
            if known is None or (s.similarity or 0.0) > (known.similarity or 0.0):
                best[s.person_id] = s
    order = {person_id: i for i, person_id in enumerate(best)}
    return tuple(sorted(best.values(), key=lambda s: (s.similarity is None, -(s.similarity or 0.0), order[s.person_id])))
