"""The matcher's plain-language texts in English and French, one table for both (no I/O).

Every reason, violation and infeasibility message the matcher writes is a template here, keyed
by what it says; the code that builds a text is the same for both languages and only picks the
template with :func:`phrase`. A template is either one string or a pair (singular, plural)
chosen by ``count``. In French, numbers take a decimal comma (``0,79``) and quotes are « »;
scores are written out of 100 (``{fit:/100}``), as everywhere people read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import Any

from meute.graph.cpv import label
from meute.graph.model import CollaborationKind, ExportMaturity, Region
from meute.scoring.contributions import on_100

__all__ = [
    "JOINS",
    "PHRASES",
    "Lang",
    "collaboration_words",
    "cpv_words",
    "language_words",
    "listing",
    "maturity_words",
    "phrase",
    "region_words",
    "sentence",
]


class Lang(StrEnum):
    """The language of the texts the matcher writes."""

    EN = "en"
    FR = "fr"


EN, FR = Lang.EN, Lang.FR
Template = str | tuple[str, str]

PHRASES: dict[str, dict[Lang, Template]] = {
    "clauses": {EN: "; ", FR: " ; "},
    "language.code": {EN: "language '{code}'", FR: "langue « {code} »"},
    "in_region": {EN: "in {region}", FR: "en {region}"},
    # A consortium member (matcher.explain).
    "member.leads": {EN: "Leads the group and takes {lots}", FR: "Chef de file, prend {lots}"},
    "member.takes": {EN: "Takes {lots}", FR: "Prend {lots}"},
    "member.lot": {
        EN: "lot {lot} '{title}' (fit {fit:/100})",
        FR: "le lot {lot} « {title} » (adéquation {fit:/100})",
    },
    "member.certified": {
        EN: ("holds the required {certifications}", "holds the required {certifications}"),
        FR: (
            "détient la certification exigée {certifications}",
            "détient les certifications exigées {certifications}",
        ),
    },
    "member.title_unused": {
        EN: (
            "the words of lot {lots} are in {language}, so they were not used for text "
            "matching (matched on its CPV codes)",
            "the words of lots {lots} are in {language}, so they were not used for text "
            "matching (matched on their CPV codes)",
        ),
        FR: (
            "le lot {lots} est rédigé en {language} : son texte n'a pas servi au rapprochement "
            "des textes (rapprochement par ses codes CPV)",
            "les lots {lots} sont rédigés en {language} : leur texte n'a pas servi au "
            "rapprochement des textes (rapprochement par leurs codes CPV)",
        ),
    },
    "member.history": {EN: "has worked with {partners}", FR: "a déjà travaillé avec {partners}"},
    "firm.sme": {EN: "SME", FR: "PME"},
    "firm.mid": {EN: "mid-sized firm", FR: "entreprise de taille intermédiaire"},
    "firm.large": {EN: "large firm", FR: "grande entreprise"},
    "firm.based": {EN: "{size} based {where}", FR: "{size} basée {where}"},
    "firm.based_at_work": {
        EN: "{size} based {where}, where the work is done",
        FR: "{size} basée {where}, où s'exécute le marché",
    },
    "firm.estimated": {EN: "{fact} (estimated)", FR: "{fact} (estimé)"},
    "evidence": {EN: "delivers {label} (CPV {code}", FR: "fournit « {label} » (CPV {code}"},
    "evidence.contracts": {
        EN: (", {count} past contract", ", {count} past contracts"),
        FR: (", {count} marché remporté", ", {count} marchés remportés"),
    },
    "export.active_in": {
        EN: "{maturity}, already active in {country}",
        FR: "{maturity}, déjà présent dans le pays ({country})",
    },
    # A partner (matcher.partners).
    "partner.fits": {
        EN: "Fits lot {lot} '{title}' ({fit:/100})",
        FR: "Convient au lot {lot} « {title} » ({fit:/100})",
    },
    "partner.where_weak": {
        EN: " where {name} is weak ({own:/100})",
        FR: ", là où {name} est faible ({own:/100})",
    },
    "partner.brings": {
        EN: "Brings {label}, which {name} lacks",
        FR: "Apporte « {label} », qui manque à {name}",
    },
    "partner.same_fields": {
        EN: "Works in the same fields as {name}",
        FR: "Travaille dans les mêmes domaines que {name}",
    },
    "partner.worked_with": {
        EN: (
            "worked with {name} once: {kind} in {year}",
            "worked with {name} {count} times, last {kind} in {year}",
        ),
        FR: (
            "a travaillé une fois avec {name}, en {year} ({kind})",
            "a travaillé {count} fois avec {name}, la dernière en {year} ({kind})",
        ),
    },
    "partner.shares": {
        EN: "shares partners with {name} ({shown}{more})",
        FR: "a des partenaires communs avec {name} ({shown}{more})",
    },
    "partner.more": {
        EN: (" and {count} more", " and {count} more"),
        FR: (" et {count} autre", " et {count} autres"),
    },
    "partner.affinity_same": {
        EN: "firms in {theirs} often team up with each other",
        FR: "les entreprises du domaine « {theirs} » s'associent souvent entre elles",
    },
    "partner.affinity": {
        EN: "firms in {theirs} often team up with firms in {ours}",
        FR: (
            "les entreprises du domaine « {theirs} » s'associent souvent avec celles du "
            "domaine « {ours} »"
        ),
    },
    "partner.pairs": {
        EN: ("{together} ({count} past pairs)", "{together} ({count} past pairs)"),
        FR: (
            "{together} ({count} association passée)",
            "{together} ({count} associations passées)",
        ),
    },
    # A pavilion firm (matcher.pavilion).
    "pavilion.required": {
        EN: "on the must-include list",
        FR: "sur la liste des entreprises imposées",
    },
    "pavilion.covers": {EN: "covers {themes}", FR: "couvre {themes}"},
    "pavilion.theme": {
        EN: "'{title}' (fit {fit:/100})",
        FR: "« {title} » (adéquation {fit:/100})",
    },
    "pavilion.no_theme": {EN: "matches none of the themes", FR: "ne correspond à aucun thème"},
    "pavilion.theme_nothing_near": {
        EN: "no candidate firm delivers anything close to this theme's CPV codes",
        FR: "aucune entreprise candidate ne fournit rien de proche des codes CPV de ce thème",
    },
    "pavilion.suggested_nothing_near": {
        EN: "no candidate firm delivers anything close to the CPV codes suggested for these"
        " words: give CPV codes",
        FR: "aucune entreprise candidate ne fournit rien de proche des codes CPV suggérés pour"
        " ces mots : indiquez des codes CPV",
    },
    "pavilion.theme_not_chosen": {
        EN: (
            "{count} firm covers it, but the stands went to firms that raise the pavilion's "
            "score more",
            "{count} firms cover it, but the stands went to firms that raise the pavilion's "
            "score more",
        ),
        FR: (
            "{count} entreprise le couvre, mais les stands sont allés à des entreprises qui "
            "améliorent davantage le pavillon",
            "{count} entreprises le couvrent, mais les stands sont allés à des entreprises qui "
            "améliorent davantage le pavillon",
        ),
    },
    "pavilion.only_from_region": {
        EN: ", the pavilion's only firm from there",
        FR: ", seule entreprise du pavillon venant de cette région",
    },
    "pavilion.uncoded": {
        EN: "no CPV code for some themes",
        FR: "aucun code CPV pour certains thèmes",
    },
    "pavilion.uncoded_theme": {
        EN: "no CPV code is near these words: give CPV codes",
        FR: "aucun code CPV ne correspond à ces mots : indiquez des codes CPV",
    },
    "pavilion.unread_theme": {
        EN: "no CPV code reads all these words (the nearest labels share only some of them):"
        " give CPV codes",
        FR: "aucun code CPV ne couvre tous ces mots (les libellés proches n'en partagent qu'une"
        " partie) : indiquez des codes CPV",
    },
    "pavilion.unknown": {
        EN: "a required firm is unknown",
        FR: "une entreprise imposée est inconnue",
    },
    "pavilion.unknown_firm": {
        EN: "unknown firm: no firm with this SIREN",
        FR: "aucune entreprise n'a ce SIREN",
    },
    "pavilion.too_few": {
        EN: "fewer matching firms than stands",
        FR: "moins d'entreprises correspondantes que de stands",
    },
    "pavilion.too_few_firms": {
        EN: (
            "only {count} firm(s) can take a stand (required, or delivering something near "
            "the themes' CPV codes, not excluded): lower the number of stands or widen the "
            "themes",
            "only {count} firm(s) can take a stand (required, or delivering something near "
            "the themes' CPV codes, not excluded): lower the number of stands or widen the "
            "themes",
        ),
        FR: (
            "{count} entreprise seulement peut tenir un stand (imposée, ou active près des "
            "codes CPV des thèmes, et non exclue) : réduisez le nombre de stands ou élargissez "
            "les thèmes",
            "seules {count} entreprises peuvent tenir un stand (imposées, ou actives près des "
            "codes CPV des thèmes, et non exclues) : réduisez le nombre de stands ou élargissez "
            "les thèmes",
        ),
    },
    # Hard constraints a consortium breaks (matcher.problem.MatchProblem.violations).
    "broken.lot_empty": {EN: "lot {lot} has no firm", FR: "le lot {lot} n'a pas d'entreprise"},
    "broken.ineligible": {
        EN: "{name} cannot take lot {lot}",
        FR: "{name} ne peut pas prendre le lot {lot}",
    },
    "broken.required_missing": {
        EN: "required firm {siren} is missing",
        FR: "l'entreprise imposée {siren} est absente",
    },
    "broken.excluded_member": {
        EN: "excluded firm {siren} is a member",
        FR: "l'entreprise exclue {siren} est membre",
    },
    "broken.several_lots": {
        EN: "a firm takes several lots",
        FR: "une entreprise prend plusieurs lots",
    },
    "broken.too_many": {
        EN: "{count} members, more than {maximum}",
        FR: "{count} membres, plus que le maximum ({maximum})",
    },
    "broken.too_few_smes": {
        EN: "{count} SMEs, fewer than {minimum}",
        FR: "{count} PME, moins que le minimum ({minimum})",
    },
    "broken.no_leader": {
        EN: "no member meets the leader requirements",
        FR: "aucun membre ne remplit les conditions de chef de file",
    },
    "broken.regions": {
        EN: "fewer than {count} members from the preferred regions",
        FR: (
            "aucun membre des régions privilégiées (il en faut {count})",
            "moins de {count} membres des régions privilégiées",
        ),
    },
    # Lots and firms no consortium can use (matcher.problem, matcher.propose.evaluate).
    "lots.uncoverable": {
        EN: "some lots cannot be covered by any firm",
        FR: "certains lots ne peuvent être pris par aucune entreprise",
    },
    "lot.nothing_near": {
        EN: "no candidate firm delivers anything close to this lot's CPV codes",
        FR: "aucune entreprise candidate ne fournit rien de proche des codes CPV de ce lot",
    },
    "lot.no_code_read": {
        EN: "no CPV code could be read from its words: give it CPV codes",
        FR: "aucun code CPV n'a pu être lu dans ses mots : indiquez des codes CPV",
    },
    "lot.suggested_nothing_near": {
        EN: "no candidate firm delivers anything close to the CPV codes suggested for its"
        " words: give it CPV codes",
        FR: "aucune entreprise candidate ne fournit rien de proche des codes CPV suggérés pour"
        " ses mots : indiquez des codes CPV",
    },
    "lot.below_floor": {
        EN: (
            "{count} firm(s) deliver something close but none reaches the relevance floor "
            "({floor:/100})",
            "{count} firm(s) deliver something close but none reaches the relevance floor "
            "({floor:/100})",
        ),
        FR: (
            "{count} entreprise fournit quelque chose de proche mais n'atteint pas le seuil de "
            "pertinence ({floor:/100})",
            "{count} entreprises fournissent quelque chose de proche mais aucune n'atteint le "
            "seuil de pertinence ({floor:/100})",
        ),
    },
    "lot.uncertified": {
        EN: (
            "{count} firm(s) deliver it but none holds every required certification "
            "({certifications})",
            "{count} firm(s) deliver it but none holds every required certification "
            "({certifications})",
        ),
        FR: (
            "{count} entreprise le fournit mais ne détient pas toutes les certifications "
            "exigées ({certifications})",
            "{count} entreprises le fournissent mais aucune ne détient toutes les "
            "certifications exigées ({certifications})",
        ),
    },
    "required.unusable": {
        EN: "a required firm cannot take any lot",
        FR: "une entreprise imposée ne peut prendre aucun lot",
    },
    "required.not_candidate": {
        EN: "not a candidate for any lot",
        FR: "n'est candidate pour aucun lot",
    },
    "required.ineligible": {
        EN: "eligible for none of the lots",
        FR: "ne peut prendre aucun des lots",
    },
    "assignment.incomplete": {
        EN: "the consortium is incomplete",
        FR: "le consortium est incomplet",
    },
    "assignment.absent": {
        EN: "no usable firm for this lot (unknown, excluded or missing)",
        FR: "aucune entreprise utilisable pour ce lot (inconnue, exclue ou absente)",
    },
    "assignment.unable": {
        EN: "a firm cannot take the lot it was given",
        FR: "une entreprise ne peut pas prendre le lot qui lui est confié",
    },
    "assignment.unable_firm": {
        EN: "cannot take this lot",
        FR: "cette entreprise ne peut pas prendre ce lot",
    },
    "assignment.mismatch": {
        EN: "the assignment does not match the tender's lots",
        FR: "la répartition ne correspond pas aux lots de l'appel d'offres",
    },
    "assignment.no_such_lot": {EN: "no such lot", FR: "lot inconnu"},
    "assignment.no_firm": {EN: "no firm given", FR: "aucune entreprise choisie"},
    # Infeasible tenders and the nearest relaxations (matcher.infeasibility).
    "infeasible": {
        EN: "no consortium satisfies the tender's constraints",
        FR: "aucun consortium ne respecte les contraintes de l'appel d'offres",
    },
    "infeasible.together": {
        EN: "no consortium satisfies these constraints together; relax several of them",
        FR: (
            "aucun consortium ne respecte toutes ces contraintes à la fois ; "
            "assouplissez-en plusieurs"
        ),
    },
    "infeasible.binding": {
        EN: "one of the binding constraints",
        FR: "l'une des contraintes en cause",
    },
    "relax.max_members": {
        EN: (
            "no single firm meets the other constraints; without this limit the best "
            "consortium has {members} members",
            "no consortium of at most {count} firms meets the other constraints; without this "
            "limit the best has {members} members",
        ),
        FR: (
            "aucune entreprise seule ne peut respecter les autres contraintes ; sans cette "
            "limite, le meilleur consortium compte {members} membres",
            "aucun consortium d'au plus {count} entreprises ne respecte les autres "
            "contraintes ; sans cette limite, le meilleur compte {members} membres",
        ),
    },
    "relax.min_smes": {
        EN: "too many SMEs required; at most {count} can take a lot here",
        FR: (
            "trop de PME exigées ; {count} au plus peut prendre un lot ici",
            "trop de PME exigées ; {count} au plus peuvent prendre un lot ici",
        ),
    },
    "relax.must_include": {
        EN: "the required firms cannot all be fitted in with the other constraints; drop one",
        FR: (
            "les entreprises imposées ne peuvent pas toutes entrer dans un consortium qui "
            "respecte les autres contraintes ; retirez-en une"
        ),
    },
    "relax.allow_multiple_lots": {
        EN: "allow a firm to take several lots",
        FR: "permettez à une entreprise de prendre plusieurs lots",
    },
    "relax.leader": {
        EN: (
            "only {count} candidate firm(s) meet the leader requirements and none fits; "
            "lower the turnover share or the maturity stage"
        ),
        FR: (
            "{count} entreprise candidate remplit les conditions de chef de file mais aucune "
            "ne convient ; baissez la part du chiffre d'affaires ou la maturité exigées",
            "seules {count} entreprises candidates remplissent les conditions de chef de file "
            "et aucune ne convient ; baissez la part du chiffre d'affaires ou la maturité "
            "exigées",
        ),
    },
    "relax.regions": {
        EN: "too few candidate firms in the preferred regions; lower the minimum or add regions",
        FR: (
            "trop peu d'entreprises candidates dans les régions privilégiées ; baissez le "
            "minimum ou ajoutez des régions"
        ),
    },
}

# Lists inside a sentence: (between items, before the last one).
JOINS: dict[str, dict[Lang, tuple[str, str]]] = {
    "lots": {EN: (", ", ", "), FR: (", ", " et ")},
    "partners": {EN: ("; ", "; "), FR: (", ", " et ")},
    "themes": {EN: (" and ", " and "), FR: (", ", " et ")},
}
MATURITY: dict[ExportMaturity, dict[Lang, str]] = {
    ExportMaturity.FIRST_TIME: {EN: "first-time exporter", FR: "primo-exportateur"},
    ExportMaturity.OCCASIONAL: {EN: "occasional exporter", FR: "exportateur occasionnel"},
    ExportMaturity.REGULAR: {EN: "regular exporter", FR: "exportateur régulier"},
    ExportMaturity.ACCREDITED: {
        EN: "exporter accredited by the programme",
        FR: "exportateur accrédité par le programme",
    },
}
# Languages a lot may be written in (ISO 639-1), as said inside a sentence.
LANGUAGES: dict[str, dict[Lang, str]] = {
    "bg": {EN: "Bulgarian", FR: "bulgare"},
    "ca": {EN: "Catalan", FR: "catalan"},
    "cs": {EN: "Czech", FR: "tchèque"},
    "cy": {EN: "Welsh", FR: "gallois"},
    "da": {EN: "Danish", FR: "danois"},
    "de": {EN: "German", FR: "allemand"},
    "el": {EN: "Greek", FR: "grec"},
    "es": {EN: "Spanish", FR: "espagnol"},
    "et": {EN: "Estonian", FR: "estonien"},
    "eu": {EN: "Basque", FR: "basque"},
    "fi": {EN: "Finnish", FR: "finnois"},
    "ga": {EN: "Irish", FR: "irlandais"},
    "gl": {EN: "Galician", FR: "galicien"},
    "hr": {EN: "Croatian", FR: "croate"},
    "hu": {EN: "Hungarian", FR: "hongrois"},
    "is": {EN: "Icelandic", FR: "islandais"},
    "it": {EN: "Italian", FR: "italien"},
    "lb": {EN: "Luxembourgish", FR: "luxembourgeois"},
    "lt": {EN: "Lithuanian", FR: "lituanien"},
    "lv": {EN: "Latvian", FR: "letton"},
    "mt": {EN: "Maltese", FR: "maltais"},
    "nl": {EN: "Dutch", FR: "néerlandais"},
    "nn": {EN: "Norwegian", FR: "norvégien"},
    "no": {EN: "Norwegian", FR: "norvégien"},
    "pl": {EN: "Polish", FR: "polonais"},
    "pt": {EN: "Portuguese", FR: "portugais"},
    "ro": {EN: "Romanian", FR: "roumain"},
    "sk": {EN: "Slovak", FR: "slovaque"},
    "sl": {EN: "Slovenian", FR: "slovène"},
    "sv": {EN: "Swedish", FR: "suédois"},
    "tr": {EN: "Turkish", FR: "turc"},
    "ar": {EN: "Arabic", FR: "arabe"},
    "ru": {EN: "Russian", FR: "russe"},
    "zh": {EN: "Chinese", FR: "chinois"},
    "vi": {EN: "Vietnamese", FR: "vietnamien"},
}
COLLABORATION: dict[CollaborationKind, dict[Lang, str]] = {
    CollaborationKind.JOINT_BID: {EN: "joint bid", FR: "candidature commune"},
    CollaborationKind.CO_AWARD: {EN: "co award", FR: "co-attribution"},
    CollaborationKind.SUPPLY: {EN: "supply", FR: "fourniture"},
    CollaborationKind.SHARED_PAVILION: {EN: "shared pavilion", FR: "pavillon partagé"},
}
# French regions not said with "en": "dans le Grand Est", "à La Réunion"...
FRENCH_REGION_PLACES = {
    Region.GRAND_EST: "dans le Grand Est",
    Region.HDF: "dans les Hauts-de-France",
    Region.PDL: "dans les Pays de la Loire",
    Region.REUNION: "à La Réunion",
    Region.MAYOTTE: "à Mayotte",
}


class _Number:
    """A number formatted as its language writes it: ``0.79`` or ``0,79``; the spec ``/100``
    writes a score in [0, 1] out of 100 like every score people read (``79/100``, ``72,4/100``).
    """

    def __init__(self, value: float, lang: Lang) -> None:
        self.value = value
        self.lang = lang

    def __format__(self, spec: str) -> str:
        text = f"{on_100(self.value):g}/100" if spec == "/100" else format(self.value, spec)
        return text.replace(".", ",") if self.lang == FR else text


def phrase(key: str, lang: Lang, count: int | None = None, **values: Any) -> str:
    """The template ``key`` in ``lang`` filled with ``values`` (and ``count``).

    A (singular, plural) template is chosen by ``count``: singular for 1 in English, for 0 and
    1 in French. Floats are written with the language's decimal mark.
    """
    template = PHRASES[key][lang]
    if isinstance(template, tuple):
        if count is None:
            raise ValueError(f"phrase {key!r} needs a count")
        singular = count < 2 if lang == FR else count == 1
        template = template[0] if singular else template[1]
    filled = {
        name: _Number(value, lang) if isinstance(value, float) else value
        for name, value in values.items()
    }
    return template.format(count=count, **filled)


def sentence(parts: Sequence[str], lang: Lang) -> str:
    """Clauses joined as one sentence, with its full stop."""
    return phrase("clauses", lang).join(parts) + "."


def listing(items: Sequence[str], kind: str, lang: Lang) -> str:
    """Items of a ``kind`` of :data:`JOINS` as one list: "A, B et C" in French."""
    between, last = JOINS[kind][lang]
    if len(items) < 2:
        return "".join(items)
    return between.join(items[:-1]) + last + items[-1]


def cpv_words(code: str, lang: Lang) -> str:
    """A CPV code's label inside a sentence: lower case in English, its first letter in French
    (French labels keep their acronyms).
    """
    text = label(code, lang)
    return text[:1].lower() + text[1:] if lang == FR else text.lower()


def maturity_words(maturity: ExportMaturity, lang: Lang) -> str:
    """A firm's export maturity as a noun phrase: "regular exporter"."""
    return MATURITY[maturity][lang]


def language_words(code: str, lang: Lang) -> str:
    """A language by its ISO 639-1 code: "German", "allemand"; an unlisted one by its code."""
    names = LANGUAGES.get(code)
    return names[lang] if names else phrase("language.code", lang, code=code)


def collaboration_words(kind: CollaborationKind, lang: Lang) -> str:
    """A kind of past collaboration: "joint bid", "candidature commune"."""
    return COLLABORATION[kind][lang]


def region_words(region: Region, lang: Lang) -> str:
    """Where a firm is: "in Bretagne", "en Bretagne", "dans le Grand Est"."""
    if lang == FR and region in FRENCH_REGION_PLACES:
        return FRENCH_REGION_PLACES[region]
    return phrase("in_region", lang, region=region.value)
