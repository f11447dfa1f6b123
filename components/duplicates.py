"""Suggest priorities that are probably the same, so a facilitator can merge them in one click.

Titles are compared after folding case, punctuation and diacritics ("rozpočet" = "rozpocet"), by words
(rapidfuzz's token_sort_ratio, blind to word order; token_set_ratio scored "more funding for startups"
and "more funding for culture" as alike because shared words dominate) and by character trigrams (which catch
inflected and misspelt words); the score is their mean, 0–100.
"""

from __future__ import annotations

import re
import unicodedata

from rapidfuzz import fuzz, process

from components import audit, rules, workshops
from components.rules import RuleError
from components.storage import fetch_all, immediate

# Letters NFKD does not decompose into a base letter and a mark.
_FOLD = str.maketrans({"ł": "l", "đ": "d", "ø": "o", "ı": "i", "ħ": "h", "æ": "ae", "œ": "oe"})
_NOT_WORD = re.compile(r"[\W_]+")


def normalise_text(text: str) -> str:
    """Fold case, diacritics and punctuation, so near-identical titles compare equal."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLD))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", bare).strip()


def trigrams(text: str) -> set[str]:
    """The character trigrams of each word, padded so short words count too."""
    return {f" {word} "[i:i + 3] for word in text.split() for i in range(len(word))}


def similarity(first: str, second: str) -> float:
    """How alike two normalised titles are, 0–100: the mean of word-order-free and trigram (Dice) similarity."""
    return (fuzz.token_sort_ratio(first, second) + dice(trigrams(first), trigrams(second))) / 2


def dice(first: set[str], second: set[str]) -> float:
    """Dice similarity of two trigram sets, 0–100."""
    return 200 * len(first & second) / (len(first) + len(second)) if first and second else 0.0


def rank_pairs(items: list[dict], dismissed: set[tuple[int, int]]) -> list[dict]:
    """Score every pair of items by title, keep those above the threshold, best first."""
    items = sorted(items, key=lambda p: p["id"])
    texts = [normalise_text(item["title"]) for item in items]
    grams = [trigrams(text) for text in texts]
    # The word score in C for all pairs at once; a pair can reach the threshold only if it is at least
    # 2·threshold − 100 (the trigram half is at most 100), so Python scores the few that pass.
    words = process.cdist(texts, texts, scorer=fuzz.token_sort_ratio, score_cutoff=2 * rules.DUPLICATE_SIMILARITY_MIN - 100)
    pairs = []
    for i, j in zip(*words.nonzero()):
        pair = (items[i]["id"], items[j]["id"])
        if i >= j or pair in dismissed:
            continue
        score = (float(words[i, j]) + dice(grams[i], grams[j])) / 2
        if score >= rules.DUPLICATE_SIMILARITY_MIN:
            pairs.append({"first_id": pair[0], "second_id": pair[1], "score": int(round(score))})
    return sorted(pairs, key=lambda p: (-p["score"], p["first_id"], p["second_id"]))


def suggest_duplicates(db, question_id: int) -> list[dict]:
    """Pairs of visible priorities of a question that are probably the same, best first, minus dismissed ones."""
    items = fetch_all(db, "SELECT id, title FROM priority WHERE question_id = ? AND state = 'visible'", (question_id,))
    dismissed = {(r["first_id"], r["second_id"]) for r in fetch_all(
        db, "SELECT d.first_id, d.second_id FROM duplicate_dismissal d JOIN priority p ON p.id = d.first_id"
            " WHERE p.question_id = ?", (question_id,))}
    return rank_pairs(items, dismissed)


def dismiss_suggestion(db, first_id: int, second_id: int, actor: str) -> None:
    """Remember that two priorities are not duplicates, so the pair is not suggested again."""
    first_id, second_id = sorted((first_id, second_id))
    with immediate(db):
        first, second = workshops.get_priority(db, first_id), workshops.get_priority(db, second_id)
        if first is None or second is None or first["question_id"] != second["question_id"]:
            raise RuleError("This priority no longer exists.")
        question = workshops.get_question(db, first["question_id"])
        workshops.require_open_workshop(db, question["workshop_id"])
        db.conn.execute("INSERT OR IGNORE INTO duplicate_dismissal (first_id, second_id, actor) VALUES (?, ?, ?)",
                        (first_id, second_id, actor))
        audit.record(db, actor, "priority.dismiss_duplicate", question["workshop_id"], first_id=first_id,
                     second_id=second_id)
