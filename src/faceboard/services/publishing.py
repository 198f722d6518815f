"""Publishing a curated person to another backend, and the links that say who is who.

A person curated on one connection (the source) is linked to a person on another (the
target): chosen by the user, or found by a shared id or by exact name, and remembered
in `links.json` in the user data folder. Publishing gathers what the person is (primary,
thumbnails, face crops) into a `Publication`; the target takes what it can keep, through
its own `Outbox`, so the change is journaled like any other. `plan` says beforehand
what will change; `run` does it and says, step by step, what did.

Before a person goes out, each picture cut from a face is checked against the rest of the
person's faces (`check_faces`, on a source that compares faces): one that does not look
like them (a wrong face about to become a CRM image or enter an FR gallery) is flagged,
and left out of the plan unless the operator keeps it. A picture from no known face (an
uploaded image) is said to be unchecked.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from platformdirs import user_data_path

from faceboard import APP
from faceboard.backends.base import publish_target
from faceboard.domain import Capability, PeopleQuery, Person, Progress, Publication, Thumbnail
from faceboard.errors import Conflict, InvalidInput, NotFound
from faceboard.imaging import picture_size, to_jpeg, wide_face
from faceboard.recognition.similarity import Calibration, apartness, centroid
from faceboard.services import json_files
from faceboard.services.curator import Curator
from faceboard.services.images import digest
from faceboard.services.operations import Change, Publish, describe
from faceboard.services.outbox import WINDOW, Outbox

if TYPE_CHECKING:
    from faceboard.services.likeness import Likeness

MAX_FACES = 12  # face crops sent along: the clearest few are what recognition needs
FACE_SIDE = 512
WIDE_SIDE = 256  # a face crop smaller than this is also cut wider: Media Intelligence takes no smaller


NOTHING_NEW = "nothing new: what there is was published there before"
LOOKS_LIKE = 0.5  # a picture less like the rest of the person's faces than this is flagged (0.5: as likely not)


def _without(publication: Publication, sent: set[str]) -> Publication:
    """The publication less the images already sent."""
    def new(images):
        return tuple(image for image in images if digest(image) not in sent)

    primary = publication.primary if publication.primary is not None and digest(publication.primary) not in sent \
        else None
    return replace(publication, primary=primary, thumbnails=new(publication.thumbnails), faces=new(publication.faces))


class Links:
    """source connection + person id → target connection + person id, in a JSON file."""

    def __init__(self, path: Path | None = None):
        self.path = path or user_data_path(APP, APP) / "links.json"

    def _read(self) -> list[dict]:
        return [link for link in json_files.read_list(self.path, "links") if isinstance(link, dict)]

    def _split(self, source: str, person_id: str, target: str) -> tuple[dict, list[dict]]:
        """The link of this person to that connection ({} if none), and all the others."""
        mine, others = {}, []
        for link in self._read():
            if (link.get("source"), link.get("source_id"), link.get("target")) == (source, person_id, target):
                mine = link
            else:
                others.append(link)
        return mine, others

    def target_of(self, source: str, person_id: str, target: str) -> str | None:
        return self._split(source, person_id, target)[0].get("target_id")

    def published(self, source: str, person_id: str, target: str, target_id: str) -> set[str]:
        """Digests of the images already delivered to that target person."""
        link = self._split(source, person_id, target)[0]
        return set(link.get("published") or []) if link.get("target_id") == target_id else set()

    def link(self, source: str, person_id: str, target: str, target_id: str, published=()) -> None:
        """Link the two people; `published`: digests of images the target person now holds."""
        mine, kept = self._split(source, person_id, target)
        sent = set(mine.get("published") or []) if mine.get("target_id") == target_id else set()
        kept.append({"source": source, "source_id": person_id, "target": target, "target_id": target_id,
                     "published": sorted(sent | set(published))})
        json_files.write(self.path, {"links": kept})


@dataclass(frozen=True)
class Plan:
    """What publishing one person will do, shown before it is done."""

    person: Person
    publication: Publication
    target: Person | None  # None: the target makes a new person
    found_by: str  # "linked", "chosen", "same id", "same name" or "new"
    steps: tuple[str, ...]
    refusal: str | None = None  # why it cannot be published as planned
    skipped: tuple[tuple[str, str], ...] = ()  # pictures of the person that could not be read, and why
    flagged: tuple[Flag, ...] = ()  # pictures unlike the person's faces: left out unless kept
    unchecked: tuple[str, ...] = ()  # what of the pictures has no known face to check (uploaded images)


@dataclass(frozen=True)
class Flag:
    """A picture that does not look like the rest of the person's faces."""

    digest: str
    what: str  # "face 12", "the primary thumbnail"
    similarity: float  # to the rest of the person's faces, as `recognition.similarity` says it
    kept: bool  # the operator keeps it: it is sent all the same


@dataclass(frozen=True)
class Gathered:
    """A person as published: read and encoded once, whichever connection it goes to."""

    person: Person
    publication: Publication
    skipped: tuple[tuple[str, str], ...]  # pictures that could not be read, and why (the rest still go)
    pictures: dict[str, tuple[str, int, int]] = field(default_factory=dict)  # digest -> (what, width, height)
    wider: dict[str, bytes] = field(default_factory=dict)  # digest of a small face crop -> a wider cut of it
    face_of: dict[str, str] = field(default_factory=dict)  # digest -> the face the picture was cut from
    likeness: dict[str, float | None] | None = None  # digest -> similarity to the person's faces; None: not checked


async def gather(source: Curator, person_id: str) -> Gathered:
    """The person's primary, other thumbnails and best faces, as JPEGs decoded and encoded
    on worker threads. Of a thumbnail cut from a face smaller than WIDE_SIDE, a wider
    cut from the face's photo is made too (as far as the photo allows), for a target
    that takes no smaller."""
    person = await source.person(person_id)
    backend = source.backend
    thumbnails = await backend.list_thumbnails(person.id)
    faces = []
    if source.can(Capability.LIST_FACES):
        faces = list((await source.faces_page(person.id, None, MAX_FACES)).items)[:MAX_FACES]
    skipped: list[tuple[str, str]] = []
    pictures: dict[str, tuple[str, int, int]] = {}
    wider: dict[str, bytes] = {}
    face_of: dict[str, str] = {}

    def measured(data: bytes, what: str, face_id: str | None) -> bytes:
        pictures[digest(data)] = (what, *picture_size(data))
        if face_id is not None:
            face_of[digest(data)] = face_id
        return data

    async def jpeg(ref, what: str, side: int = 2048, face_id: str | None = None) -> bytes | None:
        try:
            data = await backend.read_image(ref.uri)
            return await asyncio.to_thread(lambda: measured(to_jpeg(data, ref.box, side), what, face_id))
        except (InvalidInput, NotFound) as error:
            skipped.append((f"read {what}", error.message))
            return None

    async def thumbnail(t: Thumbnail, what: str) -> bytes | None:
        data = await jpeg(t.image, what, face_id=t.face_id)
        if data is None or min(pictures[digest(data)][1:]) >= WIDE_SIDE or t.face_id is None \
                or not source.can(Capability.LIST_FACES):
            return data
        try:
            (face,) = await backend.get_faces([t.face_id])
            photo = await backend.read_image(face.image.uri)
            wider[digest(data)] = await asyncio.to_thread(
                lambda: measured(wide_face(photo, face.image.box, WIDE_SIDE), what, face.id))
        except (InvalidInput, NotFound):  # the photo gives no more: the small one it is
            pass
        return data

    primary_thumbnail = next((t for t in thumbnails if t.is_primary), None)
    if primary_thumbnail is not None:
        primary = await thumbnail(primary_thumbnail, "the primary thumbnail")
    else:
        primary = await jpeg(person.primary_image, "the primary thumbnail") if person.primary_image else None
    crops = [c for f in faces if (c := await jpeg(f.image, f"face {f.id}", FACE_SIDE, f.id)) is not None]
    if not faces and source.can(Capability.FACES_ARE_THUMBNAILS) and primary is not None:
        crops = [primary]
    rest = [c for t in thumbnails if not t.is_primary and (c := await thumbnail(t, f"thumbnail {t.id}")) is not None]
    return Gathered(person, Publication(person.name, person.id, primary, tuple(rest), tuple(crops)), tuple(skipped),
                    pictures, wider, face_of)


def _alike_the_rest(vectors: dict[str, np.ndarray], rule: Calibration) -> tuple[dict[str, float], np.ndarray | None]:
    """Each of a person's faces' similarity to the rest of them, found the least alike
    first: a face found unlike is no longer part of "the rest", so one wrong face among
    three does not make a right one look unlike too. Also the middle of those alike (None
    for fewer than two faces: nothing to compare with)."""
    members, found = list(vectors), {}
    while len(members) >= 2:
        alike = rule.similarity(apartness(np.stack([vectors[m] for m in members])))
        worst = int(np.argmin(alike))
        if alike[worst] >= LOOKS_LIKE:
            found.update(zip(members, map(float, alike)))
            return found, centroid(np.stack([vectors[m] for m in members]))
        found[members.pop(worst)] = float(alike[worst])
    return found, None


def check_faces(gathered: Gathered, likeness: Likeness) -> Gathered:
    """Each picture's similarity to the person's faces (`recognition.similarity`): of one
    of their own faces, to the rest of them; of another face, to the middle of theirs.
    None for a picture from no face with an embedding (an uploaded image), or of a person
    with one face only: unchecked."""
    own = {f: v for f in likeness.typicality(gathered.person.id) if (v := likeness.vector(f)) is not None}
    alike, middle = _alike_the_rest(own, likeness.calibration)
    checked: dict[str, float | None] = {}
    for picture in gathered.pictures:
        face_id = gathered.face_of.get(picture)
        vector = likeness.vector(face_id) if face_id is not None else None
        if face_id in alike:
            checked[picture] = alike[face_id]
        elif vector is not None and middle is not None:
            checked[picture] = likeness.calibration.similarity(float(np.linalg.norm(vector - middle)))
        else:
            checked[picture] = None
    return replace(gathered, likeness=checked)


def _alike(gathered: Gathered, publication: Publication, kept: frozenset[str]
           ) -> tuple[Publication, tuple[Flag, ...], tuple[str, ...]]:
    """`publication` less the pictures flagged and not kept; the flags; what is unchecked."""
    checked = gathered.likeness
    if checked is None:
        return publication, (), ()
    images = [i for i in (publication.primary, *publication.thumbnails, *publication.faces) if i is not None]
    flags, unchecked = {}, []
    for image in images:
        picture = digest(image)
        similarity = checked.get(picture)
        if similarity is None:
            unchecked.append(gathered.pictures[picture][0])
        elif similarity < LOOKS_LIKE:
            flags[picture] = Flag(picture, gathered.pictures[picture][0], similarity, picture in kept)

    def sent(image: bytes | None) -> bool:
        flag = flags.get(digest(image)) if image is not None else None
        return image is not None and (flag is None or flag.kept)

    return (replace(publication, primary=publication.primary if sent(publication.primary) else None,
                    thumbnails=tuple(filter(sent, publication.thumbnails)), faces=tuple(filter(sent, publication.faces))),
            tuple(flags.values()), tuple(unchecked))


def _large_enough(gathered: Gathered, publication: Publication, least: int, target: str
                  ) -> tuple[Publication, tuple[tuple[str, str], ...]]:
    """The publication with each picture under `least` pixels a side replaced by its
    wider cut, or left out when there is none; and for each left out, why."""
    if not least:
        return publication, ()
    said = []

    def fitting(image: bytes) -> bytes | None:
        for candidate in (image, gathered.wider.get(digest(image))):
            if candidate is not None and min(gathered.pictures[digest(candidate)][1:]) >= least:
                return candidate
        what, width, height = gathered.pictures[digest(image)]
        said.append((f"send {what}", f"it is {width}×{height} pixels, {target} takes at least {least} a side, "
                                     f"and no photo gives a larger crop of it: add a larger picture of "
                                     f"{publication.name}, then publish again"))
        return None

    def fit(images: tuple[bytes, ...]) -> tuple[bytes, ...]:
        return tuple(c for image in images if (c := fitting(image)) is not None)

    primary = fitting(publication.primary) if publication.primary is not None else None
    return replace(publication, primary=primary, thumbnails=fit(publication.thumbnails),
                   faces=fit(publication.faces)), tuple(said)


class Publisher:
    """Publishes people of the connection `source_name` to the one `target` curates."""

    def __init__(self, source_name: str, target: Outbox, target_name: str, links: Links | None = None,
                 origin: str = WINDOW):
        self.source_name = source_name
        self.target, self.target_name = target.curator, target_name
        self.outbox, self.origin = target, origin  # the target's: a publication is journaled as any change
        self.links = links or Links()

    async def plan(self, gathered: Gathered, target_id: str | None = None, kept: frozenset[str] = frozenset()) -> Plan:
        """Find who receives the person, and say what will change. `kept`: digests of
        flagged pictures the operator keeps all the same."""
        backend = publish_target(self.target.backend)
        alike, flagged, unchecked = _alike(gathered, backend.keeps(gathered.publication), kept)
        publication, small = _large_enough(gathered, alike,
                                           backend.min_picture_side, backend.display_name)  # previewed, sent, journaled
        person, skipped = gathered.person, gathered.skipped + small
        target, found_by = await self._find(person, target_id)
        if target is not None:  # what the person there already holds is not sent again
            publication = _without(publication, self.links.published(self.source_name, person.id, self.target_name,
                                                                      target.id))
        refusal = None
        if not backend.takes(publication):
            steps = (NOTHING_NEW if target is not None else f"nothing {backend.display_name} keeps",)
        else:
            steps = backend.preview(target, publication)
        if target is None and not backend.creates_people:
            refusal = (f"{backend.display_name} has no person named {person.name}, and Faceboard cannot make one "
                       "there: link one first.")
        return Plan(person, publication, target, found_by, steps, refusal, skipped, flagged, unchecked)

    async def _find(self, person: Person, chosen: str | None) -> tuple[Person | None, str]:
        if chosen is not None:
            found = await self.target.backend.get_people([chosen])
            if not found:
                raise NotFound(f"{self.target.backend.display_name} has no person {chosen}.")
            return found[0], "chosen"
        linked = self.links.target_of(self.source_name, person.id, self.target_name)
        if linked is not None:
            found = await self.target.backend.get_people([linked])
            if found:
                return found[0], "linked"
        try:
            same_id = await self.target.backend.get_people([person.id])
        except InvalidInput:  # the target's ids look different: no shared id
            same_id = []
        if same_id and same_id[0].name.casefold() == person.name.casefold():
            return same_id[0], "same id"
        named = [p for p in (await self.target.backend.list_people(query=PeopleQuery(text=person.name))).items
                 if p.name.casefold() == person.name.casefold()]
        if len(named) > 1:
            raise Conflict(f"{len(named)} people are named {person.name} in {self.target.backend.display_name}: "
                           "choose one to link.")
        return (named[0], "same name") if named else (None, "new")

    async def run(self, plan: Plan, progress: Progress | None = None) -> Change:
        """Publish as planned (journaled by the target's curator); link the two people."""
        if plan.refusal:
            raise InvalidInput(plan.refusal)
        skipped = Change(steps=plan.skipped, failures=plan.skipped)
        if not publish_target(self.target.backend).takes(plan.publication):
            if plan.target is not None:
                self.links.link(self.source_name, plan.person.id, self.target_name, plan.target.id)
            return skipped.then(Change(steps=((plan.steps[0], None),)))
        publish = Publish(plan.target.id if plan.target else None, plan.publication)
        change = await self.outbox.submit(publish, describe(publish, {}), self.origin, progress)
        received = plan.target.id if plan.target else change.created_person_id
        if received is not None:
            self.links.link(self.source_name, plan.person.id, self.target_name, received, change.published)
        return skipped.then(change)


def failed(change: Change) -> list[tuple[str, str]]:
    """The steps of a publication that did not go through, with why."""
    return [(what, why) for what, why in change.steps if why is not None]
