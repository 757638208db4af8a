"""data/demo/load_40_matchmaking.py - matchmaking data of the seeds, loaded by scripts/demo-load
after organisations, persons and memberships: project needs of the institute's supporting
members (matched to its 60+ experts), qualification needs of the companies in the NRW training
networks (Weiterbildungsverbünde), the digital skill gaps of the B-WISE consortium's social
enterprises (the consortium's skill-gap survey), training offers of the education providers in
organizations.json, and ratings of those offers by members ("the wisdom of the many" in
choosing a training provider). The data is drawn deterministically (a fixed seed), so a second
run sends the same bodies; idempotency keys f"{key_prefix}/need/<ref>",
f"{key_prefix}/offer/<ref>" and f"{key_prefix}/rating/<offer ref>/<person ref>" make it create
nothing twice (a rating repeated later replaces the same stars).
Does not: create persons, organisations or expert profiles (scripts/demo-load did), or events."""

import json
import os
import random
import time

# Member projects of the institute's supporters (WeQ-Partnerschaftsmodell: "Konkrete Vorhaben
# und Projekte ... zusammen mit Partner:innen aus dem Netzwerk der über 60 Future Skills
# Expert:innen"): title and required Future Skills / DigComp competences with target levels.
MEMBER_PROJECTS = [
    ("Think & Do Team: Nachhaltige Transformation im Quartier",
     [("fs.sustainability", 4), ("fs.transformation", 4), ("fs.facilitation", 3)]),
    ("Führungskräfte-Coaching für agile Zusammenarbeit",
     [("fs.coaching", 4), ("fs.agility", 4), ("fs.collaboration", 3)]),
    ("KI-Kompetenz in der Verwaltung aufbauen",
     [("fs.ai_literacy", 4), ("dc.5.3", 3), ("fs.systems_thinking", 3)]),
    ("Dialogveranstaltung Future Skills im Mittelstand moderieren",
     [("fs.facilitation", 5), ("fs.future_mindset", 3)]),
    ("Interkulturelle Teams in der Pflege begleiten",
     [("fs.intercultural", 4), ("fs.reflection", 3), ("fs.coaching", 3)]),
    ("Peer-Learning-Programm für Auszubildende",
     [("fs.peer_learning", 4), ("fs.self_efficacy", 3), ("dc.2.4", 3)]),
    ("Digitale Zusammenarbeit im Ehrenamt",
     [("dc.2.4", 4), ("dc.2.1", 3), ("fs.networking", 3)]),
    ("Werteorientierte Strategieentwicklung",
     [("fs.values_orientation", 4), ("fs.systems_thinking", 4), ("fs.co_creativity", 3)]),
    ("Workshopreihe Problemlösen mit Design-Methoden",
     [("fs.problem_solving", 5), ("fs.co_creativity", 4)]),
    ("Datenschutz und Sicherheit im Verein",
     [("dc.4.1", 4), ("dc.4.2", 4), ("dc.2.6", 3)]),
    ("Netzwerkaufbau für regionale Bildungsakteure",
     [("fs.networking", 4), ("fs.action_competence", 3)]),
    ("Veränderungsprozess Digitalisierung begleiten",
     [("fs.transformation", 5), ("fs.digital_literacy", 4), ("fs.reflection", 3)]),
]

# Qualification needs of companies in the NRW training networks (Qualifizierungsbedarf:
# digital work, Industrie 4.0, care documentation).
COMPANY_NEEDS = [
    ("Qualifizierung Digitalisierung in der Produktion",
     [("dc.5.2", 3), ("dc.1.3", 3), ("fs.digital_literacy", 3)]),
    ("Weiterbildung digitale Kommunikation im Team",
     [("dc.2.1", 3), ("dc.2.4", 3), ("fs.collaboration", 3)]),
    ("Datensicherheit für Beschäftigte",
     [("dc.4.1", 3), ("dc.4.2", 3)]),
    ("Problemlösen mit digitalen Werkzeugen",
     [("dc.5.1", 3), ("dc.5.3", 3), ("fs.problem_solving", 3)]),
]

# The B-WISE skill-gap survey: digital competences of staff in work integration social
# enterprises (Erhebung der (digitalen) Qualifikationsdefizite in Sozialen Unternehmen).
SURVEY_GAPS = [
    ("Digitale Grundkompetenzen der Anleitenden",
     [("dc.1.1", 3), ("dc.2.1", 3), ("dc.3.1", 2)]),
    ("Digitale Teilhabe der Zielgruppen fördern",
     [("dc.2.2", 3), ("dc.4.3", 3), ("fs.self_efficacy", 3)]),
    ("Sicherer Umgang mit Daten in der Sozialwirtschaft",
     [("dc.4.2", 3), ("dc.2.6", 3)]),
]

# Offer templates of the education providers: title, competences with the level reached,
# price in cents, format.
OFFER_TEMPLATES = [
    ("Digitale Kommunikation und Zusammenarbeit", [("dc.2.1", 3), ("dc.2.4", 4)], 39000, "online"),
    ("Datenschutz und IT-Sicherheit kompakt", [("dc.4.1", 4), ("dc.4.2", 3)], 45000, "on_site"),
    ("Industrie 4.0: Daten verstehen und nutzen", [("dc.1.3", 3), ("dc.5.2", 4)], 89000,
     "on_site"),
    ("Problemlösen mit digitalen Werkzeugen", [("dc.5.1", 3), ("dc.5.3", 4),
                                               ("fs.problem_solving", 3)], 52000, "online"),
    ("Grundlagen digitaler Kompetenzen (DigComp)", [("dc.1.1", 3), ("dc.2.1", 3),
                                                    ("dc.3.1", 2)], 18000, "online"),
    ("Digitale Teilhabe gestalten", [("dc.2.2", 3), ("dc.4.3", 3), ("fs.self_efficacy", 3)],
     24000, "on_site"),
    ("Agile Zusammenarbeit und Moderation", [("fs.agility", 3), ("fs.facilitation", 4),
                                             ("fs.collaboration", 3)], 65000, "on_site"),
    ("KI im Arbeitsalltag", [("fs.ai_literacy", 3), ("fs.digital_literacy", 3)], 29000, "online"),
]


def _status(error):
    return getattr(error, "status", None)


def _call_retrying(client, method, path, body, key):
    """A write that the read model may refuse for a moment (422: an organisation created a
    moment ago is not in the matchmaking read model yet)."""
    for attempt in range(20):
        try:
            return client.call(method, path, body, key=key)
        except Exception as error:  # scripts/demo-load's ApiError
            if _status(error) != 422 or attempt == 19:
                raise
            time.sleep(0.25)
    return None


def _competences(pairs):
    return [{"code": code, "level": level} for code, level in pairs]


def load(client, ids, counts, key_prefix, data_dir, progress):
    rng = random.Random(4040)
    with open(os.path.join(data_dir, "organizations.json"), encoding="utf-8") as f:
        organizations = json.load(f)["items"]
    with open(os.path.join(data_dir, "persons.json"), encoding="utf-8") as f:
        persons = json.load(f)["items"]
    regions = {item["ref"]: item["organization"].get("region", "") for item in organizations}

    # 1. member projects of supporting members, to be matched to the institute's experts
    supporters = [p for p in persons if p["ref"].startswith("person.supporter")]
    for i, (title, competences) in enumerate(MEMBER_PROJECTS):
        owner = supporters[(i * 3) % len(supporters)]
        ref = f"need.member.{i + 1:02d}"
        hours = rng.choice([16, 24, 40, 60, 80])
        body = {"owner_person_id": ids[owner["ref"]], "title": title,
                "competences": _competences(competences),
                "budget": {"cents": hours * rng.choice([9000, 11000, 13000]), "currency": "EUR"},
                "hours": hours, "languages": ["de"],
                "region": owner["person"].get("region", ""), "remote": rng.random() < 0.6,
                "starts_on": "2027-0%d-01" % rng.randint(1, 6),
                "ends_on": "2027-12-31"}
        created = client.call("POST", "/v1/needs", body, key=f"{key_prefix}/need/{ref}")
        ids[ref] = created["id"]
        counts["needs"] = counts.get("needs", 0) + 1

    # 2. qualification needs of the training networks' companies
    companies = [o for o in organizations
                 if o["group"] == "nrw" and o["organization"]["kind"] == "company"]
    for i, company in enumerate(companies):
        title, competences = COMPANY_NEEDS[i % len(COMPANY_NEEDS)]
        ref = f"need.{company['ref']}"
        body = {"owner_organization_id": ids[company["ref"]], "title": title,
                "competences": _competences(competences), "hours": rng.choice([16, 24, 32]),
                "languages": ["de"], "region": regions[company["ref"]], "remote": False}
        created = client.call("POST", "/v1/needs", body, key=f"{key_prefix}/need/{ref}")
        ids[ref] = created["id"]
        counts["needs"] = counts.get("needs", 0) + 1

    # 3. the consortium's skill-gap survey: one need per social enterprise
    enterprises = [o for o in organizations
                   if o["group"] == "bwise" and o["organization"]["kind"] == "social_enterprise"]
    for i, enterprise in enumerate(enterprises):
        title, competences = SURVEY_GAPS[i % len(SURVEY_GAPS)]
        ref = f"need.{enterprise['ref']}"
        body = {"owner_organization_id": ids[enterprise["ref"]],
                "title": f"B-WISE Bedarfserhebung: {title}",
                "competences": _competences(competences), "languages": ["en"],
                "region": regions[enterprise["ref"]], "remote": True}
        created = client.call("POST", "/v1/needs", body, key=f"{key_prefix}/need/{ref}")
        ids[ref] = created["id"]
        counts["needs"] = counts.get("needs", 0) + 1
    progress(f"{counts.get('needs', 0)} needs")

    # 4. training offers of the education providers
    providers = [o for o in organizations if o["organization"]["kind"] == "education_provider"]
    offer_refs = []
    for p, provider in enumerate(providers):
        for n in range(3):
            title, competences, price, form = OFFER_TEMPLATES[(p * 3 + n) % len(OFFER_TEMPLATES)]
            ref = f"offer.{provider['ref']}.{n + 1}"
            body = {"provider_organization_id": ids[provider["ref"]],
                    "title": f"{title} ({provider['organization']['name'][:40]})",
                    "competences": _competences(competences),
                    "price": {"cents": price + rng.randint(-5, 5) * 1000, "currency": "EUR"},
                    "region": regions[provider["ref"]], "format": form,
                    "starts_on": "2027-0%d-15" % rng.randint(2, 9)}
            created = _call_retrying(client, "POST", "/v1/offers", body,
                                     f"{key_prefix}/offer/{ref}")
            ids[ref] = created["id"]
            offer_refs.append(ref)
            counts["training offers"] = counts.get("training offers", 0) + 1
    progress(f"{counts.get('training offers', 0)} training offers")

    # 5. ratings: some offers get many (mostly good) ratings, some only one or two
    raters = [p["ref"] for p in persons if not p["ref"].startswith("person.expert")]
    for i, offer_ref in enumerate(offer_refs):
        how_many = rng.choice([0, 1, 2, 5, 12, 25])
        mean = rng.choice([3.6, 4.1, 4.5, 4.7])
        for person_ref in rng.sample(raters, min(how_many, len(raters))):
            stars = max(1, min(5, round(rng.gauss(mean, 0.7))))
            client.call("POST", f"/v1/offers/{ids[offer_ref]}/ratings",
                        {"person_id": ids[person_ref], "stars": stars},
                        key=f"{key_prefix}/rating/{offer_ref}/{person_ref}")
            counts["ratings"] = counts.get("ratings", 0) + 1
    progress(f"{counts.get('ratings', 0)} ratings")
