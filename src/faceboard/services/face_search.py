"""Finding a face of one connection in the media of another (NAVER Media Intelligence):
the face, with enough of its photo around it for the service's smallest query picture,
is cut on a worker thread and handed to the media backend's search."""

from __future__ import annotations

import asyncio

from faceboard.backends.base import Backend
from faceboard.backends.ncp_mi import MIN_QUERY_SIDE, MediaHit
from faceboard.domain import Capability, Face
from faceboard.errors import Unsupported
from faceboard.imaging import query_picture


async def find_face_in_media(source: Backend, face: Face, media: Backend) -> list[MediaHit]:
    if Capability.FIND_IN_MEDIA not in media.capabilities:
        raise Unsupported(f"{media.display_name} cannot search its media for a face.")
    data = await source.read_image(face.image.uri)
    picture = await asyncio.to_thread(query_picture, data, face.image.box, MIN_QUERY_SIDE)
    return await media.find_in_media(picture)
