"""Palette roles that contrast, whatever the system's palette leaves them: a dark palette
without an AlternateBase kept Qt's near-white one under its white text (the shortcuts
list's every other row), and Qt's placeholder text (half the text colour) reads at about
3:1 on the base in light and dark palettes alike: under WCAG's 4.5:1 for text."""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

from faceboard.ui.panes.tiles import contrast

READABLE = 4.5  # WCAG AA for text
_ROLES = QPalette.ColorRole


def mix(one: QColor, other: QColor, share: float) -> QColor:
    """`one` moved `share` (0 to 1) of the way to `other`, channel by channel."""
    return QColor.fromRgbF(*(a + (b - a) * share for a, b in zip(one.getRgbF()[:3], other.getRgbF()[:3])))


def readable_placeholder(palette: QPalette) -> QColor | None:
    """A placeholder colour that reads on the base and on the window (a hint label is
    drawn on it): the palette's own, moved toward its text until it does; None when the
    palette's already reads."""
    base, text = palette.color(_ROLES.Base), palette.color(_ROLES.Text)
    window = palette.color(_ROLES.Window)
    placeholder = palette.color(_ROLES.PlaceholderText)
    shown = mix(base, placeholder, placeholder.alphaF())  # as painted: a translucent one over the base

    def reads(colour: QColor) -> bool:
        return min(contrast(colour, base), contrast(colour, window)) >= READABLE

    if reads(shown):
        return None
    for tenth in range(1, 11):
        if reads(moved := mix(shown, text, tenth / 10)):
            return moved
    return QColor(text)


def with_readable_placeholder(palette: QPalette) -> QPalette | None:
    """The palette with a placeholder that reads, in each colour group; None if it had one."""
    changed = QPalette(palette)
    fixed = False
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        changed.setCurrentColorGroup(group)
        if (colour := readable_placeholder(changed)) is not None:
            changed.setColor(group, _ROLES.PlaceholderText, colour)
            fixed = True
    return changed if fixed else None


def shaded_rows(palette: QPalette) -> QPalette:
    """The palette with its alternate rows a shade of the base toward the text: as legible
    as the base under the text, and told apart from it, in light and dark palettes."""
    shaded = QPalette(palette)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive, QPalette.ColorGroup.Disabled):
        shaded.setColor(group, _ROLES.AlternateBase,
                        mix(palette.color(group, _ROLES.Base), palette.color(group, _ROLES.Text), 0.07))
    return shaded
