"""The photo view on a Gumnut connection: the asset's preview with every face Gumnut
found on it, against the fake server in process."""

import pytest
from conftest import wait_for
from fakes.gumnut import FakeAsset, FakeGumnut
from PySide6.QtCore import Qt
from test_window_gumnut import open_gumnut
from ui_helpers import drop_on_person, select_faces, settle


@pytest.fixture
def shared_photo(qtbot, loop):
    """Three faces on one 3000×2000 asset: Alice's, Bob's and an unassigned one (shown first)."""
    fake = FakeGumnut.seeded(people=2, faces_per_person=1, unassigned=1)
    fake.rate_limited = False
    faces = list(fake.faces.values())
    for n, face in enumerate(faces):
        face.asset_id, face.box = "asset_group", {"x": 400 + 700 * n, "y": 500, "w": 300, "h": 360}
    fake.assets["asset_group"] = FakeAsset("asset_group", 3000, 2000)
    shell, window = open_gumnut(qtbot, fake)
    qtbot.waitUntil(lambda: not window.session.faces.loading and window.session.faces.rowCount() == 1)
    yield fake, window
    wait_for(qtbot, shell.close_current())


def opened(qtbot, window):
    page = window.photo_page
    qtbot.waitUntil(lambda: page.photo is not None and page.view.picture.pixmap().width() > 0)
    return page


def test_o_opens_the_preview_with_every_face_and_its_name(qtbot, shared_photo):
    fake, window = shared_photo
    (face_id,) = select_faces(window, [0])
    window.faces_view.setFocus()
    qtbot.keyClick(window.faces_view, Qt.Key.Key_O)
    page = opened(qtbot, window)
    assert window.showing_photo and page.photo.width == 3000
    assert any(c.path == "/cdn/assets/asset_group/preview.jpg" for c in fake.calls)  # the 1440 px rung
    assert page.view.picture.sceneBoundingRect().width() == pytest.approx(3000)  # scaled to the boxes' pixels
    labels = {box.face.id: box.label.text for box in page.view.boxes.values()}
    names = {f.id: fake.people[f.person_id].name if f.person_id else "Unassigned" for f in fake.faces.values()}
    assert labels == names
    assert page.view.selected_ids() == [face_id]
    assert any(c.path == "/api/assets/asset_group" and c.query.get("include") == ["variants"] for c in fake.calls)
    qtbot.keyClick(page.view, Qt.Key.Key_Escape)
    assert not window.showing_photo and window.faces_view.hasFocus()


def test_a_box_dropped_on_a_person_is_patched_and_relabelled(qtbot, shared_photo):
    fake, window = shared_photo
    unassigned = next(f for f in fake.faces.values() if f.person_id is None)
    window.open_photo(window.session.store.faces[unassigned.id])
    page = opened(qtbot, window)
    from faceboard.ui.mime import faces_mime

    bob = next(p for p in fake.people.values() if p.name == "Bob Baker")
    mime = faces_mime(page.view.selected_ids(), None)
    assert drop_on_person(window, bob.id, mime)
    settle(qtbot, window)
    assert fake.faces[unassigned.id].person_id == bob.id
    qtbot.waitUntil(lambda: page.view.boxes[unassigned.id].label.text.startswith("Bob Baker"))
    assert window.showing_photo  # the drop leaves the photo open


def test_a_box_drawn_is_posted_and_undoing_it_deletes_it(qtbot, shared_photo):
    from PySide6.QtCore import QPoint, QPointF
    from test_window_photo import drag

    fake, window = shared_photo
    window.open_photo(window.session.faces.face_at(0))
    page = opened(qtbot, window)
    corner = page.view.mapFromScene(QPointF(2400, 1200))
    drag(page.view.viewport(), corner, corner + QPoint(50, 60))
    settle(qtbot, window)
    qtbot.waitUntil(lambda: len(page.view.boxes) == 4)
    (drawn,) = [f for f in fake.faces.values() if f.source == "manual"]
    assert drawn.asset_id == "asset_group" and drawn.person_id is None and drawn.box["x"] >= 2390
    window.session.undo_stack.undo()
    settle(qtbot, window)
    qtbot.waitUntil(lambda: len(page.view.boxes) == 3)
    assert drawn.id not in fake.faces
