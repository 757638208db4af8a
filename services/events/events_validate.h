/* events_validate.h - input rules of the events service as pure functions: enum names, RFC 3339
 * and wall-clock time syntax, UTF-8 lengths, URLs, money, languages, topics against the
 * taxonomy, and whole events, tables, booths and agenda items. Every failing rule adds a field
 * error ("event.capacity"); nothing stops at the first.
 * Does not: convert between time zones (events_recurrence.h does), check existence in the
 * database, or authorise. */
#ifndef EVENTS_VALIDATE_H
#define EVENTS_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/assert.h"
#include "vb/handler.h"
#include "vb/taxonomy.h"
#include "events_proto.h"

#define EVENTS_MAX_FIELD_ERRORS VB_HANDLER_MAX_FIELD_ERRORS
#define EVENTS_TITLE_MAX 200  /* characters (code points) */
#define EVENTS_TEXT_MAX 10000 /* descriptions */
#define EVENTS_URL_MAX 2000
#define EVENTS_CAPACITY_MAX 100000
#define EVENTS_TOPICS_MAX 20
#define EVENTS_ROUNDS_MAX 20
#define EVENTS_TABLE_PREFERENCES_MAX 20
#define EVENTS_SPEAKERS_MAX 20
#define EVENTS_PRICE_MAX_CENTS INT64_C(100000000) /* one million euro */
#define EVENTS_RFC3339_SIZE 32

/* Validation errors (vb/handler.h): field paths and messages, the first
 * EVENTS_MAX_FIELD_ERRORS kept. */
typedef vb_handler_errors_t events_errors_t;
/* The name events_cafe.c adds errors by. */
#define events_errors_add vb_handler_errors_add

/* Lower-case names of the enums ("knowledge_cafe", "confirmed", "pitch"); NULL when unknown or
 * unspecified. parse: 0 with *out set, or -1. */
const char *events_kind_name(events_kind_t kind);
int events_kind_parse(const char *name, events_kind_t *out);
const char *events_registration_status_name(events_registration_status_t status);
int events_registration_status_parse(const char *name, events_registration_status_t *out);
const char *events_agenda_kind_name(events_agenda_kind_t kind);
int events_agenda_kind_parse(const char *name, events_agenda_kind_t *out);

/* Single rules. */
bool events_validate_url(const char *url);       /* http(s)://host..., no spaces or controls */
bool events_validate_language(const char *code); /* ISO 639-1, two lower-case letters */
bool events_validate_currency(const char *code); /* three upper-case letters */
/* "YYYY-MM-DDTHH:MM:SS" with a real calendar date and time. */
bool events_local_time_valid(const char *local);

/* RFC 3339 ("2026-11-26T09:00:00Z", "...+01:00", fractions allowed) -> Unix seconds. 0 or -1. */
int events_time_parse(const char *text, int64_t *seconds);
/* Unix seconds -> "2026-11-26T09:00:00Z". */
void events_time_format(int64_t seconds, char out[EVENTS_RFC3339_SIZE]);

/* Whole messages; prefix is the message's path ("event"). Checks syntax and ranges only:
 * the time zone, local -> UTC and end-after-start need events_recurrence.h (the handler). */
void events_validate_event(const events_event_t *event, const vb_taxonomy_t *taxonomy,
                           const char *prefix, events_errors_t *errors);
void events_validate_table(const events_table_t *table, const char *prefix,
                           events_errors_t *errors);
void events_validate_booth(const events_booth_t *booth, const char *prefix,
                           events_errors_t *errors);
void events_validate_agenda_item(const events_agenda_item_t *item, const char *prefix,
                                 events_errors_t *errors);

/* True when neither price is set above zero. */
bool events_is_free(const events_event_t *event);

#endif
