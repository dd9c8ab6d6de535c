"""``make lint``: the lock files agree with ``pyproject.toml``.

The lock files (``requirements.txt``: what the product needs; ``requirements-dev.txt``: that and the tools of
development and tests) pin every package with its hashes; ``make run`` and ``make test`` install from the second.
They are written by ``make lock`` (pip-compile) and never by hand. This check fails when someone changed the
dependencies in ``pyproject.toml`` without ``make lock``:

- every dependency that ``pyproject.toml`` declares is pinned in the lock, at a version its specifier allows;
- every package the lock says it pinned for ``persondata (pyproject.toml)`` is still declared there;
- every pin carries a hash (pip then installs with ``--require-hashes``).

Offline and in a second: it reads the files, it resolves nothing.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)")
DIRECT = "persondata (pyproject.toml)"


def read_lock(path: Path) -> tuple[dict[str, Version], set[str], list[str]]:
    """(pinned versions, the packages pinned for pyproject.toml itself, pins without a hash)."""
    pins: dict[str, Version] = {}
    direct: set[str] = set()
    unhashed: list[str] = []
    current = ""
    hashed = True
    for line in path.read_text(encoding="utf-8").splitlines():
        if m := PIN.match(line):
            if current and not hashed:
                unhashed.append(current)
            current, hashed = canonicalize_name(m.group(1)), False
            pins[current] = Version(m.group(2))
        elif "--hash=sha256:" in line:
            hashed = True
        elif current and line.strip().lstrip("#").strip().removeprefix("via ").strip() == DIRECT:
            direct.add(current)
    if current and not hashed:
        unhashed.append(current)
    return pins, direct, unhashed


def problems(pyproject: Path, lock: Path, extras: tuple[str, ...]) -> list[str]:
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    declared = [Requirement(r) for r in project.get("dependencies", [])]
    for extra in extras:
        declared += [Requirement(r) for r in project.get("optional-dependencies", {}).get(extra, [])]
    pins, direct, unhashed = read_lock(lock)
    found = []
    for req in declared:
        name = canonicalize_name(req.name)
        if name not in pins:
            found.append(f"{lock.name}: {req.name} is declared in pyproject.toml but not pinned")
        elif not req.specifier.contains(pins[name], prereleases=True):
            found.append(f"{lock.name}: {req.name}=={pins[name]} does not satisfy pyproject.toml's '{req}'")
    names = {canonicalize_name(r.name) for r in declared}
    found += [
        f"{lock.name}: {n} is pinned for pyproject.toml, which no longer declares it"
        for n in sorted(direct - names)
    ]
    found += [f"{lock.name}: {n} is pinned without a hash" for n in unhashed]
    return found


LOCKS = (("requirements.txt", ()), ("requirements-dev.txt", ("dev",)))


def main(root: Path) -> int:
    found = [p for name, extras in LOCKS for p in problems(root / "pyproject.toml", root / name, extras)]
    for problem in found:
        sys.stderr.write(problem + "\n")
    if found:
        sys.stderr.write(
            "the lock files disagree with pyproject.toml: run `make lock` and commit the result\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd()))
