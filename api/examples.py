"""Request examples shown in the OpenAPI documentation."""

from __future__ import annotations

from typing import Any

__all__ = ["FIRM_EXAMPLE", "TENDER_EXAMPLE"]

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
    "capabilities": [{"cpv": "33111000-1", "strength": 0.8, "contracts": 12}],
    "certifications": ["ISO 13485", "CE marking"],
    "export_countries": ["CI", "SN"],
    "export_share": 0.3,
    "maturity": "regular",
    "languages": ["fr", "en"],
}

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
    "médicaux et imagerie' (fit 0.71); ...;contact.ufjr-ergonomie-sante@example.fr\r\n"
)
# The first lines of a consortium CSV export.
CONSORTIA_CSV_EXAMPLE = (
    "Rang;Score;SIREN;Raison sociale;Lots;Chef de file;PME;Région;Pourquoi;Contact\r\n"
    "1;0,712;382611465;Marsillonge Ingénierie SAS;L1 Construction de l'hôpital;Oui;Non;"
    "Provence-Alpes-Côte d'Azur;Leads the group and takes lot L1 ...;contact@example.fr\r\n"
)

__all__ += ["CONSORTIA_CSV_EXAMPLE", "PAVILION_CSV_EXAMPLE", "PAVILION_EXAMPLE"]
