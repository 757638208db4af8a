#!/usr/bin/python3
"""events_calendar.py - the events service's iCalendar feeds read by an independent parser.

Debian's own /usr/bin/python3 with python3-icalendar (and pytz) reads what the gateway serves:
a weekly workshop series at 17:00 Europe/Berlin that crosses the end of summer time (first
occurrence on the Tuesday twelve days before the last Sunday of October next year, COUNT=6) and
a one-off webinar with an online URL, both public. It checks GET /v1/events/{id}.ics and the
public GET /v1/calendar.ics (without a token): every occurrence at 17:00 local time while the
UTC hour moves from 15 to 16, a VTIMEZONE for Europe/Berlin, the online URL only for those who
may see it and never in the public feed, UIDs stable across fetches, SEQUENCE raised after a
PATCH, STATUS:CANCELLED after POST /v1/events/{id}/cancel.
Does not: test registrations, personal feeds or the community feed (integration tests do), or
the rendering details (tests/unit/test_events_ical.c).

Environment: VB_TEST_NODE_DIR (the node fixture's directory with its env file). Exit 0 when
every check passed.
"""
import datetime
import json
import os
import sys
import urllib.error
import urllib.request
import uuid

from icalendar import Calendar

BERLIN = "Europe/Berlin"
RRULE = "FREQ=WEEKLY;BYDAY=TU;COUNT=6"

failures = []


def check(condition, message):
    """Records a failed check (the test goes on so one run shows every problem)."""
    if not condition:
        failures.append(message)
        print("FAIL: " + message, file=sys.stderr)
    return condition


def read_env():
    node_dir = os.environ.get("VB_TEST_NODE_DIR")
    if not node_dir:
        sys.exit("VB_TEST_NODE_DIR is not set (run through ctest with the node fixture)")
    env = {}
    with open(os.path.join(node_dir, "env"), encoding="utf-8") as handle:
        for line in handle:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                env[key] = value
    for key in ("VB_TEST_HTTP_URL", "VB_TEST_ADMIN_TOKEN"):
        if not env.get(key):
            sys.exit("%s/env has no %s" % (node_dir, key))
    return env


def http(env, method, path, body=None, token=True, headers=None):
    """One HTTP request; (status, headers, body bytes), also for 4xx/5xx answers."""
    all_headers = {"Content-Type": "application/json"}
    if token:
        all_headers["Authorization"] = "Bearer " + env["VB_TEST_ADMIN_TOKEN"]
    all_headers.update(headers or {})
    request = urllib.request.Request(
        env["VB_TEST_HTTP_URL"] + path, method=method,
        data=json.dumps(body).encode() if body is not None else None, headers=all_headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def http_json(env, method, path, body=None, expect=200, headers=None):
    status, _, data = http(env, method, path, body, headers=headers)
    if status != expect:
        sys.exit("%s %s answered %d, not %d: %s" % (method, path, status, expect,
                                                  data[:500].decode("utf-8", "replace")))
    return json.loads(data or b"null")


def fetch_calendar(env, path, token):
    """GET an .ics path and parse it; (raw text, Calendar)."""
    status, headers, data = http(env, "GET", path, token=token)
    if status != 200:
        sys.exit("GET %s (%s) answered %d: %s" % (path, "token" if token else "no token",
                                                  status, data[:500].decode("utf-8", "replace")))
    check((headers.get("Content-Type") or "").startswith("text/calendar"),
          "GET %s: Content-Type is %r" % (path, headers.get("Content-Type")))
    text = data.decode("utf-8")
    return text, Calendar.from_ical(data)


def vevents(calendar, uids=None):
    """The calendar's VEVENTs by UID, optionally only the given UIDs."""
    found = {}
    for event in calendar.walk("VEVENT"):
        uid = str(event.get("UID"))
        if uids is None or uid in uids:
            found[uid] = event
    return found


def last_sunday_of_october(year):
    day = datetime.date(year, 10, 31)
    return day - datetime.timedelta(days=(day.weekday() + 1) % 7)


def check_series_occurrences(events, where, expected_count):
    """Every occurrence at 17:00 Berlin time; UTC 15:00 before the change, 16:00 after."""
    check(len(events) == expected_count,
          "%s: %d occurrences, expected %d" % (where, len(events), expected_count))
    starts = sorted((event.decoded("DTSTART"), uid) for uid, event in events.items())
    change = None
    for start, uid in starts:
        check(start.tzinfo is not None and getattr(start.tzinfo, "zone", None) == BERLIN,
              "%s: %s DTSTART zone is %r" % (where, uid, start.tzinfo))
        check((start.hour, start.minute) == (17, 0),
              "%s: %s starts at %s local, not 17:00" % (where, uid, start.isoformat()))
        utc = start.astimezone(datetime.timezone.utc)
        summer = start.utcoffset() == datetime.timedelta(hours=2)
        check(utc.hour == (15 if summer else 16),
              "%s: %s starts at %s UTC" % (where, uid, utc.isoformat()))
        if not summer and change is None:
            change = start
    check(change is not None and starts[0][0] < change,
          "%s: the series does not cross the end of summer time" % where)
    return [uid for _, uid in starts]


def main():
    env = read_env()
    tag = uuid.uuid4().hex[:10]

    # 1. An organiser, the series and the one-off webinar, all public.
    person = http_json(env, "POST", "/v1/persons", {
        "name": "Interop Kalender %s" % tag, "email": "interop.calendar.%s@example.org" % tag},
        expect=201)
    year = datetime.date.today().year + 1
    last_sunday = last_sunday_of_october(year)
    first = last_sunday - datetime.timedelta(days=12)  # a Tuesday, 2 Tuesdays before the change
    assert first.weekday() == 1
    online_url = "https://meet.example.org/interop-%s?pw=secret" % tag
    series = http_json(env, "POST", "/v1/events", {
        "title": "Werkstatt %s: Zukunft, Arbeit; Lernen" % tag,
        "description": "Reihe über das Ende der Sommerzeit hinweg.\nZweite Zeile.",
        "kind": "workshop",
        "organiser_person_id": person["id"],
        "start_local": "%sT17:00:00" % first.isoformat(),
        "end_local": "%sT19:00:00" % first.isoformat(),
        "time_zone": BERLIN,
        "rrule": RRULE,
        "venue": {"name": "Zukunftscampus Zollverein",
                  "address": "Gelsenkirchener Str. 181, 45309 Essen"},
        "capacity": 25,
        "language": "de",
        "public": True,
    }, expect=201, headers={"Idempotency-Key": "interop-calendar-%s-series" % tag})
    webinar_day = datetime.date(year, 6, 16)
    webinar = http_json(env, "POST", "/v1/events", {
        "title": "Webinar %s" % tag,
        "kind": "webinar",
        "organiser_person_id": person["id"],
        "start_local": "%sT10:00:00" % webinar_day.isoformat(),
        "end_local": "%sT11:30:00" % webinar_day.isoformat(),
        "time_zone": BERLIN,
        "online_url": online_url,
        "capacity": 100,
        "public": True,
    }, expect=201, headers={"Idempotency-Key": "interop-calendar-%s-webinar" % tag})
    series_path = "/v1/events/%s.ics" % series["id"]
    webinar_path = "/v1/events/%s.ics" % webinar["id"]

    # 2. The series' own feed: six occurrences at 17:00 local, a VTIMEZONE, unique UIDs.
    text, calendar = fetch_calendar(env, series_path, token=True)
    check("BEGIN:VTIMEZONE" in text, "%s: no VTIMEZONE" % series_path)
    zones = [str(zone.get("TZID")) for zone in calendar.walk("VTIMEZONE")]
    check(zones == [BERLIN], "%s: VTIMEZONEs %r, expected exactly one %s" % (series_path, zones,
                                                                            BERLIN))
    events = vevents(calendar)
    series_uids = check_series_occurrences(events, series_path, 6)
    check(all("@" in uid for uid in series_uids), "UIDs are not <id>@<node>: %r" % series_uids)
    for uid, event in events.items():
        check(str(event.get("STATUS")) == "CONFIRMED", "%s: %s STATUS %s" % (
            series_path, uid, event.get("STATUS")))
        check(str(event.get("SUMMARY")) == "Werkstatt %s: Zukunft, Arbeit; Lernen" % tag,
              "%s: SUMMARY %r" % (series_path, str(event.get("SUMMARY"))))
        check("Zollverein, Gelsenkirchener Str. 181" in str(event.get("LOCATION")),
              "%s: LOCATION %r" % (series_path, str(event.get("LOCATION"))))
        check(event.decoded("DTEND") - event.decoded("DTSTART") == datetime.timedelta(hours=2),
              "%s: %s does not last two hours" % (series_path, uid))
    sequences_before = {uid: int(event.get("SEQUENCE")) for uid, event in events.items()}

    # 3. The webinar: its URL for staff, not for an anonymous reader.
    _, calendar = fetch_calendar(env, webinar_path, token=True)
    webinar_events = vevents(calendar)
    check(len(webinar_events) == 1, "%s: %d VEVENTs" % (webinar_path, len(webinar_events)))
    webinar_uid = next(iter(webinar_events), None)
    for event in webinar_events.values():
        check(str(event.get("URL")) == online_url,
              "%s (staff): URL %r, expected the online URL" % (webinar_path, event.get("URL")))
        start = event.decoded("DTSTART")
        check((start.hour, start.minute, str(start.tzinfo)) == (10, 0, BERLIN),
              "%s: starts %s" % (webinar_path, start.isoformat()))
    text, calendar = fetch_calendar(env, webinar_path, token=False)
    check(online_url not in text and "URL:" not in text,
          "%s without a token shows the online URL" % webinar_path)

    # 4. The node's public feed, without a token: both events, no URL at all.
    public_text, public = fetch_calendar(env, "/v1/calendar.ics", token=False)
    check(online_url not in public_text and "meet.example.org/interop-%s" % tag not in public_text,
          "the public feed shows the online URL")
    ours = vevents(public, uids=set(series_uids) | {webinar_uid})
    check(set(ours) == set(series_uids) | {webinar_uid},
          "the public feed lacks %r (it has %d VEVENTs)" % (
              sorted((set(series_uids) | {webinar_uid}) - set(ours)),
              len(public.walk("VEVENT"))))
    check(all("URL" not in event for event in vevents(public).values()),
          "a VEVENT of the public feed has a URL")
    check(BERLIN in [str(zone.get("TZID")) for zone in public.walk("VTIMEZONE")],
          "the public feed has no VTIMEZONE for %s" % BERLIN)
    check_series_occurrences({uid: e for uid, e in ours.items() if uid in series_uids},
                             "/v1/calendar.ics", 6)

    # 5. UIDs are stable: a second fetch names the same events.
    _, calendar = fetch_calendar(env, series_path, token=True)
    check(sorted(vevents(calendar)) == sorted(series_uids),
          "UIDs changed between two fetches of %s" % series_path)
    _, public_again = fetch_calendar(env, "/v1/calendar.ics", token=False)
    check(set(vevents(public_again, uids=set(ours))) == set(ours),
          "UIDs changed between two fetches of /v1/calendar.ics")

    # 6. A change raises SEQUENCE and keeps the UIDs.
    new_title = "Werkstatt %s (neuer Titel)" % tag
    http_json(env, "PATCH", "/v1/events/%s" % series["id"], {"title": new_title})
    _, calendar = fetch_calendar(env, series_path, token=True)
    events = vevents(calendar)
    check(sorted(events) == sorted(series_uids), "UIDs changed after a PATCH")
    sequences_after = {uid: int(event.get("SEQUENCE")) for uid, event in events.items()}
    for uid in series_uids:
        check(uid in sequences_after and sequences_after[uid] > sequences_before[uid],
              "SEQUENCE of %s not raised by the change: %r -> %r" % (
                  uid, sequences_before[uid], sequences_after.get(uid)))
        check(uid in events and str(events[uid].get("SUMMARY")) == new_title,
              "SUMMARY of %s is not the new title" % uid)
    check_series_occurrences(events, series_path + " after PATCH", 6)

    # 7. Cancelling: STATUS:CANCELLED, SEQUENCE raised again, in the event's and public feed.
    http_json(env, "POST", "/v1/events/%s/cancel" % series["id"], {"reason": "Interop-Test"})
    _, calendar = fetch_calendar(env, series_path, token=True)
    events = vevents(calendar)
    check(sorted(events) == sorted(series_uids), "UIDs changed after cancelling")
    for uid, event in events.items():
        check(str(event.get("STATUS")) == "CANCELLED",
              "%s: %s STATUS %s after cancel" % (series_path, uid, event.get("STATUS")))
        check(int(event.get("SEQUENCE")) > sequences_after.get(uid, 0),
              "SEQUENCE of %s not raised by cancelling" % uid)
    _, public = fetch_calendar(env, "/v1/calendar.ics", token=False)
    for uid, event in vevents(public, uids=set(series_uids)).items():
        check(str(event.get("STATUS")) == "CANCELLED",
              "/v1/calendar.ics: %s STATUS %s after cancel" % (uid, event.get("STATUS")))

    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        return 1
    print("ok: %d occurrences at 17:00 %s across the end of summer time (%s), feeds parsed" % (
        len(series_uids), BERLIN, last_sunday.isoformat()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
