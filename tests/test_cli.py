"""The gradviz command: open, render, run and check, with errors on stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gradviz import cli

EXAMPLES = Path(__file__).resolve().parent.parent / "resources" / "examples"


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gradviz.cli", *args], capture_output=True,
                          text=True, timeout=120,
                          env={"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin"})


def test_render_writes_a_png_at_a_step(tmp_path):
    out = tmp_path / "step.png"
    done = run_cli("render", str(EXAMPLES / "tutorial_basic.gvz"), "-o", str(out),
                   "--step", "2")
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_render_svg(tmp_path):
    out = tmp_path / "graph.svg"
    done = run_cli("render", str(EXAMPLES / "two_layer_perceptron.gvz"), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "<svg" in out.read_text()


@pytest.mark.parametrize("args, code, message", [
    (("render", "missing.gvz", "-o", "x.png"), 2, "cannot read missing.gvz"),
    (("render", "{bad}", "-o", "x.png"), 1, "nodes[1].inputs[0]: connecting a to b"),
    (("render", "{good}", "-o", "x.png", "--step", "99"), 1, "step 99 is outside 0..5"),
    (("render", "{good}", "-o", "x.jpg"), 1, "choose a .png or .svg"),
    (("check", "{bad}"), 1, "would make a cycle"),
    (("frobnicate", "x"), 2, "unknown command 'frobnicate'"),
])
def test_errors_go_to_stderr_with_an_exit_code(tmp_path, args, code, message):
    names = {"{bad}": str(Path(__file__).parent / "data" / "bad" / "cycle.gvz"),
             "{good}": str(EXAMPLES / "tutorial_basic.gvz")}
    args = [names.get(a, str(tmp_path / a) if a.endswith((".png", ".jpg")) else a)
            for a in args]
    done = run_cli(*args)
    assert done.returncode == code
    assert message in done.stderr


def test_check_reports_ok():
    done = run_cli("check", str(EXAMPLES / "two_layer_perceptron.gvz"))
    assert done.returncode == 0 and done.stdout == "OK: 12 nodes\n"


def test_no_arguments_opens_the_app_and_a_file_argument_opens_that_file(monkeypatch):
    opened = []
    monkeypatch.setattr("gradviz.ui.app.launch", lambda path=None: opened.append(path) or 0)
    assert cli.main([]) == 0
    path = str(EXAMPLES / "broadcast_bias.gvz")
    assert cli.main([path]) == 0
    assert opened == [None, path]
    assert cli.main(["no/such/file.gvz"]) == 2
