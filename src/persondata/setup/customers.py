"""The setup's customer files: upload, a preview of the first rows and their errors, then the import with a
progress bar.

The uploaded files are kept under the home (``<home>/setup-import/``, the owner's only) while they wait and are
deleted once imported or discarded. The preview reads the first :data:`PREVIEW_UNITS` records of each file through
the import's own readers and shows each row's line and its errors — never a value: the values are shown (and
logged) on the customer page. The import is the real all-or-nothing import (:func:`import_files`), run in a
thread of the web worker; its progress is a small file beside the uploads (counts only), so any worker can show it.
A worker killed during the import leaves nothing behind: the import's transaction is rolled back and its run is
marked interrupted at the next import, and the progress file says so.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from persondata.register.import_formats import BadRow, RowError
from persondata.register.importer import import_files, read_file

logger = logging.getLogger(__name__)

PREVIEW_UNITS = 20
SUFFIXES = (".csv", ".json", ".jsonl", ".ndjson")
MAX_SHOWN_ERRORS = 50


def folder() -> Path:
    return Path(settings.HOME) / "setup-import"


def _progress_file() -> Path:
    return folder() / "progress.json"


@dataclass
class FilePreview:
    name: str
    rows: list[tuple[int, list[RowError]]] = field(
        default_factory=list
    )  # (line, its errors) of the first units
    errors: list[RowError] = field(default_factory=list)

    @property
    def bad_rows(self) -> int:
        return sum(1 for _line, errors in self.rows if errors)


class UploadRefused(ValueError):
    pass


def store(files: Iterable[UploadedFile]) -> list[Path]:
    """Keep uploaded files for the preview (replacing any waiting ones); refuses unknown file types by name."""
    if running():
        raise UploadRefused(_("An import is running: wait until it has finished."))
    files = list(files)
    if not files:
        raise UploadRefused(_("Choose one or more files (.csv, .json or .jsonl)."))
    for f in files:
        if Path(f.name or "").suffix.lower() not in SUFFIXES:
            raise UploadRefused(
                _("%(file)s: unknown file type; use .csv, .json or .jsonl") % {"file": f.name}
            )
    discard()
    target = folder() / "files"
    target.mkdir(parents=True, mode=0o700)
    paths = []
    for f in files:
        path = target / Path(f.name or "upload").name
        with path.open("wb") as out:
            for chunk in f.chunks():
                out.write(chunk)
        paths.append(path)
    return paths


def waiting() -> list[Path]:
    target = folder() / "files"
    return sorted(p for p in target.iterdir() if p.is_file()) if target.is_dir() else []


def discard() -> None:
    shutil.rmtree(folder() / "files", ignore_errors=True)


def preview(paths: Iterable[Path]) -> list[FilePreview]:
    shown = []
    for path in paths:
        result = FilePreview(path.name)
        try:
            with path.open("rb") as stream:
                for item in read_file(path, stream):
                    if isinstance(item, RowError):
                        result.errors.append(item)
                        if result.rows and result.rows[-1][0] == item.line:
                            result.rows[-1][1].append(item)
                        else:
                            result.rows.append((item.line, [item]))
                    else:
                        result.rows.append((item.line, []))
                    if len(result.rows) >= PREVIEW_UNITS:
                        break
        except BadRow as exc:
            result.errors.extend(exc.errors)
        shown.append(result)
    return shown


# -- the import, in a thread ---------------------------------------------------------------------------------
def progress() -> dict[str, Any] | None:
    """The last setup import's state: ``status`` running/done/rejected/failed/interrupted, counts, errors."""
    try:
        state: dict[str, Any] = json.loads(_progress_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if state.get("status") == "running" and not _alive(int(state.get("pid", 0))):
        state["status"] = "interrupted"
    if "errors" in state:  # (file, line, field, reason) in the active language
        state["errors"] = [[*e[:3], RowError(*e).text()] for e in state["errors"]]
    return state


def running() -> bool:
    state = progress()
    return state is not None and state.get("status") == "running"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError, OSError):
        return False
    return True


def _write(state: dict[str, Any]) -> None:
    path = _progress_file()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(state), encoding="utf-8")
    tmp.replace(path)


def start(actor_code: str) -> threading.Thread:
    """Import the waiting files, all or nothing, in a thread; :func:`progress` follows it."""
    paths = waiting()
    if not paths:
        raise UploadRefused(_("No files are waiting: upload them first."))
    if running():
        raise UploadRefused(_("An import is running: wait until it has finished."))
    total = sum(p.stat().st_size for p in paths)
    _write({"status": "running", "pid": os.getpid(), "done": 0, "total": total, "started": time.time()})
    thread = threading.Thread(target=_run, args=(paths, total, actor_code), name="setup-import", daemon=True)
    thread.start()
    return thread


def _run(paths: list[Path], total: int, actor_code: str) -> None:
    last = [0.0]

    def update(done: int, _of: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5:
            last[0] = now
            _write({"status": "running", "pid": os.getpid(), "done": done, "total": total})

    state: dict[str, Any]
    try:
        report = import_files(paths, now=timezone.now(), progress=update, actor=actor_code)
        state = {
            "status": report.status,
            "counts": dict(report.counts),
            "seconds": round(report.seconds, 1),
            "error_count": report.error_count,
            # said when shown, in the reader's language
            "errors": [
                [e.file, e.line, e.field, e.message, e.params] for e in report.errors[:MAX_SHOWN_ERRORS]
            ],
        }
    except Exception as exc:
        # the type only: an exception's message may quote a piece of the file
        logger.error("the setup's import failed: %s", type(exc).__name__)
        state = {"status": "failed", "error": type(exc).__name__}
    finally:
        connection.close()
    if state["status"] != "rejected":
        discard()
    _write({**state, "pid": os.getpid(), "done": total, "total": total})
