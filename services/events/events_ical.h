/* events_ical.h - renders events as an iCalendar (RFC 5545) feed with libical: one VCALENDAR,
 * one VEVENT per item, one VTIMEZONE per zone used. Does not: decide what a feed may show (the
 * caller leaves url NULL in public feeds and picks the items), fetch anything, or parse
 * iCalendar. Escaping of TEXT values and folding of lines at 75 octets are libical's. */
#ifndef EVENTS_ICAL_H
#define EVENTS_ICAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/assert.h"

#define EVENTS_ICAL_PRODID "-//verbund//events//EN"

typedef struct {
    const char *uid;            /* stable: "<occurrence or event id>@<node id>"; required */
    int64_t sequence;           /* raised on every change; 0..2147483647 */
    const char *summary;        /* title, or NULL */
    const char *description;    /* or NULL */
    const char *location;       /* venue name + address, or NULL */
    const char *url;            /* online URL; NULL in public feeds (the caller decides) */
    const char *tzid;           /* IANA zone of start/end; required */
    int64_t start_utc, end_utc; /* UTC seconds; end_utc >= start_utc */
    bool cancelled;             /* STATUS:CANCELLED (otherwise STATUS:CONFIRMED) */
    const char *categories;     /* event kind, may be NULL */
    int64_t updated_utc;        /* DTSTAMP / LAST-MODIFIED, UTC seconds */
} events_ical_event_t;

/* A VCALENDAR (VERSION 2.0, PRODID EVENTS_ICAL_PRODID, CALSCALE GREGORIAN, METHOD PUBLISH,
 * X-WR-CALNAME calendar_name, one line) with one VEVENT per item and one VTIMEZONE per zone
 * used (TZID the IANA name, transitions from a year before the earliest start in that zone on;
 * libical writes the VTIMEZONEs before the VEVENTs; "UTC" and "GMT", libical's own UTC zone,
 * get times in UTC ("...Z") and no VTIMEZONE). A VEVENT has UID, SEQUENCE, DTSTAMP,
 * LAST-MODIFIED, DTSTART and DTEND as local times with TZID, STATUS, and SUMMARY, DESCRIPTION,
 * LOCATION, URL, CATEGORIES when given (NULL or empty leaves the property out).
 * Text with control characters or invalid UTF-8 is cleaned (each such byte becomes a space or
 * '?') rather than refused, so one bad title cannot break a feed.
 *
 * Returns malloc'd text with CRLF line ends (the caller frees it), or NULL with a message in
 * error: an item without uid, with an unknown zone, end before start, a sequence out of range,
 * or a url with spaces, control characters, quotes, backslashes or invalid UTF-8 (a URI value
 * is not escaped, so such a url could inject properties). count 0 gives a calendar without
 * events. */
char *events_ical_render(const char *calendar_name, const events_ical_event_t *items, size_t count,
                         char *error, size_t error_size) VB_MUSTCHECK;

#endif
