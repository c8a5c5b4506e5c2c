"""The expression bar adds the nodes a line of PyTorch-style code describes."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction

from gradviz.graph.fileio import document_to_dict


@pytest.fixture(autouse=True)
def needs_interpreter():
    pytest.importorskip("gradviz.graph.script")


def test_a_line_adds_nodes_wired_to_existing_ones(window):
    before = document_to_dict(window.document)
    ids = window.expression_bar.run("w = (y * 2 + 1).tanh()")
    assert len(ids) >= 3 and all(n in window.scene.nodes for n in ids)
    consumers = [n for n in ids if "y" in getattr(window.document.nodes[n], "inputs", [])]
    assert consumers, "the new nodes read the existing y"
    assert not any(window.document.nodes[n].kind == "tensor" and
                   window.document.nodes[n].name == "y" for n in ids)
    window.findChild(QAction, "actionUndo").trigger()          # one step
    assert document_to_dict(window.document) == before


def test_an_error_shows_inline_and_changes_nothing(window):
    before = document_to_dict(window.document)
    assert window.expression_bar.run("w = (y * ") == []
    assert window.expression_bar.error.text()
    assert document_to_dict(window.document) == before
