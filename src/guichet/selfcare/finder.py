"""The act finder, "Que souhaitez-vous faire ?": what a customer types, in French, matched to
the registry's acts.

Pure: no Django. Text is folded (case, accents, apostrophes, hyphens) and split into words;
words that carry no meaning ("je", "mon", "de"…) are dropped; each remaining word is matched
against the words of an act's label, path and keywords, exactly, by prefix ("factur" for
"facture") or within a small edit distance ("facure", "résilation"). An act scores by the
share of the query's words it matches, with a bonus when a whole keyword phrase is found in
the query ("code rio", "j'ai perdu mon téléphone").
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from guichet.selfcare.registry import RegisteredAct

# French words that say nothing about the act sought.
STOP_WORDS = frozenset(
    """
    a au aux avec ce ces comment d de des du elle en est et faire il j je l la le les leur m
    ma mais me mes moi mon n ne nos notre on ou par pas plus pour qu que qui sa se ses si
    son sur t ta te tes toi ton tu un une vos votre vous y veux voudrais souhaite
    souhaiterais aimerais peux puis besoin
    """.split()  # noqa: SIM905 (one word list, read as prose)
)
# Words customers use for the same thing (folded); each maps to the word the registry uses.
SYNONYMS = {
    "portable": "mobile",
    "telephone": "mobile",
    "tel": "mobile",
    "smartphone": "mobile",
    "gsm": "mobile",
    "abonnement": "forfait",
    "offre": "forfait",
    "plan": "forfait",
    "regler": "payer",
    "paiement": "payer",
    "payement": "payer",
    "vole": "vol",
    "volee": "vol",
    "perdu": "perte",
    "perdue": "perte",
    "egare": "perte",
    "internet": "data",
    "gigas": "data",
    "go": "data",
    "mdp": "mot passe",
    "password": "mot passe",
    "wifi": "wi fi",
    "rib": "coordonnees bancaires",
    "iban": "coordonnees bancaires",
    "mail": "e mail",
    "email": "e mail",
    "courriel": "e mail",
    "resilier": "resiliation",
    "arreter": "resiliation",
    "consommation": "conso",
    "demenage": "demenagement",
    "demenager": "demenagement",
}
MIN_SCORE = 0.5
PHRASE_BONUS = 0.5
LABEL_BONUS = 0.25


def fold(text: str) -> str:
    """Lower case, no accents, only letters, digits and single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(re.sub(r"[^a-z0-9+]+", " ", plain).split())


def words(text: str) -> list[str]:
    result: list[str] = []
    for word in fold(text).split():
        if word in STOP_WORDS:
            continue
        result.extend(SYNONYMS.get(word, word).split())
    return result


def _within_one_edit(a: str, b: str) -> bool:
    """One letter added, removed, replaced, or two neighbours swapped."""
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x == y:
            continue
        if len(a) == len(b):
            rest_a, rest_b = a[index + 1 :], b[index + 1 :]
            swapped = a[index + 1 : index + 2] == y and b[index + 1 : index + 2] == x
            return rest_a == rest_b or (swapped and a[index + 2 :] == b[index + 2 :])
        return a[index:] == b[index + 1 :]
    return True


def _word_matches(query_word: str, act_word: str) -> bool:
    if query_word == act_word:
        return True
    if len(query_word) >= 4 and act_word.startswith(query_word):
        return True
    if len(query_word) >= 5 and query_word.startswith(act_word) and len(act_word) >= 5:
        return True
    return len(query_word) >= 5 and _within_one_edit(query_word, act_word)


@dataclass(frozen=True)
class _Indexed:
    act: RegisteredAct
    vocabulary: frozenset[str]
    label_words: frozenset[str]
    phrases: tuple[str, ...]


@cache
def _index(acts: tuple[RegisteredAct, ...]) -> tuple[_Indexed, ...]:
    indexed = []
    for act in acts:
        texts = [act.label_fr, act.label_en, act.path, *act.keywords]
        vocabulary = frozenset(word for text in texts for word in words(text))
        phrases = tuple(" ".join(words(keyword)) for keyword in act.keywords)
        label_words = frozenset(words(act.label_fr))
        multi_word = tuple(phrase for phrase in phrases if " " in phrase)
        indexed.append(_Indexed(act, vocabulary, label_words, multi_word))
    return tuple(indexed)


@dataclass(frozen=True)
class Match:
    act: RegisteredAct
    score: float


def find_acts(query: str, acts: Sequence[RegisteredAct], *, limit: int = 5) -> list[Match]:
    """The acts that answer `query`, best first (at most `limit`); none for an empty query."""
    query_words = words(query)
    if not query_words:
        return []
    joined = " ".join(query_words)
    matches = []
    for entry in _index(tuple(acts)):
        found = sum(
            1 for word in query_words if any(_word_matches(word, v) for v in entry.vocabulary)
        )
        score = found / len(query_words)
        if any(phrase in joined for phrase in entry.phrases):
            score += PHRASE_BONUS
        # Between acts that match as well, the one whose own label says it comes first.
        in_label = sum(
            1 for word in query_words if any(_word_matches(word, v) for v in entry.label_words)
        )
        score += LABEL_BONUS * in_label / len(query_words)
        if score >= MIN_SCORE:
            matches.append(Match(entry.act, score))
    matches.sort(key=lambda match: -match.score)
    return matches[:limit]


def acts_matching(query: str, acts: Iterable[RegisteredAct]) -> list[RegisteredAct]:
    return [match.act for match in find_acts(query, tuple(acts))]
