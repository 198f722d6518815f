"""One photo's faces: decode it small for the detector, embed each face from pixels
fine enough for the embedder (the photo is decoded larger only when a face needs it).

Runs in the scanner's worker processes: `analyse_photo` is a top-level function of a
path, its models loaded once a process (`warm_up`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from faceboard import imaging
from faceboard.domain import BoundingBox
from faceboard.recognition import quality
from faceboard.recognition.detection import Detection, Detector, detector
from faceboard.recognition.embedding import DlibResNetEmbedder, Embedded, Embedder, embedder
from faceboard.recognition.quality import Quality

EMBEDDING_SIZE = DlibResNetEmbedder.size
EMBED_MARGIN = 0.5  # of the face's longer side, around it in the crop the embedder aligns the face in
SURE = 0.85  # a detection less confident than this is looked at again, closer, before it counts
LOOK_AGAIN_SIDE = 96  # pixels the face is given in that second look (more of it where the photo has them)


@dataclass(frozen=True)
class FoundFace:
    box: BoundingBox  # in the upright photo's pixels
    confidence: float  # the detector's, 0..1 (1.0 for a box the user drew)
    embedding: bytes = field(repr=False)  # little-endian float32 × EMBEDDING_SIZE: `vector(embedding)`
    quality: Quality  # as a primary thumbnail, measured on the face the embedder saw


@dataclass(frozen=True)
class PhotoAnalysis:
    width: int  # upright
    height: int
    faces: tuple[FoundFace, ...]
    taken: str | None  # ISO 8601 from EXIF DateTimeOriginal
    detector: str  # model name and version
    embedder: str


def vector(embedding: bytes) -> np.ndarray:
    """An embedding as the float32 vector it was stored from."""
    return np.frombuffer(embedding, dtype="<f4")


def warm_up() -> None:
    """Load the models now (once a process) rather than with the first photo."""
    detector()
    embedder()


def analyse_photo(path: str) -> PhotoAnalysis:
    """Every face in the photo at `path`, with its box, confidence and embedding. Raises
    InvalidInput with a one-line reason for a file that is no picture, truncated,
    enormous or unreadable."""
    photo = imaging.read_photo(Path(path))
    find, embed = detector(), embedder()
    seen = imaging.decode_photo(photo, find.max_side)
    found = [(box, face) for face in find.detect(np.asarray(seen.image))
             if (box := _photo_box(face, seen.scale, photo)) is not None]
    source = seen
    if found and (side := _side_needed(photo, min(max(box.width, box.height) for box, _ in found), embed)) > \
            max(seen.image.size):
        source = imaging.decode_photo(photo, side, exact=False)  # a face too small in `seen` for the embedder
    found = [(box, face) for box, face in found if face.confidence >= SURE or _seen_again(find, source, box)]
    faces = tuple(_found(box, round(face.confidence, 4), embed, source, face.turn) for box, face in found)
    return PhotoAnalysis(photo.width, photo.height, faces, photo.taken, find.name, embed.name)


def embed_box(path: str, box: BoundingBox) -> FoundFace:
    """The face in a box on the photo at `path`: one the user drew (confidence 1.0), or
    one found by an older build, embedded again. Raises InvalidInput for a bad file, or a
    box that is empty or off the photo."""
    photo = imaging.read_photo(Path(path))
    imaging.face_area(box, photo.width, photo.height, photo.name)  # refuses an empty box or one off the photo
    embed = embedder()
    source = imaging.decode_photo(photo, _side_needed(photo, max(box.width, box.height), embed), exact=False)
    return _found(box, 1.0, embed, source)


def _seen_again(find: Detector, source: imaging.Decoded, box: BoundingBox) -> bool:
    """Whether the detector finds the face in `box` again on a crop around it alone, with
    the face at LOOK_AGAIN_SIDE or the pixels `source` has: small unsure detections in a
    large photo are mostly hardware, hands and hair, which this second look rejects."""
    scale = source.scale
    side = max(box.width, box.height) * scale
    centre_x, centre_y = (box.x + box.width / 2) * scale, (box.y + box.height / 2) * scale
    crop = np.asarray(imaging.cut(source, (centre_x - 1.5 * side, centre_y - 1.5 * side, centre_x + 1.5 * side,
                                           centre_y + 1.5 * side), min(1.0, LOOK_AGAIN_SIDE / side)))
    middle_x, middle_y = crop.shape[1] / 2, crop.shape[0] / 2
    return any(face.left < middle_x < face.left + face.width and face.top < middle_y < face.top + face.height
               for face in find.detect(crop))


def _photo_box(found: Detection, scale: float, photo: imaging.PhotoFile) -> BoundingBox | None:
    """A detection in the photo's upright pixels, cut to the photo; None when nothing is left."""
    left, top = max(0, round(found.left / scale)), max(0, round(found.top / scale))
    right = min(photo.width, round((found.left + found.width) / scale))
    bottom = min(photo.height, round((found.top + found.height) / scale))
    return BoundingBox(left, top, right - left, bottom - top) if right > left and bottom > top else None


def _side_needed(photo: imaging.PhotoFile, face_side: int, embed: Embedder) -> int:
    """The size to decode the photo at so that a face `face_side` px wide gets the
    pixels the embedder needs (the full size at most)."""
    full = max(photo.width, photo.height)
    return min(full, math.ceil(full * embed.face_side / max(face_side, 1)))


def _found(box: BoundingBox, confidence: float, embed: Embedder, source: imaging.Decoded, turn: int = 0) -> FoundFace:
    embedded = _embedded(embed, source, box, turn)
    return FoundFace(box, confidence, embedded.vector.astype("<f4").tobytes(), quality.measure(embedded, embed.padding))


def _embedded(embed: Embedder, source: imaging.Decoded, box: BoundingBox, turn: int = 0) -> Embedded:
    """The face in `box` (photo pixels) embedded from a crop of `source` around it, with
    EMBED_MARGIN of room to align it, at no more pixels than the embedder uses, turned
    `turn` quarters counter-clockwise to stand upright."""
    scale = source.scale
    side = max(box.width, box.height) * scale
    margin = side * EMBED_MARGIN
    left, top = box.x * scale - margin, box.y * scale - margin
    shrink = min(1.0, embed.face_side / side)
    crop = imaging.cut(source, (left, top, left + box.width * scale + 2 * margin, top + box.height * scale + 2 * margin),
                       shrink)
    width, height = box.width * scale * shrink, box.height * scale * shrink
    face = (margin * shrink, margin * shrink) + ((height, width) if turn % 2 else (width, height))
    return embed.embed(np.rot90(np.asarray(crop), turn), face)
