"""Autosave and crash recovery: unsaved work is written every 30 s to the application's
data folder; a clean exit removes it, so whatever is left at start-up was left by a
session that died, and the user is offered to restore it."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QStandardPaths, QTimer

from ..graph import Document, GraphFileError, save

INTERVAL_MS = 30_000


def default_folder() -> Path:
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base or Path.home() / ".gradviz") / "autosave"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@dataclass(frozen=True)
class Recovery:
    """Work a previous session left behind."""

    document_path: Path
    info_path: Path
    source: str | None  # the file the work belonged to, if it had been saved before
    saved_at: float

    def describe(self) -> str:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(self.saved_at))
        name = Path(self.source).name if self.source else "an unsaved document"
        return f"{name}, autosaved {when}"

    def discard(self) -> None:
        for path in (self.document_path, self.info_path):
            path.unlink(missing_ok=True)


def pending_recoveries(folder: Path) -> list[Recovery]:
    """Autosaves of sessions that are no longer running, newest first."""
    found = []
    for info_path in folder.glob("autosave-*.json"):
        try:
            info = json.loads(info_path.read_text(encoding="utf-8"))
            pid = int(info["pid"])
        except (OSError, ValueError, KeyError, TypeError):
            continue
        document_path = info_path.with_suffix(".gvz")
        if _alive(pid) or not document_path.exists():
            continue
        found.append(Recovery(document_path, info_path, info.get("source"),
                              float(info.get("saved_at", 0))))
    return sorted(found, key=lambda r: -r.saved_at)


class Autosaver(QObject):
    """Every ``interval_ms``, saves ``unsaved()`` (a document, or None when all is saved)."""

    def __init__(self, unsaved: Callable[[], tuple[Document, str | None] | None],
                 folder: Path | None = None, interval_ms: int = INTERVAL_MS,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.unsaved = unsaved
        self.folder = Path(folder) if folder else default_folder()
        stem = f"autosave-{os.getpid()}-{id(self):x}"
        self.document_path = self.folder / f"{stem}.gvz"
        self.info_path = self.folder / f"{stem}.json"
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.save_now)
        self.last_error: str | None = None

    def start(self) -> None:
        self.timer.start()

    def save_now(self) -> bool:
        """Write the unsaved document (or remove a stale autosave when all is saved)."""
        pending = self.unsaved()
        if pending is None:
            self.remove()
            return False
        document, source = pending
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            save(document, self.document_path)
            info = {"pid": os.getpid(), "source": source, "saved_at": time.time()}
            self.info_path.write_text(json.dumps(info), encoding="utf-8")
        except (GraphFileError, OSError) as exc:
            self.last_error = str(exc)
            return False
        self.last_error = None
        return True

    def remove(self) -> None:
        for path in (self.document_path, self.info_path):
            path.unlink(missing_ok=True)

    def stop(self) -> None:
        """A clean exit: nothing is left to recover."""
        self.timer.stop()
        self.remove()
