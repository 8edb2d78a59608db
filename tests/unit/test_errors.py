"""The exception tree: one root, drawn in the module docstring, and the drawing is true."""

from __future__ import annotations

import inspect
import re

import pytest

import jtrader.errors as errors_module
from jtrader.errors import JTraderError, UnknownInstrumentError

TREE_LINE = re.compile(r"^(?P<prefix>(?:│   |    )*)(?:├── |└── )?(?P<name>[A-Z]\w+)(?P<rest>.*)$")
BUILTIN_NOTE = re.compile(r"\((?P<bases>[A-Z]\w+(?:, [A-Z]\w+)*)\)\s*$")


def drawn_tree() -> dict[str, tuple[str | None, set[str]]]:
    """name -> (drawn parent, builtin bases named in parentheses at the end of the line)."""
    doc = errors_module.__doc__ or ""
    block = doc.split("::", 1)[1]
    lines = [line[4:] for line in block.splitlines() if line.strip()]
    tree: dict[str, tuple[str | None, set[str]]] = {}
    stack: list[str] = []
    for line in lines:
        match = TREE_LINE.match(line)
        assert match, f"cannot read tree line {line!r}"
        depth = len(match["prefix"]) // 4 + (1 if ("├" in line or "└" in line) else 0)
        del stack[depth:]
        parent = stack[-1] if stack else None
        note = BUILTIN_NOTE.search(match["rest"])
        builtins = set(note["bases"].split(", ")) if note else set()
        tree[match["name"]] = (parent, builtins)
        stack.append(match["name"])
    return tree


def defined_exceptions() -> dict[str, type[BaseException]]:
    return {
        name: obj
        for name, obj in vars(errors_module).items()
        if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == errors_module.__name__
    }


def test_the_docstring_draws_every_exception_class_once() -> None:
    assert set(drawn_tree()) == set(defined_exceptions())


def test_the_docstring_tree_matches_the_class_hierarchy() -> None:
    classes = defined_exceptions()
    for name, (parent, builtin_bases) in drawn_tree().items():
        cls = classes[name]
        jtrader_bases = [base.__name__ for base in cls.__bases__ if base.__module__ == errors_module.__name__]
        other_bases = {base.__name__ for base in cls.__bases__ if base.__module__ != errors_module.__name__}
        if parent is None:
            assert cls is JTraderError
            assert cls.__bases__ == (Exception,)
        else:
            assert jtrader_bases == [parent], f"{name} is drawn under {parent}, but derives from {jtrader_bases}"
            assert other_bases == builtin_bases, f"{name} derives from {other_bases}, drawn as {builtin_bases}"


def test_every_exception_is_exported_and_rooted_at_jtrader_error() -> None:
    classes = defined_exceptions()
    assert set(errors_module.__all__) == set(classes)
    for cls in classes.values():
        assert issubclass(cls, JTraderError)
        assert cls.__doc__, f"{cls.__name__} has no docstring"


@pytest.mark.parametrize(
    ("name", "builtin"),
    [("ValueFormatError", ValueError), ("OffGridError", ValueError), ("TimestampError", ValueError)],
)
def test_value_errors_can_be_caught_as_value_error(name: str, builtin: type[Exception]) -> None:
    cls = defined_exceptions()[name]
    with pytest.raises(builtin):
        raise cls("bad")


def test_unknown_instrument_is_a_key_error_with_a_readable_message() -> None:
    with pytest.raises(KeyError):
        raise UnknownInstrumentError("no instrument DOGE-USD")
    assert str(UnknownInstrumentError("no instrument DOGE-USD")) == "no instrument DOGE-USD"
    assert str(UnknownInstrumentError()) == "unknown instrument"
