"""Least alike first: a person's faces sorted by how far each lies from the rest of
theirs, so a face filed to the wrong person is on the first row; on real photos, page by
page, with the filters, and chosen in the faces pane of the real window."""

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from conftest import run
from PIL import Image, ImageEnhance
from ui_helpers import select_person

from faceboard.backends.local import LocalLibrary
from faceboard.domain import FacesQuery
from faceboard.errors import InvalidInput
from faceboard.recognition.embedding import current_model
from faceboard.services.scanning import Scanner

DATA = Path(__file__).parent / "data"
LEAST_ALIKE = FacesQuery("least_alike")


def every_page(library, scope, limit, query=LEAST_ALIKE):
    faces, cursor, pages = [], None, 0
    while True:
        page = run(library.list_faces(scope, cursor, limit, query))
        faces.extend(page.items)
        pages += 1
        if (cursor := page.next_cursor) is None:
            return faces, pages


@pytest.fixture
def whitson(tmp_path):
    """A library whose one person holds six faces of Peggy Whitson (two photos and copies
    of them, mirrored, cut, darker) and, filed wrongly among them, Reid Wiseman's."""
    folder = tmp_path / "Pictures"
    folder.mkdir()
    portrait = Image.open(DATA / "whitson_portrait.jpg")
    for name in ("whitson_portrait.jpg", "whitson_iss.jpg", "wiseman_portrait.jpg"):
        (folder / name).write_bytes((DATA / name).read_bytes())
    portrait.transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(folder / "whitson_mirrored.jpg", quality=90)
    portrait.crop((60, 60, portrait.width - 60, portrait.height - 100)).save(folder / "whitson_cut.jpg", quality=90)
    ImageEnhance.Brightness(portrait).enhance(0.6).save(folder / "whitson_darker.jpg", quality=90)
    Image.open(DATA / "whitson_iss.jpg").transpose(Image.Transpose.FLIP_LEFT_RIGHT).save(
        folder / "whitson_iss_mirrored.jpg", quality=90)
    library = LocalLibrary(tmp_path / "library")
    run(Scanner(library).run([folder]))
    faces = run(library.list_faces(None)).items
    assert len(faces) == 7 and len(run(library.face_vectors()).face_ids) == 7
    person = run(library.create_person("Peggy Whitson"))
    run(library.assign_faces([(f.id, person.id) for f in faces]))
    yield library, person.id, {Path(f.image.uri).name: f.id for f in faces}
    library.close_now()


def test_a_face_filed_to_the_wrong_person_comes_first_over_two_pages(whitson):
    library, person, by_photo = whitson
    listed, pages = every_page(library, person, 4)
    assert pages == 2
    assert listed[0].id == by_photo["wiseman_portrait.jpg"]  # the planted wrong face, on the first row
    assert sorted(f.id for f in listed) == sorted(by_photo.values())  # each face once across the pages
    assert listed == list(run(library.list_faces(person, None, 100, LEAST_ALIKE)).items)  # the pages hold


def test_a_face_without_an_embedding_comes_last(whitson):
    library, person, by_photo = whitson
    db = sqlite3.connect(library.path)
    with db:  # as a face an older build found, not learnt yet
        db.execute("DELETE FROM embeddings WHERE face_id = ?", (int(by_photo["whitson_portrait.jpg"]),))
    db.close()
    listed, _ = every_page(library, person, 3)
    assert listed[0].id == by_photo["wiseman_portrait.jpg"] and listed[-1].id == by_photo["whitson_portrait.jpg"]
    assert len(listed) == 7


def plant(library, person_id: str) -> tuple[list[str], str]:
    """Embeddings for the person's demo faces: alike, but for one."""
    db = sqlite3.connect(library.path)
    faces = [str(row[0]) for row in db.execute("SELECT id FROM faces WHERE person_id = ? AND deleted = 0 ORDER BY id",
                                               (int(person_id),))]
    rng = np.random.default_rng(7)
    middle = rng.normal(0, 0.1, 128)
    vectors = {f: middle + rng.normal(0, 0.02, 128) for f in faces}
    odd = faces[len(faces) // 2]
    vectors[odd] = rng.normal(0, 0.1, 128)
    with db:
        db.executemany("INSERT INTO embeddings (face_id, model, vector) VALUES (?, ?, ?)",
                       [(int(f), current_model(), v.astype("<f4").tobytes()) for f, v in vectors.items()])
    db.close()
    return faces, odd


def test_a_filter_shows_the_least_alike_order_of_all_the_persons_faces(library):
    faces, odd = plant(library, "1")
    whole, _ = every_page(library, "1", 1000)
    assert whole[0].id == odd and len(whole) == len(faces)
    for show in ("doubtful", "confident", "small"):
        query = FacesQuery("least_alike", show)
        shown, _ = every_page(library, "1", 2, query)
        assert shown == [f for f in whole if query.shows(f)], show


def test_on_unassigned_the_faces_are_listed_as_found(library):
    assert every_page(library, None, 5)[0] == every_page(library, None, 5, FacesQuery())[0]


def test_a_cursor_that_is_no_position_is_refused(library):
    with pytest.raises(InvalidInput):
        run(library.list_faces("1", "[3, 4]", 10, LEAST_ALIKE))


def test_least_alike_first_is_chosen_in_the_faces_pane(qtbot, app_window):
    window = app_window
    library = window.session.curator.backend
    _, odd = plant(library, "2")
    select_person(qtbot, window, "2")
    order = window.faces_pane.order
    assert "Least alike first" in [order.itemText(i) for i in range(order.count())]
    order.setCurrentText("Least alike first")
    qtbot.waitUntil(lambda: not window.session.faces.loading)
    assert window.session.faces.face_at(0).id == odd
