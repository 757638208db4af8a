"""data/demo/load_30_events.py - the events of the seeds, loaded by scripts/demo-load after
persons, organisations, memberships and communities:
 - the NRW network meeting of the seven training networks on 17 August 2023 on the Digital
   Campus Zollverein in Essen ("Stärken bündeln, Zukunft gestalten"), with the seven pitches on
   its agenda, a knowledge café with six moderated theme tables (two rounds, some seats) and a
   market of possibilities with one booth per network;
 - the B-WISE consortium's online kick-off on 26-27 January 2021;
 - the institute's workshop series on the Future Campus Zollverein: every second Tuesday at
   17:00 Europe/Berlin (an RRULE), starting on the first Tuesday at least a week from today;
 - the peer-to-peer academy's weekly one-hour peer calls (an RRULE), online;
 - dialogue events, live webinars and a summit of the institute, in the coming months;
 - registrations of supporting members for the future ones (some end up on a waitlist).
Idempotency keys f"{key_prefix}/event.../<ref>" make a second run create nothing twice; after
the keys expired (24 h) events are found by title, tables/booths/agenda items by their text and
registrations by the 409 of a second registration.
Does not: create persons, organisations or communities (earlier loaders did)."""

import datetime


def _status(error):
    return getattr(error, "status", None)


def _items(client, path, query=None):
    """Every item of a paged list (or of a list without pages)."""
    query = dict(query or {})
    query["limit"] = 200
    while True:
        page = client.call("GET", path, query=query)
        for item in page.get("items", []):
            yield item
        if not page.get("next_cursor"):
            return
        query["cursor"] = page["next_cursor"]


def _all(client, path):
    return list(client.call("GET", path).get("items", []))


def _local(day, hour, minute=0):
    return datetime.datetime(day.year, day.month, day.day, hour, minute).isoformat()


def _next_weekday(start, weekday):
    """The first date >= start that is weekday (0 = Monday)."""
    return start + datetime.timedelta(days=(weekday - start.weekday()) % 7)


NETWORKS = ["niederrhein", "win40", "kowemi", "gewin", "ruhr", "pep40", "owl"]
NETWORK_NAMES = {
    "niederrhein": "Weiterbildungsverbund Niederrhein",
    "win40": "WIN 4.0",
    "kowemi": "KoWeMi – Koordinierungsstelle mIQu",
    "gewin": "GEWIN – gemeinsam Weiterbilden im Netzwerk",
    "ruhr": "Weiterbildungsverbund Ruhr",
    "pep40": "PEP 4.0",
    "owl": "Weiterbildungsverbund OWL",
}
CAFE_TABLES = [
    "Kooperation mit externen Akteuren",
    "Kooperation der Weiterbildungsverbünde untereinander",
    "KMU für die Mitarbeit gewinnen",
    "Bildungseinrichtungen aktivieren",
    "Neue Weiterbildungskonzepte etablieren",
    "Verstetigung der Verbundarbeit",
]
ZOLLVEREIN_DIGITAL = {"name": "Digital Campus Zollverein",
                      "address": "Katernberger Str. 107, 45327 Essen"}
ZOLLVEREIN_FUTURE = {"name": "Future Campus Zollverein",
                     "address": "Gelsenkirchener Str. 181, 45309 Essen"}


def _events(ids, today):
    """(ref, event body) in load order; dates of future events relative to today."""
    series_start = _next_weekday(today + datetime.timedelta(days=7), 1)  # a Tuesday
    calls_start = _next_weekday(today + datetime.timedelta(days=7), 3)  # a Thursday
    soon = today + datetime.timedelta(days=21)
    community = lambda ref: ids.get(ref, "")  # noqa: E731 (a missing community stays unset)
    out = [
        ("event.nrw.netzwerktreffen.2023", {
            "title": "Netzwerktreffen der Weiterbildungsverbünde in NRW: "
                     "Stärken bündeln, Zukunft gestalten",
            "description": "Sieben Weiterbildungsverbünde aus NRW stellen sich in Pitches vor, "
                           "präsentieren sich auf einem Markt der Möglichkeiten und diskutieren "
                           "im Knowledge-Café an sechs moderierten Thementischen. Eingeladen "
                           "hat das forum wbv.",
            "kind": "network_meeting", "organiser_person_id": ids["person.supporter20"],
            "start_local": "2023-08-17T09:30:00", "end_local": "2023-08-17T16:00:00",
            "time_zone": "Europe/Berlin", "venue": ZOLLVEREIN_DIGITAL, "capacity": 80,
            "language": "de", "topics": ["fs.networking", "fs.collaboration"],
            "rounds": 2, "public": True}),
        ("event.bwise.kickoff", {
            "title": "B-WISE Kick-off Meeting",
            "description": "Die 30 Partnerorganisationen des B-WISE-Konsortiums lernen sich "
                           "kennen und einigen sich auf Arbeitsplan und nächste Schritte.",
            "kind": "kickoff", "organiser_person_id": ids["person.contact.bwise01"],
            "community_id": community("community.bwise"),
            "start_local": "2021-01-26T09:00:00", "end_local": "2021-01-27T17:00:00",
            "time_zone": "Europe/Brussels",
            "online_url": "https://meet.example.org/b-wise-kickoff", "capacity": 60,
            "language": "en", "topics": ["dc.2.4", "fs.digital_literacy"], "public": True}),
        ("event.weq.workshopreihe", {
            "title": "Workshopreihe Future Skills auf dem Future Campus Zollverein",
            "description": "Je ein Future-Skills-Modul pro Termin, alle zwei Wochen dienstags.",
            "kind": "workshop", "organiser_person_id": ids["person.expert01"],
            "community_id": community("community.weq.mittelstand"),
            "start_local": _local(series_start, 17), "end_local": _local(series_start, 19),
            "time_zone": "Europe/Berlin", "venue": ZOLLVEREIN_FUTURE, "capacity": 12,
            "rrule": "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=10",
            "price_member": {"cents": 0, "currency": "EUR"},
            "price_non_member": {"cents": 9500, "currency": "EUR"},
            "language": "de", "topics": ["fs.collaboration", "fs.reflection"], "public": True}),
        ("event.p2p.peer_calls", {
            "title": "Peer-to-Peer Call der Academy",
            "description": "Eine Stunde kollegiale Beratung, aufgezeichnet und dokumentiert.",
            "kind": "peer_call", "organiser_person_id": ids["person.expert08"],
            "community_id": community("community.p2p.academy"),
            "start_local": _local(calls_start, 12), "end_local": _local(calls_start, 13),
            "time_zone": "Europe/Berlin",
            "online_url": "https://meet.example.org/peer-to-peer-academy", "capacity": 15,
            "rrule": "FREQ=WEEKLY;BYDAY=TH;COUNT=12", "language": "de",
            "topics": ["fs.peer_learning", "dc.2.4"], "public": False}),
        ("event.weq.dialog.verwaltung", {
            "title": "Dialogveranstaltung: Future Skills in der Verwaltung",
            "kind": "dialogue", "organiser_person_id": ids["person.supporter04"],
            "community_id": community("community.weq.verwaltung"),
            "start_local": _local(soon, 14), "end_local": _local(soon, 17),
            "time_zone": "Europe/Berlin",
            "venue": {"name": "WeQ Institute Berlin", "address": "Pariser Platz, 10117 Berlin"},
            "capacity": 30, "language": "de",
            "topics": ["fs.transformation", "fs.values_orientation"], "public": True}),
        ("event.weq.webinar.ki", {
            "title": "Live-Webinar: KI-Kompetenz als Future Skill",
            "kind": "webinar", "organiser_person_id": ids["person.expert02"],
            "community_id": community("community.tdt.ki"),
            "start_local": _local(soon + datetime.timedelta(days=9), 10),
            "end_local": _local(soon + datetime.timedelta(days=9), 11, 30),
            "time_zone": "Europe/Berlin",
            "online_url": "https://meet.example.org/webinar-ki", "capacity": 3,
            "language": "de", "topics": ["fs.ai_literacy", "dc.5.3"], "public": True}),
        ("event.weq.webinar.fuehrung", {
            "title": "Live-Webinar: Führen in Netzwerken",
            "kind": "webinar", "organiser_person_id": ids["person.expert05"],
            "community_id": community("community.tdt.fuehrung"),
            "start_local": _local(soon + datetime.timedelta(days=16), 10),
            "end_local": _local(soon + datetime.timedelta(days=16), 11, 30),
            "time_zone": "Europe/Berlin",
            "online_url": "https://meet.example.org/webinar-fuehrung", "capacity": 100,
            "language": "de", "topics": ["fs.agility", "fs.facilitation"], "public": True}),
        ("event.weq.summit", {
            "title": "Future Skills Summit",
            "description": "Erfahrungen aus allen Initiativen des Netzwerks vernetzen.",
            "kind": "summit", "organiser_person_id": ids["person.expert01"],
            "start_local": _local(soon + datetime.timedelta(days=60), 9),
            "end_local": _local(soon + datetime.timedelta(days=60), 18),
            "time_zone": "Europe/Berlin", "venue": ZOLLVEREIN_DIGITAL,
            "online_url": "https://stream.example.org/future-skills-summit", "capacity": 250,
            "price_member": {"cents": 0, "currency": "EUR"},
            "price_non_member": {"cents": 14900, "currency": "EUR"},
            "language": "de", "topics": ["fs.future_mindset", "fs.networking"], "public": True}),
    ]
    for _, body in out:
        if not body.get("community_id"):
            body.pop("community_id", None)
    return out


def _meeting_parts(client, ids, key_prefix, event_id, counts):
    """Agenda (pitches), booths (market of possibilities) and café tables of the NRW meeting."""
    agenda = {a["title"] for a in _all(client, f"/v1/events/{event_id}/agenda")}
    booths = {b["project_name"] for b in _all(client, f"/v1/events/{event_id}/booths")}
    tables = {t["topic"]: t["id"] for t in _all(client, f"/v1/events/{event_id}/tables")}
    for n, short in enumerate(NETWORKS):
        start = datetime.datetime(2023, 8, 17, 10, 45) + datetime.timedelta(minutes=8 * n)
        title = f"Pitch: {NETWORK_NAMES[short]}"
        if title not in agenda:
            speaker = ids.get(f"person.contact.{short}")
            client.call("POST", f"/v1/events/{event_id}/agenda", {
                "kind": "pitch", "title": title, "start_local": start.isoformat(),
                "end_local": (start + datetime.timedelta(minutes=7)).isoformat(),
                "speaker_person_ids": [speaker] if speaker else []},
                key=f"{key_prefix}/event-agenda/nrw/{short}")
            counts["agenda items"] += 1
        if NETWORK_NAMES[short] not in booths:
            booth = {"project_name": NETWORK_NAMES[short],
                     "description": f"Stand von {NETWORK_NAMES[short]} auf dem Markt der "
                                    "Möglichkeiten"}
            organization = ids.get(f"net.{short}.coordinator")
            if organization:
                booth["organization_id"] = organization
            client.call("POST", f"/v1/events/{event_id}/booths", booth,
                        key=f"{key_prefix}/event-booth/nrw/{short}")
            counts["booths"] += 1
    panel = "Podium: Bildungspolitische Entwicklungen in NRW"
    if panel not in agenda:
        client.call("POST", f"/v1/events/{event_id}/agenda", {
            "kind": "panel", "title": panel, "start_local": "2023-08-17T10:00:00",
            "end_local": "2023-08-17T10:40:00"}, key=f"{key_prefix}/event-agenda/nrw/panel")
        counts["agenda items"] += 1
    for n, topic in enumerate(CAFE_TABLES):
        if topic in tables:
            continue
        moderator = ids.get(f"person.contact.{NETWORKS[n]}")
        table = {"topic": topic, "capacity": 5}
        if moderator:
            table["moderator_person_id"] = moderator
        created = client.call("POST", f"/v1/events/{event_id}/tables", table,
                              key=f"{key_prefix}/event-table/nrw/{n}")
        tables[topic] = created["id"]
        counts["café tables"] += 1
    # two rounds: the seven network contacts move one table on after the first round
    table_ids = [tables[t] for t in CAFE_TABLES]
    assignments = []
    for n, short in enumerate(NETWORKS):
        person = ids.get(f"person.contact.{short}")
        if not person:
            continue
        for round_number in (1, 2):
            assignments.append({"round": round_number, "person_id": person,
                                "table_id": table_ids[(n + round_number - 1) % len(table_ids)]})
    if assignments:
        client.call("POST", f"/v1/events/{event_id}/tables/assignments",
                    {"assignments": assignments, "replace": True},
                    key=f"{key_prefix}/event-assignments/nrw")


def _register(client, key_prefix, event_id, ref, person_id, person_ref, counts,
              occurrence_id=None):
    body = {"person_id": person_id}
    if occurrence_id:
        body["occurrence_id"] = occurrence_id
    try:
        client.call("POST", f"/v1/events/{event_id}/registrations", body,
                    key=f"{key_prefix}/event-registration/{ref}/{person_ref}")
        counts["registrations"] += 1
    except Exception as e:  # scripts/demo-load's ApiError
        if _status(e) != 409:  # already registered (the key expired)
            raise


def load(client, ids, counts, key_prefix, data_dir, progress):
    del data_dir  # the events are written here, from the seeds' texts
    for name in ("events", "agenda items", "booths", "café tables", "registrations"):
        counts.setdefault(name, 0)
    existing = {e["title"]: e for e in _items(client, "/v1/events")}
    event_ids = {}
    for ref, body in _events(ids, datetime.date.today()):
        event = existing.get(body["title"])
        if event is None:
            event = client.call("POST", "/v1/events", body, key=f"{key_prefix}/event/{ref}")
            counts["events"] += 1
        event_ids[ref] = event["id"]
        ids[ref] = event["id"]
        progress(f"event {body['title']}")
    _meeting_parts(client, ids, key_prefix, event_ids["event.nrw.netzwerktreffen.2023"], counts)
    # supporting members register for what is still ahead
    supporters = [f"person.supporter{i:02d}" for i in range(1, 41) if f"person.supporter{i:02d}" in ids]
    plan = [("event.weq.workshopreihe", supporters[:14]),  # 12 seats: two wait
            ("event.weq.dialog.verwaltung", supporters[10:22]),
            ("event.weq.webinar.ki", supporters[20:25]),  # 3 seats: two wait
            ("event.weq.webinar.fuehrung", supporters[:30]),
            ("event.weq.summit", supporters)]
    for ref, persons in plan:
        for person_ref in persons:
            _register(client, key_prefix, event_ids[ref], ref, ids[person_ref], person_ref,
                      counts)
    # peer calls: some experts come to the first calls only
    calls = event_ids["event.p2p.peer_calls"]
    occurrences = _all(client, f"/v1/events/{calls}/occurrences")
    experts = [f"person.expert{i:02d}" for i in range(8, 20) if f"person.expert{i:02d}" in ids]
    for n, occurrence in enumerate(occurrences[:3]):
        for person_ref in experts[n * 4:(n + 1) * 4]:
            _register(client, key_prefix, calls, f"event.p2p.peer_calls/{n}", ids[person_ref],
                      person_ref, counts, occurrence_id=occurrence["id"])
    progress("event registrations")
