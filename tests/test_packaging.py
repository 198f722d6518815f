"""What the desktop build relies on: the self-test, the version, and the desktop files."""

import configparser
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from PIL import Image

from faceboard import __version__

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"


def test_self_test_runs_the_window_and_exits_0(tmp_path):
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "faceboard", "--self-test"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "self-test passed on the offscreen platform" in result.stdout
    assert "its face found, embedded in a worker process and found again in the face index" in result.stdout
    assert "leaked" not in result.stderr  # voyager's binding (nanobind) lists indexes still alive at exit


def test_version_comes_from_the_package_metadata(capsys):
    import pytest

    from faceboard.app import main

    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"faceboard {__version__}"
    assert __version__ != "0+unknown"


def test_metainfo_and_desktop_entry_agree_with_the_package():
    component = ET.parse(RESOURCES / "io.github.faceboard.Faceboard.metainfo.xml").getroot()
    assert component.findtext("id") == "io.github.faceboard.Faceboard"
    assert component.find("releases/release").get("version") == __version__
    assert component.find("launchable").text == "io.github.faceboard.Faceboard.desktop"
    desktop = configparser.ConfigParser(interpolation=None)
    desktop.optionxform = str
    desktop.read(RESOURCES / "io.github.faceboard.Faceboard.desktop")
    entry = desktop["Desktop Entry"]
    assert entry["Exec"] == "faceboard" and entry["Icon"] == "io.github.faceboard.Faceboard"
    assert entry["Type"] == "Application" and entry["Categories"].endswith(";")


def test_icons_come_in_every_size_the_build_uses():
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        with Image.open(RESOURCES / "icons" / f"{size}x{size}.png") as icon:
            assert icon.size == (size, size) and icon.mode == "RGBA"
    with Image.open(RESOURCES / "faceboard.ico") as ico:
        assert (256, 256) in ico.info["sizes"]
    with Image.open(RESOURCES / "faceboard.icns") as icns:
        assert icns.size[0] >= 256
