"""Small dialogs, each behind one function so tests can answer them without a human.

They are called from plain slots only: a modal exec() inside a coroutine breaks qasync.
"""

from __future__ import annotations

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

from faceboard.domain import Person

UNASSIGNED = object()  # what `choose_person` returns for the Unassigned entry


def ask_name(parent: QWidget, title: str, label: str, text: str = "") -> str | None:
    name, ok = QInputDialog.getText(parent, title, label, QLineEdit.EchoMode.Normal, text)
    name = " ".join(name.split())
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


class PersonPicker(QDialog):
    """Type a few letters, arrows to choose, Enter to move the faces there."""

    def __init__(self, parent: QWidget, people: list[Person], title: str, allow_unassigned: bool,
                 suggested: tuple[str, ...] = ()):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(360, 420)
        self._filter = QLineEdit(self)
        self._filter.setPlaceholderText("Type a name…")
        self._list = QListWidget(self)
        if allow_unassigned and not suggested:
            item = QListWidgetItem("Unassigned")
            item.setData(Qt.ItemDataRole.UserRole, UNASSIGNED)
            self._list.addItem(item)
        rank = {name: i for i, name in enumerate(suggested)}  # the backend's guesses first
        for person in sorted(people, key=lambda p: (rank.get(p.name, len(rank)), p.name.casefold())):
            note = " (suggested)" if person.name in rank else " (hidden)" if person.hidden else ""
            item = QListWidgetItem(person.name + note)
            item.setData(Qt.ItemDataRole.UserRole, person)
            self._list.addItem(item)
        if allow_unassigned and suggested:
            item = QListWidgetItem("Unassigned")
            item.setData(Qt.ItemDataRole.UserRole, UNASSIGNED)
            self._list.addItem(item)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self._filter)
        layout.addWidget(self._list)
        layout.addWidget(buttons)
        self._filter.textChanged.connect(self._apply_filter)
        self._filter.installEventFilter(self)
        self._list.itemActivated.connect(lambda _: self.accept())
        self._apply_filter("")

    def eventFilter(self, watched, event) -> bool:
        if watched is self._filter and event.type() == event.Type.KeyPress:
            if event.key() in (Qt.Key.Key_Up, Qt.Key.Key_Down, Qt.Key.Key_PageUp, Qt.Key.Key_PageDown):
                self._list.keyPressEvent(event)  # arrows move the choice while typing
                return True
        return super().eventFilter(watched, event)

    def _apply_filter(self, text: str) -> None:
        needle = text.casefold().strip()
        first = None
        for row in range(self._list.count()):
            item = self._list.item(row)
            hide = bool(needle) and needle not in item.text().casefold()
            item.setHidden(hide)
            if not hide and first is None:
                first = item
        self._list.setCurrentItem(first)

    def chosen(self):
        item = self._list.currentItem()
        return None if item is None or item.isHidden() else item.data(Qt.ItemDataRole.UserRole)


def choose_person(parent: QWidget, people: list[Person], title: str, allow_unassigned: bool = True,
                  suggested: tuple[str, ...] = ()):
    """A Person, UNASSIGNED, or None when the user cancelled."""
    picker = PersonPicker(parent, people, title, allow_unassigned, suggested)
    return picker.chosen() if picker.exec() == QDialog.DialogCode.Accepted else None
