"""Sector profiles shared by the showcase dataset and the national-scale generator.

Each :class:`Sector` says what a French firm of that trade typically delivers (CPV codes with
relative weights), how it is registered (NAF codes), which certifications it tends to hold, how
to build a fictional name and a free-text description for it, and what share of the national
population of exporting firms it represents. Everything here is plain data: no I/O, no
randomness. :mod:`graph.synth` draws from it.

All firm names built from these fragments are **fictional**; any resemblance to a real company
is accidental.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from meute.graph.model import Region

__all__ = [
    "FAMILY_NAMES",
    "LEGAL_FORMS",
    "LEGAL_FORMS_LARGE",
    "PLACE_NAMES",
    "SECTORS",
    "SECTORS_BY_KEY",
    "Sector",
    "national_shares",
    "sector",
]


@dataclass(frozen=True, slots=True)
class Sector:
    """A trade: what its firms deliver, how they are certified, named and described.

    ``cpv`` pairs a CPV code (with its check digit) with a relative weight; ``certifications``
    pairs a certification with the probability that a firm of the sector holds it.
    ``complements`` lists the sectors its firms usually team up with in a consortium;
    ``region_bias`` multiplies the national weight of a region for this sector; ``size_skew``
    above 1 makes larger firms more likely (construction majors), below 1 less likely.
    """

    key: str
    label_fr: str
    label_en: str
    cpv: tuple[tuple[str, float], ...]
    naf: tuple[str, ...]
    certifications: tuple[tuple[str, float], ...]
    name_heads: tuple[str, ...]
    descriptions_fr: tuple[str, ...]
    descriptions_en: tuple[str, ...]
    share: float
    complements: tuple[str, ...] = ()
    region_bias: tuple[tuple[Region, float], ...] = ()
    size_skew: float = 1.0
    health: bool = False

    @property
    def cpv_codes(self) -> tuple[str, ...]:
        """The sector's CPV codes in display form (``45215140-0``)."""
        return tuple(code for code, _ in self.cpv)

    @property
    def cpv_weights(self) -> tuple[float, ...]:
        """The relative weights of :attr:`cpv_codes`, in the same order."""
        return tuple(weight for _, weight in self.cpv)

    def region_multiplier(self, region: Region) -> float:
        """How much more (or less) often this sector is found in ``region``."""
        return dict(self.region_bias).get(region, 1.0)


# Certification names, spelt once so that tenders and firms agree.
ISO_9001 = "ISO 9001"
ISO_13485 = "ISO 13485"
ISO_14001 = "ISO 14001"
ISO_27001 = "ISO 27001"
ISO_45001 = "ISO 45001"
ISO_50001 = "ISO 50001"
ISO_22000 = "ISO 22000"
ISO_17025 = "ISO/IEC 17025"
ISO_22163 = "ISO/TS 22163 (IRIS)"
CE_MARKING = "CE marking"
QUALIBAT = "Qualibat"
QUALIFELEC = "Qualifelec"
QUALIPV = "QualiPV"
QUALIOPI = "Qualiopi"
MASE = "MASE"
HDS = "HDS"
OPQIBI = "OPQIBI"
OPQCM = "OPQCM"
IFS_FOOD = "IFS Food"
BRCGS = "BRCGS"

_HOSPITAL_PARTNERS = (
    "hospital_construction",
    "medical_imaging",
    "hospital_beds",
    "sterilisation",
    "laboratory",
    "hospital_it",
    "engineering",
    "training",
)

SECTORS: tuple[Sector, ...] = (
    Sector(
        key="hospital_construction",
        label_fr="Construction hospitalière et bâtiment",
        label_en="Hospital construction and general building",
        cpv=(
            ("45215140-0", 4.0),
            ("45215100-8", 3.0),
            ("45215120-4", 2.0),
            ("45215000-7", 1.0),
            ("45210000-2", 3.0),
            ("45214000-0", 1.0),
            ("45223000-6", 1.0),
            ("45262300-4", 1.0),
            ("45331000-6", 1.5),
            ("45453000-7", 1.5),
        ),
        naf=("41.20B", "41.20B", "43.99C", "43.22B", "43.21A"),
        certifications=(
            (QUALIBAT, 0.8),
            (ISO_9001, 0.5),
            (ISO_14001, 0.25),
            (ISO_45001, 0.2),
            (MASE, 0.12),
        ),
        name_heads=(
            "Bâtisseurs",
            "Constructions",
            "Bâtiment Santé",
            "Entreprise Générale",
            "Ouvrages Hospitaliers",
            "Compagnons Bâtisseurs",
            "Gros Œuvre",
            "Maçonnerie Générale",
        ),
        descriptions_fr=(
            "Entreprise générale de bâtiment implantée en {region}, spécialisée en {spec}. "
            "Réalisation clés en main d'hôpitaux, de cliniques et de centres de santé.",
            "Gros œuvre, second œuvre et {spec2} pour établissements de santé ; "
            "maîtrise des blocs opératoires et des salles propres. Basée en {region}.",
            "PME du BTP ({region}) : {spec}, réhabilitation de bâtiments publics et "
            "conduite de chantiers en entreprise générale ou en groupement.",
        ),
        descriptions_en=(
            "Design-build contractor for hospitals and health centres, turnkey delivery.",
            "Experience with donor-funded building projects (AFD, World Bank).",
        ),
        share=0.117,
        complements=(*_HOSPITAL_PARTNERS[1:], "energy", "water_treatment"),
        size_skew=1.6,
        health=True,
    ),
    Sector(
        key="civil_water_networks",
        label_fr="Génie civil et réseaux d'eau",
        label_en="Civil engineering and water networks",
        cpv=(
            ("45231300-8", 3.0),
            ("45231110-9", 2.0),
            ("45232150-8", 2.0),
            ("45232410-9", 2.0),
            ("45232411-6", 1.0),
            ("45232152-2", 1.0),
            ("45232153-9", 1.0),
            ("45221000-2", 1.0),
            ("45240000-1", 1.0),
            ("44163000-0", 0.5),
        ),
        naf=("42.21Z", "42.21Z", "42.99Z", "42.13A", "43.12A"),
        certifications=(
            (ISO_9001, 0.5),
            (ISO_14001, 0.3),
            (QUALIBAT, 0.3),
            (MASE, 0.2),
            (ISO_45001, 0.2),
        ),
        name_heads=(
            "Travaux Publics",
            "Réseaux et Canalisations",
            "Génie Civil",
            "Hydraulique Urbaine",
            "Terrassements et Réseaux",
            "Ouvrages d'Art",
        ),
        descriptions_fr=(
            "Entreprise de travaux publics en {region} : {spec}, {spec2}, "
            "adduction d'eau potable et assainissement.",
            "Pose de conduites, stations de pompage et réservoirs ; interventions en "
            "milieu urbain dense. Spécialité : {spec}.",
            "Génie civil hydraulique et réseaux enterrés, de l'étude d'exécution à la "
            "mise en service. Références en Afrique de l'Ouest et au Maghreb.",
        ),
        descriptions_en=(
            "Water mains, sewers and pumping stations; civil works contractor.",
            "Pipe-laying and trenchless works for utilities.",
        ),
        share=0.05,
        complements=("water_treatment", "engineering", "energy", "hospital_construction"),
        size_skew=1.5,
    ),
    Sector(
        key="medical_imaging",
        label_fr="Imagerie médicale",
        label_en="Medical imaging",
        cpv=(
            ("33111000-1", 3.0),
            ("33110000-4", 2.0),
            ("33112000-8", 2.0),
            ("33113000-5", 1.0),
            ("33115100-0", 1.0),
            ("33111650-2", 1.0),
            ("33111800-9", 1.0),
            ("33124200-7", 1.0),
            ("50421000-2", 2.0),
        ),
        naf=("26.60Z", "26.60Z", "46.46Z", "46.69B", "33.13Z"),
        certifications=(
            (ISO_13485, 0.9),
            (CE_MARKING, 0.9),
            (ISO_9001, 0.5),
            (ISO_14001, 0.1),
        ),
        name_heads=(
            "Imagerie Médicale",
            "Radiologie",
            "Échographie",
            "Radiodiagnostic",
            "Scanner Services",
            "Imagerie Santé",
        ),
        descriptions_fr=(
            "Fabricant et intégrateur en {spec} ; installation, formation des "
            "manipulateurs et maintenance des plateaux d'imagerie. Siège en {region}.",
            "Distribution et maintenance pour hôpitaux et centres de diagnostic, en France "
            "et à l'international ; spécialités : {spec}, {spec2}.",
            "PME de l'imagerie médicale ({region}) : conception de salles de "
            "radiologie, radioprotection, service après-vente multimarque.",
        ),
        descriptions_en=(
            "Medical imaging equipment: X-ray, ultrasound, CT; installation and servicing.",
            "CE-marked devices, ISO 13485 quality system, after-sales support abroad.",
        ),
        share=0.006,
        complements=(
            "hospital_construction",
            "hospital_it",
            "training",
            "engineering",
            "hospital_beds",
            "sterilisation",
            "laboratory",
        ),
        region_bias=((Region.IDF, 1.5), (Region.AURA, 1.6), (Region.OCCITANIE, 1.2)),
        size_skew=0.8,
        health=True,
    ),
    Sector(
        key="hospital_beds",
        label_fr="Lits et mobilier hospitalier",
        label_en="Hospital beds and furniture",
        cpv=(
            ("33192120-9", 3.0),
            ("33192100-3", 2.0),
            ("33192000-2", 2.0),
            ("33192200-4", 1.0),
            ("33192300-5", 1.0),
            ("33192600-8", 1.0),
            ("33196000-0", 1.0),
            ("39518000-6", 0.5),
        ),
        naf=("32.50A", "32.50A", "31.09B", "46.46Z"),
        certifications=(
            (CE_MARKING, 0.9),
            (ISO_13485, 0.85),
            (ISO_9001, 0.5),
            (ISO_14001, 0.2),
        ),
        name_heads=(
            "Mobilier Médical",
            "Literie Hospitalière",
            "Équipements de Soins",
            "Ergonomie Santé",
            "Lits Médicalisés",
        ),
        descriptions_fr=(
            "Conception et fabrication d'équipements de soins ({spec}, {spec2}) ; atelier "
            "en {region}.",
            "Équipement des chambres et services de soins : {spec}, tables d'examen, "
            "aides au transfert des patients. Installation et maintenance.",
            "Fabricant français de mobilier hospitalier marqué CE, livré monté et "
            "installé, avec formation des équipes soignantes.",
        ),
        descriptions_en=(
            "Hospital beds and medical furniture, CE-marked, made in France.",
            "Patient handling equipment and ward furniture for new hospitals.",
        ),
        share=0.005,
        complements=("hospital_construction", "medical_imaging", "sterilisation", "training"),
        region_bias=((Region.PDL, 1.6), (Region.BRETAGNE, 1.4), (Region.GRAND_EST, 1.3)),
        size_skew=0.8,
        health=True,
    ),
    Sector(
        key="sterilisation",
        label_fr="Stérilisation et hygiène hospitalière",
        label_en="Sterilisation and hospital hygiene",
        cpv=(
            ("33191000-5", 3.0),
            ("33191100-6", 3.0),
            ("33191110-9", 2.0),
            ("33198200-6", 1.0),
            ("33169400-6", 1.0),
            ("39330000-4", 1.0),
            ("50421000-2", 1.0),
        ),
        naf=("32.50A", "28.29B", "46.69B"),
        certifications=(
            (ISO_13485, 0.9),
            (CE_MARKING, 0.9),
            (ISO_9001, 0.5),
        ),
        name_heads=(
            "Stérilisation",
            "Hygiène Hospitalière",
            "Autoclaves",
            "Stéri-Process",
            "Asepsie",
        ),
        descriptions_fr=(
            "Conception de centrales de stérilisation : {spec}, {spec2}, laveurs-"
            "désinfecteurs et traçabilité des instruments. Basée en {region}.",
            "Équipements pour blocs opératoires et services de stérilisation ({spec}) ; "
            "qualification, validation et maintenance sur site.",
            "Hygiène hospitalière et prévention des infections : équipements, "
            "consommables et formation des agents de stérilisation.",
        ),
        descriptions_en=(
            "Steam sterilisers and washer-disinfectors for central sterile services.",
            "Turnkey CSSD design, validation and servicing.",
        ),
        share=0.003,
        complements=("hospital_construction", "medical_imaging", "hospital_beds", "training"),
        region_bias=((Region.AURA, 1.5), (Region.HDF, 1.3)),
        size_skew=0.8,
        health=True,
    ),
    Sector(
        key="laboratory",
        label_fr="Équipement de laboratoire et biologie médicale",
        label_en="Laboratory and clinical biology equipment",
        cpv=(
            ("38434500-1", 2.0),
            ("38434520-7", 2.0),
            ("38434540-3", 2.0),
            ("33159000-9", 1.5),
            ("33124100-6", 1.0),
            ("33696500-0", 1.0),
            ("39180000-7", 1.0),
            ("42931100-2", 0.5),
            ("33793000-5", 0.5),
            ("51430000-5", 1.0),
        ),
        naf=("26.51B", "32.50A", "46.69B", "71.20B"),
        certifications=(
            (ISO_9001, 0.6),
            (ISO_13485, 0.6),
            (CE_MARKING, 0.6),
            (ISO_17025, 0.2),
        ),
        name_heads=(
            "Biologie Médicale",
            "Laboratoires Analytiques",
            "Instrumentation Scientifique",
            "Bio-Analyse",
            "Équipement de Laboratoire",
        ),
        descriptions_fr=(
            "Équipement de laboratoires d'analyses médicales : {spec}, {spec2}, "
            "paillasses et installation clés en main. Implantée en {region}.",
            "Distributeur et intégrateur pour laboratoires ({spec}) ; réactifs, contrôle "
            "qualité et formation des biologistes.",
            "Conception de laboratoires hospitaliers et de santé publique, de la "
            "programmation à la mise en service.",
        ),
        descriptions_en=(
            "Clinical laboratory analysers, reagents and lab furniture; turnkey labs.",
            "In-vitro diagnostic equipment with on-site training and maintenance.",
        ),
        share=0.008,
        complements=("hospital_construction", "medical_imaging", "hospital_it", "training"),
        region_bias=((Region.IDF, 1.4), (Region.AURA, 1.4), (Region.OCCITANIE, 1.3)),
        size_skew=0.9,
        health=True,
    ),
    Sector(
        key="hospital_it",
        label_fr="Systèmes d'information hospitaliers",
        label_en="Hospital information systems",
        cpv=(
            ("48814000-7", 3.0),
            ("48814400-1", 2.0),
            ("48814200-9", 2.0),
            ("48180000-3", 2.0),
            ("72212180-4", 1.0),
            ("72263000-6", 2.0),
            ("72317000-0", 3.0),
            ("30200000-1", 1.0),
            ("33197000-7", 0.5),
        ),
        naf=("58.29C", "62.01Z", "62.02A", "63.11Z"),
        certifications=(
            (HDS, 0.55),
            (ISO_27001, 0.6),
            (ISO_9001, 0.3),
            (CE_MARKING, 0.15),
        ),
        name_heads=(
            "Santé Numérique",
            "Dossier Patient",
            "e-Santé",
            "Informatique Hospitalière",
            "Clinical Data",
            "MédiSystèmes",
        ),
        descriptions_fr=(
            "Éditeur de logiciels de santé ({spec}) : dossier patient informatisé, gestion "
            "administrative des patients, interopérabilité HL7/FHIR. Équipe en {region}.",
            "Intégration et déploiement ({spec}, {spec2}) ; hébergement de données de santé, "
            "reprise de données et accompagnement au changement.",
            "Logiciels pour établissements de santé (DPI, pharmacie, bloc) et services "
            "d'infogérance hospitalière.",
        ),
        descriptions_en=(
            "Hospital information system (HIS/EHR) vendor, HL7 FHIR interoperability.",
            "Certified health-data hosting and deployment in French-speaking countries.",
        ),
        share=0.006,
        complements=(
            "hospital_construction",
            "medical_imaging",
            "laboratory",
            "training",
            "it_services",
        ),
        region_bias=((Region.IDF, 1.8), (Region.AURA, 1.2), (Region.BRETAGNE, 1.2)),
        size_skew=0.9,
        health=True,
    ),
    Sector(
        key="engineering",
        label_fr="Ingénierie et architecture",
        label_en="Engineering and architecture",
        cpv=(
            ("71221000-3", 2.0),
            ("71240000-2", 2.0),
            ("71300000-1", 2.0),
            ("71247000-1", 2.0),
            ("71241000-9", 1.0),
            ("71311000-1", 1.0),
            ("71311200-3", 0.7),
            ("71311300-4", 0.7),
            ("71313000-5", 0.5),
            ("71320000-7", 1.0),
            ("71321000-4", 1.0),
            ("71322000-1", 1.0),
            ("71323100-9", 0.5),
        ),
        naf=("71.12B", "71.12B", "71.11Z", "71.12A"),
        certifications=(
            (ISO_9001, 0.5),
            (OPQIBI, 0.4),
            (ISO_14001, 0.2),
        ),
        name_heads=(
            "Ingénierie",
            "Bureau d'Études",
            "Architectes Associés",
            "Atelier d'Architecture",
            "Conseil Ingénierie",
            "Études Techniques",
        ),
        descriptions_fr=(
            "Bureau d'études pluridisciplinaire ({region}) : {spec}, {spec2}, "
            "maîtrise d'œuvre et assistance à maîtrise d'ouvrage.",
            "Agence d'architecture et d'ingénierie spécialisée dans les équipements "
            "publics : hôpitaux, écoles, infrastructures ; spécialité : {spec}.",
            "Ingénierie de conception et supervision de travaux ; études de faisabilité "
            "pour bailleurs internationaux. Spécialité : {spec}.",
        ),
        descriptions_en=(
            "Architecture and engineering consultancy, design and site supervision.",
            "Owner's engineer for donor-funded infrastructure projects.",
        ),
        share=0.06,
        complements=(
            "hospital_construction",
            "civil_water_networks",
            "water_treatment",
            "energy",
            "urban_rail",
            "medical_imaging",
        ),
        region_bias=((Region.IDF, 1.4),),
        size_skew=1.2,
    ),
    Sector(
        key="training",
        label_fr="Formation professionnelle et médicale",
        label_en="Vocational and medical training",
        cpv=(
            ("80510000-2", 2.5),
            ("80511000-9", 2.0),
            ("80561000-4", 2.0),
            ("80320000-3", 1.5),
            ("80530000-8", 2.0),
            ("80531200-7", 1.5),
            ("80533100-0", 1.0),
            ("80550000-4", 1.0),
            ("80420000-4", 1.0),
            ("80521000-2", 1.0),
        ),
        naf=("85.59A", "85.59A", "85.59B", "85.42Z", "85.32Z"),
        certifications=(
            (QUALIOPI, 0.85),
            (ISO_9001, 0.2),
        ),
        name_heads=(
            "Formation",
            "Institut de Formation",
            "Académie",
            "Compétences Santé",
            "Campus Pro",
            "École des Métiers",
        ),
        descriptions_fr=(
            "Organisme de formation certifié ({region}) : {spec}, {spec2}, ingénierie "
            "pédagogique et formation de formateurs.",
            "Formation des personnels de santé (infirmiers, techniciens biomédicaux, "
            "gestionnaires hospitaliers) en présentiel et à distance ; {spec}.",
            "Centre de formation professionnelle : {spec} ; programmes sur mesure pour "
            "projets à l'international.",
        ),
        descriptions_en=(
            "Training provider: medical staff training, train-the-trainer, e-learning.",
            "Capacity building for hospitals and utilities in Africa and the Middle East.",
        ),
        share=0.05,
        complements=(
            "hospital_construction",
            "medical_imaging",
            "hospital_it",
            "water_treatment",
            "energy",
            "urban_rail",
        ),
        size_skew=0.6,
    ),
    Sector(
        key="water_treatment",
        label_fr="Traitement et gestion de l'eau",
        label_en="Water treatment",
        cpv=(
            ("45252120-5", 3.0),
            ("45252126-7", 2.0),
            ("45252127-4", 2.0),
            ("45252100-9", 1.0),
            ("42912300-5", 3.0),
            ("42122000-0", 2.0),
            ("45232430-5", 1.0),
            ("38421100-3", 0.7),
            ("65130000-3", 1.0),
            ("90481000-2", 0.7),
            ("71800000-6", 0.7),
        ),
        naf=("36.00Z", "37.00Z", "42.21Z", "28.29B"),
        certifications=(
            (ISO_9001, 0.6),
            (ISO_14001, 0.5),
            (MASE, 0.2),
            (ISO_45001, 0.2),
        ),
        name_heads=(
            "Eaux et Procédés",
            "Hydro-Traitement",
            "Épuration",
            "Aqua Process",
            "Traitement des Eaux",
            "Eau Potable",
        ),
        descriptions_fr=(
            "Ensemblier du traitement de l'eau ({region}) : {spec}, {spec2}, "
            "filtration membranaire et désinfection.",
            "Conception, construction et exploitation de stations d'eau potable et "
            "d'épuration ; spécialité : {spec}.",
            "Équipements électromécaniques pour stations de traitement : pompage, "
            "filtration, automatismes et télégestion.",
        ),
        descriptions_en=(
            "Water and wastewater treatment plants: design, build, operate.",
            "Drinking-water treatment, pumping and SCADA for utilities abroad.",
        ),
        share=0.015,
        complements=("civil_water_networks", "engineering", "energy", "training"),
        size_skew=1.4,
    ),
    Sector(
        key="energy",
        label_fr="Énergie solaire, réseaux et installations électriques",
        label_en="Solar energy, grids and electrical installation",
        cpv=(
            ("09332000-5", 3.0),
            ("09331200-0", 2.0),
            ("45261215-4", 1.0),
            ("45310000-3", 2.0),
            ("45311000-0", 1.0),
            ("45231400-9", 1.0),
            ("45232220-0", 1.5),
            ("31170000-8", 2.0),
            ("31214000-9", 0.7),
            ("45251100-2", 1.0),
            ("71314000-2", 1.0),
            ("50711000-2", 0.7),
        ),
        naf=("43.21A", "43.21A", "35.11Z", "42.22Z", "27.11Z", "43.21B"),
        certifications=(
            (ISO_9001, 0.5),
            (QUALIFELEC, 0.4),
            (QUALIPV, 0.3),
            (ISO_14001, 0.3),
            (MASE, 0.3),
            (ISO_45001, 0.2),
            (ISO_50001, 0.15),
        ),
        name_heads=(
            "Énergies Renouvelables",
            "Solaire",
            "Électricité Générale",
            "Réseaux Électriques",
            "Photovoltaïque",
            "Énergie Services",
        ),
        descriptions_fr=(
            "Installateur et développeur ({region}) : {spec}, {spec2}, raccordement "
            "au réseau HTA/HTB.",
            "Centrales photovoltaïques au sol et en toiture, postes de transformation "
            "et lignes électriques. Spécialité : {spec}.",
            "Électricité générale et courants forts pour bâtiments publics et "
            "hôpitaux ; groupes électrogènes et onduleurs.",
        ),
        descriptions_en=(
            "Utility-scale solar PV EPC, substations and grid connection.",
            "Electrical installation contractor; hybrid solar-diesel systems off-grid.",
        ),
        share=0.06,
        complements=(
            "engineering",
            "civil_water_networks",
            "water_treatment",
            "hospital_construction",
            "urban_rail",
            "training",
        ),
        region_bias=((Region.OCCITANIE, 1.5), (Region.PACA, 1.4), (Region.NOUVELLE_AQUITAINE, 1.3)),
        size_skew=1.3,
    ),
    Sector(
        key="urban_rail",
        label_fr="Transport urbain et ferroviaire",
        label_en="Urban rail and transport systems",
        cpv=(
            ("45234120-3", 2.0),
            ("45234121-0", 2.0),
            ("45234115-5", 1.0),
            ("45234170-8", 1.0),
            ("34622000-3", 1.5),
            ("34622100-4", 1.5),
            ("34631000-9", 1.0),
            ("34632000-6", 1.0),
            ("34632200-8", 1.5),
            ("34632300-9", 1.5),
            ("48813200-2", 1.0),
            ("71311200-3", 1.0),
        ),
        naf=("30.20Z", "42.12Z", "27.90Z", "71.12B", "33.17Z"),
        certifications=(
            (ISO_9001, 0.6),
            (ISO_22163, 0.6),
            (ISO_14001, 0.3),
            (MASE, 0.2),
        ),
        name_heads=(
            "Rail",
            "Ferroviaire",
            "Signalisation",
            "Tramway Systèmes",
            "Mobilité Urbaine",
            "Voies Ferrées",
        ),
        descriptions_fr=(
            "Équipementier ferroviaire ({region}) : {spec}, {spec2}, essais et "
            "mise en service de lignes de tramway et de métro.",
            "Travaux de voie, caténaire et signalisation pour réseaux urbains ; "
            "spécialité : {spec}.",
            "Systèmes de transport urbain : matériel roulant, énergie de traction, "
            "information voyageurs et billettique.",
        ),
        descriptions_en=(
            "Urban rail systems: track, signalling, traction power and rolling stock.",
            "Light rail and metro projects in North Africa, the Middle East and Asia.",
        ),
        share=0.02,
        complements=("engineering", "energy", "civil_water_networks", "it_services", "training"),
        region_bias=((Region.HDF, 2.0), (Region.GRAND_EST, 1.5), (Region.BFC, 1.4)),
        size_skew=1.5,
    ),
    Sector(
        key="it_services",
        label_fr="Services informatiques et numériques",
        label_en="IT and digital services",
        cpv=(
            ("72262000-9", 3.0),
            ("72222300-0", 2.0),
            ("72263000-6", 1.0),
            ("72267000-4", 1.0),
            ("72315000-6", 1.0),
            ("72317000-0", 2.0),
            ("72413000-8", 1.0),
            ("72253000-3", 1.0),
            ("48000000-8", 1.0),
            ("30200000-1", 1.5),
            ("32420000-3", 1.5),
        ),
        naf=("62.01Z", "62.01Z", "62.02A", "62.03Z", "63.11Z", "58.29C"),
        certifications=(
            (ISO_27001, 0.25),
            (ISO_9001, 0.2),
            (HDS, 0.03),
        ),
        name_heads=(
            "Numérique",
            "Informatique",
            "Digital Services",
            "Logiciels",
            "Data",
            "Cloud",
            "Systèmes",
        ),
        descriptions_fr=(
            "ESN basée en {region} : {spec}, {spec2}, infogérance et support.",
            "Développement d'applications métier et intégration de systèmes ; spécialité : {spec}.",
            "Services numériques pour collectivités et entreprises : cloud, réseaux, "
            "cybersécurité et maintenance applicative.",
        ),
        descriptions_en=(
            "Software development, cloud hosting and managed IT services.",
            "Digital transformation partner, agile delivery, nearshore teams.",
        ),
        share=0.16,
        complements=("hospital_it", "consulting", "urban_rail", "training"),
        region_bias=((Region.IDF, 1.8), (Region.AURA, 1.1)),
        size_skew=0.9,
    ),
    Sector(
        key="consulting",
        label_fr="Conseil en gestion et études",
        label_en="Management consulting and studies",
        cpv=(
            ("79410000-1", 3.0),
            ("79411000-8", 2.0),
            ("79419000-4", 1.5),
            ("79421000-1", 1.5),
            ("79300000-7", 1.0),
            ("73200000-4", 1.0),
            ("66171000-9", 1.0),
            ("90713000-8", 0.7),
            ("79413000-2", 0.7),
        ),
        naf=("70.22Z", "70.22Z", "73.20Z", "74.90B"),
        certifications=(
            (OPQCM, 0.15),
            (ISO_9001, 0.1),
        ),
        name_heads=(
            "Conseil",
            "Stratégie et Management",
            "Partenaires Conseil",
            "Études et Développement",
            "Export Conseil",
        ),
        descriptions_fr=(
            "Cabinet de conseil ({region}) : {spec}, {spec2}, accompagnement des "
            "projets financés par les bailleurs de fonds.",
            "Études économiques, évaluation de programmes et assistance technique ; "
            "spécialité : {spec}.",
            "Conseil en organisation et gestion de projet pour acteurs publics et "
            "privés, en France et en Afrique francophone.",
        ),
        descriptions_en=(
            "Management consultancy, project management and evaluation services.",
            "Technical assistance for development-finance projects.",
        ),
        share=0.13,
        complements=("engineering", "it_services", "training", "agrifood"),
        region_bias=((Region.IDF, 2.0),),
        size_skew=0.7,
    ),
    Sector(
        key="agrifood",
        label_fr="Agroalimentaire",
        label_en="Agrifood",
        cpv=(
            ("15800000-6", 2.0),
            ("15810000-9", 1.0),
            ("15300000-1", 1.5),
            ("15330000-0", 1.0),
            ("15500000-3", 1.5),
            ("15511000-3", 0.7),
            ("15100000-9", 1.0),
            ("15600000-4", 1.0),
            ("15830000-5", 0.5),
            ("15860000-4", 0.7),
            ("15900000-7", 1.0),
            ("03221000-6", 0.7),
        ),
        naf=("10.89Z", "10.51C", "10.13B", "10.39B", "10.82Z", "10.71C", "11.02A", "10.11Z"),
        certifications=(
            (IFS_FOOD, 0.4),
            (ISO_22000, 0.3),
            (BRCGS, 0.2),
            (ISO_9001, 0.2),
        ),
        name_heads=(
            "Saveurs",
            "Conserverie",
            "Laiterie",
            "Biscuiterie",
            "Terroirs",
            "Fromagerie",
            "Maison",
        ),
        descriptions_fr=(
            "Entreprise agroalimentaire de {region} : {spec}, {spec2}, produits du "
            "terroir pour la grande distribution et l'export.",
            "Transformation et conditionnement : {spec} ; certification qualité et "
            "traçabilité de la fourche à la fourchette.",
            "PME familiale, savoir-faire artisanal et outil industriel ; marchés "
            "export en Europe, au Maghreb et au Moyen-Orient.",
        ),
        descriptions_en=(
            "French food producer exporting to Europe, the Middle East and Africa.",
            "Private label and branded products, IFS certified plant.",
        ),
        share=0.17,
        complements=("industrial_machinery", "consulting"),
        region_bias=(
            (Region.BRETAGNE, 2.2),
            (Region.PDL, 1.8),
            (Region.NORMANDIE, 1.6),
            (Region.NOUVELLE_AQUITAINE, 1.4),
            (Region.IDF, 0.4),
        ),
        size_skew=1.0,
    ),
    Sector(
        key="industrial_machinery",
        label_fr="Machines et équipements industriels",
        label_en="Industrial machinery",
        cpv=(
            ("42900000-5", 2.0),
            ("42990000-2", 2.0),
            ("42600000-2", 1.5),
            ("42400000-0", 1.5),
            ("42500000-1", 1.0),
            ("42120000-6", 1.0),
            ("42912300-5", 0.7),
            ("42923000-2", 0.7),
            ("42914000-6", 0.7),
            ("31682210-5", 0.7),
            ("50530000-9", 1.5),
        ),
        naf=("28.29B", "28.99B", "28.41Z", "28.22Z", "33.12Z", "25.62B", "28.13Z"),
        certifications=(
            (ISO_9001, 0.5),
            (CE_MARKING, 0.6),
            (ISO_14001, 0.2),
            (ISO_45001, 0.1),
        ),
        name_heads=(
            "Mécanique",
            "Machines Spéciales",
            "Usinage",
            "Automatismes",
            "Chaudronnerie",
            "Équipements Industriels",
        ),
        descriptions_fr=(
            "Constructeur et intégrateur en {region} ({spec}) ; bureau d'études intégré, "
            "montage et service après-vente.",
            "Conception de machines spéciales et lignes de production : {spec}, {spec2}.",
            "Mécanique de précision, maintenance industrielle et rétrofit "
            "d'équipements ; interventions en France et à l'étranger.",
        ),
        descriptions_en=(
            "Special-purpose machinery designer and manufacturer, CE-marked.",
            "Industrial equipment, commissioning and after-sales service worldwide.",
        ),
        share=0.14,
        complements=("agrifood", "energy", "water_treatment", "engineering"),
        region_bias=(
            (Region.AURA, 1.6),
            (Region.GRAND_EST, 1.5),
            (Region.BFC, 1.4),
            (Region.IDF, 0.6),
        ),
        size_skew=1.1,
    ),
)

SECTORS_BY_KEY: Mapping[str, Sector] = MappingProxyType({s.key: s for s in SECTORS})


def sector(key: str) -> Sector:
    """The sector with this key (``KeyError`` if unknown)."""
    return SECTORS_BY_KEY[key]


def national_shares() -> tuple[float, ...]:
    """Each sector's share of the national population, normalised to sum to 1."""
    total = sum(s.share for s in SECTORS)
    return tuple(s.share / total for s in SECTORS)


# Fictional place complements for firm names, by region ("Bâtisseurs du Ponant").
PLACE_NAMES: Mapping[Region, tuple[str, ...]] = MappingProxyType(
    {
        Region.IDF: (
            "de Lutèce",
            "du Val de Seine",
            "des Deux Rives",
            "de l'Ourcq",
            "du Parisis",
            "du Hurepoix",
            "de la Brie",
        ),
        Region.AURA: (
            "du Forez",
            "du Vercors",
            "de la Dombes",
            "des Monts d'Or",
            "du Velay",
            "de Chartreuse",
            "du Bugey",
        ),
        Region.BFC: ("du Morvan", "du Jura", "de la Bresse", "des Combes", "de l'Auxois"),
        Region.BRETAGNE: (
            "du Ponant",
            "de l'Armor",
            "de l'Argoat",
            "des Abers",
            "de Cornouaille",
            "du Trégor",
        ),
        Region.CVL: ("du Berry", "de Sologne", "de la Beauce", "du Val de Loire", "du Perche"),
        Region.CORSE: ("du Cap Corse", "de Balagne", "du Niolu"),
        Region.GRAND_EST: (
            "des Vosges",
            "de l'Argonne",
            "du Sundgau",
            "des Trois Frontières",
            "du Barrois",
            "de la Woëvre",
        ),
        Region.HDF: (
            "des Flandres",
            "du Hainaut",
            "de l'Artois",
            "de la Thiérache",
            "de la Côte d'Opale",
            "du Vimeu",
        ),
        Region.NORMANDIE: (
            "du Cotentin",
            "du Pays de Caux",
            "du Bessin",
            "de la Risle",
            "du Bocage Normand",
        ),
        Region.NOUVELLE_AQUITAINE: (
            "du Médoc",
            "des Landes",
            "du Périgord",
            "de Gascogne",
            "du Limousin",
            "de Saintonge",
        ),
        Region.OCCITANIE: (
            "du Lauragais",
            "des Causses",
            "de la Garonne",
            "du Minervois",
            "des Cévennes",
            "du Roussillon",
        ),
        Region.PDL: ("de l'Estuaire", "du Bocage", "des Mauges", "du Maine", "de la Brière"),
        Region.PACA: ("du Luberon", "de l'Estérel", "des Alpilles", "du Verdon", "des Calanques"),
        Region.GUADELOUPE: ("des Alizés", "de la Soufrière", "de Marie-Galante"),
        Region.MARTINIQUE: ("de la Pelée", "des Anses", "du Carbet"),
        Region.GUYANE: ("du Maroni", "de l'Oyapock", "des Savanes"),
        Region.REUNION: ("des Hauts", "du Piton", "de Bourbon"),
        Region.MAYOTTE: ("du Lagon", "de Petite-Terre"),
    }
)

# Invented family names for names such as "Kervadec Ingénierie".
FAMILY_NAMES: tuple[str, ...] = (
    "Abgrall",
    "Aubriac",
    "Barthélémot",
    "Belcastel",
    "Bertignac",
    "Boisrenard",
    "Castagnède",
    "Chambrelan",
    "Charvolin",
    "Courtemanche",
    "Daubrecourt",
    "Delmarsac",
    "Desforgeais",
    "Duclouzeau",
    "Escarmelle",
    "Falgayrac",
    "Fontcouverte",
    "Garrabos",
    "Gervillier",
    "Grandlieu",
    "Haudricourt",
    "Jolibert",
    "Kerbrennec",
    "Kerhuelan",
    "Lacombrade",
    "Landrevie",
    "Larrouturou",
    "Lavergnac",
    "Lestrévan",
    "Malvézie",
    "Marsillonge",
    "Montbrisson",
    "Morvanel",
    "Peyrelade",
    "Plouzennec",
    "Quéméneur",
    "Rochevaldec",
    "Roquevalès",
    "Saint-Aubrac",
    "Sauvagnat",
    "Tardivel",
    "Thévenaux",
    "Touzalin",
    "Valcourt",
    "Vaudrémont",
    "Verdanson",
    "Villemarest",
    "Ybarnégaray",
)

# Legal forms appended to some names: of small firms (under 50 staff), of larger ones.
LEGAL_FORMS: tuple[str, ...] = ("SAS", "SARL", "SASU", "EURL")
LEGAL_FORMS_LARGE: tuple[str, ...] = ("SAS", "SA", "Groupe")
