"""Words that tell what a signature line is: job titles, legal forms of companies and street
words, per language. Data for `shared.mail.signatures`, kept apart so another language is one
more entry.

Sources: legal forms follow the ISO 20275 Entity Legal Forms code list (GLEIF) abbreviations for
each country; street words and postal-code layouts follow the Universal Postal Union's addressing
guides; titles are the common job titles of each language's business signatures.
"""

from __future__ import annotations

# Whole words (or two-word phrases) that make a short line a job title.
TITLE_WORDS: dict[str, tuple[str, ...]] = {
    "en": (
        "ceo", "cto", "cfo", "coo", "cmo", "cio", "ciso", "cpo", "cro", "vp", "svp", "evp", "avp", "founder",
        "co-founder", "cofounder", "owner", "president", "chairman", "chair", "director", "manager", "head",
        "lead", "leader", "engineer", "developer", "analyst", "consultant", "recruiter", "partner", "associate",
        "specialist", "coordinator", "officer", "architect", "designer", "administrator", "assistant", "advisor",
        "adviser", "counsel", "attorney", "lawyer", "accountant", "controller", "executive", "representative",
        "scientist", "researcher", "professor", "editor", "producer", "strategist", "principal", "supervisor",
        "intern", "agent", "broker", "realtor", "planner", "merchandiser", "dispatcher", "buyer", "clerk",
        "secretary", "treasurer", "superintendent", "foreman", "technician", "nurse", "physician", "surgeon",
        "pharmacist", "teacher", "lecturer", "trainer", "coach", "paralegal", "underwriter", "auditor",
        "economist", "estimator", "inspector", "operator", "receptionist", "steward", "chief", "founding",
        "attorney at law", "attorney-at-law",
    ),
    "de": (
        "geschäftsführer", "geschäftsführerin", "leiter", "leiterin", "vorstand", "inhaber", "inhaberin",
        "prokurist", "prokuristin", "berater", "beraterin", "referent", "referentin", "ingenieur", "ingenieurin",
        "entwickler", "entwicklerin", "sachbearbeiter", "sachbearbeiterin", "assistent", "assistentin",
        "vertrieb", "einkauf", "vorsitzender", "teamleiter", "abteilungsleiter",
    ),
    "fr": (
        "directeur", "directrice", "responsable", "gérant", "gérante", "chef", "conseiller", "conseillère",
        "consultante", "ingénieur", "ingénieure", "avocat", "avocate", "associé", "associée", "chargé", "chargée",
        "président", "présidente", "assistante", "comptable", "commercial", "commerciale", "fondateur",
        "fondatrice", "directeur général", "agent",
    ),
    "es": (
        "director", "directora", "gerente", "jefe", "jefa", "socio", "socia", "consultor", "consultora",
        "ingeniero", "ingeniera", "abogado", "abogada", "presidente", "presidenta", "coordinador", "coordinadora",
        "asesor", "asesora", "fundador", "fundadora", "encargado", "encargada",
    ),
    "it": (
        "direttore", "direttrice", "responsabile", "amministratore", "amministratrice", "architetto", "avvocato",
        "ingegnere", "titolare", "fondatore", "fondatrice", "consulente", "commerciale", "ufficio",
    ),
    "pt": (
        "diretor", "diretora", "gerente", "gestor", "gestora", "coordenador", "coordenadora", "sócio", "sócia",
        "consultor", "consultora", "engenheiro", "engenheira", "advogado", "advogada", "fundador",
    ),
    "nl": (
        "directeur", "projectleider", "zaakvoerder", "eigenaar", "adviseur", "medewerker", "bedrijfsleider",
        "accountmanager", "oprichter", "teamleider",
    ),
    "sv": ("vd", "chef", "ansvarig", "säljare", "konsult", "arkitekt", "rådgivare", "projektledare", "grundare"),
    "da": ("direktør", "leder", "daglig leder", "chef", "konsulent", "rådgiver", "sælger", "indehaver"),
    "nb": ("daglig leder", "direktør", "leder", "rådgiver", "selger", "konsulent", "seniorrådgiver"),
    "fi": ("johtaja", "toimitusjohtaja", "päällikkö", "asiantuntija", "myyntijohtaja", "konsultti"),
    "pl": (
        "kierownik", "dyrektor", "specjalista", "specjalistka", "prezes", "dyspozytor", "menedżer", "właściciel",
        "właścicielka", "konsultant", "asystent", "asystentka", "księgowa", "handlowiec",
    ),
    "cs": ("ředitel", "ředitelka", "manažer", "manažerka", "vedoucí", "jednatel", "specialista", "konzultant"),
    "sk": ("riaditeľ", "riaditeľka", "manažér", "vedúci", "konateľ"),
    "hu": ("vezető", "igazgató", "ügyvezető", "menedzser", "tanácsadó", "ügyintéző"),
    "ro": ("director", "manager", "consilier", "inginer", "administrator"),
    "ru": (
        "директор", "менеджер", "руководитель", "начальник", "специалист", "инженер", "генеральный", "ведущий",
        "главный", "консультант", "аналитик", "разработчик",
    ),
    "uk": ("директор", "керівник", "менеджер", "начальник", "фахівець", "інженер"),
    "tr": ("müdür", "müdürü", "uzman", "uzmanı", "yönetici", "mühendis", "sorumlusu", "temsilcisi"),
    "el": ("διευθυντής", "διευθύντρια", "υπεύθυνος", "σύμβουλος"),
    "id": ("manajer", "direktur", "kepala", "staf", "konsultan"),
    "hr": ("voditelj", "voditeljica", "direktor", "direktorica", "savjetnik"),
}  # fmt: skip

# Words of a department rather than a company ("SVP, Operations", "Manager, Global Business Team").
DEPARTMENT_WORDS = (
    "operations", "sales", "marketing", "finance", "team", "department", "dept", "division", "business",
    "development", "engineering", "hr", "it", "legal", "procurement", "purchasing", "accounting", "support",
    "research", "services", "logistics", "communications", "strategy", "product", "products", "office",
)  # fmt: skip

# Endings of compound titles ("Vertriebsleiter", "Salgsdirektør", "myyntijohtaja", "Produktmanagerin").
TITLE_HEADS = (
    "leiter", "leiterin", "führer", "führerin", "manager", "managerin", "berater", "beraterin", "direktør",
    "direktor", "chef", "arkitekt", "rådgiver", "rådgivare", "ansvarig", "johtaja", "päällikkö", "leider",
    "voerder", "ingenieur", "referent", "referentin", "entwickler", "entwicklerin", "ledare",
)  # fmt: skip

# Legal forms of companies (ISO 20275 abbreviations), compared without dots and case.
COMPANY_FORMS: dict[str, tuple[str, ...]] = {
    "en": (
        "inc", "llc", "ltd", "limited", "corp", "corporation", "co", "company", "plc", "llp", "lp", "pllc", "pc",
        "pty", "pte", "pvt", "group", "holdings", "partners", "associates", "jsc", "bhd", "sdn",
    ),
    "de": ("gmbh", "ag", "kg", "se", "ug", "ohg", "gbr", "ek", "mbh", "kgaa"),
    "fr": ("sa", "sas", "sasu", "sarl", "eurl", "sci", "snc", "inc", "sprl", "srl"),
    "es": ("sl", "sa", "slu", "sau", "spa", "ltda", "sa de cv", "de cv", "sas"),
    "it": ("srl", "spa", "sas", "snc", "srls"),
    "pt": ("lda", "ltda", "sa"),
    "nl": ("bv", "nv", "vof", "cv"),
    "sv": ("ab",),
    "da": ("as", "aps", "a/s", "is"),
    "nb": ("as", "asa", "ans", "da"),
    "fi": ("oy", "oyj", "ky", "tmi"),
    "pl": ("sp z oo", "sa", "spółka", "sp k", "sp j"),
    "cs": ("as", "sro", "vos"),
    "sk": ("as", "sro"),
    "hu": ("kft", "zrt", "nyrt", "bt", "kkt"),
    "ro": ("srl", "sa"),
    "ru": ("ооо", "ао", "зао", "пао", "оао", "ип"),
    "uk": ("тов", "пп", "пат", "прат"),
    "tr": ("aş", "ltd şti", "şti"),
    "el": ("ae", "epe", "ike"),
    "ja": ("kk", "gk", "株式会社", "有限会社"),
    "zh": ("有限公司", "股份有限公司"),
    "id": ("pt", "tbk", "cv"),
    "hr": ("doo", "dd"),
    "bg": ("eood", "ood", "ad", "ead"),
}  # fmt: skip

# Words of a street line ("100 Federal Street", "Hafenstraße 12", "ul. Marszałkowska 10").
STREET_WORDS = (
    "street", "st", "avenue", "ave", "road", "rd", "boulevard", "blvd", "drive", "dr", "lane", "ln", "way",
    "place", "pl", "square", "sq", "court", "ct", "suite", "floor", "level", "po box", "p.o. box", "highway",
    "straße", "strasse", "str", "weg", "platz", "allee", "gasse", "ring", "damm", "rue", "avenue", "boulevard",
    "chemin", "place", "quai", "via", "viale", "piazza", "corso", "calle", "avenida", "plaza", "paseo", "rua",
    "travessa", "praça", "straat", "laan", "plein", "gracht", "gatan", "vägen", "gata", "vej", "gade", "veien",
    "gate", "katu", "tie", "ul", "ulica", "al", "aleja", "náměstí", "ulice", "utca", "út", "tér", "strada",
    "bulevardul", "ул", "улица", "пр", "проспект", "вул", "вулиця", "cadde", "caddesi", "sokak", "sk", "jalan",
    "jl",
)  # fmt: skip
