/* events_recurrence.h - time zones and series for the events service, through libical: IANA
 * zone names, local wall-clock time <-> UTC, and the expansion of an RFC 5545 RRULE into
 * occurrences that keep their local time across daylight-saving changes.
 * Does not: store anything, render iCalendar (events_ical.h), or know about moved or cancelled
 * single occurrences (the caller overlays those on the expansion).
 *
 * Local times are "YYYY-MM-DDTHH:MM:SS" (exactly 19 characters, no offset, no fraction).
 * Rules for times that do not exist once in a zone (RFC 5545 section 3.3.5):
 *   - a time in a spring-forward gap is shifted forward by the length of the gap: it is read
 *     with the UTC offset before the gap (02:30 on 2026-03-29 Europe/Berlin is 03:30 CEST,
 *     01:30 UTC);
 *   - a time that occurs twice (fall back) means the first of the two (02:30 on 2026-10-25
 *     Europe/Berlin is 02:30 CEST, 00:30 UTC).
 * The zone data is libical's builtin zones, which on Debian are read from the system's
 * /usr/share/zoneinfo (package tzdata). Zones are loaded once and kept for the process. */
#ifndef EVENTS_RECURRENCE_H
#define EVENTS_RECURRENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/assert.h"

#define EVENTS_LOCAL_TIME_SIZE 20           /* "YYYY-MM-DDTHH:MM:SS" and NUL */
#define EVENTS_TZID_MAX 64                  /* longest accepted zone name, in bytes */
#define EVENTS_RRULE_MAX 512                /* longest accepted RRULE value, in bytes */
#define EVENTS_RECURRENCE_HORIZON_YEARS 100 /* no occurrence later than this after the start */

/* True when tzid names an IANA zone that libical knows ("Europe/Berlin", "UTC"). Rejects NULL,
 * empty, over-long names and names that are not plain zone paths ("..", leading '/'). */
bool events_timezone_valid(const char *tzid);

/* Local "YYYY-MM-DDTHH:MM:SS" wall-clock time in tzid -> UTC seconds since the epoch, with the
 * gap and fall-back rules above. 0, or -1 for an unknown zone or malformed text (wrong shape,
 * month 13, 30 February, 24:00, trailing characters, years outside 1900..9999). */
int events_local_to_utc(const char *tzid, const char *local, int64_t *utc) VB_MUSTCHECK;

/* UTC seconds -> local "YYYY-MM-DDTHH:MM:SS" in tzid, written to out (size >= 20 bytes).
 * 0, or -1 for an unknown zone, a time outside the years 1900..9999 or a short buffer. */
int events_utc_to_local(const char *tzid, int64_t utc, char *out, size_t size) VB_MUSTCHECK;

typedef struct {
    int64_t start_utc;                        /* UTC seconds */
    int64_t end_utc;                          /* start_utc + duration_s */
    char start_local[EVENTS_LOCAL_TIME_SIZE]; /* the real local start (after the gap rule) */
} events_occurrence_t;

/* Expands a series whose first occurrence is at dtstart_local in tzid, each lasting
 * duration_s (>= 0) seconds, by rrule, an RFC 5545 RRULE value such as
 * "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=10". Writes at most max occurrences, in time order,
 * into out. Every occurrence keeps the wall-clock time of dtstart_local in tzid (a 17:00 series
 * stays at 17:00 local when daylight-saving time ends); one that falls into a spring-forward gap
 * is shifted forward (see above), the next ones are not.
 *
 * Returns the number written (out may be NULL when max is 0), or -1 with a message for a
 * person in error (error_size > 0): unknown zone, malformed dtstart_local or one after the
 * year 2400, a duration outside 0..366 days, or an invalid rule. A rule is invalid when libical
 * cannot parse it or its iterator refuses it, when a part is unknown, repeated or out of range,
 * when both COUNT and UNTIL are given, when FREQ is finer than DAILY or BYHOUR/BYMINUTE/
 * BYSECOND are given (the time of day comes from dtstart_local; finer rules could make libical
 * search minute by minute), when UNTIL is a floating date-time (it must be UTC "...Z", or a
 * DATE, which counts as the whole local day), when it has no occurrence, or when
 * dtstart_local is not itself its first occurrence.
 *
 * A rule without COUNT and UNTIL is not an error: the expansion stops at max, or at
 * EVENTS_RECURRENCE_HORIZON_YEARS after dtstart_local. Cost: a rule that matches rarely or
 * never keeps libical searching; with the parts allowed here that is at most about 0.35 s
 * (a MONTHLY rule for 31 April, which libical searches until the year 2582). */
int events_recurrence_expand(const char *rrule, const char *tzid, const char *dtstart_local,
                             int64_t duration_s, size_t max, events_occurrence_t *out, char *error,
                             size_t error_size) VB_MUSTCHECK;

#endif
