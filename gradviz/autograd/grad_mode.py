"""Grad mode: whether new operations are recorded for backward (``no_grad`` & co)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any


class _GradMode:
    """Module-wide flag read on every operation; a plain attribute keeps that read cheap."""

    __slots__ = ("enabled",)

    def __init__(self) -> None:
        self.enabled = True


GRAD_MODE = _GradMode()


def is_grad_enabled() -> bool:
    return GRAD_MODE.enabled


class set_grad_enabled:  # noqa: N801 - PyTorch's name
    """Set grad mode now; restores the previous mode when used as a context manager."""

    def __init__(self, mode: bool) -> None:
        self.prev = GRAD_MODE.enabled
        self.mode = bool(mode)
        GRAD_MODE.enabled = self.mode

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        GRAD_MODE.enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        GRAD_MODE.enabled = self.prev
        mode = self.mode

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return fn(*args, **kwargs)

        return wrapper


class _ModeContext:
    """A context manager and decorator that switches grad mode to ``MODE``."""

    MODE = True

    def __enter__(self) -> None:
        self.prev = GRAD_MODE.enabled
        GRAD_MODE.enabled = self.MODE

    def __exit__(self, *exc: object) -> None:
        GRAD_MODE.enabled = self.prev

    def __call__(self, fn: Callable) -> Callable:
        mode = self.MODE

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            prev = GRAD_MODE.enabled
            GRAD_MODE.enabled = mode
            try:
                return fn(*args, **kwargs)
            finally:
                GRAD_MODE.enabled = prev

        return wrapper


class no_grad(_ModeContext):  # noqa: N801 - PyTorch's name
    """Operations inside do not record a graph; results do not require grad."""

    MODE = False


class enable_grad(_ModeContext):  # noqa: N801 - PyTorch's name
    """Re-enable recording inside a ``no_grad`` block."""

    MODE = True
