"""The Connections dialog: saved profiles (backend kind, address, library, and what each
backend needs besides) with their secrets in the OS keyring, a "Test connection" that
really connects, and "Open". Each kind of backend has its own form, built from the
fields `backends.registry` declares for it: only what the chosen backend needs shows."""

from __future__ import annotations

import asyncio
from dataclasses import asdict

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
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from faceboard.errors import FaceboardError, InvalidInput
from faceboard.services.connections import (
    BACKENDS,
    BackendKind,
    Profile,
    ProfileStore,
    SecretStore,
    address_problem,
    forget_secrets,
    keyring_name,
    open_backend,
    read_secrets,
)


class KindForm(QWidget):
    """The settings and secrets of one kind of backend: a row per field name, shown while
    one of its fields applies (SuperOffice's user only for a password, say)."""

    def __init__(self, kind: BackendKind, parent=None):
        super().__init__(parent)
        self.kind = kind
        self.layout_ = QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.inputs: dict[str, QLineEdit | QComboBox] = {}
        self.rows: dict[str, QWidget] = {}
        for name in kind.names:
            field = kind.field(name)
            if field.choices:
                widget = QComboBox()
                for value, label in field.choices:
                    widget.addItem(label, value)
                widget.currentIndexChanged.connect(self.refresh)
            else:
                widget = QLineEdit()
                if field.secret:
                    widget.setEchoMode(QLineEdit.EchoMode.Password)
            row = widget
            if field.folder:
                row = QWidget()
                line = QHBoxLayout(row)
                line.setContentsMargins(0, 0, 0, 0)
                browse = QPushButton("Browse…")
                browse.clicked.connect(lambda _=False, w=widget: self._browse(w))
                line.addWidget(widget, 1)
                line.addWidget(browse)
            self.inputs[name], self.rows[name] = widget, row
            self.layout_.addRow(field.label, row)
        self.refresh()

    def values(self) -> dict[str, str]:
        return {name: (w.currentData() if isinstance(w, QComboBox) else w.text().strip())
                for name, w in self.inputs.items()}

    def fill(self, values: dict[str, str]) -> None:
        for name, widget in self.inputs.items():
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(values.get(name, ""))))
            else:
                widget.setText("" if self.kind.field(name).secret else values.get(name, ""))
                widget.setPlaceholderText(self.kind.field(name).placeholder)
        self.refresh()

    def refresh(self) -> None:
        applying = {f.name: f for f in self.kind.applying(self.values())}
        for name, row in self.rows.items():
            self.layout_.setRowVisible(row, name in applying)
            if field := applying.get(name):
                self.layout_.labelForField(row).setText(field.label)
                self.inputs[name].setToolTip(field.help)
                if isinstance(self.inputs[name], QLineEdit) and not field.secret:
                    self.inputs[name].setPlaceholderText(field.placeholder)

    def _browse(self, widget: QLineEdit) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Library folder", widget.text())
        if folder:
            widget.setText(folder)


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
        self.forms = QStackedWidget()
        for kind, entry in BACKENDS.items():
            self.kind.addItem(entry.label, kind)
            self.forms.addWidget(KindForm(entry))
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        top = QFormLayout()
        top.addRow("Name", self.name)
        top.addRow("Backend", self.kind)
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
        right.addLayout(top)
        right.addWidget(self.forms)
        right.addWidget(self.status)
        right.addStretch(1)
        right.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(self.profiles)
        layout.addLayout(right, 1)
        self._align_labels(top)

        self.profiles.currentTextChanged.connect(self._show_profile)
        self.kind.currentIndexChanged.connect(self.forms.setCurrentIndex)
        self.new_button.clicked.connect(self._new)
        self.save_button.clicked.connect(self.save)
        self.delete_button.clicked.connect(self._delete)
        self.test_button.clicked.connect(self.test_connection)
        self.open_button.clicked.connect(self._open)
        self._reload()

    def _align_labels(self, top: QFormLayout) -> None:
        """One label column for the name, the backend and every kind's form, whatever it says."""
        labels = ["Name", "Backend", *(f.label for kind in BACKENDS.values() for f in kind.fields)]
        width = max(self.fontMetrics().horizontalAdvance(label) for label in labels) + 8
        for layout in (top, *(self.forms.widget(i).layout_ for i in range(self.forms.count()))):
            for row in range(layout.rowCount()):
                if (item := layout.itemAt(row, QFormLayout.ItemRole.LabelRole)) is not None and item.widget():
                    item.widget().setMinimumWidth(width)

    # -- form -----------------------------------------------------------------------

    @property
    def form(self) -> KindForm:
        """The form of the chosen kind of backend."""
        return self.forms.currentWidget()

    def input(self, name: str) -> QLineEdit | QComboBox:
        """The chosen backend's input for a field ("base_url", "library", "key", …)."""
        return self.form.inputs[name]

    def shown(self, name: str) -> bool:
        return name in self.form.rows and self.form.rows[name].isVisibleTo(self)

    def label(self, name: str) -> str:
        return self.form.layout_.labelForField(self.form.rows[name]).text()

    def profile(self) -> Profile:
        """The profile the form describes; `InvalidInput` when its address is not one."""
        kind, values = self.form.kind, self.form.values()
        settings = {f.name: values[f.name] for f in kind.applying(values) if not f.secret}
        if settings.get("base_url") and (problem := address_problem(settings["base_url"])) is not None:
            raise InvalidInput(f"{settings['base_url']} {problem}.")
        return Profile(self.name.text().strip(), kind.kind, **settings)

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
        """Fill the form with a profile (say, one that just failed to open), the list
        highlighting it, or nothing when it is not saved."""
        found = self.profiles.findItems(profile.name, Qt.MatchFlag.MatchExactly)
        self.profiles.blockSignals(True)  # the form is filled here, not by the list's signal
        self.profiles.setCurrentRow(self.profiles.row(found[0]) if found else -1)
        self.profiles.blockSignals(False)
        self.name.setText(profile.name)
        self.kind.setCurrentIndex(self.kind.findData(profile.kind))
        self.form.fill(asdict(profile))
        self.status.clear()
        if profile.secret_fields:
            self._task = asyncio.ensure_future(self._show_secret_state(profile))

    async def _show_secret_state(self, profile: Profile) -> None:
        """Say which secrets are saved; the keyring is read off the GUI thread (it may block)."""
        for field in profile.secret_fields:
            saved = bool(await asyncio.to_thread(self._secrets.get, keyring_name(profile.name, field)))
            if self.name.text() == profile.name and self.form.kind.kind == profile.kind:
                self.form.inputs[field.name].setPlaceholderText("saved in the keyring (type to replace)" if saved
                                                                else field.placeholder)

    def _new(self) -> None:
        self.profiles.clearSelection()
        self.name.clear()
        self.form.fill({})
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
        for field in profile.secret_fields:
            if text := self.form.inputs[field.name].text():
                self._secrets.set(keyring_name(profile.name, field), text)
                self.form.inputs[field.name].clear()
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
        typed = {f.name: text for f in profile.secret_fields if (text := self.form.inputs[f.name].text())}
        self._task = asyncio.ensure_future(self._test(profile, typed))

    async def _test(self, profile: Profile, typed: dict[str, str]) -> None:
        """Connect with what the form says: the secrets typed, else those saved."""
        try:
            secrets = await asyncio.to_thread(read_secrets, profile, self._secrets) | typed
            backend = open_backend(profile, secrets, **self._options)
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
            forget_secrets(name, self._secrets)
            self._reload()
            self._say(f"Deleted {name}.")

    def _open(self) -> None:
        profile = self.save()
        if profile is not None:
            self.openRequested.emit(profile)
            self.close()
