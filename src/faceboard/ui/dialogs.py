"""Small dialogs, each behind one function so tests can answer them without a human.

They are called from plain slots only: a modal exec() inside a coroutine breaks qasync.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from faceboard.domain import Person, Suggestion, count
from faceboard.errors import FaceboardError
from faceboard.ui.panes.people import DetailRole, GlyphRole, PersonDelegate
from faceboard.ui.panes.tiles import ObjectRole, repaint_as_tiles_arrive
from faceboard.recognition.similarity import percent
from faceboard.ui.tile_cache import TileCache

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


class PeopleQuestion(QDialog):
    """A question about people, showing each as the People list does (primary thumbnail,
    name, face count) with what will become of them: the merge that digiKam confirms
    with both people side by side, a deletion that cannot be undone."""

    def __init__(self, parent: QWidget, title: str, question: str, rows: list[tuple[Person, str]],
                 tiles: TileCache | None, yes: str):
        super().__init__(parent)
        self.setWindowTitle(title)
        text = QLabel(question, self)
        text.setWordWrap(True)
        self.people = QListWidget(self)
        self.people.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.people.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        if tiles is not None:
            self.people.setItemDelegate(PersonDelegate(tiles, self.people))
            repaint_as_tiles_arrive(tiles, self.people.viewport())
        for person, fate in rows:
            item = QListWidgetItem(person.name)
            item.setData(ObjectRole, person)
            item.setData(DetailRole, f"{count(person.face_count, 'face')} · {fate}")
            self.people.addItem(item)
        shown = min(len(rows), 5)
        self.people.setFixedHeight(shown * PersonDelegate.ROW_HEIGHT + 2 * self.people.frameWidth() + 4)
        buttons = QDialogButtonBox(self)
        self.yes = buttons.addButton(yes, QDialogButtonBox.ButtonRole.AcceptRole)
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.people)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        self.yes.setDefault(True)


def confirm_people(parent: QWidget, title: str, question: str, rows: list[tuple[Person, str]],
                   tiles: TileCache | None, yes: str) -> bool:
    """Whether the user answered `yes` (the button's text) to a question about the
    people of `rows` (each with what will become of them). Call from a plain slot."""
    return PeopleQuestion(parent, title, question, rows, tiles, yes).exec() == QDialog.DialogCode.Accepted


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


@dataclass(frozen=True)
class NewPerson:
    """What `choose_person` returns when the user typed a name no one has and chose to
    create that person."""

    name: str


_CHOICE = Qt.ItemDataRole.UserRole  # what a row stands for: a Person, UNASSIGNED or a NewPerson


class PersonPicker(QDialog):
    """Type a few letters, arrows to choose, Enter to move the faces there. The backend
    searches as you type, so it works with ten thousand people; the people suggested for
    these faces come first, likeliest first with their similarity, and the picker opens
    on the best of them (or the first person), never on Unassigned, which comes last. A
    name no one has is offered as a new person (where the backend can create one). Each
    row shows the person's primary thumbnail and face count, drawn from the tile cache
    as they arrive."""

    def __init__(self, parent: QWidget, search: Callable[[str], Awaitable[list[Person]]], title: str,
                 allow_unassigned: bool, suggested: tuple[Suggestion, ...] = (), exclude: str | None = None,
                 tiles: TileCache | None = None, can_create: bool = False, named_first: str = ""):
        """`named_first`: people so named come first (after the suggested): the person being
        published, looked for by name in another backend."""
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(420, 520)
        self._search = search
        self._allow_unassigned = allow_unassigned
        self._suggested = suggested
        self._named_first = named_first
        self._exclude = exclude
        self._can_create = can_create
        self._generation = 0
        self._task: asyncio.Task | None = None
        self._filter = QLineEdit(self)
        self._filter.setPlaceholderText("Type a name…")
        self._list = QListWidget(self)
        self._list.setUniformItemSizes(True)
        if tiles is not None:
            self._list.setItemDelegate(PersonDelegate(tiles, self._list))
            repaint_as_tiles_arrive(tiles, self._list.viewport())
        self._note = QLabel(self)  # why Enter did nothing
        self._note.setWordWrap(True)
        self._note.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self._filter)
        layout.addWidget(self._list)
        layout.addWidget(self._note)
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

    def accept(self) -> None:
        """Enter with nothing to choose keeps the dialog open and says why."""
        if self.chosen() is None:
            text = " ".join(self._filter.text().split())
            self._note.setText(f"No one is called “{text}”." if text else "Type a name to choose a person.")
            self._note.show()
            return
        super().accept()

    def _refresh(self, text: str) -> None:
        self._generation += 1
        self._task = asyncio.ensure_future(self._fill(self._generation, " ".join(text.split())))

    async def _fill(self, generation: int, text: str) -> None:
        try:
            found = await self._search(text)
            named = []
            if not text:  # the suggested may be far down an alphabetical list: look them up
                for suggestion in reversed(self._suggested):
                    found = [p for p in await self._search(suggestion.name) if p.id == suggestion.person_id] + found
                if self._named_first:
                    named = [p for p in await self._search(self._named_first) if p.name == self._named_first]
                    found = named + found
        except FaceboardError as error:
            found, named, text = [], [], error.message
        if generation != self._generation:
            return
        rank = {s.person_id: i for i, s in enumerate(self._suggested)}
        rank |= {p.id: len(self._suggested) for p in named if p.id not in rank}
        similarity = {s.person_id: s.similarity for s in self._suggested}
        people = sorted(dict((p.id, p) for p in found if p.id != self._exclude).values(),
                        key=lambda p: (rank.get(p.id, len(rank)), p.name.casefold()))
        self._list.clear()
        self._note.hide()
        entries = [(p.name, p, _detail(p, p.id in similarity, similarity.get(p.id)), None) for p in people]
        if self._allow_unassigned and (not text or "unassigned".startswith(text.casefold())):
            entries.append(("Unassigned", UNASSIGNED, "no person", "?"))  # typed letters mean a person first
        if self._can_create and text and all(p.name.casefold() != text.casefold() for p in people):
            entries.append((f"New person “{text}”", NewPerson(text), "create them with these faces", "+"))
        for label, value, detail, glyph in entries:
            item = QListWidgetItem(label)
            item.setData(_CHOICE, value)
            item.setData(ObjectRole, value if isinstance(value, Person) else None)
            item.setData(DetailRole, detail)
            item.setData(GlyphRole, glyph)
            item.setToolTip(f"{label}: {detail}")
            self._list.addItem(item)
        first = next((row for row, entry in enumerate(entries) if entry[1] is not UNASSIGNED or text), None)
        self._list.setCurrentRow(-1 if first is None else first)

    def chosen(self):
        item = self._list.currentItem()
        return None if item is None else item.data(_CHOICE)


def _detail(person: Person, suggested: bool, similarity: float | None) -> str:
    """A picker row's second line: "92 % alike · 14 faces" for a suggested person."""
    faces = count(person.face_count, "face")
    if similarity is not None:
        return f"{percent(similarity)} alike · {faces}"
    return f"{faces} · {'suggested' if suggested else 'hidden'}" if suggested or person.hidden else faces


def choose_person(parent: QWidget, search, title: str, allow_unassigned: bool = True,
                  suggested: tuple[Suggestion, ...] = (), exclude: str | None = None, tiles: TileCache | None = None,
                  can_create: bool = False):
    """A Person, UNASSIGNED, a NewPerson (`can_create`), or None when the user cancelled.
    Call from a plain slot."""
    picker = PersonPicker(parent, search, title, allow_unassigned, suggested, exclude, tiles, can_create)
    return picker.chosen() if picker.exec() == QDialog.DialogCode.Accepted else None
