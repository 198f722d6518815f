"""Find a face in the media of another connection, one whose backend can search its
photos and videos (NAVER Media Intelligence; see `services.face_search`); the matches
are listed with their score."""

from __future__ import annotations

import asyncio

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
)

from faceboard.domain import Capability, Face, count
from faceboard.errors import FaceboardError
from faceboard.services.connections import ProfileStore, SecretStore, kinds_that, open_backend, read_secrets
from faceboard.services.curator import Curator
from faceboard.services.face_search import find_face_in_media


def media_profiles(store: ProfileStore) -> list:
    """The saved connections whose media can be searched for a face."""
    try:
        return [p for p in store.all() if p.backend_kind in kinds_that(Capability.FIND_IN_MEDIA)]
    except FaceboardError:
        return []


class MediaSearchDialog(QDialog):
    def __init__(self, source: Curator, face: Face, store: ProfileStore, secrets: SecretStore, parent=None,
                 **backend_options):
        super().__init__(parent)
        self.setWindowTitle("Find this face in the media")
        self.resize(520, 380)
        self._source, self._face, self._secrets, self._options = source, face, secrets, backend_options
        self.task: asyncio.Task | None = None
        self.where = QComboBox()
        for profile in media_profiles(store):
            place = profile.backend_kind.field("library")
            self.where.addItem(f"{profile.name}  ({place.label.lower()} {profile.library})" if place else profile.name,
                               profile)
        self.status = QLabel("Search the workspace's photos and videos for this face.")
        self.status.setWordWrap(True)
        self.results = QListWidget()
        self.results.setAccessibleName("Matches")
        self.search_button = QPushButton("Search")
        self.search_button.setDefault(True)
        close = QPushButton("Close")
        form = QFormLayout()
        form.addRow("Search in", self.where)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.search_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        layout.addLayout(buttons)
        self.search_button.clicked.connect(self.search)
        close.clicked.connect(self.close)
        if not self.where.count():
            self.search_button.setEnabled(False)
            self.status.setText(f"No {' or '.join(k.label for k in kinds_that(Capability.FIND_IN_MEDIA))} connection yet: add one in "
                                "File ▸ Connections.")

    def search(self) -> None:
        if self.where.currentData() is not None and (self.task is None or self.task.done()):
            self.search_button.setEnabled(False)
            self.task = asyncio.ensure_future(self._search(self.where.currentData()))
            self.task.add_done_callback(lambda _: self.search_button.setEnabled(True))

    async def _search(self, profile) -> None:
        self.results.clear()
        self.status.setStyleSheet("")
        self.status.setText("Uploading the face and searching… (a search takes a few seconds)")
        try:
            secrets = await asyncio.to_thread(read_secrets, profile, self._secrets)  # the keyring may block
            media = open_backend(profile, secrets, **self._options)
            try:
                await media.connect()
                hits = await find_face_in_media(self._source.backend, self._face, media)
            finally:
                await media.close()
        except FaceboardError as error:
            self.status.setStyleSheet("color: #b3261e;")
            self.status.setText(error.message)
            return
        for hit in hits:
            score = "" if hit.score is None else f"  ·  {hit.score:.0%}"
            self.results.addItem(f"{hit.name}  (asset {hit.asset_id}){score}")
        self.status.setText(f"Found in {count(len(hits), 'item')} of {media.display_name}."
                            if hits else f"Not found in {media.display_name}.")

    def closeEvent(self, event) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
        super().closeEvent(event)
