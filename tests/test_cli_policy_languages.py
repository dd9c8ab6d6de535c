"""A broken policy file is refused in the command's language (issue 15): ``policy check --file`` and any command
that needs the installation's policy file (here ``init``) list each problem — the key and line the same in both
languages, what is wrong and the fix in Danish in a Danish run with no English (checked as
:mod:`tests.test_cli_languages` checks a Danish run), and in English in an English one. No traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clitools import english_in, persondata
from tests.core.test_policy import edited
from tests.test_cli_languages import _env

pytestmark = pytest.mark.slow

BROKEN = edited(
    ("bookkeeping_years = 5", "bookkeeping_years = 3"),
    ("start_day = 1 ", 'start_day = "1" '),
    ('read = ["contact", "customer_number", "payment"]', 'read = ["contact", "customer_number", "paymnet"]'),
    ('unpaid_claim_after = "delete"', 'unpaid_claim_after = "keep"'),
    ("[review]\n", "[review]\nmonthz = 3\n"),
)
KEYS = [
    "financial_year.start_day",
    "retention.bookkeeping_years",
    "retention.unpaid_claim_after",
    "review.monthz",
    "roles.accounting.read[2]",
]
SAYS = {
    "da": ["politikfilen er ikke gyldig", "forventede et helt tal", "mente du »payment«?", "(linje "],
    "en": ["the policy file is not valid", "expected a whole number", "did you mean 'payment'?", "(line "],
}


def test_a_broken_policy_file_is_refused_in_the_commands_language(tmp_path: Path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text(BROKEN, encoding="utf-8")
    home = tmp_path / "home"
    home.mkdir()
    (home / "policy.toml").write_text(BROKEN, encoding="utf-8")
    said: dict[str, list[str]] = {"da": [], "en": []}
    for lang in ("da", "en"):
        for args in (("policy", "check", "--file", str(broken)), ("init",)):
            done = persondata("--lang", lang, *args, env=_env(home), check=False)
            err = done.stderr
            assert done.returncode == 2 and "Traceback" not in err, (lang, args, err)
            for key in KEYS:
                assert key in err, (lang, args, key, err)
            for words in SAYS[lang]:
                assert words in err, (lang, args, words, err)
            said[lang].append(err)

    english = english_in("\n".join(said["da"]))
    assert not english, "\n".join(english)
    assert english_in("\n".join(said["en"])), "the English run is English (the detector can fail)"
