"""``gradviz.nn``: the functional part of ``torch.nn`` that the core implements."""

from . import functional

__all__ = ["functional"]
