"""Publish a person to another connection: choose where, see what will change, publish,
and see each step's outcome. The target is opened and planned off the GUI thread's
waiting (all network work is awaited on the loop); Publish is only offered once the
plan is shown. A picture that does not look like the person's other faces is shown
flagged, with its similarity, and left out unless its "Keep" is ticked."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
)

from faceboard.domain import Capability, PeopleQuery, Person, Progress
from faceboard.errors import FaceboardError
from faceboard.recognition.similarity import percent
from faceboard.services.connections import ProfileStore, SecretStore, kinds_that, open_backend, read_secrets
from faceboard.services.curator import Curator
from faceboard.services.journal import Journal
from faceboard.services.images import digest
from faceboard.services.outbox import Outbox
from faceboard.services.publishing import Flag, Gathered, Plan, Publisher, check_faces, gather
from faceboard.ui.dialogs import PersonPicker

FOUND_BY = {"linked": "linked before", "chosen": "chosen by you", "same id": "the same id",
            "same name": "the same name", "new": "a new person"}
FLAG_ICON = 56  # a flagged picture's side in the steps
DigestRole = Qt.ItemDataRole.UserRole + 1  # a flagged picture's digest, on its row


def _icon_image(data: bytes) -> QImage:
    """A picture made small, on a worker thread (a QImage, not yet a pixmap)."""
    return QImage.fromData(data).scaled(FLAG_ICON, FLAG_ICON, Qt.AspectRatioMode.KeepAspectRatio,
                                        Qt.TransformationMode.SmoothTransformation)


class PublishDialog(QDialog):
    def __init__(self, source: Curator, source_name: str, person: Person, store: ProfileStore,
                 secrets: SecretStore, journal: Journal | None, parent=None, likeness=None, **backend_options):
        """`likeness`: the source's `Likeness`, to check the pictures' faces (None: not checked)."""
        super().__init__(parent)
        self.setWindowTitle(f"Publish {person.name}")
        self.resize(560, 420)
        self._source, self._source_name, self._person = source, source_name, person
        self._secrets, self._journal, self._options = secrets, journal, backend_options
        self._target = None
        self._target_profile = None  # the profile `_target` was opened from: kept while it stays chosen
        self._gathered: Gathered | None = None  # the person's pictures, read once for every preview
        self._plan: Plan | None = None
        self._likeness = likeness
        self._kept: set[str] = set()  # digests of flagged pictures the operator keeps
        self._publisher: Publisher | None = None
        self.task: asyncio.Task | None = None
        self.where = QComboBox()
        kinds = kinds_that(Capability.RECEIVE_PUBLISHED)
        for profile in store.all():
            if profile.backend_kind in kinds and profile.name != source_name:
                self.where.addItem(f"{profile.name}  ({profile.backend_kind.label})", profile)
        self.person_there = QLineEdit()
        self.person_there.setPlaceholderText("empty: linked before, the same id, or the same name")
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setToolTip("Pick the person there by name")
        self.choose_button.setEnabled(False)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.steps = QListWidget()
        self.steps.setAccessibleName("Steps")
        self.steps.setWordWrap(True)
        self.steps.setIconSize(QSize(FLAG_ICON, FLAG_ICON))
        self.steps.itemChanged.connect(self._keep_changed)
        self.progress = QProgressBar()
        self.progress.hide()
        self.preview_button = QPushButton("Preview")
        self.publish_button = QPushButton("Publish")
        self.publish_button.setDefault(True)
        self.publish_button.setEnabled(False)
        close = QPushButton("Close")
        form = QFormLayout()
        form.addRow("Publish to", self.where)
        there = QHBoxLayout()
        there.addWidget(self.person_there, 1)
        there.addWidget(self.choose_button)
        form.addRow("Person there", there)
        buttons = QHBoxLayout()
        buttons.addWidget(self.preview_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.publish_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.steps, 1)
        layout.addWidget(self.progress)
        layout.addLayout(buttons)
        self.preview_button.clicked.connect(self.preview)
        self.publish_button.clicked.connect(self.publish)
        self.where.currentIndexChanged.connect(lambda _: self.preview())
        self.person_there.returnPressed.connect(self.preview)
        self.choose_button.clicked.connect(self.choose)
        close.clicked.connect(self.close)
        if self.where.count():
            self.preview()
        else:
            self._say(f"No connection here can receive people: add a {' or '.join(k.label for k in kinds)} "
                      "profile in File ▸ Connections.", error=True)

    def _say(self, text: str, error: bool = False) -> None:
        self.summary.setStyleSheet("color: #b3261e;" if error else "")
        self.summary.setText(text)

    def _start(self, work) -> None:
        self.publish_button.setEnabled(False)
        self.preview_button.setEnabled(False)
        self.task = asyncio.ensure_future(work)
        self.task.add_done_callback(lambda _: self.preview_button.setEnabled(True))

    def preview(self) -> None:
        if self.where.currentData() is not None and (self.task is None or self.task.done()):
            self._start(self._preview())

    async def _preview(self) -> None:
        profile = self.where.currentData()
        self.steps.clear()
        self._plan = None
        self._say(f"Looking for {self._person.name} in {profile.name}…")
        try:
            if profile != self._target_profile:
                await self._open_target(profile)
            if self._gathered is None:
                gathered = await gather(self._source, self._person.id)
                self._gathered = gathered if self._likeness is None else check_faces(gathered, self._likeness)
            plan = await self._publisher.plan(self._gathered, self.person_there.text().strip() or None,
                                              frozenset(self._kept))
        except FaceboardError as error:
            self._say(error.message, error=True)
            return
        self._plan = plan
        who = plan.target.name if plan.target else plan.person.name
        self._say(f"{plan.person.name} → {who} in {self._target.display_name} ({FOUND_BY[plan.found_by]}). "
                  + ("Publishing will:" if not plan.refusal else ""))
        for step in plan.steps:
            self.steps.addItem(f"•  {step}")
        for what, why in plan.skipped:
            self.steps.addItem(f"⚠  cannot {what}, so it is left out: {why}")
        for flag in plan.flagged:
            await self._add_flag(flag)
        if plan.unchecked:
            self.steps.addItem(f"•  not checked against {plan.person.name}'s faces (no face known in it): "
                               + ", ".join(plan.unchecked))
        if plan.refusal:
            self._say(plan.refusal, error=True)
        self.publish_button.setEnabled(plan.refusal is None)

    async def _add_flag(self, flag: Flag) -> None:
        """The flagged picture, small, with its similarity and a "Keep" box."""
        item = QListWidgetItem(self._flag_text(flag))
        item.setData(DigestRole, flag.digest)
        item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
        item.setToolTip("Tick to keep it: it is sent all the same. Unticked, it is left out.")
        data = self._picture(flag.digest)
        if data is not None:
            item.setIcon(QIcon(QPixmap.fromImage(await asyncio.to_thread(_icon_image, data))))
        self.steps.blockSignals(True)  # setting the box is no choice of the operator's
        item.setCheckState(Qt.CheckState.Checked if flag.kept else Qt.CheckState.Unchecked)
        self.steps.addItem(item)
        self.steps.blockSignals(False)

    def _flag_text(self, flag: Flag) -> str:
        fate = "kept: it is sent" if flag.kept else "left out unless you keep it"
        return (f"⚠  Keep {flag.what}? It does not look like {self._person.name}'s other faces "
                f"({percent(flag.similarity)} alike): {fate}")

    def _picture(self, picture: str) -> bytes | None:
        publication = self._gathered.publication
        return next((i for i in (publication.primary, *publication.thumbnails, *publication.faces)
                     if i is not None and digest(i) == picture), None)

    def _keep_changed(self, item: QListWidgetItem) -> None:
        """A "Keep" ticked or not: plan again, with or without that picture."""
        picture = item.data(DigestRole)
        if picture is None:
            return
        if item.checkState() == Qt.CheckState.Checked:
            self._kept.add(picture)
        else:
            self._kept.discard(picture)
        self.preview()

    def picker(self) -> PersonPicker:
        """The people of the target, searched as you type, this person's name first."""
        target = self._target

        async def search(text: str) -> list[Person]:
            return list((await target.list_people(None, 200, PeopleQuery(text=text))).items)

        return PersonPicker(self, search, f"Publish {self._person.name} to…", False, named_first=self._person.name)

    def choose(self) -> None:
        """A plain slot: the picker runs a nested event loop."""
        if self._target is None:
            return
        picker = self.picker()
        if picker.exec() == QDialog.DialogCode.Accepted and isinstance(picker.chosen(), Person):
            self.person_there.setText(picker.chosen().id)
            self.preview()

    def publish(self) -> None:
        if self._plan is not None and self._plan.refusal is None:
            self._start(self._publish(self._plan))

    async def _publish(self, plan: Plan) -> None:
        self.progress.setValue(0)
        self.progress.show()
        progress = Progress(lambda done, total: (self.progress.setMaximum(total), self.progress.setValue(done)))
        try:
            change = await self._publisher.run(plan, progress)
        except FaceboardError as error:
            self._say(f"Not published: {error.message}", error=True)
            return
        finally:
            self.progress.hide()
        self.steps.clear()
        for what, why in change.steps:
            item = QListWidgetItem(f"✓  {what}" if why is None else f"✗  {what}: {why}")
            item.setToolTip(why or "done")
            if why is not None:
                item.setForeground(Qt.GlobalColor.darkRed)
            self.steps.addItem(item)
        failed = sum(why is not None for _, why in change.steps)
        self._say(f"Published {plan.person.name}." if not failed else
                  f"Published {plan.person.name}, but {failed} of {len(change.steps)} steps failed (see below).",
                  error=bool(failed))

    async def _open_target(self, profile) -> None:
        await self._close_target()
        self.choose_button.setEnabled(False)
        secrets = await asyncio.to_thread(read_secrets, profile, self._secrets)  # the keyring may block
        target = open_backend(profile, secrets, **self._options)
        try:
            await target.connect()
        except FaceboardError:
            await target.close()
            raise
        self._target, self._target_profile = target, profile
        outbox = Outbox(Curator(target), self._journal, profile.key, profile.name)
        self._publisher = Publisher(self._source_name, outbox, profile.name)
        self.choose_button.setEnabled(True)

    async def _close_target(self) -> None:
        if self._target is not None:
            target, self._target, self._target_profile = self._target, None, None
            await target.close()

    def closeEvent(self, event) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
        asyncio.ensure_future(self._close_target())
        super().closeEvent(event)
