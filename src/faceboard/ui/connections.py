"""The Connections dialog: saved profiles (backend kind, address, library, and what each
backend needs besides) with their secrets in the OS keyring, a "Test connection" that
really connects, and "Open". The form shows the fields of the chosen backend only."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from faceboard.errors import FaceboardError
from faceboard.services.connections import (
    KINDS,
    Profile,
    ProfileStore,
    SecretStore,
    app_token_for,
    app_token_key,
    open_backend,
)


class ConnectionsDialog(QDialog):
    openRequested = Signal(object)  # the Profile to open

    def __init__(self, store: ProfileStore, secrets: SecretStore, parent=None, **backend_options):
        super().__init__(parent)
        self.setWindowTitle("Connections")
        self.resize(640, 360)
        self._store = store
        self._secrets = secrets
        self._options = backend_options
        self._task: asyncio.Task | None = None
        self.profiles = QListWidget()
        self.profiles.setMaximumWidth(200)
        self.name = QLineEdit()
        self.kind = QComboBox()
        for kind, label in KINDS.items():
            self.kind.addItem(label, kind)
        self.base_url = QLineEdit()
        self.base_url.setPlaceholderText("https://api.gumnut.ai")
        self.library = QLineEdit()
        self.browse = QPushButton("Browse…")
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.user = QLineEdit()
        self.auth = QComboBox()
        for kind, label in (("bearer", "Bearer token (Online)"), ("basic", "User and password (onsite)"),
                            ("soticket", "SOTicket and application token")):
            self.auth.addItem(label, kind)
        self.edition = QComboBox()
        for kind, label in (("server", "FR Server (on premises)"), ("cloud", "opencv.fr (cloud)")):
            self.edition.addItem(label, kind)
        self.app_token = QLineEdit()
        self.app_token.setEchoMode(QLineEdit.EchoMode.Password)
        self.ca_bundle = QLineEdit()
        self.ca_bundle.setPlaceholderText("empty: the public certificate authorities")
        self.ca_bundle.setToolTip("Your organisation's own certificate authority (a PEM file), trusted besides "
                                  "the public ones. Certificates are always checked.")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.form = form = QFormLayout()
        form.addRow("Name", self.name)
        form.addRow("Backend", self.kind)
        form.addRow("Address", self.base_url)
        form.addRow("Edition", self.edition)
        self.library_row = QWidget()
        library_row = QHBoxLayout(self.library_row)
        library_row.setContentsMargins(0, 0, 0, 0)
        library_row.addWidget(self.library, 1)
        library_row.addWidget(self.browse)
        form.addRow("Library", self.library_row)
        form.addRow("Sign in with", self.auth)
        form.addRow("User", self.user)
        form.addRow("API key", self.key)
        form.addRow("Application token", self.app_token)
        form.addRow("CA bundle", self.ca_bundle)
        buttons = QHBoxLayout()
        self.new_button = QPushButton("New")
        self.save_button = QPushButton("Save")
        self.delete_button = QPushButton("Delete")
        self.test_button = QPushButton("Test connection")
        self.open_button = QPushButton("Open")
        self.open_button.setDefault(True)
        for button in (self.new_button, self.save_button, self.delete_button, self.test_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.open_button)
        right = QVBoxLayout()
        right.addLayout(form)
        right.addWidget(self.status)
        right.addStretch(1)
        right.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(self.profiles)
        layout.addLayout(right, 1)

        self.profiles.currentTextChanged.connect(self._show_profile)
        self.kind.currentIndexChanged.connect(self._kind_changed)
        self.auth.currentIndexChanged.connect(self._kind_changed)
        self.browse.clicked.connect(self._browse)
        self.new_button.clicked.connect(self._new)
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self._delete)
        self.test_button.clicked.connect(self.test_connection)
        self.open_button.clicked.connect(self._open)
        self._reload()
        self._kind_changed()

    # -- form -----------------------------------------------------------------------

    def profile(self) -> Profile:
        kind = self.kind.currentData()
        return Profile(self.name.text().strip(), kind, self.base_url.text().strip(),
                       self.library.text().strip() if kind != "superoffice" else "", self.ca_bundle.text().strip(),
                       auth=self.auth.currentData() if kind == "superoffice" else "",
                       user=self.user.text().strip() if self.user.isVisibleTo(self) else "",
                       edition=self.edition.currentData() if kind == "opencv-fr" else "")

    def _reload(self, select: str | None = None) -> None:
        self.profiles.clear()
        try:
            names = [p.name for p in self._store.all()]
        except FaceboardError as error:
            self._say(error.message, error=True)
            return
        self.profiles.addItems(names)
        if select in names:
            self.profiles.setCurrentRow(names.index(select))
        elif names:
            self.profiles.setCurrentRow(0)

    def _show_profile(self, name: str) -> None:
        if name:
            self.edit(self._store.get(name))

    def edit(self, profile: Profile) -> None:
        """Fill the form with a profile (say, one that just failed to open)."""
        self.name.setText(profile.name)
        self.kind.setCurrentIndex(self.kind.findData(profile.kind))
        self.base_url.setText(profile.base_url)
        self.library.setText(profile.library)
        self.ca_bundle.setText(profile.ca_bundle)
        self.user.setText(profile.user)
        self.auth.setCurrentIndex(max(0, self.auth.findData(profile.auth)))
        self.edition.setCurrentIndex(max(0, self.edition.findData(profile.edition)))
        self.app_token.clear()
        self.key.clear()
        self.key.setPlaceholderText("")
        self.status.clear()
        if profile.needs_secret:
            self._task = asyncio.ensure_future(self._show_key_state(profile.name))

    async def _show_key_state(self, name: str) -> None:
        """Say whether a key is saved; the keyring is read off the GUI thread (it may block)."""
        has_key = bool(await asyncio.to_thread(self._secrets.get, name))
        if self.name.text() == name:
            self.key.setPlaceholderText("saved in the keyring (type to replace)" if has_key else "")

    def _kind_changed(self) -> None:
        kind = self.kind.currentData()
        local = kind == "local"
        auth = self.auth.currentData()
        place = {"local": "Library", "gumnut": "Library", "ncp-mi": "Workspace", "opencv-fr": "Collection"}.get(kind)
        secret = {"gumnut": "API key", "ncp-mi": "Secret key", "opencv-fr": "API key"}.get(kind) or \
            {"bearer": "Access token", "basic": "Password", "soticket": "Ticket"}[auth]
        user = {"ncp-mi": "Access key"}.get(kind) or ("User" if kind == "superoffice" and auth == "basic" else None)
        shown = {self.base_url: not local, self.edition: kind == "opencv-fr", self.library_row: place is not None,
                 self.auth: kind == "superoffice", self.user: user is not None, self.key: not local,
                 self.app_token: kind == "superoffice" and auth == "soticket", self.ca_bundle: not local}
        for field, visible in shown.items():
            self.form.setRowVisible(field, visible)
        if place:
            self.form.labelForField(self.library_row).setText(place)
        if user:
            self.form.labelForField(self.user).setText(user)
        self.form.labelForField(self.key).setText(secret if not local else "API key")
        self.browse.setVisible(local)
        self.base_url.setPlaceholderText({"gumnut": "https://api.gumnut.ai", "ncp-mi": "https://mi.apigw.ntruss.com",
                                          "superoffice": "https://online.superoffice.com/Cust12345/api/v1",
                                          "opencv-fr": "http://fr-server:8000 or https://eu.opencv.fr"}.get(kind, ""))
        self.library.setPlaceholderText({"local": "a folder (empty: the default library)",
                                         "gumnut": "a library id (empty: the only one)",
                                         "ncp-mi": "the workspace name", "opencv-fr": "the collection name"}
                                        .get(kind, ""))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Library folder", self.library.text())
        if folder:
            self.library.setText(folder)

    def _new(self) -> None:
        self.profiles.clearSelection()
        for field in (self.name, self.base_url, self.library, self.key, self.ca_bundle, self.user, self.app_token):
            field.clear()
        self.key.setPlaceholderText("")
        self.name.setFocus()

    def _say(self, text: str, error: bool = False) -> None:
        self.status.setStyleSheet("color: #b3261e;" if error else "")
        self.status.setText(text)

    # -- actions --------------------------------------------------------------------

    def save(self) -> Profile | None:
        try:
            profile = self.profile()
            self._store.save(profile)
        except FaceboardError as error:
            self._say(error.message, error=True)
            return None
        if self.key.text():
            self._secrets.set(profile.name, self.key.text())
            self.key.clear()
        if self.app_token.text():
            self._secrets.set(app_token_key(profile.name), self.app_token.text())
            self.app_token.clear()
        self._reload(select=profile.name)
        self._say(self._secrets.warning or f"Saved {profile.name}.")
        return profile

    def test_connection(self) -> None:
        try:
            profile = self.profile()
        except FaceboardError as error:
            self._say(error.message, error=True)
            return
        self._say("Connecting…")
        self.test_button.setEnabled(False)
        self._task = asyncio.ensure_future(self._test(profile, self.key.text()))

    async def _test(self, profile: Profile, typed_key: str) -> None:
        try:
            secret = typed_key or (await asyncio.to_thread(self._secrets.get, profile.name)
                                   if profile.needs_secret else None)
            token = self.app_token.text() or await asyncio.to_thread(app_token_for, profile, self._secrets)
            backend = open_backend(profile, secret, token, **({} if profile.kind == "local" else self._options))
            try:
                self._say(await backend.connect())
            finally:
                await backend.close()
        except FaceboardError as error:
            self._say(error.message, error=True)
        finally:
            self.test_button.setEnabled(True)

    def _delete(self) -> None:
        name = self.name.text().strip()
        if name:
            self._store.delete(name)
            self._secrets.delete(name)
            self._secrets.delete(app_token_key(name))
            self._reload()
            self._say(f"Deleted {name}.")

    def _open(self) -> None:
        profile = self.save()
        if profile is not None:
            self.openRequested.emit(profile)
            self.close()
