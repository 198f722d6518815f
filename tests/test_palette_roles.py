"""The roles Faceboard draws with where the system's palette is weak: the shortcuts list's
alternate rows in a palette without an AlternateBase of its own (Qt's near-white one under
the white text of a dark palette), and the placeholder text of the search fields, in light
and dark palettes: checked on the pixels grabbed from the real window and dialog."""

from collections import Counter

import pytest
from PySide6.QtCore import QRect
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication
from test_dark_palette import READABLE, contrast, dark_palette, mark_contrast

ROLES = QPalette.ColorRole


def without_alternate_base(palette: QPalette) -> QPalette:
    """A dark palette as a style sets it without AlternateBase: Qt's default, near white."""
    palette.setColor(ROLES.AlternateBase, QPalette().color(ROLES.AlternateBase))
    return palette


def light_palette() -> QPalette:
    """Black on white, with a placeholder of half the text (as Qt makes it): 2.6:1 on the base."""
    palette = QPalette(QColor(240, 240, 240))
    palette.setColor(ROLES.Base, QColor(255, 255, 255))
    palette.setColor(ROLES.Text, QColor(0, 0, 0))
    palette.setColor(ROLES.PlaceholderText, QColor(0, 0, 0, 90))
    return palette


@pytest.fixture
def application_palette():
    app = QApplication.instance()
    kept = app.palette()
    yield app
    app.setPalette(kept)


@pytest.mark.parametrize("make", [lambda: without_alternate_base(dark_palette()), light_palette])
def test_the_shortcuts_rows_read_on_either_shade(qtbot, app_window, application_palette, make):
    from faceboard.ui.shortcuts import ShortcutsDialog

    application_palette.setPalette(make())
    dialog = ShortcutsDialog(app_window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    table = dialog.table
    image = table.viewport().grab().toImage()
    backgrounds = []
    for row in (0, 1):  # the base, then an alternate row
        rect = table.visualItemRect(table.topLevelItem(row))
        area = QRect(rect.left() + 2, rect.top() + 1, min(rect.width(), 120) - 4, rect.height() - 2)
        assert mark_contrast(image, area) >= READABLE, row  # its text on its own background
        pixels = Counter(image.pixelColor(x, y).rgb() for x in range(area.left(), area.right())
                         for y in range(area.top(), area.bottom()))
        backgrounds.append(QColor.fromRgb(pixels.most_common(1)[0][0]))
    assert backgrounds[0] != backgrounds[1]  # still told apart


@pytest.mark.parametrize("make", [dark_palette, light_palette])
def test_placeholder_text_reads_in_the_search_fields(qtbot, app_window, application_palette, make):
    window = app_window
    palette = make()
    placeholder = palette.color(ROLES.PlaceholderText)
    painted = QColor.fromRgbF(*(b + (p - b) * placeholder.alphaF() for p, b in
                                zip(placeholder.getRgbF()[:3], palette.color(ROLES.Base).getRgbF()[:3])))
    assert contrast(painted, palette.color(ROLES.Base)) < READABLE  # as the system gives it: too faint
    application_palette.setPalette(palette)  # the application's: the dialogs' fields too
    field = window.filter
    field.clear()
    window.people_view.setFocus()
    qtbot.waitUntil(lambda: not field.hasFocus())
    assert field.placeholderText()
    image = field.grab().toImage()
    inside = QRect(6, 4, field.width() // 2, field.height() - 8)
    assert mark_contrast(image, inside) >= READABLE
    window.setPalette(make())  # a palette of the window's own: its fields read too
    qtbot.waitUntil(lambda: contrast(field.palette().color(ROLES.PlaceholderText),
                                     field.palette().color(ROLES.Base)) >= READABLE)
    assert mark_contrast(field.grab().toImage(), inside) >= READABLE


@pytest.mark.parametrize("make", [dark_palette, light_palette])
def test_the_photos_hint_reads_on_the_window(qtbot, app_window, application_palette, make):
    application_palette.setPalette(make())
    hint = app_window.photo_page.hint
    assert hint.isEnabled()  # not greyed as disabled (about 3:1): the hint role, made to read
    palette = hint.palette()
    assert contrast(palette.color(hint.foregroundRole()), palette.color(ROLES.Window)) >= READABLE
