"""The main window: People on the left; the selected person's primary and thumbnails
above their faces on the right; the undo history in a dock; every action in a menu,
a context menu and on a key."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSlider,
    QSplitter,
    QUndoView,
    QVBoxLayout,
    QWidget,
)

from faceboard import __version__
from faceboard.domain import Capability
from faceboard.ui import dialogs
from faceboard.ui.face_grid import FaceGrid
from faceboard.ui.models import SORTS, faces_text
from faceboard.ui.session import Session
from faceboard.ui.views import PeopleView, PrimarySlot, TileView

TILE_SIZES = (64, 320)


class MainWindow(QMainWindow):
    connectionsRequested = Signal()
    publishRequested = Signal(object)  # the Person to publish to another connection
    findInMediaRequested = Signal(object)  # the Face to look for in a Media Intelligence workspace

    def __init__(self, session: Session, title: str):
        super().__init__()
        self.session = session
        self.setWindowTitle(f"Faceboard — {title}")
        self.resize(1280, 820)
        tiles = session.tiles

        # People pane
        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter people  (Ctrl+F)")
        self.filter.setClearButtonEnabled(True)
        self.sort = QComboBox()
        self.sort.addItems(list(SORTS))
        self.sort.setToolTip("Order of the people list")
        self.show_hidden = QCheckBox("Hidden")
        self.show_hidden.setToolTip("Also list hidden people")
        self.people_view = PeopleView(session.people, tiles, session.judge)
        self.people_view.setAccessibleName("People")
        self.people_view.setMinimumWidth(240)
        people_pane = QWidget()
        people_layout = QVBoxLayout(people_pane)
        people_layout.setContentsMargins(8, 8, 4, 8)
        people_layout.addWidget(_heading("People"))
        people_layout.addWidget(self.filter)
        options = QHBoxLayout()
        options.addWidget(self.sort, 1)
        options.addWidget(self.show_hidden)
        people_layout.addLayout(options)
        people_layout.addWidget(self.people_view, 1)

        # Thumbnails pane
        self.person_heading = _heading("")
        self.primary_slot = PrimarySlot(tiles, session.judge)
        self.thumbnails_view = TileView(tiles, strip=True)
        self.thumbnails_view.setModel(session.thumbnails)
        self.thumbnails_view.setAccessibleName("Thumbnails")
        self.thumbnails_view.set_tile_size(112)
        self.thumbnails_view.setFixedHeight(self.primary_slot.height())
        self.add_pictures = QPushButton("Add pictures…")
        self.add_pictures.setToolTip("Add pictures from disk as thumbnails of this person (or drop files on them)")
        thumbnails_pane = QWidget()
        thumbnails_layout = QVBoxLayout(thumbnails_pane)
        thumbnails_layout.setContentsMargins(4, 8, 8, 4)
        header = QHBoxLayout()
        header.addWidget(self.person_heading, 1)
        header.addWidget(self.add_pictures)
        thumbnails_layout.addLayout(header)
        strip = QHBoxLayout()
        strip.addWidget(self.primary_slot)
        strip.addWidget(self.thumbnails_view, 1)
        thumbnails_layout.addLayout(strip)

        # Faces pane
        self.faces_heading = _heading("Faces")
        self.faces_view = FaceGrid(tiles)
        self.faces_view.setModel(session.faces)
        self.faces_view.setAccessibleName("Faces")
        self.zoom = QSlider(Qt.Orientation.Horizontal)
        self.zoom.setRange(*TILE_SIZES)
        self.zoom.setFixedWidth(160)
        self.zoom.setToolTip("Tile size (Ctrl+= and Ctrl+-)")
        faces_pane = QWidget()
        faces_layout = QVBoxLayout(faces_pane)
        faces_layout.setContentsMargins(4, 4, 8, 8)
        faces_header = QHBoxLayout()
        faces_header.addWidget(self.faces_heading, 1)
        faces_header.addWidget(QLabel("Size"))
        faces_header.addWidget(self.zoom)
        faces_layout.addLayout(faces_header)
        faces_layout.addWidget(self.faces_view, 1)
        self.faces_pane = faces_pane
        if not session.curator.can(Capability.LIST_FACES):  # MI, SuperOffice, OpenCV FR: the pictures are all
            faces_pane.hide()
            self.thumbnails_view.setWrapping(True)
            self.thumbnails_view.setMaximumHeight(16777215)
            thumbnails_layout.setStretch(1, 1)
            strip.setAlignment(self.primary_slot, Qt.AlignmentFlag.AlignTop)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(thumbnails_pane)
        right.addWidget(faces_pane)
        right.setStretchFactor(1, 1)
        right.setChildrenCollapsible(False)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(people_pane)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([300, 980])
        self.setCentralWidget(self.splitter)

        self.history = QDockWidget("History", self)
        self.history.setObjectName("history")
        undo_view = QUndoView(session.undo_stack)
        undo_view.setEmptyLabel("Library as opened")
        self.history.setWidget(undo_view)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.history)
        self.resizeDocks([self.history], [220], Qt.Orientation.Horizontal)

        self.library_status = QLabel()
        self.offline_status = QLabel()  # "Offline · 3 changes waiting", while the backend is away
        self.offline_status.setStyleSheet("color: #b07000; font-weight: bold")
        self.offline_status.setToolTip("Changes wait in the journal and are sent when the backend answers again. "
                                       "View ▸ Change log shows them.")
        self.offline_status.hide()
        self.progress_bar = QProgressBar()
        self.progress_bar.setMaximumWidth(220)
        self.progress_bar.setFormat("%v of %m faces")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop sending; faces already moved stay moved and can be undone")
        for widget in (self.progress_bar, self.cancel_button):
            widget.hide()
            self.statusBar().addPermanentWidget(widget)
        self.statusBar().addPermanentWidget(self.offline_status)
        self.statusBar().addPermanentWidget(self.library_status)

        self._problem_at = -self.PROBLEM_HOLD_S
        self._usual_tips: dict[QAction, str] = {}
        self._make_actions()
        self._connect()
        self._restore_settings()
        self._refresh_headings()

    # -- construction ---------------------------------------------------------------

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setStatusTip(tip)
        self._usual_tips[action] = tip
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        stack = self.session.undo_stack
        self.undo_action = stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcuts(QKeySequence.StandardKey.Undo)
        self.redo_action = stack.createRedoAction(self, "&Redo")
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.addActions([self.undo_action, self.redo_action])
        self.detach_action = self._action("&Detach faces", self.detach_selected, "Delete",
                                          "Make the selected faces unassigned")
        self.move_action = self._action("&Move faces to…", self.move_selected, "M",
                                        "Choose a person for the selected faces")
        self.new_person_action = self._action("New &person from faces…", self.new_person_from_selected, "Ctrl+N",
                                              "Create a person from the selected faces")
        self.primary_action = self._action("Set as &primary", self.set_primary_from_selection, "Space",
                                           "Make the selected thumbnail or face the primary thumbnail")
        self.remove_thumbnail_action = self._action("Remove thumbnail", self.remove_selected_thumbnail, None,
                                                    "Remove the selected thumbnail")
        self.delete_faces_action = self._action("Delete faces…", self.delete_selected, "Shift+Delete",
                                                "Remove the selected face detections (not the photos)")
        self.merge_action = self._action("&Merge into…", self.merge_selected, "Ctrl+M",
                                         "Move all faces of this person to another one, and remove this one")
        self.rename_action = self._action("&Rename person…", self.rename_selected, "F2")
        self.hide_action = self._action("&Hide person", self.toggle_hidden, "Ctrl+H",
                                        "Hide the person from the list, or show them again")
        self.add_pictures_action = self._action("&Add pictures…", self.add_pictures_dialog, "Ctrl+I")
        self.filter_action = self._action("&Filter people", self.focus_filter, QKeySequence.StandardKey.Find)
        self.reload_action = self._action("Re&load", lambda: self.session.spawn(self.session.reload()),
                                          QKeySequence.StandardKey.Refresh)
        self.zoom_in_action = self._action("Larger tiles", lambda: self.zoom.setValue(self.zoom.value() + 24),
                                           ["Ctrl+=", "Ctrl++"])
        self.zoom_out_action = self._action("Smaller tiles", lambda: self.zoom.setValue(self.zoom.value() - 24),
                                            "Ctrl+-")
        connections_action = self._action("&Connections…", self.connectionsRequested.emit, "Ctrl+K",
                                          "Open another library or backend")
        quit_action = self._action("&Quit", self.close, QKeySequence.StandardKey.Quit)
        about_action = self._action("&About Faceboard", self.about)
        self.change_log_action = self._action("Change &log…", self.show_change_log, "Ctrl+Shift+L",
                                              "Every change made, on every connection, and how it ended")
        self.change_log_action.setEnabled(self.session.outbox.journal is not None)
        self.publish_action = self._action("&Publish to…", self.publish_selected, "Ctrl+Shift+P",
                                           "Send this person (primary, thumbnails, faces) to another connection")
        self.find_in_media_action = self._action("&Find in media…", self.find_selected_in_media, "Ctrl+Shift+F",
                                                 "Look for this face in the photos and videos of a NAVER Media "
                                                 "Intelligence workspace")

        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addActions([connections_action, self.add_pictures_action, self.reload_action])
        file_menu.addSeparator()
        file_menu.addAction(quit_action)
        edit_menu = menus.addMenu("&Edit")
        edit_menu.addActions([self.undo_action, self.redo_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.move_action, self.detach_action, self.new_person_action, self.delete_faces_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.primary_action, self.remove_thumbnail_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.rename_action, self.hide_action, self.merge_action, self.filter_action])
        edit_menu.addSeparator()
        edit_menu.addActions([self.publish_action, self.find_in_media_action])
        for menu in (file_menu, edit_menu):
            menu.setToolTipsVisible(True)  # a disabled action says why
        view_menu = menus.addMenu("&View")
        view_menu.addAction(self.history.toggleViewAction())
        view_menu.addAction(self.change_log_action)
        view_menu.addActions([self.zoom_in_action, self.zoom_out_action])
        menus.addMenu("&Help").addAction(about_action)

        for view, actions in (
            (self.faces_view, [self.move_action, self.detach_action, self.new_person_action, self.primary_action,
                               self.delete_faces_action, self.find_in_media_action]),
            (self.thumbnails_view, [self.primary_action, self.remove_thumbnail_action]),
            (self.people_view, [self.rename_action, self.hide_action, self.merge_action, self.add_pictures_action,
                                self.publish_action]),
        ):
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(
                lambda pos, v=view, a=actions: self._context_menu(v, a, pos)
            )
        back = QShortcut(QKeySequence("Escape"), self.faces_view)
        back.setContext(Qt.ShortcutContext.WidgetShortcut)
        back.activated.connect(self.people_view.setFocus)

    def _connect(self) -> None:
        session = self.session
        self.people_view.selectionModel().currentChanged.connect(self._person_changed)
        self.people_view.activated.connect(lambda _: self._focus_faces())
        self.people_view.dropped.connect(session.drop)
        self.people_view.refused.connect(self.show_problem)
        self.primary_slot.dropped.connect(lambda payload: session.drop(payload, self.primary_slot))
        self.primary_slot.refused.connect(self.show_problem)
        self.filter.textChanged.connect(lambda text: session.people.set_view(filter_text=text))
        self.filter.returnPressed.connect(self._focus_first_person)
        self.sort.currentTextChanged.connect(lambda label: session.people.set_view(sort=SORTS[label]))
        self.show_hidden.toggled.connect(lambda on: session.people.set_view(show_hidden=on))
        self.zoom.valueChanged.connect(self.faces_view.set_tile_size)
        self.add_pictures.clicked.connect(self.add_pictures_dialog)
        session.message.connect(self.show_message)
        session.problem.connect(self.show_problem)
        session.progress.connect(self._show_progress)
        session.progressEnded.connect(self.progress_bar.hide)
        session.progressEnded.connect(self.cancel_button.hide)
        self.cancel_button.clicked.connect(session.cancel)
        session.loaded.connect(self._library_loaded)
        session.selectionChanged.connect(self._refresh_headings)
        session.people.dataChanged.connect(self._refresh_headings)
        session.people.rowsRemoved.connect(self._keep_a_selection)
        session.faces.rowsInserted.connect(self._refresh_headings)
        session.faces.rowsRemoved.connect(self._refresh_headings)
        session.faces.modelReset.connect(self._refresh_headings)
        self.faces_view.selectionModel().selectionChanged.connect(self._update_actions)
        self.thumbnails_view.selectionModel().selectionChanged.connect(self._update_actions)
        session.undo_stack.indexChanged.connect(self._update_actions)
        session.waiting.connect(self._show_waiting)
        if not session.curator.can(Capability.LIST_FACES):  # no faces: no "Unassigned" either
            session.people.modelReset.connect(lambda: self.people_view.setRowHidden(0, True))
            self.people_view.setRowHidden(0, True)

    def _context_menu(self, view: QAbstractItemView, actions: list[QAction], pos) -> None:
        index = view.indexAt(pos)
        if index.isValid() and not view.selectionModel().isSelected(index):
            view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        view.setFocus()
        self._update_actions()
        menu = QMenu(self)
        menu.setToolTipsVisible(True)
        menu.addActions(actions)
        menu.exec(view.viewport().mapToGlobal(pos))

    # -- state ----------------------------------------------------------------------

    def _restore_settings(self) -> None:
        settings = QSettings()
        if geometry := settings.value("window/geometry"):
            self.restoreGeometry(geometry)
        if splitter := settings.value("window/splitter"):
            self.splitter.restoreState(splitter)
        self.zoom.setValue(int(settings.value("faces/tile", 128)))
        self.faces_view.set_tile_size(self.zoom.value())
        self.sort.setCurrentText(str(settings.value("people/sort", "Name")))

    def closeEvent(self, event) -> None:
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/splitter", self.splitter.saveState())
        settings.setValue("faces/tile", self.zoom.value())
        settings.setValue("people/sort", self.sort.currentText())
        super().closeEvent(event)

    def _library_loaded(self) -> None:
        row = self.session.people.row_of(self.session.scope) or 0
        if row == 0 and not self.session.curator.can(Capability.LIST_FACES):
            row = min(1, self.session.people.rowCount() - 1)  # the first person: there are no unassigned faces
        index = self.session.people.index(row)
        self.people_view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        self._person_changed(index)
        self._update_actions()

    def _person_changed(self, index) -> None:
        if not index.isValid():
            return
        person = self.session.people.person_at(index.row())
        person_id = None if person is None else person.id
        faces = self.session.faces
        if person_id != self.session.scope or not (faces.rowCount() or faces.loading):  # not shown yet
            self.session.select(person_id)

    def _keep_a_selection(self) -> None:
        if not self.people_view.currentIndex().isValid():
            self._library_loaded()

    def _show_waiting(self, count: int) -> None:
        if not count and self.offline_status.isVisible():
            self._problem_at = -self.PROBLEM_HOLD_S  # back online: the "Offline" problem is over
        self.offline_status.setText(f"Offline · {count} change{'s' * (count != 1)} waiting")
        self.offline_status.setVisible(count > 0)

    def publish_selected(self) -> None:
        person = self.session.selected_person
        if person is not None:
            self.publishRequested.emit(person)

    def find_selected_in_media(self) -> None:
        rows = self.faces_view.selectionModel().selectedIndexes()
        if len(rows) == 1:
            self.findInMediaRequested.emit(self.session.faces.face_at(rows[0].row()))

    def show_change_log(self) -> None:
        from faceboard.ui.change_log import ChangeLog

        self.change_log = ChangeLog(self.session.outbox.journal, self.session.spawn, self)
        self.change_log.show()

    def _refresh_headings(self, *_) -> None:
        session = self.session
        person = session.selected_person
        row = session.people.row_of(session.scope)
        if row is not None and self.people_view.currentIndex().row() != row:
            self.people_view.setCurrentIndex(session.people.index(row))  # follow a person the session chose
        self.primary_slot.set_person(person)
        backend = session.curator.backend.display_name
        if person is not None and session.curator.can(Capability.ONE_IMAGE):
            self.primary_slot.setToolTip(f"{backend} keeps one image per person; it is shown here. Adding a "
                                         "picture replaces it (undo puts the old one back).")
        elif person is not None and not session.curator.can(Capability.SET_PRIMARY):
            self.primary_slot.setToolTip(f"{backend} has no primary thumbnail: Faceboard shows the first one.")
        self.primary_slot.setEnabled(person is not None)
        self.thumbnails_view.setEnabled(person is not None)
        count = session.people.unassigned_count if person is None else person.face_count
        if person is None:
            self.person_heading.setText("Unassigned faces — no thumbnails")
            self.faces_heading.setText("Unassigned faces" + ("" if count is None else f" ({count})"))
        else:
            hidden = " · hidden" if person.hidden else ""
            self.person_heading.setText(f"{person.name}{hidden}")
            self.faces_heading.setText(f"Faces of {person.name} ({count})")
        people = len(session.people.people())
        unassigned = session.people.unassigned_count
        loose = "unassigned faces not counted yet" if unassigned is None else f"{unassigned} unassigned faces"
        faces = session.curator.can(Capability.LIST_FACES)
        self.library_status.setText(f"{people} people" + (f" · {loose}" if faces else ""))
        self._update_actions()

    def _update_actions(self, *_) -> None:
        faces = bool(self.faces_view.selectionModel().selectedIndexes())
        person = self.session.selected_person
        thumbnail = bool(self.thumbnails_view.selectionModel().selectedIndexes())
        offer = self._offer
        offer(self.detach_action, faces and person is not None, Capability.REASSIGN_FACES)
        offer(self.move_action, faces, Capability.REASSIGN_FACES)
        offer(self.new_person_action, faces, Capability.CREATE_PERSON)
        offer(self.rename_action, person is not None, Capability.RENAME_PERSON)
        offer(self.hide_action, person is not None, Capability.HIDE_PERSON)
        offer(self.merge_action, person is not None, None if self.session.curator.can_merge() else
              Capability.MERGE_PEOPLE)
        offer(self.delete_faces_action, faces, Capability.DELETE_FACES)
        offer(self.add_pictures_action, person is not None, Capability.ADD_THUMBNAILS)
        offer(self.remove_thumbnail_action, thumbnail, Capability.REMOVE_THUMBNAILS)
        offer(self.primary_action, person is not None, Capability.SET_PRIMARY)
        offer(self.publish_action, person is not None, None)
        offer(self.find_in_media_action, len(self.selected_face_ids()) == 1, Capability.LIST_FACES)
        self.hide_action.setText("Show person" if person is not None and person.hidden else "&Hide person")
        self.add_pictures.setEnabled(self.add_pictures_action.isEnabled())
        self.add_pictures.setToolTip(self.add_pictures_action.toolTip())

    def _offer(self, action: QAction, wanted: bool, capability: Capability | None) -> None:
        """Enable an action when it applies here; when the backend cannot do it, say so
        in its tooltip and status tip instead of hiding it."""
        able = capability is None or self.session.curator.can(capability)
        action.setEnabled(wanted and able)
        usual = self._usual_tips.get(action, "")
        why = f"{self.session.curator.backend.display_name} cannot {capability.value}." if not able else ""
        action.setToolTip(why or usual or action.text().replace("&", ""))
        action.setStatusTip(why or usual)

    def _show_progress(self, done: int, total: int) -> None:
        if total < 20:
            return  # over before a bar would help
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        self.progress_bar.show()
        self.cancel_button.show()

    PROBLEM_HOLD_S = 4.0  # a refusal stays readable this long, whatever succeeds meanwhile

    def show_message(self, text: str) -> None:
        if time.monotonic() - self._problem_at >= self.PROBLEM_HOLD_S:
            self.statusBar().showMessage(text, 8000)

    def show_problem(self, text: str) -> None:
        self._problem_at = time.monotonic()
        self.statusBar().showMessage(text, 15000)

    # -- actions --------------------------------------------------------------------

    def selected_face_ids(self) -> list[str]:
        rows = sorted(i.row() for i in self.faces_view.selectionModel().selectedIndexes())
        return [self.session.faces.face_at(r).id for r in rows]

    def detach_selected(self) -> None:
        if self.thumbnails_view.hasFocus():
            self.remove_selected_thumbnail()
            return
        faces = self.selected_face_ids()
        if faces and self.session.scope is not None:
            self._select_after_removal()
            self.session.assign(faces, None)

    def move_selected(self) -> None:
        faces = self.selected_face_ids()
        if not faces:
            self.show_message("Select faces first.")
            return
        suggested = tuple(dict.fromkeys(
            name for face_id in faces for name in self.session.faces.face_at(self.session.faces.row_of(face_id)).suggestions
        ))
        chosen = dialogs.choose_person(self, self.session.search_people, f"Move {len(faces)} face(s) to…",
                                       allow_unassigned=self.session.scope is not None, suggested=suggested,
                                       exclude=self.session.scope)
        if chosen is None:
            return
        self._select_after_removal()
        self.session.assign(faces, None if chosen is dialogs.UNASSIGNED else chosen.id)

    def new_person_from_selected(self) -> None:
        faces = self.selected_face_ids()
        if not faces:
            self.show_message("Select the faces of the new person first.")
            return
        name = dialogs.ask_name(self, "New person", f"Name of the person in these {len(faces)} face(s):")
        if name:
            self.session.create_person(name, faces)

    def set_primary_from_selection(self) -> None:
        person = self.session.selected_person
        if person is None:
            self.show_message("Unassigned faces have no primary thumbnail; select a person.")
            return
        thumbnails = self.thumbnails_view.selectionModel().selectedIndexes()
        if self.thumbnails_view.hasFocus() and thumbnails:
            self.session.set_primary(person.id, self.session.thumbnails.thumbnail_at(thumbnails[0].row()).id)
            return
        faces = self.selected_face_ids()
        if len(faces) == 1:
            self.session.primary_from_face(person.id, faces[0])
        elif thumbnails:
            self.session.set_primary(person.id, self.session.thumbnails.thumbnail_at(thumbnails[0].row()).id)
        else:
            self.show_message("Select one thumbnail or one face to make it the primary.")

    def remove_selected_thumbnail(self) -> None:
        person = self.session.selected_person
        selected = self.thumbnails_view.selectionModel().selectedIndexes()
        if person is None or not selected:
            return
        thumbnail = self.session.thumbnails.thumbnail_at(selected[0].row())
        self.session.remove_thumbnail(person.id, thumbnail.id)

    def _undoable(self) -> bool:
        return self.session.curator.can(Capability.RESTORE)

    def delete_selected(self) -> None:
        faces = self.selected_face_ids()
        if not faces:
            return
        if not self._undoable() and not dialogs.confirm(
            self, "Delete faces", f"Delete {len(faces)} face detection(s) on "
            f"{self.session.curator.backend.display_name}? This cannot be undone."):
            return
        self._select_after_removal()
        self.session.delete_faces(faces)

    def merge_selected(self) -> None:
        person = self.session.selected_person
        if person is None:
            return
        target = dialogs.choose_person(self, self.session.search_people, f"Merge {person.name} into…",
                                       allow_unassigned=False, exclude=person.id)
        if target is None:
            return
        undo = "You can undo it." if self._undoable() else "This cannot be undone."
        what = faces_text(person.face_count, self.session.people.noun)
        if not dialogs.confirm(self, "Merge people", f"Move all {what} of {person.name} to {target.name}, and "
                               f"remove {person.name}? {undo}"):
            return
        self.session.merge(target.id, [person.id])

    def rename_selected(self) -> None:
        person = self.session.selected_person
        if person is None:
            return
        name = dialogs.ask_name(self, "Rename person", "New name:", person.name)
        if name and name != person.name:
            self.session.rename(person.id, name)

    def toggle_hidden(self) -> None:
        person = self.session.selected_person
        if person is not None:
            self.session.set_hidden(person.id, not person.hidden)

    def add_pictures_dialog(self) -> None:
        person = self.session.selected_person
        if person is None:
            self.show_message("Select a person to add pictures to.")
            return
        files = dialogs.ask_pictures(self)
        if files:
            self.session.add_files(person.id, [Path(f) for f in files])

    def focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    def about(self) -> None:
        QMessageBox.about(
            self, "About Faceboard",
            f"<h3>Faceboard {__version__}</h3><p>Curate people and faces across face-recognition backends.</p>"
            f"<p>Connected to: {self.session.curator.backend.display_name}</p>",
        )

    def _focus_first_person(self) -> None:
        self.people_view.setFocus()
        if self.session.people.rowCount() > 1:
            self.people_view.setCurrentIndex(self.session.people.index(1))

    def _focus_faces(self) -> None:
        self.faces_view.setFocus()
        if not self.faces_view.currentIndex().isValid() and self.session.faces.rowCount():
            self.faces_view.setCurrentIndex(self.session.faces.index(0))

    def _select_after_removal(self) -> None:
        """Put the cursor on the face after the selection, so the operator keeps going."""
        rows = sorted(i.row() for i in self.faces_view.selectionModel().selectedIndexes())
        model = self.session.faces
        after = next((r for r in range(rows[-1] + 1, model.rowCount()) if r not in rows), None) if rows else None
        if after is None:
            return
        face = model.face_at(after)

        def reselect() -> None:
            model.rowsRemoved.disconnect(reselect)
            row = model.row_of(face.id)
            if row is not None:
                self.faces_view.setCurrentIndex(model.index(row))

        model.rowsRemoved.connect(reselect)


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * 1.15)
    font.setBold(True)
    label.setFont(font)
    return label
