"""Request examples shown in the OpenAPI documentation."""

from __future__ import annotations

from typing import Any

__all__ = [
    "CONSORTIA_CSV_EXAMPLE",
    "CONSORTIUM_EXAMPLE",
    "EVALUATION_EXAMPLE",
    "FIRM_EXAMPLE",
    "IMPORT_JOB_EXAMPLE",
    "MATCH_RESULT_EXAMPLE",
    "PARTNER_RESULT_EXAMPLE",
    "PAVILION_CSV_EXAMPLE",
    "PAVILION_EXAMPLE",
    "PAVILION_RESULT_EXAMPLE",
    "PROPOSAL_EXAMPLE",
    "PUBLIC_FIRM_EXAMPLE",
    "TENDER_EXAMPLE",
    "WRITE_REPORT_EXAMPLE",
    "example_response",
    "page",
]

TENDER_EXAMPLE: dict[str, Any] = {
    "id": "bouake-hospital",
    "title": "250-bed hospital in Bouaké: construction, equipment and staff training",
    "buyer": "Ministère de la Santé et de l'Hygiène publique",
    "country": "CI",
    "budget": 45000000,
    "currency": "EUR",
    "deadline": "2027-03-31",
    "lots": [
        {
            "id": "L1",
            "title": "Construction",
            "description": "Construction d'un hôpital de 250 lits",
            "cpv": ["45215140-0"],
            "budget": 30000000,
        },
        {
            "id": "L2",
            "title": "Medical equipment",
            "description": "Fourniture et installation d'équipements médicaux et d'imagerie",
            "cpv": ["33100000-1"],
            "budget": 11000000,
            "required_certifications": ["ISO 13485"],
        },
        {
            "id": "L3",
            "title": "Staff training",
            "description": "Formation de 300 personnels soignants",
            "cpv": ["80510000-2"],
            "budget": 4000000,
        },
    ],
}

FIRM_EXAMPLE: dict[str, Any] = {
    "siren": "987654324",
    "name": "Imagerie Médicale Ligérienne (fictional)",
    "naf": "32.50A",
    "region": "Pays de la Loire",
    "headcount": "50-249",
    "turnover_eur": 18000000,
    "description": "Fourniture, installation et maintenance d'équipements d'imagerie médicale",
    "capabilities": [
        {
            "cpv": "33111000-1",
            "strength": 0.8,
            "contracts": 12,
            "awards": [
                {
                    "contract_id": "2024-IMG-017",
                    "source": "declared",
                    "date": "2024-06-12",
                    "buyer": "Centre hospitalier (fictional)",
                    "objet": "Fourniture et installation d'un scanner",
                    "amount_eur": 850000,
                }
            ],
        }
    ],
    "certifications": ["ISO 13485", "CE marking"],
    "export_countries": ["CI", "SN"],
    "export_share": 0.3,
    "maturity": "regular",
    "languages": ["fr", "en"],
}

PUBLIC_FIRM_EXAMPLE: dict[str, Any] = {
    key: value
    for key, value in FIRM_EXAMPLE.items()
    if key not in ("turnover_eur", "export_share", "contact_email")
} | {"is_sme": True}

WRITE_REPORT_EXAMPLE: dict[str, Any] = {"created": 1, "updated": 0, "unchanged": 0}

_LEADER: dict[str, Any] = {
    "siren": "595818766",
    "name": "Kerhuelan et Abgrall Entreprise Générale SA",
    "lots": ["L1"],
    "leader": True,
    "is_sme": False,
    "region": "Nouvelle-Aquitaine",
    "why": "Leads the group and takes lot L1 'Construction de l'hôpital' (fit 79/100); delivers "
    "construction work for buildings relating to health (CPV 45215100, 123 past contracts); "
    "regular exporter; has worked with Stéri-Process Desforgeais (co award 2026).",
}
_MEMBERS: list[dict[str, Any]] = [
    _LEADER,
    {
        "siren": "573199908",
        "name": "Stéri-Process Desforgeais",
        "lots": ["L2"],
        "leader": False,
        "is_sme": False,
        "region": "Hauts-de-France",
        "why": "Takes lot L2 'Équipements médicaux' (fit 75/100); delivers steriliser (CPV "
        "33191100, 50 past contracts); holds the required ISO 13485; regular exporter.",
    },
    {
        "siren": "942956574",
        "name": "Tardivel Campus Pro EURL",
        "lots": ["L3"],
        "leader": False,
        "is_sme": True,
        "region": "Bretagne",
        "why": "Takes lot L3 'Formation du personnel' (fit 77/100); delivers health training "
        "services (CPV 80561000, 5 past contracts); occasional exporter; SME based in Bretagne.",
    },
]
CONSORTIUM_EXAMPLE: dict[str, Any] = {
    "rank": 1,
    "score": 0.7415,
    "breakdown": {
        "coverage": 1.0,
        "fit": 0.7712,
        "evidence": 0.736,
        "capacity": 0.9703,
        "readiness": 0.4667,
        "sme": 0.3333,
        "cohesion": 0.8464,
        "complementarity": 1.0,
        "regions": 1.0,
        "size": 0.0,
    },
    "members": _MEMBERS,
}
# What the API adds for display: scores out of 100, the deciding terms, the legend.
SHOWN_CONSORTIUM_EXAMPLE: dict[str, Any] = CONSORTIUM_EXAMPLE | {
    "score_100": 74.2,
    "breakdown_100": {
        name: round(100 * value, 1) for name, value in CONSORTIUM_EXAMPLE["breakdown"].items()
    },
    "decisive_terms": [],
}
LEGEND_EXAMPLE: list[dict[str, Any]] = [
    {
        "name": "fit",
        "weight": 35.0,
        "label_fr": "Adéquation",
        "meaning_fr": "Pertinence de chaque titulaire pour son lot : codes CPV proches et mots "
        "en commun.",
    }
]
MATCH_RESULT_EXAMPLE: dict[str, Any] = {
    "tender_id": "bouake-hospital",
    "consortia": [SHOWN_CONSORTIUM_EXAMPLE],
    "uncovered": [],
    "candidates_considered": 106,
    "diversity": 0.0,
    "optimality_gap_bound": 0.0556,
    "legend": LEGEND_EXAMPLE,
}
EVALUATION_EXAMPLE: dict[str, Any] = {
    "consortium": SHOWN_CONSORTIUM_EXAMPLE,
    "violations": [],
    "uncovered": [],
    "legend": LEGEND_EXAMPLE,
}
PARTNER_RESULT_EXAMPLE: dict[str, Any] = {
    "siren": "595818766",
    "tender_id": None,
    "partners": [
        {
            "siren": "573199908",
            "name": "Stéri-Process Desforgeais",
            "score": 0.6038,
            "why": "Brings steriliser, which Kerhuelan et Abgrall Entreprise Générale SA lacks; "
            "worked with Kerhuelan et Abgrall Entreprise Générale SA 2 times, last co award in "
            "2026; mid-sized firm in Hauts-de-France, regular exporter.",
            "breakdown": {"affinity": 0.2949, "difference": 1.0, "evidence": 0.96},
        }
    ],
    "candidates_considered": 221,
}
PROPOSAL_EXAMPLE: dict[str, Any] = {
    "id": "3f9c2a7b1d04",
    "tender_id": "bouake-hospital",
    "tender_title": TENDER_EXAMPLE["title"],
    "name": "Bouaké, groupement breton",
    "consortium": CONSORTIUM_EXAMPLE,
    "status": "contacted",
    "created_at": "2026-11-26T09:00:00Z",
    "created_by": "Claire, CCI Bretagne",
    "events": [
        {
            "at": "2026-11-27T14:30:00Z",
            "author": "Claire, CCI Bretagne",
            "status": "contacted",
            "note": "Chef de file joint par téléphone.",
        }
    ],
    "members": [
        {
            "siren": member["siren"],
            "name": member["name"],
            "lots": member["lots"],
            "status": "accepted" if member["leader"] else "to_contact",
            "since": "2026-11-27T14:30:00Z" if member["leader"] else None,
            "events": [
                {
                    "at": "2026-11-27T14:30:00Z",
                    "author": "Claire, CCI Bretagne",
                    "status": "accepted",
                }
            ]
            if member["leader"]
            else [],
        }
        for member in CONSORTIUM_EXAMPLE["members"]
    ],
    "uncovered": [],
}
IMPORT_JOB_EXAMPLE: dict[str, Any] = {
    "id": "a41c9e0f2b77",
    "what": "json document",
    "status": "done",
    "items_total": 3,
    "items_done": 3,
    "created_at": "2026-11-26T09:00:00Z",
    "finished_at": "2026-11-26T09:00:01Z",
    "report": {"created": 3, "updated": 0, "unchanged": 0, "rejected": []},
    "error": None,
    "errors": [],
}


def page(*items: dict[str, Any]) -> dict[str, Any]:
    """A one-page list response holding ``items``."""
    return {"items": list(items), "total": len(items), "offset": 0, "limit": 100}


def example_response(example: Any, status: int = 200) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` argument of a route documenting one JSON response example."""
    return {status: {"content": {"application/json": {"example": example}}}}


PAVILION_EXAMPLE: dict[str, Any] = {
    "fair": "Africa Health Expo 2027, Abidjan",
    "country": "CI",
    "stands": 8,
    "themes": [
        {"title": "Équipements médicaux et imagerie", "cpv": ["33100000-1"]},
        {
            "title": "Construction d'hôpitaux",
            "description": "travaux de construction d'hôpitaux et de centres de santé",
        },
        {"title": "Formation des personnels de santé"},
    ],
    "must_include": ["606940062"],
    "exclude": [],
}
# The first lines of a pavilion CSV export, as French Excel opens it.
PAVILION_CSV_EXAMPLE = (
    "Stand;SIREN;Raison sociale;Région;Taille;Maturité export;Thèmes couverts;Score;Pourquoi;"
    "Contact\r\n"
    "1;480349059;UFJR Ergonomie Santé;Auvergne-Rhône-Alpes;Petite entreprise (10 à 49 salariés)"
    " — PME;Exportateur accrédité;Équipements médicaux et imagerie;0,824;Covers 'Équipements "
    "médicaux et imagerie' (fit 71/100); ...;contact.ufjr-ergonomie-sante@example.fr\r\n"
)
# The first lines of a consortium CSV export.
CONSORTIA_CSV_EXAMPLE = (
    "Rang;Score;SIREN;Raison sociale;Lots;Chef de file;PME;Région;Pourquoi;Contact\r\n"
    "1;0,712;382611465;Marsillonge Ingénierie SAS;L1 Construction de l'hôpital;Oui;Non;"
    "Provence-Alpes-Côte d'Azur;Leads the group and takes lot L1 ...;contact@example.fr\r\n"
)

PAVILION_RESULT_EXAMPLE: dict[str, Any] = {
    "fair": "Africa Health Expo 2027, Abidjan",
    "country": "CI",
    "score": 0.7598,
    "breakdown": {"coverage": 0.6435, "readiness": 0.9125, "regions": 1.0},
    "themes": [
        {
            "title": "Formation des personnels de santé",
            "cpv": ["80511000-9"],
            "suggested": True,
            "firms": 1,
        },
    ],
    "firms": [
        {
            "stand": 1,
            "siren": "606940062",
            "name": "Formation de l'Argoat",
            "region": "Bretagne",
            "headcount": "0-9",
            "is_sme": True,
            "maturity": "accredited",
            "themes": ["Formation des personnels de santé"],
            "required": False,
            "score": 0.7757,
            "breakdown": {"fit": 0.6262, "readiness": 1.0, "regions": 1.0},
            "why": "Covers 'Formation des personnels de santé' (fit 63/100); delivers staff "
            "training services (CPV 80511000, 4 past contracts); exporter accredited by the "
            "programme, already active in CI; SME based in Bretagne.",
            "contact_email": "contact.formation-de-l-argoat@example.fr",
        }
    ],
    "candidates_considered": 192,
}
