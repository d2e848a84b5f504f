"""Lazy attribute loading for package ``__init__`` modules (cf. scientific-python's lazy_loader).

Importing a package then costs nothing until one of its names is used, which keeps
``myosleep --help`` and ``import myosleep`` fast.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["attach"]


def attach(package: str, names: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """Return ``__getattr__``, ``__dir__`` and ``__all__`` for ``package``.

    ``names`` maps each public name to the module (relative, ``".recording"``, or
    absolute) that defines it.
    """
    public = list(names)

    def __getattr__(name: str) -> Any:
        if name in names:
            return getattr(importlib.import_module(names[name], package), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(public)

    return __getattr__, __dir__, public
