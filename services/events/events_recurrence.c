/* events_recurrence.c - zones, local time <-> UTC and RRULE expansion on top of libical (its
 * recurrence iterator and builtin zones). Does not: parse recurrence itself (libical does; this
 * file only refuses what libical's lenient parser lets through) or cache expansions.
 *
 * Why the iterator runs on floating (zone-less) wall-clock times: libical 3.0's iterator, given
 * a zoned DTSTART, normalises a time that falls into a spring-forward gap and then carries the
 * shifted time into every later occurrence (a daily 02:30 series becomes 03:30 for good). On
 * floating times it only does calendar arithmetic, and this file maps each wall-clock time to
 * UTC itself, with the RFC 5545 rules for gaps and repeated hours, which libical 3.0's
 * icaltime_as_timet_with_zone does not follow (it reads a gap time with the offset after the
 * gap and a repeated time as the second one). For the same reason UNTIL (a UTC time) is checked
 * here, and the iterator only gets a floating bound a day after it so that it stops searching. */
#include "events_recurrence.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libical/ical.h>

#define S_DAY_SECONDS 86400
#define S_MIN_YEAR 1900
#define S_MAX_YEAR 9999
#define S_MAX_DURATION_SECONDS (366 * S_DAY_SECONDS)
#define S_MAX_COUNT 100000           /* far beyond any caller's max; keeps COUNT in an int */
#define S_MAX_SERIES_START_YEAR 2400 /* libical's iterator ends in 2582 */

/* Broken-down wall-clock time without a zone. */
typedef struct {
    int year, month, day, hour, minute, second;
} s_wall_t;

static void VB_PRINTF(3, 4) s_fail(char *error, size_t error_size, const char *format, ...)
{
    if (error == NULL || error_size == 0)
        return;
    va_list args;
    va_start(args, format);
    vsnprintf(error, error_size, format, args);
    va_end(args);
}

/* Files under the zoneinfo directory that libical would load but that are no zone a person
 * means: the host's own setting, POSIX defaults, and the leap-second ("right/") and duplicate
 * ("posix/") trees. */
static const char *const s_refused_zone_names[] = {"localtime", "posixrules", "Factory"};
static const char *const s_refused_zone_prefixes[] = {"right/", "posix/"};

/* The zone, or NULL: the name is checked before libical sees it, because libical turns a name
 * it does not list into a path under the zoneinfo directory. */
static icaltimezone *
s_zone(const char *tzid)
{
    if (tzid == NULL)
        return NULL;
    size_t length = strlen(tzid);
    if (length == 0 || length > EVENTS_TZID_MAX || tzid[0] == '/' || strstr(tzid, "..") != NULL)
        return NULL;
    for (const char *c = tzid; *c; c++)
        if (!isalnum((unsigned char)*c) && strchr("/_-+", *c) == NULL)
            return NULL;
    for (size_t i = 0; i < VB_ARRAY_SIZE(s_refused_zone_names); i++)
        if (strcmp(tzid, s_refused_zone_names[i]) == 0)
            return NULL;
    for (size_t i = 0; i < VB_ARRAY_SIZE(s_refused_zone_prefixes); i++)
        if (strncmp(tzid, s_refused_zone_prefixes[i], strlen(s_refused_zone_prefixes[i])) == 0)
            return NULL;
    return icaltimezone_get_builtin_timezone(tzid);
}

bool
events_timezone_valid(const char *tzid)
{
    return s_zone(tzid) != NULL;
}

/* Reads exactly "YYYY-MM-DDTHH:MM:SS" with every field in range. 0 or -1. */
static int
s_wall_parse(const char *text, s_wall_t *wall)
{
    static const char shape[] = "dddd-dd-ddTdd:dd:dd";
    if (text == NULL || strlen(text) != sizeof shape - 1)
        return -1;
    for (size_t i = 0; i < sizeof shape - 1; i++) {
        if (shape[i] == 'd' ? !isdigit((unsigned char)text[i]) : text[i] != shape[i])
            return -1;
    }
    int fields[6];
    static const int offsets[6] = {0, 5, 8, 11, 14, 17};
    for (int f = 0; f < 6; f++) {
        const char *p = text + offsets[f];
        int value = 0;
        for (int i = 0; i < (f == 0 ? 4 : 2); i++)
            value = value * 10 + (p[i] - '0');
        fields[f] = value;
    }
    *wall = (s_wall_t){fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]};
    if (wall->year < S_MIN_YEAR || wall->year > S_MAX_YEAR || wall->month < 1 || wall->month > 12 ||
        wall->day < 1 || wall->day > icaltime_days_in_month(wall->month, wall->year) ||
        wall->hour > 23 || wall->minute > 59 || wall->second > 59)
        return -1;
    return 0;
}

static void
s_wall_format(const s_wall_t *wall, char *out, size_t size)
{
    snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02d", wall->year, wall->month, wall->day,
             wall->hour, wall->minute, wall->second);
}

/* The wall-clock fields read as if they were UTC: seconds since the epoch. */
static int64_t
s_wall_seconds(const s_wall_t *wall)
{
    struct tm tm = {.tm_year = wall->year - 1900,
                    .tm_mon = wall->month - 1,
                    .tm_mday = wall->day,
                    .tm_hour = wall->hour,
                    .tm_min = wall->minute,
                    .tm_sec = wall->second};
    return (int64_t)timegm(&tm);
}

/* Inverse of s_wall_seconds. 0, or -1 outside the years 1900..9999. */
static int
s_wall_from_seconds(int64_t seconds, s_wall_t *wall)
{
    time_t t = (time_t)seconds;
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 < S_MIN_YEAR ||
        tm.tm_year + 1900 > S_MAX_YEAR)
        return -1;
    *wall =
        (s_wall_t){tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
    return 0;
}

/* The zone's UTC offset in seconds at the UTC instant utc. */
static int
s_offset_at(icaltimezone *zone, int64_t utc)
{
    struct icaltimetype at =
        icaltime_from_timet_with_zone((time_t)utc, 0, icaltimezone_get_utc_timezone());
    int is_daylight = 0;
    return icaltimezone_get_utc_offset_of_utc_time(zone, &at, &is_daylight);
}

/* Wall-clock time in zone -> UTC with the rules of the header. Real zones change their offset
 * at most once within two days, so the offsets a day before and a day after are the only
 * candidates; a candidate holds when the zone really has that offset at the resulting instant. */
static int64_t
s_wall_to_utc(icaltimezone *zone, const s_wall_t *wall)
{
    int64_t local = s_wall_seconds(wall);
    int offset_before = s_offset_at(zone, local - S_DAY_SECONDS);
    int offset_after = s_offset_at(zone, local + S_DAY_SECONDS);
    int64_t with_before = local - offset_before;
    int64_t with_after = local - offset_after;
    bool before_holds = s_offset_at(zone, with_before) == offset_before;
    bool after_holds = s_offset_at(zone, with_after) == offset_after;
    if (before_holds && after_holds)
        return with_before < with_after ? with_before : with_after; /* repeated: the first */
    if (after_holds)
        return with_after;
    return with_before; /* valid, or in a gap: the offset before the gap shifts it forward */
}

static int
s_utc_to_wall(icaltimezone *zone, int64_t utc, s_wall_t *wall)
{
    return s_wall_from_seconds(utc + s_offset_at(zone, utc), wall);
}

int
events_local_to_utc(const char *tzid, const char *local, int64_t *utc)
{
    icaltimezone *zone = s_zone(tzid);
    s_wall_t wall;
    if (zone == NULL || utc == NULL || s_wall_parse(local, &wall) != 0)
        return -1;
    *utc = s_wall_to_utc(zone, &wall);
    return 0;
}

int
events_utc_to_local(const char *tzid, int64_t utc, char *out, size_t size)
{
    icaltimezone *zone = s_zone(tzid);
    s_wall_t wall;
    /* the range check keeps the offset arithmetic and time_t far from overflow */
    if (zone == NULL || out == NULL || size < EVENTS_LOCAL_TIME_SIZE || utc < -2300000000LL ||
        utc > 253402400000LL || s_utc_to_wall(zone, utc, &wall) != 0)
        return -1;
    s_wall_format(&wall, out, size);
    return 0;
}

/* ---- rule checks libical's parser does not make ---- */

/* The rule parts a series may use; anything else is refused with its reason. */
typedef struct {
    const char *name;
    const char *refusal; /* NULL: allowed; otherwise why it is refused */
} s_rule_part_t;

static const s_rule_part_t s_rule_parts[] = {
    {"FREQ", NULL},
    {"UNTIL", NULL},
    {"COUNT", NULL},
    {"INTERVAL", NULL},
    {"BYDAY", NULL},
    {"BYMONTHDAY", NULL},
    {"BYYEARDAY", NULL},
    {"BYWEEKNO", NULL},
    {"BYMONTH", NULL},
    {"BYSETPOS", NULL},
    {"WKST", NULL},
    /* several times a day would need the iterator to search hours or minutes */
    {"BYHOUR", "the time of day comes from the start time"},
    {"BYMINUTE", "the time of day comes from the start time"},
    {"BYSECOND", "the time of day comes from the start time"},
    /* RFC 7529: not built into Debian's libical */
    {"RSCALE", "non-Gregorian calendars are not supported"},
    {"SKIP", "non-Gregorian calendars are not supported"},
};

/* A positive decimal no larger than limit, digits only. */
static bool
s_positive_number(const char *text, size_t length, long limit)
{
    if (length == 0 || length > 9)
        return false;
    long value = 0;
    for (size_t i = 0; i < length; i++) {
        if (!isdigit((unsigned char)text[i]))
            return false;
        value = value * 10 + (text[i] - '0');
    }
    return value >= 1 && value <= limit;
}

/* Splits the rule into NAME=VALUE parts and checks names, repeats and the numbers libical reads
 * with atoi (COUNT=0 would silently mean "no count"). 0, or -1 with error filled. */
static int
s_rule_parts_check(const char *rrule, char *error, size_t error_size)
{
    bool seen[VB_ARRAY_SIZE(s_rule_parts)] = {false};
    const char *part = rrule;
    while (true) {
        const char *end = strchr(part, ';');
        size_t length = end != NULL ? (size_t)(end - part) : strlen(part);
        const char *equals = memchr(part, '=', length);
        if (length == 0 || equals == NULL || equals == part || equals + 1 == part + length) {
            s_fail(error, error_size, "rrule: every part must be NAME=VALUE, separated by ';'");
            return -1;
        }
        size_t name_length = (size_t)(equals - part);
        const char *value = equals + 1;
        size_t value_length = length - name_length - 1;
        size_t index = 0;
        while (index < VB_ARRAY_SIZE(s_rule_parts) &&
               (strlen(s_rule_parts[index].name) != name_length ||
                strncasecmp(s_rule_parts[index].name, part, name_length) != 0))
            index++;
        if (index == VB_ARRAY_SIZE(s_rule_parts)) {
            s_fail(error, error_size, "rrule: unknown part %.*s", (int)name_length, part);
            return -1;
        }
        if (s_rule_parts[index].refusal != NULL) {
            s_fail(error, error_size, "rrule: %s is not allowed (%s)", s_rule_parts[index].name,
                   s_rule_parts[index].refusal);
            return -1;
        }
        if (seen[index]) {
            s_fail(error, error_size, "rrule: %s is given twice", s_rule_parts[index].name);
            return -1;
        }
        seen[index] = true;
        if (strcmp(s_rule_parts[index].name, "COUNT") == 0 &&
            !s_positive_number(value, value_length, S_MAX_COUNT)) {
            s_fail(error, error_size, "rrule: COUNT must be a whole number from 1 to %d",
                   S_MAX_COUNT);
            return -1;
        }
        if (strcmp(s_rule_parts[index].name, "INTERVAL") == 0 &&
            !s_positive_number(value, value_length, 1000)) {
            s_fail(error, error_size, "rrule: INTERVAL must be a whole number from 1 to 1000");
            return -1;
        }
        if (end == NULL)
            break;
        part = end + 1;
    }
    if (!seen[0]) {
        s_fail(error, error_size, "rrule: FREQ is missing");
        return -1;
    }
    return 0;
}

static struct icaltimetype
s_floating(const s_wall_t *wall)
{
    struct icaltimetype t = icaltime_null_time();
    t.year = wall->year;
    t.month = wall->month;
    t.day = wall->day;
    t.hour = wall->hour;
    t.minute = wall->minute;
    t.second = wall->second;
    t.is_date = 0;
    t.zone = NULL;
    return t;
}

static s_wall_t
s_wall_of(struct icaltimetype t)
{
    return (s_wall_t){t.year, t.month, t.day, t.hour, t.minute, t.second};
}

/* The last wall-clock time an occurrence may have under the rule's UNTIL, and the UTC limit if
 * UNTIL is a UTC time (INT64_MAX otherwise). 0, or -1 with error filled. */
static int
s_until_bounds(struct icaltimetype until, icaltimezone *zone, s_wall_t *wall_limit,
               int64_t *utc_limit, char *error, size_t error_size)
{
    *utc_limit = INT64_MAX;
    if (until.is_date) {
        /* a DATE counts as the whole local day */
        *wall_limit = (s_wall_t){until.year, until.month, until.day, 23, 59, 59};
        return 0;
    }
    if (!icaltime_is_utc(until)) {
        s_fail(error, error_size,
               "rrule: UNTIL must be a UTC time (YYYYMMDDTHHMMSSZ) or a date (YYYYMMDD)");
        return -1;
    }
    s_wall_t until_wall = s_wall_of(until);
    *utc_limit = s_wall_seconds(&until_wall);
    /* a day of slack covers any zone offset; the exact check is on UTC. An UNTIL outside the
     * years 1900..9999 is clamped: before any start, or no end (the horizon applies). */
    if (s_wall_from_seconds(*utc_limit + s_offset_at(zone, *utc_limit) + S_DAY_SECONDS,
                            wall_limit) != 0)
        *wall_limit = *utc_limit < 0 ? (s_wall_t){S_MIN_YEAR, 1, 1, 0, 0, 0}
                                     : (s_wall_t){S_MAX_YEAR, 12, 31, 23, 59, 59};
    return 0;
}

static int
s_wall_compare(const s_wall_t *a, const s_wall_t *b)
{
    int64_t x = s_wall_seconds(a), y = s_wall_seconds(b);
    return x < y ? -1 : x > y;
}

int
events_recurrence_expand(const char *rrule, const char *tzid, const char *dtstart_local,
                         int64_t duration_s, size_t max, events_occurrence_t *out, char *error,
                         size_t error_size)
{
    if (error != NULL && error_size > 0)
        error[0] = '\0';
    icaltimezone *zone = s_zone(tzid);
    if (zone == NULL) {
        s_fail(error, error_size, "unknown time zone");
        return -1;
    }
    s_wall_t start;
    if (s_wall_parse(dtstart_local, &start) != 0) {
        s_fail(error, error_size, "start time must be YYYY-MM-DDTHH:MM:SS (a real date)");
        return -1;
    }
    if (start.year > S_MAX_SERIES_START_YEAR) {
        s_fail(error, error_size, "a series must start before the year %d",
               S_MAX_SERIES_START_YEAR + 1);
        return -1;
    }
    if (duration_s < 0 || duration_s > S_MAX_DURATION_SECONDS) {
        s_fail(error, error_size, "duration must be from 0 to %d seconds", S_MAX_DURATION_SECONDS);
        return -1;
    }
    if (rrule == NULL || rrule[0] == '\0') {
        s_fail(error, error_size, "rrule is empty");
        return -1;
    }
    if (strlen(rrule) > EVENTS_RRULE_MAX) {
        s_fail(error, error_size, "rrule is longer than %d characters", EVENTS_RRULE_MAX);
        return -1;
    }
    if (s_rule_parts_check(rrule, error, error_size) != 0)
        return -1;

    struct icalrecurrencetype rule = icalrecurrencetype_from_string(rrule);
    icalerror_clear_errno(); /* the parser's complaints are reported through error instead */
    if (rule.freq == ICAL_NO_RECURRENCE) {
        s_fail(error, error_size, "rrule is not a valid RFC 5545 recurrence rule");
        return -1;
    }
    if (rule.freq != ICAL_DAILY_RECURRENCE && rule.freq != ICAL_WEEKLY_RECURRENCE &&
        rule.freq != ICAL_MONTHLY_RECURRENCE && rule.freq != ICAL_YEARLY_RECURRENCE) {
        s_fail(error, error_size, "rrule: FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY");
        return -1;
    }

    /* The iterator stops at the earlier of UNTIL (plus slack) and the horizon, so that a rule
     * that matches rarely or never cannot make it search for centuries. */
    s_wall_t limit = start;
    limit.year = start.year + EVENTS_RECURRENCE_HORIZON_YEARS;
    if (limit.year > S_MAX_YEAR)
        limit.year = S_MAX_YEAR;
    if (limit.month == 2 && limit.day == 29)
        limit.day = 28;
    int64_t utc_limit = INT64_MAX;
    if (!icaltime_is_null_time(rule.until)) {
        s_wall_t until_limit;
        if (s_until_bounds(rule.until, zone, &until_limit, &utc_limit, error, error_size) != 0)
            return -1;
        if (s_wall_compare(&until_limit, &limit) < 0)
            limit = until_limit;
    }
    rule.until = s_floating(&limit);

    struct icaltimetype first = s_floating(&start);
    icalrecur_iterator *iterator = icalrecur_iterator_new(rule, first);
    icalerror_clear_errno();
    if (iterator == NULL) {
        s_fail(error, error_size,
               "rrule is not a valid RFC 5545 recurrence rule (a value is "
               "out of range or the parts do not fit FREQ)");
        return -1;
    }

    int written = 0;
    int result = -1;
    struct icaltimetype next = icalrecur_iterator_next(iterator);
    if (icaltime_is_null_time(next)) {
        s_fail(error, error_size, "rrule has no occurrence from the start time on");
        goto cleanup;
    }
    s_wall_t next_wall = s_wall_of(next);
    if (s_wall_compare(&next_wall, &start) != 0) {
        char first_text[EVENTS_LOCAL_TIME_SIZE];
        s_wall_format(&next_wall, first_text, sizeof first_text);
        s_fail(error, error_size,
               "the start time is not an occurrence of rrule (its first would be %s)", first_text);
        goto cleanup;
    }
    while ((size_t)written < max && !icaltime_is_null_time(next)) {
        next_wall = s_wall_of(next);
        int64_t start_utc = s_wall_to_utc(zone, &next_wall);
        if (start_utc > utc_limit)
            break; /* occurrences are a day or more apart, so UTC order is wall order */
        s_wall_t real;
        if (s_utc_to_wall(zone, start_utc, &real) != 0)
            break; /* past the year 9999 */
        events_occurrence_t *occurrence = &out[written++];
        occurrence->start_utc = start_utc;
        occurrence->end_utc = start_utc + duration_s;
        s_wall_format(&real, occurrence->start_local, sizeof occurrence->start_local);
        next = icalrecur_iterator_next(iterator);
    }
    if (written == 0 && max > 0) {
        /* UNTIL falls between the start's wall-clock time and its UTC instant */
        s_fail(error, error_size, "rrule has no occurrence from the start time on");
        goto cleanup;
    }
    result = written;
cleanup:
    icalerror_clear_errno();
    icalrecur_iterator_free(iterator);
    return result;
}
