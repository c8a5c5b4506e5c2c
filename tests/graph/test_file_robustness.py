"""Mutated files only ever load or raise GraphFileError; failed saves never damage a file.

A longer fuzzing campaign: ``GRADVIZ_FUZZ_EXAMPLES=20000 python -m pytest
tests/graph/test_file_robustness.py -k fuzz`` (hypothesis keeps failing examples in
``.hypothesis/`` and replays them first on the next run).
"""

from __future__ import annotations

import copy
import json
import os
import stat
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradviz.graph import GraphFileError, fileio, load, save

EXAMPLES = Path(__file__).resolve().parents[2] / "resources" / "examples"
SEEDS = [json.loads(p.read_text()) for p in sorted(EXAMPLES.glob("*.gvz"))]
CAMPAIGN = int(os.environ.get("GRADVIZ_FUZZ_EXAMPLES", "0"))
FUZZ_EXAMPLES = CAMPAIGN or 150  # the suite's bounded run replays a fixed sequence

_ODD_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**30), 10**30), st.floats(allow_nan=True),
    st.text(max_size=8), st.just([]), st.just({}), st.just([10**12, 10**12]),
    st.just("x"), st.just("..."), st.lists(st.integers(-3, 3), max_size=4),
)


def _paths(value, prefix=()):
    """Every (container, key) location inside a parsed JSON value."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield prefix + (key,)
            yield from _paths(child, prefix + (key,))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            yield prefix + (i,)
            yield from _paths(child, prefix + (i,))


def _parent(data, path):
    for key in path[:-1]:
        data = data[key]
    return data


@st.composite
def mutated_files(draw):
    data = copy.deepcopy(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(1, 4))):
        paths = list(_paths(data))
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent, key = _parent(data, path), path[-1]
        action = draw(st.sampled_from(["delete", "replace", "swap_ids", "cycle", "duplicate"]))
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = copy.deepcopy(draw(_ODD_VALUES))  # never share a just() list
        elif action == "swap_ids" and isinstance(data.get("nodes"), list) \
                and len(data["nodes"]) > 1:
            a, b = data["nodes"][0], data["nodes"][-1]
            if isinstance(a, dict) and isinstance(b, dict):
                a["id"], b["id"] = b.get("id"), a.get("id")
        elif action == "cycle" and isinstance(data.get("nodes"), list):
            ops = [n for n in data["nodes"] if isinstance(n, dict) and n.get("kind") == "op"]
            if ops and isinstance(ops[0].get("inputs"), list) and ops[0]["inputs"]:
                ops[0]["inputs"][0] = ops[-1].get("id")
        elif action == "duplicate" and isinstance(data.get("nodes"), list) and data["nodes"]:
            data["nodes"].append(copy.deepcopy(data["nodes"][0]))
    text = json.dumps(data, allow_nan=True)
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(text)))
        text = text[:cut] if draw(st.booleans()) else text
    return text


@settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=not CAMPAIGN,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_files())
def test_fuzzed_files_load_or_raise_graph_file_error(text):
    elapsed = load_and_evaluate(text)
    if elapsed >= 1.0:      # about runaways, not speed: a busy machine's slow run is retried
        elapsed = load_and_evaluate(text)
    assert elapsed < 1.0, f"took {elapsed:.2f} s"


def load_and_evaluate(text: str) -> float:
    """Seconds to load ``text`` (which must load or raise GraphFileError) and evaluate it."""
    started = time.monotonic()
    try:
        document = fileio.loads(text)
    except GraphFileError as exc:
        assert str(exc)
    else:
        document.evaluate()  # a file that loads must also evaluate without raising
    return time.monotonic() - started


def _saved(tmp_path: Path) -> tuple[Path, bytes]:
    path = tmp_path / "work.gvz"
    save(load(EXAMPLES / "tutorial_basic.gvz"), path)
    return path, path.read_bytes()


def _other_document():
    return load(EXAMPLES / "two_layer_perceptron.gvz")


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_permission_denied_keeps_previous_file(tmp_path):
    path, before = _saved(tmp_path)
    tmp_path.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        with pytest.raises(GraphFileError, match="Permission denied"):
            save(_other_document(), path)
    finally:
        tmp_path.chmod(stat.S_IRWXU)
    assert path.read_bytes() == before


def test_permission_denied_is_reported(tmp_path, monkeypatch):
    path, before = _saved(tmp_path)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fileio.tempfile, "mkstemp", refuse)
    with pytest.raises(GraphFileError, match="Permission denied"):
        save(_other_document(), path)
    assert path.read_bytes() == before


def test_path_is_a_folder(tmp_path):
    folder = tmp_path / "folder.gvz"
    folder.mkdir()
    with pytest.raises(GraphFileError, match="is a folder"):
        save(_other_document(), folder)
    assert folder.is_dir() and not any(folder.iterdir())


def test_disk_full_during_write_keeps_previous_file(tmp_path, monkeypatch):
    path, before = _saved(tmp_path)

    def full_disk(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(fileio.os, "fsync", full_disk)
    with pytest.raises(GraphFileError, match="No space left on device"):
        save(_other_document(), path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work.gvz"]


def test_crash_between_write_and_replace_keeps_previous_file(tmp_path, monkeypatch):
    path, before = _saved(tmp_path)

    class Crash(BaseException):
        """Stands for the process dying: nothing after it runs."""

    def die(src, dst):
        raise Crash

    monkeypatch.setattr(fileio.os, "replace", die)
    with pytest.raises(Crash):
        save(_other_document(), path)
    assert path.read_bytes() == before
    assert load(path).title == load(EXAMPLES / "tutorial_basic.gvz").title
