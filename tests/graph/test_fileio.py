"""The .gvz format: exact round trips, atomic saves, and a clear message for every bad file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradviz.graph import Document, GraphFileError, ValueSpec, fileio, load, save

BAD = Path(__file__).resolve().parent.parent / "data" / "bad"

# Every malformed file in tests/data/bad and the exact message loading it must give.
EXPECTED = {
    "array_top.gvz": 'the file must hold a JSON object, not a list',
    "attr_wrong_type.gvz": "nodes[1].attrs: sum: 'keepdim' must be true or false, not 'yes'",
    "bad_backward_start.gvz": "backward.start: unknown node 'nowhere'",
    "bad_base64.gvz": 'nodes[0].value.base64: not valid base64',
    "bad_position.gvz": 'nodes[0].position: expected [x, y], got 3 numbers',
    "base64_wrong_length.gvz": 'nodes[0].value.base64: holds 4 bytes; shape [4] of float32 needs 16',
    "binary.gvz": 'not UTF-8 text (byte 0)',
    "cycle.gvz": 'nodes[1].inputs[0]: connecting a to b would make a cycle',
    "dangling_edge.gvz": "nodes[2].inputs[1]: unknown node 'q'",
    "deeply_nested.gvz": 'not valid JSON: nested too deeply',
    "duplicate_id.gvz": "nodes[1].id: duplicate node id 'x'",
    "empty.gvz": 'empty.gvz is empty',
    "huge_shape.gvz": 'nodes[0].value.shape [1000000, 1000000] has 1,000,000,000,000 elements; the limit is 50,000,000',
    "id_wrong_type.gvz": 'nodes[0].id: expected a string, got a number',
    "int_fraction.gvz": 'nodes[0].value.data: int64 values must be whole numbers',
    "int_requires_grad.gvz": 'nodes[0]: only Tensors of floating point dtype can require gradients',
    "invalid_id.gvz": "nodes[0]: invalid node id 'has space' (letters, digits, _ . -; at most 64 characters; not starting with a digit)",
    "missing_id.gvz": "nodes[0]: missing field 'id'",
    "missing_nodes.gvz": "missing field 'nodes'",
    "missing_required_attr.gvz": "nodes[1].attrs: softmax: attribute 'dim' is required",
    "nan_position.gvz": 'nodes[0].position[0]: expected a finite number, got nan',
    "negative_shape.gvz": 'nodes[0].value.shape[1] is negative (-3)',
    "newer_version.gvz": 'version: this file is version 99, newer than this gradviz understands (up to 1); update gradviz to open it',
    "no_format.gvz": "format: missing field 'format': not a gradviz file",
    "node_not_object.gvz": 'nodes[0]: expected an object, got a string',
    "nodes_not_list.gvz": 'nodes: expected a list, got an object',
    "not_json.gvz": 'not valid JSON: Expecting value at line 1 column 1',
    "old_version.gvz": 'version: version 0 is not supported (this gradviz reads versions 1 to 1)',
    "ragged_values.gvz": 'nodes[0].value.data[1]: expected 2 items (shape [2]), got 1',
    "self_loop.gvz": 'nodes[0].inputs[0]: connecting a to a would make a cycle',
    "shape_value_mismatch.gvz": 'nodes[0].value.data: expected 2 items (shape [2, 2]), got 3',
    "slot_and_scalar.gvz": "nodes[1].inputs[1]: slot 'other' is both connected and given a number in attrs",
    "string_in_values.gvz": "nodes[0].value.data[1]: expected a number, got the string 'two'",
    "too_many_inputs.gvz": 'nodes[1].inputs: neg has 1 input slot, got 2',
    "truncated.gvz": 'not valid JSON: Unterminated string starting at at line 1 column 67',
    "unknown_attr.gvz": "nodes[1].attrs: sum has no attribute 'axis' (it has: dim, keepdim)",
    "unknown_dtype.gvz": "nodes[0].dtype: unknown dtype 'complex64' (expected one of float32, float64, int64, bool)",
    "unknown_kind.gvz": "nodes[0].kind: unknown kind 'layer' (expected 'tensor' or 'op')",
    "unknown_op.gvz": "nodes[1].op: unknown op 'frobnicate'",
    "unknown_rule.gvz": "nodes[0].value.rule: unknown rule 'magic' (expected one of values, zeros, ones, full, rand, randn, arange, linspace, eye)",
    "version_string.gvz": 'version: expected a number, got a string',
    "whitespace.gvz": 'whitespace.gvz is empty',
    "wrong_format.gvz": 'format: expected "gradviz", got "graphviz"',
}


def test_every_bad_file_has_an_expected_message():
    assert sorted(p.name for p in BAD.glob("*.gvz")) == sorted(EXPECTED)
    assert len(EXPECTED) >= 25


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_file_gives_its_message(name):
    with pytest.raises(GraphFileError) as caught:
        load(BAD / name)
    assert str(caught.value) == EXPECTED[name]


def _sample_document() -> Document:
    d = Document("Sample", "a description with ünïcode")
    d.add_tensor("x", ValueSpec("ones", (2, 2)), requires_grad=True, position=(10, 20))
    d.add_tensor("r", ValueSpec("randn", (3,), seed=7), dtype="float64", pinned=True)
    d.add_tensor("big", ValueSpec("values", (20, 20), np.arange(400, dtype=np.float32)))
    d.add_op("add", inputs=["x"], attrs={"other": 2}, name="y", label="y = x + 2")
    d.add_op("getitem", inputs=["y"], attrs={"index": [0, {"slice": [1, None, None]}, None]},
             name="g")
    d.add_op("sum", inputs=["y"], attrs={"dim": [0, 1], "keepdim": True}, name="s")
    d.add_op("cat", inputs=["x", "y"], attrs={"dim": 1}, name="c")
    d.script = "x = torch.ones(2, 2)\n"
    d.backward = {"start": "s", "gradient": None}
    return d


def test_round_trip_keeps_ids_positions_attrs_and_values(tmp_path):
    original = _sample_document()
    path = tmp_path / "sample.gvz"
    save(original, path)
    loaded = load(path)
    assert fileio.document_to_dict(loaded) == fileio.document_to_dict(original)
    assert loaded.nodes["r"].pinned and loaded.nodes["x"].position == (10.0, 20.0)
    assert loaded.evaluate().errors == {}
    big = loaded.evaluate().tensor("big")._data
    assert big.dtype == np.float32 and np.array_equal(big.ravel(), np.arange(400))


def test_file_is_utf8_json_with_format_and_version(tmp_path):
    path = tmp_path / "sample.gvz"
    save(_sample_document(), path)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "gradviz" and data["version"] == fileio.VERSION
    assert "ünïcode" in path.read_text(encoding="utf-8")


_DTYPES = st.sampled_from(["float32", "float64", "int64", "bool"])


@st.composite
def _arrays(draw):
    dtype = draw(_DTYPES)
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=6))
    if dtype in ("float32", "float64"):
        elements = st.floats(width=32 if dtype == "float32" else 64, allow_nan=True,
                             allow_infinity=True, allow_subnormal=True)
        if draw(st.booleans()):
            shape = (300,)  # large enough to take the base64 path
    elif dtype == "int64":
        elements = st.integers(-(2**63), 2**63 - 1)
    else:
        elements = st.booleans()
    return draw(hnp.arrays(np.dtype(dtype), shape, elements=elements))


@settings(max_examples=60, deadline=None)
@given(_arrays())
def test_values_round_trip_bit_identical(array):
    d = Document()
    d.add_tensor("v", ValueSpec("values", array.shape, array.copy()), dtype=str(array.dtype))
    loaded = fileio.loads(fileio.dumps(fileio.document_to_dict(d)))
    back = loaded.nodes["v"].value.data
    assert back.dtype == array.dtype and back.shape == array.shape
    assert back.tobytes() == array.tobytes()


def test_negative_zero_and_nan_survive_inline():
    array = np.array([-0.0, np.nan, np.inf, -np.inf, 1e-45], dtype=np.float32)
    d = Document()
    d.add_tensor("v", ValueSpec("values", array.shape, array))
    back = fileio.loads(fileio.dumps(fileio.document_to_dict(d))).nodes["v"].value.data
    assert back.tobytes() == array.tobytes()


def test_failed_save_leaves_previous_file_intact(tmp_path, monkeypatch):
    path = tmp_path / "keep.gvz"
    save(_sample_document(), path)
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(GraphFileError, match="No space left on device"):
        save(Document("other"), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.gvz"]  # no temporary left behind


def test_saving_onto_a_folder_is_refused(tmp_path):
    with pytest.raises(GraphFileError, match="it is a folder"):
        save(Document(), tmp_path)


def test_migration_hook_upgrades_old_versions(monkeypatch):
    def from_zero(data):
        for node in data["nodes"]:
            node["kind"] = node.pop("type")
        return data

    monkeypatch.setitem(fileio.MIGRATIONS, 0, from_zero)
    text = json.dumps({"format": "gradviz", "version": 0, "nodes": [
        {"id": "x", "type": "tensor", "value": {"rule": "ones", "shape": [2]}}]})
    document = fileio.loads(text)
    assert document.nodes["x"].kind == "tensor"


def test_fragment_paste_gets_fresh_ids_and_keeps_inner_edges():
    d = _sample_document()
    fragment = fileio.fragment_to_dict(d, ["x", "y"])
    new_ids = fileio.insert_fragment(d, json.loads(json.dumps(fragment)), offset=(30, 30))
    assert len(new_ids) == 2 and not set(new_ids) & {"x", "y"}
    pasted_y = d.nodes[new_ids[1]]
    assert pasted_y.inputs[0] == new_ids[0]
    assert d.nodes[new_ids[0]].position == (40.0, 50.0)


def test_bad_fragment_adds_nothing():
    d = _sample_document()
    before = fileio.document_to_dict(d)
    fragment = {"format": "gradviz-fragment", "version": 1, "nodes": [
        {"id": "a", "kind": "op", "op": "neg", "inputs": ["missing"]}]}
    with pytest.raises(GraphFileError):
        fileio.insert_fragment(d, fragment)
    assert fileio.document_to_dict(d) == before
