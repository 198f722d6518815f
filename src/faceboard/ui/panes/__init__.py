"""The window's panes, one module each: the model over the store, the view, the
delegate, and the widget that lays them out with their heading and controls."""

from PySide6.QtWidgets import QLabel


def heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.15)
    font.setBold(True)
    label.setFont(font)
    return label
