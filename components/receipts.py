"""Ballot receipts: a short code per ballot that its voter can look up in the published list.

A receipt is HMAC-SHA256(the workshop's secret, question id and participant id), written in the join-code
alphabet: it holds no token, name or profile, and without the secret nobody can tell whose ballot it is.
The published list (report and JSON export) gives each receipt with its dots per priority and nothing else,
so a voter finds their own ballot unchanged and anyone can add the list up to the published tally.
"""

from __future__ import annotations

import hashlib
import hmac

import pandas as pd

from components import rules
from components.rules import RuleError
from components.storage import fetch_value


def load_secret(db, workshop_id: int) -> bytes:
    """Return the workshop's receipt secret (made with the workshop, or by migration 0004 for older ones)."""
    secret = fetch_value(db, "SELECT secret FROM receipt_key WHERE workshop_id = ?", (workshop_id,))
    if secret is None:
        raise RuleError("This workshop no longer exists.")
    return secret


def compute_receipt(secret: bytes, question_id: int, participant_id: int) -> str:
    """The receipt of one participant's ballot in one question, e.g. 'K7QX-4M2P'."""
    digest = hmac.new(secret, f"receipt:{question_id}:{participant_id}".encode(), hashlib.sha256).digest()
    number, alphabet, chars = int.from_bytes(digest, "big"), rules.CODE_ALPHABET, []
    for _ in range(rules.RECEIPT_LENGTH):  # 256 bits leave the 8 base-31 digits practically unbiased
        number, digit = divmod(number, len(alphabet))
        chars.append(alphabet[digit])
    code = "".join(chars)
    return f"{code[:rules.RECEIPT_GROUP]}-{code[rules.RECEIPT_GROUP:]}"


def receipt_for(db, question: dict, participant_id: int) -> str:
    """The receipt of one ballot, for the voter's phone or the facilitator who typed in a paper sheet."""
    return compute_receipt(load_secret(db, question["workshop_id"]), question["id"], participant_id)


def list_receipts(secret: bytes, question_id: int, votes, visible_ids: set[int]) -> list[dict]:
    """Every ballot as {receipt, dots: {priority id: dots}} sorted by receipt; only dots the tally counts."""
    ballots: dict[int, dict[int, int]] = {}
    for vote in votes.itertuples():
        on_ballot = ballots.setdefault(int(vote.participant_id), {})
        if int(vote.priority_id) in visible_ids:
            on_ballot[int(vote.priority_id)] = int(vote.dots)
    rows = [{"receipt": compute_receipt(secret, question_id, pid), "dots": dict(sorted(dots.items()))}
            for pid, dots in ballots.items()]
    return sorted(rows, key=lambda row: row["receipt"])


def format_dots(dots: dict[int, int]) -> str:
    """A ballot's dots as the published lists write them: '#12: 2 · #14: 1'."""
    return " · ".join(f"#{k}: {v}" for k, v in dots.items())


def tabulate(ballots_per_question: list[list[dict]]) -> pd.DataFrame:
    """The published list for the spreadsheets, as in the report: one row per ballot with its question, receipt,
    dots per priority and dots in all; nothing else (one text cell per ballot, so 2,000 priorities stay small)."""
    rows = [{"question_no": number, "receipt": b["receipt"], "dots per priority": format_dots(b["dots"]),
             "dots": sum(b["dots"].values())}
            for number, ballots in enumerate(ballots_per_question, start=1) for b in ballots]
    return pd.DataFrame(rows, columns=["question_no", "receipt", "dots per priority", "dots"])
