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


def set_steady_text(label: QLabel, text: str, room: str = "") -> None:
    """Set a label's text keeping its size fixed (room for `room` as well), growing it
    only when the text needs more: a label whose size changes lays the window out again,
    5-10 ms before the people list painted each page (benchmarks/scale.py)."""
    label.setText(text)
    metrics = label.fontMetrics()
    needed = metrics.horizontalAdvance(text) + 8
    if needed > label.maximumWidth() or label.minimumWidth() != label.maximumWidth():
        label.setFixedSize(needed + metrics.horizontalAdvance(room), label.sizeHint().height())
