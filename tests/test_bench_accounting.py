"""The bench's accounting of a server: the CPU time and memory of a process and all its descendants.

A process that starts a child which burns CPU: the child's CPU time is counted with its parent's (as a gunicorn
master's workers are), and a child that sleeps adds none.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from persondata.bench.sustained import serving_cpu_seconds, serving_rss_mb

PARENT = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]])
print(child.pid, flush=True)
child.wait()
"""
# the child shares its parent's stdin and stdout: it starts on a line from the test and says when it is done
CHILD = """
import sys, time
sys.stdin.readline()
{work}
print("done", flush=True)
time.sleep(60)
"""
BURN = CHILD.format(work="end = time.process_time() + 0.5\nwhile time.process_time() < end: pass")
SLEEP = CHILD.format(work="time.sleep(0.5)")


def _measured(child: str) -> tuple[float, float]:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, child], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert parent.stdin is not None and parent.stdout is not None
    child_pid = int(parent.stdout.readline())
    try:
        before = serving_cpu_seconds(parent.pid)
        parent.stdin.write("go\n")
        parent.stdin.flush()
        assert parent.stdout.readline().strip() == "done"
        return serving_cpu_seconds(parent.pid) - before, serving_rss_mb(parent.pid)
    finally:
        os.kill(child_pid, signal.SIGKILL)
        parent.wait(10)


def test_the_cpu_of_a_servers_children_is_counted_and_a_sleeper_adds_none() -> None:
    burnt, rss = _measured(BURN)
    assert burnt >= 0.45  # the child's, not the parent's: the parent only waits
    assert rss > 10  # two Python processes
    slept, _ = _measured(SLEEP)
    assert slept < 0.2
