"""The programme's reference data, as DOMAIN.md gives it. Idempotent: existing codes are kept."""
from ..extensions import db
from ..reference.models import (
    Diploma, DocumentType, Establishment, IneligibilityReason, Level, MalianEstablishment, Programme, Region,
    Sector, Series,
)

DIPLOMAS = [  # code, name, rank, has_series
    ("CEP", "Certificat d'Études Primaires (fin du cycle primaire)", 1, False),
    ("DEF", "Diplôme d'Études Fondamentales", 2, False),
    ("CAP", "Certificat d'Aptitude Professionnelle", 3, False),
    ("BT", "Brevet de Technicien", 4, False),
    ("BAC", "Baccalauréat", 5, True),
    ("BTS", "Brevet de Technicien Supérieur", 6, False),
    ("LIC", "Licence", 7, False),
]
SERIES = [  # code, name, kind
    ("TSE", "Terminale Sciences Exactes", "scientifique"),
    ("TSEXP", "Terminale Sciences Expérimentales", "scientifique"),
    ("TSECO", "Terminale Sciences Économiques", "économique"),
    ("TSS", "Terminale Sciences Sociales", "littéraire"),
    ("TLL", "Terminale Langues et Lettres", "littéraire"),
    ("TAL", "Terminale Arts et Lettres", "littéraire"),
    ("STI", "Sciences et Technologies Industrielles", "technique"),
    ("STG", "Sciences et Technologies de Gestion", "technique"),
]
LEVELS = [  # code, name, minimum diploma, position
    ("S", "Spécialisation", "CEP", 1),
    ("Q", "Qualification", "DEF", 2),
    ("T", "Technicien", "CAP", 3),
    ("TS", "Technicien Spécialisé", "BT", 4),
    # The short programmes of capacity building (trainers and training managers).
    ("RC", "Renforcement de capacités (formation courte)", "BAC", 5),
]
SECTORS = [
    ("AGRI", "Agriculture / Agro-alimentaire"),
    ("IND", "Industriel"),
    ("DIG", "Digital / Intelligence artificielle"),
    ("TEX", "Textile / Habillement"),
    ("FORM", "Ingénierie et pédagogie de la formation"),
]
PROGRAMMES = [  # code, title, sector, level, months
    ("TS-DD", "Développement Digital", "DIG", "TS", 24),
    ("TS-IA", "Intelligence Artificielle", "DIG", "TS", 24),
    ("TS-IR", "Infrastructure Digitale", "DIG", "TS", 24),
    ("T-ID", "Infographie et Design", "DIG", "T", 24),
    ("T-MI", "Maintenance Industrielle", "IND", "T", 24),
    ("TS-EM", "Électromécanique des Systèmes Automatisés", "IND", "TS", 24),
    ("TS-GE", "Génie Électrique", "IND", "TS", 24),
    ("Q-SOU", "Soudage", "IND", "Q", 12),
    ("Q-CONF", "Confection", "TEX", "Q", 12),
    ("TS-MOD", "Modélisme et Industrialisation", "TEX", "TS", 24),
    ("T-PCI", "Production en Confection Industrielle", "TEX", "T", 24),
    ("TS-AGRO", "Agro-industrie", "AGRI", "TS", 24),
    ("T-PA", "Production Agricole", "AGRI", "T", 24),
    ("TS-GEA", "Gestion des Exploitations Agricoles", "AGRI", "TS", 24),
    ("S-ARB", "Arboriculture", "AGRI", "S", 6),
    # Capacity building: short OFPPT programmes for Malian trainers and training managers.
    ("RC-FF", "Formation de formateurs", "FORM", "RC", 3),
    ("RC-IF", "Ingénierie de formation", "FORM", "RC", 3),
    ("RC-GEF", "Gestion d'un établissement de formation", "FORM", "RC", 2),
    ("RC-ELEC", "Perfectionnement technique : électricité industrielle", "IND", "RC", 3),
    ("RC-NUM", "Perfectionnement technique : métiers du numérique", "DIG", "RC", 3),
]
# The Malian training establishments whose staff may apply to capacity building (code, name,
# city, region code).
MALIAN_ESTABLISHMENTS = [
    ("CFP-BAMAKO", "Centre de Formation Professionnelle de Bamako", "Bamako", "00"),
    ("ECICA", "École Centrale pour l'Industrie, le Commerce et l'Administration", "Bamako", "00"),
    ("CFP-KOULIKORO", "Centre de Formation Professionnelle de Koulikoro", "Koulikoro", "02"),
    ("CFP-KAYES", "Centre de Formation Professionnelle de Kayes", "Kayes", "01"),
    ("CFP-SIKASSO", "Centre de Formation Professionnelle de Sikasso", "Sikasso", "03"),
    ("CFP-SEGOU", "Centre de Formation Professionnelle de Ségou", "Ségou", "04"),
    ("CFP-MOPTI", "Centre de Formation Professionnelle de Mopti", "Mopti", "05"),
    ("CFP-GAO", "Centre de Formation Professionnelle de Gao", "Gao", "07"),
]
ESTABLISHMENTS = [  # code, name, city, boarding
    ("ISTA-CASA", "ISTA NTIC Sidi Maârouf", "Casablanca", True),
    ("ISTA-RABAT", "ISTA Hay Riad", "Rabat", True),
    ("ISTA-TANGER", "ISTA Tanger Ibn Battouta", "Tanger", False),
    ("ISTA-FES", "ISTA Fès Route d'Imouzzer", "Fès", True),
    ("ISTA-MARRAKECH", "ISTA Marrakech Syba", "Marrakech", True),
    ("ISTA-AGADIR", "ISTA Agadir Hay Salam", "Agadir", False),
    ("ITSA-MEKNES", "ITSA Meknès (agriculture)", "Meknès", True),
    ("ISTA-OUJDA", "ISTA Oujda", "Oujda", True),
    ("ISTHT-CASA", "ISTA Textile et Habillement", "Casablanca", False),
]
REGIONS = [
    ("00", "District de Bamako"), ("01", "Kayes"), ("02", "Koulikoro"), ("03", "Sikasso"),
    ("04", "Ségou"), ("05", "Mopti"), ("06", "Tombouctou"), ("07", "Gao"), ("08", "Kidal"),
    ("09", "Taoudénit"), ("10", "Ménaka"), ("11", "Bougouni"), ("12", "Dioïla"),
    ("13", "Nioro du Sahel"), ("14", "Koutiala"), ("15", "Kita"), ("16", "Nara"),
    ("17", "Bandiagara"), ("18", "San"), ("19", "Douentza"),
]
DOCUMENT_TYPES = [
    ("PHOTO", "Photo d'identité", "image/jpeg,image/png"),
    ("BIRTH", "Acte de naissance", "application/pdf,image/jpeg,image/png"),
    ("DIPLOMA", "Diplôme ou attestation de réussite", "application/pdf,image/jpeg,image/png"),
    ("TRANSCRIPT", "Relevé de notes", "application/pdf,image/jpeg,image/png"),
    ("PASSPORT", "Copie du passeport", "application/pdf,image/jpeg,image/png"),
    ("MEDICAL", "Certificat médical", "application/pdf,image/jpeg,image/png"),
    ("EMPLOYER_LETTER", "Lettre de nomination de l'employeur", "application/pdf,image/jpeg,image/png"),
    ("CV", "Curriculum vitae", "application/pdf"),
]
INELIGIBILITY_REASONS = [
    ("AGE", "Âge hors des limites pour le niveau demandé"),
    ("DIPLOMA", "Diplôme insuffisant pour le niveau demandé"),
    ("SERIES", "Série du baccalauréat non admise par l'appel"),
    ("DOCS_MISSING", "Pièce justificative manquante"),
    ("DOCS_INVALID", "Pièce justificative illisible ou non conforme"),
    ("NATIONALITY", "Nationalité non malienne"),
    ("IDENTITY", "Identité incohérente (NINA, passeport, date de naissance)"),
    ("OTHER", "Autre motif (voir le commentaire)"),
]


def _upsert(model, key: str, rows: list[dict]) -> dict:
    existing = {getattr(o, key): o for o in db.session.execute(db.select(model)).scalars()}
    for row in rows:
        if row[key] not in existing:
            obj = model(**row)
            db.session.add(obj)
            existing[row[key]] = obj
    db.session.flush()
    return existing


def seed_reference() -> dict:
    """Insert whatever reference row is missing; returns the objects by code."""
    diplomas = _upsert(Diploma, "code", [
        dict(code=c, name=n, rank=r, has_series=s) for c, n, r, s in DIPLOMAS])
    series = _upsert(Series, "code", [
        dict(code=c, name=n, kind=k, diploma_id=diplomas["BAC"].id) for c, n, k in SERIES])
    levels = _upsert(Level, "code", [
        dict(code=c, name=n, min_diploma_id=diplomas[d].id, position=p) for c, n, d, p in LEVELS])
    sectors = _upsert(Sector, "code", [dict(code=c, name=n, priority=True) for c, n in SECTORS])
    programmes = _upsert(Programme, "code", [
        dict(code=c, title=t, sector_id=sectors[s].id, level_id=levels[lv].id, duration_months=m)
        for c, t, s, lv, m in PROGRAMMES])
    establishments = _upsert(Establishment, "code", [
        dict(code=c, name=n, city=city, has_boarding=b) for c, n, city, b in ESTABLISHMENTS])
    regions = _upsert(Region, "code", [dict(code=c, name=n) for c, n in REGIONS])
    employers = _upsert(MalianEstablishment, "code", [
        dict(code=c, name=n, city=city, region_id=regions[r].id) for c, n, city, r in MALIAN_ESTABLISHMENTS])
    documents = _upsert(DocumentType, "code", [
        dict(code=c, name=n, accepted_types=t) for c, n, t in DOCUMENT_TYPES])
    reasons = _upsert(IneligibilityReason, "code", [dict(code=c, label=lb) for c, lb in INELIGIBILITY_REASONS])
    return dict(diplomas=diplomas, series=series, levels=levels, sectors=sectors,
                programmes=programmes, establishments=establishments, regions=regions, employers=employers,
                document_types=documents, reasons=reasons)
