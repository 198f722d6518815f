"""The change log: every change the journal holds, for every connection, newest first:
when, where, what, how it ended (done, refused with the reason, or still waiting) and where
it was made (the window, the command line, or a resume)."""

from __future__ import annotations

import time

from PySide6.QtGui import QColor, QGuiApplication
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QTreeWidget, QTreeWidgetItem, QVBoxLayout

from faceboard.domain import count
from faceboard.services.connections import UNSAVED
from faceboard.services.journal import DISCARDED, DONE, FAILED, PENDING, Entry, Journal

STATE_TEXT = {DONE: "done", FAILED: "failed", PENDING: "waiting", DISCARDED: "discarded"}
STATE_COLOR = {FAILED: QColor(196, 43, 28), PENDING: QColor(176, 112, 0)}


class ChangeLog(QDialog):
    COLUMNS = ("When", "Connection", "Made in", "Change", "Outcome")

    def __init__(self, journal: Journal, spawn, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Change log")
        self.resize(860, 480)
        self._journal = journal
        self._spawn = spawn
        self.summary = QLabel()
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(self.COLUMNS)
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setAccessibleName("Changes")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        refresh = buttons.addButton("Refresh", QDialogButtonBox.ButtonRole.ActionRole)
        copy = buttons.addButton("Copy", QDialogButtonBox.ButtonRole.ActionRole)
        copy.setToolTip("Copy the log as text, for a colleague or a bug report")
        buttons.rejected.connect(self.reject)
        refresh.clicked.connect(self.refresh)
        copy.clicked.connect(self.copy)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.tree, 1)
        layout.addWidget(buttons)
        self.refresh()

    def refresh(self) -> None:
        self.summary.setText("Reading the journal…")
        self._spawn(self._load())

    async def _load(self) -> None:
        self.show_entries(await self._journal.history())

    def show_entries(self, entries: list[Entry]) -> None:
        self.tree.clear()
        for entry in entries:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.created))
            state = STATE_TEXT.get(entry.state, entry.state)
            outcome = f"{state}: {entry.outcome}" if entry.outcome else state
            # a connection given by flags has no name of its own: "command line" would say where it was made
            where = entry.backend if entry.connection == UNSAVED else f"{entry.connection} ({entry.backend})"
            item = QTreeWidgetItem([when, where, entry.origin, entry.summary, outcome])
            item.setToolTip(4, outcome)  # the whole reason, however long
            if entry.state in STATE_COLOR:
                item.setForeground(4, STATE_COLOR[entry.state])
            self.tree.addTopLevelItem(item)
        for column in range(len(self.COLUMNS) - 1):
            self.tree.resizeColumnToContents(column)
        waiting = sum(e.state == PENDING for e in entries)
        failed = sum(e.state == FAILED for e in entries)
        self.summary.setText(f"{count(len(entries), 'change')}, newest first · {waiting} waiting · {failed} failed")

    def copy(self) -> None:
        lines = ["\t".join(self.COLUMNS)]
        for row in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(row)
            lines.append("\t".join(item.text(c) for c in range(len(self.COLUMNS))))
        QGuiApplication.clipboard().setText("\n".join(lines))
