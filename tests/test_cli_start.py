"""The command's start: building the parser of every command loads neither the benchmark nor the demo's faker
(together about 0.4 s); the commands that use them import them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.clitools import cli_env

HEAVY = ("faker", "persondata.bench", "persondata.demo")


def test_the_help_loads_neither_the_benchmark_nor_faker(tmp_path: Path) -> None:
    started = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "persondata", "--help"],
        env=cli_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    imported = {line.rpartition("|")[2].strip() for line in started.stderr.splitlines() if "|" in line}
    assert "persondata.cli.bench" in imported and "persondata.cli.register" in imported
    assert not {m for m in imported if m.split(".")[0] == "faker" or m.startswith(HEAVY)}


def test_the_bench_command_offers_the_benchmarks_phases() -> None:
    from persondata import bench
    from persondata.cli import bench as command

    assert sorted(command.PHASES) == sorted(bench.PHASES)
