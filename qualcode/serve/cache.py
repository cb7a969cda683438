"""What the review server works out once per state of the store rather than once per page: the
queue (every segment with suggestions, in review order, and which of them are still undecided;
each reviewer's next segment and count come from it) and the parts of the work.

Kept per connection (the server keeps one per thread). Read again in full whenever another
connection has committed (a retrained model, an ingest, a lead's page in another thread) or this
one wrote something the server did not account for; after a form post, only the segment it acted
on is read again (:func:`after`): a post's writes stay on its segment (an undo's, on the segment
of the action it takes back). Nothing stale is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

T = TypeVar("T")
_MEMO: WeakKeyDictionary[Any, dict[str, tuple[Any, Any]]] = WeakKeyDictionary()


def memo(store: Any, name: str, key: Any, compute: Callable[[], T]) -> T:
    slot = _MEMO.setdefault(store, {})
    kept = slot.get(name)
    if kept is not None and kept[0] == key:
        return kept[1]  # type: ignore[no-any-return]
    value = compute()
    slot[name] = (key, value)
    return value


def by_others(proj: Any, name: str, compute: Callable[[], T]) -> T:
    """``compute()`` again only after another connection committed: for what the server itself
    never writes (documents and participants' attributes: 'qualcode ingest' does)."""
    store = proj.store
    return memo(store, name, store.versions()[0], compute)


@dataclass
class Queue:
    others: int  # the store's version from other connections when read
    changes: int  # this connection's changes when last in step
    order: list[tuple[str, int]] = field(default_factory=list)  # (segment, document)
    undecided: set[str] = field(default_factory=set)


_QUEUES: WeakKeyDictionary[Any, Queue] = WeakKeyDictionary()


def queue(proj: Any) -> Queue:
    """The queue as the store holds it now."""
    store = proj.store
    others, changes = store.versions()
    kept = _QUEUES.get(store)
    if kept is None or kept.others != others or kept.changes != changes:
        order, undecided = store.queue_state()
        kept = _QUEUES[store] = Queue(others, changes, order, undecided)
    return kept


def after(proj: Any, before: tuple[int, int], *segments: str | None) -> None:
    """A form post on ``segments`` has been stored (``before``: the store's versions when it
    began): read those segments' state again and take the rest of the queue as it was, unless
    anything else changed the store meanwhile (then it is read again in full when next used)."""
    store = proj.store
    kept = _QUEUES.get(store)
    if kept is None:
        return
    others, changes = store.versions()
    if (kept.others, kept.changes) == (others, changes):
        return  # nothing written, or already accounted for
    if (kept.others, kept.changes) != before or others != before[0]:
        del _QUEUES[store]
        return
    for segment in filter(None, segments):
        if store.undecided_on(segment):
            kept.undecided.add(segment)
        else:
            kept.undecided.discard(segment)
    kept.changes = changes


def waiting_for(proj: Any, who: str) -> int:
    """Segments with undecided suggestions this reviewer has not finished."""
    return len(queue(proj).undecided - proj.store.reviewed_by(who))


def first_for(
    proj: Any, who: str, skip: frozenset[str], documents: frozenset[int] | None
) -> str | None:
    """The first segment in document order with undecided suggestions this reviewer has not
    finished, outside ``skip`` and (given ``documents``) in those documents; None when none."""
    state = queue(proj)
    done = proj.store.reviewed_by(who)
    for segment, doc in state.order:
        if segment not in state.undecided or segment in done or segment in skip:
            continue
        if documents is None or doc in documents:
            return segment
    return None


def undecided_in(proj: Any, documents: frozenset[int] | None) -> set[str]:
    """Segments with undecided suggestions (in ``documents``, given them)."""
    state = queue(proj)
    if documents is None:
        return set(state.undecided)
    return {s for s, doc in state.order if doc in documents and s in state.undecided}
