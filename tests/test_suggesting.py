"""How suggestions read: "probably Alice · 92 %" (only when likely), the backend's guesses
without a figure, several faces' suggestions as one list, and a band too narrow for it
keeping its figure."""

from PySide6.QtGui import QFont, QFontMetrics

from faceboard.domain import Suggestion
from faceboard.ui import suggesting


def test_a_caption_says_the_likeliest_with_its_figure_or_the_backends_first_two():
    assert suggesting.caption((Suggestion("1", "Alice", 0.921), Suggestion("2", "Bob", 0.4))) == "probably Alice · 92 %"
    assert suggesting.caption((Suggestion("2", "Bob", 0.31),)) is None  # less than likely: the tooltip lists it
    assert suggesting.caption((Suggestion("1", "Alice"), Suggestion("2", "Bob"), Suggestion("3", "Cy"))) == \
        "probably: Alice, Bob"
    assert suggesting.listed((Suggestion("1", "Alice", 0.999), Suggestion("2", "Bob", 0.004))) == \
        "Probably: Alice 99 %, Bob 1 %"


def test_several_faces_suggest_each_person_once_at_their_best():
    merged = suggesting.merged([(Suggestion("1", "Alice", 0.6), Suggestion("2", "Bob", 0.5)),
                                (Suggestion("2", "Bob", 0.9),), (Suggestion("3", "Cy"),)])
    assert [(s.name, s.similarity) for s in merged] == [("Bob", 0.9), ("Alice", 0.6), ("Cy", None)]


def test_a_narrow_band_drops_probably_then_cuts_the_name_never_the_figure(qapp):
    metrics = QFontMetrics(QFont())
    caption = "probably Peggy Whitson · 97 %"
    whole = metrics.horizontalAdvance(caption)
    assert suggesting.fitted(caption, metrics, whole) == caption
    assert suggesting.fitted(caption, metrics, whole - 1) == "Peggy Whitson · 97 %"
    cut = suggesting.fitted(caption, metrics, metrics.horizontalAdvance("Peggy Whitson · 97 %") - 4)
    assert cut.endswith("… · 97 %") and cut.startswith("Peg")
    assert suggesting.fitted(caption, metrics, metrics.horizontalAdvance("97 %") + 2) == "97 %"
