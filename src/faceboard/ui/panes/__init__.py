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
    only when the text needs more, shrinking it only when the text got shorter by more
    than half of `room`: a label whose size changes lays the window out again, 5-10 ms before
    the people list painted each page (benchmarks/scale.py); one sized for a long first
    text ("people not counted yet") pushed the status bar out of an 800 px window."""
    label.setText(text)
    metrics = label.fontMetrics()
    needed = metrics.horizontalAdvance(text) + 8
    extra = metrics.horizontalAdvance(room)
    if (needed > label.maximumWidth() or label.minimumWidth() != label.maximumWidth()
            or label.maximumWidth() > needed + extra * 3 // 2):
        label.setFixedSize(needed + extra, label.sizeHint().height())
