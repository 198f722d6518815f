"""Help ▸ Keyboard shortcuts: every key of the window, read from its actions and
shortcuts when the dialog opens, so the list cannot drift from what the keys do."""

from __future__ import annotations

from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHeaderView, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget

from faceboard.ui.palette_roles import shaded_rows

IN_LISTS = ("In the lists and the grid: the arrow keys move, Shift with them or a click extends the choice, "
            "Ctrl+click adds a face, Ctrl+A chooses all; Enter on a person goes to their faces.")


def key_text(sequences: list[QKeySequence]) -> str:
    return ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in sequences if not s.isEmpty())


def window_keys(window: QWidget) -> list[tuple[str, str]]:
    """(what, keys) for each action of `window` that has a key, and each shortcut of its
    panes (described by its whatsThis), in menu order."""
    keys = []
    for action in window.findChildren(QAction):
        text = key_text(action.shortcuts())
        if text and action.iconText():  # the action's name: its text without "&", "…" nor what it would undo
            keys.append((action.iconText(), text))
    for shortcut in window.findChildren(QShortcut):
        text = key_text(shortcut.keys())
        if text and shortcut.whatsThis():
            keys.append((shortcut.whatsThis(), text))
    return list(dict.fromkeys(keys))


class ShortcutsDialog(QDialog):
    def __init__(self, window: QWidget):
        super().__init__(window)
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(480, 560)
        self.table = QTreeWidget()
        self.table.setHeaderLabels(("Action", "Keys"))
        self.table.setRootIsDecorated(False)
        self.table.setAlternatingRowColors(True)
        self.table.setPalette(shaded_rows(self.table.palette()))  # not the palette's AlternateBase, maybe under white text
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.table.header().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName("Keyboard shortcuts")
        for what, keys in window_keys(window):
            self.table.addTopLevelItem(QTreeWidgetItem([what, keys]))
        note = QLabel(IN_LISTS)
        note.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(note)
        layout.addWidget(buttons)
