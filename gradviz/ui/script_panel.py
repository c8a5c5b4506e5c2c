"""The script panel: a Python editor (highlighting, line numbers), Run (Ctrl+Enter) and a
console. A run replaces the canvas with the graph the script recorded, as one undoable
command; the script is kept with the document so Save stores it."""

from __future__ import annotations

import keyword
import re
from pathlib import Path

from PySide6.QtCore import QRect, QRegularExpression, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QColor,
    QFont,
    QKeySequence,
    QPainter,
    QSyntaxHighlighter,
    QTextCharFormat,
    QTextCursor,
    QTextFormat,
)
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSplitter,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .examples import EXAMPLES
from .explanation import monospace

TUTORIAL_SCRIPT = EXAMPLES / "autograd_tutorial.py"


def _format(color: str, bold: bool = False, italic: bool = False) -> QTextCharFormat:
    fmt = QTextCharFormat()
    fmt.setForeground(QColor(color))
    if bold:
        fmt.setFontWeight(QFont.Weight.Bold)
    fmt.setFontItalic(italic)
    return fmt


class PythonHighlighter(QSyntaxHighlighter):
    """Keywords, builtins, numbers, strings and comments (triple-quoted strings span lines)."""

    def __init__(self, document, dark: bool = False) -> None:
        super().__init__(document)
        self.set_dark(dark)

    def set_dark(self, dark: bool) -> None:
        c = {"kw": "#c678dd", "builtin": "#56b6c2", "num": "#d19a66", "str": "#98c379",
             "comment": "#7f8794", "self": "#e5c07b"} if dark else \
            {"kw": "#7a3db8", "builtin": "#0e7c86", "num": "#a0522d", "str": "#2a7a1f",
             "comment": "#6a7380", "self": "#9a6700"}
        words = "|".join(keyword.kwlist)
        builtins = "print|range|len|abs|min|max|sum|float|int|list|tuple|dict|isinstance|round"
        self.rules = [
            (QRegularExpression(rf"\b({words})\b"), _format(c["kw"], bold=True)),
            (QRegularExpression(rf"\b({builtins})\b"), _format(c["builtin"])),
            (QRegularExpression(r"\b(torch|gradviz)\b"), _format(c["self"])),
            (QRegularExpression(r"\b[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?\b"), _format(c["num"])),
            (QRegularExpression(r"'[^'\\\n]*(\\.[^'\\\n]*)*'"), _format(c["str"])),
            (QRegularExpression(r'"[^"\\\n]*(\\.[^"\\\n]*)*"'), _format(c["str"])),
            (QRegularExpression(r"#[^\n]*"), _format(c["comment"], italic=True)),
        ]
        self.string_format = _format(c["str"])
        self.rehighlight()

    def highlightBlock(self, text: str) -> None:
        for pattern, fmt in self.rules:
            matches = pattern.globalMatch(text)
            while matches.hasNext():
                m = matches.next()
                self.setFormat(m.capturedStart(), m.capturedLength(), fmt)
        self._triple_quotes(text)

    def _triple_quotes(self, text: str) -> None:
        """State 1 inside a triple-quoted string carried over from the previous line."""
        start = 0 if self.previousBlockState() == 1 else -1
        pos = 0
        self.setCurrentBlockState(0)
        while True:
            if start < 0:
                found = re.search(r'"""|\'\'\'', text[pos:])
                if not found:
                    return
                start = pos + found.start()
                pos = start + 3
            end = re.search(r'"""|\'\'\'', text[pos:])
            if end is None:
                self.setFormat(start, len(text) - start, self.string_format)
                self.setCurrentBlockState(1)
                return
            stop = pos + end.end()
            self.setFormat(start, stop - start, self.string_format)
            start, pos = -1, stop


class LineNumbers(QWidget):
    def __init__(self, editor: CodeEditor) -> None:
        super().__init__(editor)
        self.editor = editor

    def sizeHint(self) -> QSize:
        return QSize(self.editor.gutter_width(), 0)

    def paintEvent(self, event) -> None:
        self.editor.paint_gutter(event)


class CodeEditor(QPlainTextEdit):
    """A plain-text editor with a line-number gutter and a marked error line."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("scriptEditor")
        self.setFont(monospace(10.0))
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.setTabStopDistance(self.fontMetrics().horizontalAdvance(" ") * 4)
        self.error_line: int | None = None
        self.gutter = LineNumbers(self)
        self.blockCountChanged.connect(lambda _n: self._update_margins())
        self.updateRequest.connect(self._scroll_gutter)
        self.textChanged.connect(self._clear_error_on_edit)
        self._update_margins()

    def gutter_width(self) -> int:
        digits = max(3, len(str(self.blockCount())))
        return 10 + self.fontMetrics().horizontalAdvance("9") * digits

    def _update_margins(self) -> None:
        self.setViewportMargins(self.gutter_width(), 0, 0, 0)

    def _scroll_gutter(self, rect: QRect, dy: int) -> None:
        if dy:
            self.gutter.scroll(0, dy)
        else:
            self.gutter.update(0, rect.y(), self.gutter.width(), rect.height())

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        r = self.contentsRect()
        self.gutter.setGeometry(QRect(r.left(), r.top(), self.gutter_width(), r.height()))

    def paint_gutter(self, event) -> None:
        painter = QPainter(self.gutter)
        palette = self.palette()
        painter.fillRect(event.rect(), palette.alternateBase())
        block = self.firstVisibleBlock()
        number = block.blockNumber()
        top = round(self.blockBoundingGeometry(block).translated(self.contentOffset()).top())
        bottom = top + round(self.blockBoundingRect(block).height())
        height = self.fontMetrics().height()
        while block.isValid() and top <= event.rect().bottom():
            if block.isVisible() and bottom >= event.rect().top():
                line = number + 1
                if line == self.error_line:
                    painter.fillRect(0, top, self.gutter.width(), height, QColor("#d23c3c"))
                    painter.setPen(QColor("#ffffff"))
                else:
                    painter.setPen(palette.placeholderText().color())
                painter.drawText(0, top, self.gutter.width() - 5, height,
                                 Qt.AlignmentFlag.AlignRight, str(line))
            block = block.next()
            top = bottom
            bottom = top + round(self.blockBoundingRect(block).height())
            number += 1
        painter.end()

    def mark_error(self, line: int | None) -> None:
        """Highlight ``line`` (1-based) as the one that failed and put the cursor there."""
        self.error_line = line
        selections = []
        if line is not None and 1 <= line <= self.blockCount():
            selection = QTextEdit.ExtraSelection()
            selection.format.setBackground(QColor(210, 60, 60, 60))
            selection.format.setProperty(QTextFormat.Property.FullWidthSelection, True)
            cursor = QTextCursor(self.document().findBlockByNumber(line - 1))
            selection.cursor = cursor
            selections.append(selection)
            self.setTextCursor(cursor)
            self.centerCursor()
        self.setExtraSelections(selections)
        self.gutter.update()

    def _clear_error_on_edit(self) -> None:
        if self.error_line is not None:
            self.mark_error(None)


class ScriptPanel(QDockWidget):
    """Editor, Run and Tutorial buttons, and the console."""

    ran = Signal(bool)   # True when the script ran and its graph replaced the canvas

    def __init__(self, window) -> None:
        super().__init__("Script", window)
        self.setObjectName("scriptDock")
        self.window_ = window
        self.last_result = None     # the last successful run's ScriptResult
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        bar = QHBoxLayout()
        self.actionRunScript = QAction("▶ Run", self)
        self.actionRunScript.setObjectName("actionRunScript")
        self.actionRunScript.setShortcuts([QKeySequence("Ctrl+Return"),
                                           QKeySequence("Ctrl+Enter")])
        self.actionRunScript.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.actionRunScript.setToolTip("Run the script and show its graph (Ctrl+Enter)")
        self.actionRunScript.triggered.connect(lambda _c=False: self.run())
        self.addAction(self.actionRunScript)
        run_button = QToolButton()
        run_button.setDefaultAction(self.actionRunScript)
        bar.addWidget(run_button)
        self.actionTutorialScript = QAction("Autograd &Tutorial Script", self)
        self.actionTutorialScript.setObjectName("actionTutorialScript")
        self.actionTutorialScript.setToolTip("Load PyTorch's autograd tutorial as a script")
        self.actionTutorialScript.triggered.connect(lambda _c=False: self.load_tutorial())
        self.actionTutorialScript.setEnabled(TUTORIAL_SCRIPT.is_file())
        tutorial_button = QToolButton()
        tutorial_button.setDefaultAction(self.actionTutorialScript)
        bar.addWidget(tutorial_button)
        self.status = QLabel()
        self.status.setObjectName("scriptStatus")
        bar.addWidget(self.status, 1)
        layout.addLayout(bar)
        splitter = QSplitter(Qt.Orientation.Vertical)
        self.editor = CodeEditor()
        self.highlighter = PythonHighlighter(self.editor.document())
        splitter.addWidget(self.editor)
        self.console = QPlainTextEdit()
        self.console.setObjectName("scriptConsole")
        self.console.setReadOnly(True)
        self.console.setFont(monospace(9.5))
        self.console.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.console.setPlaceholderText("What the script prints appears here.")
        splitter.addWidget(self.console)
        splitter.setSizes([300, 160])
        layout.addWidget(splitter, 1)
        self.setWidget(body)

    def set_dark(self, dark: bool) -> None:
        self.highlighter.set_dark(dark)

    def show_script(self, source: str | None) -> None:
        """Put a document's script in the editor (the console starts empty)."""
        self.editor.setPlainText(source or "")
        self.editor.mark_error(None)
        self.console.clear()
        self.status.clear()

    def load_tutorial(self) -> None:
        self.show_script(TUTORIAL_SCRIPT.read_text(encoding="utf-8"))
        self.setVisible(True)
        self.raise_()
        self.status.setText(f"{TUTORIAL_SCRIPT.name}: press Run (Ctrl+Enter)")

    def load_file(self, path: Path) -> None:
        self.show_script(Path(path).read_text(encoding="utf-8"))

    def run(self) -> bool:
        from ..graph.script import ScriptError, run_script

        source = self.editor.toPlainText()
        self.editor.mark_error(None)
        try:
            result = run_script(source)
        except ScriptError as exc:
            self.console.setPlainText(_console_text(exc.output, exc.warnings, str(exc)))
            self.editor.mark_error(exc.lineno)
            self.status.setText(f"<span style='color:#d23c3c'>error on line {exc.lineno}</span>"
                                if exc.lineno else "<span style='color:#d23c3c'>error</span>")
            self.window_.show_message(f"Script stopped: {exc}")
            self.ran.emit(False)
            return False
        self.last_result = result
        self.console.setPlainText(_console_text(result.output, result.warnings, ""))
        self.window_.replace_with_script(result, source)
        count = len(result.document.nodes)
        self.status.setText(f"ran: {count} node{'s' * (count != 1)} recorded")
        self.ran.emit(True)
        return True


def _console_text(output: str, warnings: list[str], error: str) -> str:
    text = output
    for warning in warnings:
        text += ("" if not text or text.endswith("\n") else "\n") + f"warning: {warning}\n"
    if error:
        text += ("" if not text or text.endswith("\n") else "\n") + error
    return text
