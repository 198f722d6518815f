import hashlib
import json
import sqlite3

from faceboard.app import main
from faceboard.backends.local import demo


def _content(folder):
    db = sqlite3.connect(folder / "library.sqlite3")
    rows = {t: db.execute(f"SELECT * FROM {t} ORDER BY id").fetchall() for t in ("persons", "assets", "faces", "thumbnails")}
    files = {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
             for p in sorted((folder / "images").rglob("*")) if p.is_file()}
    return rows, files


def test_demo_has_real_work_in_it(demo_template, request):
    db = sqlite3.connect(demo_template / "library.sqlite3")
    request.addfinalizer(db.close)  # closed now, not when collected while another test copies the template
    assert db.execute("SELECT COUNT(*) FROM persons").fetchone()[0] >= 20
    assert db.execute("SELECT COUNT(*) FROM faces").fetchone()[0] >= 400
    assert db.execute("SELECT COUNT(*) FROM faces WHERE person_id IS NULL").fetchone()[0] > 10
    truth = json.loads(db.execute("SELECT value FROM meta WHERE key = 'demo_truth'").fetchone()[0])["faces"]
    wrong = [f for f, p in db.execute("SELECT id, person_id FROM faces WHERE person_id IS NOT NULL")
             if truth[str(f)] != p]
    assert len(wrong) > 10
    # every person appears in several photos; faces lie inside their photos
    assert db.execute("SELECT MIN(c) FROM (SELECT COUNT(*) c FROM faces GROUP BY person_id)").fetchone()[0] >= 5
    assert not db.execute("SELECT 1 FROM faces f JOIN assets a ON a.id = f.asset_id "
                          "WHERE f.x < 0 OR f.y < 0 OR f.x + f.w > a.width OR f.y + f.h > a.height").fetchall()
    # one primary per person with thumbnails, and some people left without any
    per_person = dict(db.execute("SELECT person_id, SUM(is_primary) FROM thumbnails GROUP BY person_id").fetchall())
    assert set(per_person.values()) == {1}
    assert len(per_person) < db.execute("SELECT COUNT(*) FROM persons").fetchone()[0]


def test_the_same_seed_gives_the_same_library(tmp_path):
    a = demo.generate(tmp_path / "a", people=6, photos=8)
    b = demo.generate(tmp_path / "b", people=6, photos=8)
    assert a == b
    assert _content(tmp_path / "a") == _content(tmp_path / "b")
    demo.generate(tmp_path / "c", seed=7, people=6, photos=8)
    assert _content(tmp_path / "a")[1] != _content(tmp_path / "c")[1]


def test_demo_command_creates_a_library_anywhere(tmp_path, capsys):
    assert main(["--demo", str(tmp_path / "anywhere")]) == 0
    assert "24 people" in capsys.readouterr().out
    assert main(["--demo", str(tmp_path / "anywhere")]) == 3
    assert "already holds a library" in capsys.readouterr().err
