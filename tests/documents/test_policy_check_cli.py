"""``persondata policy check`` exits 1 on any error (the published policy would be untrue or unlawful), 0 with
warnings only; in-process, on policy files written to a temporary directory."""

from __future__ import annotations

import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from persondata.cli import main
from tests.core.test_policy import filled_policy_text


def check(tmp_path: Path, text: str, lang: str = "en") -> tuple[int, str]:
    path = tmp_path / "policy.toml"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["policy", "check", "--file", str(path), "--lang", lang])
    return code, out.getvalue()


pytestmark = pytest.mark.usefixtures("complete_agreements")  # every partner may receive data (Art. 28)

ROLE = 'label.da = "Kundeservice"\nlabel.en = "Customer service"\nread'
MARKETING_ROLE = 'label.da = "Marketing"\nlabel.en = "Marketing"\nread'  # the customer service role, renamed


@pytest.mark.parametrize(
    ("edit", "code", "finding"),
    [
        (("months = 6 ", "months = 6 "), 0, "WARNING retention-clash"),
        (("months = 6 ", "months = 7 "), 1, "ERROR   review-interval"),
        (('"Jens Hansen"', '"Navn"'), 1, "ERROR   controller-placeholder"),
        (('"12345674"', '"12345678"'), 1, "ERROR   cvr-format"),
        ((ROLE, MARKETING_ROLE), 1, "ERROR   marketing-profiling"),
    ],
)  # fmt: skip
def test_exit_status(tmp_path: Path, edit: tuple[str, str], code: int, finding: str) -> None:
    got, out = check(tmp_path, filled_policy_text(edit))
    assert got == code and finding in out, out


def test_danish_wording(tmp_path: Path) -> None:
    code, out = check(tmp_path, filled_policy_text(("months = 6 ", "months = 7 ")), lang="da")
    assert code == 1 and "hvert halve år" in out
