"""In a dark palette the marks Faceboard draws itself (the "?" of Unassigned, a person's
initials, the Primary slot's placeholder) read against what they are drawn on: checked
on the pixels grabbed from the real window, with WCAG's contrast ratio."""

from collections import Counter

from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QPalette
from ui_helpers import select_person

READABLE = 4.5  # WCAG AA for text


def dark_palette() -> QPalette:
    """Fusion's usual dark scheme: light text on dark greys, the mid tone close to the base."""
    roles = QPalette.ColorRole
    palette = QPalette()
    for role, rgb in ((roles.Window, (53, 53, 53)), (roles.WindowText, (240, 240, 240)), (roles.Base, (42, 42, 42)),
                      (roles.AlternateBase, (66, 66, 66)), (roles.ToolTipBase, (30, 30, 30)),
                      (roles.ToolTipText, (240, 240, 240)), (roles.Text, (240, 240, 240)), (roles.Button, (53, 53, 53)),
                      (roles.ButtonText, (240, 240, 240)), (roles.BrightText, (255, 60, 60)),
                      (roles.Highlight, (42, 130, 218)), (roles.HighlightedText, (255, 255, 255)),
                      (roles.PlaceholderText, (120, 120, 120)), (roles.Light, (90, 90, 90)),
                      (roles.Midlight, (70, 70, 70)), (roles.Mid, (62, 62, 62)), (roles.Dark, (35, 35, 35)),
                      (roles.Shadow, (20, 20, 20))):
        palette.setColor(role, QColor(*rgb))
    return palette


def luminance(color: QColor) -> float:
    def linear(c):
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * linear(color.redF()) + 0.7152 * linear(color.greenF()) + 0.0722 * linear(color.blueF())


def contrast(one: QColor, other: QColor) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def mark_contrast(image, area: QRect) -> float:
    """The contrast of the strongest mark in `area` against its most common colour (the
    fill the mark is drawn on)."""
    pixels = Counter(image.pixelColor(x, y).rgb() for x in range(area.left(), area.right() + 1)
                     for y in range(area.top(), area.bottom() + 1))
    fill = QColor.fromRgb(pixels.most_common(1)[0][0])
    return max(contrast(QColor.fromRgb(pixel), fill) for pixel in pixels)


def test_the_marks_drawn_read_in_a_dark_palette(qtbot, app_window, tmp_path):
    window = app_window
    window.setPalette(dark_palette())
    select_person(qtbot, window, None)
    people = window.people_view
    row = people.visualRect(window.session.people.index(0))
    avatar = QRect(row.left() + 10, row.center().y() - 22, 44, 44)
    image = people.viewport().grab().toImage()
    assert mark_contrast(image, avatar.adjusted(10, 10, -10, -10)) >= READABLE  # the "?" of Unassigned

    no_primary = next(p for p in window.session.store.listed_people() if p.primary_image is None)
    select_person(qtbot, window, no_primary.id)
    row = people.visualRect(window.session.people.index(window.session.people.row_of(no_primary.id)))
    image = people.viewport().grab().toImage()
    assert mark_contrast(image, QRect(row.left() + 10, row.center().y() - 22, 44, 44).adjusted(8, 12, -8, -12)) \
        >= READABLE  # their initials
    slot = window.primary_slot
    qtbot.waitUntil(slot.isVisible)
    image = slot.grab().toImage()
    assert mark_contrast(image, QRect(16, 16, slot.SIDE - 16, slot.SIDE - 16)) >= READABLE  # "No primary yet: drop…"
    label = QRect(0, slot.SIDE + 14, slot.width(), 22)
    assert mark_contrast(image, label) >= READABLE  # "Primary" beneath it
    window.grab().save(str(tmp_path / "dark.png"))
