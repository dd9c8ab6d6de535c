"""The requests inbox: filters, sorting and pages over every request, for whoever handles them.

Plain Django forms and :class:`~django.core.paginator.Paginator` rather than django-filter and django-tables2: the
filters are four choices and a number, the table one template, and a page must never carry personal data in its
URL — the filters that travel in the query string are codes and ids only (state, kind, days, the handler's staff
id, the sort key, the page); the search by reference is a POST (``views.find_reference``).

One page is three queries on indexed columns (a count, the page's ids in order, then those rows with their
handler), and its rows and the filter's selects are drawn in Python, so the inbox stays fast at tens of thousands
of requests (``persondata bench --phase inbox``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext
from django.utils.translation import gettext_lazy as _

from persondata.core import formats
from persondata.core import requests as rq
from persondata.documents import labels
from persondata.requests.forms import KIND_LABELS, STATE_LABELS
from persondata.requests.models import Request

PAGE_SIZE = 50
OPEN = [s.value for s in rq.OPEN_STATES]
CLOSED = [s.value for s in rq.CLOSED_STATES]

#: sort key → the columns it orders by (the id last, so that pages never overlap)
SORTS: dict[str, tuple[str, ...]] = {
    "due": ("due_on", "received_at", "id"),
    "received": ("received_at", "id"),
    "reference": ("reference",),
    "kind": ("kind", "due_on", "id"),
    "state": ("state", "due_on", "id"),
}
NOBODY = "none"

#: what a row shows: the blobs (the requester's details, staff notes) are never read for the list
ROW_FIELDS = (
    "id",
    "reference",
    "kind",
    "state",
    "received_at",
    "received_on",
    "due_on",
    "extension_months",
    "assigned_to__id",
    "assigned_to__username",
)


class _Select(forms.Select):
    """A ``<select>`` drawn in Python: Django draws each option through a template, and the filter's selects hold
    some thirty options, on a page that must be fast (``persondata bench --phase inbox``)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final = self.build_attrs(self.attrs, attrs)
        chosen = "" if value is None else str(value)
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((v, mark_safe(" selected") if str(v) == chosen else "", label) for v, label in self.choices),
        )
        return format_html('<select name="{}"{}>{}</select>', name, flatatt(final), options)


class InboxFilter(forms.Form):
    state = forms.ChoiceField(label=_("State"), required=False, widget=_Select)
    kind = forms.ChoiceField(label=_("Kind"), required=False, widget=_Select)
    due_within = forms.IntegerField(
        label=_("Due within (days)"), required=False, min_value=0, max_value=366, widget=forms.NumberInput()
    )
    assignee = forms.ChoiceField(label=_("Assigned to"), required=False, widget=_Select)
    sort = forms.ChoiceField(required=False, widget=forms.HiddenInput)

    def __init__(self, data: Any, handlers: list[Any]) -> None:
        super().__init__(data)
        self.fields["state"].choices = [  # type: ignore[attr-defined]
            ("", _("Open")),
            ("closed", _("Closed")),
            ("all", _("All")),
            *((s.value, STATE_LABELS[s]) for s in rq.State),
        ]
        self.fields["kind"].choices = [("", _("All kinds")), *KIND_LABELS.items()]  # type: ignore[attr-defined]
        self.fields["assignee"].choices = [  # type: ignore[attr-defined]
            ("", _("Anyone")),
            (NOBODY, _("Nobody yet")),
            *((str(u.pk), u.get_username()) for u in handlers),
        ]
        self.fields["sort"].choices = [  # type: ignore[attr-defined]
            (f"{sign}{key}", key) for key in SORTS for sign in ("", "-")
        ]


def _filtered(f: dict[str, Any], today: date) -> QuerySet[Request]:
    query = Request.objects.all()
    state = f.get("state") or ""
    if state == "":
        query = query.filter(state__in=OPEN)
    elif state == "closed":
        query = query.filter(state__in=CLOSED)
    elif state != "all":
        query = query.filter(state=state)
    if f.get("kind"):
        query = query.filter(kind=f["kind"])
    if f.get("due_within") is not None:
        # what must be answered within N days: open requests due by then, the overdue ones included
        query = query.filter(state__in=OPEN, due_on__lte=today + timedelta(days=f["due_within"]))
    assignee = f.get("assignee") or ""
    if assignee == NOBODY:
        query = query.filter(assigned_to__isnull=True)
    elif assignee:
        query = query.filter(assigned_to_id=int(assignee))
    return query


@dataclass(frozen=True, slots=True)
class Row:
    request: Request
    url: str
    kind: str  # the kind and state in words
    state: str
    days_left: int
    level: str  # ok | due_soon | overdue | closed
    handler: str
    html: SafeString  # the table row, drawn once here: fifty rows through the template engine cost more


@dataclass(frozen=True, slots=True)
class Inbox:
    page: Page[Any]  # the page's requests (its object_list: Request rows)
    rows: list[Row]
    sort: str
    query: dict[str, str]  # the filters as they travel in links (codes and ids only)

    def link(self, **changes: object) -> str:
        """The query string of this view with ``changes`` (a page, a sort), for the page's links."""
        params = {**self.query, **{k: str(v) for k, v in changes.items()}}
        return "?" + urlencode({k: v for k, v in params.items() if v})

    def sort_link(self, key: str) -> str:
        return self.link(sort=f"-{key}" if self.sort == key else key, page="")


def inbox(form: InboxFilter, page_number: str | None, today: date) -> Inbox:
    """The page ``page_number`` of the requests ``form`` selects (an invalid form: the default view)."""
    f = form.cleaned_data if form.is_valid() else {}
    sort = f.get("sort") or "due"
    columns = SORTS[sort.lstrip("-")]
    order = [f"-{c}" for c in columns] if sort.startswith("-") else list(columns)
    # two steps: the page's ids, sorted and cut by the database from the narrow columns it sorts on; then those
    # fifty rows with their handler. Sorting whole rows (and their handler) to keep fifty cost twice as much.
    paginator = Paginator(_filtered(f, today).order_by(*order).values_list("id", flat=True), PAGE_SIZE)
    page: Page[Any] = paginator.get_page(page_number)
    ids = list(page.object_list)
    found = Request.objects.filter(id__in=ids).select_related("assigned_to").only(*ROW_FIELDS).in_bulk()
    page.object_list = [found[i] for i in ids if i in found]
    rows = []
    detail = reverse("requests:list")  # a request's page is <list>/<id>/: one reverse() for the whole page
    # the words the requests' pages show for kinds and states (documents/labels.py, as ``{% load labels %}``)
    kinds = {k.value: labels.of(labels.KINDS, k.value) for k in rq.Kind}
    states = {s.value: labels.of(labels.STATES, s.value) for s in rq.State}
    lang = "en" if (get_language() or "da").startswith("en") else "da"
    extended = " (" + gettext("extended") + ")"
    for r in page.object_list:
        left = (r.due_on - today).days
        level = rq.deadline_level(left) if r.state in OPEN else "closed"
        handler = r.assigned_to.get_username() if r.assigned_to else ""
        url = f"{detail}{r.id}/"
        html = format_html(
            '<tr class="deadline deadline--{}"><td><a href="{}">{}</a></td><td>{}</td><td>{}</td><td>{}</td>'
            "<td>{}{}</td><td>{}</td><td>{}</td></tr>",
            level,
            url,
            r.reference,
            kinds[r.kind],
            states[r.state],
            formats.format_date(r.received_on, lang),
            formats.format_date(r.due_on, lang),
            extended if r.extension_months else "",
            handler or "–",
            deadline_badge(left, level),
        )
        rows.append(Row(r, url, kinds[r.kind], states[r.state], left, level, handler, html))
    kept = {k: "" if f.get(k) is None else str(f.get(k)) for k in ("state", "kind", "due_within", "assignee")}
    return Inbox(page, rows, sort, {**kept, "sort": sort if sort != "due" else ""})


def deadline_badge(days_left: int, level: str) -> SafeString:
    """The deadline's badge (R6): "3 days left" (amber within a week), in red "4 days overdue"; none once closed.
    The one markup of the inbox, the dashboard, the customer page and the request's page (``{% deadline_badge %}``)."""
    if level == "closed":
        return mark_safe("")
    if level == "overdue":
        text = ngettext("%(counter)s day overdue", "%(counter)s days overdue", -days_left) % {
            "counter": -days_left
        }
    else:
        text = ngettext("%(counter)s day left", "%(counter)s days left", days_left) % {"counter": days_left}
    return format_html('<span class="badge badge--{}">{}</span>', level, text)
