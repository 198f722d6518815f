"""Render resources/faceboard.svg to the PNG sizes desktops use, and to the Windows
.ico and macOS .icns the build embeds. Run after changing the SVG:

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/make_icons.py
"""

import io
from pathlib import Path

from PIL import Image
from PySide6.QtCore import QBuffer, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(renderer: QSvgRenderer, size: int) -> Image.Image:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return Image.open(io.BytesIO(bytes(buffer.data())))


def main() -> None:
    app = QGuiApplication([])  # noqa: F841 - QPainter needs one
    renderer = QSvgRenderer(str(RESOURCES / "faceboard.svg"))
    images = {size: render(renderer, size) for size in SIZES}
    folder = RESOURCES / "icons"
    folder.mkdir(exist_ok=True)
    for size, image in images.items():
        image.save(folder / f"{size}x{size}.png")
    images[256].save(RESOURCES / "faceboard.ico", sizes=[(s, s) for s in (16, 24, 32, 48, 64, 128, 256)])
    images[512].save(RESOURCES / "faceboard.icns")
    print(f"wrote {len(SIZES)} PNG sizes, faceboard.ico and faceboard.icns in {RESOURCES}")


if __name__ == "__main__":
    main()
