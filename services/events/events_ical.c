/* events_ical.c - builds the iCalendar feed as a libical component tree and lets libical write
 * it (escaping, folding, CRLF). Does not: write any iCalendar syntax by hand, or decide which
 * fields a reader may see (the caller does, see events_ical.h).
 *
 * Zones: the VTIMEZONE is libical's builtin component for the zone, copied, renamed from
 * libical's "/freeassociation.sourceforge.net/<zone>" to the plain IANA name and cut to the
 * years the feed needs. The IANA name lets readers that know it use their own zone data, and
 * some must: Debian's python3-icalendar 4.0.3 cannot build a zone from any VTIMEZONE whose
 * RRULE has an UNTIL (dateutil refuses a UTC UNTIL with a floating DTSTART), and only tries to
 * when it does not know the TZID. */
#include "events_ical.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "events_recurrence.h"

#define S_SEQUENCE_MAX 2147483647
#define S_YEAR_SECONDS (366 * 86400)

static void VB_PRINTF(3, 4) s_fail(char *error, size_t error_size, const char *format, ...)
{
    if (error == NULL || error_size == 0)
        return;
    va_list args;
    va_start(args, format);
    vsnprintf(error, error_size, format, args);
    va_end(args);
}

/* Length of the valid UTF-8 sequence at text (1..4), or 0 when it is not one. */
static size_t
s_utf8_length(const unsigned char *text)
{
    unsigned char c = text[0];
    size_t length;
    unsigned int min;
    unsigned int code;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        length = 2, min = 0x80, code = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        length = 3, min = 0x800, code = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        length = 4, min = 0x10000, code = c & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < length; i++) {
        if ((text[i] & 0xC0) != 0x80)
            return 0;
        code = (code << 6) | (text[i] & 0x3F);
    }
    if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
        return 0;
    return length;
}

/* A copy of text that libical may write as a TEXT value: line feeds and tabs stay (libical
 * escapes line feeds as \n), a CR of a CRLF is dropped, other control characters become spaces
 * and invalid UTF-8 bytes '?'. The caller frees it; NULL when out of memory. */
static char *
s_clean_text(const char *text)
{
    size_t size = strlen(text);
    char *copy = malloc(size + 1);
    if (copy == NULL)
        return NULL;
    const unsigned char *in = (const unsigned char *)text;
    char *out = copy;
    while (*in) {
        size_t length = s_utf8_length(in);
        if (length == 0) {
            *out++ = '?';
            in++;
        } else if (length > 1) {
            memcpy(out, in, length);
            out += length;
            in += length;
        } else if (*in == '\r' && in[1] == '\n') {
            in++;
        } else if ((*in < 0x20 && *in != '\n' && *in != '\t') || *in == 0x7F) {
            *out++ = ' ';
            in++;
        } else {
            *out++ = (char)*in++;
        }
    }
    *out = '\0';
    return copy;
}

/* True when url can be written unescaped: no spaces, control characters, quotes or
 * backslashes, and valid UTF-8 (a URI value has no escaping, so anything else could break the
 * line; non-ASCII letters of an IRI cannot). */
static bool
s_url_ok(const char *url)
{
    const unsigned char *c = (const unsigned char *)url;
    while (*c) {
        size_t length = s_utf8_length(c);
        if (length == 0 || (length == 1 && (*c <= 0x20 || *c == 0x7F || *c == '"' || *c == '\\')))
            return false;
        c += length;
    }
    return true;
}

/* Adds a TEXT property made by make from a cleaned copy of text; NULL or empty adds nothing.
 * 0, or -1 when out of memory. */
static int
s_add_text(icalcomponent *component, icalproperty *(*make)(const char *), const char *text)
{
    if (text == NULL || text[0] == '\0')
        return 0;
    char *clean = s_clean_text(text);
    if (clean == NULL)
        return -1;
    icalcomponent_add_property(component, make(clean));
    free(clean);
    return 0;
}

static struct icaltimetype
s_utc_time(int64_t utc)
{
    return icaltime_from_timet_with_zone((time_t)utc, 0, icaltimezone_get_utc_timezone());
}

/* libical's own UTC zone ("UTC", "GMT") has no VTIMEZONE: its times are written as UTC. */
static bool
s_is_utc(icaltimezone *zone)
{
    return zone == icaltimezone_get_utc_timezone();
}

/* A DTSTART/DTEND property in local time with a TZID parameter naming the IANA zone, or in UTC
 * ("...Z") for the UTC zone. */
static icalproperty *
s_local_time_property(icalproperty *(*make)(struct icaltimetype), icaltimezone *zone,
                      const char *tzid, int64_t utc)
{
    if (s_is_utc(zone))
        return make(s_utc_time(utc));
    struct icaltimetype local = icaltime_from_timet_with_zone((time_t)utc, 0, zone);
    local.zone = NULL; /* the TZID parameter below names the zone, not libical's own id */
    icalproperty *property = make(local);
    icalproperty_add_parameter(property, icalparameter_new_tzid(tzid));
    return property;
}

/* Checks an item before anything is built. 0, or -1 with error filled. */
static int
s_item_check(const events_ical_event_t *item, size_t index, char *error, size_t error_size)
{
    if (item->uid == NULL || item->uid[0] == '\0') {
        s_fail(error, error_size, "item %zu: uid is missing", index);
        return -1;
    }
    if (!events_timezone_valid(item->tzid)) {
        s_fail(error, error_size, "item %zu: unknown time zone", index);
        return -1;
    }
    if (item->end_utc < item->start_utc) {
        s_fail(error, error_size, "item %zu: end is before start", index);
        return -1;
    }
    if (item->sequence < 0 || item->sequence > S_SEQUENCE_MAX) {
        s_fail(error, error_size, "item %zu: sequence out of range", index);
        return -1;
    }
    if (item->url != NULL && item->url[0] != '\0' && !s_url_ok(item->url)) {
        s_fail(error, error_size,
               "item %zu: url has spaces, control characters, quotes, backslashes or invalid UTF-8",
               index);
        return -1;
    }
    /* libical writes years 1900..9999 only in the four digits iCalendar allows */
    char scratch[EVENTS_LOCAL_TIME_SIZE];
    if (events_utc_to_local(item->tzid, item->start_utc, scratch, sizeof scratch) != 0 ||
        events_utc_to_local(item->tzid, item->end_utc, scratch, sizeof scratch) != 0 ||
        events_utc_to_local("UTC", item->updated_utc, scratch, sizeof scratch) != 0) {
        s_fail(error, error_size, "item %zu: a time is out of range", index);
        return -1;
    }
    return 0;
}

static icalcomponent *
s_vevent(const events_ical_event_t *item)
{
    icalcomponent *event = icalcomponent_new_vevent();
    icaltimezone *zone = icaltimezone_get_builtin_timezone(item->tzid);
    char *uid = s_clean_text(item->uid);
    if (event == NULL || uid == NULL)
        goto failed;
    icalcomponent_add_property(event, icalproperty_new_uid(uid));
    free(uid);
    uid = NULL;
    icalcomponent_add_property(event, icalproperty_new_sequence((int)item->sequence));
    icalcomponent_add_property(event, icalproperty_new_dtstamp(s_utc_time(item->updated_utc)));
    icalcomponent_add_property(event, icalproperty_new_lastmodified(s_utc_time(item->updated_utc)));
    icalcomponent_add_property(
        event, s_local_time_property(icalproperty_new_dtstart, zone, item->tzid, item->start_utc));
    icalcomponent_add_property(
        event, s_local_time_property(icalproperty_new_dtend, zone, item->tzid, item->end_utc));
    icalcomponent_add_property(
        event,
        icalproperty_new_status(item->cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
    if (s_add_text(event, icalproperty_new_summary, item->summary) != 0 ||
        s_add_text(event, icalproperty_new_description, item->description) != 0 ||
        s_add_text(event, icalproperty_new_location, item->location) != 0 ||
        s_add_text(event, icalproperty_new_categories, item->categories) != 0)
        goto failed;
    if (item->url != NULL && item->url[0] != '\0')
        icalcomponent_add_property(event, icalproperty_new_url(item->url));
    return event;
failed:
    free(uid);
    if (event != NULL)
        icalcomponent_free(event);
    return NULL;
}

/* The VTIMEZONE of tzid named by its IANA name, with the transitions from a year before
 * earliest_utc on; NULL when libical has none or is out of memory. */
static icalcomponent *
s_vtimezone(const char *tzid, int64_t earliest_utc)
{
    icaltimezone *zone = icaltimezone_get_builtin_timezone(tzid);
    icalcomponent *builtin = icaltimezone_get_component(zone);
    if (builtin == NULL)
        return NULL;
    icalcomponent *vtimezone = icalcomponent_new_clone(builtin);
    if (vtimezone == NULL)
        return NULL;
    icalproperty *name = icalcomponent_get_first_property(vtimezone, ICAL_TZID_PROPERTY);
    if (name != NULL)
        icalproperty_set_tzid(name, tzid);
    else
        icalcomponent_add_property(vtimezone, icalproperty_new_tzid(tzid));
    icaltimezone_truncate_vtimezone(vtimezone, s_utc_time(earliest_utc - S_YEAR_SECONDS),
                                    icaltime_null_time(), 0);
    return vtimezone;
}

/* A zone the feed uses and the earliest start in it. */
typedef struct {
    const char *tzid;
    int64_t earliest_utc;
} s_zone_use_t;

char *
events_ical_render(const char *calendar_name, const events_ical_event_t *items, size_t count,
                   char *error, size_t error_size)
{
    if (error != NULL && error_size > 0)
        error[0] = '\0';
    if (count > 0 && items == NULL) {
        s_fail(error, error_size, "no items");
        return NULL;
    }
    for (size_t i = 0; i < count; i++)
        if (s_item_check(&items[i], i, error, error_size) != 0)
            return NULL;

    char *text = NULL;
    s_zone_use_t *zones = NULL;
    char *name = s_clean_text(calendar_name != NULL ? calendar_name : "verbund");
    icalcomponent *calendar = icalcomponent_new_vcalendar();
    if (name == NULL || calendar == NULL)
        goto out_of_memory;
    icalcomponent_add_property(calendar, icalproperty_new_version("2.0"));
    icalcomponent_add_property(calendar, icalproperty_new_prodid(EVENTS_ICAL_PRODID));
    icalcomponent_add_property(calendar, icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_property(calendar, icalproperty_new_method(ICAL_METHOD_PUBLISH));
    /* a calendar name is one line: libical writes an X- property's value without escaping
     * line feeds */
    for (char *c = name; *c; c++)
        if (*c == '\n' || *c == '\t')
            *c = ' ';
    icalproperty *calendar_name_property = icalproperty_new_x(name);
    icalproperty_set_x_name(calendar_name_property, "X-WR-CALNAME");
    icalcomponent_add_property(calendar, calendar_name_property);

    /* One VTIMEZONE per zone, covering the earliest start in that zone */
    zones = calloc(count > 0 ? count : 1, sizeof *zones);
    if (zones == NULL)
        goto out_of_memory;
    size_t zone_count = 0;
    for (size_t i = 0; i < count; i++) {
        size_t k = 0;
        while (k < zone_count && strcmp(zones[k].tzid, items[i].tzid) != 0)
            k++;
        if (k == zone_count)
            zones[zone_count++] = (s_zone_use_t){items[i].tzid, items[i].start_utc};
        else if (items[i].start_utc < zones[k].earliest_utc)
            zones[k].earliest_utc = items[i].start_utc;
    }
    for (size_t k = 0; k < zone_count; k++) {
        if (s_is_utc(icaltimezone_get_builtin_timezone(zones[k].tzid)))
            continue;
        icalcomponent *vtimezone = s_vtimezone(zones[k].tzid, zones[k].earliest_utc);
        if (vtimezone == NULL) {
            s_fail(error, error_size, "no VTIMEZONE for the time zone %s", zones[k].tzid);
            goto cleanup;
        }
        icalcomponent_add_component(calendar, vtimezone);
    }
    for (size_t i = 0; i < count; i++) {
        icalcomponent *event = s_vevent(&items[i]);
        if (event == NULL)
            goto out_of_memory;
        icalcomponent_add_component(calendar, event);
    }

    /* libical's buffer is its own allocation: copy it into one the caller frees with free() */
    char *rendered = icalcomponent_as_ical_string_r(calendar);
    if (rendered == NULL)
        goto out_of_memory;
    text = strdup(rendered);
    icalmemory_free_buffer(rendered);
    if (text == NULL)
        goto out_of_memory;
    goto cleanup;
out_of_memory:
    s_fail(error, error_size, "out of memory");
cleanup:
    free(zones);
    free(name);
    if (calendar != NULL)
        icalcomponent_free(calendar);
    icalerror_clear_errno();
    return text;
}
