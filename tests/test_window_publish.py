"""The window with the three services: publishing from the local library through the
Publish dialog (preview, then each step's outcome, a partial failure shown), a backend
without faces or a primary (what it cannot do is disabled and says why), and the
Connections form asking each backend for what it needs."""

import io

import httpx
from conftest import wait_for
from fakes.ncp_mi import FakeMediaIntelligence
from fakes.opencv_fr import FakeOpenCvFr
from fakes.server import AsgiApp
from fakes.superoffice import FakeSuperOffice
from PIL import Image
from ui_helpers import select_person

from faceboard.app import Shell
from faceboard.backends.local import LocalLibrary
from faceboard.services.connections import BACKENDS, Profile, keyring_name
from faceboard.services.curator import Curator
from faceboard.services.operations import AddThumbnails


def big(colour) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (400, 400), colour).save(out, "JPEG")
    return out.getvalue()


def test_a_person_is_published_from_the_window_step_by_step(qtbot, loop, library_folder):
    async def add_big_thumbnail():
        library = LocalLibrary(library_folder)
        try:
            await Curator(library).apply(AddThumbnails("1", (big((200, 40, 40)),), True))
            await Curator(library).apply(AddThumbnails("1", (small,)))  # cut from no photo: no wider crop
        finally:
            await library.close()

    out = io.BytesIO()
    Image.new("RGB", (120, 120), (9, 9, 9)).save(out, "JPEG")
    small = out.getvalue()
    wait_for(qtbot, add_big_thumbnail())
    fake = FakeMediaIntelligence.seeded()
    shell = Shell(transport=httpx.ASGITransport(app=AsgiApp(fake)))
    shell.store.save(Profile("media", "ncp-mi", "http://mi.test", fake.workspace, user=fake.access_key))
    shell.secrets.set("media", fake.secret_key)
    wait_for(qtbot, shell.open(Profile("mine", "local", library=str(library_folder))))
    window = shell.current[2]
    try:
        select_person(qtbot, window, "1")
        assert window.actions.publish.isEnabled()
        window.actions.publish.trigger()
        dialog = shell.dialog
        qtbot.waitUntil(lambda: dialog.publish_button.isEnabled(), timeout=10000)
        assert "Amara Okafor → Amara Okafor in NAVER Media Intelligence (family-ws) (a new person)" \
            in dialog.summary.text()
        assert "create Amara Okafor with them" in dialog.steps.item(1).text()
        dialog.preview()  # previewing again keeps the connection and the person's pictures
        qtbot.waitUntil(lambda: dialog.publish_button.isEnabled(), timeout=10000)
        assert sum(c.path == f"/api/v1/workspaces/{fake.workspace}" for c in fake.calls) == 1
        assert dialog._gathered is not None and dialog._gathered.person.name == "Amara Okafor"
        dialog.publish_button.click()
        qtbot.waitUntil(lambda: "Published" in dialog.summary.text(), timeout=15000)
        lines = [dialog.steps.item(i).text() for i in range(dialog.steps.count())]
        assert "but 1 of" in dialog.summary.text()  # the small one; the demo's face crops are cut wider
        assert sum(line.startswith("✗") and "takes at least 256 a side" in line for line in lines) == 1
        assert any(line.startswith("✓  create Amara Okafor with 4 thumbnail") for line in lines)
        assert any(p.name == "Amara Okafor" for p in fake.persons.values())
        dialog.grab().save(str(library_folder.parent / "publish.png"))
        picker = dialog.picker()  # choosing someone else there: the picker searches the target
        qtbot.waitUntil(lambda: picker.chosen() is not None, timeout=10000)
        assert picker.chosen().name == "Amara Okafor"  # this person's name first
        picker._filter.setText("bob")
        qtbot.waitUntil(lambda: picker.chosen() is not None and picker.chosen().name == "Bob Baker", timeout=10000)
        picker.close()
        dialog.close()
    finally:
        wait_for(qtbot, shell.close_current())


def test_a_backend_without_faces_or_primary_disables_what_it_cannot_do_and_says_why(qtbot, loop):
    fake = FakeOpenCvFr.seeded()
    shell = Shell(transport=httpx.ASGITransport(app=AsgiApp(fake)))
    shell.secrets.set("staff", fake.api_key)
    wait_for(qtbot, shell.open(Profile("staff", "opencv-fr", "http://fr.test", "staff", edition="server")))
    window = shell.current[2]
    try:
        qtbot.waitUntil(lambda: window.session.store.selection == "p1")  # the first person: no "Unassigned" here
        assert window.people_view.isRowHidden(0) and not window.faces_pane.isVisible()
        assert not window.actions.primary.isEnabled()
        assert window.actions.primary.toolTip() == "OpenCV FR server (staff) cannot set the primary thumbnail."
        assert "cannot rename people" in window.actions.rename.toolTip()
        assert "has no primary thumbnail: Faceboard shows the first one" in window.primary_slot.toolTip()
        assert window.thumbnails_pane.add_pictures.isEnabled() and window.actions.publish.isEnabled()
        qtbot.waitUntil(lambda: window.session.thumbnails.rowCount() == 1)
        qtbot.waitUntil(lambda: window.session.tiles._used > 0)  # the inline thumbnails are shown
        qtbot.wait(100)
        window.grab().save("/tmp/opencv-window.png")
    finally:
        wait_for(qtbot, shell.close_current())


def test_superoffice_shows_its_one_image_and_the_connections_form_asks_for_a_ticket(qtbot, loop):
    fake = FakeSuperOffice.seeded(auth="soticket")
    fake.images[5] = (170, "image/jpeg", big((10, 10, 200)))
    shell = Shell(transport=httpx.ASGITransport(app=AsgiApp(fake)))
    wait_for(qtbot, shell.open(Profile("mine", "local", library="")))  # any window: the form is the point
    try:
        shell.show_connections()
        dialog = shell.dialog
        dialog._new()
        dialog.name.setText("crm")
        dialog.kind.setCurrentIndex(dialog.kind.findData("superoffice"))
        assert dialog.label("key") == "Access token"
        dialog.input("auth").setCurrentIndex(dialog.input("auth").findData("soticket"))
        assert dialog.shown("app_token") and not dialog.shown("user")
        assert not dialog.shown("library") and dialog.label("key") == "Ticket"
        dialog.input("base_url").setText(f"http://so.test/{fake.tenant}/api/v1")
        dialog.input("key").setText(fake.token)
        dialog.input("app_token").setText(fake.app_token)
        dialog.grab().save("/tmp/connections-superoffice.png")
        dialog.open_button.click()
        qtbot.waitUntil(lambda: shell.current[1].outbox.name == "crm", timeout=10000)
        window = shell.current[2]
        qtbot.waitUntil(lambda: window.session.store.selection == "5" and window.session.thumbnails.rowCount() == 1)
        assert "keeps one image per person" in window.primary_slot.toolTip()
        assert not window.actions.primary.isEnabled() and window.thumbnails_pane.add_pictures.isEnabled()
        saved = shell.store.path.read_text()
        assert fake.token not in saved and fake.app_token not in saved and '"auth": "soticket"' in saved
        assert shell.secrets.get(keyring_name("crm", BACKENDS["superoffice"].field("app_token"))) == fake.app_token
    finally:
        wait_for(qtbot, shell.close_current())


def test_a_face_is_found_in_the_media_of_a_workspace(qtbot, loop, library_folder):
    fake = FakeMediaIntelligence.seeded()
    fake.media = [{"assetId": 31, "assetName": "graduation.mp4", "score": 0.91}]
    shell = Shell(transport=httpx.ASGITransport(app=AsgiApp(fake)))
    shell.store.save(Profile("media", "ncp-mi", "http://mi.test", fake.workspace, user=fake.access_key))
    shell.secrets.set("media", fake.secret_key)
    wait_for(qtbot, shell.open(Profile("mine", "local", library=str(library_folder))))
    window = shell.current[2]
    try:
        select_person(qtbot, window, "1")
        window.faces_view.setCurrentIndex(window.session.faces.index(0))
        assert window.actions.find_in_media.isEnabled()
        window.actions.find_in_media.trigger()
        dialog = shell.dialog
        dialog.search_button.click()
        qtbot.waitUntil(lambda: dialog.results.count() == 1, timeout=15000)
        assert "graduation.mp4  (asset 31)" in dialog.results.item(0).text() and "91%" in dialog.results.item(0).text()
        assert "Found in 1 item" in dialog.status.text()
        upload = next(c for c in fake.calls if c.method == "PUT")
        with Image.open(io.BytesIO(upload.body)) as sent:  # the demo's faces are small: sent with more photo
            assert min(sent.size) >= 224
        dialog.close()
    finally:
        wait_for(qtbot, shell.close_current())
