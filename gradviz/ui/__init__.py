"""The PySide6 desktop application: main window, canvas, palette, undo, rendering."""

from .main_window import MainWindow

__all__ = ["MainWindow"]
