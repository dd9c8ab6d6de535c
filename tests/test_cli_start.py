"""The command's start: building the parser of every command loads neither the benchmark nor the demo's faker
(together about 0.4 s); the commands that use them import them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.clitools import cli_env

HEAVY = ("faker", "persondata.bench", "persondata.demo")


#: runs the command as ``persondata`` does, then prints the modules it had imported
LOADED = """
import sys
from persondata.cli import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("\\n".join(sys.modules), file=sys.stderr)
"""


def loaded(home: Path, *args: str) -> set[str]:
    started = subprocess.run(
        [sys.executable, "-c", LOADED, *args],
        env=cli_env(home),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return set(started.stderr.splitlines())


def test_the_help_loads_neither_the_benchmark_nor_faker(tmp_path: Path) -> None:
    imported = loaded(tmp_path, "--help")
    assert "persondata.cli.bench" in imported and "persondata.cli.register" in imported
    assert not {m for m in imported if m.split(".")[0] == "faker" or m.startswith(HEAVY)}


def test_the_bench_command_offers_the_benchmarks_phases() -> None:
    from persondata import bench
    from persondata.cli import bench as command

    assert sorted(command.PHASES) == sorted(bench.PHASES)


def test_each_module_registers_the_commands_the_table_names() -> None:
    """A command's start builds its own module's parser alone (``cli.MODULES``): the table must name every command."""
    import argparse
    import importlib

    from persondata import cli

    for name, commands in cli.MODULES.items():
        sub = argparse.ArgumentParser().add_subparsers(dest="command")
        importlib.import_module(f"persondata.cli.{name}").register(sub)
        assert tuple(sub.choices) == commands, name
    assert set(cli.build_parser().parse_args(["audit", "verify"]).__dict__) >= {"command"}
    assert set(
        cli.build_parser(["--lang", "en", "keys", "status"])._subparsers._group_actions[0].choices
    ) == {"keys"}  # type: ignore[union-attr]


def test_a_command_imports_its_own_module_only(tmp_path: Path) -> None:
    imported = loaded(tmp_path, "--lang", "en", "audit", "--help")
    assert {m for m in imported if m.startswith("persondata.cli.")} == {"persondata.cli.audit"}
