"""Python's cyclic garbage collector and large documents.

A full collection walks every live container object. A 10,000-node graph keeps hundreds
of thousands of them (items, values, trace records), and building one made the collector
start a full pass again and again: six passes and about a second while opening it, and
100-300 ms pauses while laying it out. Bulk work therefore runs with the collector
paused, and a large document's survivors are then frozen (``gc.freeze``): later passes
leave them out, while reference counting still frees whatever is dropped.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_pauses = 0
_was_enabled = True
_frozen = False


def pause() -> None:
    """Stop automatic collections until the matching ``resume`` (pauses nest)."""
    global _pauses, _was_enabled
    if _pauses == 0:
        _was_enabled = gc.isenabled()
        gc.disable()
    _pauses += 1


def resume() -> None:
    global _pauses
    if _pauses == 0:
        raise RuntimeError("collector.resume() without a pause()")
    _pauses -= 1
    if _pauses == 0 and _was_enabled:
        gc.enable()


@contextmanager
def paused() -> Iterator[None]:
    pause()
    try:
        yield
    finally:
        resume()


def freeze() -> None:
    """Leave every object alive now out of later full collections."""
    global _frozen
    gc.freeze()
    _frozen = True


def thaw() -> bool:
    """Put frozen objects back under the collector; True if there were any (what the
    last large document left behind can then be collected)."""
    global _frozen
    if not _frozen:
        return False
    gc.unfreeze()
    _frozen = False
    return True
