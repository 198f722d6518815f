"""Finding a face of one connection in the media of another (a `MediaSearch`, such as
NAVER Media Intelligence): the face, with enough of its photo around it for the
service's smallest query picture, is cut on a worker thread and handed to its search."""

from __future__ import annotations

import asyncio

from faceboard.backends.base import Backend, media_search
from faceboard.domain import Face, MediaHit
from faceboard.imaging import wide_face


async def find_face_in_media(source: Backend, face: Face, media: Backend) -> list[MediaHit]:
    search = media_search(media)
    data = await source.read_image(face.image.uri)
    picture = await asyncio.to_thread(wide_face, data, face.image.box, search.min_query_side)
    return await search.find_in_media(picture)
