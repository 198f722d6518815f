"""Small dialogs, each behind one function so tests can answer them without a human.

They are called from plain slots only: a modal exec() inside a coroutine breaks qasync.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from faceboard.domain import Person, count
from faceboard.errors import FaceboardError

UNASSIGNED = object()  # what `choose_person` returns for the Unassigned entry


TITLE_BAR_ROOM = 160  # a window manager's buttons and margins beside a dialog's title


def name_dialog(parent: QWidget, title: str, label: str, text: str = "") -> QInputDialog:
    """A dialog asking for a name, wide enough for its title: a window manager elides
    the title of a dialog as narrow as its label ("Renam…erson")."""
    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    dialog.setTextValue(text)
    width = max(320, dialog.fontMetrics().horizontalAdvance(title) + TITLE_BAR_ROOM)
    dialog.resize(width, dialog.sizeHint().height())  # its layout sets its own minimum when shown
    return dialog


def ask_name(parent: QWidget, title: str, label: str, text: str = "") -> str | None:
    dialog = name_dialog(parent, title, label, text)
    ok = dialog.exec() == QDialog.DialogCode.Accepted
    name = " ".join(dialog.textValue().split())
    return name if ok and name else None


def confirm(parent: QWidget, title: str, question: str) -> bool:
    answer = QMessageBox.question(parent, title, question,
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
                                  QMessageBox.StandardButton.Cancel)
    return answer == QMessageBox.StandardButton.Yes


def ask_pictures(parent: QWidget) -> list[str]:
    files, _ = QFileDialog.getOpenFileNames(
        parent, "Add pictures as thumbnails", "", "Images (*.jpg *.jpeg *.png *.webp *.gif *.bmp *.tif *.tiff)"
    )
    return files


def ask_folder(parent: QWidget, title: str) -> str | None:
    folder = QFileDialog.getExistingDirectory(parent, title)
    return folder or None


SKIPPED_SHOWN = 500  # lines of a skipped-files list; the count says how many more


def show_skipped(parent: QWidget, problems) -> QMessageBox:
    """The files an import skipped, each with its reason, once: a window that does not
    block (it is shown from a coroutine, where exec() would break qasync)."""
    lines = [problem.reason for problem in problems[:SKIPPED_SHOWN]]
    if len(problems) > SKIPPED_SHOWN:
        lines.append(f"… and {len(problems) - SKIPPED_SHOWN:,} more.")
    box = QMessageBox(QMessageBox.Icon.Warning, "Files not imported",
                      f"{count(len(problems), 'file')} could not be imported and "
                      "{} skipped; the other photos were.".format("were" if len(problems) != 1 else "was"),
                      QMessageBox.StandardButton.Close, parent)
    box.setInformativeText("\n".join(lines[:5]) + ("\n…" if len(lines) > 5 else ""))
    box.setDetailedText("\n".join(lines))
    box.setObjectName("skipped")
    box.setWindowModality(Qt.WindowModality.NonModal)
    box.show()
    return box


class PersonPicker(QDialog):
    """Type a few letters, arrows to choose, Enter to move the faces there. The backend
    searches as you type, so it works with ten thousand people; the backend's guesses
    for these faces come first."""

    def __init__(self, parent: QWidget, search: Callable[[str], Awaitable[list[Person]]], title: str,
                 allow_unassigned: bool, suggested: tuple[str, ...] = (), exclude: str | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(360, 420)
        self._search = search
        self._allow_unassigned = allow_unassigned
        self._suggested = suggested
        self._exclude = exclude
        self._generation = 0
        self._task: asyncio.Task | None = None
        self._filter = QLineEdit(self)
        self._filter.setPlaceholderText("Type a name…")
        self._list = QListWidget(self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self._filter)
        layout.addWidget(self._list)
        layout.addWidget(buttons)
        self._filter.textChanged.connect(self._refresh)
        self._filter.installEventFilter(self)
        self._list.itemActivated.connect(lambda _: self.accept())
        self._refresh("")

    def eventFilter(self, watched, event) -> bool:
        if watched is self._filter and event.type() == event.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                self._list.keyPressEvent(event)  # arrows move the choice while typing
                return True
        return super().eventFilter(watched, event)

    def _refresh(self, text: str) -> None:
        self._generation += 1
        self._task = asyncio.ensure_future(self._fill(self._generation, text.strip()))

    async def _fill(self, generation: int, text: str) -> None:
        try:
            found = await self._search(text)
            if not text:  # the guesses may be far down an alphabetical list: look them up
                for name in self._suggested:
                    found = [p for p in await self._search(name) if p.name == name] + found
        except FaceboardError as error:
            found, text = [], error.message
        if generation != self._generation:
            return
        rank = {name: i for i, name in enumerate(self._suggested)}
        people = sorted(dict((p.id, p) for p in found if p.id != self._exclude).values(),
                        key=lambda p: (rank.get(p.name, len(rank)), p.name.casefold()))
        self._list.clear()
        entries = [(p.name + (" (suggested)" if p.name in rank else " (hidden)" if p.hidden else ""), p)
                   for p in people]
        if self._allow_unassigned and not text:  # after the guesses, before everyone else
            entries.insert(len([e for e in entries if e[1].name in rank]), ("Unassigned", UNASSIGNED))
        elif self._allow_unassigned and "unassigned".startswith(text.casefold()):
            entries.append(("Unassigned", UNASSIGNED))  # typed letters mean a person first
        for label, value in entries:
            item = QListWidgetItem(label)
            item.setData(Qt.ItemDataRole.UserRole, value)
            self._list.addItem(item)
        self._list.setCurrentRow(0)

    def chosen(self):
        item = self._list.currentItem()
        return None if item is None else item.data(Qt.ItemDataRole.UserRole)


def choose_person(parent: QWidget, search, title: str, allow_unassigned: bool = True,
                  suggested: tuple[str, ...] = (), exclude: str | None = None):
    """A Person, UNASSIGNED, or None when the user cancelled. Call from a plain slot."""
    picker = PersonPicker(parent, search, title, allow_unassigned, suggested, exclude)
    return picker.chosen() if picker.exec() == QDialog.DialogCode.Accepted else None
