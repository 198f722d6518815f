"""A face's quality as a primary thumbnail, measured on real photos (tests/data) as the
face is found, drawn or learnt: sharpness, how frontal, how bright; and kept by the
library with the face."""

from pathlib import Path

import pytest
from conftest import run
from PIL import Image, ImageEnhance, ImageFilter

from faceboard.backends.base import FaceQuality
from faceboard.backends.local import LocalLibrary
from faceboard.recognition import analyse_photo, embed_box
from faceboard.services.scanning import Scanner

DATA = Path(__file__).parent / "data"


def quality_of(path: Path):
    (face,) = analyse_photo(str(path)).faces
    return face.quality


@pytest.fixture(scope="module")
def portrait():
    return quality_of(DATA / "whitson_portrait.jpg")


def test_a_blurred_copy_is_far_less_sharp_and_as_frontal_and_bright(portrait, tmp_path):
    blurred = tmp_path / "blurred.jpg"
    Image.open(DATA / "whitson_portrait.jpg").filter(ImageFilter.GaussianBlur(2)).save(blurred, quality=90)
    copy = quality_of(blurred)
    assert copy.sharpness < portrait.sharpness / 4
    assert abs(copy.brightness - portrait.brightness) < 0.03 and copy.frontal > 0.7


def test_a_darker_copy_is_less_bright(portrait, tmp_path):
    darker = tmp_path / "darker.jpg"
    ImageEnhance.Brightness(Image.open(DATA / "whitson_portrait.jpg")).enhance(0.4).save(darker, quality=90)
    assert quality_of(darker).brightness < portrait.brightness * 0.5


def test_a_portrait_is_frontal_and_a_face_turned_away_is_not():
    frontal = [quality_of(DATA / f"{who}_portrait.jpg").frontal for who in ("whitson", "rubins", "wiseman")]
    assert min(frontal) > 0.75
    turned = quality_of(DATA / "rubins_iss.jpg").frontal  # in profile
    three_quarters = quality_of(DATA / "photographer.jpg").frontal  # looking into his camera, turned
    assert turned < 0.3 and three_quarters < 0.5


def test_a_drawn_box_is_measured_like_the_face_found(portrait):
    found = analyse_photo(str(DATA / "whitson_portrait.jpg")).faces[0]
    drawn = embed_box(str(DATA / "whitson_portrait.jpg"), found.box).quality
    assert drawn == portrait  # the same box: the same pixels measured


def test_the_library_keeps_each_found_faces_quality(tmp_path):
    folder = tmp_path / "Pictures"
    folder.mkdir()
    (folder / "collins.jpg").write_bytes((DATA / "collins.jpg").read_bytes())
    library = LocalLibrary(tmp_path / "library")
    try:
        run(Scanner(library).run([folder]))
        (face,) = run(library.list_faces(None)).items
        measured = quality_of(DATA / "collins.jpg")
        assert run(library.face_qualities([face.id])) == {face.id: FaceQuality(
            min(face.box.width, face.box.height), measured.sharpness, measured.frontal, measured.brightness)}
    finally:
        library.close_now()
