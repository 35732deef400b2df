"""What Updates and Cancels do to the messages they reference, whatever order the messages arrive in.

Two feeds can deliver one chain in any order, and a Cancel may come before the Alert it names. So a
message's state is never computed on arrival from what happened to be there: it is a function of the
whole set of messages joined by references (`chain_states`), and a reference to a message not here yet
is kept (as the referencing message's own record) and takes effect when that message comes.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypeVar

T = TypeVar("T", bound=Hashable)

Key = tuple[str, str, str]  # (identifier, sender, sent in one canonical form)
MAX_CHAIN = 2000  # messages joined by references that are resolved together; a longer chain is cut here


def canonical_sent(sent: str) -> str:
    """`sent` as one form (UTC, whole seconds), so the same moment written with another offset matches."""
    try:
        moment = datetime.fromisoformat(sent)
    except ValueError:
        return sent
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment.tzinfo else sent


def key_of(identifier: str, sender: str, sent: str) -> Key:
    return (identifier, sender, canonical_sent(sent))


@dataclass(frozen=True)
class Link:
    """One message as its chain sees it."""

    key: Key
    msg_type: str  # Alert, Update, Cancel (others take no part)
    references: tuple[Key, ...]
    sent: datetime
    signed: bool = False  # its XML signature was verified


def _counts(link: Link, target: Key, chain: dict[Key, Link]) -> bool:
    """Whether `link`'s reference to `target` may change it: only a sender's own messages, and never a
    signed message by an unsigned one (anyone can write any sender's name into an unsigned message)."""
    if target[1] != link.key[1]:
        return False
    held = chain.get(target)
    return held is None or link.signed or not held.signed


def chain_states(links: Iterable[Link]) -> dict[Key, str]:
    """Each message's state from the set alone: "cancelled", "updated" (superseded) or "active".

    - A Cancel is itself cancelled, and so is every message it references.
    - So is every Update, sent no later than the Cancel, of a message the Cancel references: cancelling a
      warning cancels the updates that carried it on (a later Update re-issues it, and stays).
    - A message some Update references is superseded ("updated").
    A reference counts only between messages of one sender, and an unsigned message cannot change a
    signed one (`_counts`). Expiry is judged by time, on top of this, by the caller.
    """
    chain = {link.key: link for link in links}
    cancelled: set[Key] = set()
    updated: set[Key] = set()
    updates_of: dict[Key, list[Link]] = {}  # key -> the Updates that reference it
    for link in chain.values():
        if link.msg_type == "Update":
            for ref in (r for r in link.references if _counts(link, r, chain)):
                updated.add(ref)
                updates_of.setdefault(ref, []).append(link)
    for link in chain.values():
        if link.msg_type != "Cancel":
            continue
        cancelled.add(link.key)
        seen: set[Key] = set()  # per Cancel: what one Cancel reaches must not depend on the others
        todo = [r for r in link.references if _counts(link, r, chain)]
        while todo:
            key = todo.pop()
            if key in seen:
                continue
            seen.add(key)
            todo += [update.key for update in updates_of.get(key, ())
                     if update.sent <= link.sent and (link.signed or not update.signed)]
        cancelled |= seen
    return {key: "cancelled" if key in cancelled else "updated" if key in updated else "active" for key in chain}


def joined(start: T, neighbours: Callable[[T], Iterable[T]]) -> list[T]:
    """Every message joined to `start` by references either way (each side's store says who the
    neighbours are), `start` first, at most MAX_CHAIN."""
    found: dict[T, None] = {}
    todo = [start]
    while todo and len(found) < MAX_CHAIN:
        current = todo.pop()
        if current not in found:
            found[current] = None
            todo += neighbours(current)
    return list(found)
