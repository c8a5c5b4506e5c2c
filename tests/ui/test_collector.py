"""The collector pauses nest, and frozen objects are thawed once."""

from __future__ import annotations

import gc

import pytest

from gradviz.ui import collector


def test_pauses_nest_and_the_last_resume_restarts_collections():
    assert gc.isenabled()
    collector.pause()
    with collector.paused():
        assert not gc.isenabled()
    assert not gc.isenabled()
    collector.resume()
    assert gc.isenabled()


def test_a_resume_without_a_pause_is_an_error():
    with pytest.raises(RuntimeError, match="without a pause"):
        collector.resume()
    assert gc.isenabled()


def test_a_pause_keeps_collections_off_if_they_were_off():
    gc.disable()
    try:
        with collector.paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_frozen_objects_are_thawed_once():
    collector.freeze()
    assert gc.get_freeze_count() > 0
    assert collector.thaw() is True
    assert gc.get_freeze_count() == 0
    assert collector.thaw() is False
