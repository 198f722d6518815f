"""Every action of the window in one place: the QActions with their keys and tips, the
menus and context menus, which are offered where (and why not, when the backend cannot),
and what each does with the selection."""

from __future__ import annotations

import asyncio

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QIcon, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractItemView, QMainWindow, QMenu, QMessageBox

from faceboard import __version__
from faceboard.domain import Capability, count
from faceboard.services.drops import PeoplePayload
from faceboard.ui import dialogs, suggesting
from faceboard.ui.shortcuts import key_text


class Actions(QObject):
    def __init__(self, window: QMainWindow):
        """`window`: the MainWindow, whose panes and session the actions work on (not
        imported here: the window imports this module)."""
        super().__init__(window)
        self.window = window
        self.session = session = window.session
        self._usual_tips: dict[QAction, str] = {}
        self._soon = QTimer(self)  # see `update_soon`
        self._soon.setSingleShot(True)
        self._soon.setInterval(0)
        self._soon.timeout.connect(self.update)
        stack = session.undo_stack
        self.undo = stack.createUndoAction(window, "&Undo")
        self.undo.setShortcuts(QKeySequence.StandardKey.Undo)
        self.redo = stack.createRedoAction(window, "&Redo")
        self.redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        for action, name in ((self.undo, "Undo"), (self.redo, "Redo")):
            action.setIconText(name)  # the name Help ▸ Keyboard shortcuts lists, not "Redo Delete Amara Okafor"
        window.addActions([self.undo, self.redo])
        add = self._action
        self.detach = add("&Detach faces", self.detach_selected, "Delete", "Make the selected faces unassigned")
        self.move = add("&Move faces to…", self.move_selected, "M", "Choose a person for the selected faces")
        self.new_person = add("New &person from faces…", self.new_person_from_selected, "Ctrl+N",
                              "Create a person from the selected faces")
        self.primary = add("Set as &primary", self.set_primary_from_selection, "Space",
                           "Make the selected thumbnail or face the primary thumbnail")
        self.best_primary = add("Take the &best primary", self.take_best_primary, "B",
                                "Make the face offered beside the primary (sharp, frontal, large, typical) the primary")
        self.remove_thumbnail = add("Remove thumbnail", self.remove_selected_thumbnail, None,
                                    "Remove the selected thumbnail")
        self.delete_faces = add("Delete faces…", self.delete_selected, "Shift+Delete",
                                "Remove the selected face detections (not the photos)")
        self.merge = add("&Merge into…", self.merge_selected, "Ctrl+M",
                         "Move all faces of the chosen people to another one (or to one of them), and remove the "
                         "others; or drag people onto a person in the list")
        self.rename = add("&Rename person…", self.rename_selected, "F2")
        self.rename.setIconText("Rename person, or name an unknown group")  # the text says which it is now
        self.similar_people = add("&Similar people…", self.show_similar_people, None,
                                  "People whose faces look alike, most alike first: merge them, or say they are not "
                                  "the same")
        self.hide = add("&Hide person", self.toggle_hidden, "Ctrl+H",
                        "Hide the chosen people from the list, or show them again")
        self.delete_person = add("De&lete person…", self.delete_chosen_people, "Ctrl+Delete",
                                 "Delete the chosen people (Delete in the People list); their faces become unassigned")
        self.add_pictures = add("&Add pictures…", self.add_pictures_dialog, "Ctrl+I")
        self.filter = add("&Filter people", self.focus_filter, QKeySequence.StandardKey.Find)
        self.refresh = add("&Refresh", window.refresh, QKeySequence.StandardKey.Refresh,
                           "Read again what is shown from the backend")
        review_key = QKeySequence("Ctrl+R")  # some desktops make it Refresh too: Review's here, Refresh keeps F5
        self.refresh.setShortcuts([key for key in self.refresh.shortcuts() if key != review_key])
        self.review = add("&Review", self.toggle_review, review_key.toString(),
                          "The unassigned faces grouped by the person suggested for them, most certain first: "
                          "accept or reject each with a key")
        self.review.setCheckable(True)
        self.accept_face = add("&Accept suggestion", lambda: window.review_page.accept(), ["Y", "Return", "Enter"],
                               "In Review: the selected face is the person suggested; move it to them")
        self.reject_face = add("&Not them", lambda: window.review_page.reject(), "N",
                               "In Review: the selected face is not that person; never suggest them for it again")
        self.accept_all = add("Accept all at or &above", lambda: window.review_page.accept_all(), "Shift+Y",
                              "In Review: every face of the group as alike as the selected one, or more, "
                              "is that person (one change)")
        self.open_photo = add("&Open photo", lambda: window.open_photo(), "O",
                              "Show the photo the selected face came from, with every face on it")
        self.zoom_in = add("Zoom in", lambda: self.zoom(1), ["Ctrl+=", "Ctrl++"], "Larger tiles, or the photo larger")
        self.zoom_out = add("Zoom out", lambda: self.zoom(-1), "Ctrl+-", "Smaller tiles, or the photo smaller")
        self.fit_photo = add("&Fit photo", lambda: window.photo_page.view.fit(), "Ctrl+0",
                             "The whole photo in the window")
        self.connections = add("&Connections…", window.connectionsRequested.emit, "Ctrl+K",
                               "Open another library or backend")
        self.import_photos = add("&Import photos…", self.import_photos_dialog, "Ctrl+Shift+I",
                                 "Add a folder of your photos to the library and find the faces in them")
        self.new_library = add("&New library…", self.new_library_dialog, None,
                               "Start an empty library in a folder of your choice, for your own photos")
        self.quit = add("&Quit", window.close, QKeySequence.StandardKey.Quit)
        self.about_faceboard = add("&About Faceboard", self.about)
        self.change_log = add("Change &log…", self.show_change_log, "Ctrl+Shift+L",
                              "Every change made, on every connection, and how it ended")
        self.change_log.setEnabled(session.outbox.journal is not None)
        self.publish = add("&Publish to…", self.publish_selected, "Ctrl+Shift+P",
                           "Send this person (primary, thumbnails, faces) to another connection")
        self.find_in_media = add("&Find in media…", self.find_selected_in_media, "Ctrl+Shift+F",
                                 "Look for this face in the photos and videos of a NAVER Media Intelligence workspace")
        self.keyboard_shortcuts = add("&Keyboard shortcuts", self.show_shortcuts, QKeySequence.StandardKey.HelpContents,
                                      "Every key of the window")
        self._icons()
        self._menus()
        best = window.thumbnails_pane.best
        best.take.setText(f"Take it  ({key_text(self.best_primary.shortcuts())})")
        best.take.setToolTip(self.best_primary.statusTip())
        best.take.clicked.connect(self.best_primary.trigger)

    def _icons(self) -> None:
        """The desktop theme's icons, where the platform has them (none is drawn here)."""
        theme = QIcon.ThemeIcon
        for action, icon in ((self.undo, theme.EditUndo), (self.redo, theme.EditRedo), (self.detach, theme.ListRemove),
                             (self.move, theme.GoNext), (self.new_person, theme.ContactNew),
                             (self.remove_thumbnail, theme.ListRemove), (self.delete_faces, theme.EditDelete),
                             (self.add_pictures, theme.InsertImage), (self.filter, theme.EditFind),
                             (self.refresh, theme.ViewRefresh), (self.zoom_in, theme.ZoomIn),
                             (self.zoom_out, theme.ZoomOut), (self.connections, theme.DocumentOpen),
                             (self.quit, theme.ApplicationExit), (self.about_faceboard, theme.HelpAbout),
                             (self.change_log, theme.DocumentOpenRecent), (self.publish, theme.DocumentSend),
                             (self.find_in_media, theme.SystemSearch), (self.keyboard_shortcuts, theme.InputKeyboard)):
            action.setIcon(QIcon.fromTheme(icon))

    def _action(self, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self.window)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        action.setStatusTip(tip)
        self._usual_tips[action] = tip
        action.triggered.connect(slot)
        self.window.addAction(action)
        return action

    def _menus(self) -> None:
        window = self.window
        menus = window.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addActions([self.connections, self.new_library])
        file_menu.addSeparator()
        file_menu.addActions([self.import_photos, self.add_pictures])
        file_menu.addSeparator()
        file_menu.addAction(self.quit)
        edit_menu = menus.addMenu("&Edit")
        edit_menu.addActions([self.undo, self.redo])
        for group in ([self.move, self.detach, self.new_person, self.delete_faces],
                      [self.primary, self.best_primary, self.remove_thumbnail],
                      [self.rename, self.hide, self.merge, self.similar_people, self.delete_person, self.filter],
                      [self.publish, self.find_in_media]):
            edit_menu.addSeparator()
            edit_menu.addActions(group)
        view_menu = menus.addMenu("&View")
        view_menu.addAction(self.refresh)
        view_menu.addSeparator()
        view_menu.addActions([self.review, self.accept_face, self.reject_face, self.accept_all])
        view_menu.addSeparator()
        view_menu.addAction(window.history.toggleViewAction())
        view_menu.addAction(self.change_log)
        view_menu.addSeparator()
        view_menu.addActions([self.open_photo, self.zoom_in, self.zoom_out, self.fit_photo])
        for menu in (file_menu, edit_menu, view_menu):
            menu.setToolTipsVisible(True)  # a disabled action says why
        menus.addMenu("&Help").addActions([self.keyboard_shortcuts, self.about_faceboard])
        for view, actions in (
            (window.faces_view, [self.open_photo, self.move, self.detach, self.new_person, self.primary,
                                 self.delete_faces, self.find_in_media]),
            (window.photo_page.view, [self.move, self.new_person, self.delete_faces, self.fit_photo]),
            (window.thumbnails_view, [self.primary, self.best_primary, self.remove_thumbnail]),
            (window.people_view, [self.rename, self.hide, self.merge, self.delete_person, self.add_pictures,
                                  self.publish]),
        ):
            view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            view.customContextMenuRequested.connect(lambda pos, v=view, a=actions: self._context_menu(v, a, pos))
        window.people_view.deleteRequested.connect(self.delete_chosen_people)
        back = QShortcut(QKeySequence("Escape"), window.faces_view)
        back.setWhatsThis("Back from the faces to the people list")
        back.setContext(Qt.ShortcutContext.WidgetShortcut)
        back.activated.connect(window.people_view.setFocus)

    def _context_menu(self, view: QAbstractItemView, actions: list[QAction], pos) -> None:
        index = view.indexAt(pos)
        if index.isValid() and not view.selectionModel().isSelected(index):
            view.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        view.setFocus()
        self.update()
        menu = QMenu(self.window)
        menu.setToolTipsVisible(True)
        menu.addActions(actions)
        menu.exec(view.viewport().mapToGlobal(pos))

    # -- what is offered ------------------------------------------------------------

    def update_soon(self, *_) -> None:
        """`update` once, right after this turn of the event loop, for what follows a
        change (the undo stack moved, suggestions came): a Review decision asked for it
        8 times, 0.5 ms each, and a drop of 1,000 faces in its own turn. What the operator
        chooses (a selection) updates at once: the next key may already be waiting."""
        if not self._soon.isActive():
            self._soon.start()

    def update(self, *_) -> None:
        window = self.window
        photo, reviewing = window.showing_photo, window.reviewing
        faces = bool(self._face_ids())
        # in Review the people list is away: what it has chosen is not offered
        person = None if reviewing else self.session.store.selected_person
        chosen = [] if reviewing else self.session.store.chosen_people()
        thumbnail = not photo and not reviewing and bool(window.thumbnails_view.selectionModel().selectedIndexes())
        offer = self._offer
        self._offer_review(reviewing, faces)
        if photo:  # Delete on a box removes a false detection; there is no list to detach from
            offer(self.detach, faces, Capability.DELETE_FACES)
        else:
            offer(self.detach, faces and person is not None, Capability.REASSIGN_FACES)
        self.detach.setText("&Delete faces" if photo else "&Detach faces")
        offer(self.open_photo, not photo and not reviewing and len(self._face_ids()) == 1, Capability.SHOW_PHOTOS)
        offer(self.fit_photo, photo, None)
        offer(self.import_photos, True, Capability.IMPORT_PHOTOS)
        offer(self.move, faces, Capability.REASSIGN_FACES)
        offer(self.new_person, faces, Capability.CREATE_PERSON)
        group = self.session.store.selected_group  # renaming it names it: the person is created
        offer(self.rename, (person is not None and len(chosen) <= 1) or group is not None,
              Capability.CREATE_PERSON if group is not None else Capability.RENAME_PERSON)
        self.rename.setText("&Name group…" if group is not None else "&Rename person…")
        offer(self.hide, bool(chosen), Capability.HIDE_PERSON)
        offer(self.merge, bool(chosen), None if self.session.curator.can_merge() else Capability.MERGE_PEOPLE)
        offer(self.delete_person, bool(chosen), Capability.DELETE_PERSON)
        offer(self.delete_faces, faces and not reviewing, Capability.DELETE_FACES)
        offer(self.add_pictures, person is not None, Capability.ADD_THUMBNAILS)
        offer(self.remove_thumbnail, thumbnail, Capability.REMOVE_THUMBNAILS)
        offer(self.primary, not photo and person is not None, Capability.SET_PRIMARY)  # Space pans a photo
        offer(self.best_primary, not photo and person is not None and window.thumbnails_pane.best.candidate is not None,
              Capability.SET_PRIMARY)
        offer(self.similar_people, self.session.curation.likeness is not None,
              None if self.session.curator.can_merge() else Capability.MERGE_PEOPLE)
        offer(self.publish, person is not None, None)
        offer(self.find_in_media, not reviewing and len(self._face_ids()) == 1, Capability.LIST_FACES)
        shown = "Show" if chosen and all(p.hidden for p in chosen) else "&Hide"
        self.hide.setText(f"{shown} {'person' if len(chosen) <= 1 else count(len(chosen), 'person')}")
        self.delete_person.setText("De&lete person…" if len(chosen) <= 1 else f"De&lete {count(len(chosen), 'person')}…")
        button = window.thumbnails_pane.add_pictures
        button.setEnabled(self.add_pictures.isEnabled())
        if button.toolTip() != self.add_pictures.toolTip():  # the same again took 3 ms of a drop's turn (a widget's
            button.setToolTip(self.add_pictures.toolTip())  # setToolTip, unlike an action's, tells it changed)

    def _offer_review(self, reviewing: bool, face: bool) -> None:
        """Review once the suggestions are made; its keys while it is shown, on a face selected."""
        self._offer(self.review, reviewing or self.session.curation.likeness is not None, Capability.COMPARE_FACES)
        if not self.review.isEnabled() and self.session.curator.can(Capability.COMPARE_FACES):
            self.review.setToolTip("Review opens once the faces have been compared (a moment after the library opens)")
        self.review.setChecked(reviewing)
        for action, capability in ((self.accept_face, Capability.REASSIGN_FACES),
                                   (self.reject_face, Capability.COMPARE_FACES),
                                   (self.accept_all, Capability.REASSIGN_FACES)):
            self._offer(action, reviewing and face, capability)

    def _offer(self, action: QAction, wanted: bool, capability: Capability | None) -> None:
        """Enable an action when it applies here; when the backend cannot do it, say so
        in its tooltip and status tip instead of hiding it."""
        why = None if capability is None else self.session.curator.why_not(capability)
        action.setEnabled(wanted and why is None)
        usual = self._usual_tips.get(action, "")
        action.setToolTip(why or usual or action.text().replace("&", ""))
        action.setStatusTip(why or usual)

    # -- what they do ---------------------------------------------------------------

    def _face_ids(self) -> list[str]:
        """The faces selected: the boxes on the photo while it is shown, else the tiles."""
        if self.window.reviewing:
            return self.window.review_page.selected_ids()
        if self.window.showing_photo:
            return self.window.photo_page.selected_ids()
        return self.window.faces_pane.selected_ids()

    def _select_after_removal(self, faces: list[str]) -> None:
        if self.window.reviewing:  # they leave the queue, the next face selected
            self.window.review_page.taken(faces)
        elif not self.window.showing_photo:  # on the photo the boxes stay (with new names) or go
            self.window.faces_pane.select_after_removal()

    def toggle_review(self) -> None:
        if self.window.reviewing:
            self.window.close_review()
        else:
            self.window.open_review()

    def zoom(self, steps: int) -> None:
        """The photo, while it is shown; else the face tiles."""
        if self.window.showing_photo:
            self.window.photo_page.view.zoom(steps)
        else:
            zoom = self.window.faces_pane.zoom
            zoom.setValue(zoom.value() + 24 * steps)

    def _thumbnail(self):
        selected = self.window.thumbnails_view.selectionModel().selectedIndexes()
        return self.session.thumbnails.thumbnail_at(selected[0].row()) if selected else None

    def detach_selected(self) -> None:
        if self.window.showing_photo:
            self.delete_selected()
            return
        if self.window.thumbnails_view.hasFocus():
            self.remove_selected_thumbnail()
            return
        faces = self._face_ids()
        if faces and self.session.store.selection is not None:
            self._select_after_removal(faces)
            self.session.assign(faces, None)

    def move_selected(self) -> None:
        faces, session = self._face_ids(), self.session
        if not faces:
            self.window.show_message("Select faces first.")
            return
        store = session.store
        suggested = suggesting.merged(session.faces.suggestions_of(store.faces[face_id]) for face_id in faces)
        owners = {store.faces[face_id].person_id for face_id in faces}  # the selected person's, but on a photo
        owner = next(iter(owners)) if len(owners) == 1 else store.selection
        chosen = dialogs.choose_person(self.window, session.search_people, f"Move {count(len(faces), 'face')} to…",
                                       allow_unassigned=owners != {None}, suggested=suggested, exclude=owner,
                                       tiles=session.tiles,
                                       can_create=session.curator.why_not(Capability.CREATE_PERSON) is None)
        if chosen is None:
            return
        self._select_after_removal(faces)
        if isinstance(chosen, dialogs.NewPerson):  # created with the faces: one change, undone as one
            session.create_person(chosen.name, faces)
        else:
            session.assign(faces, None if chosen is dialogs.UNASSIGNED else chosen.id)

    def new_person_from_selected(self) -> None:
        faces = self._face_ids()
        if not faces:
            self.window.show_message("Select the faces of the new person first.")
            return
        these = "this face" if len(faces) == 1 else f"these {count(len(faces), 'face')}"
        name = dialogs.ask_name(self.window, "New person", f"Name of the person in {these}:")
        if name:
            if self.window.reviewing:
                self._select_after_removal(faces)
            self.session.create_person(name, faces)

    def set_primary_from_selection(self) -> None:
        person = self.session.store.selected_person
        if person is None:
            self.window.show_message("Unassigned faces have no primary thumbnail; select a person.")
            return
        thumbnail, faces = self._thumbnail(), self._face_ids()
        if thumbnail is not None and (self.window.thumbnails_view.hasFocus() or len(faces) != 1):
            self.session.set_primary(person.id, thumbnail.id)
        elif len(faces) == 1:
            self.session.primary_from_face(person.id, faces[0])
        else:
            self.window.show_message("Select one thumbnail or one face to make it the primary.")

    def take_best_primary(self) -> None:
        person, best = self.session.store.selected_person, self.window.thumbnails_pane.best
        if person is None or best.candidate is None:
            self.window.show_message("No better primary to take for this person.")
            return
        cut = next((t for t in self.session.store.thumbnails.get(person.id, ()) if t.face_id == best.candidate.face_id),
                   None)
        if cut is not None:  # a thumbnail of that face already: it becomes the primary, no second copy is made
            self.session.set_primary(person.id, cut.id)
        else:
            self.session.primary_from_face(person.id, best.candidate.face_id)

    def show_similar_people(self) -> None:
        self.session.spawn(self._show_similar_people())

    async def _show_similar_people(self) -> None:
        """The pairs are found off the event loop (every pair of people: 166 ms at 2,000 people)."""
        from faceboard.ui.similar_people import SimilarPeopleDialog

        likeness = self.session.curation.likeness
        pairs = [] if likeness is None else list(await asyncio.to_thread(likeness.similar_people))
        self.similar_dialog = SimilarPeopleDialog(self.session, pairs, self.merge_into, self.window)
        self.similar_dialog.show()

    def remove_selected_thumbnail(self) -> None:
        person, thumbnail = self.session.store.selected_person, self._thumbnail()
        if person is not None and thumbnail is not None:
            self.session.remove_thumbnail(person.id, thumbnail.id)

    def _undoable(self) -> bool:
        return self.session.curator.can(Capability.RESTORE)

    def delete_selected(self) -> None:
        faces = self._face_ids()
        if not faces:
            return
        if not self._undoable() and not dialogs.confirm(
            self.window, "Delete faces", f"Delete {count(len(faces), 'face detection')} on "
            f"{self.session.curator.backend.display_name}? This cannot be undone."):
            return
        self._select_after_removal(faces)
        self.session.delete_faces(faces)

    def merge_selected(self) -> None:
        """Several people chosen: the user picks which of them the others merge into; one:
        the person they merge into, from everyone."""
        chosen, session = self.session.store.chosen_people(), self.session
        if not chosen:
            return
        if len(chosen) > 1:
            async def among_chosen(text: str):
                return [p for p in chosen if text.casefold() in p.name.casefold()]

            target = dialogs.choose_person(self.window, among_chosen, f"Merge {count(len(chosen), 'person')} into…",
                                           allow_unassigned=False, tiles=session.tiles)
        else:
            target = dialogs.choose_person(self.window, session.search_people, f"Merge {chosen[0].name} into…",
                                           allow_unassigned=False, exclude=chosen[0].id, tiles=session.tiles)
        if target is not None:
            self.merge_into(target, [p.id for p in chosen if p.id != target.id])

    def merge_into(self, target, source_ids: list[str]) -> bool:
        """Confirm, showing everyone (picture, name, faces), then merge the sources into
        `target`; whether it was confirmed."""
        store = self.session.store
        sources = [store.people[i] for i in source_ids if i in store.people and i != target.id]
        if not sources:
            return False
        target = store.people.get(target.id, target)
        names = ", ".join(p.name for p in sources)
        total = target.face_count + sum(p.face_count for p in sources)
        undo = "You can undo it." if self._undoable() else "This cannot be undone."
        question = (f"Move the {count(total - target.face_count, self.session.people.noun)} of {names} to "
                    f"{target.name}, and remove {names if len(sources) == 1 else 'them'}? {undo}")
        rows = [(p, f"merged into {target.name}") for p in sources] + [(target, f"keeps them all: {count(total, 'face')}")]
        if not dialogs.confirm_people(self.window, "Merge people", question, rows, self.session.tiles, "Merge"):
            return False
        self.session.merge(target.id, [p.id for p in sources])
        return True

    def dropped_on_person(self, payload, target) -> None:
        """A drop on the People list: people dropped on a person merge into them, once
        confirmed (after the drop is over: no dialog inside a drag); the rest is the session's."""
        if isinstance(payload, PeoplePayload) and self.session.judge(payload, target) is None:
            QTimer.singleShot(0, lambda: self.merge_into(target, list(payload.person_ids)))
        else:
            self.session.drop(payload, target)

    def delete_chosen_people(self) -> None:
        """Their faces become unassigned, once confirmed (the menu item says "…"; Ctrl+Delete
        and Delete in the People list are the same action): undoable where the backend
        restores people, and the question says whether."""
        people = self.session.store.chosen_people()
        if not people or not self.delete_person.isEnabled():
            return
        faces = sum(p.face_count for p in people)
        names = ", ".join(p.name for p in people)
        undo = "You can undo it." if self._undoable() else "This cannot be undone."
        question = (f"Delete {names} on {self.session.curator.backend.display_name}? Their "
                    f"{count(faces, self.session.people.noun)} become unassigned. {undo}")
        rows = [(p, "deleted") for p in people]
        if dialogs.confirm_people(self.window, "Delete people", question, rows, self.session.tiles, "Delete"):
            self.session.delete_people([p.id for p in people])

    def rename_selected(self) -> None:
        person, group = self.session.store.selected_person, self.session.store.selected_group
        if group is not None:
            name = dialogs.ask_name(self.window, "Name group", f"Name of the person in these "
                                    f"{count(len(group.face_ids), 'face')}:")
            if name:
                self.session.name_group(group, name)
            return
        if person is None:
            return
        name = dialogs.ask_name(self.window, "Rename person", "New name:", person.name)
        if name and name != person.name:
            self.session.rename(person.id, name)

    def toggle_hidden(self) -> None:
        """Hide the chosen people; if all of them are hidden, show them again."""
        people = self.session.store.chosen_people()
        if people:
            self.session.set_hidden([p.id for p in people], not all(p.hidden for p in people))

    def add_pictures_dialog(self) -> None:
        person = self.session.store.selected_person
        if person is None:
            self.window.show_message("Select a person to add pictures to.")
            return
        files = dialogs.ask_pictures(self.window)
        if files:
            self.session.add_files(person.id, [Path(f) for f in files])

    def import_photos_dialog(self) -> None:
        folder = dialogs.ask_folder(self.window, "Import photos from a folder")
        if folder:
            self.window.importer.start([folder])

    def new_library_dialog(self) -> None:
        folder = dialogs.ask_folder(self.window, "New library: choose an empty folder")
        if folder:
            self.window.newLibraryRequested.emit(folder)

    def focus_filter(self) -> None:
        self.window.filter.setFocus()
        self.window.filter.selectAll()

    def publish_selected(self) -> None:
        person = self.session.store.selected_person
        if person is not None:
            self.window.publishRequested.emit(person)

    def find_selected_in_media(self) -> None:
        faces = self._face_ids()
        if len(faces) == 1:
            self.window.findInMediaRequested.emit(self.session.store.faces[faces[0]])

    def show_change_log(self) -> None:
        from faceboard.ui.change_log import ChangeLog

        self.change_log_window = ChangeLog(self.session.outbox.journal, self.session.spawn, self.window)
        self.change_log_window.show()

    def show_shortcuts(self) -> None:
        from faceboard.ui.shortcuts import ShortcutsDialog

        self.shortcuts_dialog = ShortcutsDialog(self.window)
        self.shortcuts_dialog.show()

    def about(self) -> None:
        QMessageBox.about(
            self.window, "About Faceboard",
            f"<h3>Faceboard {__version__}</h3><p>Curate people and faces across face-recognition backends.</p>"
            f"<p>Connected to: {self.session.curator.backend.display_name}</p>",
        )
