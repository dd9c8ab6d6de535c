"""Every encryption context is built by persondata.core.sealing: one spelling on writing and on reading."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest

from persondata.core import sealing

SRC = Path(__file__).resolve().parents[2] / "src" / "persondata"
# a string that starts like a context: a record kind followed by '|' and an interpolated id
KINDS = "|".join(
    sorted(
        sealing.CUSTOMER_KINDS
        | sealing.REQUEST_KINDS
        | sealing.KEY_OWNER_KINDS
        | {"secret", "document", "notice", "outbox", "dpa"}
    )
)
BUILT = re.compile(r"""f["'](?:""" + KINDS + r""")[:|]\{|f["']\{(?:kind|owner|ident)\}\|""")


def test_no_module_but_sealing_builds_a_context() -> None:
    offenders = [
        f"{path.relative_to(SRC)}:{n}"
        for path in SRC.rglob("*.py")
        if path.name != "sealing.py"
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if BUILT.search(line)
    ]
    assert not offenders, f"build encryption contexts with persondata.core.sealing: {offenders}"


def test_the_checker_sees_a_hand_built_context() -> None:
    assert BUILT.search('seal(key, record, f"contact|{cid}")')
    assert BUILT.search("unseal(key, blob, f'order|{number}')")
    assert BUILT.search('f"request:{request_id.hex}"')  # a data key's owner
    assert BUILT.search('f"{owner}|{klass}"')  # a data key's context
    assert not BUILT.search("sealing.contact(cid)")


CID = uuid.UUID("0123456789abcdef0123456789abcdef")


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        (sealing.contact(CID), f"contact|{CID.hex}"),
        (sealing.contact(CID.hex), f"contact|{CID.hex}"),  # the import's writer holds ids as hex
        (sealing.customer_number(CID), f"customer_number|{CID.hex}"),
        (sealing.order("O-1"), "order|O-1"),
        (sealing.invoice("F-1"), "invoice|F-1"),
        (sealing.payment("P-1"), "payment|P-1"),
        (sealing.agreement("A-1"), "agreement|A-1"),
        (sealing.request_record("requester", CID), f"requester|{CID.hex}"),
        (sealing.request_record("work", CID), f"work|{CID.hex}"),
        (sealing.request_part("document", CID, CID), f"document:{CID.hex}|{CID.hex}"),
        (sealing.request_part("notice", CID, CID), f"notice:{CID.hex}|{CID.hex}"),
        (sealing.request_part("notice_note", CID, CID), f"notice_note:{CID.hex}|{CID.hex}"),
        (sealing.webhook_secret("accounting"), "secret|accounting"),
        (sealing.outbox_message(CID, "mail"), f"outbox|{CID.hex}|mail"),
        (sealing.key_owner("request", CID), f"request:{CID.hex}"),
        (sealing.key_owner("partner", "accounting"), "partner:accounting"),
        (sealing.key_owner("outbox", CID), f"outbox:{CID.hex}"),
        (sealing.data_key(CID, "relevance"), f"{CID.hex}|relevance"),  # a customer's key: by id alone
        (sealing.data_key(CID.hex, "fy2024/25"), f"{CID.hex}|fy2024/25"),
        (sealing.data_key(f"request:{CID.hex}", "request"), f"request:{CID.hex}|request"),
        (sealing.processor_agreement(CID), f"dpa|{CID.hex}"),
        (sealing.control_attachment(CID), f"control_attachment|{CID.hex}"),
        (sealing.key_owner("control_attachment", CID), f"control_attachment:{CID.hex}"),
    ],
)
def test_contexts_keep_the_spelling_the_stored_data_was_sealed_under(built: str, expected: str) -> None:
    assert built == expected


@pytest.mark.parametrize("bad", ["", "a|b"])
def test_an_empty_or_ambiguous_id_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        sealing.order(bad)


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(ValueError):
        sealing.request_record("contact", CID)
    with pytest.raises(ValueError):
        sealing.request_part("letter", CID, CID)
