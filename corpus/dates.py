"""An article's date as a calendar day, from the free-form text articles give it in.

Articles keep their date as written ("Oct. 23, 2013" from a date line, "2026-11-20" from
front matter or page metadata), and that is what citations show. Searching by time needs the
day itself; these are the forms news articles and trafilatura give, read without guessing:
an ambiguous all-number date such as 03/04/2013 is no date here, rather than the wrong one.
"""

from __future__ import annotations

import datetime as dt
import re

_MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
            ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
            ("oct", "october"), ("nov", "november"), ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_MONTH_FIRST = re.compile(r"\b([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})\b")
_DAY_FIRST = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]{3,9})\.?,?\s+(\d{4})\b")


def article_day(text: str | None) -> dt.date | None:
    """The day `text` names (`2026-11-20`, `2026-11-20T09:00:00Z`, `Oct. 23, 2013`,
    `23 October 2013`), or None when it names none this can be sure of."""
    if not text:
        return None
    lowered = text.strip().lower()
    match = _ISO.search(lowered)
    if match:
        return _day(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    match = _MONTH_FIRST.search(lowered)
    if match and match.group(1) in _MONTHS:
        return _day(int(match.group(3)), _MONTHS[match.group(1)], int(match.group(2)))
    match = _DAY_FIRST.search(lowered)
    if match and match.group(2) in _MONTHS:
        return _day(int(match.group(3)), _MONTHS[match.group(2)], int(match.group(1)))
    return None


def _day(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
