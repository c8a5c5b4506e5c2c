"""The main window: canvas, palette, history, menus, files, undo and settings."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMimeData, QPointF, QRectF, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QGuiApplication, QKeySequence, QUndoStack
from PySide6.QtWidgets import (
    QApplication,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QMainWindow,
    QMessageBox,
    QProgressDialog,
    QUndoView,
)

import gradviz

from ..autograd.registry import REGISTRY
from ..graph import (
    Document,
    DocumentError,
    GraphFileError,
    TraceError,
    apply_layout,
    layered_layout,
    load,
    save,
)
from ..graph.fileio import fragment_to_dict, value_to_dict
from ..graph.values import ValueSpec
from . import collector, commands, steps
from .autosave import Autosaver, pending_recoveries
from .autosave import default_folder as default_autosave_folder
from .canvas import LARGE_SCENE, GraphScene, GraphView, missing_input
from .examples import TUTORIAL, example_files, example_title
from .expression_bar import ExpressionBar, interpreter_available
from .grad_check import GradCheckError, gradient_check
from .gradient_dialog import GradientDialog, gradient_text, parse_gradient
from .inspector import Inspector
from .items import NodeItem
from .layout_worker import BACKGROUND_THRESHOLD, LayoutJob, prewarm
from .palette import Palette
from .script_panel import TUTORIAL_SCRIPT, ScriptPanel
from .stepper import Stepper
from .stepper_panel import StepperPanel
from .theme import application_palette, theme_named

ORGANIZATION, APPLICATION = "gradviz", "gradviz"
FRAGMENT_MIME = "application/x-gradviz-fragment"
FILE_FILTER = "gradviz graphs (*.gvz);;All files (*)"
MAX_RECENT = 10
PREWARM_BYTES = 200_000   # a file this big may need a background layout
PLACE_CHUNK = 150     # items moved per event-loop turn when a big layout arrives

# Values for attributes an op cannot do without, so a palette node is valid at once.
REQUIRED_DEFAULTS = {("shape", "shape"): [-1], ("dims", "shape"): [1, 0],
                     ("size", "shape"): [2, 2], ("dim", "int"): 0, ("index", "index"): 0,
                     ("dtype", "dtype"): "float64"}
SOFTMAX_OPS = ("softmax", "log_softmax")


def creator_value(name: str) -> ValueSpec:
    """The value rule a palette tensor creator starts with."""
    if name == "tensor":
        return ValueSpec("values", (2, 2), np.array([[1, 2], [3, 4]], dtype=np.float32))
    if name in ("rand", "randn"):
        return ValueSpec(name, (2, 2), seed=0)
    if name == "full":
        return ValueSpec("full", (2, 2), fill=0.5)
    if name == "arange":
        return ValueSpec("arange", (4,), start=0.0, end=4.0, step=1.0)
    if name == "linspace":
        return ValueSpec("linspace", (5,), start=0.0, end=1.0)
    if name == "eye":
        return ValueSpec("eye", (3, 3))
    return ValueSpec(name, (2, 2))


def _export_script_function():
    """``export_script(document) -> str`` from the graph layer, if it has one."""
    try:
        from ..graph import export_script
        return export_script
    except ImportError:
        pass
    try:
        from ..graph.export import export_script
        return export_script
    except ImportError:
        return None


class MainWindow(QMainWindow):
    #: Documents with at least this many nodes are laid out off the UI thread.
    background_layout_threshold = BACKGROUND_THRESHOLD
    layout_mode = "process"      # or "thread" (see layout_worker)

    def __init__(self, settings: QSettings | None = None, theme: str | None = None,
                 autosave_folder: Path | None = None) -> None:
        super().__init__()
        self.settings = settings if settings is not None else QSettings(ORGANIZATION, APPLICATION)
        if autosave_folder is None:  # private settings (tests) keep their autosaves beside them
            autosave_folder = (default_autosave_folder() if settings is None
                               else Path(settings.fileName()).parent / "autosave")
        self.theme_name = theme or str(self.settings.value("theme", "system"))
        self.theme = theme_named(self.theme_name)
        self.document = Document()
        self.path: Path | None = None
        self.last_message = ""
        self._find = ("", -1)
        self._paste_count = 0
        self.layout_job: LayoutJob | None = None
        self.layout_progress: QProgressDialog | None = None
        self._layout_paused = False   # the collector waits for a background layout

        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._update_title)
        self.scene = GraphScene(self.theme, self)
        self.view = GraphView(self.scene, self)
        self.setCentralWidget(self.view)
        self.palette = Palette(self)
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.palette)
        self.history = QDockWidget("History", self)
        self.history.setObjectName("historyDock")
        self.history.setWidget(QUndoView(self.undo_stack))
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.history)
        self.expression_bar = ExpressionBar(self)
        self.stepper = Stepper(self.scene, self)
        self.stepper.message.connect(self.show_message)
        self.last_grad_check: float | None = None

        self._make_actions()
        self._make_docks()
        self._make_menus()
        self._make_toolbars()
        self.view.connect_requested.connect(self.connect_nodes)
        self.view.moved.connect(self.move_nodes)
        self.view.add_requested.connect(self._add_dropped)
        self.view.node_activated.connect(self.rename_dialog)
        self.view.message.connect(self.show_message)
        self.view.space_tapped.connect(self.actionPlay.trigger)
        self.palette.add_requested.connect(lambda kind, name: self.add_node(kind, name))
        self.expression_bar.message.connect(self.show_message)

        self.resize(1280, 800)
        geometry = self.settings.value("geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.value("windowState")
        self._docks_sized = state is not None     # a saved layout keeps its dock sizes
        if state is not None:
            self.restoreState(state)
        hints = QGuiApplication.styleHints()
        hints.colorSchemeChanged.connect(lambda _scheme: self._follow_system())
        if not interpreter_available():  # the bar needs gradviz.graph.script
            self.expression_bar.hide()
            self.expression_bar.toggleViewAction().setEnabled(False)
        self.apply_theme(self.theme_name)
        self.set_document(Document(), None)
        self.autosaver = Autosaver(self._unsaved_work, autosave_folder, parent=self)
        self.autosaver.start()

    # -- actions and menus -----------------------------------------------------------------
    def _action(self, name: str, text: str, slot, shortcut=None, tip: str = "") -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        self.addAction(action)
        return action

    def _make_actions(self) -> None:
        key = QKeySequence.StandardKey
        a = self._action
        self.actionNew = a("actionNew", "&New", self.new_document, key.New)
        self.actionOpen = a("actionOpen", "&Open…", self.open_dialog, key.Open)
        self.actionSave = a("actionSave", "&Save", self.save, key.Save)
        self.actionSaveAs = a("actionSaveAs", "Save &As…", self.save_as, key.SaveAs)
        self.actionExportImage = a("actionExportImage", "Export &Image…", self.export_image_dialog,
                                   "Ctrl+E", "Save the whole graph as PNG or SVG")
        self.export_script = _export_script_function()
        if self.export_script is not None:
            self.actionExportScript = a("actionExportScript", "Export S&cript…",
                                        self.export_script_dialog, "Ctrl+Shift+E",
                                        "Save the graph as a PyTorch script")
        self.actionQuit = a("actionQuit", "&Quit", self.close, key.Quit)
        self.actionUndo = self.undo_stack.createUndoAction(self, "&Undo")
        self.actionUndo.setObjectName("actionUndo")
        self.actionUndo.setShortcuts(QKeySequence.StandardKey.Undo)
        self.actionRedo = self.undo_stack.createRedoAction(self, "&Redo")
        self.actionRedo.setObjectName("actionRedo")
        self.actionRedo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.addActions([self.actionUndo, self.actionRedo])
        self.actionCut = a("actionCut", "Cu&t", self.cut, key.Cut)
        self.actionCopy = a("actionCopy", "&Copy", self.copy, key.Copy)
        self.actionPaste = a("actionPaste", "&Paste", self.paste, key.Paste)
        self.actionDuplicate = a("actionDuplicate", "D&uplicate", self.duplicate, "Ctrl+D")
        self.actionDelete = a("actionDelete", "&Delete", self.delete_selection,
                              [QKeySequence.StandardKey.Delete, "Backspace"])
        self.actionSelectAll = a("actionSelectAll", "Select &All", self.select_all, key.SelectAll)
        self.actionFind = a("actionFind", "&Find Node…", self.find_dialog, key.Find)
        self.actionRename = a("actionRename", "&Rename…", self.rename_selected, "F2")
        self.actionZoomIn = a("actionZoomIn", "Zoom &In", lambda: self.view.zoom_by(1.25),
                              ["Ctrl+=", "Ctrl++"])
        self.actionZoomOut = a("actionZoomOut", "Zoom &Out", lambda: self.view.zoom_by(0.8),
                               "Ctrl+-")
        self.actionZoomReset = a("actionZoomReset", "Actual &Size", self.view.zoom_reset,
                                 "Ctrl+0")
        self.actionFitView = a("actionFitView", "&Fit Graph", self.view.fit, "F",
                               "Show the whole graph")
        self.actionAutoLayout = a("actionAutoLayout", "Auto &Layout", self.auto_layout, "Ctrl+L",
                                  "Arrange the graph in layers (pinned nodes stay)")
        self.actionAbout = a("actionAbout", "&About gradviz", self.about)
        self._make_run_actions()

    def _make_run_actions(self) -> None:
        a, s = self._action, self.stepper
        self.actionForward = a("actionForward", "&Forward", self.forward, "F5",
                               "Evaluate the graph: every node shows its value")
        self.actionBackward = a("actionBackward", "&Backward", self.run_backward, "Ctrl+B",
                                "Trace backward from the selected node (or the output)")
        self.actionAccumulate = QAction("Accumulate into .grad (retain_graph)", self)
        self.actionAccumulate.setObjectName("actionAccumulate")
        self.actionAccumulate.setCheckable(True)
        self.actionAccumulate.setStatusTip("A second Backward adds to the leaves' .grad, as "
                                           "PyTorch does with retain_graph=True")
        self.actionResetSteps = a("actionResetSteps", "&Reset Steps", s.reset, "Home",
                                  "Back to before the first backward step")
        self.actionStepBack = a("actionStepBack", "Step Bac&k", s.step_back, "Left",
                                "Undo the last backward step")
        self.actionStepForward = a("actionStepForward", "&Step", self.step_forward, "Right",
                                   "Run the next backward step")
        self.actionRunToEnd = a("actionRunToEnd", "Run to &End", self.run_to_end, "End",
                                "Run every remaining backward step")
        self.actionPlay = a("actionPlay", "&Play", self.toggle_play, "Space",
                            "Play or pause the backward steps")
        self.actionGradCheck = a("actionGradCheck", "&Gradient Check", self.gradient_check,
                                 "Ctrl+G", "Compare the selected leaf's gradient with finite "
                                 "differences")
        # short toolbar labels; the menu keeps the full names
        for action, text in ((self.actionAccumulate, "Accumulate .grad"),
                             (self.actionResetSteps, "|◀ Reset"), (self.actionStepBack, "◀ Back"),
                             (self.actionPlay, "Play"), (self.actionStepForward, "Step ▶"),
                             (self.actionRunToEnd, "End ▶|"), (self.actionGradCheck, "Grad Check")):
            action.setIconText(text)
        self.actionPlay.setIconText("Play ▶▶")
        self.stepper.changed.connect(self._update_run_actions)

    def _make_docks(self) -> None:
        self.stepper_panel = StepperPanel(self.stepper, self)
        self.stepper_dock = QDockWidget("Backward step", self)
        self.stepper_dock.setObjectName("stepperDock")
        self.stepper_dock.setWidget(self.stepper_panel)
        self.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.stepper_dock)
        self.inspector = Inspector(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.inspector)
        self.script_panel = ScriptPanel(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.script_panel)
        self.tabifyDockWidget(self.inspector, self.script_panel)
        self.inspector.raise_()

    def _make_menus(self) -> None:
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        file_menu.addActions([self.actionNew, self.actionOpen])
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._fill_recent()
        self.examples_menu = file_menu.addMenu("E&xamples")
        for path in example_files():
            action = self.examples_menu.addAction(example_title(path))
            action.setData(str(path))
            action.triggered.connect(lambda _c=False, p=path: self.open_example(p))
        self.examples_menu.setEnabled(bool(example_files()))
        if TUTORIAL_SCRIPT.is_file():  # beside Examples (that menu lists .gvz files only)
            file_menu.addAction(self.script_panel.actionTutorialScript)
        file_menu.addSeparator()
        file_menu.addActions([self.actionSave, self.actionSaveAs])
        file_menu.addSeparator()
        file_menu.addAction(self.actionExportImage)
        if self.export_script is not None:
            file_menu.addAction(self.actionExportScript)
        file_menu.addSeparator()
        file_menu.addAction(self.actionQuit)

        edit = bar.addMenu("&Edit")
        edit.addActions([self.actionUndo, self.actionRedo])
        edit.addSeparator()
        edit.addActions([self.actionCut, self.actionCopy, self.actionPaste, self.actionDuplicate,
                         self.actionDelete])
        edit.addSeparator()
        edit.addActions([self.actionSelectAll, self.actionFind, self.actionRename])

        view = bar.addMenu("&View")
        view.addActions([self.actionZoomIn, self.actionZoomOut, self.actionZoomReset,
                         self.actionFitView])
        view.addSeparator()
        view.addAction(self.actionAutoLayout)
        view.addSeparator()
        theme_menu = view.addMenu("&Theme")
        group = QActionGroup(self)
        self.theme_actions = {}
        for name in ("system", "light", "dark"):
            action = theme_menu.addAction(name.capitalize())
            action.setCheckable(True)
            action.setChecked(name == self.theme_name)
            action.triggered.connect(lambda _c=False, n=name: self.apply_theme(n))
            group.addAction(action)
            self.theme_actions[name] = action
        view.addSeparator()
        view.addAction(self.palette.toggleViewAction())
        view.addAction(self.history.toggleViewAction())
        view.addAction(self.expression_bar.toggleViewAction())
        for dock in (self.stepper_dock, self.inspector, self.script_panel):
            view.addAction(dock.toggleViewAction())

        run = bar.addMenu("&Run")
        run.addActions([self.actionForward, self.actionBackward, self.actionAccumulate])
        run.addSeparator()
        run.addActions([self.actionResetSteps, self.actionStepBack, self.actionStepForward,
                        self.actionRunToEnd, self.actionPlay])
        run.addSeparator()
        run.addAction(self.actionGradCheck)
        run.addSeparator()
        run.addAction(self.script_panel.actionRunScript)

        help_menu = bar.addMenu("&Help")
        help_menu.addAction(self.actionAbout)

    def _make_toolbars(self) -> None:
        tools = self.addToolBar("File")
        tools.setObjectName("fileToolBar")
        tools.addActions([self.actionNew, self.actionOpen, self.actionSave])
        tools.addSeparator()
        tools.addActions([self.actionUndo, self.actionRedo])
        tools.addSeparator()
        tools.addActions([self.actionAutoLayout, self.actionFitView])
        run = self.addToolBar("Run")
        run.setObjectName("runToolBar")
        run.addActions([self.actionForward, self.actionBackward, self.actionAccumulate])
        run.addSeparator()
        run.addActions([self.actionResetSteps, self.actionStepBack, self.actionPlay,
                        self.actionStepForward, self.actionRunToEnd])
        run.addSeparator()
        run.addAction(self.actionGradCheck)
        self.addToolBarBreak()
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.expression_bar)

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if not self._docks_sized:     # first run: give the canvas the room
            self._docks_sized = True
            self.resizeDocks([self.stepper_dock], [170], Qt.Orientation.Vertical)
            self.resizeDocks([self.inspector], [310], Qt.Orientation.Horizontal)

    # -- messages and title --------------------------------------------------------------------
    def show_message(self, text: str) -> None:
        self.last_message = text
        self.statusBar().showMessage(text, 10000)

    def _update_title(self) -> None:
        name = self.path.name if self.path else (self.document.title or "Untitled")
        self.setWindowTitle(f"{name}[*] — gradviz")
        self.setWindowModified(not self.undo_stack.isClean())

    # -- the document --------------------------------------------------------------------------
    def set_document(self, document: Document, path: Path | None) -> None:
        """Show ``document`` evaluated, with a fresh history; laid out when it has no
        positions or its nodes, drawn at their real sizes, would overlap (a large one in
        the background: ``layout_busy()`` is True until its positions are applied)."""
        self.cancel_layout()
        with collector.paused():
            thawed = collector.thaw()   # the previous document's objects may go now
            self._show_document(document, path)
            if thawed:
                gc.collect()
            if not self.layout_busy():
                self._freeze_large_document()

    def _show_document(self, document: Document, path: Path | None) -> None:
        self.scene.set_document(document)
        self.document = document
        self.stepper.attach(document)
        self.script_panel.show_script(document.script)
        self.last_grad_check = None
        if _needs_layout(document) or self.scene.overlapping():
            if len(document.nodes) >= self.background_layout_threshold:
                # nothing worth drawing (every node on one spot) until the layout lands
                self.view.viewport().setUpdatesEnabled(False)
                self.scene.hold_moves()  # no scene index while every node sits on one spot
                self.start_layout(on_open=True)
            else:
                layout = layered_layout(document, "TB", sizes=self.scene.node_sizes())
                document.move_many({node_id: new for node_id, (_, new)
                                    in self._layout_moves(layout).items()})
        self.path = Path(path) if path is not None else None
        self.undo_stack.clear()
        self.undo_stack.setClean()
        self._paste_count = 0
        self._update_title()
        self.view.fit()
        QTimer.singleShot(0, self.view.fit)

    def _freeze_large_document(self) -> None:
        """A large document's objects live until the next one is opened; frozen, they are
        left out of Python's full collections (see ``collector``)."""
        if len(self.document.nodes) >= LARGE_SCENE:
            collector.freeze()

    # -- autosave and recovery -------------------------------------------------------------
    def _unsaved_work(self) -> tuple[Document, str | None] | None:
        if self.undo_stack.isClean():
            return None
        return self.document, (str(self.path) if self.path else None)

    def offer_recovery(self) -> bool:
        """After an unclean exit, offer the work it left behind; True if restored."""
        for recovery in pending_recoveries(self.autosaver.folder):
            answer = QMessageBox.question(
                self, "Recover unsaved work",
                f"gradviz did not close normally last time. Restore {recovery.describe()}?",
                QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                QMessageBox.StandardButton.Yes)
            if answer != QMessageBox.StandardButton.Yes:
                recovery.discard()
                continue
            try:
                document = load(recovery.document_path)
            except GraphFileError as exc:
                QMessageBox.critical(self, "Recovery failed", str(exc))
                recovery.discard()
                continue
            self.set_document(document, Path(recovery.source) if recovery.source else None)
            self.undo_stack.resetClean()  # restored work is unsaved work
            self._update_title()
            recovery.discard()
            self.autosaver.save_now()
            self.show_message(f"Restored {recovery.describe()}")
            return True
        return False

    def load_startup(self, path: str | None = None) -> None:
        """What launch shows: the given file, else the tutorial example."""
        if path is not None:
            self.open_path(path)
        elif TUTORIAL.is_file():
            self.open_path(TUTORIAL, as_template=True)

    def open_path(self, path, as_template: bool = False) -> bool:
        """Load ``path``; on a bad file show the reason and keep the current document.

        ``as_template`` (examples) opens the file without binding Save to it.
        """
        if self.layout_mode == "process" and Path(path).is_file() \
                and Path(path).stat().st_size > PREWARM_BYTES:
            prewarm()             # the layout process starts while the file loads
        try:
            with collector.paused():
                document = load(path)
        except GraphFileError as exc:
            QMessageBox.critical(self, "Cannot open file", f"{Path(path).name}: {exc}")
            self.show_message(f"Could not open {Path(path).name}: {exc}")
            return False
        self.set_document(document, None if as_template else path)
        if not as_template:
            self._add_recent(path)
        self.show_message(f"Opened {Path(path).name}")
        return True

    def save_path(self, path) -> bool:
        try:
            save(self.document, path)
        except (OSError, GraphFileError, ValueError) as exc:
            QMessageBox.critical(self, "Cannot save file", f"{Path(path).name}: {exc}")
            self.show_message(f"Could not save {Path(path).name}: {exc}")
            return False
        self.path = Path(path)
        self.undo_stack.setClean()
        self._add_recent(path)
        self._update_title()
        self.show_message(f"Saved {self.path.name}")
        return True

    def save(self) -> bool:
        return self.save_path(self.path) if self.path is not None else self.save_as()

    def save_as(self) -> bool:
        start = str(self.path or Path.home() / f"{self.document.title or 'untitled'}.gvz")
        path, _ = QFileDialog.getSaveFileName(self, "Save As", start, FILE_FILTER)
        if not path:
            return False
        if not Path(path).suffix:
            path += ".gvz"
        return self.save_path(path)

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current document (saved, discarded)."""
        if self.undo_stack.isClean():
            return True
        name = self.path.name if self.path else (self.document.title or "Untitled")
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        answer = QMessageBox.warning(self, "Unsaved changes",
                                     f"Save the changes to {name} before closing it?",
                                     buttons, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def new_document(self) -> None:
        if self.maybe_save():
            self.set_document(Document(), None)

    def open_dialog(self) -> None:
        if not self.maybe_save():
            return
        start = str(self.path.parent if self.path else Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open", start, FILE_FILTER)
        if path:
            self.open_path(path)

    def open_example(self, path: Path) -> None:
        if self.maybe_save():
            self.open_path(path, as_template=True)

    def _add_recent(self, path) -> None:
        path = str(Path(path).resolve())
        recent = [p for p in self.recent_files() if p != path]
        self.settings.setValue("recentFiles", [path, *recent][:MAX_RECENT])

    def recent_files(self) -> list[str]:
        value = self.settings.value("recentFiles", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in (value or [])]

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_files():
            action = self.recent_menu.addAction(Path(path).name)
            action.setToolTip(path)
            action.triggered.connect(lambda _c=False, p=path: self._open_recent(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def _open_recent(self, path: str) -> None:
        if self.maybe_save():
            self.open_path(path)

    def closeEvent(self, event) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("windowState", self.saveState())
        self.settings.sync()
        self.cancel_layout()
        self.scene.detach()
        self.autosaver.stop()
        event.accept()

    # -- edits (each one a command) ----------------------------------------------------------------
    def execute(self, command: commands.DocumentCommand) -> bool:
        """Perform an edit and put it on the undo stack; a refused edit changes nothing."""
        try:
            command.do()
        except (DocumentError, GraphFileError) as exc:
            self.show_message(f"Refused: {exc}")
            return False
        self.undo_stack.push(command)
        return True

    def view_centre(self) -> QPointF:
        return self.view.mapToScene(self.view.viewport().rect().center())

    def _free_spot(self, pos: QPointF) -> tuple[float, float]:
        """``pos``, or the nearest spot to its right where a new node overlaps nothing."""
        x, y = round(pos.x()), round(pos.y())
        for _ in range(200):
            box = QRectF(x - 100, y - 50, 200, 100)
            if not any(isinstance(i, NodeItem) for i in self.scene.items(box)):
                break
            x += 40
        return (float(x), float(y))

    def add_node(self, kind: str, name: str, pos: QPointF | None = None) -> str | None:
        """Add a palette entry (a tensor creator or a registry op); returns the new id."""
        position = list(self._free_spot(pos if pos is not None else self.view_centre()))
        doc = self.document
        if kind == "tensor":
            spec = creator_value(name)
            node_id = doc.new_id("x")
            state = {"id": node_id, "kind": "tensor", "name": node_id, "dtype": "float32",
                     "requires_grad": False, "value": value_to_dict(spec, "float32")}
        elif kind == "op" and name in REGISTRY:
            spec = REGISTRY[name]
            node_id = doc.new_id(name)
            attrs = {}
            for attr in spec.attrs:
                if attr.required:
                    default = -1 if name in SOFTMAX_OPS else \
                        REQUIRED_DEFAULTS.get((attr.name, attr.kind), 0)
                    attrs[attr.name] = default
            state = {"id": node_id, "kind": "op", "op": name, "name": "", "attrs": attrs,
                     "inputs": [] if spec.variadic else [None] * len(spec.inputs)}
        else:
            self.show_message(f"Unknown palette entry {kind}:{name}")
            return None
        state.update(position=position, pinned=False, label="")
        if not self.execute(commands.AddNodeCommand(doc, state)):
            return None
        self.scene.select_ids([node_id])
        self.show_message(f"Added {node_id}")
        return node_id

    def _add_dropped(self, kind: str, name: str, pos: QPointF) -> None:
        self.add_node(kind, name, pos)

    def connect_nodes(self, source: str, target: str, slot: int) -> bool:
        """Connect, or refuse with the reason (cycle, occupied slot, shapes that do not fit)."""
        doc = self.document
        before = doc.evaluate().get(target)
        before_message = before.message if before is not None else ""
        command = commands.ConnectCommand(doc, source, target, slot)
        try:
            command.do()
        except DocumentError as exc:
            self.show_message(f"Refused: {exc}")
            return False
        after = doc.evaluate()[target]
        if after.status == "error" and not missing_input(doc, target) \
                and after.message != before_message:
            command.undo_()
            self.show_message(f"Refused: {doc.display_name(target)}: {after.message}")
            return False
        self.undo_stack.push(command)
        self.show_message(f"Connected {source} → {target}")
        return True

    def move_nodes(self, moves: dict) -> None:
        self.execute(commands.MoveCommand(self.document, moves))

    def selected_ids(self) -> list[str]:
        return self.scene.selected_ids()

    def delete_selection(self) -> None:
        ids, edges = self.scene.selected_ids(), self.scene.selected_edges()
        if not ids and not edges:
            self.show_message("Nothing selected to delete")
            return
        text = f"Delete {ids[0]}" if len(ids) == 1 and not edges else \
            f"Delete {len(ids)} nodes" if ids else "Delete connection"
        if self.execute(commands.DeleteCommand(self.document, ids, edges, text)):
            self.show_message(text)

    def copy(self) -> bool:
        ids = self.scene.selected_ids()
        if not ids:
            self.show_message("Nothing selected to copy")
            return False
        text = json.dumps(fragment_to_dict(self.document, ids))
        mime = QMimeData()
        mime.setData(FRAGMENT_MIME, text.encode())
        mime.setText(text)
        QGuiApplication.clipboard().setMimeData(mime)
        self._paste_count = 0
        self.show_message(f"Copied {len(ids)} node{'s' * (len(ids) != 1)}")
        return True

    def cut(self) -> None:
        if self.copy():
            self.delete_selection()

    def paste(self) -> list[str]:
        mime = QGuiApplication.clipboard().mimeData()
        if mime is not None and mime.hasFormat(FRAGMENT_MIME):
            text = bytes(mime.data(FRAGMENT_MIME)).decode()
        else:
            text = mime.text() if mime is not None else ""
        try:
            fragment = json.loads(text)
        except ValueError:
            self.show_message("The clipboard does not hold gradviz nodes")
            return []
        self._paste_count += 1
        return self._insert(fragment, 40.0 * self._paste_count, "Paste")

    def duplicate(self) -> list[str]:
        ids = self.scene.selected_ids()
        if not ids:
            self.show_message("Nothing selected to duplicate")
            return []
        return self._insert(fragment_to_dict(self.document, ids), 40.0, "Duplicate")

    def _insert(self, fragment, offset: float, text: str) -> list[str]:
        command = commands.PasteCommand(self.document, fragment, (offset, offset), text)
        if not self.execute(command):
            return []
        self.scene.select_ids(command.ids)
        self.show_message(f"{text}: {len(command.ids)} node{'s' * (len(command.ids) != 1)}")
        return command.ids

    def select_all(self) -> None:
        self.scene.select_ids(list(self.document.nodes))

    def find_node(self, text: str) -> str | None:
        """Select and centre the next node whose name, id or op contains ``text``."""
        needle = text.strip().lower()
        if not needle:
            return None
        hits = [n for n, node in self.document.nodes.items()
                if needle in self.document.display_name(n).lower() or needle in n.lower()
                or needle in getattr(node, "op", "").lower()]
        if not hits:
            self.show_message(f"No node matches “{text}”")
            return None
        last_text, last = self._find
        index = (last + 1) % len(hits) if last_text == needle else 0
        self._find = (needle, index)
        node_id = hits[index]
        self.scene.select_ids([node_id])
        self.view.centerOn(self.scene.nodes[node_id])
        self.show_message(f"Found {node_id} ({index + 1} of {len(hits)})")
        return node_id

    def find_dialog(self) -> None:
        text, ok = QInputDialog.getText(self, "Find Node", "Name or op:", text=self._find[0])
        if ok:
            self.find_node(text)

    def rename_selected(self) -> None:
        ids = self.scene.selected_ids()
        if len(ids) == 1:
            self.rename_dialog(ids[0])
        else:
            self.show_message("Select one node to rename")

    def rename_dialog(self, node_id: str) -> None:
        node = self.document.nodes[node_id]
        text, ok = QInputDialog.getText(self, "Rename", f"Name of {node_id}:",
                                        text=node.name)
        if ok and text != node.name:
            self.execute(commands.RenameCommand(self.document, node_id, text))

    def auto_layout(self) -> None:
        """Lay the graph out in layers (pinned nodes stay) as one undo step; large graphs
        in the background, with a progress dialog whose Cancel changes nothing."""
        if self.layout_job is not None:
            return
        if self.scene.pending():
            self.scene.refresh()      # sizes as drawn now
        if len(self.document.nodes) >= self.background_layout_threshold:
            self.start_layout(on_open=False)
            return
        layout = layered_layout(self.document, "TB", sizes=self.scene.node_sizes())
        self._apply_layout(layout, on_open=False)

    def _layout_moves(self, layout) -> dict[str, tuple]:
        """node id -> (old, new) position for every unpinned node the layout moves."""
        moves = {}
        for node_id, pos in layout.positions.items():
            node = self.document.nodes.get(node_id)
            if node is None or node.pinned:
                continue
            pos = (float(pos[0]), float(pos[1]))
            if pos != node.position:
                moves[node_id] = (node.position, pos)
        return moves

    def _apply_layout(self, layout, on_open: bool, background: bool = False) -> None:
        """Move the nodes (one "Auto Layout" command, or plainly when opening), then the
        items in chunks so the event loop keeps turning, then fit."""
        moves = self._layout_moves(layout)
        self.scene.hold_moves()
        if on_open:
            self.document.move_many({node_id: new for node_id, (_, new) in moves.items()})
        elif moves:
            self.execute(commands.MoveCommand(self.document, moves, "Auto Layout"))
        text = ("Laid out the graph" if moves else "The layout is already tidy") \
            if not on_open else f"Laid out {len(self.document.nodes)} nodes"
        if background:     # the items follow over the next event-loop turns, undrawn until
            self.view.viewport().setUpdatesEnabled(False)     # they are all in place
            QTimer.singleShot(0, lambda: self._place_items(text))
            return
        self.scene.place_held()
        self.view.fit()
        self.show_message(text)

    def _place_items(self, text: str) -> None:
        if not self.scene.place_held(PLACE_CHUNK):
            QTimer.singleShot(0, lambda: self._place_items(text))
            return
        self._close_progress()
        self._layout_ended()
        QTimer.singleShot(0, lambda: self._reveal(text))  # fit and paint in later turns

    def _reveal(self, text: str) -> None:
        self.view.fit()
        self.view.viewport().setUpdatesEnabled(True)  # schedules the paint for a later turn
        self.show_message(text)

    def _layout_ended(self) -> None:
        """A background layout is over (placed, cancelled or failed): collections resume,
        with a large document's objects frozen first so that they skip them."""
        if self._layout_paused:
            self._layout_paused = False
            self._freeze_large_document()
            collector.resume()

    def layout_busy(self) -> bool:
        """True while a background layout runs or its positions are being applied."""
        return self.layout_job is not None or self.scene.holding_moves()

    def start_layout(self, on_open: bool = False) -> LayoutJob:
        """Lay the document out in the background (see ``layout_worker``)."""
        self.cancel_layout()
        count = len(self.document.nodes)
        job = LayoutJob(self.document, self.scene.node_sizes(), "TB", mode=self.layout_mode,
                        parent=self)
        if not self._layout_paused:      # the layout's objects are made in bulk
            collector.pause()
            self._layout_paused = True
        job.finished.connect(lambda layout: self._layout_arrived(job, layout, on_open))
        job.failed.connect(lambda message: self._layout_failed(job, message))
        self.layout_job = job
        progress = QProgressDialog(f"Laying out {count} nodes…", "Cancel", 0, 0, self)
        progress.setObjectName("layoutProgress")
        progress.setWindowTitle("Auto Layout")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(0)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(self.cancel_layout)
        progress.show()
        self.layout_progress = progress
        job.start()
        self.show_message(f"Laying out {count} nodes in the background…")
        return job

    def cancel_layout(self) -> None:
        """Abandon a running background layout: nothing moves, nothing is recorded."""
        job, self.layout_job = self.layout_job, None
        self._layout_ended()
        if job is None:
            return
        job.cancel()
        self._release_canvas()
        self.show_message("Layout cancelled: nothing moved")

    def _release_canvas(self) -> None:
        """After a layout that will not be applied: the items show where the nodes are."""
        self._close_progress()
        if self.scene.holding_moves():
            self.scene.place_held()
        self.view.viewport().setUpdatesEnabled(True)

    def _layout_arrived(self, job: LayoutJob, layout, on_open: bool) -> None:
        if job is not self.layout_job:
            return
        self.layout_job = None
        if self.layout_progress is not None:
            self.layout_progress.setLabelText("Placing the nodes…")
            self.layout_progress.setCancelButton(None)
        self.scene.hold_moves()      # busy until placed; reading the result took a turn
        document = self.document
        QTimer.singleShot(0, lambda: self._apply_arrived(layout, on_open, document))

    def _apply_arrived(self, layout, on_open: bool, document: Document) -> None:
        if document is self.document:   # not if another document was opened meanwhile
            self._apply_layout(layout, on_open, background=True)

    def _layout_failed(self, job: LayoutJob, message: str) -> None:
        if job is not self.layout_job:
            return
        self.layout_job = None
        self._layout_ended()
        self._release_canvas()
        self.show_message(f"Layout failed: {message}")

    def _close_progress(self) -> None:
        progress, self.layout_progress = self.layout_progress, None
        if progress is not None:
            progress.canceled.disconnect(self.cancel_layout)
            progress.hide()
            progress.deleteLater()

    # -- forward, backward and the stepper ---------------------------------------------------------
    def forward(self) -> None:
        """Evaluate the graph; every node shows its value (and any backward steps go)."""
        self.stepper.clear()
        self.scene.refresh()
        results = self.document.evaluate()
        errors = sum(1 for r in results.values() if r.status == "error")
        self.show_message(f"Forward: evaluated {len(results)} node{'s' * (len(results) != 1)}"
                          + (f", {errors} with errors" if errors else ""))

    def backward_start(self) -> str | None:
        """The selected node, else the document's backward start, else its single output."""
        ids = self.scene.selected_ids()
        return ids[0] if len(ids) == 1 else steps.start_node(self.document)

    def run_backward(self, ask: bool = True) -> bool:
        """Trace backward and stand before its first step. A non-scalar start needs a
        gradient: asked for (``ask``) or the document's own; a bad one is refused."""
        doc = self.document
        start = self.backward_start()
        if start is None:
            self.show_message("Backward: select the node to start from (the graph has "
                              f"{len(doc.sinks())} outputs)")
            return False
        result = doc.evaluate().get(start)
        name = doc.display_name(start)
        if result is None or not result.ok:
            self.show_message(f"Backward refused: {name} has no value"
                              + (f" ({result.message})" if result is not None else ""))
            return False
        shape = tuple(result.tensor.shape)
        stored = steps.start_gradient(doc) if start == steps.start_node(doc) else None
        gradient = stored
        if result.tensor.numel() != 1 and (ask or stored is None):
            initial = stored if stored is not None and \
                np.shape(stored) == shape else np.ones(shape)
            text, ok = GradientDialog.get_text(self, name, shape, gradient_text(initial))
            if not ok:
                self.show_message("Backward cancelled")
                return False
            try:
                gradient = parse_gradient(text, shape)
            except ValueError as exc:
                return self._refuse_backward(f"Backward refused: {exc}")
        accumulate = self.actionAccumulate.isChecked()
        try:
            with collector.paused():       # a large trace is many objects made at once
                trace = self.stepper.start(start, gradient, accumulate=accumulate)
                self._freeze_large_document()
        except TraceError as exc:
            return self._refuse_backward(f"Backward refused: {exc}")
        note = " (adding to the leaves' .grad)" if accumulate else ""
        self.show_message(f"Backward from {name}: {len(trace)} steps{note}. Step with →, "
                          "play with Space.")
        return True

    def _refuse_backward(self, text: str) -> bool:
        self.show_message(text)
        QMessageBox.critical(self, "Backward", text)
        return False

    def _ensure_trace(self) -> bool:
        return self.stepper.replay is not None or self.run_backward(ask=False)

    def step_forward(self) -> None:
        if self.stepper.replay is None:
            if self.run_backward(ask=False):
                self.stepper.step_forward()
            return
        self.stepper.step_forward()

    def run_to_end(self) -> None:
        if self._ensure_trace():
            self.stepper.run_to_end()

    def toggle_play(self) -> None:
        if self.stepper.playing:
            self.stepper.pause()
        elif self._ensure_trace():
            self.stepper.play()

    def _update_run_actions(self) -> None:
        s = self.stepper
        self.actionPlay.setText("&Pause" if s.playing else "&Play")
        self.actionPlay.setIconText("Pause ‖" if s.playing else "Play ▶▶")
        has = s.replay is not None
        self.actionStepBack.setEnabled(has and s.index > 0)
        self.actionResetSteps.setEnabled(has and s.index > 0)

    def gradient_check(self) -> float | None:
        """Finite differences against backward for the selected leaf (the only leaf that
        requires grad if nothing is selected); shows the largest absolute error."""
        doc = self.document
        ids = self.scene.selected_ids()
        leaves = [n for n, node in doc.nodes.items()
                  if node.kind == "tensor" and node.requires_grad]
        leaf = ids[0] if len(ids) == 1 else leaves[0] if len(leaves) == 1 else None
        trace = self.stepper.trace
        start = trace.start if trace is not None else steps.start_node(doc)
        if leaf is None or start is None:
            text = "Gradient check: select a leaf tensor that requires grad" if leaf is None \
                else "Gradient check: the graph has no single output to start from"
            self.inspector.check_result.setText(text)
            self.show_message(text)
            return None
        gradient = self.stepper.gradient if trace is not None else (
            steps.start_gradient(doc) if start == steps.start_node(doc) else None)
        try:
            error = gradient_check(doc, leaf, start, gradient)
        except (GradCheckError, TraceError, RuntimeError, ValueError) as exc:
            text = f"Gradient check: {exc}"
            self.inspector.check_result.setText(text)
            self.show_message(text)
            return None
        verdict = "agrees" if error < 1e-5 else "DISAGREES"
        text = (f"d {doc.display_name(start)} / d {doc.display_name(leaf)}: backward "
                f"{verdict} with finite differences; largest absolute error {error:.3g}")
        self.last_grad_check = error
        self.inspector.check_result.setText(text)
        self.show_message(text)
        return error

    def replace_with_script(self, result, source: str) -> bool:
        """Show a script's recorded graph, laid out at the canvas's real node sizes, as
        one undoable command."""
        recorded = result.document
        recorded.script = source
        if result.backward_start is not None:
            recorded.backward = {"start": result.backward_start,
                                 "gradient": result.backward_gradient}
        scratch = GraphScene(self.theme)
        scratch.set_document(recorded)
        sizes = scratch.node_sizes()
        scratch.detach()
        scratch.deleteLater()
        apply_layout(recorded, layered_layout(recorded, "TB", sizes=sizes))
        if not self.execute(commands.ReplaceContentsCommand(self.document, recorded,
                                                            "Run script")):
            return False
        self.scene.refresh()
        self._update_title()
        self.view.fit()
        self.show_message(f"Script ran: {len(recorded.nodes)} nodes recorded")
        return True

    # -- export, theme, about ---------------------------------------------------------------------
    def export_image(self, path) -> None:
        from .render import render_scene

        self.scene.refresh()
        render_scene(self.scene, path)
        self.show_message(f"Exported {Path(path).name}")

    def export_image_dialog(self) -> None:
        stem = self.path.stem if self.path else (self.document.title or "graph")
        path, chosen = QFileDialog.getSaveFileName(
            self, "Export Image", str(Path.home() / f"{stem}.png"),
            "PNG image (*.png);;SVG image (*.svg)")
        if not path:
            return
        if Path(path).suffix.lower() not in (".png", ".svg"):
            path += ".svg" if "svg" in chosen.lower() else ".png"
        try:
            self.export_image(path)
        except OSError as exc:
            QMessageBox.critical(self, "Cannot export image", str(exc))

    def export_script_dialog(self) -> None:
        stem = self.path.stem if self.path else "graph"
        path, _ = QFileDialog.getSaveFileName(self, "Export Script",
                                              str(Path.home() / f"{stem}.py"),
                                              "Python script (*.py)")
        if not path:
            return
        try:
            Path(path).write_text(self.export_script(self.document), encoding="utf-8")
        except (OSError, ValueError) as exc:
            QMessageBox.critical(self, "Cannot export script", str(exc))
            return
        self.show_message(f"Exported {Path(path).name}")

    def apply_theme(self, name: str) -> None:
        self.theme_name = name
        self.theme = theme_named(name)
        app = QApplication.instance()
        if app is not None:
            app.setPalette(application_palette(self.theme))
        self.scene.set_theme(self.theme)
        if self.stepper.replay is not None:
            self.scene.set_tints(self.stepper.tints())
        self.script_panel.set_dark(self.theme.name == "dark")
        self.stepper_panel.legend.update()
        self.stepper_panel.colour_bar.update()
        self.view.resetCachedContent()
        self.view.viewport().update()
        if name in self.theme_actions:
            self.theme_actions[name].setChecked(True)
        self.settings.setValue("theme", name)

    def _follow_system(self) -> None:
        if self.theme_name == "system":
            self.apply_theme("system")

    def about(self) -> None:
        QMessageBox.about(self, "About gradviz",
                          f"<b>gradviz {gradviz.__version__}</b><p>See automatic "
                          "differentiation: build tensor graphs and step through backward "
                          "propagation.</p><p>PySide6 · numpy · networkx</p>")


def _needs_layout(document: Document) -> bool:
    """A document whose nodes all sit at one point (e.g. from a script) gets laid out."""
    positions = {node.position for node in document.nodes.values()}
    return len(document.nodes) > 1 and len(positions) == 1
