"""Edit ▸ Similar people…: pairs of people whose faces look alike (perhaps one person
filed twice), most alike first, from `Likeness.similar_people`; both people's faces side
by side with how alike they are. Merge asks first (the merge confirmation that shows
both) and is one undoable change; "Not the same" goes on to the next pair."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QDialog, QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from faceboard.domain import Person, SimilarPeople, count
from faceboard.errors import FaceboardError
from faceboard.recognition.similarity import percent
from faceboard.ui.panes.thumbnails import FaceTile

FACES_SHOWN = 4  # a few of each person's faces, side by side
TILE = 88


class _Side(QWidget):
    """One person of the pair: their name, face count and a few of their faces."""

    def __init__(self, tiles, parent=None):
        super().__init__(parent)
        self.name = QLabel()
        font = QFont(self.name.font())
        font.setBold(True)
        self.name.setFont(font)
        self.detail = QLabel()
        self.tiles = [FaceTile(tiles, TILE) for _ in range(FACES_SHOWN)]
        grid = QGridLayout()
        grid.setSpacing(6)
        grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)  # one face: under the name, not apart
        for i, tile in enumerate(self.tiles):
            grid.addWidget(tile, i // 2, i % 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.name)
        layout.addWidget(self.detail)
        layout.addLayout(grid)
        layout.addStretch(1)

    def show_person(self, person: Person | None, faces=()) -> None:
        self.name.setText(person.name if person else "…")
        self.detail.setText(count(person.face_count, "face") if person else "")
        for i, tile in enumerate(self.tiles):
            tile.face = faces[i] if i < len(faces) else None
            tile.setVisible(person is None or i < len(faces))
            tile.update()


class SimilarPeopleDialog(QDialog):
    def __init__(self, session, pairs: list[SimilarPeople], merge_into: Callable[[Person, list[str]], bool],
                 parent=None):
        """`pairs`: most alike first; `merge_into(target, source_ids)`: confirms, then merges; whether it did."""
        super().__init__(parent)
        self.setWindowTitle("Similar people")
        self._session, self._merge_into = session, merge_into
        self.pairs = pairs
        self._at = -1
        self._gone: set[str] = set()  # merged away here: their pairs are skipped
        self.people: tuple[Person, Person] | None = None  # the pair shown, once read
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.first, self.second = _Side(session.tiles), _Side(session.tiles)
        self.merge = QPushButton("Merge…")
        self.merge.setToolTip("Merge the one with fewer faces into the other (asked first; Undo takes it back)")
        self.not_same = QPushButton("Not the same")
        self.not_same.setToolTip("Go on to the next pair")
        close = QPushButton("Close")
        sides = QHBoxLayout()
        sides.addWidget(self.first, 1)
        sides.addSpacing(16)
        sides.addWidget(self.second, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(close)
        buttons.addStretch(1)
        buttons.addWidget(self.not_same)
        buttons.addWidget(self.merge)
        layout = QVBoxLayout(self)
        layout.addWidget(self.heading)
        layout.addLayout(sides, 1)
        layout.addLayout(buttons)
        self.merge.clicked.connect(self.merge_pair)
        self.not_same.clicked.connect(self.next_pair)
        close.clicked.connect(self.close)
        self.merge.setDefault(True)
        self.next_pair()

    def next_pair(self) -> None:
        """The next pair of which both people are still there."""
        self._at += 1
        while self._at < len(self.pairs) and {self.pairs[self._at].first_id, self.pairs[self._at].second_id} & self._gone:
            self._at += 1
        self.people = None
        self.merge.setEnabled(False)
        if self._at >= len(self.pairs):
            self.heading.setText("No more similar people." if self.pairs else "No people look alike.")
            self.not_same.setEnabled(False)
            self.first.hide()
            self.second.hide()
            return
        pair = self.pairs[self._at]
        self.heading.setText(f"Pair {self._at + 1} of {len(self.pairs)}: {percent(pair.similarity)} alike. "
                             "Are they one person?")
        self.first.show_person(None)
        self.second.show_person(None)
        self._session.spawn(self._read(self._at, pair))

    async def _read(self, at: int, pair: SimilarPeople) -> None:
        curator = self._session.curator
        try:
            people = [await curator.person(pair.first_id), await curator.person(pair.second_id)]
            faces = [(await curator.faces_page(p.id, None, FACES_SHOWN)).items[:FACES_SHOWN] for p in people]
        except FaceboardError as error:
            if at == self._at:
                self.heading.setText(f"Reading this pair failed: {error.message}")
            return
        if at != self._at:
            return  # the operator went on meanwhile
        self._session.store.meet_people(people)
        self.people = (people[0], people[1])
        self.first.show_person(people[0], faces[0])
        self.second.show_person(people[1], faces[1])
        self.merge.setEnabled(True)

    def merge_pair(self) -> None:
        """A plain slot: the confirmation runs a nested event loop."""
        if self.people is None:
            return
        target, source = sorted(self.people, key=lambda p: -p.face_count)
        if self._merge_into(target, [source.id]):
            self._gone.add(source.id)
            self.next_pair()
