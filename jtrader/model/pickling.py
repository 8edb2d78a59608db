"""Frozen dataclasses pickled (and copied) as a constructor call, the same on both variants.

A mypyc-compiled frozen dataclass restores pickled fields by assignment, which its frozen
``__setattr__`` refuses. So the value objects a sweep or dask ships to its workers define
``__reduce__`` as ``(Class, init_args(self))``: the constructor called again with the init fields.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

__all__ = ["init_args"]


def init_args(obj: Any) -> tuple[object, ...]:
    """The values of dataclass ``obj``'s init fields, in order: ``type(obj)(*init_args(obj))`` rebuilds it."""
    return tuple(getattr(obj, f.name) for f in fields(obj) if f.init)
