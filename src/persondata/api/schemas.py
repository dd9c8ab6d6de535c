"""Input and output schemas, one per entity.

Output schemas name every field they show. Services return dictionaries; an output schema copies only its own
fields out of them (extra keys are ignored), so a field added to the register stays out of the API until a
schema here names it — it can never be exposed silently.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StringConstraints

from persondata import runtime

Query = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _purposes() -> Any:
    """The purposes of the policy file, as an enum in the schema: a client generated from it offers only those.

    The forbidden ones (marketing, profiling) are in it too: asking for them is refused with 403 and logged
    (RULES R19), not waved off as a typing error. The policy is read once per process, as everywhere.
    """
    policy = runtime.policy()
    return Literal[tuple(sorted(policy.purposes)) + tuple(sorted(policy.forbidden_purposes))]


Purpose = _purposes()
#: the data categories and the partners of the policy file, as enums in the schema (read once, like the purposes)
Category = Literal[tuple(runtime.policy().categories)]  # type: ignore[valid-type]
PartnerKey = Literal[tuple(p.key for p in runtime.policy().partners)]  # type: ignore[valid-type]


class _Out(Schema):
    model_config = ConfigDict(extra="ignore")


# -- input ---------------------------------------------------------------------------------------------------
class SearchIn(Schema):
    model_config = ConfigDict(extra="forbid")

    query: Query = Field(description="e-mail, phone, customer number, or the name or some of its words")
    purpose: Purpose | None = Field(None, description="why you search: a purpose key of the policy file")  # type: ignore[valid-type]


# -- output --------------------------------------------------------------------------------------------------
class ErrorOut(_Out):
    detail: str
    code: str


class ValidationErrorOut(ErrorOut):
    fields: list[str]


#: the answers any address of the API may give besides its own (api.middleware, api.endpoints): a body larger than
#: the API reads (413), a failure (500), the database busy with a long piece of work (503, with Retry-After)
SERVER_ERRORS: dict[int, Any] = {413: ErrorOut, 500: ErrorOut, 503: ErrorOut}
#: the errors every operation of the routers documents (400: a body that is not JSON, or not the form it names)
ERRORS: dict[int, Any] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ValidationErrorOut,
    **SERVER_ERRORS,
}
#: a valid request the record's state forbids now (a control open already, persondata's own system record, a
#: closed customer's request)
CONFLICT: dict[int, Any] = {409: ErrorOut}


class HealthOut(_Out):
    status: str
    spooled: int = Field(
        description="public submissions waiting in the intake spool to be moved into the database (SQLite, while "
        "a long import holds it; moved every minute by the job runner); 0 on PostgreSQL"
    )
    spooled_oldest_seconds: int | None = Field(
        description="how long the oldest of them has waited (seconds); null when none waits"
    )


class CustomerHitOut(_Out):
    id: uuid.UUID = Field(description="the customer's pseudonymous id")
    name: str | None = None
    customer_number: str | None = None
    email: str | None = None
    city: str | None = None


class SearchOut(_Out):
    purpose: str
    count: int
    results: list[CustomerHitOut]


class AddressOut(_Out):
    street: str | None = None
    postcode: str | None = None
    city: str | None = None
    country: str | None = None


class ContactOut(_Out):
    name: str | None = None
    address: AddressOut | None = None
    phone: str | None = None
    email: str | None = None


class DeliveryOut(AddressOut):
    name: str | None = None


class OrderLineOut(_Out):
    sku: str | None = None
    description: str | None = None
    quantity: int | None = None
    unit_price_ore: int | None = None


class OrderOut(_Out):
    order_number: str
    ordered_on: date
    delivered_on: date | None = None
    total_ore: int = Field(description="amount in øre (1/100 krone)")
    currency: str
    delivery: DeliveryOut | None = None
    lines: list[OrderLineOut] = Field(default_factory=list)


class AgreementOut(_Out):
    agreement_ref: str
    kind: str
    starts_on: date
    ends_on: date | None = None
    description: str | None = None


class BillingOut(AddressOut):
    name: str | None = None
    customer_number: str | None = None


class InvoiceOut(_Out):
    invoice_number: str
    invoice_date: date
    due_date: date | None = None
    total_ore: int = Field(description="amount in øre (1/100 krone)")
    currency: str
    order_number: str = ""
    billing: BillingOut | None = Field(None, description="billing name and address as invoiced (a snapshot)")


class PaymentOut(_Out):
    payment_ref: str
    invoice_number: str = ""
    paid_on: date
    amount_ore: int = Field(description="amount in øre (1/100 krone)")
    currency: str
    method: str
    reference: str = Field("", description="masked card or account reference, e.g. '**** 1234'")


class HiddenCategoryOut(_Out):
    category: str
    reason: str


class CustomerOut(_Out):
    """A customer as the caller may see them: a section is null when its category is not readable."""

    id: uuid.UUID
    purpose: str
    contact: ContactOut | None = None
    customer_number: str | None = None
    orders: list[OrderOut] | None = None
    agreements: list[AgreementOut] | None = None
    invoices: list[InvoiceOut] | None = None
    payments: list[PaymentOut] | None = None
    hidden_categories: list[HiddenCategoryOut] = Field(default_factory=list)
