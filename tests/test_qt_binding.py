"""Guards against Qt bindings that corrupt reference counts (PySide6 6.12.0 on Python
3.11 drops a reference to None on every void call; the app then dies mid-session)."""

import sys

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPainter, QPixmap


def test_void_calls_keep_the_reference_count_of_none(qapp):
    pixmap = QPixmap(16, 16)
    painter = QPainter(pixmap)
    before = sys.getrefcount(None)
    for _ in range(1000):
        painter.setPen(QColor(1, 2, 3))
        painter.setBrush(Qt.BrushStyle.NoBrush)
    after = sys.getrefcount(None)
    painter.end()
    assert abs(after - before) < 50, f"None lost {before - after} references in 2000 void calls"
