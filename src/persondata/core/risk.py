"""Risk assessment of an IT system on the CNIL PIA scale (policy [12]; GDPR Art. 32): pure Python.

Three feared events — illegitimate access, unwanted change, disappearance of the data — each rated by severity
and likelihood, 1–4 (negligible, limited, significant, maximum), before and after the measures that reduce it. A
review falls due a year after the assessment, or as soon as the system has changed since. The heat map is an SVG
drawn here, on the server: no script, readable as text (each cell has a title) and printable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from html import escape
from typing import Final

from persondata.core.calendar import add_months
from persondata.core.policy import Text

EVENTS: Final[dict[str, Text]] = {
    "access": Text("Uautoriseret adgang til oplysningerne", "Illegitimate access to the data"),
    "change": Text("Uønsket ændring af oplysningerne", "Unwanted change of the data"),
    "disappearance": Text("Tab af oplysningerne", "Disappearance of the data"),
}
LEVELS: Final[dict[int, Text]] = {
    1: Text("Ubetydelig", "Negligible"),
    2: Text("Begrænset", "Limited"),
    3: Text("Betydelig", "Significant"),
    4: Text("Maksimal", "Maximum"),
}
REVIEW_MONTHS: Final = 12


def check_level(field: str, value: int) -> int:
    if value not in LEVELS:
        raise ValueError(f"{field} must be 1 (negligible), 2 (limited), 3 (significant) or 4 (maximum)")
    return value


def rating(severity: int, likelihood: int) -> str:
    """``low`` | ``moderate`` | ``high`` — the colour band of a cell of the 4×4 map (CNIL PIA)."""
    score = severity + likelihood
    if severity >= 3 and likelihood >= 3:
        return "high"
    return "moderate" if score >= 5 else "low"


def review_due(assessed_at: datetime, system_changed_at: datetime) -> tuple[date, bool]:
    """The date a review falls due, and whether it is due already because the system changed since."""
    due = add_months(assessed_at.date(), REVIEW_MONTHS)
    return due, system_changed_at > assessed_at


_COLOURS: Final = {"low": "#cfe8cf", "moderate": "#ffe08a", "high": "#f4a3a3"}
CELL, MARGIN = 64, 96


def heat_map_svg(cells: Mapping[tuple[int, int], int], lang: str, title: str) -> str:
    """The assessments as a 4×4 map: severity up, likelihood across; each cell the number of assessed events.

    ``cells`` maps (severity, likelihood) to a count. The SVG has a <title>, and each cell a <title> saying what it
    holds, so that a screen reader and a text search read it too."""
    width, height = MARGIN + 4 * CELL + 8, 8 + 4 * CELL + 42
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" class="heat-map" aria-labelledby="heat-map-title">',
        f'<title id="heat-map-title">{escape(title)}</title>',
    ]
    sev_label = "Alvor" if lang == "da" else "Severity"
    lik_label = "Sandsynlighed" if lang == "da" else "Likelihood"
    for severity in range(1, 5):
        y = 8 + (4 - severity) * CELL
        parts.append(
            f'<text x="{MARGIN - 6}" y="{y + CELL // 2 + 4}" text-anchor="end" font-size="11">'
            f"{escape(LEVELS[severity].get(lang))}</text>"
        )
        for likelihood in range(1, 5):
            x = MARGIN + (likelihood - 1) * CELL
            count = cells.get((severity, likelihood), 0)
            band = rating(severity, likelihood)
            label = f"{sev_label} {severity}, {lik_label.lower()} {likelihood}: {count}"
            parts.append(
                f'<g class="cell cell--{band}"><title>{escape(label)}</title>'
                f'<rect x="{x}" y="{y}" width="{CELL}" height="{CELL}" fill="{_COLOURS[band]}" stroke="#555"/>'
                + (
                    f'<text x="{x + CELL // 2}" y="{y + CELL // 2 + 6}" text-anchor="middle" font-size="18" '
                    f'font-weight="bold">{count}</text>'
                    if count
                    else ""
                )
                + "</g>"
            )
    bottom = 8 + 4 * CELL
    for likelihood in range(1, 5):
        x = MARGIN + (likelihood - 1) * CELL + CELL // 2
        parts.append(
            f'<text x="{x}" y="{bottom + 16}" text-anchor="middle" font-size="11">'
            f"{escape(LEVELS[likelihood].get(lang))}</text>"
        )
    parts.append(
        f'<text x="{MARGIN + 2 * CELL}" y="{bottom + 34}" text-anchor="middle" font-size="12">'
        f"{escape(lik_label)} →</text>"
    )
    parts.append(
        f'<text x="12" y="{8 + 2 * CELL}" font-size="12" transform="rotate(-90 12 {8 + 2 * CELL})" '
        f'text-anchor="middle">{escape(sev_label)} →</text>'
    )
    parts.append("</svg>")
    return "".join(parts)
