"""The photo's name tags say the whole name, however small the box: a tag may reach past
its box, and stays on the part of the photo on screen, zoomed in and panned to an edge."""

import pytest
from PySide6.QtCore import QRect, Qt
from test_window_photo import opened
from ui_helpers import db, select_faces, select_person

LONG = "Maximiliana Wolfeschlegelsteinhausen-Bergerdorff"


@pytest.fixture
def library_folder(library_folder):
    with db(library_folder) as connection:
        connection.execute("UPDATE persons SET name = ? WHERE id = 3", (LONG,))
    return library_folder


def on_screen(view, label) -> QRect:
    return label.deviceTransform(view.viewportTransform()).mapRect(label.boundingRect()).toAlignedRect()


def test_a_long_name_is_shown_whole_past_its_box_and_kept_on_screen(qtbot, app_window):
    window = app_window
    window.resize(1024, 640)
    select_person(qtbot, window, "3")
    select_faces(window, [0])
    window.faces_view.setFocus()
    qtbot.keyClick(window.faces_view, Qt.Key.Key_O)
    page = opened(qtbot, window)
    view = page.view
    face = window.session.store.listed_faces()[0]
    qtbot.waitUntil(lambda: view.boxes[face.id].label.text == LONG)
    view.scene().clearSelection()  # not only the selected box: every one says the whole name
    box = view.boxes[face.id]
    label = box.label
    tag = on_screen(view, label)
    assert tag.width() >= label._metrics.horizontalAdvance(LONG)
    assert tag.width() > box.rect().width() * view.scale_now()  # reaching past the box
    for steps, scrolled in ((0, None), (6, "right"), (6, "top"), (6, "left")):
        view.zoom(steps)
        bars = view.horizontalScrollBar(), view.verticalScrollBar()
        if scrolled == "right":
            bars[0].setValue(bars[0].maximum())
        elif scrolled == "top":
            bars[1].setValue(bars[1].minimum())
        elif scrolled == "left":
            bars[0].setValue(bars[0].minimum())
        view.centerOn(box) if scrolled is None else None
        for other in view.boxes.values():
            if other.label.isVisible() and view.viewport().rect().intersects(
                    view.mapFromScene(other.sceneBoundingRect()).boundingRect()):
                assert view.viewport().rect().contains(on_screen(view, other.label)), (steps, scrolled, other.label.text)
