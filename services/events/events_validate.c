/* events_validate.c - the events service's input rules (see events_validate.h): tables of enum
 * names, time syntax with timegm, and whole-message checks that collect every field error.
 * Does not: touch time zones, the database or the caller. */
#define _DEFAULT_SOURCE /* timegm */
#include "events_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vb/ids.h"
#include "vb/text.h"
#include "events_recurrence.h"

/* ---- enum names: index = enum value ---- */

static const char *const s_kind_names[] = {
    [VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_DIALOGUE] = "dialogue",
    [VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_WEBINAR] = "webinar",
    [VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_SUMMIT] = "summit",
    [VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_WORKSHOP] = "workshop",
    [VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_PEER_CALL] = "peer_call",
    [VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_KNOWLEDGE_CAFE] = "knowledge_cafe",
    [VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_MARKET_OF_POSSIBILITIES] =
        "market_of_possibilities",
    [VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_NETWORK_MEETING] = "network_meeting",
    [VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_KICKOFF] = "kickoff",
};

static const char *const s_registration_status_names[] = {
    [EVENTS_REGISTRATION_CONFIRMED] = "confirmed",
    [EVENTS_REGISTRATION_WAITLISTED] = "waitlisted",
    [EVENTS_REGISTRATION_CANCELLED] = "cancelled",
};

static const char *const s_agenda_kind_names[] = {
    [VERBUND__EVENTS__V1__AGENDA_ITEM_KIND__AGENDA_ITEM_KIND_PITCH] = "pitch",
    [VERBUND__EVENTS__V1__AGENDA_ITEM_KIND__AGENDA_ITEM_KIND_TALK] = "talk",
    [VERBUND__EVENTS__V1__AGENDA_ITEM_KIND__AGENDA_ITEM_KIND_PANEL] = "panel",
};

static const char *
s_name(const char *const *names, size_t count, int value)
{
    return value > 0 && (size_t)value < count ? names[value] : NULL;
}

static int
s_parse(const char *const *names, size_t count, const char *name, int *out)
{
    if (!name)
        return -1;
    for (size_t i = 1; i < count; i++)
        if (names[i] && strcmp(names[i], name) == 0) {
            *out = (int)i;
            return 0;
        }
    return -1;
}

const char *
events_kind_name(events_kind_t kind)
{
    return s_name(s_kind_names, VB_ARRAY_SIZE(s_kind_names), (int)kind);
}

int
events_kind_parse(const char *name, events_kind_t *out)
{
    int value;
    if (s_parse(s_kind_names, VB_ARRAY_SIZE(s_kind_names), name, &value) != 0)
        return -1;
    *out = (events_kind_t)value;
    return 0;
}

const char *
events_registration_status_name(events_registration_status_t status)
{
    return s_name(s_registration_status_names, VB_ARRAY_SIZE(s_registration_status_names),
                  (int)status);
}

int
events_registration_status_parse(const char *name, events_registration_status_t *out)
{
    int value;
    if (s_parse(s_registration_status_names, VB_ARRAY_SIZE(s_registration_status_names), name,
                &value) != 0)
        return -1;
    *out = (events_registration_status_t)value;
    return 0;
}

const char *
events_agenda_kind_name(events_agenda_kind_t kind)
{
    return s_name(s_agenda_kind_names, VB_ARRAY_SIZE(s_agenda_kind_names), (int)kind);
}

int
events_agenda_kind_parse(const char *name, events_agenda_kind_t *out)
{
    int value;
    if (s_parse(s_agenda_kind_names, VB_ARRAY_SIZE(s_agenda_kind_names), name, &value) != 0)
        return -1;
    *out = (events_agenda_kind_t)value;
    return 0;
}

/* ---- single rules ---- */

bool
events_validate_url(const char *url)
{
    if (!url || strlen(url) > EVENTS_URL_MAX)
        return false;
    const char *rest = NULL;
    if (strncmp(url, "https://", 8) == 0)
        rest = url + 8;
    else if (strncmp(url, "http://", 7) == 0)
        rest = url + 7;
    if (!rest || !rest[0] || rest[0] == '/')
        return false;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p == 0x7F || *p == '"' || *p == '<' || *p == '>' || *p == '\\')
            return false;
    return true;
}

bool
events_validate_language(const char *code)
{
    return code && strlen(code) == 2 && code[0] >= 'a' && code[0] <= 'z' && code[1] >= 'a' &&
           code[1] <= 'z';
}

bool
events_validate_currency(const char *code)
{
    if (!code || strlen(code) != 3)
        return false;
    for (int i = 0; i < 3; i++)
        if (code[i] < 'A' || code[i] > 'Z')
            return false;
    return true;
}

/* Reads exactly n digits. */
static bool
s_digits(const char *s, int n, int *out)
{
    int value = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        value = value * 10 + (s[i] - '0');
    }
    *out = value;
    return true;
}

static bool
s_leap(int year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

/* "YYYY-MM-DDTHH:MM:SS" at s (no terminator check) into tm; false when malformed. */
static bool
s_date_time(const char *s, struct tm *tm)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int year, month, day, hour, minute, second;
    if (strnlen(s, 19) < 19 || !s_digits(s, 4, &year) || s[4] != '-' ||
        !s_digits(s + 5, 2, &month) || s[7] != '-' || !s_digits(s + 8, 2, &day) ||
        (s[10] != 'T' && s[10] != 't') || !s_digits(s + 11, 2, &hour) || s[13] != ':' ||
        !s_digits(s + 14, 2, &minute) || s[16] != ':' || !s_digits(s + 17, 2, &second))
        return false;
    if (year < 1900 || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 ||
        second > 59)
        return false;
    int month_days = days[month - 1] + (month == 2 && s_leap(year) ? 1 : 0);
    if (day > month_days)
        return false;
    memset(tm, 0, sizeof *tm);
    tm->tm_year = year - 1900;
    tm->tm_mon = month - 1;
    tm->tm_mday = day;
    tm->tm_hour = hour;
    tm->tm_min = minute;
    tm->tm_sec = second;
    return true;
}

bool
events_local_time_valid(const char *local)
{
    struct tm tm;
    return local && strlen(local) == 19 && s_date_time(local, &tm);
}

int
events_time_parse(const char *text, int64_t *seconds)
{
    struct tm tm;
    if (!text || !s_date_time(text, &tm))
        return -1;
    const char *p = text + 19;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    int offset = 0;
    if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
        offset = 0;
    } else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':') {
        int hours, minutes;
        if (!s_digits(p + 1, 2, &hours) || !s_digits(p + 4, 2, &minutes) || hours > 23 ||
            minutes > 59)
            return -1;
        offset = (hours * 60 + minutes) * 60 * (*p == '-' ? -1 : 1);
    } else {
        return -1;
    }
    *seconds = (int64_t)timegm(&tm) - offset;
    return 0;
}

void
events_time_format(int64_t seconds, char out[EVENTS_RFC3339_SIZE])
{
    time_t t = (time_t)seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, EVENTS_RFC3339_SIZE, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- whole messages ---- */

/* Writes prefix.name into field; false (with "is required" when required) when value is
 * empty, so there is nothing more to check. */
static bool
s_present(events_errors_t *errors, const char *prefix, const char *name, const char *value,
          bool required, char field[static 128])
{
    snprintf(field, 128, "%s%s%s", prefix, prefix[0] ? "." : "", name);
    if (value && value[0])
        return true;
    if (required)
        vb_handler_errors_add(errors, field, "is required");
    return false;
}

static void
s_text(events_errors_t *errors, const char *prefix, const char *name, const char *value, size_t max,
       bool required, bool single_line)
{
    char field[128];
    if (!s_present(errors, prefix, name, value, required, field))
        return;
    if (!vb_text_utf8_valid(value))
        vb_handler_errors_add(errors, field, "is not valid UTF-8");
    else if (vb_text_length(value) > max)
        vb_handler_errors_add(errors, field, "is longer than %zu characters", max);
    else if (single_line && !vb_text_single_line(value))
        vb_handler_errors_add(errors, field, "must not contain control characters or line breaks");
}

static void
s_uuid(events_errors_t *errors, const char *prefix, const char *name, const char *value,
       bool required)
{
    char field[128];
    if (!s_present(errors, prefix, name, value, required, field))
        return;
    if (!vb_uuid_valid(value))
        vb_handler_errors_add(errors, field, "is not a UUID");
}

static void
s_local(events_errors_t *errors, const char *prefix, const char *name, const char *value,
        bool required)
{
    char field[128];
    if (!s_present(errors, prefix, name, value, required, field))
        return;
    if (!events_local_time_valid(value))
        vb_handler_errors_add(errors, field,
                              "must be a local date and time \"YYYY-MM-DDTHH:MM:SS\" (no zone)");
}

static void
s_money(events_errors_t *errors, const char *prefix, const char *name, const events_money_t *money)
{
    if (!money)
        return;
    char field[128];
    snprintf(field, sizeof field, "%s.%s.cents", prefix, name);
    if (money->cents < 0 || money->cents > EVENTS_PRICE_MAX_CENTS)
        vb_handler_errors_add(errors, field, "must be between 0 and %lld",
                              (long long)EVENTS_PRICE_MAX_CENTS);
    snprintf(field, sizeof field, "%s.%s.currency", prefix, name);
    if (!events_validate_currency(money->currency))
        vb_handler_errors_add(errors, field, "must be an ISO 4217 code such as \"EUR\"");
}

void
events_validate_event(const events_event_t *event, const vb_taxonomy_t *taxonomy,
                      const char *prefix, events_errors_t *errors)
{
    if (!event) {
        vb_handler_errors_add(errors, prefix, "is required");
        return;
    }
    char field[128];
    s_text(errors, prefix, "title", event->title, EVENTS_TITLE_MAX, true, true);
    s_text(errors, prefix, "description", event->description, EVENTS_TEXT_MAX, false, false);
    if (!events_kind_name(event->kind)) {
        snprintf(field, sizeof field, "%s.kind", prefix);
        vb_handler_errors_add(errors, field,
                              "must be one of dialogue, webinar, summit, workshop, peer_call, "
                              "knowledge_cafe, market_of_possibilities, network_meeting, kickoff");
    }
    s_uuid(errors, prefix, "organiser_person_id", event->organiser_person_id, true);
    s_uuid(errors, prefix, "community_id", event->community_id, false);
    s_local(errors, prefix, "start_local", event->start_local, true);
    s_local(errors, prefix, "end_local", event->end_local, true);
    s_text(errors, prefix, "time_zone", event->time_zone, 64, true, true);
    bool has_venue = event->venue && event->venue->name && event->venue->name[0];
    if (event->venue) {
        char venue_prefix[128];
        snprintf(venue_prefix, sizeof venue_prefix, "%s.venue", prefix);
        s_text(errors, venue_prefix, "name", event->venue->name, EVENTS_TITLE_MAX, false, true);
        s_text(errors, venue_prefix, "address", event->venue->address, 500, false, true);
    }
    snprintf(field, sizeof field, "%s.online_url", prefix);
    if (event->online_url && event->online_url[0] && !events_validate_url(event->online_url))
        vb_handler_errors_add(errors, field, "must be an http(s) URL of at most %d characters",
                              EVENTS_URL_MAX);
    if (!has_venue && !(event->online_url && event->online_url[0]))
        vb_handler_errors_add(errors, field, "is required when there is no venue");
    if (event->capacity < 1 || event->capacity > EVENTS_CAPACITY_MAX) {
        snprintf(field, sizeof field, "%s.capacity", prefix);
        vb_handler_errors_add(errors, field, "must be between 1 and %d", EVENTS_CAPACITY_MAX);
    }
    int64_t opens = 0, closes = 0;
    bool has_opens = event->registration_opens_at && event->registration_opens_at[0];
    bool has_closes = event->registration_closes_at && event->registration_closes_at[0];
    if (has_opens && events_time_parse(event->registration_opens_at, &opens) != 0) {
        snprintf(field, sizeof field, "%s.registration_opens_at", prefix);
        vb_handler_errors_add(errors, field, "must be an RFC 3339 time");
        has_opens = false;
    }
    if (has_closes && events_time_parse(event->registration_closes_at, &closes) != 0) {
        snprintf(field, sizeof field, "%s.registration_closes_at", prefix);
        vb_handler_errors_add(errors, field, "must be an RFC 3339 time");
        has_closes = false;
    }
    if (has_opens && has_closes && closes <= opens) {
        snprintf(field, sizeof field, "%s.registration_closes_at", prefix);
        vb_handler_errors_add(errors, field, "must be after registration_opens_at");
    }
    s_money(errors, prefix, "price_member", event->price_member);
    s_money(errors, prefix, "price_non_member", event->price_non_member);
    if (event->language && event->language[0] && !events_validate_language(event->language)) {
        snprintf(field, sizeof field, "%s.language", prefix);
        vb_handler_errors_add(errors, field, "must be an ISO 639-1 code such as \"de\"");
    }
    if (event->n_topics > EVENTS_TOPICS_MAX) {
        snprintf(field, sizeof field, "%s.topics", prefix);
        vb_handler_errors_add(errors, field, "must have at most %d entries", EVENTS_TOPICS_MAX);
    }
    for (size_t i = 0; i < event->n_topics && i < EVENTS_TOPICS_MAX; i++) {
        snprintf(field, sizeof field, "%s.topics[%zu]", prefix, i);
        if (!vb_taxonomy_contains(taxonomy, event->topics[i]))
            vb_handler_errors_add(errors, field, "is not in the competence taxonomy");
        for (size_t j = 0; j < i; j++)
            if (strcmp(event->topics[i], event->topics[j]) == 0) {
                vb_handler_errors_add(errors, field, "repeats topics[%zu]", j);
                break;
            }
    }
    if (event->rrule && event->rrule[0]) {
        snprintf(field, sizeof field, "%s.rrule", prefix);
        if (strlen(event->rrule) > EVENTS_RRULE_MAX || !vb_text_single_line(event->rrule))
            vb_handler_errors_add(errors, field, "must be one line of at most %d characters",
                                  EVENTS_RRULE_MAX);
    }
    if (event->rounds < 0 || event->rounds > EVENTS_ROUNDS_MAX) {
        snprintf(field, sizeof field, "%s.rounds", prefix);
        vb_handler_errors_add(errors, field, "must be between 0 and %d", EVENTS_ROUNDS_MAX);
    }
}

void
events_validate_table(const events_table_t *table, const char *prefix, events_errors_t *errors)
{
    if (!table) {
        vb_handler_errors_add(errors, prefix, "is required");
        return;
    }
    s_text(errors, prefix, "topic", table->topic, EVENTS_TITLE_MAX, true, true);
    s_uuid(errors, prefix, "moderator_person_id", table->moderator_person_id, false);
    if (table->capacity < 1 || table->capacity > 1000) {
        char field[128];
        snprintf(field, sizeof field, "%s.capacity", prefix);
        vb_handler_errors_add(errors, field, "must be between 1 and 1000");
    }
}

void
events_validate_booth(const events_booth_t *booth, const char *prefix, events_errors_t *errors)
{
    if (!booth) {
        vb_handler_errors_add(errors, prefix, "is required");
        return;
    }
    s_uuid(errors, prefix, "organization_id", booth->organization_id, false);
    s_text(errors, prefix, "project_name", booth->project_name, EVENTS_TITLE_MAX, false, true);
    if (!(booth->organization_id && booth->organization_id[0]) &&
        !(booth->project_name && booth->project_name[0])) {
        char field[128];
        snprintf(field, sizeof field, "%s.project_name", prefix);
        vb_handler_errors_add(errors, field, "is required when there is no organization_id");
    }
    s_text(errors, prefix, "description", booth->description, EVENTS_TEXT_MAX, false, false);
    bool has_start = booth->pitch_start_local && booth->pitch_start_local[0];
    bool has_end = booth->pitch_end_local && booth->pitch_end_local[0];
    s_local(errors, prefix, "pitch_start_local", booth->pitch_start_local, has_end);
    s_local(errors, prefix, "pitch_end_local", booth->pitch_end_local, has_start);
}

void
events_validate_agenda_item(const events_agenda_item_t *item, const char *prefix,
                            events_errors_t *errors)
{
    if (!item) {
        vb_handler_errors_add(errors, prefix, "is required");
        return;
    }
    char field[128];
    if (!events_agenda_kind_name(item->kind)) {
        snprintf(field, sizeof field, "%s.kind", prefix);
        vb_handler_errors_add(errors, field, "must be pitch, talk or panel");
    }
    s_text(errors, prefix, "title", item->title, EVENTS_TITLE_MAX, true, true);
    s_local(errors, prefix, "start_local", item->start_local, true);
    s_local(errors, prefix, "end_local", item->end_local, true);
    if (item->n_speaker_person_ids > EVENTS_SPEAKERS_MAX) {
        snprintf(field, sizeof field, "%s.speaker_person_ids", prefix);
        vb_handler_errors_add(errors, field, "must have at most %d entries", EVENTS_SPEAKERS_MAX);
    }
    for (size_t i = 0; i < item->n_speaker_person_ids && i < EVENTS_SPEAKERS_MAX; i++) {
        snprintf(field, sizeof field, "speaker_person_ids[%zu]", i);
        s_uuid(errors, prefix, field, item->speaker_person_ids[i], true);
    }
}

bool
events_is_free(const events_event_t *event)
{
    return !(event->price_member && event->price_member->cents > 0) &&
           !(event->price_non_member && event->price_non_member->cents > 0);
}
