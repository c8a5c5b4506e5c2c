"""Light and dark colour sets for the canvas and the application palette."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    grid: str
    text: str
    muted: str
    border: str
    tensor_fill: str      # a leaf that does not require grad
    leaf_fill: str        # a leaf that requires grad (a parameter)
    op_fill: str
    start_fill: str       # the node backward starts from
    header_tensor: str
    header_leaf: str
    header_op: str
    header_start: str
    edge: str
    port_in: str
    port_out: str
    selection: str
    pending: str
    active: str
    done: str
    error: str
    error_fill: str
    grad_text: str

    def color(self, field: str) -> QColor:
        return QColor(getattr(self, field))


LIGHT = Theme(
    name="light", background="#f7f8fa", grid="#e6e9ee", text="#1d2330", muted="#5b6474",
    border="#9aa3b2", tensor_fill="#ffffff", leaf_fill="#eef6ff", op_fill="#ffffff",
    start_fill="#fff5e6", header_tensor="#cfd6e0", header_leaf="#5b9bd5", header_op="#8a94a6",
    header_start="#e8912d", edge="#6d7789", port_in="#5b9bd5", port_out="#e8912d",
    selection="#2f6fde", pending="#b7bfcc", active="#ff7a00", done="#2e9d5b",
    error="#d23c3c", error_fill="#fdeaea", grad_text="#1f7a46",
)

DARK = Theme(
    name="dark", background="#1b1e24", grid="#262a32", text="#e6e9ef", muted="#a3acbb",
    border="#5c6576", tensor_fill="#2a2f38", leaf_fill="#233247", op_fill="#2a2f38",
    start_fill="#3b3024", header_tensor="#4a5261", header_leaf="#4f8fd0", header_op="#6b7486",
    header_start="#e8912d", edge="#8b95a7", port_in="#6aa8e8", port_out="#f0a04b",
    selection="#6ea2ff", pending="#6b7486", active="#ff9a3c", done="#4cc07c",
    error="#ff6b6b", error_fill="#4a2529", grad_text="#7fe0a6",
)

THEMES = {"light": LIGHT, "dark": DARK}


def system_theme() -> Theme:
    """The theme matching the desktop's colour scheme (light when it cannot tell)."""
    app = QGuiApplication.instance()
    if app is not None and app.styleHints().colorScheme() == Qt.ColorScheme.Dark:
        return DARK
    return LIGHT


def theme_named(name: str) -> Theme:
    """``light``, ``dark`` or ``system``."""
    return THEMES.get(name) or system_theme()


def application_palette(theme: Theme) -> QPalette:
    """A widget palette for ``theme`` (used with the Fusion style so both modes read well)."""
    if theme.name == "light":
        return QPalette(QColor("#f3f4f6"))
    palette = QPalette()
    window, base, text = QColor("#24272e"), QColor("#1b1e24"), QColor(theme.text)
    roles = {
        QPalette.ColorRole.Window: window, QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base, QPalette.ColorRole.AlternateBase: QColor("#2a2e36"),
        QPalette.ColorRole.ToolTipBase: QColor("#2f343d"), QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.Text: text, QPalette.ColorRole.Button: QColor("#2d313a"),
        QPalette.ColorRole.ButtonText: text, QPalette.ColorRole.BrightText: QColor("#ff6b6b"),
        QPalette.ColorRole.Highlight: QColor("#3d6fd6"),
        QPalette.ColorRole.HighlightedText: QColor("#ffffff"),
        QPalette.ColorRole.Link: QColor(theme.selection),
        QPalette.ColorRole.PlaceholderText: QColor(theme.muted),
    }
    for role, color in roles.items():
        palette.setColor(role, color)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor("#6b7486"))
    return palette
