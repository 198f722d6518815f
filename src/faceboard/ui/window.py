"""The main window: it assembles the panes (People on the left; the selected person's
primary and thumbnails above their faces on the right), the undo history in a dock and
the status bar, and keeps them in step with the store: the selection, the title and
the counts. The actions live in `actions.py`."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelectionModel, QSettings, QSize, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication, QDockWidget, QLabel, QListView, QMainWindow, QProgressBar, QPushButton, QSplitter, QStackedWidget,
    QUndoView,
)

from faceboard.domain import Capability, count
from faceboard.services.store import THUMBNAILS, Event
from faceboard.ui import dialogs
from faceboard.ui.actions import Actions
from faceboard.ui.importing import Importer
from faceboard.ui.palette_roles import with_readable_placeholder
from faceboard.ui.panes import set_steady_text
from faceboard.ui.panes.faces import FacesPane
from faceboard.ui.panes.people import PeoplePane
from faceboard.ui.panes.thumbnails import ThumbnailsPane
from faceboard.ui.photo_view import PhotoPage
from faceboard.ui.review import ReviewPage
from faceboard.ui.session import Session


WARNING = ".QLabel { color: #b07000; font-weight: bold }"  # a status label's look, not its tooltip's (a QLabel too)


class MainWindow(QMainWindow):
    connectionsRequested = Signal()
    publishRequested = Signal(object)  # the Person to publish to another connection
    findInMediaRequested = Signal(object)  # the Face to look for in a Media Intelligence workspace
    newLibraryRequested = Signal(str)  # a folder for a new, empty local library

    REFRESH_AFTER_S = 60.0  # back to the window after this long away: what it shows is read again
    PROBLEM_HOLD_S = 4.0  # a refusal stays readable this long, whatever succeeds meanwhile
    FIRST_SIZE = QSize(1280, 820)
    HISTORY_WIDTH = 210  # at most; a sixth of a narrower window
    HISTORY_MIN = 120  # at least: "Move 3 faces to Amara Okafor" in three lines
    FRAME = QSize(16, 48)  # room for the window manager's title bar and borders, unknown before showing

    def __init__(self, session: Session, title: str):
        super().__init__()
        self.session = session
        self._title = title
        self.clock = time.monotonic
        self._left_at: float | None = None
        # no larger than the screen's free area (a 1280×800 laptop, a 1024×640 one): the status bar
        # stays on it; a size saved on a larger monitor Qt fits when restoring it
        self.resize(self.FIRST_SIZE.boundedTo(self.screen().availableGeometry().size() - self.FRAME))
        faces = session.curator.can(Capability.LIST_FACES)
        self.people_pane = PeoplePane(session.people, session.tiles, session.judge)
        self.thumbnails_pane = ThumbnailsPane(session.thumbnails, session.tiles, session.judge, faces)
        self.faces_pane = FacesPane(session.faces, session.tiles)
        self.people_view, self.filter = self.people_pane.view, self.people_pane.filter
        self.thumbnails_view, self.primary_slot = self.thumbnails_pane.view, self.thumbnails_pane.primary_slot
        self.faces_view, self.faces_heading = self.faces_pane.view, self.faces_pane.heading
        if not faces:  # MI, SuperOffice, OpenCV FR: the pictures are all
            self.faces_pane.hide()
        if why := session.curator.why_not(Capability.SORT_FACES):  # Gumnut: its own order only
            self.faces_pane.order.setEnabled(False)
            self.faces_pane.order.setToolTip(why)
        if why := session.curator.why_not(Capability.FILTER_FACES):  # Gumnut: all faces only
            self.faces_pane.filter.setEnabled(False)
            self.faces_pane.filter.setToolTip(why)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.thumbnails_pane)
        right.addWidget(self.faces_pane)
        right.setStretchFactor(1, 1)
        right.setChildrenCollapsible(False)
        self.photo_page = PhotoPage(session)  # a face's photo, in place of the thumbnails and faces
        self.right = QStackedWidget()
        self.right.addWidget(right)
        self.right.addWidget(self.photo_page)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.people_pane)
        self.splitter.addWidget(self.right)
        self.splitter.setStretchFactor(0, 1)  # a narrower window takes a quarter from the people, the rest from the faces
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([300, 980])
        self.splitter.setChildrenCollapsible(False)  # a drag of the handle to the edge hid the faces altogether
        self.review_page = ReviewPage(session)  # View ▸ Review, in place of the people and their faces
        self.central = QStackedWidget()
        self.central.addWidget(self.splitter)
        self.central.addWidget(self.review_page)
        self.setCentralWidget(self.central)

        self.history = QDockWidget("History", self)
        self.history.setObjectName("history")
        self.history_view = QUndoView(session.undo_stack)
        self.history_view.setEmptyLabel("Library as opened")
        # a long entry ("Move 3 faces to Amara Okafor") wraps in a narrow pane, not cut off at its right edge
        self.history_view.setWordWrap(True)
        self.history_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.history_view.setResizeMode(QListView.ResizeMode.Adjust)
        self.history.setWidget(self.history_view)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.history)
        self._fit_history(self.width())
        self.importer = Importer(session, self)
        self.skipped_dialog = None  # the files the last import skipped, while it is shown
        self.setAcceptDrops(True)  # a folder dropped anywhere but on a person is imported
        self._make_status_bar()
        self._problem_at = -self.PROBLEM_HOLD_S
        self._best_for: str | None = None  # whose best primary is offered (or being found)
        self._best_soon = QTimer(self)  # a burst of selections and answers asks for the best primary once
        self._best_soon.setSingleShot(True)
        self._best_soon.setInterval(0)
        self._best_soon.timeout.connect(lambda: self.session.spawn(self._find_best_primary()))
        self.actions = Actions(self)
        self._connect()
        self._restore_settings()
        self._readable_placeholders()
        session.store.select(session.store.selection)

    def _make_status_bar(self) -> None:
        self.library_status = QLabel()
        self.library_status.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.offline_status = QLabel()  # "Offline · 3 changes waiting", while the backend is away
        self.offline_status.setStyleSheet(WARNING)
        self.offline_status.setToolTip("Changes wait in the journal and are sent when the backend answers again. "
                                       "View ▸ Change log shows them.")
        self.offline_status.hide()
        self.read_only_status = QLabel("Read-only")  # for good, on a connection that may only read
        self.read_only_status.setStyleSheet(WARNING)
        self.read_only_status.hide()
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setFormat("%v of %m faces")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop sending; faces already moved stay moved and can be undone")
        self.scan_status = QLabel()  # "Finding faces: 1,234 of 10,000 photos · 2,345 faces · 3 min left"
        self.scan_cancel = QPushButton("Cancel")
        self.scan_cancel.setToolTip("Stop finding faces; the photos not scanned yet wait for the next start")
        for widget in (self.scan_status, self.scan_cancel, self.progress_bar, self.cancel_button):
            widget.hide()
            self.statusBar().addPermanentWidget(widget)
        self.statusBar().addPermanentWidget(self.offline_status)
        self.statusBar().addPermanentWidget(self.read_only_status)
        self.statusBar().addPermanentWidget(self.library_status)

    def _connect(self) -> None:
        session, actions = self.session, self.actions
        session.store.listen(self._hear)
        QApplication.instance().applicationStateChanged.connect(self._application_state)
        self.people_view.selectionModel().currentChanged.connect(self._person_changed)
        self.people_view.selectionModel().selectionChanged.connect(self._people_chosen)
        self.people_view.activated.connect(lambda _: self._focus_faces())
        self.people_view.dropped.connect(actions.dropped_on_person)
        self.people_view.refused.connect(self.show_problem)
        self.primary_slot.dropped.connect(lambda payload: session.drop(payload, self.primary_slot))
        self.primary_slot.refused.connect(self.show_problem)
        self.thumbnails_pane.add_pictures.clicked.connect(actions.add_pictures_dialog)
        session.message.connect(self.show_message)
        session.problem.connect(self.show_problem)
        session.progress.connect(self._show_progress)
        session.progressEnded.connect(self.progress_bar.hide)
        session.progressEnded.connect(self.cancel_button.hide)
        self.cancel_button.clicked.connect(session.cancel)
        self.importer.progress.connect(self._show_scan)
        self.importer.finished.connect(self._scan_ended)
        self.importer.skipped.connect(self._show_skipped)
        self.scan_cancel.clicked.connect(self.importer.cancel)
        session.loaded.connect(self._library_loaded)
        session.people.groupNamed.connect(session.name_group)
        session.people.regrouped.connect(lambda: self.people_pane.follow(session.store.selection))
        session.sent.connect(self._best_soon.start)  # a change may have made another face the best, or the primary
        self.faces_view.selectionModel().selectionChanged.connect(actions.update)
        self.faces_view.doubleClicked.connect(lambda index: self.open_photo(self.session.faces.face_at(index.row())))
        self.photo_page.closed.connect(self.close_photo)
        self.photo_page.boxesSelected.connect(actions.update)
        self.thumbnails_view.selectionModel().selectionChanged.connect(actions.update)
        session.undo_stack.indexChanged.connect(actions.update_soon)
        session.suggestionsChanged.connect(actions.update_soon)  # the first suggestions: Review, Similar people…
        session.waiting.connect(self._show_waiting)
        session.suggestionsChanged.connect(self._suggestions_changed)
        self.review_page.closed.connect(self.close_review)
        self.faces_pane.zoom.valueChanged.connect(self.review_page.grid.set_tile_size)  # Review's tiles as large
        self.review_page.choiceChanged.connect(actions.update)
        if not session.curator.can(Capability.LIST_FACES):  # no faces: no "Unassigned" either
            session.people.modelReset.connect(lambda: self.people_view.setRowHidden(0, True))
            self.people_view.setRowHidden(0, True)

    # -- state ----------------------------------------------------------------------

    def _restore_settings(self) -> None:
        settings = QSettings()
        if geometry := settings.value("window/geometry"):
            self.restoreGeometry(geometry)
        if splitter := settings.value("window/splitter"):
            self.splitter.restoreState(splitter)
        zoom = self.faces_pane.zoom
        zoom.setValue(int(settings.value("faces/tile", 128)))
        self.faces_view.set_tile_size(zoom.value())
        self.review_page.grid.set_tile_size(zoom.value())
        self.people_pane.sort.setCurrentText(str(settings.value("people/sort", "Name")))
        if self.faces_pane.order.isEnabled():
            self.faces_pane.order.setCurrentText(str(settings.value("faces/order", "As found")))
        if self.faces_pane.filter.isEnabled():
            self.faces_pane.filter.setCurrentText(str(settings.value("faces/filter", "All faces")))

    def resizeEvent(self, event) -> None:
        """The History pane takes a sixth of the window's width, between 120 and 210 px, at
        every size the window gets, the first one too: Qt gives all the rest to the faces,
        and left alone it kept the width it had at the size first made (about 200 px at
        800×600 under a window manager, restoring a saved size: two columns of faces)."""
        super().resizeEvent(event)
        self._fit_history(event.size().width())

    def _fit_history(self, width: int) -> None:
        if self.history.isFloating() or self.history.isHidden() and self.isVisible():
            return
        wanted = max(self.HISTORY_MIN, min(self.HISTORY_WIDTH, int(width * 0.16)))
        if abs(self.history.width() - wanted) > 2:
            self.resizeDocks([self.history], [wanted], Qt.Orientation.Horizontal)

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange):
            self._readable_placeholders()

    def _readable_placeholders(self) -> None:
        """The search fields' hints ("Filter people…") read on their base in any palette: the
        application's (the dialogs' too), and the window's own where it has one."""
        app = QApplication.instance()
        if (fixed := with_readable_placeholder(app.palette())) is not None:
            app.setPalette(fixed)
        if self.testAttribute(Qt.WidgetAttribute.WA_SetPalette) and (
                fixed := with_readable_placeholder(self.palette())) is not None:
            self.setPalette(fixed)

    def closeEvent(self, event) -> None:
        self.close_photo()
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.setValue("faces/tile", self.faces_pane.zoom.value())
        settings.setValue("people/sort", self.people_pane.sort.currentText())
        settings.setValue("faces/order", self.faces_pane.order.currentText())
        settings.setValue("faces/filter", self.faces_pane.filter.currentText())
        super().closeEvent(event)

    def _library_loaded(self) -> None:
        """Highlight the selection: Unassigned at first (its faces are read from the start,
        beside the people), or the first person where there are no faces."""
        store, people = self.session.store, self.session.people
        row = people.row_of(store.selection) or 0
        if row == 0 and not self.session.curator.can(Capability.LIST_FACES):
            row = min(1, people.rowCount() - 1)  # the first person: there are no unassigned faces
        index = people.index(row)
        self.people_view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)

    def _person_changed(self, index) -> None:
        """The user chose a row: that is the selection now (unless it already is)."""
        people, store = self.session.people, self.session.store
        if not index.isValid() or people.regrouping:
            return
        if (group := people.group_at(index.row())) is not None:
            if group.id != store.selection:
                self.close_photo()
                store.select_group(group)
            return
        person = people.person_at(index.row())
        person_id = None if person is None else person.id
        if person_id != store.selection:
            self.close_photo()  # another person's faces are wanted, not this photo
            store.select(person_id)
            self._people_chosen()  # Ctrl/Shift kept others chosen beside them

    def _people_chosen(self, *_) -> None:
        """The people chosen together in the list (Ctrl/Shift): the store's, for the actions and the title."""
        people, current = self.session.people, self.people_view.currentIndex()
        if current.isValid() and (person := people.person_at(current.row())) != self.session.store.selected_person:
            return  # the current row changes next, and says who is chosen then
        choice = self.people_view.selectionModel()
        if not choice.hasSelection() and current.isValid():  # its row went (deleted, merged): highlight whom the panes show
            choice.select(current, QItemSelectionModel.SelectionFlag.Select)
            return  # which says who is chosen
        rows = sorted(i.row() for i in choice.selectedIndexes())
        self.session.store.choose(person.id for row in rows if (person := people.person_at(row)) is not None)

    def _hear(self, event: Event) -> None:
        if event.kind == "selected":
            self._show_selection()
            if self.session.store.selection != self._best_for:
                self._best_soon.start()
        elif event.kind == "counts":  # rows came or went too: the store counts after each
            self._show_counts()
        elif event.kind == "reset" and event.pane == THUMBNAILS:  # the primary may be the one offered now
            self._show_best_primary(self.thumbnails_pane.best.candidate, self.thumbnails_pane.best.face)

    async def _find_best_primary(self) -> None:
        """Offer the selected person's best face as their primary, while it is not."""
        person_id = self.session.store.selection if self.session.store.selected_person else None
        self._best_for = person_id
        found = None if person_id is None else await self.session.best_primary(person_id)
        if self.session.store.selection == person_id:
            self._show_best_primary(*(found or (None, None)))

    def _show_best_primary(self, candidate, face) -> None:
        person = self.session.store.selected_person
        if candidate is not None and (person is None or self.session.is_primary(person.id, face)):
            candidate = None
        self.thumbnails_pane.best.offer(candidate, face)
        self.actions.update()

    def _show_selection(self) -> None:
        """The list, the panes and the title show the store's one selection."""
        store = self.session.store
        person = store.selected_person
        self.thumbnails_pane.show_selection(self.session.curator)
        shown = "Unassigned faces" if person is None else person.name
        if (group := store.selected_group) is not None:
            shown = self.session.people.group_text(group)
        if len(store.chosen) > 1:
            shown = f"{count(len(store.chosen), 'person')} chosen"
        self.setWindowTitle(f"{shown} — Faceboard — {self._title}")
        self._show_counts()
        self.actions.update()

    def name_connection(self, title: str) -> None:
        """The title's last part: the connection, as the backend names itself once connected;
        and, on one that may only read, why, in the status bar for good."""
        self._title = title
        curator = self.session.curator
        self.read_only_status.setVisible(curator.read_only)
        self.read_only_status.setToolTip(curator.read_only_reason or "")
        self._show_selection()

    def _show_counts(self) -> None:
        store = self.session.store
        self.people_pane.refresh_count()
        self.faces_pane.refresh_count()
        people = self.people_pane.listed_text()
        loose = count(store.unassigned, "unassigned face")
        faces = self.session.curator.can(Capability.LIST_FACES)
        set_steady_text(self.library_status, people + (f" · {loose}" if faces else ""),
                        "0,000 00,000")  # room for the figures to grow (the whole longest text took 450 px: at 800 wide it was cut)
        self.people_pane.follow(store.selection)  # the list was read again, or the selected row just came

    # -- the photo ------------------------------------------------------------------

    @property
    def showing_photo(self) -> bool:
        return self.right.currentWidget() is self.photo_page

    def open_photo(self, face=None) -> None:
        """Show the photo of `face` (by default the face selected) in place of the faces."""
        if face is None:
            chosen = self.faces_pane.selected_ids()
            if not chosen:
                self.show_message("Select a face to see its photo.")
                return
            face = self.session.store.faces[chosen[0]]
        if why := self.session.curator.why_not(Capability.SHOW_PHOTOS):
            self.show_problem(why)
            return
        self.right.setCurrentWidget(self.photo_page)
        self.photo_page.open(face)
        self.actions.update()

    def close_photo(self) -> None:
        """Back to the faces, where they were."""
        if not self.showing_photo:
            return
        self.photo_page.close_photo()
        self.right.setCurrentIndex(0)
        self.faces_view.setFocus()
        self.actions.update()

    # -- review ---------------------------------------------------------------------

    @property
    def reviewing(self) -> bool:
        return self.central.currentWidget() is self.review_page

    def open_review(self) -> None:
        """The unassigned faces grouped by the person suggested for them, in place of the panes."""
        self.close_photo()
        self.central.setCurrentWidget(self.review_page)
        self.review_page.open()
        self.setWindowTitle(f"Review — Faceboard — {self._title}")
        self.actions.update()

    def close_review(self) -> None:
        """Back to the people and their faces, as they were."""
        if not self.reviewing:
            return
        self.central.setCurrentWidget(self.splitter)
        self.faces_view.setFocus()
        self._show_selection()

    def _suggestions_changed(self, face_ids: set[str]) -> None:
        """Repaint the tiles whose suggestions changed (those on screen), and what Review holds
        (the actions follow soon after: the first suggestions make Review possible)."""
        self.faces_pane.show_suggestions(face_ids)
        self.review_page.suggestions_changed(face_ids)

    # -- refreshing -----------------------------------------------------------------

    def refresh(self) -> None:
        """Read again what is on screen from the backend, keeping the selection (the
        person, and the faces chosen) and where each list is scrolled to."""
        self.session.spawn(self._refresh())

    async def _refresh(self) -> None:
        while self.session.busy:  # a change on its way: read the backend after its answer, not before
            await asyncio.sleep(0.05)
        views = (self.people_view, self.faces_view)
        positions = [view.verticalScrollBar().value() for view in views]
        chosen = self.faces_pane.selected_ids()
        await self.session.reload()
        self.people_pane.follow(self.session.store.selection)
        self.faces_pane.reselect(chosen)
        for view, position in zip(views, positions):
            view.doItemsLayout()  # now, not later: the scroll bar's range must be back first
            view.verticalScrollBar().setValue(position)

    def _application_state(self, state: Qt.ApplicationState) -> None:
        """Coming back to the window after a while away refreshes what it shows."""
        if state != Qt.ApplicationState.ApplicationActive:
            self._left_at = self._left_at if self._left_at is not None else self.clock()
        elif self._left_at is not None:
            away, self._left_at = self.clock() - self._left_at, None
            if away > self.REFRESH_AFTER_S and self.session.store.people:
                self.refresh()

    # -- the status bar -------------------------------------------------------------

    def _show_waiting(self, waiting: int) -> None:
        if not waiting and self.offline_status.isVisible():
            self._problem_at = -self.PROBLEM_HOLD_S  # back online: the "Offline" problem is over
        self.offline_status.setText(f"Offline · {count(waiting, 'change')} waiting")
        self.offline_status.setVisible(waiting > 0)

    def _show_progress(self, done: int, total: int) -> None:
        if total < 20:
            return  # over before a bar would help
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        self.progress_bar.show()
        self.cancel_button.show()

    def _show_scan(self, progress) -> None:
        set_steady_text(self.scan_status, progress.summary, "0,000 · 00 min")  # room for the figures to grow
        self.scan_status.show()
        self.scan_cancel.show()

    def _scan_ended(self, _result) -> None:
        self.scan_status.hide()
        self.scan_cancel.hide()

    def _show_skipped(self, problems) -> None:
        """Listed once, in a window of their own: the status bar said how many as they came."""
        self.skipped_dialog = dialogs.show_skipped(self, problems)

    # -- a folder dropped on the window ------------------------------------------------

    @staticmethod
    def _folders(event) -> list[str]:
        mime = event.mimeData()
        if not mime.hasUrls():
            return []
        paths = [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]
        return paths if paths and all(Path(p).is_dir() for p in paths) else []

    def dragEnterEvent(self, event) -> None:
        """Once a drag: the moves that follow are accepted with it (no file is looked at again)."""
        if self._folders(event) and self.importer.why_not() is None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        folders = self._folders(event)
        if not folders:
            event.ignore()
            return
        event.acceptProposedAction()
        self.importer.start(folders)

    def show_message(self, text: str) -> None:
        if time.monotonic() - self._problem_at >= self.PROBLEM_HOLD_S:
            self.statusBar().showMessage(text, 8000)

    def show_problem(self, text: str) -> None:
        self._problem_at = time.monotonic()
        self.statusBar().showMessage(text, 15000)

    def _focus_faces(self) -> None:
        self.faces_view.setFocus()
        if not self.faces_view.currentIndex().isValid() and self.session.faces.rowCount():
            self.faces_view.setCurrentIndex(self.session.faces.index(0))
