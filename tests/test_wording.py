"""Counts read the same everywhere, from one helper: "1 face", "3 faces", in the
window's dialogs and on the command line; a dialog's title is not elided."""

from ui_helpers import select_faces, select_person, settle

from faceboard.app import main
from faceboard.ui import dialogs


def test_the_command_line_counts_one_face_and_one_thumbnail_in_the_singular(library_folder, tmp_path, capsys):
    from PIL import Image

    lib = ["--library", str(library_folder)]
    assert main([*lib, "faces", "--unassigned"]) == 0
    face = capsys.readouterr().out.split("\t")[0]
    assert main([*lib, "assign", face, "--to", "1"]) == 0
    assert capsys.readouterr().out.strip() == "1 face assigned."
    picture = tmp_path / "me.png"
    Image.new("RGB", (240, 320), (90, 90, 200)).save(picture)
    assert main([*lib, "add-thumbnail", "1", str(picture)]) == 0
    assert "Added 1 thumbnail to" in capsys.readouterr().out
    assert main([*lib, "people"]) == 0
    listed = capsys.readouterr().out
    assert "(s)" not in listed and "\t1 faces" not in listed


def test_the_window_asks_for_this_face_or_these_three_and_merges_the_one_face(qtbot, app_window, monkeypatch):
    window = app_window
    asked, confirmed = [], []
    monkeypatch.setattr(dialogs, "ask_name", lambda _parent, _title, label, *rest: asked.append(label) or "Solo")
    select_person(qtbot, window, None)
    select_faces(window, [0, 1, 2])
    window.actions.new_person.trigger()
    settle(qtbot, window)
    select_person(qtbot, window, None)
    select_faces(window, [0])
    window.actions.new_person.trigger()
    settle(qtbot, window)
    assert asked == ["Name of the person in these 3 faces:", "Name of the person in this face:"]
    solo = window.session.store.selected_person
    assert solo.name == "Solo" and solo.face_count == 1
    target = window.session.store.people["2"]
    monkeypatch.setattr(dialogs, "choose_person", lambda *args, **kwargs: target)
    monkeypatch.setattr(dialogs, "confirm_people", lambda _parent, _title, question, *shown: confirmed.append(question)
                        or False)
    window.actions.merge.trigger()
    assert confirmed and confirmed[0].startswith(f"Move the 1 face of Solo to {target.name}")


def test_the_rename_dialog_is_wide_enough_for_its_title(qtbot, app_window):
    dialog = dialogs.name_dialog(app_window, "Rename person", "New name:", "Amara Okafor")
    qtbot.addWidget(dialog)
    dialog.show()
    title = dialog.fontMetrics().horizontalAdvance("Rename person")
    assert dialog.width() >= title + 120  # the title, and a title bar's close and maximise buttons beside it
