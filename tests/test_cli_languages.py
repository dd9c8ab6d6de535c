"""The command speaks Danish and English (issue 15: "no raw key, state, code or file name on any … CLI message meant
for a person"), chosen the way a user expects: ``--lang``, else the environment's locale, else the installation's
language (Danish). Representative commands run in both languages — an error before ``init``, ``init`` itself, staff
logins, a refusal, a search, the audit trail, the retention plan, the requests — and every line a person reads in
the Danish run is checked the way the crawl test checks a Danish page (:mod:`tests.web.crawl`): no English function
word, no English text of the app's catalogues. What is printed for machines (``--json``) is the same in both.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.utils import translation

from persondata.cli import _argparse_speaks, build_parser, choose_language
from persondata.core.risk import EVENTS
from tests.clitools import cli_env, english_in, init_home, persondata

pytestmark = [pytest.mark.slow, pytest.mark.second_job]  # no database: in the PostgreSQL job of `make test`


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = cli_env(home)
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        env.pop(name, None)
    env.update(extra)
    return env


@pytest.mark.parametrize(
    ("explicit", "environ", "expected"),
    [
        ("en", {"LANG": "da_DK.UTF-8"}, "en"),
        (None, {"LANGUAGE": "de:en:da"}, "en"),
        (None, {"LANGUAGE": "", "LC_ALL": "da_DK.UTF-8", "LANG": "en_US.UTF-8"}, "da"),
        (None, {"LC_MESSAGES": "en_GB.UTF-8", "LANG": "da_DK.UTF-8"}, "en"),
        (None, {"LANG": "en_US.UTF-8"}, "en"),
        (None, {"LANG": "C.UTF-8"}, "da"),  # a server's C locale names no language: the installation's
        (None, {"LC_ALL": "de_DE.UTF-8", "LANG": "en_US.UTF-8"}, "da"),  # LC_ALL wins, and names neither
        (None, {}, "da"),
    ],
)
def test_the_language_is_chosen_as_a_user_expects(
    explicit: str | None, environ: dict[str, str], expected: str
) -> None:
    assert choose_language(explicit, environ) == expected


def _run(home: Path, lang: str, *args: str, check: bool = True, **env: str) -> tuple[str, str, int]:
    done = persondata("--lang", lang, *args, env=_env(home, **env), check=check)
    return done.stdout, done.stderr, done.returncode


def test_the_commands_speak_danish_and_english_and_their_json_is_the_same(tmp_path: Path) -> None:
    outputs: dict[str, list[str]] = {"da": [], "en": []}

    # before init: one line, in the language asked for; the environment's locale chooses without --lang
    for lang in ("da", "en"):
        out, err, code = _run(tmp_path, lang, "staff", "list", "--as", "controller", check=False)
        assert code == 2 and "Traceback" not in err and len(err.strip().splitlines()) == 1
        outputs[lang].append(err)
    assert "ingen database" in outputs["da"][0] and "no database" in outputs["en"][0]
    by_locale = persondata("audit", "verify", env=_env(tmp_path, LANG="en_US.UTF-8"), check=False)
    assert "no database" in by_locale.stderr
    by_default = persondata("audit", "verify", env=_env(tmp_path, LANG="C.UTF-8"), check=False)
    assert "ingen database" in by_default.stderr

    out, err, _code = _run(tmp_path, "da", "init")
    outputs["da"].append(out + err)
    assert "hovednøgle" in out and "brugernavn: controller" in out

    for lang in ("da", "en"):
        login = f"kirsten-{lang}"
        runs = [
            ("staff", "add", login, "--role", "customer_service", "--as", "controller"),
            ("staff", "list", "--as", "controller"),
            ("staff", "declarations", "--as", "controller"),
            ("customers", "find", "x", "--user", "controller", "--purpose", "rights_requests"),
            ("staff", "accept", "--as", "controller"),
        ]
        for args in runs:
            out, err, _code = _run(tmp_path, lang, *args, check=False)
            assert "Traceback" not in err, (args, err)
            outputs[lang].append(out + err)
    assert "mangler: fortrolighed, vejledning" in "\n".join(outputs["da"])
    assert "missing: confidentiality, guidance" in "\n".join(outputs["en"])

    problems = english_in("\n".join(outputs["da"]))
    assert not problems, "\n".join(problems)
    assert "kirsten" in "\n".join(outputs["en"]) and "have not accepted" in "\n".join(outputs["en"])

    # what machines read is the same in both languages
    persondata("staff", "accept", "--as", "controller", "--yes", env=_env(tmp_path))
    find = ("customers", "find", "x", "--user", "controller", "--purpose", "rights_requests", "--json")
    found = {lang: _run(tmp_path, lang, *find, check=False) for lang in ("da", "en")}
    assert found["da"][2] == found["en"][2] == 1  # none found
    assert json.loads(found["da"][0]) == json.loads(found["en"][0]) == []


def test_the_detector_catches_english_in_a_danish_run() -> None:
    found = "\n".join(
        english_in("kirsten  fortrolighed\n2 of 2 active logins have not accepted every current text")
    )
    assert "English word 'of'" in found and "untranslated 'active logins have not accepted" in found, found
    assert english_in("2 af 2 aktive logins har ikke accepteret alle gældende tekster") == []


def test_the_services_refusals_the_command_passes_on_speak_danish(tmp_path: Path) -> None:
    """What the services refuse — a legal hold, a request step, a system's risk, a master key — reaches the
    person as a Danish sentence in a Danish run (issue 15: the messages the command passes on were English),
    and as English in an English run; the field's key stays out of the sentence."""
    init_home(env=_env(tmp_path, LANG="da_DK.UTF-8"))
    persondata("staff", "accept", "--as", "controller", "--yes", env=_env(tmp_path))
    nobody = "00000000-0000-4000-8000-000000000000"
    out, _err, _code = _run(
        tmp_path, "da", "requests", "new", "--kind", "access", "--name", "Ingen Kunde",
        "--email", "ingen.kunde@example.dk", "--user", "controller",
    )  # fmt: skip
    [reference] = re.findall(r"PD-\w{4}-\w{4}", out)
    out, _err, _code = _run(
        tmp_path, "da", "requests", "new", "--kind", "erasure", "--name", "Ingen Kunde",
        "--email", "ingen.kunde@example.dk", "--user", "controller",
    )  # fmt: skip
    [erasure] = re.findall(r"PD-\w{4}-\w{4}", out)
    refused = [
        # (command, what the Danish run says, what the English run says)
        (("retention", "hold", nobody, "--reason", "Tvist", "--until", "2030-01-01", "--user", "controller"),
         "Ingen kunde har dette nummer", "No customer has this number"),
        (("retention", "end-hold", nobody, "--user", "controller"),
         "tilbageholdelse findes ikke", "no such legal hold"),
        (("requests", "new", "--kind", "access", "--user", "controller"),
         "så vi kan finde dine oplysninger", "so that we can find your data"),
        (("requests", "new", "--kind", "access", "--name", "Ingen Kunde", "--received-on", "2099-01-01",
          "--user", "controller"),
         "kan ikke ligge i fremtiden", "cannot be in the future"),
        (("requests", "start", reference, "--user", "controller"),
         "kontrollér først identiteten", "verify the requester's identity first"),
        (("requests", "extend", reference, "--months", "1", "--reasons", " ", "--user", "controller"),
         "Begrund, hvorfor forlængelsen er nødvendig", "Say why the extension is necessary"),
        (("systems", "assess", "persondata", next(iter(EVENTS)), "--severity", "1", "--likelihood", "1",
          "--residual-severity", "2", "--residual-likelihood", "1", "--user", "controller"),
         "Restrisikoen kan ikke være højere", "residual risk cannot be higher"),
        (("breaches", "add", "--discovered-at", "2099-01-01T10:00+01:00", "--nature", "Forkert modtager",
          "--user", "controller"),
         "Tidspunktet for opdagelsen ligger i fremtiden", "The time of discovery lies in the future"),
        (("requests", "answer", erasure, "--user", "controller"),
         "en sletning kan ikke fortrydes; bekræft den", "an erasure cannot be undone; confirm it"),
        (("keys", "grant", "--app-role", "persondata", "--owner-role", "persondata", "--print", "--user",
          "controller"),
         "skal være forskellige: appen må ikke eje nøglelageret", "must differ: the app must not own the key store"),
        (("partners", "endpoint-set", "ingen", "--url", "https://ingen.example/hooks", "--user", "controller"),
         "er ikke en samarbejdspartner i politikfilen", "is not a partner of the policy file"),
    ]  # fmt: skip
    said: dict[str, list[str]] = {"da": [], "en": []}
    for args, danish, english in refused:
        for lang, expected in (("da", danish), ("en", english)):
            out, err, code = _run(tmp_path, lang, *args, check=False)
            assert code in (1, 2) and "Traceback" not in err and expected in err, (lang, args, out, err)
            said[lang].append(err)

    # the master key readable by others: every command stops, saying why and how to fix it
    key = tmp_path / "master.key"
    key.chmod(0o644)
    try:
        for lang, expected in (("da", "kan læses af andre"), ("en", "is readable by others")):
            _out, err, code = _run(tmp_path, lang, "audit", "verify", check=False)
            assert code == 2 and expected in err and "chmod 600" in err, err
            said[lang].append(err)
    finally:
        key.chmod(0o600)

    problems = english_in("\n".join(said["da"]))
    assert not problems, "\n".join(problems)
    assert english_in("\n".join(said["en"])), "the English run is English (the detector can fail)"
    for lang in ("da", "en"):  # no machine key in what a person reads
        assert not re.search(
            r"\b(received_on|customer_id|state|ground|discovered_at)\b", "\n".join(said[lang])
        )


def test_a_broken_audit_chain_is_explained_in_the_commands_language(tmp_path: Path) -> None:
    """``audit verify`` on a log changed behind the product's back: the problem in Danish or English."""
    init_home(env=_env(tmp_path, LANG="da_DK.UTF-8"))
    con = sqlite3.connect(tmp_path / "persondata.sqlite3")
    with con:
        con.execute(
            "UPDATE audit_entry SET action = action || 'x' WHERE seq = (SELECT max(seq) FROM audit_entry)"
        )
    con.close()
    said = {}
    for lang, expected in (("da", "passer ikke med sin kontrolsum"), ("en", "does not match its digest")):
        out, err, code = _run(tmp_path, lang, "audit", "verify", check=False)
        assert code == 1 and expected in out, (lang, out, err)
        said[lang] = out
    assert not english_in(said["da"]), said["da"]
    assert english_in(said["en"])


def test_argparse_own_words_follow_the_language(tmp_path: Path) -> None:
    """A mistyped command is answered in the command's language: argparse's usage line and its error."""
    _, danish, code = _run(tmp_path, "da", "retention", "frobnicate", check=False)
    assert code == 2
    assert "fejl" in danish and "ugyldigt valg" in danish and "brug:" in danish
    assert not english_in(danish.replace("frobnicate", "")), danish
    _, english, _ = _run(tmp_path, "en", "customers", "show", check=False)
    assert "error: the following arguments are required" in english


def _parsers(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    """Every parser of the command, its sub-commands' and theirs, with the command line that reaches it."""
    yield " ".join(path), parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, (*path, name))


def _names(parser: argparse.ArgumentParser) -> set[str]:
    """What a help shows that is typed, not read: sub-commands, options, metavars, positionals, choices."""
    names: set[str] = set()
    for _line, p in _parsers(parser):
        for action in p._actions:
            names.update(action.option_strings)
            if not action.option_strings:
                names.add(action.dest)
            metavar = action.metavar or (action.dest.upper() if action.option_strings else None)
            names.update(metavar if isinstance(metavar, tuple) else [metavar] if metavar else [])
            names.update(str(choice) for choice in action.choices or ())
    return names


def _help_texts(language: str) -> dict[str, str]:
    """The ``--help`` of every command and sub-command, formatted as ``persondata --lang LANGUAGE … --help`` does,
    with what is typed (the names of commands and options) blanked out."""
    with translation.override(language):
        parser = build_parser()
        names = sorted(_names(parser), key=len, reverse=True)
        typed = re.compile("|".join(rf"(?<![\w-]){re.escape(name)}(?![\w-])" for name in names))
        return {line: typed.sub(" ", p.format_help()) for line, p in _parsers(parser)}


def test_every_commands_help_is_danish(monkeypatch: pytest.MonkeyPatch) -> None:
    """``persondata --lang da COMMAND --help`` for every command and sub-command: the help of the commands and of
    their options is Danish (issue 15); the English is English (so the detector can fail)."""
    monkeypatch.setattr(argparse, "_", argparse._)  # type: ignore[attr-defined]  # put back after the test
    monkeypatch.setattr(argparse, "ngettext", argparse.ngettext)  # type: ignore[attr-defined]
    _argparse_speaks()  # as main() does
    danish, english = _help_texts("da"), _help_texts("en")
    assert danish.keys() == english.keys() and len(danish) > 100, sorted(danish)
    problems = [f"persondata {line} --help: {p}" for line, text in danish.items() for p in english_in(text)]
    assert not problems, "\n".join(problems)
    assert (
        "tilbagehold" in danish["retention"]
        and "pr. transaktion (standard 10.000)" in danish["retention run"]
    )
    assert "per transaction (default 10,000)" in english["retention run"]
    quiet = [line for line, text in english.items() if not english_in(text)]
    assert not quiet, f"the detector sees no English in the English help of {quiet}"
