"""The Review view's queue without Qt: faces grouped by their best suggested person, the
likeliest first, the most certain group first; a decision shown at once."""

from faceboard.domain import Suggestion
from faceboard.ui.review_queue import ReviewQueue


def offered(*pairs) -> tuple[Suggestion, ...]:
    return tuple(Suggestion(person, person.title(), similarity) for person, similarity in pairs)


SUGGESTIONS = {
    "f1": offered(("ann", 0.91), ("bob", 0.40)),
    "f2": offered(("ann", 0.97)),
    "f3": offered(("bob", 0.99), ("ann", 0.35)),
    "f4": offered(("cy", 0.60)),
    "f5": (Suggestion("dee", "Dee"),),  # a backend's guess without a figure: not reviewed by figure
}


def test_groups_hold_the_likeliest_first_and_the_most_certain_group_leads():
    queue = ReviewQueue(SUGGESTIONS)
    assert queue.order == ["bob", "ann", "cy"] and queue.groups["ann"] == ["f2", "f1"]
    assert queue.waiting == 4 and queue.person_of("f5") is None
    assert queue.at_or_above("f1") == ["f2", "f1"] and queue.at_or_above("f2") == ["f2"]


def test_a_rejected_face_goes_to_its_next_suggestion_or_leaves_and_the_events_say_where():
    queue = ReviewQueue(SUGGESTIONS)
    heard = []
    queue.listen(lambda kind, row, person: heard.append((kind, row, person)))
    queue.reject("f3")  # not Bob: Ann's, less alike than her other two
    assert queue.groups["ann"] == ["f2", "f1", "f3"] and queue.groups["bob"] == []  # done, still listed
    assert queue.order == ["bob", "ann", "cy"] and queue.groups_waiting() == 2
    assert sorted(heard) == [("changed", 0, "bob"), ("changed", 1, "ann")]
    queue.reject("f4")
    assert queue.person_of("f4") is None and queue.waiting == 3
    assert queue.next_waiting(2) == 1 and queue.next_waiting(0) == 1
    queue.take(["f1", "f2", "f3"])
    assert queue.next_waiting(0) is None and queue.groups_waiting() == 0


def test_the_likeness_word_refiles_faces_and_a_new_group_takes_its_place_by_certainty():
    queue = ReviewQueue(SUGGESTIONS)
    queue.take(["f2"])
    assert queue.groups["ann"] == ["f1"] and queue.waiting == 3
    queue.refile({"f2": offered(("ann", 0.97)), "f1": (), "f6": offered(("eve", 0.95))})  # undone; assigned; new
    assert queue.groups["ann"] == ["f2"] and queue.order == ["bob", "ann", "eve", "cy"]
    assert [queue.row_of(p) for p in queue.order] == [0, 1, 2, 3] and queue.row_of("zed") is None
    queue.refile({"f6": ()})
    assert queue.groups["eve"] == [] and queue.order == ["bob", "ann", "eve", "cy"]


def test_accept_all_above_takes_every_face_that_reads_the_figure_shown():
    """"Accept all ≥ 99 %" on a face of 99.9 % takes the faces of 99.4 % too: they read 99 %."""
    queue = ReviewQueue({"f1": offered(("ann", 0.999)), "f2": offered(("ann", 0.994)), "f3": offered(("ann", 0.97))})
    assert queue.at_or_above("f1") == ["f1", "f2"]
    assert queue.at_or_above("f3") == ["f1", "f2", "f3"]


def test_a_new_group_after_a_group_is_done_is_placed_among_those_left_and_the_counts_hold():
    """A group done (empty) stays listed: a face filed to a new person afterwards (the
    likeness's word while faces are being learnt) is placed by the groups with faces left."""
    queue = ReviewQueue({"f1": offered(("ann", 0.99)), "f2": offered(("bob", 0.90)), "f3": offered(("bob", 0.80))})
    queue.take(["f1"])  # ann's group done, still listed
    queue.refile({"f2": offered(("cy", 0.95))})
    assert queue.order == ["ann", "cy", "bob"] and queue.groups["cy"] == ["f2"] and queue.groups["bob"] == ["f3"]
    assert queue.waiting == sum(len(faces) for faces in queue.groups.values()) == 2
    assert queue.groups_waiting() == sum(1 for faces in queue.groups.values() if faces) == 2
