#!/usr/bin/python3
"""data/demo/generate.py - writes the demo data set (organizations.json, persons.json,
memberships.json, networks.json) from the fixed lists below and a seeded random generator, so
every machine gets the same JSON. The JSON is committed; run this only to change the data set:
    /usr/bin/python3 data/demo/generate.py
It does not talk to a node (scripts/demo-load does) and uses only the standard library.

All persons are invented. Organisations named in the seed documents (EASPD, ENSIE, EURICSE,
forum wbv, the NRW training networks) keep their public names; every other organisation,
its VAT id and every e-mail address (RFC 2606 ".example" domains) is invented.
"""

import json
import os
import random
import re
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20230817  # the date of the NRW network meeting on Zollverein

# Competence codes used here; every one must exist in
# services/membership/migrations/0002_taxonomy.sql (checked below when that file exists).
FUTURE_SKILLS = [
    "fs.systems_thinking", "fs.collaboration", "fs.co_creativity", "fs.networking",
    "fs.intercultural", "fs.self_efficacy", "fs.reflection", "fs.agility", "fs.problem_solving",
    "fs.transformation", "fs.sustainability", "fs.future_mindset", "fs.values_orientation",
    "fs.action_competence", "fs.peer_learning", "fs.facilitation", "fs.coaching",
    "fs.digital_literacy", "fs.ai_literacy",
]
DIGCOMP = [
    "dc.1.1", "dc.1.2", "dc.1.3",
    "dc.2.1", "dc.2.2", "dc.2.3", "dc.2.4", "dc.2.5", "dc.2.6",
    "dc.3.1", "dc.3.2", "dc.3.3", "dc.3.4",
    "dc.4.1", "dc.4.2", "dc.4.3", "dc.4.4",
    "dc.5.1", "dc.5.2", "dc.5.3", "dc.5.4",
]

FIRST_NAMES_F = [
    "Anna", "Lena", "Miriam", "Katharina", "Julia", "Sabine", "Petra", "Claudia", "Nadine",
    "Sophie", "Hannah", "Laura", "Ines", "Birgit", "Friederike", "Elif", "Aylin", "Natalia",
    "Johanna", "Theresa", "Carolin", "Daniela", "Jana", "Marlene", "Svenja", "Ulrike",
    "Yasemin", "Greta", "Vanessa", "Christina", "Monika", "Leonie", "Franziska", "Mareike",
]
FIRST_NAMES_M = [
    "Jonas", "Lukas", "Tobias", "Matthias", "Stefan", "Andreas", "Christian", "Daniel",
    "Florian", "Jan", "Markus", "Oliver", "Philipp", "Sebastian", "Thomas", "Timo", "Kemal",
    "Mehmet", "Niklas", "Benedikt", "Frank", "Holger", "Jörg", "Ralf", "Uwe", "Malte", "Björn",
    "Dominik", "Fabian", "Konstantin", "Emre", "Piotr", "Luca", "Moritz",
]
SURNAMES = [
    "Becker", "Wagner", "Schulte", "Hoffmann", "Krüger", "Brandt", "Lehmann", "Vogel",
    "Hartmann", "Kaiser", "Winter", "Lorenz", "Möller", "Busch", "Kuhn", "Pohl", "Engel",
    "Franke", "Albrecht", "Schuster", "Böhm", "Voigt", "Sommer", "Haas", "Jung", "Ziegler",
    "Kessler", "Brinkmann", "Kötter", "Overbeck", "Terhorst", "Wiesmann", "Hülsmann", "Dreier",
    "Kaya", "Yılmaz", "Demir", "Nowak", "Kowalski", "Rossi", "Marquardt", "Strothmann",
    "Heitkamp", "Niehaus", "Budde", "Rademacher", "Stratmann", "Tenbrink", "Ostermann",
    "Pieper", "Sander", "Hölscher", "Aydın", "Berger", "Reuter", "Lindner", "Gerdes",
]

INTERESTS = [
    "Future Skills", "digitale Transformation", "Weiterbildung im Mittelstand",
    "Kompetenzmodelle", "Peer-to-Peer-Lernen", "Nachhaltigkeit", "New Work",
    "KI in der Arbeitswelt", "Fachkräftesicherung", "Soziale Innovation", "Moderation",
    "Organisationsentwicklung", "Inklusion", "Bildung für nachhaltige Entwicklung",
    "Change Management", "Knowledge-Café", "Design Thinking", "Gemeinwohlökonomie",
]

SECTORS_PERSON = [
    "education", "manufacturing", "public_administration", "consulting", "social_economy",
    "health_care", "it_services", "research", "automotive", "logistics",
]

NRW = "DE-NW"


def slug(text):
    """ASCII, lower case, dots and hyphens only: for e-mail local parts and domains."""
    text = (text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
                .replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue").replace("ß", "ss")
                .replace("ı", "i"))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()
    return text


def organisations():
    """(ref, organization, group) triples."""
    out = []

    def add(ref, name, kind, region, sector, vat_id="", group=""):
        org = {"name": name, "kind": kind, "region": region, "sector": sector}
        if vat_id:
            org["vat_id"] = vat_id
        out.append((ref, org, group))

    # The Future Skills institute with its two sites.
    add("org.institute.essen", "WeQ Institute – Future Campus Zollverein (Essen)", "nonprofit",
        NRW, "education", group="institute")
    add("org.institute.berlin", "WeQ Institute – Standort Berlin am Brandenburger Tor",
        "nonprofit", "DE-BE", "education", group="institute")
    add("org.forum_wbv", "forum wbv – Koordinierungszentrum für Weiterbildungsverbünde",
        "public_body", "DE-BE", "education", group="nrw")

    # Institutions that are supporting members of the institute (invented).
    supporters = [
        ("org.sup.stadtwerke", "Stadtwerke Emschertal GmbH", "company", NRW, "energy",
         "DE281734905"),
        ("org.sup.sparkasse", "Stiftung Zukunft Ruhr", "nonprofit", NRW, "philanthropy", ""),
        ("org.sup.kreis", "Kreisverwaltung Rhein-Erft-Land", "public_body", NRW,
         "public_administration", ""),
        ("org.sup.software", "Spreeblick Software GmbH", "company", "DE-BE", "it_services",
         "DE318254770"),
        ("org.sup.hochschule", "Hochschule für Angewandte Zukunftsforschung Berlin",
         "education_provider", "DE-BE", "research", ""),
        ("org.sup.genossenschaft", "Quartiersgenossenschaft Altenessen eG",
         "social_enterprise", NRW, "social_economy", "DE294410387"),
        ("org.sup.verband", "Verband Lernender Organisationen e. V.", "association", "DE-HE",
         "education", ""),
        ("org.sup.beratung", "Kompass Organisationsberatung PartG", "company", "DE-HH",
         "consulting", "DE306621548"),
    ]
    for ref, name, kind, region, sector, vat in supporters:
        add(ref, name, kind, region, sector, vat, group="supporters")
    return out


# The seven NRW training networks of the seed (Weiterbildungsverbünde) with invented members.
NRW_NETWORKS = [
    {
        "ref": "net.niederrhein",
        "name": "Weiterbildungsverbund Niederrhein",
        "coordinator": ("Weiterbildungsverbund Niederrhein (NIRO e. V.)", "association"),
        "focus": "Kompetenzmodelle für die Personalentwicklung, digitale Lernplattform",
        "area": "Niederrhein (Kreis Wesel, Kreis Kleve, Krefeld)",
        "sector": "cross_industry",
        "members": [
            ("Klever Kunststofftechnik GmbH", "company", "plastics", "DE273310845"),
            ("Weseler Lebensmitteltechnik GmbH", "company", "food", "DE265098112"),
            ("Niederrhein Logistik Zentrum GmbH", "company", "logistics", "DE289930417"),
            ("Bildungszentrum Unterer Niederrhein gGmbH", "education_provider", "education", ""),
            ("Krefelder Textilveredelung KG", "company", "textiles", "DE119867302"),
        ],
    },
    {
        "ref": "net.win40",
        "name": "WIN 4.0",
        "coordinator": ("WIN 4.0 – Weiterbildungsplattform Industrie 4.0", "association"),
        "focus": "Weiterbildung zu Industrie-4.0-Technologien für KMU, Verbundmanager:innen",
        "area": "Südwestfalen und Märkischer Kreis",
        "sector": "manufacturing",
        "members": [
            ("Lenne Automation GmbH", "company", "manufacturing", "DE297745120"),
            ("Märkische Steuerungstechnik GmbH & Co. KG", "company", "manufacturing",
             "DE124559873"),
            ("Sauerland Präzisionsteile GmbH", "company", "manufacturing", "DE301188426"),
            ("Technische Akademie Südwestfalen e. V.", "education_provider", "education", ""),
            ("Siegener Sensorik GmbH", "company", "electronics", "DE283374519"),
        ],
    },
    {
        "ref": "net.kowemi",
        "name": "KoWeMi – Koordinierungsstelle mIQu",
        "coordinator": ("Koordinierungsstelle mIQu (KoWeMi)", "association"),
        "focus": "Unternehmen der Mikro- und Nanotechnik in NRW, später bundesweit",
        "area": "Nordrhein-Westfalen (Dortmund, Aachen, Münster), bundesweit",
        "sector": "microtechnology",
        "members": [
            ("Dortmunder Mikrosystemtechnik GmbH", "company", "microtechnology", "DE311902463"),
            ("NanoFab Münsterland GmbH", "company", "microtechnology", "DE296630251"),
            ("Aachener Mikrooptik GmbH", "company", "optics", "DE278815094"),
            ("Weiterbildungsakademie Mikrotechnik e. V.", "education_provider", "education", ""),
        ],
    },
    {
        "ref": "net.gewin",
        "name": "GEWIN – gemeinsam Weiterbilden im Netzwerk",
        "coordinator": ("GEWIN Verbundkoordination", "association"),
        "focus": "Fachkräftesicherung und Beschäftigungsfähigkeit im Automotive-Sektor",
        "area": "Bergisches Städtedreieck und Rheinland",
        "sector": "automotive",
        "members": [
            ("Bergische Zulieferteile GmbH", "company", "automotive", "DE120447896"),
            ("Remscheider Antriebstechnik GmbH", "company", "automotive", "DE121583307"),
            ("Kölner Fahrzeugelektronik GmbH", "company", "automotive", "DE298816640"),
            ("Solinger Oberflächentechnik GmbH", "company", "automotive", "DE122976538"),
            ("Automotive Campus Rheinland gGmbH", "education_provider", "education", ""),
            ("Wuppertaler Institut für betriebliche Bildung e. V.", "education_provider",
             "education", ""),
        ],
    },
    {
        "ref": "net.ruhr",
        "name": "Weiterbildungsverbund Ruhr",
        "coordinator": ("Weiterbildungsverbund Ruhr – Verbundbüro Bochum", "association"),
        "focus": "Kooperationen von Unternehmen, Weiterbildungsanbietern und Arbeitsmarktakteuren",
        "area": "Mittleres Ruhrgebiet (Bochum, Herne, Hattingen, Witten)",
        "sector": "cross_industry",
        "members": [
            ("Bochumer Stahlservice GmbH", "company", "metal", "DE125331069"),
            ("Herner Logistik Partner GmbH", "company", "logistics", "DE285560932"),
            ("Wittener Werkzeugbau GmbH", "company", "manufacturing", "DE126094118"),
            ("Bildungswerk Mittleres Ruhrgebiet gGmbH", "education_provider", "education", ""),
            ("Wirtschaftsförderung Hattingen", "public_body", "public_administration", ""),
        ],
    },
    {
        "ref": "net.pep40",
        "name": "PEP 4.0",
        "coordinator": ("PEP 4.0 – Weiterbildungsverbund Pflege", "association"),
        "focus": "Ambulante und stationäre Pflege gemeinsam mit pflegenden Angehörigen",
        "area": "Münsterland und Emscher-Lippe",
        "sector": "health_care",
        "members": [
            ("Ambulanter Pflegedienst Rheine gGmbH", "social_enterprise", "health_care", ""),
            ("Seniorenzentrum Recklinghausen-Süd gGmbH", "nonprofit", "health_care", ""),
            ("Pflegeschule Westfalen gGmbH", "education_provider", "education", ""),
            ("Angehörigennetz Pflege Münsterland e. V.", "association", "health_care", ""),
            ("CareTech Gelsenkirchen GmbH", "company", "it_services", "DE317740286"),
        ],
    },
    {
        "ref": "net.owl",
        "name": "Weiterbildungsverbund OWL",
        "coordinator": ("Weiterbildungsverbund Ostwestfalen-Lippe", "association"),
        "focus": "Veranstaltungsreihe zu Weiterbildung und neuesten Technologien",
        "area": "Ostwestfalen-Lippe (Bielefeld, Paderborn, Detmold, Gütersloh)",
        "sector": "manufacturing",
        "members": [
            ("Lippische Maschinenbau GmbH", "company", "manufacturing", "DE126670254"),
            ("Bielefelder Software & Systeme GmbH", "company", "it_services", "DE292218735"),
            ("Paderborner Elektronikfertigung GmbH", "company", "electronics", "DE127845361"),
            ("Gütersloher Möbelwerkstätten KG", "company", "furniture", "DE128319904"),
            ("Technologieakademie OWL e. V.", "education_provider", "education", ""),
        ],
    },
]

# The EU consortium (B-WISE): the coordinator and co-coordinator and research lead named in the
# seed, and 27 invented partner organisations across Europe. (name, kind, region, sector, vat)
EU_PARTNERS = [
    ("EASPD – European Association of Service providers for Persons with Disabilities",
     "association", "BE-BRU", "social_economy", ""),
    ("ENSIE – European Network of Social Integration Enterprises", "association", "BE-BRU",
     "social_economy", ""),
    ("EURICSE – European Research Institute on Cooperative and Social Enterprises",
     "nonprofit", "IT-32", "research", ""),
    ("Netzwerk Soziale Betriebe Steiermark", "association", "AT-6", "social_economy", ""),
    ("Wiener Berufsbildungsinstitut Inklusion", "education_provider", "AT-9", "education", ""),
    ("Atelier Solidaire Liège asbl", "social_enterprise", "BE-WLG", "social_economy", ""),
    ("VET Centrum Gent vzw", "education_provider", "BE-VOV", "education", ""),
    ("Sofia Social Enterprise Hub Foundation", "nonprofit", "BG-22", "social_economy", ""),
    ("Družstvo Práce Brno", "social_enterprise", "CZ-64", "social_economy", ""),
    ("Sozialunternehmen Rheinland gGmbH", "social_enterprise", NRW, "social_economy", ""),
    ("Berufsbildungswerk Franken gGmbH", "education_provider", "DE-BY", "education", ""),
    ("Socialøkonomisk Værksted Aarhus", "social_enterprise", "DK-82", "social_economy", ""),
    ("Tallinna Sotsiaalse Ettevõtluse Keskus", "nonprofit", "EE-37", "social_economy", ""),
    ("Cooperativa d'Inserció Barcelona SCCL", "social_enterprise", "ES-CT", "social_economy",
     ""),
    ("Fundación Formación Inclusiva Madrid", "education_provider", "ES-MD", "education", ""),
    ("Työpaja Tampere ry", "social_enterprise", "FI-11", "social_economy", ""),
    ("Entreprise d'Insertion Lyon Métropole", "social_enterprise", "FR-ARA", "social_economy",
     ""),
    ("Institut de Formation en Économie Sociale Nantes", "education_provider", "FR-PDL",
     "education", ""),
    ("Commission Régionale des Certifications Professionnelles Occitanie", "public_body",
     "FR-OCC", "public_administration", ""),
    ("Koinsep Ergasia Thessaloniki", "social_enterprise", "GR-B", "social_economy", ""),
    ("Zadruga za socijalno poduzetništvo Zagreb", "social_enterprise", "HR-21",
     "social_economy", ""),
    ("Budapesti Szociális Vállalkozás Nonprofit Kft.", "social_enterprise", "HU-BU",
     "social_economy", ""),
    ("Dublin Work Integration Social Enterprise CLG", "social_enterprise", "IE-D",
     "social_economy", ""),
    ("Consorzio Formazione Sociale Milano", "education_provider", "IT-25", "education", ""),
    ("Vilniaus socialinio verslo asociacija", "association", "LT-VL", "social_economy", ""),
    ("Werkplaats Utrecht Sociale Onderneming BV", "social_enterprise", "NL-UT",
     "social_economy", ""),
    ("Spółdzielnia Socjalna Kraków", "social_enterprise", "PL-12", "social_economy", ""),
    ("Cooperativa de Inserção Lisboa CRL", "social_enterprise", "PT-11", "social_economy", ""),
    ("Arbetsintegrerande Sociala Företag Göteborg ek. för.", "social_enterprise", "SE-O",
     "social_economy", ""),
    ("Sociálny podnik Košice", "social_enterprise", "SK-KI", "social_economy", ""),
]

# Languages by the country part of a region code.
COUNTRY_LANGUAGE = {
    "AT": "de", "BE": "fr", "BG": "bg", "CZ": "cs", "DE": "de", "DK": "da", "EE": "et",
    "ES": "es", "FI": "fi", "FR": "fr", "GR": "el", "HR": "hr", "HU": "hu", "IE": "en",
    "IT": "it", "LT": "lt", "NL": "nl", "PL": "pl", "PT": "pt", "SE": "sv", "SK": "sk",
}
REGIONS_DE = ["DE-NW", "DE-NW", "DE-NW", "DE-BE", "DE-BE", "DE-HH", "DE-HE", "DE-NI",
              "DE-BY", "DE-BW", "DE-SN", "DE-RP"]


class Names:
    """Invented, unique person names and e-mail addresses."""

    def __init__(self, rng):
        self.rng = rng
        self.used_names = set()
        self.used_emails = set()

    def person(self, domain):
        while True:
            first = self.rng.choice(self.rng.choice([FIRST_NAMES_F, FIRST_NAMES_M]))
            last = self.rng.choice(SURNAMES)
            if (first, last) not in self.used_names:
                break
        self.used_names.add((first, last))
        local = f"{slug(first)}.{slug(last)}"
        email = f"{local}@{domain}"
        n = 2
        while email in self.used_emails:
            email = f"{local}{n}@{domain}"
            n += 1
        self.used_emails.add(email)
        return f"{first} {last}", email


def org_domain(name):
    words = [w for w in slug(name).split("-") if w not in ("e", "v", "gmbh", "ggmbh", "kg", "co")]
    return "-".join(words[:3]) + ".example"


def skills(rng, count, level_lo, level_hi):
    codes = rng.sample(FUTURE_SKILLS, k=min(count, 3)) + rng.sample(DIGCOMP, k=max(0, count - 3))
    return [{"code": c, "level": rng.randint(level_lo, level_hi)} for c in sorted(codes)]


def build():
    rng = random.Random(SEED)
    names = Names(rng)

    orgs = organisations()
    networks = []
    for net in NRW_NETWORKS:
        coord_ref = net["ref"] + ".coordinator"
        orgs.append((coord_ref, {"name": net["coordinator"][0], "kind": net["coordinator"][1],
                                 "region": NRW, "sector": net["sector"]}, "nrw"))
        member_refs = []
        for i, (name, kind, sector, vat) in enumerate(net["members"], 1):
            ref = f"{net['ref']}.member{i}"
            org = {"name": name, "kind": kind, "region": NRW, "sector": sector}
            if vat:
                org["vat_id"] = vat
            orgs.append((ref, org, "nrw"))
            member_refs.append(ref)
        networks.append({"ref": net["ref"], "name": net["name"], "kind": "training_network",
                         "focus": net["focus"], "area": net["area"], "region": NRW,
                         "coordinator_ref": coord_ref, "member_refs": member_refs})
    eu_refs = []
    for i, (name, kind, region, sector, vat) in enumerate(EU_PARTNERS, 1):
        ref = f"org.bwise.{i:02d}"
        org = {"name": name, "kind": kind, "region": region, "sector": sector}
        if vat:
            org["vat_id"] = vat
        orgs.append((ref, org, "bwise"))
        eu_refs.append(ref)
    networks.insert(0, {"ref": "net.bwise", "name": "B-WISE Konsortium", "kind": "consortium",
                        "focus": "Blueprint for Sectoral Cooperation on Skills in Work "
                                 "Integration Social Enterprises (Erasmus+)",
                        "area": "Europäische Union", "region": "EU",
                        "coordinator_ref": eu_refs[0], "member_refs": eu_refs})
    networks.insert(0, {"ref": "net.weq", "name": "WeQ-Netzwerk (Future Skills)",
                        "kind": "institute_network",
                        "focus": "Future Skills: Fördermitgliedschaft, WeQ-Communities, "
                                 "Think & Do Teams, über 60 Expert:innen",
                        "area": "Essen (Zeche Zollverein) und Berlin", "region": "DE",
                        "coordinator_ref": "org.institute.essen",
                        "member_refs": ["org.institute.berlin"]})
    org_by_ref = {ref: org for ref, org, _ in orgs}
    employers = [ref for ref, _, group in orgs if group in ("nrw", "supporters")]

    persons = []
    memberships = []

    def add_person(ref, org_ref, region, sector, languages, skill_list, interests, visible,
                   federate, profile=None):
        domain = org_domain(org_by_ref[org_ref]["name"]) if org_ref else rng.choice(
            ["posteo-mail.example", "mailbox-de.example", "web-post.example",
             "freiberuflich.example"])
        name, email = names.person(domain)
        person = {"name": name, "email": email, "region": region, "sector": sector,
                  "languages": languages, "skills": skill_list, "interests": interests,
                  "consents": {"visible_in_network": visible, "federate": federate}}
        item = {"ref": ref, "person": person}
        if org_ref:
            item["organization_ref"] = org_ref
        if profile:
            item["expert_profile"] = profile
        persons.append(item)

    def add_membership(ref, holder_ref, holder_kind, mtype, transitions, cents=None):
        m = {"ref": ref, "holder_ref": holder_ref, "holder_kind": holder_kind,
             "membership": {"type": mtype}, "transitions": transitions}
        if cents is not None:
            m["membership"]["yearly_contribution"] = {"cents": cents, "currency": "EUR"}
        memberships.append(m)

    def transitions_for(i, plan):
        """plan: list of (count, [actions...]) applied to indices in order."""
        start = 0
        for count, actions in plan:
            if i < start + count:
                return [dict(a) for a in actions]
            start += count
        return [{"action": "approve"}]

    approve = {"action": "approve", "reason": "Aufnahme bestätigt"}
    suspend = {"action": "suspend", "reason": "Beitrag in Klärung"}
    resume = {"action": "resume", "reason": "Beitrag eingegangen"}
    terminate = {"action": "terminate", "reason": "Kündigung zum Jahresende"}

    # ~40 supporting members (persons) with self-assessed yearly contributions, 60..1200 EUR.
    supporting_plan = [(31, [approve]), (4, []), (2, [approve, suspend]),
                       (1, [approve, suspend, resume]), (2, [approve, terminate])]
    contribution_steps = [60, 60, 80, 100, 120, 120, 150, 180, 200, 240, 250, 300, 360, 400,
                          480, 500, 600, 750, 900, 1000, 1200]
    for i in range(40):
        ref = f"person.supporter{i + 1:02d}"
        org_ref = rng.choice(employers) if rng.random() < 0.45 else ""
        region = org_by_ref[org_ref]["region"] if org_ref else rng.choice(REGIONS_DE)
        sector = org_by_ref[org_ref]["sector"] if org_ref else rng.choice(SECTORS_PERSON)
        langs = ["de"] + (["en"] if rng.random() < 0.8 else []) + (
            [rng.choice(["fr", "tr", "pl", "es", "nl", "it"])] if rng.random() < 0.2 else [])
        add_person(ref, org_ref, region, sector, langs,
                   skills(rng, rng.randint(1, 4), 1, 4),
                   sorted(rng.sample(INTERESTS, k=rng.randint(1, 3))),
                   rng.random() < 0.85, rng.random() < 0.4)
        cents = rng.choice(contribution_steps) * 100
        add_membership(f"membership.{ref}", ref, "person", "supporting",
                       transitions_for(i, supporting_plan), cents)

    # Institutions as supporting members (self-assessed, higher contributions).
    for i, (ref, _, group) in enumerate([o for o in orgs if o[2] == "supporters"]):
        cents = [500, 750, 1000, 1200, 1500, 2000, 2500, 600][i] * 100
        trans = [approve] if i != 5 else []
        add_membership(f"membership.{ref}", ref, "organization", "supporting",
                       [dict(t) for t in trans], cents)

    # 60 experts (Expert:innen, Prozessbegleiter:innen, Coaches) with profiles.
    consultancies = []
    for i, name in enumerate(["Zukunftswerkstatt Ruhr GmbH", "Prozesspartner Spree GmbH",
                              "Lernraum Rheinland Coaching GbR"]):
        ref = f"org.consultancy{i + 1}"
        region = [NRW, "DE-BE", NRW][i]
        orgs.append((ref, {"name": name, "kind": "company", "region": region,
                           "sector": "consulting",
                           "vat_id": ["DE309127744", "DE320556218", "DE314402679"][i]},
                     "experts"))
        org_by_ref[ref] = orgs[-1][1]
        consultancies.append(ref)
    expert_plan = [(54, [approve]), (3, []), (2, [approve, suspend]), (1, [approve, terminate])]
    for i in range(60):
        ref = f"person.expert{i + 1:02d}"
        org_ref = consultancies[i % 3] if i % 5 == 0 else ""
        region = org_by_ref[org_ref]["region"] if org_ref else rng.choice(REGIONS_DE)
        langs = ["de", "en"] + ([rng.choice(["fr", "es", "it", "nl", "tr", "pl", "ar"])]
                                if rng.random() < 0.35 else [])
        hourly = rng.randrange(80, 181, 5)
        day = min(1400, max(600, int(round(hourly * 7.5 / 50.0)) * 50))
        served = sorted({region, rng.choice(REGIONS_DE)} | ({NRW} if rng.random() < 0.5 else set()))
        profile = {
            "competences": skills(rng, rng.randint(3, 6), 3, 5),
            "hourly_rate": {"cents": hourly * 100, "currency": "EUR"},
            "day_rate": {"cents": day * 100, "currency": "EUR"},
            "languages": langs,
            "regions": served,
            "remote": rng.random() < 0.7,
            "hours_per_month": rng.choice([8, 12, 16, 20, 24, 32, 40, 60, 80]),
        }
        add_person(ref, org_ref, region, "consulting", langs,
                   skills(rng, rng.randint(2, 4), 2, 5),
                   sorted(rng.sample(INTERESTS, k=rng.randint(2, 4))),
                   True, rng.random() < 0.75, profile)
        add_membership(f"membership.{ref}", ref, "person", "expert",
                       transitions_for(i, expert_plan))

    # One contact person per NRW network coordinator and per B-WISE partner.
    for net in networks:
        if net["kind"] != "training_network":
            continue
        ref = f"person.contact.{net['ref'][4:]}"
        add_person(ref, net["coordinator_ref"], NRW, "education", ["de", "en"],
                   skills(rng, 2, 2, 4), ["Weiterbildungsverbünde", "Knowledge-Café"],
                   True, True)
    for i, oref in enumerate(eu_refs):
        org = org_by_ref[oref]
        lang = COUNTRY_LANGUAGE[org["region"].split("-")[0]]
        ref = f"person.contact.bwise{i + 1:02d}"
        add_person(ref, oref, org["region"], org["sector"], sorted({lang, "en"}),
                   skills(rng, 2, 2, 4), ["Soziale Innovation", "Inklusion"],
                   True, rng.random() < 0.5)

    # Organisations: NRW network members are community members, coordinators and B-WISE
    # partners are partners of the node.
    for net in networks:
        if net["kind"] == "training_network":
            add_membership(f"membership.{net['coordinator_ref']}", net["coordinator_ref"],
                           "organization", "partner", [dict(approve)])
            for j, mref in enumerate(net["member_refs"]):
                add_membership(f"membership.{mref}", mref, "organization", "community",
                               [] if j == len(net["member_refs"]) - 1 and j % 2 == 0
                               else [dict(approve)])
    for i, oref in enumerate(eu_refs):
        add_membership(f"membership.{oref}", oref, "organization", "partner",
                       [] if i == 29 else [dict(approve)])
    add_membership("membership.org.forum_wbv", "org.forum_wbv", "organization", "partner",
                   [dict(approve)])

    return orgs, persons, memberships, networks


def check_codes(persons):
    taxonomy = os.path.join(HERE, "..", "..", "services", "membership", "migrations",
                            "0002_taxonomy.sql")
    if not os.path.exists(taxonomy):
        print("note: %s does not exist yet; codes not checked" % taxonomy)
        return
    with open(taxonomy, encoding="utf-8") as f:
        known = set(re.findall(r"'((?:fs|dc)\.[a-z0-9_.]+)'", f.read()))
    used = set()
    for p in persons:
        used |= {s["code"] for s in p["person"]["skills"]}
        if "expert_profile" in p:
            used |= {s["code"] for s in p["expert_profile"]["competences"]}
    unknown = sorted(used - known)
    if unknown:
        raise SystemExit("codes missing from the taxonomy: %s" % ", ".join(unknown))


def write(name, about, items):
    path = os.path.join(HERE, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"about": about, "items": items}, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print("wrote %s (%d items)" % (os.path.relpath(path), len(items)))


def main():
    orgs, persons, memberships, networks = build()
    check_codes(persons)
    write("organizations.json",
          "Organisations (POST /v1/organizations); ref is local to the demo data.",
          [{"ref": ref, "group": group, "organization": org} for ref, org, group in orgs])
    write("persons.json",
          "Persons (POST /v1/persons) and expert profiles (PUT /v1/persons/{id}/expert-profile);"
          " organization_ref names an organisation of organizations.json.",
          persons)
    write("memberships.json",
          "Memberships (POST /v1/memberships), then each transition in order "
          "(POST /v1/memberships/{id}/{action}); holder_ref names a person or organisation.",
          memberships)
    write("networks.json",
          "The networks of the seeds and their member organisations (for the communities "
          "service; not loaded by scripts/demo-load yet).",
          networks)


if __name__ == "__main__":
    main()
