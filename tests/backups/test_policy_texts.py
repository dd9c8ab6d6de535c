"""The key store's backup rotation as the policy file sets it, printed in the policy (section 9) — so the text and
the setting cannot disagree — and validated like the other settings (docs/policy-file.md, docs/backups.md)."""

from __future__ import annotations

import re
from datetime import date

import pytest

from persondata.core.calendar import backups_unreadable_by
from persondata.core.policy import Backups, PolicyError, load_policy, parse_policy
from persondata.documents.policy_texts import TEXTS
from persondata.documents.privacy_policy import LANGUAGES, render_policy
from tests.core.test_policy import edited

SAYS = {
    "da": r"slettes efter (\d+) dage.*?senest (\d+) dage efter sletningen",
    "en": r"deleted after (\d+) days.*?(\d+) days after the deletion at the latest",
}


def _section_9(text: str, lang: str) -> str:
    start = text.rindex(f"9. {TEXTS[lang]['s9']}")
    return text[start : text.rindex(f"10. {TEXTS[lang]['s10']}")]


@pytest.mark.django_db  # the printed policy reads the processor agreements on record
@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("days", [None, 21])
def test_the_policy_prints_the_key_store_rotation_of_the_policy_file(lang: str, days: int | None) -> None:
    policy = (
        load_policy()
        if days is None
        else parse_policy(edited(("key_store_rotation_days = 35", f"key_store_rotation_days = {days}")))
    )
    text = " ".join(render_policy(policy, lang, "md").decode().split())
    found = re.search(SAYS[lang], _section_9(text, lang))
    assert found is not None
    want = days or Backups().key_store_rotation_days
    assert policy.backups.key_store_rotation_days == want and (int(found[1]), int(found[2])) == (want, want)


def test_a_policy_file_without_the_section_gets_the_defaults() -> None:
    text = edited(("[backups]\n", "[ignored_backups]\n"))
    text = re.sub(r"(?ms)^\[ignored_backups\].*?(?=^# ---)", "", text)
    assert parse_policy(text).backups == Backups(key_store_rotation_days=35, database_retention_days=30)


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("key_store_rotation_days = 0", "outside the allowed range 1–90"),
        ("key_store_rotation_days = 365", "outside the allowed range 1–90"),
        ('key_store_rotation_days = "35"', "expected a whole number"),
    ],
)
def test_a_bad_rotation_is_refused_naming_the_key(line: str, words: str) -> None:
    with pytest.raises(PolicyError) as refused:
        parse_policy(edited(("key_store_rotation_days = 35", line)))
    assert "backups.key_store_rotation_days" in str(refused.value) and words in str(refused.value)


def test_the_bound_is_the_erasure_day_plus_the_rotation() -> None:
    assert backups_unreadable_by(date(2026, 12, 30), 35) == date(2027, 2, 3)
