"""Modules small enough to read in one sitting: no module over 600 lines and no function over 80 lines in the
capability packages — or a one-line reason in the code where one is longer on purpose (docs/development.md).

The reason is a comment ``# long on purpose: <why>`` on the line of the ``def`` (or just above it), or, for a
module, in its first ten lines.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "persondata"
CAPABILITIES = (
    "access",
    "jobs",
    "audit",
    "register",
    "documents",
    "retention",
    "backups",
    "requests",
    "partners",
    "setup",
    "public",
)
MODULE_LINES, FUNCTION_LINES = 600, 80
REASON = "# long on purpose:"


def _modules() -> list[Path]:
    return sorted(
        p for package in CAPABILITIES for p in (SRC / package).rglob("*.py") if "migrations" not in p.parts
    )


def _has_reason(lines: list[str], index: int) -> bool:
    """A reason on line ``index`` (0-based) or on a comment line just above it (above any decorators)."""
    if REASON in lines[index]:
        return True
    above = index - 1
    while above >= 0 and lines[above].lstrip().startswith(("@", "#")):
        if REASON in lines[above]:
            return True
        above -= 1
    return False


def _name(path: Path) -> str:
    return str(path.relative_to(SRC)) if path.is_relative_to(SRC) else path.name


def long_modules(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > MODULE_LINES and not any(REASON in line for line in lines[:10]):
            found.append(f"{_name(path)}: {len(lines)} lines")
    return found


def long_functions(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.end_lineno is not None:
                length = node.end_lineno - node.lineno + 1
                if length > FUNCTION_LINES and not _has_reason(lines, node.lineno - 1):
                    found.append(f"{_name(path)}:{node.lineno} {node.name}: {length} lines")
    return found


def test_no_module_over_600_lines_without_a_reason() -> None:
    assert long_modules(_modules()) == []


def test_no_function_over_80_lines_without_a_reason() -> None:
    assert long_functions(_modules()) == []


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        ("def f():\n" + "    x = 1\n" * 80, True),
        ("def f():\n" + "    x = 1\n" * 79, False),
        ("def f():  # long on purpose: one table\n" + "    x = 1\n" * 90, False),
        ("# long on purpose: the hot loop\n@cache\ndef f():\n" + "    x = 1\n" * 90, False),
    ],
)
def test_the_checker_counts_lines_and_reads_reasons(tmp_path: Path, source: str, flagged: bool) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text(source, encoding="utf-8")
    assert bool(long_functions([probe])) is flagged


def test_the_checker_sees_a_long_module(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("x = 1\n" * 601, encoding="utf-8")
    assert long_modules([probe]) == ["probe.py: 601 lines"]
    probe.write_text("# long on purpose: generated table\n" + "x = 1\n" * 601, encoding="utf-8")
    assert long_modules([probe]) == []
