"""The after-commit thread that draws a letter yields the CPU to the threads answering calls (issue 17).

A letter's PDF costs ≈ 60–100 ms of CPU; in a burst of answers, drawn at their priority, it took the CPU they
waited for. The kick thread (``outbox.KICK_THREAD``) lowers its own nice value by ``BACKGROUND_NICE`` before it
draws; any other thread — a command's main thread, the job runner — keeps its priority.
"""

from __future__ import annotations

import os
import sys
import threading

import pytest

from persondata.jobs import outbox
from persondata.requests.answers import printing

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="a thread's own nice value is Linux's")


def _priority_after_yielding(thread_name: str) -> tuple[int, int]:
    """(nice before, nice after) of a fresh thread with this name that asks to yield to the answers."""
    seen: list[int] = []

    def run() -> None:
        tid = threading.get_native_id()
        seen.append(os.getpriority(os.PRIO_PROCESS, tid))
        printing._yield_to_answers()
        seen.append(os.getpriority(os.PRIO_PROCESS, tid))

    thread = threading.Thread(target=run, name=thread_name)
    thread.start()
    thread.join(10)
    return seen[0], seen[1]


def test_the_kick_thread_draws_at_a_lower_priority_and_no_other_thread_does() -> None:
    before, after = _priority_after_yielding(outbox.KICK_THREAD)
    assert before < 19, "the tests run at the lowest priority already: nothing to observe"
    assert after == min(19, before + printing.BACKGROUND_NICE)
    assert _priority_after_yielding("persondata-jobs") == (before, before)
    main = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    printing._yield_to_answers()  # the main thread (a command, a test) is left alone
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == main
    assert os.getpriority(os.PRIO_PROCESS, 0) == main  # and so is the process
