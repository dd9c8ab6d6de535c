"""``persondata import``'s row errors and ``persondata backup | backup drill | restore`` speak Danish and English
(issue 15: "no raw key, state, code or file name on any … CLI message meant for a person"). Each command runs in
both languages against its own home; every line of the Danish run is read as :func:`tests.clitools.english_in`
reads one (no English function word, no English text of the catalogues), the English run is English, and no value
of an imported file comes back in an error.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from tests.clitools import english_in, init_home, persondata
from tests.test_cli_languages import _env

pytestmark = [pytest.mark.slow, pytest.mark.second_job]  # no database: in the PostgreSQL job of `make test`

#: synthetic files, each with faults of its own; the values must never be repeated in an error
FILES = {
    "kunder.csv": "customer_number,name,email,customer_since\n"
    "K-1,,ikke-en-adresse,2025-13-01\n"
    "K-2,Navn To,,1899-01-01\n",
    "ordrer.csv": "customer_number,order_number,ordered_on,total,farve,Blå Farve!\nK-1,O-1,2025-01-02,10,blå,rød\n",
    "noter.txt": "K-5;Navn Fem\n",
    "flere.jsonl": '{"customer_number": "K-3", "name": \n'
    '{"customer_number": "K-4", "name": "Fire", "yndlingsret": 1}\n',
}
VALUES = ("ikke-en-adresse", "2025-13-01", "1899-01-01", "blå", "Fire", "Navn To", "Navn Fem")
#: the names a fix lists (the columns of a file, the fields of a customer) are typed, not read
TYPED = re.compile(r"\((?:filens kolonner|felterne): [^)]*\)")
#: (what the Danish run says, what the English run says), each a different fault
IMPORT_SAYS = [
    ("name: mangler; det er påkrævet", "name: is missing; it is required"),
    ("email: er ikke en e-mailadresse", "email: is not an e-mail address"),
    (
        "customer_since: er ikke en dato; skriv den som ÅÅÅÅ-MM-DD",
        "customer_since: is not a date; write it as",
    ),
    ("customer_since: ligger før 1900", "customer_since: is before 1900"),
    ("farve: er ikke en kolonne i en fil med ordrer", "farve: is not a column of a file of orders"),
    ("kolonne 6: er ikke en kolonne i en fil med ordrer", "column 6: is not a column of a file of orders"),
    ("er ikke gyldig JSON ved kolonne", "is not valid JSON at column"),
    ("yndlingsret: er ikke et felt for en kunde", "yndlingsret: is not a field of a customer"),
    (
        "noter.txt: har en ukendt filtype; brug .csv, .json eller .jsonl",
        "noter.txt: has an unknown file type",
    ),
]


def _set_up(home: Path) -> None:
    init_home(env=_env(home))
    persondata("staff", "accept", "--as", "controller", "--yes", env=_env(home))


def test_the_imports_row_errors_speak_the_commands_language(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    _set_up(home)
    files = []
    for name, text in FILES.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(str(tmp_path / name))
    said: dict[str, str] = {}
    for lang in ("da", "en"):
        errors_file = tmp_path / f"errors-{lang}.csv"
        done = persondata(
            "--lang", lang, "import", *files, "--no-progress", "--errors-file", str(errors_file),
            env=_env(home), check=False,
        )  # fmt: skip
        assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
        with errors_file.open(encoding="utf-8") as f:
            reasons = [row[3] for row in list(csv.reader(f))[1:]]
        said[lang] = done.stdout + done.stderr + "\n".join(reasons)
        for value in VALUES:
            assert value not in said[lang], (lang, value)  # no personal data in a message
    for danish, english in IMPORT_SAYS:
        assert danish in said["da"], (danish, said["da"])
        assert english in said["en"], (english, said["en"])
    problems = english_in(TYPED.sub(" ", said["da"]))
    assert not problems, "\n".join(problems)
    assert english_in(said["en"]), "the English run is English (the detector can fail)"


def test_backup_drill_and_restore_speak_the_commands_language(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    _set_up(home)
    backups, keys = tmp_path / "backups", tmp_path / "key-backups"
    garbage = tmp_path / "not-a-backup.pdbak"
    garbage.write_bytes(b"nothing of a backup")
    user = ("--user", "controller")
    said: dict[str, list[str]] = {"da": [], "en": []}
    for lang in ("da", "en"):
        runs = [
            # (the command, its exit code, what the Danish run says, what the English run says)
            (("backup", "--to", str(backups), "--keys-to", str(keys), *user), 0,
             "sikkerhedskopi af databasen:", "database backup:"),
            (("backup", "drill", "--from", str(backups), *user), 0,
             "genetableringsprøven bestået", "restore drill passed"),
            (("backup", "drill", "--from", str(tmp_path / "none"), *user), 1,
             "der er ingen sikkerhedskopi i", "there is no backup in"),
            (("restore", *user), 2, "angiv sikkerhedskopien FILE", "give the backup FILE to restore"),
            (("restore", str(tmp_path / "missing.pdbak"), *user), 2,
             "der er ingen sikkerhedskopi i", "there is no backup file at"),
            (("restore", str(garbage), *user), 2,
             "dette er ikke en sikkerhedskopi fra persondata (den begynder ikke som en); intet blev ændret",
             "this is not a persondata backup (it does not start as one); nothing was changed"),
            (("restore", "--resume", *user), 2, "venter ikke på", "is not waiting for a ledger replay"),
        ]  # fmt: skip
        for args, code, danish, english in runs:
            done = persondata("--lang", lang, *args, env=_env(home), check=False)
            output = done.stdout + done.stderr
            assert done.returncode == code and "Traceback" not in output, (lang, args, output)
            assert (danish if lang == "da" else english) in output, (lang, args, output)
            said[lang].append(output)
        [newest] = sorted(backups.glob("*.pdbak"))[-1:]
        done = persondata("--lang", lang, "restore", str(newest), *user, env=_env(home))
        assert ("færdig på" if lang == "da" else "the database may be served again") in done.stdout, (
            done.stdout
        )
        said[lang].append(done.stdout)

    problems = english_in("\n".join(said["da"]))
    assert not problems, "\n".join(problems)
    assert english_in("\n".join(said["en"])), "the English run is English (the detector can fail)"
    assert "customer_order" not in "\n".join(said["da"] + said["en"])  # a table's name, not a key
