/* test_events_ical.c - the events service's iCalendar rendering without servers: the calendar
 * and event properties, STATUS:CANCELLED, one VTIMEZONE per zone, no URL when there is none,
 * escaping, folding at 75 octets, CRLF, cleaning of control characters, refused items, and a
 * parse of the output by an independent reader (Debian's /usr/bin/python3 with
 * python3-icalendar) that checks local start times and zone names.
 * Does not: test which fields a feed may show (the events service decides; its integration and
 * interop tests check the feeds) or the recurrence module (test_events_recurrence.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "events_ical.h"
#include "events_recurrence.h"

#define S_PYTHON "/usr/bin/python3"

/* 2026-10-27T16:00:00Z: a Tuesday, 17:00 in Berlin after summer time ended */
#define S_TUESDAY_UTC 1793116800LL
#define S_HOUR 3600

static events_ical_event_t
s_workshop(void)
{
    return (events_ical_event_t){
        .uid = "0190a4c2-0000-7000-8000-000000000001@node-a",
        .sequence = 3,
        .summary = "Workshop Zukunftskompetenzen",
        .description = "Zweiter Termin der Reihe.",
        .location = "Zukunftscampus Zollverein, Gelsenkirchener Str. 181, 45309 Essen",
        .url = NULL,
        .tzid = "Europe/Berlin",
        .start_utc = S_TUESDAY_UTC,
        .end_utc = S_TUESDAY_UTC + 2 * S_HOUR,
        .cancelled = false,
        .categories = "workshop",
        .updated_utc = 1790000000,
    };
}

static int
s_count(const char *text, const char *needle)
{
    int count = 0;
    for (const char *at = strstr(text, needle); at; at = strstr(at + 1, needle))
        count++;
    return count;
}

/* The text with folds ("\r\n" followed by a space) removed. Caller frees. */
static char *
s_unfold(const char *text)
{
    char *out = malloc(strlen(text) + 1);
    assert_non_null(out);
    char *w = out;
    for (const char *r = text; *r;) {
        if (r[0] == '\r' && r[1] == '\n' && r[2] == ' ')
            r += 3;
        else
            *w++ = *r++;
    }
    *w = '\0';
    return out;
}

static char *
s_render(const events_ical_event_t *items, size_t count)
{
    char error[200] = "";
    char *text = events_ical_render("Verbund Essen", items, count, error, sizeof error);
    if (text == NULL)
        fail_msg("render failed: %s", error);
    return text;
}

/* Usage: one workshop rendered into a feed. */
static void
test_render_one_event(void **state)
{
    (void)state;
    events_ical_event_t item = s_workshop();
    char *text = s_render(&item, 1);
    assert_true(strncmp(text, "BEGIN:VCALENDAR\r\n", 17) == 0);
    static const char *lines[] = {
        "\r\nVERSION:2.0\r\n",
        "\r\nPRODID:" EVENTS_ICAL_PRODID "\r\n",
        "\r\nX-WR-CALNAME:Verbund Essen\r\n",
        "\r\nBEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n",
        "\r\nBEGIN:VEVENT\r\n",
        "\r\nUID:0190a4c2-0000-7000-8000-000000000001@node-a\r\n",
        "\r\nSEQUENCE:3\r\n",
        "\r\nDTSTAMP:20260921T141320Z\r\n",
        "\r\nDTSTART;TZID=Europe/Berlin:20261027T170000\r\n",
        "\r\nDTEND;TZID=Europe/Berlin:20261027T190000\r\n",
        "\r\nSTATUS:CONFIRMED\r\n",
        "\r\nSUMMARY:Workshop Zukunftskompetenzen\r\n",
        "\r\nCATEGORIES:workshop\r\n",
        "\r\nEND:VCALENDAR\r\n",
    };
    for (size_t i = 0; i < sizeof lines / sizeof *lines; i++)
        if (strstr(text, lines[i]) == NULL)
            fail_msg("missing %s in:\n%s", lines[i], text);
    /* the address's commas are escaped */
    char *unfolded = s_unfold(text);
    assert_non_null(strstr(unfolded, "LOCATION:Zukunftscampus Zollverein\\, Gelsenkirchener "
                                     "Str. 181\\, 45309 Essen\r\n"));
    free(unfolded);
    assert_int_equal(s_count(text, "STATUS:CANCELLED"), 0);
    assert_int_equal(s_count(text, "\r\nURL:"), 0); /* no url given, none written */
    /* every line ends in CRLF */
    for (const char *at = strchr(text, '\n'); at; at = strchr(at + 1, '\n'))
        assert_true(at > text && at[-1] == '\r');
    free(text);
}

static void
test_cancelled_and_url(void **state)
{
    (void)state;
    events_ical_event_t items[2] = {s_workshop(), s_workshop()};
    items[0].cancelled = true;
    items[0].sequence = 7;
    items[1].uid = "second@node-a";
    items[1].url = "https://meet.example.org/room?id=42&pw=x";
    char *text = s_render(items, 2);
    assert_int_equal(s_count(text, "\r\nBEGIN:VEVENT\r\n"), 2);
    assert_int_equal(s_count(text, "\r\nSTATUS:CANCELLED\r\n"), 1);
    assert_int_equal(s_count(text, "\r\nSTATUS:CONFIRMED\r\n"), 1);
    assert_int_equal(s_count(text, "\r\nSEQUENCE:7\r\n"), 1);
    assert_int_equal(s_count(text, "\r\nURL:https://meet.example.org/room?id=42&pw=x\r\n"), 1);
    free(text);
    /* an IRI's letters stay as they are */
    items[1].url = "https://bücher.example/räume";
    text = s_render(items, 2);
    assert_int_equal(s_count(text, "\r\nURL:https://bücher.example/räume\r\n"), 1);
    free(text);
    /* an empty url is no url */
    items[1].url = "";
    text = s_render(items, 2);
    assert_int_equal(s_count(text, "URL:"), 0);
    free(text);
}

static void
test_one_vtimezone_per_zone(void **state)
{
    (void)state;
    events_ical_event_t items[4] = {s_workshop(), s_workshop(), s_workshop(), s_workshop()};
    items[1].tzid = "America/New_York";
    items[2].start_utc -= 400 * 86400; /* an older Berlin one */
    items[2].end_utc -= 400 * 86400;
    items[3].tzid = "America/New_York";
    char *text = s_render(items, 4);
    assert_int_equal(s_count(text, "BEGIN:VTIMEZONE"), 2);
    assert_int_equal(s_count(text, "END:VTIMEZONE"), 2);
    assert_int_equal(s_count(text, "\r\nTZID:Europe/Berlin\r\n"), 1);
    assert_int_equal(s_count(text, "\r\nTZID:America/New_York\r\n"), 1);
    assert_int_equal(s_count(text, "freeassociation"), 0); /* libical's own prefix is gone */
    assert_int_equal(s_count(text, "DTSTART;TZID=America/New_York:20261027T120000"), 2);
    free(text);
    /* libical's own UTC zone: UTC times and no VTIMEZONE */
    items[1].tzid = "UTC";
    items[3].tzid = "GMT";
    text = s_render(items, 4);
    assert_int_equal(s_count(text, "BEGIN:VTIMEZONE"), 1);
    assert_int_equal(s_count(text, "\r\nDTSTART:20261027T160000Z\r\n"), 2);
    assert_int_equal(s_count(text, "\r\nDTEND:20261027T180000Z\r\n"), 2);
    free(text);
    /* no items: a calendar without events or zones */
    char error[100];
    text = events_ical_render("leer", NULL, 0, error, sizeof error);
    assert_non_null(text);
    assert_int_equal(s_count(text, "BEGIN:VEVENT"), 0);
    assert_int_equal(s_count(text, "BEGIN:VTIMEZONE"), 0);
    assert_non_null(strstr(text, "END:VCALENDAR\r\n"));
    free(text);
}

static void
test_text_is_escaped_and_cleaned(void **state)
{
    (void)state;
    events_ical_event_t item = s_workshop();
    item.summary = "Dialog, Teil 1; mit Pause\nzweite Zeile \\ Ende";
    /* a CRLF becomes a line feed; a control character and an invalid UTF-8 byte are replaced;
     * a line break cannot start a property of its own */
    item.description = "a\r\nb\x01"
                       "c\xff"
                       "d\r\nBEGIN:VEVENT\r\nUID:evil";
    char *text = s_render(&item, 1);
    char *unfolded = s_unfold(text);
    assert_non_null(strstr(unfolded, "\r\nSUMMARY:Dialog\\, Teil 1\\; mit Pause\\nzweite Zeile "
                                     "\\\\ Ende\r\n"));
    assert_non_null(strstr(unfolded, "\r\nDESCRIPTION:a\\nb c?d\\nBEGIN:VEVENT\\nUID:evil\r\n"));
    assert_int_equal(s_count(text, "\nBEGIN:VEVENT"), 1);
    assert_int_equal(s_count(text, "\nUID:"), 1);
    free(unfolded);
    free(text);
}

/* Every physical line has at most 75 octets and is valid UTF-8 on its own (libical folds
 * between characters); unfolding gives back the escaped text. */
static void
test_long_lines_are_folded_at_75_octets(void **state)
{
    (void)state;
    char description[1200] = "";
    while (strlen(description) < 1000)
        strcat(description, "Größenänderung, Übung; ");
    events_ical_event_t item = s_workshop();
    item.description = description;
    char *text = s_render(&item, 1);
    int continuation_lines = 0;
    for (const char *line = text; *line;) {
        const char *end = strstr(line, "\r\n");
        assert_non_null(end);
        size_t octets = (size_t)(end - line);
        if (octets > 75)
            fail_msg("line of %zu octets: %.*s", octets, (int)octets, line);
        /* a line does not start with a UTF-8 continuation byte */
        const unsigned char *first = (const unsigned char *)(line[0] == ' ' ? line + 1 : line);
        assert_false((*first & 0xC0) == 0x80);
        if (line[0] == ' ')
            continuation_lines++;
        line = end + 2;
    }
    assert_true(continuation_lines >= 14);
    char *unfolded = s_unfold(text);
    const char *at = strstr(unfolded, "\r\nDESCRIPTION:Größenänderung\\, Übung\\; Größen");
    assert_non_null(at);
    free(unfolded);
    free(text);
}

static void
test_bad_items_are_refused(void **state)
{
    (void)state;
    char error[200];
    events_ical_event_t item;

    item = s_workshop();
    item.uid = NULL;
    assert_null(events_ical_render("x", &item, 1, error, sizeof error));
    assert_non_null(strstr(error, "uid"));
    item.uid = "";
    assert_null(events_ical_render("x", &item, 1, error, sizeof error));

    item = s_workshop();
    item.tzid = "Mars/Olympus";
    assert_null(events_ical_render("x", &item, 1, error, sizeof error));
    assert_non_null(strstr(error, "time zone"));
    item.tzid = NULL;
    assert_null(events_ical_render("x", &item, 1, error, sizeof error));

    item = s_workshop();
    item.end_utc = item.start_utc - 1;
    assert_null(events_ical_render("x", &item, 1, error, sizeof error));
    assert_non_null(strstr(error, "end"));

    item = s_workshop();
    item.sequence = -1;
    assert_null(events_ical_render("x", &item, 1, error, sizeof error));
    item.sequence = 1LL << 40;
    assert_null(events_ical_render("x", &item, 1, error, sizeof error));

    static const char *bad_urls[] = {"https://x.org/\r\nATTACH:evil",
                                     "https://x.org/a b",
                                     "https://x.org/\"",
                                     "https://x.org/\x7f",
                                     "https://x.org/\xff",
                                     "https://x.org/\\a"};
    for (size_t i = 0; i < sizeof bad_urls / sizeof *bad_urls; i++) {
        item = s_workshop();
        item.url = bad_urls[i];
        assert_null(events_ical_render("x", &item, 1, error, sizeof error));
        assert_non_null(strstr(error, "url"));
    }

    item = s_workshop();
    item.start_utc = 300000000000LL; /* after the year 9999 */
    item.end_utc = item.start_utc;
    assert_null(events_ical_render("x", &item, 1, error, sizeof error));

    /* the second item is the bad one: the message names it */
    events_ical_event_t items[2] = {s_workshop(), s_workshop()};
    items[1].tzid = "Nowhere";
    assert_null(events_ical_render("x", items, 2, error, sizeof error));
    assert_non_null(strstr(error, "item 1"));
    assert_null(events_ical_render("x", NULL, 2, error, sizeof error));
}

/* Runs the Python reader on text; returns its stdout (caller frees). */
static char *
s_python_read(const char *text)
{
    static const char script[] =
        "import json, sys\n"
        "from icalendar import Calendar\n"
        "with open(sys.argv[1], 'rb') as handle:\n"
        "    calendar = Calendar.from_ical(handle.read())\n"
        "print('CAL|%s|%d' % (calendar.get('X-WR-CALNAME'), len(calendar.walk('VTIMEZONE'))))\n"
        "for event in calendar.walk('VEVENT'):\n"
        "    start = event.decoded('DTSTART')\n"
        "    end = event.decoded('DTEND')\n"
        "    print('EVENT|%s|%d|%s|%s|%s|%d|%d|%s|%s' % (event.get('UID'),\n"
        "          int(event.get('SEQUENCE')), event.get('STATUS'),\n"
        "          start.strftime('%Y-%m-%dT%H:%M:%S'), start.tzinfo.zone,\n"
        "          int(start.timestamp()), int(end.timestamp()), 'URL' in event,\n"
        "          json.dumps(str(event.get('SUMMARY')))))\n";
    char ics_path[] = "/tmp/test_events_ical_XXXXXX";
    char script_path[] = "/tmp/test_events_ical_py_XXXXXX";
    int ics_fd = mkstemp(ics_path);
    int script_fd = mkstemp(script_path);
    assert_true(ics_fd >= 0 && script_fd >= 0);
    assert_int_equal(write(ics_fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(write(script_fd, script, sizeof script - 1), (ssize_t)sizeof script - 1);
    close(ics_fd);
    close(script_fd);

    char command[200];
    snprintf(command, sizeof command, S_PYTHON " %s %s 2>&1", script_path, ics_path);
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    size_t capacity = 8192, used = 0;
    char *output = malloc(capacity);
    assert_non_null(output);
    size_t n;
    while ((n = fread(output + used, 1, capacity - used - 1, pipe)) > 0) {
        used += n;
        if (used + 1 == capacity) {
            capacity *= 2;
            output = realloc(output, capacity);
            assert_non_null(output);
        }
    }
    output[used] = '\0';
    int status = pclose(pipe);
    unlink(ics_path);
    unlink(script_path);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg(S_PYTHON " with python3-icalendar failed (status %d):\n%s", status, output);
    return output;
}

/* An independent parser reads the feed: local start hours and zones per event survive, as do
 * escaped text, SEQUENCE, STATUS and the absence of URL. */
static void
test_independent_parser_reads_the_feed(void **state)
{
    (void)state;
    if (access(S_PYTHON, X_OK) != 0)
        fail_msg(S_PYTHON " is missing (scripts/setup installs python3-icalendar)");
    /* a weekly 17:00 Berlin series across the end of summer time, plus New York and a
     * cancelled, escaped one with a URL */
    events_occurrence_t occurrences[3];
    char error[200];
    assert_int_equal(events_recurrence_expand("FREQ=WEEKLY;COUNT=3", "Europe/Berlin",
                                              "2026-10-20T17:00:00", 2 * S_HOUR, 3, occurrences,
                                              error, sizeof error),
                     3);
    events_ical_event_t items[6];
    char uids[3][40];
    for (int i = 0; i < 3; i++) {
        items[i] = s_workshop();
        snprintf(uids[i], sizeof uids[i], "occurrence-%d@node-a", i + 1);
        items[i].uid = uids[i];
        items[i].start_utc = occurrences[i].start_utc;
        items[i].end_utc = occurrences[i].end_utc;
    }
    items[3] = s_workshop();
    items[3].uid = "ny@node-a";
    items[3].tzid = "America/New_York";
    items[4] = s_workshop();
    items[4].uid = "cancelled@node-a";
    items[4].sequence = 12;
    items[4].cancelled = true;
    items[4].summary = "Dialog, Teil 1; \"Pause\"\nEnde";
    items[4].url = "https://meet.example.org/r?a=1&b=2";
    items[5] = s_workshop();
    items[5].uid = "utc@node-a";
    items[5].tzid = "UTC";
    char *text = s_render(items, 6);
    char *output = s_python_read(text);
    static const char expected[] =
        "CAL|Verbund Essen|2\n"
        "EVENT|occurrence-1@node-a|3|CONFIRMED|2026-10-20T17:00:00|Europe/Berlin|1792508400|"
        "1792515600|False|\"Workshop Zukunftskompetenzen\"\n"
        "EVENT|occurrence-2@node-a|3|CONFIRMED|2026-10-27T17:00:00|Europe/Berlin|1793116800|"
        "1793124000|False|\"Workshop Zukunftskompetenzen\"\n"
        "EVENT|occurrence-3@node-a|3|CONFIRMED|2026-11-03T17:00:00|Europe/Berlin|1793721600|"
        "1793728800|False|\"Workshop Zukunftskompetenzen\"\n"
        "EVENT|ny@node-a|3|CONFIRMED|2026-10-27T12:00:00|America/New_York|1793116800|"
        "1793124000|False|\"Workshop Zukunftskompetenzen\"\n"
        "EVENT|cancelled@node-a|12|CANCELLED|2026-10-27T17:00:00|Europe/Berlin|1793116800|"
        "1793124000|True|\"Dialog, Teil 1; \\\"Pause\\\"\\nEnde\"\n"
        "EVENT|utc@node-a|3|CONFIRMED|2026-10-27T16:00:00|UTC|1793116800|1793124000|False|"
        "\"Workshop Zukunftskompetenzen\"\n";
    if (strcmp(output, expected) != 0)
        fail_msg("the Python reader saw:\n%s\nexpected:\n%s", output, expected);
    free(output);
    free(text);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_render_one_event),
        cmocka_unit_test(test_cancelled_and_url),
        cmocka_unit_test(test_one_vtimezone_per_zone),
        cmocka_unit_test(test_text_is_escaped_and_cleaned),
        cmocka_unit_test(test_long_lines_are_folded_at_75_octets),
        cmocka_unit_test(test_bad_items_are_refused),
        cmocka_unit_test(test_independent_parser_reads_the_feed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
