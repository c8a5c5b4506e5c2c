"""Time the desktop application on large documents, offscreen, in one run.

    python benchmarks/bench_app.py [--sizes 500 2000 10000] [--steps 100] [--profile DIR]

For MLP-like documents of 500, 2,000 and 10,000 nodes (towers of matmul/add/tanh layers
with weight and bias leaves, some layers wide; 4x8 activations, so evaluation is cheap
but real), saved without positions so opening must lay them out, it measures in a
1280x800 window:

- open: ``open_path`` (load, evaluate, layout, items) until the layout is applied, plus
  the first paint of the viewport;
- a backward step: ``stepper.step_forward`` and the viewport repaint that shows it
  (median of ``--steps`` steps, both together and each alone);
- a full-view repaint zoomed out to the whole graph (median of 20), as it is and after a
  1% zoom (so nothing drawn before is reused);
- a backward step's repaint at 100% zoom, the view on the node the step runs (median);
- painted: the share of steps whose repaint happened within the timing;
- peak memory: tracemalloc's peak of Python allocations while opening and stepping
  (a separate pass, so tracing does not slow the timings) and the process's maxrss;
- the longest event-loop stall (a 5 ms timer's largest gap) while Auto Layout of the
  largest document runs.

``--profile DIR`` also writes cProfile dumps of open and step for each size.
"""

import argparse
import cProfile
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

os.environ["QT_QPA_PLATFORM"] = "offscreen"

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from gradviz.graph import Document, ValueSpec, save  # noqa: E402
from gradviz.ui import MainWindow  # noqa: E402

NODE_COUNTS = (500, 2_000, 10_000)
TOWERS = 4
WIDE_EVERY = 4      # every 4th layer of a tower is wide
WIDE_BRANCHES = 6
FEATURES = 8
BATCH = 4
REPAINTS = 20
TARGETS = ("targets: 2,000 nodes open < 1 s; a step's repaint < 16 ms; 10,000 nodes open "
           "< 5 s; longest event-loop stall during a 10,000-node layout < 100 ms")


# --- documents ------------------------------------------------------------------------


class _Builder:
    """Adds MLP layers to a document with short explicit ids (no id search per node)."""

    def __init__(self) -> None:
        self.doc = Document("bench")
        self.count = 0

    def _id(self, base: str) -> str:
        self.count += 1
        return f"{base}{self.count}"

    def leaf(self, base: str, shape: tuple[int, ...], grad: bool) -> str:
        node_id = self._id(base)
        return self.doc.add_tensor(node_id, ValueSpec("randn", shape, seed=self.count),
                                   requires_grad=grad, node_id=node_id)

    def op(self, op: str, inputs: list[str]) -> str:
        node_id = self._id(op)
        return self.doc.add_op(op, inputs=inputs, name=node_id, node_id=node_id)

    def dense(self, h: str) -> str:
        """tanh(h @ W + b): two leaves and three ops."""
        w = self.leaf("W", (FEATURES, FEATURES), True)
        b = self.leaf("b", (FEATURES,), True)
        return self.op("tanh", [self.op("add", [self.op("matmul", [h, w]), b])])

    def wide(self, h: str) -> str:
        """Several dense branches of ``h`` summed: a wide layer."""
        branches = [self.dense(h) for _ in range(WIDE_BRANCHES)]
        total = branches[0]
        for branch in branches[1:]:
            total = self.op("add", [total, branch])
        return total


def mlp_document(nodes: int) -> Document:
    """About ``nodes`` nodes: TOWERS towers of layers, summed and averaged at the end."""
    build = _Builder()
    heads = [build.leaf("x", (BATCH, FEATURES), False) for _ in range(TOWERS)]
    per_wide = WIDE_BRANCHES * 5 + WIDE_BRANCHES - 1
    layer = 0
    while build.count + TOWERS + 4 < nodes:
        tower = layer % TOWERS
        wide = (layer // TOWERS) % WIDE_EVERY == WIDE_EVERY - 1 \
            and build.count + per_wide + TOWERS + 4 < nodes
        heads[tower] = build.wide(heads[tower]) if wide else build.dense(heads[tower])
        layer += 1
    total = heads[0]
    for head in heads[1:]:
        total = build.op("add", [total, head])
    build.op("mean", [total])
    return build.doc


# --- measuring ------------------------------------------------------------------------


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f}"


def wait_for_layout(app: QApplication, window: MainWindow) -> None:
    """Let a background layout (if the window runs one) finish and be applied."""
    busy = getattr(window, "layout_busy", None)
    while busy is not None and busy():
        app.processEvents()
        time.sleep(0.001)


def paint(window: MainWindow) -> None:
    window.view.viewport().repaint()


def open_document(app: QApplication, window: MainWindow, path: Path) -> float:
    start = time.perf_counter()
    window.open_path(path)
    wait_for_layout(app, window)
    app.processEvents()          # the queued fit
    paint(window)
    return time.perf_counter() - start


class PaintCounter(QObject):
    """Counts the paint events a widget receives (a step whose repaint never happened
    would look fast)."""

    def __init__(self, widget) -> None:
        super().__init__()
        self.count = 0
        widget.installEventFilter(self)

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.count += 1
        return False


def time_steps(app: QApplication, window: MainWindow, count: int,
               follow: bool = False) -> tuple[float, ...]:
    """Medians over ``count`` steps of: the step plus the repaint it causes (only what
    changed, as on screen), the step alone, and a forced repaint of the whole viewport
    after it; and the share of steps whose own repaint happened. ``follow`` centres the
    view on the node each step is about to run (untimed), so that its change is in view."""
    window.run_backward(ask=False)
    app.processEvents()
    paint(window)
    natural, step, full = [], [], []
    painted = 0
    counter = PaintCounter(window.view.viewport())
    for _ in range(min(count, window.stepper.count)):
        if follow:
            replay = window.stepper.replay
            window.view.centerOn(window.scene.nodes[replay.trace.steps[replay.index].node_id])
            paint(window)
            app.processEvents()
        before = counter.count
        t0 = time.perf_counter()
        window.stepper.step_forward()
        t1 = time.perf_counter()
        app.processEvents()          # paints what changed, as the screen would
        t2 = time.perf_counter()
        painted += counter.count > before
        paint(window)
        t3 = time.perf_counter()
        natural.append(t2 - t0)
        step.append(t1 - t0)
        full.append(t3 - t2)
    window.view.viewport().removeEventFilter(counter)
    return (statistics.median(natural), statistics.median(step), statistics.median(full),
            painted / len(natural))


def time_full_view(window: MainWindow) -> tuple[float, float]:
    """Medians of a whole-view repaint zoomed out to the whole graph: as it is, and after
    a 1% zoom (nothing drawn before can be reused)."""
    window.view.fit()
    paint(window)
    still, zoomed = [], []
    for i in range(REPAINTS):
        t0 = time.perf_counter()
        paint(window)
        t1 = time.perf_counter()
        window.view.zoom_by(1.01 if i % 2 else 1 / 1.01)
        t2 = time.perf_counter()
        paint(window)
        t3 = time.perf_counter()
        still.append(t1 - t0)
        zoomed.append(t3 - t2)
    return statistics.median(still), statistics.median(zoomed)


def time_steps_zoomed_in(app: QApplication, window: MainWindow,
                         count: int) -> tuple[float, float]:
    """Median step plus repaint at 100% zoom, the view on the node each step runs."""
    window.view.zoom_reset()
    natural, _, _, painted = time_steps(app, window, count, follow=True)
    return natural, painted


def longest_stall(app: QApplication, window: MainWindow) -> tuple[float, float]:
    """(longest gap between 5 ms timer ticks, total seconds) while Auto Layout runs on the
    open document, its positions first scrambled so that the layout has work to do."""
    clock = QElapsedTimer()
    gaps = [0]
    last = [0]

    def tick() -> None:
        now = clock.elapsed()
        gaps[0] = max(gaps[0], now - last[0])
        last[0] = now

    for i, node_id in enumerate(list(window.document.nodes)):
        window.document.move(node_id, (float(i % 50) * 200, float(i // 50) * 120))
    app.processEvents()
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(tick)
    clock.start()
    timer.start()
    start = time.perf_counter()
    window.actionAutoLayout.trigger()
    wait_for_layout(app, window)
    app.processEvents()
    paint(window)                # the first paint of the new layout belongs to it
    total = time.perf_counter() - start
    settle = time.perf_counter() + 0.3
    while time.perf_counter() < settle:     # anything still queued stalls the loop too
        app.processEvents()
        time.sleep(0.001)
    timer.stop()
    tick()
    return gaps[0] / 1000, total


def new_window(folder: Path) -> MainWindow:
    settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(settings=settings, theme="light", autosave_folder=folder / "autosave")
    window.resize(1280, 800)
    window.show()
    return window


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(NODE_COUNTS))
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--profile", type=Path, default=None,
                        help="write cProfile dumps of open and step to this folder")
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    QMessageBox.critical = staticmethod(lambda *a, **k: print("error box:", a[1:3]))
    folder = Path(tempfile.mkdtemp(prefix="bench_app_"))
    paths = {}
    for n in args.sizes:
        doc = mlp_document(n)
        paths[n] = folder / f"mlp_{n}.gvz"
        save(doc, paths[n])

    window = new_window(folder)
    app.processEvents()
    header = (f"{'nodes':>7}{'edges':>7}{'open s':>9}{'step+repaint ms':>17}{'step ms':>9}"
              f"{'full repaint ms':>17}{'zoomed-out paint ms':>21}{'after zoom ms':>15}"
              f"{'painted':>9}{'step+repaint 100% ms':>22}{'painted':>9}{'steps':>7}")
    print(header, flush=True)
    for n in args.sizes:
        if args.profile:
            args.profile.mkdir(parents=True, exist_ok=True)
            profiler = cProfile.Profile()
            profiler.enable()
        opened = open_document(app, window, paths[n])
        if args.profile:
            profiler.disable()
            profiler.dump_stats(str(args.profile / f"open_{n}.prof"))
            profiler = cProfile.Profile()
            profiler.enable()
        both, step, repaint, painted = time_steps(app, window, args.steps)
        if args.profile:
            profiler.disable()
            profiler.dump_stats(str(args.profile / f"step_{n}.prof"))
        full, zoomed = time_full_view(window)
        zoomed_in, painted_in = time_steps_zoomed_in(app, window, args.steps)
        doc = window.document
        edges = sum(1 for _ in doc.edges())
        print(f"{len(doc.nodes):>7}{edges:>7}{opened:>9.3f}{ms(both):>17}{ms(step):>9}"
              f"{ms(repaint):>17}{ms(full):>21}{ms(zoomed):>15}{painted:>9.0%}"
              f"{ms(zoomed_in):>22}{painted_in:>9.0%}{window.stepper.count:>7}", flush=True)

    stall, total = longest_stall(app, window)
    print(f"\nAuto Layout of {len(window.document.nodes)} nodes: {total:.2f} s, longest "
          f"event-loop stall {stall * 1000:.0f} ms", flush=True)

    print("\npeak memory (separate pass with tracemalloc; maxrss is for the whole process)")
    for n in args.sizes:
        window.set_document(Document(), None)
        app.processEvents()
        tracemalloc.start()
        tracemalloc.reset_peak()
        open_document(app, window, paths[n])
        window.run_backward(ask=False)
        for _ in range(10):
            window.stepper.step_forward()
        paint(window)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{n:>7} nodes: tracemalloc peak {peak / 2**20:.1f} MiB, maxrss so far "
              f"{rss:.0f} MiB", flush=True)
    print(f"\n{TARGETS}")
    window.undo_stack.setClean()
    window.close()


if __name__ == "__main__":
    main()
