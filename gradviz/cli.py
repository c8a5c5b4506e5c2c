"""The ``gradviz`` command line.

``gradviz [FILE]`` opens the desktop application (the tutorial example without a file);
``gradviz render FILE -o OUT.png|OUT.svg [--step N]`` draws a document without a screen;
``gradviz run SCRIPT.py`` runs a PyTorch-style script in the sandboxed interpreter and
prints its output; ``gradviz check FILE.gvz`` validates a document file. Errors go to
stderr with exit code 1 (2 when a file cannot be read).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2


def cmd_run(args: argparse.Namespace) -> int:
    """Run a script in the interpreter and print what it prints."""
    from .graph.interpreter import Limits
    from .graph.script import ScriptError, run_script

    path = args.script
    try:
        source = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        print(f"gradviz run: cannot read {path}: {_reason(exc)}", file=sys.stderr)
        return EXIT_USAGE
    limits = Limits() if args.max_seconds is None else Limits(max_seconds=args.max_seconds)
    try:
        result = run_script(source, limits=limits)
    except ScriptError as exc:
        sys.stdout.write(exc.output)
        sys.stdout.flush()
        for warning in exc.warnings:
            print(f"{path}:{warning.removeprefix('line ')}", file=sys.stderr)
        where = f"{path}:{exc.lineno}" if exc.lineno else path
        print(f"{where}: {exc.detail}", file=sys.stderr)
        return EXIT_ERROR
    sys.stdout.write(result.output)
    sys.stdout.flush()
    for warning in result.warnings:
        print(f"{path}:{warning.removeprefix('line ')}", file=sys.stderr)
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    """Load a .gvz file with full validation and say whether it is sound."""
    try:
        from .graph.fileio import GraphFileError, load
    except ImportError as exc:  # pragma: no cover - the file format ships with the package
        print(f"gradviz check: .gvz files are not available ({exc})", file=sys.stderr)
        return EXIT_USAGE
    path = args.file
    if not Path(path).is_file():
        print(f"gradviz check: cannot read {path}: no such file", file=sys.stderr)
        return EXIT_USAGE
    try:
        document = load(path)
    except GraphFileError as exc:
        print(f"{path}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        print(f"gradviz check: cannot read {path}: {_reason(exc)}", file=sys.stderr)
        return EXIT_USAGE
    print(f"OK: {len(document)} nodes")
    return EXIT_OK


def cmd_render(args: argparse.Namespace) -> int:
    """Draw a document (at backward step N) to PNG or SVG using the canvas's own items."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from .graph.fileio import GraphFileError
    from .graph.trace import TraceError
    from .ui.render import render_document

    if not Path(args.file).is_file():
        print(f"gradviz render: cannot read {args.file}: no such file", file=sys.stderr)
        return EXIT_USAGE
    try:
        out = render_document(args.file, args.output, step=args.step, theme=args.theme)
    except GraphFileError as exc:
        print(f"{args.file}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except (ValueError, TraceError, OSError) as exc:
        print(f"gradviz render: {_reason(exc)}", file=sys.stderr)
        return EXIT_ERROR
    print(f"wrote {out}")
    return EXIT_OK


def open_app(path: str | None) -> int:
    """``gradviz [FILE]``: the desktop application."""
    if path is not None and not Path(path).is_file():
        print(f"gradviz: cannot open {path}: no such file", file=sys.stderr)
        return EXIT_USAGE
    from .ui.app import launch

    return launch(path)


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc)


# Subcommands: name -> (handler, help, function adding its arguments). The GUI entry
# (``gradviz [FILE]``, which opens the application) is dispatched in ``main`` before these.
def _run_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("script", help="a PyTorch-style Python script")
    parser.add_argument("--max-seconds", type=float, default=None, metavar="S",
                        help="wall-time limit for the script (default: 5)")


def _check_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a .gvz document")


def _render_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="a .gvz document")
    parser.add_argument("-o", "--output", required=True, metavar="OUT",
                        help="the image to write (.png or .svg)")
    parser.add_argument("--step", type=int, default=None, metavar="N",
                        help="draw the graph after N backward steps")
    parser.add_argument("--theme", choices=("light", "dark"), default="light")


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str,
                          Callable[[argparse.ArgumentParser], None]]] = {
    "run": (cmd_run, "run a script in the sandboxed interpreter and print its output",
            _run_arguments),
    "check": (cmd_check, "validate a .gvz file and say what is wrong", _check_arguments),
    "render": (cmd_render, "draw a document to PNG or SVG without a screen",
               _render_arguments),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gradviz", description="See automatic differentiation happen.")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (handler, help_text, add_arguments) in COMMANDS.items():
        sub = commands.add_parser(name, help=help_text, description=help_text)
        add_arguments(sub)
        sub.set_defaults(handler=handler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``gradviz`` command; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv:
        return open_app(None)
    if argv[0] not in COMMANDS and not argv[0].startswith("-"):
        if len(argv) > 1:
            parser.print_usage(sys.stderr)
            print(f"gradviz: unknown command {argv[0]!r} (commands: {', '.join(COMMANDS)}; "
                  "or give one file to open)", file=sys.stderr)
            return EXIT_USAGE
        return open_app(argv[0])
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits on --help and on usage errors
        return int(exc.code or 0)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
