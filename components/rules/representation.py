"""Representation rules: the network's membership mix (entered or imported) and the flags' margin."""

from __future__ import annotations

import re

from components.rules.participation import PROFILE_ANSWER_MAX, RuleError, drop_invisible

# A group is flagged when its share of the voters differs from its share of the membership by more than this
# many percentage points (the organiser can choose another margin, up to the maximum).
REPRESENTATION_MARGIN_DEFAULT, REPRESENTATION_MARGIN_MAX = 5, 50
# A weight above this means a few voices stand in for many members: the page and report mark it.
REPRESENTATION_WEIGHT_WARN = 3.0
MEMBERSHIP_ROWS_MAX = 300
MEMBERSHIP_FILE_BYTES_MAX = 200_000
MEMBERSHIP_COUNT_MAX = 10**9
# Shares are typed in per cent and rounded by people: 33.3 + 33.3 + 33.3 must pass, 97 must not.
MEMBERSHIP_SHARE_TOLERANCE = 0.5
MEMBERSHIP_UNITS = ("count", "share")


def check_membership_file(size: int) -> None:
    """A membership file is a small CSV."""
    if size > MEMBERSHIP_FILE_BYTES_MAX:
        raise RuleError("The file is too large: a membership mix file is at most {kb} KB.",
                        kb=MEMBERSHIP_FILE_BYTES_MAX // 1000)


def check_membership_dimension(text: str, aliases: dict[str, str]) -> str:
    """The kind of group is one the mix knows (by its key or a label, any case); returns its key."""
    key = aliases.get(drop_invisible(str(text or "")).strip().casefold())
    if key is None:
        raise RuleError("“{value}” is not one of: {names}.", value=str(text)[:40],
                        names=", ".join(dict.fromkeys(aliases.values())))
    return key


def check_membership_columns(columns: list[str]) -> None:
    """A membership file has the columns dimension and group, and count or share (or both)."""
    if "dimension" not in columns or "group" not in columns or not set(MEMBERSHIP_UNITS) & set(columns):
        raise RuleError("The file needs the columns dimension, group and count or share.")


def check_membership_unit(unit: str, earlier: str | None, label: str) -> None:
    """One kind of group is given all in counts or all in shares."""
    if earlier is not None and unit != earlier:
        raise RuleError("{label}: give every row as a count or every row as a share, not both.", label=label)


def check_membership_group(group: str, options: list[str] | None, label: str) -> str:
    """A group is named, and is one of the answers the workshop offers (spelt as offered); returns that spelling."""
    name = drop_invisible(str(group or "")).strip()
    if not name:
        raise RuleError("The group is empty.")
    if options is None:
        raise RuleError("This workshop does not ask for: {label}", label=label)
    if not options:
        return name[:PROFILE_ANSWER_MAX]
    spelt = {option.casefold(): option for option in options}
    if name.casefold() not in spelt:
        raise RuleError("“{group}” is not one of the answers this workshop offers.", group=name[:80])
    return spelt[name.casefold()]


def check_membership_amount(unit: str, text: object) -> float:
    """A count is a whole number above 0; a share is a per cent above 0 and at most 100 (12.5, 12,5 or 12.5 %)."""
    # "1 200" is how much of the region writes thousands; "1,200" or "1.200" becomes 1.2 and is refused as a count.
    raw = re.sub(r"[\s\u00a0\u202f_']", "", str(text if text is not None else "")).removesuffix("%").replace(",", ".")
    try:
        value = float(raw)
    except ValueError:
        raise RuleError("“{value}” is not a number.", value=str(text)[:40]) from None
    if unit == "count" and (not value.is_integer() or not 0 < value <= MEMBERSHIP_COUNT_MAX):
        raise RuleError("A count is a whole number of members above 0.")
    if unit == "share" and not 0 < value <= 100:
        raise RuleError("A share is a per cent above 0 and at most 100.")
    return value


def check_membership_total(unit: str, total: float, label: str) -> None:
    """Shares of one kind of group add up to 100 per cent (within rounding)."""
    if unit == "share" and abs(total - 100) > MEMBERSHIP_SHARE_TOLERANCE:
        raise RuleError("{label}: the shares add up to {total} %, not 100 %.", label=label, total=round(total, 2))


def check_membership_rows(problems: list, rows: int) -> None:
    """A membership mix is taken whole or not at all: refuse it while any row has a problem."""
    if rows > MEMBERSHIP_ROWS_MAX:
        raise RuleError("A membership mix has at most {max} rows.", max=MEMBERSHIP_ROWS_MAX)
    if problems:
        error = RuleError("Nothing was saved: fix these rows and try again.")
        error.problems = problems  # (row number or None, RuleError) pairs, shown one per line
        raise error


def is_beyond_margin(gap_points: float, margin_points: float) -> bool:
    """A group is under- or over-represented when its gap is more than the margin (a gap at the margin is not)."""
    return abs(round(gap_points, 6)) > margin_points
