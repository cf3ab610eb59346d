"""CPV codes suggested from free text, learnt from real objet → code pairs (no I/O).

Two steps, backing off along the CPV tree:

1. *Division*: a linear support vector machine on word (single words and pairs, stop words and
   numbers dropped, plurals made singular: « hôpitaux » → « hopital ») and character (3-5 grams
   within words) TF-IDF, trained on the buyers' objets and their CPV codes plus every CPV label
   (French and English); a softmax of its margins at :data:`TEMPERATURE` (chosen by grouped
   cross-validation on real awards, ``benchmarks/relevance.py``) makes them probabilities,
   raised for the divisions of the kind of purchase the text names first (``travaux`` → works);
   of the held-out objets given about 0.95, about 92 % are in that division.
2. *Within a division*, down the tree: each code's probability is shared among its children
   (and the code itself: a text coded no finer) by two readings, mixed at :data:`TREE_WEIGHT`.
   A local linear model of the code (down to :data:`TREE_DEPTH` digits), trained on the objets
   and labels under it (each label teaching its ancestors too), learns which words tell its
   children apart (« santé » among buildings, not « centre ») rather than which texts look
   alike; and the objets of the division nearest to the query (cosine in the same space) vote
   for their codes, weighted by squared similarity (an objet coded for several lots shares one
   vote among its codes), with the nearest CPV labels weighing :data:`LABEL_WEIGHT` in all.
   Below :data:`TREE_DEPTH` digits the votes alone share. A code's probability is thus its
   division's times its shares along the path.

A suggestion descends the tree from a division whose probability reaches
:attr:`CpvSuggester.confidence`: a finer code is taken while it reaches the confidence too and
holds at least :data:`MAJORITY` of the probability of the code above it, or leads its siblings
by :data:`LEAD` times; where the shares split evenly among siblings, the coarser code is
suggested. A division alone is never suggested (it would open a lot to every trade of the
division): its likeliest group stands in for it when it holds that share of it or leads (given
with its own, lower probability), else that branch suggests nothing; when no division is
confident there is no confident code and nothing is suggested.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from threading import Lock

import numpy as np
from numpy.typing import NDArray
from scipy.sparse import csr_matrix, hstack

from meute.graph.cpv import Taxonomy, taxonomy
from meute.graph.decp import fixture_objet_codes
from meute.graph.text import fold
from meute.scoring.text import TextModel, code_kind, purchase_kind

__all__ = [
    "CpvSuggester",
    "Suggestion",
    "cpv_suggester",
    "deepest_codes",
    "fold_text",
    "label_fallback",
]

# Number of nearest training texts that vote for codes within a division.
NEIGHBOURS = 15
# Scale of the margins in the softmax that turns them into probabilities.
TEMPERATURE = 4.0
# Odds multiplied by 1 + this for the divisions of the kind of purchase a text names first
# (supplies, works, services): +1 point of division accuracy on held-out awards.
KIND_BOOST = 2.0
# Character n-grams kept (the most frequent): enough for accuracy, small and quick to fit.
CHAR_FEATURES = 30_000
# Nearest CPV labels that vote within a division, and the weight of their vote against the
# objets' (a sum of squared similarities, about 0.5-3 for 15 objets): the fewer and farther the
# objets, the more the labels decide. Chosen on the benchmark's folds (group@1 0.509 → 0.518,
# class@1 0.356 → 0.373 against the objets alone; weight 1: 0.507 / 0.362).
LABEL_NEIGHBOURS = 5
LABEL_WEIGHT = 0.5
# Within a division, a local linear model at each code down to TREE_DEPTH digits tells its
# children apart (and a text coded at the code itself: no finer code): kernel ridge regression
# on the same features (linear kernel: the cosine similarities the votes use), trained on the
# objets and labels under that code, each label teaching its ancestors too; a softmax of its
# outputs at TREE_TEMPERATURE gives the share of the code's probability each child gets, mixed
# with the votes' share at TREE_WEIGHT. It learns which words tell siblings apart (« santé »
# among buildings, not « centre »), which the nearest texts cannot. On the benchmark's folds
# (`benchmarks/relevance.py --cpv-only`) group@1 0.518 → 0.529, class@1 0.373 → 0.387, first
# suggestion given / buyer's code under it 69.1 % / 50.3 % → 63.0 % / 56.1 %. On two folds:
# weight 0.5 as good (62.5 % / 56.7 %) but an officer's health-centre lot fell back from
# buildings to 452; temperature 8: 73.9 % / 48.4 %, 3: 55.0 % / 60.5 % (group@1 -0.3 point);
# ridge 1: group@1 -0.4 point; labels weighing as one per child: group@1 -0.6 point.
TREE_DEPTH = 5
TREE_RIDGE = 0.3
TREE_TEMPERATURE = 4.0
TREE_WEIGHT = 0.4
# Codes whose probability falls below this are not descended further.
PRUNE = 1e-3
# Share of the probability of the code above that a finer code must hold to be suggested:
# where the shares split among siblings, the coarser code is suggested. On the benchmark's folds
# (first suggestion given / buyer's code under it / depth, before the local models): none
# 76.0 % / 47.0 % / 4.07 digits, 0.4: 79.2 / 46.2 / 4.10, 0.45: 75.4 / 47.9 / 4.13, 0.5:
# 69.1 / 50.3 / 4.15 (63.0 / 56.1 / 4.03 with them). At 0.45
# « imagerie médicale » became MRI equipment alone (33113000) and medical-furniture firms,
# a builder among them, claimed the imaging theme of the Abidjan health pavilion.
MAJORITY = 0.5
# Where no finer code holds that share, the likeliest one is still taken when it reaches the
# confidence and LEAD times the probability of each sibling: the votes favour it clearly and
# the rest is spread (« imagerie médicale »: imaging 0.40 of medical equipment's 0.81,
# consumables 0.16; before, medical equipment was suggested and consumables firms claimed the
# imaging theme of a pavilion on real awards). First suggestion given / buyer's code under it
# (`benchmarks/relevance.py --cpv-only`): without 63.0 / 56.1 %, LEAD 2: 65.0 / 54.5 %, 1.5:
# 68.9 / 53.1 %: right first codes 35.3 % → 36.6 % of the pairs (the label fallback, which
# then takes over, is right for 7.6 % of those it codes).
LEAD = 1.5
# Label fallback: the codes closest by label similarity that it reads, and how close to the
# best one a code must be to stand beside it (nearer codes of a division back off to the code
# they share). A word of the text is read by a label word equal to it or, both being at least
# READ_PREFIX letters long, beginning with the same READ_PREFIX letters (« hospitalière »,
# "hospital"; not « télémédecine », "telemetry"). Words naming a purchase and nothing else
# (« fourniture », « travaux ») are left to the kind filter. Only a text of up to READ_WORDS
# words besides those naming a kind of purchase (a theme, a lot's title) is read so: on longer
# lot descriptions (the showcase's) requiring two words read lost the right code more often
# than it removed a wrong one, and they keep the closest labels.
FALLBACK_CANDIDATES = 30
# Near codes back off to the group or finer code they share only when it holds at most
# BACK_OFF_CODES codes (2 % of the vocabulary): group 452 (614 codes) is every building and
# civil-engineering trade, and « irrigation » (irrigation works 45232121, irrigation channels
# 45247...) backed off to it, matching carpenters and road builders; tractors (167, 4 codes),
# lighting (315, 69) or packaging machinery (429, 157) stay readings.
BACK_OFF_CODES = 200
FALLBACK_NEAR = 0.8
READ_PREFIX = 7
READ_WORDS = 2
# Words that name no trade (French and English articles, prepositions, conjunctions).
STOP_WORDS = frozenset(
    {"a", "au", "aux", "avec", "d", "dans", "de", "des", "du", "en", "et", "l", "la", "le"}
    | {"les", "ou", "par", "pour", "sur", "un", "une"}
    | {"and", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with"}
)


@dataclass(frozen=True)
class Suggestion:
    """A CPV code (8 digits) with the probability that the text belongs under it, and whether
    it is one of the confident codes a lot without codes is matched on
    (:meth:`CpvSuggester.suggest`).
    """

    code: str
    probability: float
    confident: bool = False


def fold_text(text: str) -> str:
    """Lower case, accents and ligatures folded to ASCII, consultation numbers dropped."""
    return re.sub(r"numero de (la )?consultation\s*:\s*\S+", " ", fold(text))


def _singular(word: str) -> str:
    """A folded French or English word without its plural mark: « hopitaux » → « hopital »,
    « reseaux » → « reseau », « centres » → « centre ».
    """
    if len(word) > 4 and word.endswith("eaux"):
        return word[:-1]
    if len(word) > 4 and word.endswith("aux"):
        return word[:-3] + "al"
    if len(word) > 3 and word[-1] in "sx" and not word.endswith("ss"):
        return word[:-1]
    return word


def text_words(text: str) -> list[str]:
    """The words of ``text`` that may name a trade, folded and singular, then their pairs
    (stop words and numbers dropped).
    """
    words = [
        _singular(word)
        for word in re.findall(r"[a-z0-9]+", fold_text(text))
        if word not in STOP_WORDS and len(word) > 1 and not word.isdigit()
    ]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def deepest_codes(codes: Sequence[str]) -> list[str]:
    """``codes`` without those under which a finer one of ``codes`` lies (the deepest of each
    branch, in their order): a division such as 85 (health *and* social work) is too broad to
    stand beside the precise codes found under it.
    """
    return [
        code
        for code in codes
        if not any(other != code and other.startswith(code.rstrip("0")) for other in codes)
    ]


def _digits(code: str) -> str:
    """The significant digits of a code (at least its division's two)."""
    return code[: max(2, len(code.rstrip("0")))]


def _prefixes(code: str) -> list[str]:
    """The significant digits of the codes at and above ``code`` below its division (its group,
    class...) that a vote reaches.
    """
    digits = _digits(code)
    return [digits[:n] for n in range(3, len(digits) + 1)]


@dataclass(frozen=True)
class _Node:
    """The local model of a code: the training rows under it, the codes it tells apart (its
    children's digits, and its own for a text coded at it) and its dual coefficients (rows ×
    targets; none when the rows have a single target).
    """

    rows: NDArray[np.intp]
    targets: tuple[str, ...]
    dual: NDArray[np.float64] | None

    def shares(self, similarity: NDArray[np.float64], temperature: float) -> dict[str, float]:
        """Each target's share for a query of cosine ``similarity`` to every training row."""
        if self.dual is None:
            return {self.targets[0]: 1.0}
        # linear kernel plus a constant (the intercept)
        outputs = (similarity[self.rows] + 1.0) @ self.dual
        scaled = np.exp(temperature * (outputs - outputs.max()))
        return dict(zip(self.targets, (scaled / scaled.sum()).tolist(), strict=True))


class CpvSuggester:
    """Text → CPV codes with a probability, learnt from labelled texts and the CPV labels.

    ``confidence`` is the probability a code must reach to be suggested; ``c`` is the inverse
    regularisation of the division model.
    """

    def __init__(
        self,
        vocabulary: Taxonomy,
        confidence: float = 0.3,
        c: float = 0.3,
        temperature: float = TEMPERATURE,
        tree_temperature: float = TREE_TEMPERATURE,
        tree_weight: float = TREE_WEIGHT,
    ) -> None:
        self.vocabulary = vocabulary
        self.confidence = confidence
        self.c = c
        self.temperature = temperature
        self.tree_temperature = tree_temperature
        self.tree_weight = tree_weight

    def fit(self, texts: Sequence[str], codes: Sequence[str]) -> CpvSuggester:
        """Learn from ``texts`` labelled with ``codes`` (8-digit, in the vocabulary) and from
        every code's French and English labels.
        """
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.svm import LinearSVC

        known = [(t, c) for t, c in zip(texts, codes, strict=True) if c in self.vocabulary]
        label_codes = sorted(self.vocabulary.entries)
        docs = [t for t, _ in known] + [
            f"{self.vocabulary.label(code, 'fr')} {self.vocabulary.label(code, 'en')}"
            for code in label_codes
        ]
        self.doc_codes_ = np.array([c for _, c in known] + label_codes)
        self.objets_ = len(known)
        # Each objet's vote is shared among the codes it was given in a division (a text coded
        # for 11 lots is one neighbour, not 11).
        text_ids = {t: i for i, t in enumerate(dict.fromkeys(t for t, _ in known))}
        self.text_id_ = np.r_[
            [text_ids[t] for t, _ in known], np.arange(len(label_codes)) + len(text_ids)
        ]
        self.words_ = TfidfVectorizer(analyzer=text_words, sublinear_tf=True)
        self.chars_ = TfidfVectorizer(
            preprocessor=fold_text,
            analyzer="char_wb",
            ngram_range=(3, 5),
            min_df=2,
            max_features=CHAR_FEATURES,
            sublinear_tf=True,
            dtype=np.float32,
        )
        self.doc_matrix_ = self._features(docs, fit=True)
        divisions = np.array([code[:2] for code in self.doc_codes_])
        # Real objets weigh more than labels: they are how buyers write.
        weight = np.r_[np.full(len(known), 3.0), np.ones(len(label_codes))]
        self.model_ = LinearSVC(C=self.c, tol=1e-2)
        self.model_.fit(self.doc_matrix_, divisions, sample_weight=weight)
        self.nodes_ = self._fit_tree(weight)
        self.divisions_ = [str(d) for d in self.model_.classes_]
        self.by_division_: dict[str, NDArray[np.intp]] = defaultdict(lambda: np.zeros(0, np.intp))
        self.share_ = np.ones(len(self.doc_codes_))
        for division in self.divisions_:
            members = np.flatnonzero(divisions == division)
            self.by_division_[division] = members
            _, inverse, counts = np.unique(
                self.text_id_[members], return_inverse=True, return_counts=True
            )
            self.share_[members] = 1.0 / counts[inverse]
        return self

    def _fit_tree(self, weight: NDArray[np.float64]) -> dict[str, _Node]:
        """The local model of every code above :data:`TREE_DEPTH` digits that has training rows
        under it: kernel ridge regression of its targets (one-hot), rows weighted by ``weight``.
        """
        from scipy.linalg import solve

        digits = [_digits(str(code)) for code in self.doc_codes_]
        under: dict[str, list[int]] = defaultdict(list)
        for row, code in enumerate(digits):
            for n in range(2, min(len(code), TREE_DEPTH - 1) + 1):
                under[code[:n]].append(row)
        nodes: dict[str, _Node] = {}
        for division in {code[:2] for code in under}:
            members = np.array(under[division])
            position = np.full(len(digits), -1)
            position[members] = np.arange(len(members))
            block = self.doc_matrix_[members]
            kernel = np.asarray((block @ block.T).toarray(), dtype=np.float64) + 1.0
            for parent in (code for code in under if code.startswith(division)):
                rows = np.array(under[parent])
                n = len(parent)
                targets = [digits[r][: n + 1] for r in rows]
                names, index = np.unique(targets, return_inverse=True)
                if len(names) < 2:
                    nodes[parent] = _Node(rows, (str(names[0]),), None)
                    continue
                inside = position[rows]
                system = kernel[np.ix_(inside, inside)]
                system[np.diag_indices_from(system)] += TREE_RIDGE / weight[rows]
                onehot = np.zeros((len(rows), len(names)))
                onehot[np.arange(len(rows)), index] = 1.0
                dual = solve(system, onehot, assume_a="pos", overwrite_a=True)
                nodes[parent] = _Node(rows, tuple(str(name) for name in names), dual)
        return nodes

    def _features(self, texts: Sequence[str], fit: bool = False) -> csr_matrix:
        from sklearn.preprocessing import normalize

        if fit:
            parts = [self.words_.fit_transform(texts), self.chars_.fit_transform(texts)]
        else:
            parts = [self.words_.transform(texts), self.chars_.transform(texts)]
        return csr_matrix(normalize(hstack(parts).tocsr()))

    def division_probabilities(self, texts: Sequence[str]) -> NDArray[np.float64]:
        """Probability of each division (columns in :attr:`divisions_`) for each text."""
        return self._probabilities(texts, self._features(texts))

    def _probabilities(self, texts: Sequence[str], features: csr_matrix) -> NDArray[np.float64]:
        margins = np.asarray(self.model_.decision_function(features), dtype=np.float64)
        scaled = np.exp(self.temperature * (margins - margins.max(axis=1, keepdims=True)))
        kinds = np.array([code_kind(division.ljust(8, "0")) for division in self.divisions_])
        for row, text in enumerate(texts):
            kind = purchase_kind(text)
            if kind is not None:
                scaled[row] *= 1.0 + KIND_BOOST * (kinds == kind)
        return np.asarray(scaled / scaled.sum(axis=1, keepdims=True), dtype=np.float64)

    def code_probabilities(self, text: str, divisions: int = 3) -> dict[str, float]:
        """Probability of every code reached in the ``divisions`` likeliest divisions, and of
        those divisions themselves: a code's is its parent's times its share (see the module).
        """
        query = self._features([text])
        division_p = self._probabilities([text], query)[0]
        similarity = np.asarray((self.doc_matrix_ @ query.T).toarray()).ravel()
        found: dict[str, float] = {}
        for d in np.argsort(-division_p, kind="stable")[:divisions]:
            division = self.divisions_[d]
            votes = self._votes(division, similarity)
            reached = {division: float(division_p[d])}
            parents = [division]
            while parents:
                parent = parents.pop()
                for child, share in self._shares(parent, similarity, votes).items():
                    p = reached[parent] * share
                    if child != parent and p >= PRUNE:
                        reached[child] = p
                        parents.append(child)
            for digits, p in reached.items():
                code = digits.ljust(8, "0")
                if code in self.vocabulary:
                    found[code] = max(found.get(code, 0.0), p)
        return found

    def _votes(self, division: str, similarity: NDArray[np.float64]) -> dict[str, float]:
        """The votes of the nearest objets and labels of ``division`` for each code under it
        (significant digits), and for the division their total.
        """
        members = self.by_division_[division]
        votes: dict[str, float] = defaultdict(float)
        for rows, count, scale in (
            (members[members < self.objets_], NEIGHBOURS, None),
            (members[members >= self.objets_], LABEL_NEIGHBOURS, LABEL_WEIGHT),
        ):
            near = self._nearest(rows, similarity, count)
            weight = similarity[near] ** 2 * self.share_[near]
            if weight.sum() <= 0:
                continue
            if scale is not None:
                weight *= scale / weight.sum()
            votes[division] += float(weight.sum())
            for i, w in zip(near, weight, strict=True):
                for prefix in _prefixes(str(self.doc_codes_[i])):
                    votes[prefix] += float(w)
        return votes

    def _shares(
        self, parent: str, similarity: NDArray[np.float64], votes: dict[str, float]
    ) -> dict[str, float]:
        """The share of ``parent``'s probability each of its children gets (``parent`` itself:
        no finer code): its local model's, mixed at :attr:`tree_weight` with the votes' (the
        votes' alone below :data:`TREE_DEPTH` digits, the model's alone without votes).
        """
        node = self.nodes_.get(parent)
        voted = {
            code: vote / votes[parent]
            for code, vote in votes.items()
            if len(code) == len(parent) + 1 and code.startswith(parent) and votes[parent] > 0
        }
        if node is None:
            return voted
        learnt = node.shares(similarity, self.tree_temperature)
        if not voted:
            return learnt
        weight = self.tree_weight
        return {
            code: weight * learnt.get(code, 0.0) + (1 - weight) * voted.get(code, 0.0)
            for code in learnt.keys() | voted.keys()
        }

    def _nearest(
        self, rows: NDArray[np.intp], similarity: NDArray[np.float64], count: int
    ) -> NDArray[np.intp]:
        """The rows of the ``count`` texts nearest to the query among ``rows`` (every code of
        each such text).
        """
        order = rows[np.argsort(-similarity[rows], kind="stable")]
        ids = self.text_id_[order]
        _, first = np.unique(ids, return_index=True)
        kept = set(ids[np.sort(first)[:count]].tolist())
        return order[np.isin(ids, list(kept))]

    def suggest(self, text: str, top: int = 5) -> list[Suggestion]:
        """Up to ``top`` codes, likeliest and most precise first: each is the deepest code of a
        confident division's branch that the votes agree on (see the module); empty when no
        division is confident.
        """
        if not fold_text(text).strip():
            return []
        found = self.code_probabilities(text)
        chosen = [
            code
            for division, p in found.items()
            if len(_digits(division)) == 2 and p >= self.confidence
            for code in self._descend(found, division)
            if len(_digits(code)) > 2
        ]
        chosen.sort(key=lambda code: (-found[code], -len(code.rstrip("0")), code))
        return [Suggestion(code, round(found[code], 4), confident=True) for code in chosen[:top]]

    def _descend(self, found: dict[str, float], code: str) -> list[str]:
        """The deepest codes under ``code`` that the votes agree on: a finer code is taken when
        it reaches :attr:`confidence` and holds at least :data:`MAJORITY` of the probability of
        the code above it (a division's group needs only that share: a division alone is never
        suggested), or, none doing so, when it reaches the confidence and :data:`LEAD` times
        each sibling's probability.
        """
        digits = _digits(code)
        below = {c: p for c, p in found.items() if c != code and c.startswith(digits)}
        if not below:
            return [code]
        depth = min(len(_digits(c)) for c in below)
        children = {c: p for c, p in below.items() if len(_digits(c)) == depth}
        floor = MAJORITY * found[code]
        if len(digits) > 2:
            floor = max(floor, self.confidence)
        taken = [c for c in children if children[c] >= floor]
        first, second = [*sorted(children.values(), reverse=True), 0.0][:2]
        if not taken and first >= max(self.confidence, LEAD * second):
            taken = [max(children, key=children.__getitem__)]
        return [deeper for c in sorted(taken) for deeper in self._descend(found, c)] or [code]

    def alternatives(self, text: str, top: int = 5) -> list[Suggestion]:
        """The confident codes of :meth:`suggest`, then the likeliest other codes of class level
        or finer (below :attr:`confidence`: alternatives for a person to choose from).
        """
        chosen = self.suggest(text, top)
        taken = {s.code for s in chosen}
        more = [
            Suggestion(s.code, round(s.probability, 4))
            for s in self.ranked(text)
            if s.code not in taken and len(s.code.rstrip("0")) >= 4
        ]
        return (chosen + more)[:top]

    def ranked(self, text: str) -> list[Suggestion]:
        """Every code reached, most probable and then most precise first (for evaluation; none
        marked confident: :meth:`suggest` chooses those).
        """
        found = self.code_probabilities(text)
        order = sorted(found, key=lambda code: (-found[code], -len(code.rstrip("0")), code))
        return [Suggestion(code, found[code]) for code in order]


def label_fallback(text: str, model: TextModel, top: int = 5) -> list[tuple[str, float]]:
    """Codes for ``text`` from the similarity of its words to the CPV labels (``model``), for a
    text the learnt model has no confident code for; empty when no label reads it.

    A short text (up to :data:`READ_WORDS` words besides those naming a kind of purchase: a
    theme, a title) is read strictly. Of the codes closest by label similarity
    (:meth:`TextModel.suggest_cpv`, unchanged), a code is kept only when it is of the kind of
    purchase the text names (if it names one) and its own or its family's labels (French and
    English) read every word: a label that merely shares one word of two (« articles en papier
    à usage hospitalier » for « équipements hospitaliers ») is no reading of it, and a word no
    label reads (the « e » of « e-santé ») leaves the text without a code rather than coded by
    its other word alone. A word naming a kind of purchase must be read too (« restauration
    du personnel » is catering, not personnel management; « restauration collective » no label
    reads, and waste collection only reads « collective »), but one that names nothing but a
    purchase (« fourniture », « travaux »). The kept codes within
    :data:`FALLBACK_NEAR` of the best back off, per division, to the deepest group or finer
    code they share unless it holds more than :data:`BACK_OFF_CODES` codes (then each keeps
    its own); the best score of each branch first. A longer text gets the closest labels' codes.
    """
    words = [word for word in _reading_words(text) if word not in _PURCHASE_WORDS]
    if len([word for word in words if purchase_kind(word) is None] or words) > READ_WORDS:
        return model.suggest_cpv(text, top)
    if not words:
        return []
    kind = purchase_kind(text)
    vocabulary = model.vocabulary
    kept = [
        (code, score)
        for code, score in model.suggest_cpv(text, FALLBACK_CANDIDATES)
        if len(_digits(code)) > 2  # a division is too broad to be a reading
        and (kind is None or code_kind(code) == kind)
        and _read_count(words, _family_words(vocabulary, code)) == len(words)
    ]
    if not kept:
        return []
    near = [(code, score) for code, score in kept if score >= FALLBACK_NEAR * kept[0][1]]
    by_division: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for code, score in near:
        by_division[code[:2]].append((code, score))
    found = []
    for codes in by_division.values():
        shared = _digits(codes[0][0])
        for code, _ in codes[1:]:
            while len(shared) > 2 and (
                not code.startswith(shared) or shared.ljust(8, "0") not in vocabulary
            ):
                shared = shared[:-1]
        common = shared.ljust(8, "0")
        if len(shared) >= 3 and vocabulary.size(common) <= BACK_OFF_CODES:
            found.append((common, codes[0][1]))
        else:  # they part at the division or a too broad group: each keeps its own code
            found += codes
    found.sort(key=lambda pair: -pair[1])
    return found[:top]


def _reading_words(text: str) -> list[str]:
    """The words of ``text`` a label must read: folded, singular, stop words and numbers
    dropped (a single letter is kept: no label reads it).
    """
    return list(
        dict.fromkeys(
            _singular(word)
            for word in re.findall(r"[a-z0-9]+", fold_text(text))
            if word not in STOP_WORDS and not word.isdigit()
        )
    )


# Words that name a purchase and nothing of its trade (« fourniture », « travaux »): a label
# need not read them. Other words of a kind (« restauration », « nettoyage ») name the trade too
# and must be read: without them, labels reading the rest alone were read for « restauration
# collective » (waste collection, data collection, collective pensions), « nettoyage des
# locaux » (local area networks) or « restauration hospitalière » (hospital medical services).
_PURCHASE_WORDS = frozenset(
    _reading_words(
        "fournitures équipements acquisitions achats livraisons matériels travaux services"
        " prestations missions supply supplies equipment purchase procurement delivery works"
    )
)


def _family_words(vocabulary: Taxonomy, code: str) -> set[str]:
    """The words of the French and English labels of ``code`` and of its ancestors."""
    return {
        word
        for c in [code, *vocabulary.ancestors(code)]
        for lang in ("fr", "en")
        for word in _reading_words(vocabulary.label(c, lang))
    }


def _read_count(words: Sequence[str], label_words: set[str]) -> int:
    """How many of ``words`` the ``label_words`` read (equal, or the same first
    :data:`READ_PREFIX` letters when both are that long).
    """
    prefixes = {w[:READ_PREFIX] for w in label_words if len(w) >= READ_PREFIX}
    return sum(
        word in label_words or (len(word) >= READ_PREFIX and word[:READ_PREFIX] in prefixes)
        for word in words
    )


_FITTING = Lock()


def cpv_suggester() -> CpvSuggester:
    """The process-wide suggester, fitted on first use (a few seconds) on the objets and codes
    of the DECP files shipped in ``fixtures/decp`` and on the CPV labels; a second caller waits
    for the first fit rather than fitting again.
    """
    with _FITTING:
        return _fitted()


@cache
def _fitted() -> CpvSuggester:
    pairs = fixture_objet_codes()
    return CpvSuggester(taxonomy()).fit([text for text, _ in pairs], [code for _, code in pairs])
