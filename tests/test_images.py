import asyncio
import io

import pytest
from PIL import Image

from faceboard.domain import BoundingBox, ImageRef
from faceboard.errors import InvalidInput
from faceboard.imaging import decode_tile, prepare_upload
from faceboard.services.images import ImagePipeline


def jpeg(size, color=(10, 200, 30), exif=None) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, color)
    if exif is not None:
        image.save(out, "JPEG", exif=exif)
    else:
        image.save(out, "JPEG")
    return out.getvalue()


def test_face_tile_is_cropped_and_scaled_from_a_large_photo():
    photo = Image.new("RGB", (4000, 3000), (0, 0, 255))
    photo.paste((255, 0, 0), (2000, 1000, 2400, 1400))  # the "face"
    data = io.BytesIO()
    photo.save(data, "JPEG", quality=95)
    tile = decode_tile(data.getvalue(), BoundingBox(2000, 1000, 400, 400), 128)
    assert (tile.width, tile.height) == (128, 128)
    image = Image.frombytes("RGB", (128, 128), tile.rgb)
    r, g, b = image.getpixel((64, 64))
    assert r > 200 and b < 60  # the centre is the face, not the background


def test_exif_orientation_is_applied():
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise on display
    tile = decode_tile(jpeg((400, 200), exif=exif), None, 100)
    assert (tile.width, tile.height) == (50, 100)


def test_corrupt_and_huge_images_are_refused():
    with pytest.raises(InvalidInput):
        decode_tile(b"GIF89a nonsense", None, 64)
    huge = io.BytesIO()
    Image.new("1", (20000, 20000)).save(huge, "PNG")  # small file, 400 megapixels
    with pytest.raises(InvalidInput, match="too large"):
        decode_tile(huge.getvalue(), None, 64)


def test_prepare_upload_names_the_bad_file(tmp_path):
    good = tmp_path / "good.jpg"
    good.write_bytes(jpeg((3000, 2000)))
    data = prepare_upload(good)
    assert max(Image.open(io.BytesIO(data)).size) == 2048
    truncated = tmp_path / "truncated.jpg"
    truncated.write_bytes(jpeg((800, 600), color=(1, 2, 3))[:2000])
    with pytest.raises(InvalidInput, match="truncated.jpg"):
        prepare_upload(truncated)
    text = tmp_path / "notes.jpg"
    text.write_text("hello")
    with pytest.raises(InvalidInput, match="notes.jpg"):
        prepare_upload(text)
    with pytest.raises(InvalidInput, match="missing.png"):
        prepare_upload(tmp_path / "missing.png")
    bomb = tmp_path / "bomb.png"
    Image.new("1", (20000, 20000)).save(bomb)
    with pytest.raises(InvalidInput, match="bomb.png.*too large"):
        prepare_upload(bomb)


def test_pipeline_serves_newest_first_and_caches_on_disk(tmp_path):
    served = []
    images = {f"img{i}": jpeg((300, 300), color=(i * 40, 0, 0)) for i in range(4)}

    async def read(uri):
        served.append(uri)
        await asyncio.sleep(0.01)
        return images[uri]

    async def scenario():
        pipeline = ImagePipeline(read, tmp_path / "cache", workers=1, fetches=1)
        tasks = [pipeline.request(ImageRef(u, u), 64) for u in images]
        await asyncio.gather(*tasks)
        first_order = list(served)
        served.clear()
        tile = await pipeline.request(ImageRef("img2", "img2"), 64)
        await pipeline.aclose()
        return first_order, tile

    order, tile = asyncio.run(scenario())
    assert order == ["img0", "img3", "img2", "img1"]  # the first starts at once, then newest first
    assert served == []  # from the disk cache
    assert (tile.width, tile.height) == (64, 64)


def test_the_disk_cache_keeps_to_its_size_dropping_the_least_recently_used(tmp_path):
    import os

    images = {f"img{i}": jpeg((300, 300), color=(i * 20, 0, 0)) for i in range(12)}

    async def read(uri):
        return images[uri]

    async def scenario():
        pipeline = ImagePipeline(read, tmp_path / "cache", workers=1, cache_bytes=10**9)
        for i, uri in enumerate(images):
            await pipeline.request(ImageRef(uri, uri), 64)
        files = sorted((tmp_path / "cache").glob("*/*.png"))
        one = files[0].stat().st_size
        for n, path in enumerate(files):  # make the ages distinct and known
            os.utime(path, (1000 + n, 1000 + n))
        newest = files[-1]
        pipeline._cache_bytes = one * 5
        dropped = pipeline.prune_cache()
        await pipeline.aclose()
        return dropped, files, newest

    dropped, files, newest = asyncio.run(scenario())
    left = sorted((tmp_path / "cache").glob("*/*.png"))
    assert dropped == 7 and len(left) == 5 and newest in left and files[0] not in left
