"""The window's panes, one module each: the model over the store, the view, the
delegate, and the widget that lays them out with their heading and controls."""

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QLabel, QToolTip


class ElidedLabel(QLabel):
    """A one-line label that gives way: what does not fit is elided when painted (its
    text stays whole), the name before a count at its end: "Faces of Zora Newp… (1)",
    not "Faces of Zora Newperso…". Its tooltip is the whole text, when cut (asked when
    shown: setToolTip at each count took 3 ms of a drop's turn at 100,000 faces)."""

    def event(self, event) -> bool:
        if event.type() == QEvent.Type.ToolTip and not self.toolTip():
            rect = self.contentsRect()
            if self.shown_text(rect.width()) != self.text():
                QToolTip.showText(event.globalPos(), self.text(), self)
            else:
                QToolTip.hideText()
            return True
        return super().event(event)

    def _parts(self) -> tuple[str, str]:
        text = self.text()
        at = text.rfind(" (")
        return (text[:at], text[at:]) if text.endswith(")") and at > 0 else (text, "")

    def shown_text(self, width: int) -> str:
        head, count = self._parts()
        room = width - self.fontMetrics().horizontalAdvance(count)
        return ((self.fontMetrics().elidedText(head, Qt.TextElideMode.ElideRight, room) if room > 0 else "")
                + count).lstrip()

    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        rect = self.contentsRect()
        painter.drawText(rect, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                         self.shown_text(rect.width()))
        painter.end()


def heading(text: str) -> ElidedLabel:
    """A pane's heading: larger, bold, and cut with "…" (its count kept) where it has no room."""
    label = ElidedLabel(text)
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
