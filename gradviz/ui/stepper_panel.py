"""The stepper's panel (a bottom dock): the timeline slider with the step counter and the
play speed, the explanation of the current step, the legend of node states and the
gradient colouring with its colour bar. The actions themselves live in the Run menu and
toolbar."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QLinearGradient, QPainter, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from .explanation import ExplanationPane
from .stepper import DEFAULT_SPEED, SPEEDS, TINT_HIGH, Stepper

STATE_HELP = (
    ("active", "this step"),
    ("done", "grad known"),
    ("pending", "still to run"),
    ("idle", "not on the path"),
    ("error", "no value"),
)


class Timeline(QWidget):
    """Slider over the steps (0 = before the first), the step counter and the speed."""

    def __init__(self, stepper: Stepper, parent=None) -> None:
        super().__init__(parent)
        self.stepper = stepper
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 0, 6, 0)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timelineSlider")
        self.slider.setMinimumWidth(160)
        self.slider.setPageStep(1)
        self.slider.setTickPosition(QSlider.TickPosition.TicksBelow)
        self.slider.setToolTip("Timeline: drag to any backward step")
        self.slider.valueChanged.connect(stepper.seek)
        layout.addWidget(self.slider, 1)
        self.counter = QLabel()
        self.counter.setObjectName("stepCounter")
        self.counter.setMinimumWidth(90)
        layout.addWidget(self.counter)
        self.speed = QComboBox()
        self.speed.setObjectName("speedBox")
        self.speed.setToolTip("Play speed (steps per second)")
        for value in SPEEDS:
            self.speed.addItem(f"{value:g} step/s", value)
        self.speed.setCurrentIndex(SPEEDS.index(DEFAULT_SPEED))
        self.speed.currentIndexChanged.connect(
            lambda i: stepper.set_speed(self.speed.itemData(i)))
        layout.addWidget(self.speed)
        layout.addSpacing(12)
        self.legend = Legend(stepper)
        layout.addWidget(self.legend)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        stepper.changed.connect(self.update_from_stepper)
        self.update_from_stepper()

    def update_from_stepper(self) -> None:
        s = self.stepper
        self.slider.blockSignals(True)
        self.slider.setRange(0, s.count)
        self.slider.setValue(s.index)
        self.slider.blockSignals(False)
        self.slider.setEnabled(s.count > 0)
        self.counter.setText(f"step {s.index} / {s.count}" if s.trace is not None
                             else "no backward")


class Legend(QWidget):
    """The node states in one row, drawn as the canvas draws them, with what each means."""

    HEIGHT = 24
    CHIP = 28

    def __init__(self, stepper: Stepper, parent=None) -> None:
        super().__init__(parent)
        self.stepper = stepper
        self.setObjectName("stateLegend")
        self.setToolTip("Node states during backward: the active node runs its grad_fn now; "
                        "done nodes show their gradient; pending ones are still to run")
        self.setMinimumSize(self.sizeHint())

    def _entries(self) -> list[tuple[str, str, float]]:
        metrics = self.fontMetrics()
        return [(state, f"{state}: {text}",
                 self.CHIP + 8 + metrics.horizontalAdvance(f"{state}: {text}") + 16)
                for state, text in STATE_HELP]

    def sizeHint(self) -> QSize:
        return QSize(int(sum(w for _, _, w in self._entries())) + 8, self.HEIGHT)

    def paintEvent(self, event) -> None:
        t = self.stepper.scene.theme
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pens = {"active": QPen(QColor(t.active), 3.0), "done": QPen(QColor(t.done), 2.5),
                "pending": QPen(QColor(t.pending), 2.0, Qt.PenStyle.DashLine),
                "idle": QPen(QColor(t.border), 1.2), "error": QPen(QColor(t.error), 2.0)}
        x = 6.0
        for state, text, width in self._entries():
            chip = QRectF(x, 5, self.CHIP, self.HEIGHT - 10)
            if state == "active":
                glow = QColor(t.active)
                glow.setAlpha(70)
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(glow)
                painter.drawRoundedRect(chip.adjusted(-3, -3, 3, 3), 5, 5)
            painter.setBrush(QColor(t.error_fill if state == "error" else t.op_fill))
            painter.setPen(pens[state])
            painter.drawRoundedRect(chip, 4, 4)
            painter.setPen(self.palette().windowText().color())
            painter.drawText(QRectF(x + self.CHIP + 8, 0, width, self.HEIGHT),
                             Qt.AlignmentFlag.AlignVCenter, text)
            x += width
        painter.end()


class ColourBar(QWidget):
    """The gradient-magnitude colours from the smallest to the largest |grad| shown."""

    def __init__(self, stepper: Stepper, parent=None) -> None:
        super().__init__(parent)
        self.stepper = stepper
        self.setObjectName("colourBar")
        self.setMinimumSize(200, 40)
        stepper.changed.connect(self.update)

    def labels(self) -> tuple[str, str]:
        scale = self.stepper.colour_scale()
        if scale is None or scale.high <= 0:
            return ("0", "max |grad|")
        low = scale.low if scale.log else 0.0
        return (f"{low:.3g}", f"{scale.high:.3g}")

    def paintEvent(self, event) -> None:
        t = self.stepper.scene.theme
        painter = QPainter(self)
        bar = QRectF(4, 4, self.width() - 8, 14)
        gradient = QLinearGradient(bar.topLeft(), bar.topRight())
        low, high = QColor(t.op_fill), QColor(TINT_HIGH.get(t.name, TINT_HIGH["light"]))
        if not self.stepper.colouring:
            low.setAlpha(90)
            high.setAlpha(90)
        gradient.setColorAt(0.0, low)
        gradient.setColorAt(1.0, high)
        painter.fillRect(bar, gradient)
        painter.setPen(QPen(QColor(t.border), 1))
        painter.drawRect(bar)
        painter.setPen(self.palette().windowText().color())
        left, right = self.labels()
        text_rect = QRectF(4, 20, self.width() - 8, 16)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignLeft, left)
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignRight, right)
        middle = "log |grad|" if self.stepper.log_scale else "|grad|"
        painter.drawText(text_rect, Qt.AlignmentFlag.AlignHCenter, middle)
        painter.end()


class StepperPanel(QWidget):
    """Bottom dock: the timeline above the explanation, beside the legend and colouring."""

    def __init__(self, stepper: Stepper, parent=None) -> None:
        super().__init__(parent)
        self.stepper = stepper
        outer = QVBoxLayout(self)
        outer.setContentsMargins(2, 2, 2, 2)
        outer.setSpacing(2)
        self.timeline = Timeline(stepper)
        outer.addWidget(self.timeline)
        layout = QHBoxLayout()
        layout.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(layout, 1)
        self.explanation = ExplanationPane(stepper)
        self.explanation.text.setMinimumHeight(60)
        layout.addWidget(self.explanation, 1)
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        self.legend = self.timeline.legend
        self.colour_check = QCheckBox("Colour nodes by |grad|")
        self.colour_check.setObjectName("colourByGradient")
        self.log_check = QCheckBox("log scale")
        self.log_check.setObjectName("logScale")
        self.colour_check.toggled.connect(lambda on: stepper.set_colouring(on))
        self.log_check.toggled.connect(lambda on: stepper.set_colouring(stepper.colouring, on))
        side.addWidget(self.colour_check)
        side.addWidget(self.log_check)
        self.colour_bar = ColourBar(stepper)
        side.addWidget(self.colour_bar)
        side.addStretch(1)
        layout.addLayout(side)

    def sizeHint(self) -> QSize:
        return QSize(700, 160)

