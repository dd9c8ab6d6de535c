"""The lock files (``make lock``) agree with ``pyproject.toml``, and ``make lint`` fails when they do not."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from scripts import check_lock

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    for name in ("pyproject.toml", "requirements.txt", "requirements-dev.txt"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _problems(root: Path) -> list[str]:
    return [
        p
        for name, extras in check_lock.LOCKS
        for p in check_lock.problems(root / "pyproject.toml", root / name, extras)
    ]


def test_the_lock_files_of_the_repository_agree_with_pyproject() -> None:
    assert _problems(ROOT) == []
    pins, direct, unhashed = check_lock.read_lock(ROOT / "requirements-dev.txt")
    assert {"django", "pytest", "pip-tools"} <= set(pins) and "django" in direct and unhashed == []
    runtime, _direct, _unhashed = check_lock.read_lock(ROOT / "requirements.txt")
    assert "django" in runtime and "pytest" not in runtime  # the product's lock holds no test tools


def test_a_dependency_added_to_pyproject_without_make_lock_fails(copy: Path) -> None:
    _edit(copy / "pyproject.toml", '"segno>=1.6",', '"segno>=1.6",\n    "leftpad-for-tests>=1",')
    assert _problems(copy) == [
        "requirements.txt: leftpad-for-tests is declared in pyproject.toml but not pinned",
        "requirements-dev.txt: leftpad-for-tests is declared in pyproject.toml but not pinned",
    ]


def test_a_raised_lower_bound_the_pin_does_not_meet_fails(copy: Path) -> None:
    _edit(copy / "pyproject.toml", '"pytest>=8",', '"pytest>=99",')
    [problem] = _problems(copy)
    assert problem.startswith("requirements-dev.txt: pytest==") and "pytest>=99" in problem


def test_a_dependency_removed_from_pyproject_fails(copy: Path) -> None:
    _edit(copy / "pyproject.toml", '    "segno>=1.6",\n', "")
    assert _problems(copy) == [
        "requirements.txt: segno is pinned for pyproject.toml, which no longer declares it",
        "requirements-dev.txt: segno is pinned for pyproject.toml, which no longer declares it",
    ]


def test_a_pin_without_a_hash_fails_and_the_command_says_what_to_do(copy: Path) -> None:
    lock = copy / "requirements.txt"
    lines = lock.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("segno=="))
    end = next(i for i in range(start + 1, len(lines)) if "--hash" not in lines[i])
    lock.write_text(
        "\n".join([*lines[:start], lines[start].rstrip(" \\"), *lines[end:]]) + "\n", encoding="utf-8"
    )
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "check_lock.py"), str(copy)], capture_output=True, text=True
    )
    assert result.returncode == 1
    assert "requirements.txt: segno is pinned without a hash" in result.stderr
    assert "make lock" in result.stderr
