"""Starting the desktop application."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from .main_window import APPLICATION, ORGANIZATION, MainWindow


def create_app(argv: list[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("gradviz")
    app.setStyle("Fusion")  # follows the light/dark palettes on every platform
    return app


def launch(path: str | None = None) -> int:
    """Open the main window (with ``path``, else the tutorial example) and run the app."""
    app = create_app()
    window = MainWindow()
    window.load_startup(path)
    window.show()
    window.offer_recovery()
    return app.exec()
