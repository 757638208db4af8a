/* events_handlers.c - one handler per request message of verbund.events.v1, in proto order:
 * authorise the envelope's caller, validate, call the store, append the change's event to the
 * outbox (same transaction), build the reply in the call arena.
 * Who may do what: staff (admin, staff, service) create events and do everything; the
 * organiser of an event (a member whose person is organiser_person_id) changes, cancels and
 * closes it and manages its occurrences, check-ins, tables, booths and agenda and lists its
 * registrations; a member registers and cancels only itself; everybody (also anonymous callers)
 * reads public events, authenticated callers read every event. online_url is shown to staff,
 * the organiser and persons with a confirmed registration only.
 * Does not: contain SQL (events_store.c) or log successes (the RPC layer logs outcomes). */
#include "events.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb/clock.h"
#include "vb/handler.h"
#include "vb/ids.h"
#include "vb/log.h"
#include "events_cafe.h"
#include "events_feed.h"
#include "events_ical.h"
#include "events_proto.h"
#include "events_recurrence.h"
#include "events_store.h"
#include "events_validate.h"
#include "events_waitlist.h"

#define S_WAITLIST_SCAN 1000 /* waitlisted registrations looked at per promotion */
#define S_ASSIGNMENTS_MAX 5000
#define S_CONTENT_TYPE "text/calendar; charset=utf-8"

#define S_EVENT_TYPE(what) "verbund.events." what ".v1"

/* ---- the caller (vb/handler.h has the roles and policies) ---- */

/* True when the caller is the member who organises event. */
static bool
s_is_organiser(const vb_rpc_call_t *call, const events_event_t *event)
{
    const char *person = vb_handler_caller_person(call);
    return vb_handler_role(call) == EVENTS_ROLE_MEMBER && person[0] &&
           strcmp(person, event->organiser_person_id) == 0;
}

/* Staff or the event's organiser. */
static vb_status_t
s_require_manager(vb_rpc_call_t *call, const events_event_t *event)
{
    if (vb_handler_is_staff(call) || s_is_organiser(call, event))
        return VB_STATUS_OK;
    vb_status_t status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL);
    if (status != VB_STATUS_OK)
        return status;
    return vb_rpc_fail(call, VB_STATUS_FORBIDDEN,
                       "only staff and the event's organiser may do this");
}

static char *
s_time_text(vb_rpc_call_t *call, int64_t seconds)
{
    char text[EVENTS_RFC3339_SIZE];
    events_time_format(seconds, text);
    return vb_arena_strdup(call->arena, text);
}

/* ---- records: the event that announces a change of one and the reply that returns it ---- */

/* The event payload and the reply that carry each record (vb_handler_record_t). */
static const vb_handler_record_t s_event = {&verbund__events__v1__event_event__descriptor,
                                            &verbund__events__v1__event_reply__descriptor};
static const vb_handler_record_t s_occurrence = {
    &verbund__events__v1__occurrence_event__descriptor,
    &verbund__events__v1__occurrence_reply__descriptor};
static const vb_handler_record_t s_registration = {
    &verbund__events__v1__registration_event__descriptor,
    &verbund__events__v1__registration_reply__descriptor};
static const vb_handler_record_t s_table = {&verbund__events__v1__table_event__descriptor,
                                            &verbund__events__v1__table_reply__descriptor};
static const vb_handler_record_t s_booth = {&verbund__events__v1__booth_event__descriptor,
                                            &verbund__events__v1__booth_reply__descriptor};
static const vb_handler_record_t s_agenda_item = {
    &verbund__events__v1__agenda_item_event__descriptor,
    &verbund__events__v1__agenda_item_reply__descriptor};

/* Appends the event type about record (subject: its id) to the outbox, in the call's
 * transaction. */
static vb_status_t
s_emit(events_t *self, vb_rpc_call_t *call, const vb_handler_record_t *kind, const char *type,
       const char *subject, void *record)
{
    return vb_handler_emit_record(call, self->outbox, self->db, kind, type, subject, record);
}

/* Replies with record (kind's reply); returns success. */
static vb_status_t
s_reply(vb_rpc_call_t *call, const vb_handler_record_t *kind, void *record, vb_status_t success)
{
    return vb_handler_reply_record(call, kind, record, success);
}

/* Emits as s_emit, then replies with record: success, or the failed emit. */
static vb_status_t
s_emit_reply(events_t *self, vb_rpc_call_t *call, const vb_handler_record_t *kind,
             const char *type, const char *subject, void *record, vb_status_t success)
{
    return vb_handler_emit_reply_record(call, self->outbox, self->db, kind, type, subject,
                                        record, success);
}

/* Event payloads never carry the online URL: the stream reaches external subscribers. */
static vb_status_t
s_emit_event(events_t *self, vb_rpc_call_t *call, const char *type, const events_event_t *event)
{
    events_event_t *copy = vb_arena_alloc(call->arena, sizeof *copy);
    *copy = *event;
    copy->online_url = (char *)"";
    return s_emit(self, call, &s_event, type, event->id, copy);
}

/* A new id (UUIDv7) in the call arena. */
static char *
s_new_id(vb_rpc_call_t *call)
{
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    return vb_arena_strdup(call->arena, id);
}

/* OK, or a store's failure (what: "listing tables") as the reply. */
static vb_status_t
s_stored(events_t *self, vb_rpc_call_t *call, vb_status_t status, const char *what)
{
    return status == VB_STATUS_OK ? status : vb_handler_store_failed(call, self->db, status, what);
}

/* Reads an event (locked when for_update); NOT_FOUND replied when it does not exist or the
 * caller may not see it (a private event is not revealed to anonymous callers). */
static vb_status_t
s_load_event(events_t *self, vb_rpc_call_t *call, const char *id, bool for_update,
             events_event_row_t *row)
{
    vb_status_t status = events_store_event_get(self->db, call->arena, id, for_update, row);
    if (status == VB_STATUS_NOT_FOUND ||
        (status == VB_STATUS_OK && !row->event->public_ && !vb_handler_is_authenticated(call)))
        return vb_rpc_fail(call, VB_STATUS_NOT_FOUND, "event %s not found", id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the event");
    return VB_STATUS_OK;
}

/* The event whose id a request carries in field: the id checked, then the caller against
 * policy (none for VB_HANDLER_ANYONE), then the event read as s_load_event does. */
static vb_status_t
s_checked_event(events_t *self, vb_rpc_call_t *call, const char *field, const char *id,
                vb_handler_policy_t policy, bool for_update, events_event_row_t *row)
{
    vb_status_t status = vb_handler_check_id(call, field, id);
    if (status != VB_STATUS_OK ||
        (policy != VB_HANDLER_ANYONE &&
         (status = vb_handler_authorize(call, policy, NULL)) != VB_STATUS_OK))
        return status;
    return s_load_event(self, call, id, for_update, row);
}

/* Whether the caller may see the event's online URL. */
static bool
s_may_see_online_url(events_t *self, vb_rpc_call_t *call, const events_event_t *event)
{
    if (vb_handler_is_staff(call) || s_is_organiser(call, event))
        return true;
    const char *person = vb_handler_caller_person(call);
    if (vb_handler_role(call) != EVENTS_ROLE_MEMBER || !person[0])
        return false;
    bool confirmed = false;
    return events_store_registration_status_of(self->db, event->id, person, &confirmed) ==
               VB_STATUS_OK &&
           confirmed;
}

/* ---- time conversion (events_recurrence.h) ---- */

/* local wall-clock time in zone -> UTC seconds; a field error (UNPROCESSABLE later) when the
 * time does not exist in that zone. */
static bool
s_to_utc(const char *zone, const char *local, const char *field, events_errors_t *errors,
         int64_t *utc)
{
    if (events_local_to_utc(zone, local, utc) != 0) {
        vb_handler_errors_add(errors, field, "is not a time in %s", zone);
        return false;
    }
    return true;
}

/* ---- events ---- */

/* Normalises the registration window to RFC 3339 UTC in the arena (validated before). */
static void
s_normalise_window(vb_rpc_call_t *call, events_event_t *event)
{
    int64_t seconds;
    if (event->registration_opens_at[0] &&
        events_time_parse(event->registration_opens_at, &seconds) == 0)
        event->registration_opens_at = s_time_text(call, seconds);
    if (event->registration_closes_at[0] &&
        events_time_parse(event->registration_closes_at, &seconds) == 0)
        event->registration_closes_at = s_time_text(call, seconds);
}

/* Validates an event and computes its UTC times; OK or the failed reply. */
static vb_status_t
s_prepare_event(events_t *self, vb_rpc_call_t *call, events_event_t *event, int64_t *start_at,
                int64_t *end_at)
{
    events_errors_t errors = {.count = 0};
    events_validate_event(event, self->taxonomy, "event", &errors);
    if (errors.count == 0) {
        if (!events_timezone_valid(event->time_zone)) {
            vb_handler_errors_add(&errors, "event.time_zone", "is not a known IANA time zone");
        } else {
            bool ok = s_to_utc(event->time_zone, event->start_local, "event.start_local", &errors,
                               start_at);
            ok = s_to_utc(event->time_zone, event->end_local, "event.end_local", &errors, end_at) &&
                 ok;
            if (ok && *end_at <= *start_at)
                vb_handler_errors_add(&errors, "event.end_local", "must be after start_local");
        }
    }
    return vb_handler_check_errors(call, &errors, VB_STATUS_UNPROCESSABLE, "event");
}

/* Expands the event's rrule into occurrences (arena); count 0 for a single event. */
static vb_status_t
s_expand_series(events_t *self, vb_rpc_call_t *call, const events_event_t *event, int64_t duration,
                events_occurrence_new_t **items, size_t *count)
{
    *items = NULL;
    *count = 0;
    if (!event->rrule[0])
        return VB_STATUS_OK;
    size_t max = (size_t)self->max_occurrences;
    events_occurrence_t *expanded = vb_arena_alloc(call->arena, max * sizeof *expanded);
    char error[256] = "";
    int n = events_recurrence_expand(event->rrule, event->time_zone, event->start_local, duration,
                                     max, expanded, error, sizeof error);
    if (n <= 0) {
        vb_rpc_field_error(call, "event.rrule", "%s",
                           n < 0 ? (error[0] ? error : "is not a valid RRULE")
                                 : "produces no occurrence");
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "event.rrule is not valid");
    }
    events_occurrence_new_t *out = vb_arena_alloc(call->arena, (size_t)n * sizeof *out);
    for (int i = 0; i < n; i++) {
        vb_uuid7(out[i].id);
        out[i].ordinal = i + 1;
        snprintf(out[i].start_local, sizeof out[i].start_local, "%s", expanded[i].start_local);
        out[i].start_at = expanded[i].start_utc;
        out[i].end_at = expanded[i].end_utc;
        if (events_utc_to_local(event->time_zone, expanded[i].end_utc, out[i].end_local,
                                sizeof out[i].end_local) != 0)
            return vb_rpc_fail(call, VB_STATUS_INTERNAL, "cannot convert an occurrence's end");
    }
    *items = out;
    *count = (size_t)n;
    return VB_STATUS_OK;
}

vb_status_t
events_handle_event_create(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__EventCreateRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_authorize(call, VB_HANDLER_STAFF, NULL);
    if (status != VB_STATUS_OK)
        return status;
    if (!request->event) {
        vb_rpc_field_error(call, "event", "is required");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "event is required");
    }
    events_event_t *event = vb_arena_alloc(call->arena, sizeof *event);
    *event = *request->event;
    int64_t start_at = 0, end_at = 0;
    if ((status = s_prepare_event(self, call, event, &start_at, &end_at)) != VB_STATUS_OK)
        return status;
    events_occurrence_new_t *occurrences = NULL;
    size_t occurrence_count = 0;
    if ((status = s_expand_series(self, call, event, end_at - start_at, &occurrences,
                                  &occurrence_count)) != VB_STATUS_OK)
        return status;
    char *now = vb_handler_now(call, NULL);
    event->id = s_new_id(call);
    event->start_at = s_time_text(call, start_at);
    event->end_at = s_time_text(call, end_at);
    s_normalise_window(call, event);
    event->status = EVENTS_STATUS_SCHEDULED;
    event->version = 1;
    event->cancel_reason = (char *)"";
    event->confirmed_count = 0;
    event->waitlisted_count = 0;
    event->occurrence_count = occurrence_count ? (int32_t)occurrence_count : 1;
    event->created_at = now;
    event->updated_at = now;
    event->free = events_is_free(event);
    events_event_write_t write = {
        .event = event,
        .start_at = start_at,
        .end_at = end_at,
        .last_start_at = occurrence_count ? occurrences[occurrence_count - 1].start_at : start_at,
        .now = now,
    };
    status = events_store_event_insert(self->db, call->arena, &write);
    if (status == VB_STATUS_OK && occurrence_count)
        status = events_store_occurrence_insert_many(self->db, call->arena, event->id, occurrences,
                                                     occurrence_count, now);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "creating the event");
    if ((status = s_emit_event(self, call, S_EVENT_TYPE("event.created"), event)) != VB_STATUS_OK)
        return status;
    return s_reply(call, &s_event, event, VB_STATUS_CREATED);
}

vb_status_t
events_handle_event_get(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__EventGetRequest *request = (const void *)call->request;
    events_event_row_t row;
    vb_status_t status =
        s_checked_event(self, call, "id", request->id, VB_HANDLER_ANYONE, false, &row);
    if (status != VB_STATUS_OK)
        return status;
    if (!s_may_see_online_url(self, call, row.event))
        row.event->online_url = (char *)"";
    return s_reply(call, &s_event, row.event, VB_STATUS_OK);
}

vb_status_t
events_handle_event_list(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__EventListRequest *request = (const void *)call->request;
    events_event_filter_t filter = {
        .community_id = request->community_id,
        .kind = request->kind,
        .from = request->from,
        .to = request->to,
        .public_only = !vb_handler_is_authenticated(call),
    };
    vb_status_t status = vb_handler_check_optional_id(call, "community_id", request->community_id);
    if (status != VB_STATUS_OK)
        return status;
    events_kind_t kind;
    if (request->kind[0] && events_kind_parse(request->kind, &kind) != 0) {
        vb_rpc_field_error(call, "kind", "is not an event kind");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "unknown event kind");
    }
    int64_t seconds;
    if (request->from[0] && events_time_parse(request->from, &seconds) != 0) {
        vb_rpc_field_error(call, "from", "must be an RFC 3339 time");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "from is not a time");
    }
    if (request->to[0] && events_time_parse(request->to, &seconds) != 0) {
        vb_rpc_field_error(call, "to", "must be an RFC 3339 time");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "to is not a time");
    }
    if (vb_handler_limit(call, request->limit, &filter.limit) != 0 ||
        vb_handler_cursor(call, request->cursor, &filter.after_id) != 0)
        return call->status;
    events_event_t **items = NULL;
    size_t count = 0;
    status = events_store_event_list(self->db, call->arena, &filter, &items, &count);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "listing events");
    Verbund__Events__V1__EventListReply *reply = vb_handler_list_reply(
        call, &verbund__events__v1__event_list_reply__descriptor, items, count, filter.limit, "id");
    /* lists show the online URL to staff and organisers; registered persons GET the event */
    for (size_t i = 0; i < reply->n_items; i++)
        if (!vb_handler_is_staff(call) && !s_is_organiser(call, items[i]))
            items[i]->online_url = (char *)"";
    return VB_STATUS_OK;
}

/* Copies the masked fields of source into target; -1 with field errors for unknown names or
 * fields that cannot change. */
static int
s_apply_mask(vb_rpc_call_t *call, const Verbund__Events__V1__EventUpdateRequest *request,
             events_event_t *target, bool series)
{
    const events_event_t *source = request->event;
    int bad = 0;
    char field[48];
    for (size_t i = 0; i < request->n_update_mask; i++) {
        const char *name = request->update_mask[i];
        snprintf(field, sizeof field, "update_mask[%zu]", i);
        if (strcmp(name, "title") == 0)
            target->title = source->title;
        else if (strcmp(name, "description") == 0)
            target->description = source->description;
        else if (strcmp(name, "kind") == 0)
            target->kind = source->kind;
        else if (strcmp(name, "community_id") == 0)
            target->community_id = source->community_id;
        else if (strcmp(name, "organiser_person_id") == 0)
            target->organiser_person_id = source->organiser_person_id;
        else if (strcmp(name, "venue") == 0)
            target->venue = source->venue;
        else if (strcmp(name, "online_url") == 0)
            target->online_url = source->online_url;
        else if (strcmp(name, "capacity") == 0)
            target->capacity = source->capacity;
        else if (strcmp(name, "registration_opens_at") == 0)
            target->registration_opens_at = source->registration_opens_at;
        else if (strcmp(name, "registration_closes_at") == 0)
            target->registration_closes_at = source->registration_closes_at;
        else if (strcmp(name, "price_member") == 0)
            target->price_member = source->price_member;
        else if (strcmp(name, "price_non_member") == 0)
            target->price_non_member = source->price_non_member;
        else if (strcmp(name, "language") == 0)
            target->language = source->language;
        else if (strcmp(name, "topics") == 0) {
            target->topics = source->topics;
            target->n_topics = source->n_topics;
        } else if (strcmp(name, "rounds") == 0)
            target->rounds = source->rounds;
        else if (strcmp(name, "public") == 0)
            target->public_ = source->public_;
        else if (!series && strcmp(name, "start_local") == 0)
            target->start_local = source->start_local;
        else if (!series && strcmp(name, "end_local") == 0)
            target->end_local = source->end_local;
        else if (!series && strcmp(name, "time_zone") == 0)
            target->time_zone = source->time_zone;
        else if (strcmp(name, "start_local") == 0 || strcmp(name, "end_local") == 0 ||
                 strcmp(name, "time_zone") == 0 || strcmp(name, "rrule") == 0) {
            vb_rpc_field_error(call, field,
                               "%s of a series cannot change: move or cancel occurrences, or "
                               "cancel the series and create a new one",
                               name);
            bad = 1;
        } else {
            vb_rpc_field_error(call, field, "is not a field of an event that can be changed");
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

/* Promotes waitlisted registrations into free seats, in waitlist order, emitting
 * registration.promoted for each; the event row is locked by the caller. */
static vb_status_t
s_promote(events_t *self, vb_rpc_call_t *call, const char *event_id, int64_t capacity,
          const char *now, events_registration_t ***promoted, size_t *promoted_count)
{
    *promoted = NULL;
    *promoted_count = 0;
    events_waiting_t *waiting = NULL;
    size_t waiting_count = 0;
    vb_status_t status = events_store_registration_waiting(
        self->db, call->arena, event_id, S_WAITLIST_SCAN, &waiting, &waiting_count);
    if (status != VB_STATUS_OK || waiting_count == 0)
        return status == VB_STATUS_OK
                   ? VB_STATUS_OK
                   : vb_handler_store_failed(call, self->db, status, "reading the waitlist");
    events_seats_t seats = {.capacity = capacity};
    status = events_store_registration_seat_counts(self->db, call->arena, event_id, &seats);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "counting seats");
    /* every occurrence somebody waits for needs a counter, also one with no confirmed seat */
    events_seat_count_t *counters =
        vb_arena_alloc(call->arena, (seats.occurrence_count + waiting_count) * sizeof *counters);
    if (seats.occurrence_count)
        memcpy(counters, seats.occurrences, seats.occurrence_count * sizeof *counters);
    seats.occurrences = counters;
    for (size_t i = 0; i < waiting_count; i++) {
        const char *scope = waiting[i].occurrence_id;
        bool known = !scope[0];
        for (size_t j = 0; j < seats.occurrence_count && !known; j++)
            known = strcmp(counters[j].occurrence_id, scope) == 0;
        if (!known)
            counters[seats.occurrence_count++] =
                (events_seat_count_t){.occurrence_id = scope, .confirmed = 0};
    }
    bool *promote = vb_arena_alloc(call->arena, waiting_count * sizeof *promote);
    size_t n = events_waitlist_promote(&seats, waiting, waiting_count, promote);
    if (n == 0)
        return VB_STATUS_OK;
    events_registration_t **out = vb_arena_alloc(call->arena, n * sizeof *out);
    size_t done = 0;
    for (size_t i = 0; i < waiting_count; i++) {
        if (!promote[i])
            continue;
        events_registration_t *registration = NULL;
        status = events_store_registration_promote(self->db, call->arena,
                                                   waiting[i].registration_id, now, &registration);
        if (status != VB_STATUS_OK)
            return vb_handler_store_failed(call, self->db, status, "promoting from the waitlist");
        if ((status = s_emit(self, call, &s_registration, S_EVENT_TYPE("registration.promoted"),
                             registration->id, registration)) != VB_STATUS_OK)
            return status;
        out[done++] = registration;
    }
    *promoted = out;
    *promoted_count = done;
    return VB_STATUS_OK;
}

vb_status_t
events_handle_event_update(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__EventUpdateRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "id", request->id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL)) != VB_STATUS_OK)
        return status;
    if (request->n_update_mask == 0 || !request->event) {
        vb_rpc_field_error(call, "update_mask", "names no field to change");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "update_mask and event are required");
    }
    events_event_row_t current;
    if ((status = s_load_event(self, call, request->id, true, &current)) != VB_STATUS_OK ||
        (status = s_require_manager(call, current.event)) != VB_STATUS_OK)
        return status;
    if (request->expected_version != 0 && request->expected_version != current.event->version)
        return vb_rpc_fail(call, VB_STATUS_CONFLICT, "version %lld is stale; current is %lld",
                           (long long)request->expected_version, (long long)current.event->version);
    if (current.event->status == EVENTS_STATUS_CANCELLED)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "a cancelled event cannot change");
    bool series = current.event->rrule[0] != '\0';
    events_event_t *merged = vb_arena_alloc(call->arena, sizeof *merged);
    *merged = *current.event;
    if (s_apply_mask(call, request, merged, series) != 0)
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST,
                           "update_mask names fields that cannot "
                           "change");
    /* only staff hand an event to another organiser */
    if (strcmp(merged->organiser_person_id, current.event->organiser_person_id) != 0 &&
        !vb_handler_is_staff(call))
        return vb_rpc_fail(call, VB_STATUS_FORBIDDEN, "only staff may change the organiser");
    int64_t start_at = 0, end_at = 0;
    if ((status = s_prepare_event(self, call, merged, &start_at, &end_at)) != VB_STATUS_OK)
        return status;
    /* seats already confirmed are kept: capacity may not drop below them */
    events_seats_t seats = {.capacity = merged->capacity};
    status = events_store_registration_seat_counts(self->db, call->arena, merged->id, &seats);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "counting seats");
    /* the fullest occurrence (whole-event seats included) bounds the new capacity */
    int64_t taken = events_waitlist_taken(&seats, "");
    if (merged->capacity < taken) {
        vb_rpc_field_error(call, "event.capacity", "is below the %lld confirmed registrations",
                           (long long)taken);
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE,
                           "capacity cannot drop below the confirmed registrations");
    }
    char *now = vb_handler_now(call, NULL);
    s_normalise_window(call, merged);
    events_event_write_t write = {
        .event = merged,
        .start_at = start_at,
        .end_at = end_at,
        .last_start_at = series ? current.last_start_at : start_at,
        .now = now,
    };
    status = events_store_event_update(self->db, call->arena, &write, current.event->version);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, VB_STATUS_CONFLICT, "the event changed meanwhile; read it again");
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "updating the event");
    events_registration_t **promoted = NULL;
    size_t promoted_count = 0;
    if (merged->capacity > current.event->capacity &&
        (status = s_promote(self, call, merged->id, merged->capacity, now, &promoted,
                            &promoted_count)) != VB_STATUS_OK)
        return status;
    events_event_row_t updated;
    status = events_store_event_get(self->db, call->arena, merged->id, false, &updated);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the event");
    if ((status = s_emit_event(self, call, S_EVENT_TYPE("event.updated"), updated.event)) !=
        VB_STATUS_OK)
        return status;
    return s_reply(call, &s_event, updated.event, VB_STATUS_OK);
}

vb_status_t
events_handle_event_cancel(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__EventCancelRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "id", request->id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL)) != VB_STATUS_OK ||
        (status = vb_handler_check_reason(call, request->reason)) != VB_STATUS_OK)
        return status;
    events_event_row_t row;
    if ((status = s_load_event(self, call, request->id, true, &row)) != VB_STATUS_OK ||
        (status = s_require_manager(call, row.event)) != VB_STATUS_OK)
        return status;
    Verbund__Events__V1__EventReply *reply =
        vb_handler_reply(call, &verbund__events__v1__event_reply__descriptor);
    if (row.event->status == EVENTS_STATUS_CANCELLED) { /* cancelling twice is one cancellation */
        reply->event = row.event;
        return VB_STATUS_OK;
    }
    char *now = vb_handler_now(call, NULL);
    status = events_store_event_cancel(self->db, request->id, request->reason, now);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "cancelling the event");
    status = events_store_event_get(self->db, call->arena, request->id, false, &row);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the event");
    if ((status = s_emit_event(self, call, S_EVENT_TYPE("event.cancelled"), row.event)) !=
        VB_STATUS_OK)
        return status;
    reply->event = row.event;
    return VB_STATUS_OK;
}

vb_status_t
events_handle_event_close(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__EventCloseRequest *request = (const void *)call->request;
    events_event_row_t row;
    vb_status_t status =
        s_checked_event(self, call, "id", request->id, VB_HANDLER_AUTHENTICATED, true, &row);
    if (status != VB_STATUS_OK || (status = s_require_manager(call, row.event)) != VB_STATUS_OK)
        return status;
    int64_t now_seconds = vb_clock_now_us() / 1000000;
    if (now_seconds < row.last_start_at)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE,
                           "the event (its last occurrence) has not started yet");
    int64_t attended = 0, no_shows = 0;
    status = events_store_event_close(self->db, request->id, &attended, &no_shows);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "closing the event");
    if ((status = s_emit_event(self, call, S_EVENT_TYPE("event.closed"), row.event)) !=
        VB_STATUS_OK)
        return status;
    Verbund__Events__V1__EventCloseReply *reply =
        vb_handler_reply(call, &verbund__events__v1__event_close_reply__descriptor);
    reply->attended = (int32_t)attended;
    reply->no_shows = (int32_t)no_shows;
    return VB_STATUS_OK;
}

/* ---- occurrences ---- */

vb_status_t
events_handle_occurrence_list(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__OccurrenceListRequest *request = (const void *)call->request;
    events_event_row_t row;
    vb_status_t status =
        s_checked_event(self, call, "event_id", request->event_id, VB_HANDLER_ANYONE, false, &row);
    if (status != VB_STATUS_OK)
        return status;
    Verbund__Events__V1__OccurrenceListReply *reply =
        vb_handler_reply(call, &verbund__events__v1__occurrence_list_reply__descriptor);
    return s_stored(self, call,
                    events_store_occurrence_list(self->db, call->arena, request->event_id,
                                                 &reply->items, &reply->n_items),
                    "listing occurrences");
}

/* The locked event and occurrence a change of an occurrence acts on, after authorisation. */
static vb_status_t
s_load_occurrence(events_t *self, vb_rpc_call_t *call, const char *event_id, const char *id,
                  events_event_row_t *row, events_occurrence_record_t **occurrence)
{
    vb_status_t status = vb_handler_check_id(call, "event_id", event_id);
    if (status != VB_STATUS_OK || (status = vb_handler_check_id(call, "id", id)) != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL)) != VB_STATUS_OK)
        return status;
    if ((status = s_load_event(self, call, event_id, true, row)) != VB_STATUS_OK ||
        (status = s_require_manager(call, row->event)) != VB_STATUS_OK)
        return status;
    status = events_store_occurrence_get(self->db, call->arena, event_id, id, true, occurrence);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, status, "occurrence %s of event %s not found", id, event_id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the occurrence");
    if ((*occurrence)->status == EVENTS_STATUS_CANCELLED ||
        row->event->status == EVENTS_STATUS_CANCELLED)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "the occurrence is cancelled");
    return VB_STATUS_OK;
}

vb_status_t
events_handle_occurrence_move(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__OccurrenceMoveRequest *request = (const void *)call->request;
    events_event_row_t row;
    events_occurrence_record_t *occurrence = NULL;
    vb_status_t status =
        s_load_occurrence(self, call, request->event_id, request->id, &row, &occurrence);
    if (status != VB_STATUS_OK)
        return status;
    events_errors_t errors = {.count = 0};
    int64_t start_at = 0, end_at = 0;
    if (!events_local_time_valid(request->start_local))
        vb_handler_errors_add(&errors, "start_local", "must be \"YYYY-MM-DDTHH:MM:SS\"");
    if (!events_local_time_valid(request->end_local))
        vb_handler_errors_add(&errors, "end_local", "must be \"YYYY-MM-DDTHH:MM:SS\"");
    if (errors.count == 0) {
        bool ok =
            s_to_utc(row.event->time_zone, request->start_local, "start_local", &errors, &start_at);
        ok =
            s_to_utc(row.event->time_zone, request->end_local, "end_local", &errors, &end_at) && ok;
        if (ok && end_at <= start_at)
            vb_handler_errors_add(&errors, "end_local", "must be after start_local");
    }
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_UNPROCESSABLE,
                                          "the new time")) != VB_STATUS_OK)
        return status;
    char *now = vb_handler_now(call, NULL);
    events_occurrence_record_t *moved = NULL;
    status = events_store_occurrence_move(self->db, call->arena, request->id, request->start_local,
                                          request->end_local, start_at, end_at, now, &moved);
    if (status == VB_STATUS_OK)
        status = events_store_event_touch(self->db, request->event_id, now);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "moving the occurrence");
    return s_emit_reply(self, call, &s_occurrence, S_EVENT_TYPE("occurrence.moved"), moved->id,
                        moved, VB_STATUS_OK);
}

vb_status_t
events_handle_occurrence_cancel(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__OccurrenceCancelRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_reason(call, request->reason);
    if (status != VB_STATUS_OK)
        return status;
    events_event_row_t row;
    events_occurrence_record_t *occurrence = NULL;
    if ((status = s_load_occurrence(self, call, request->event_id, request->id, &row,
                                    &occurrence)) != VB_STATUS_OK)
        return status;
    char *now = vb_handler_now(call, NULL);
    events_occurrence_record_t *cancelled = NULL;
    status = events_store_occurrence_cancel(self->db, call->arena, request->id, request->reason,
                                            now, &cancelled);
    if (status == VB_STATUS_OK)
        status = events_store_event_touch(self->db, request->event_id, now);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "cancelling the occurrence");
    return s_emit_reply(self, call, &s_occurrence, S_EVENT_TYPE("occurrence.cancelled"),
                        cancelled->id, cancelled, VB_STATUS_OK);
}

/* ---- registrations ---- */

vb_status_t
events_handle_registration_create(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__RegistrationCreateRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "event_id", request->event_id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_check_id(call, "person_id", request->person_id)) != VB_STATUS_OK ||
        (status = vb_handler_check_optional_id(call, "occurrence_id", request->occurrence_id)) !=
            VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_SELF, request->person_id)) != VB_STATUS_OK)
        return status;
    if (request->n_table_preferences > EVENTS_TABLE_PREFERENCES_MAX) {
        vb_rpc_field_error(call, "table_preferences", "must have at most %d entries",
                           EVENTS_TABLE_PREFERENCES_MAX);
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "too many table preferences");
    }
    for (size_t i = 0; i < request->n_table_preferences; i++) {
        char field[48];
        snprintf(field, sizeof field, "table_preferences[%zu]", i);
        if ((status = vb_handler_check_id(call, field, request->table_preferences[i])) !=
            VB_STATUS_OK)
            return status;
    }
    /* the event's row lock serialises every registration of the event: count, then insert */
    events_event_row_t row;
    if ((status = s_load_event(self, call, request->event_id, true, &row)) != VB_STATUS_OK)
        return status;
    if (row.event->status == EVENTS_STATUS_CANCELLED)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "the event is cancelled");
    int64_t closes = row.closes_at != INT64_MIN ? row.closes_at : row.last_start_at;
    if (request->occurrence_id[0]) {
        events_occurrence_record_t *occurrence = NULL;
        status = events_store_occurrence_get(self->db, call->arena, request->event_id,
                                             request->occurrence_id, false, &occurrence);
        if (status == VB_STATUS_NOT_FOUND) {
            vb_rpc_field_error(call, "occurrence_id", "is not an occurrence of this event");
            return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "unknown occurrence");
        }
        if (status != VB_STATUS_OK)
            return vb_handler_store_failed(call, self->db, status, "reading the occurrence");
        if (occurrence->status == EVENTS_STATUS_CANCELLED)
            return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "the occurrence is cancelled");
        int64_t start = 0;
        if (row.closes_at == INT64_MIN && events_time_parse(occurrence->start_at, &start) == 0)
            closes = start;
    }
    int64_t now_us = vb_clock_now_us();
    int64_t now_seconds = now_us / 1000000;
    char *now = vb_handler_time(call, now_us, NULL);
    if (row.opens_at != INT64_MIN && now_seconds < row.opens_at)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "registration opens at %s",
                           row.event->registration_opens_at);
    if (now_seconds >= closes)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "registration closed at %s",
                           s_time_text(call, closes));
    if (request->n_table_preferences > 0) {
        events_table_t **tables = NULL;
        size_t table_count = 0;
        status = events_store_table_list(self->db, call->arena, request->event_id, &tables,
                                         &table_count);
        if (status != VB_STATUS_OK)
            return vb_handler_store_failed(call, self->db, status, "reading the tables");
        for (size_t i = 0; i < request->n_table_preferences; i++) {
            bool found = false;
            for (size_t j = 0; j < table_count && !found; j++)
                found = strcmp(tables[j]->id, request->table_preferences[i]) == 0;
            if (!found) {
                vb_rpc_field_error(call, "table_preferences",
                                   "entry %zu is not a table of this "
                                   "event",
                                   i);
                return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "unknown table");
            }
        }
    }
    int64_t taken = 0, waiting = 0;
    bool duplicate = false;
    status = events_store_registration_seats(self->db, request->event_id, request->occurrence_id,
                                             request->person_id, &taken, &waiting, &duplicate);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "counting seats");
    if (duplicate) {
        vb_rpc_field_error(call, "person_id", "is already registered for this event");
        return vb_rpc_fail(call, VB_STATUS_CONFLICT, "person %s is already registered",
                           request->person_id);
    }
    events_registration_t *registration =
        vb_arena_message(call->arena, &verbund__events__v1__registration__descriptor);
    registration->id = s_new_id(call);
    registration->event_id = request->event_id;
    registration->occurrence_id = request->occurrence_id;
    registration->person_id = request->person_id;
    registration->table_preferences = request->table_preferences;
    registration->n_table_preferences = request->n_table_preferences;
    registration->created_at = now;
    registration->version = 1;
    bool confirmed = events_waitlist_admit(row.event->capacity, taken, waiting);
    registration->status =
        confirmed ? EVENTS_REGISTRATION_CONFIRMED : EVENTS_REGISTRATION_WAITLISTED;
    registration->waitlist_position = confirmed ? 0 : (int32_t)(waiting + 1);
    status = events_store_registration_insert(self->db, call->arena, registration);
    if (status == VB_STATUS_CONFLICT) {
        vb_rpc_field_error(call, "person_id", "is already registered for this event");
        return vb_rpc_fail(call, status, "person %s is already registered", request->person_id);
    }
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "registering");
    return s_emit_reply(self, call, &s_registration,
                        confirmed ? S_EVENT_TYPE("registration.confirmed")
                                  : S_EVENT_TYPE("registration.waitlisted"),
                        registration->id, registration, VB_STATUS_CREATED);
}

vb_status_t
events_handle_registration_cancel(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__RegistrationCancelRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "event_id", request->event_id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_check_id(call, "id", request->id)) != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL)) != VB_STATUS_OK)
        return status;
    events_event_row_t row;
    if ((status = s_load_event(self, call, request->event_id, true, &row)) != VB_STATUS_OK)
        return status;
    events_registration_t *registration = NULL;
    status = events_store_registration_get(self->db, call->arena, request->event_id, request->id,
                                           true, &registration);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, status, "registration %s not found", request->id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the registration");
    if (!s_is_organiser(call, row.event) &&
        (status = vb_handler_authorize(call, VB_HANDLER_SELF, registration->person_id)) !=
            VB_STATUS_OK)
        return status;
    Verbund__Events__V1__RegistrationCancelReply *reply =
        vb_handler_reply(call, &verbund__events__v1__registration_cancel_reply__descriptor);
    if (registration->status == EVENTS_REGISTRATION_CANCELLED) { /* cancelling twice is once */
        reply->registration = registration;
        return VB_STATUS_OK;
    }
    bool was_confirmed = registration->status == EVENTS_REGISTRATION_CONFIRMED;
    char *now = vb_handler_now(call, NULL);
    events_registration_t *cancelled = NULL;
    status = events_store_registration_cancel(self->db, call->arena, request->id, now, &cancelled);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "cancelling the registration");
    if ((status = s_emit(self, call, &s_registration, S_EVENT_TYPE("registration.cancelled"),
                         cancelled->id, cancelled)) != VB_STATUS_OK)
        return status;
    if (was_confirmed && row.event->status == EVENTS_STATUS_SCHEDULED &&
        (status = s_promote(self, call, request->event_id, row.event->capacity, now,
                            &reply->promoted, &reply->n_promoted)) != VB_STATUS_OK)
        return status;
    reply->registration = cancelled;
    return VB_STATUS_OK;
}

vb_status_t
events_handle_registration_list(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__RegistrationListRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "event_id", request->event_id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_check_optional_id(call, "occurrence_id", request->occurrence_id)) !=
            VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL)) != VB_STATUS_OK)
        return status;
    events_registration_status_t state;
    if (request->status[0] && events_registration_status_parse(request->status, &state) != 0) {
        vb_rpc_field_error(call, "status", "is not a registration status");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "unknown registration status");
    }
    events_registration_filter_t filter = {
        .event_id = request->event_id,
        .status = request->status,
        .occurrence_id = request->occurrence_id,
    };
    if (vb_handler_limit(call, request->limit, &filter.limit) != 0 ||
        vb_handler_cursor(call, request->cursor, &filter.after_id) != 0)
        return call->status;
    events_event_row_t row;
    if ((status = s_load_event(self, call, request->event_id, false, &row)) != VB_STATUS_OK ||
        (status = s_require_manager(call, row.event)) != VB_STATUS_OK)
        return status;
    events_registration_t **items = NULL;
    size_t count = 0;
    status = events_store_registration_list(self->db, call->arena, &filter, &items, &count);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "listing registrations");
    vb_handler_list_reply(call, &verbund__events__v1__registration_list_reply__descriptor, items,
                          count, filter.limit, "id");
    return VB_STATUS_OK;
}

vb_status_t
events_handle_checkin_create(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__CheckinCreateRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "event_id", request->event_id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_check_optional_id(call, "registration_id",
                                               request->registration_id)) != VB_STATUS_OK ||
        (status = vb_handler_check_optional_id(call, "person_id", request->person_id)) !=
            VB_STATUS_OK ||
        (status = vb_handler_check_optional_id(call, "occurrence_id", request->occurrence_id)) !=
            VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL)) != VB_STATUS_OK)
        return status;
    if (!request->registration_id[0] && !request->person_id[0]) {
        vb_rpc_field_error(call, "registration_id", "or person_id is required");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "registration_id or person_id is required");
    }
    events_event_row_t row;
    if ((status = s_load_event(self, call, request->event_id, true, &row)) != VB_STATUS_OK ||
        (status = s_require_manager(call, row.event)) != VB_STATUS_OK)
        return status;
    events_registration_t *registration = NULL;
    if (request->registration_id[0])
        status = events_store_registration_get(self->db, call->arena, request->event_id,
                                               request->registration_id, true, &registration);
    else
        status = events_store_registration_find(self->db, call->arena, request->event_id,
                                                request->person_id, request->occurrence_id,
                                                &registration);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, status, "no registration of this event matches");
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the registration");
    if (registration->status != EVENTS_REGISTRATION_CONFIRMED)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE,
                           "only a confirmed registration can be checked in (this one is %s)",
                           events_registration_status_name(registration->status));
    char *now = vb_handler_now(call, NULL);
    events_registration_t *recorded = NULL;
    status = events_store_registration_checkin(self->db, call->arena, registration->id,
                                               request->no_show, now, &recorded);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "recording the check-in");
    return s_emit_reply(self, call, &s_registration, S_EVENT_TYPE("checkin.recorded"), recorded->id,
                        recorded, VB_STATUS_CREATED);
}

/* ---- knowledge café ---- */

/* The locked event a management request acts on, after authorisation. */
static vb_status_t
s_load_managed_event(events_t *self, vb_rpc_call_t *call, const char *event_id,
                     events_event_row_t *row)
{
    vb_status_t status =
        s_checked_event(self, call, "event_id", event_id, VB_HANDLER_AUTHENTICATED, true, row);
    if (status != VB_STATUS_OK || (status = s_require_manager(call, row->event)) != VB_STATUS_OK)
        return status;
    if (row->event->status == EVENTS_STATUS_CANCELLED)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "the event is cancelled");
    return VB_STATUS_OK;
}

vb_status_t
events_handle_table_create(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__TableCreateRequest *request = (const void *)call->request;
    events_event_row_t row;
    vb_status_t status = s_load_managed_event(self, call, request->event_id, &row);
    if (status != VB_STATUS_OK)
        return status;
    events_errors_t errors = {.count = 0};
    events_validate_table(request->table, "table", &errors);
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_UNPROCESSABLE, "table")) !=
        VB_STATUS_OK)
        return status;
    events_table_t *table = vb_arena_alloc(call->arena, sizeof *table);
    *table = *request->table;
    table->id = s_new_id(call);
    table->event_id = request->event_id;
    status = events_store_table_insert(self->db, table, vb_handler_now(call, NULL));
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "creating the table");
    return s_emit_reply(self, call, &s_table, S_EVENT_TYPE("table.created"), table->id, table,
                        VB_STATUS_CREATED);
}

vb_status_t
events_handle_table_list(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__TableListRequest *request = (const void *)call->request;
    events_event_row_t row;
    vb_status_t status =
        s_checked_event(self, call, "event_id", request->event_id, VB_HANDLER_ANYONE, false, &row);
    if (status != VB_STATUS_OK)
        return status;
    Verbund__Events__V1__TableListReply *reply =
        vb_handler_reply(call, &verbund__events__v1__table_list_reply__descriptor);
    return s_stored(self, call,
                    events_store_table_list(self->db, call->arena, request->event_id, &reply->items,
                                            &reply->n_items),
                    "listing tables");
}

vb_status_t
events_handle_table_assignment_put(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__TableAssignmentPutRequest *request = (const void *)call->request;
    events_event_row_t row;
    vb_status_t status = s_load_managed_event(self, call, request->event_id, &row);
    if (status != VB_STATUS_OK)
        return status;
    if (request->n_assignments > S_ASSIGNMENTS_MAX) {
        vb_rpc_field_error(call, "assignments", "must have at most %d entries", S_ASSIGNMENTS_MAX);
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "too many assignments");
    }
    for (size_t i = 0; i < request->n_assignments; i++) {
        char field[64];
        snprintf(field, sizeof field, "assignments[%zu].table_id", i);
        if ((status = vb_handler_check_id(call, field, request->assignments[i]->table_id)) !=
            VB_STATUS_OK)
            return status;
        snprintf(field, sizeof field, "assignments[%zu].person_id", i);
        if ((status = vb_handler_check_id(call, field, request->assignments[i]->person_id)) !=
            VB_STATUS_OK)
            return status;
    }
    events_table_t **tables = NULL;
    size_t table_count = 0;
    status =
        events_store_table_list(self->db, call->arena, request->event_id, &tables, &table_count);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the tables");
    events_assignment_t **existing = NULL;
    size_t existing_count = 0;
    if (!request->replace &&
        (status = events_store_assignment_list(self->db, call->arena, request->event_id, &existing,
                                               &existing_count)) != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the assignments");
    /* the request's own entries first, so field errors name their index in the request */
    events_errors_t errors = {.count = 0};
    events_cafe_validate(request->assignments, request->n_assignments, tables, table_count,
                         row.event->rounds, NULL, 0, &errors);
    events_assignment_t **merged =
        vb_arena_alloc(call->arena, (existing_count + request->n_assignments + 1) * sizeof *merged);
    size_t merged_count = events_cafe_merge(existing, existing_count, request->assignments,
                                            request->n_assignments, merged);
    if (errors.count == 0 && existing_count > 0)
        events_cafe_validate(merged, merged_count, tables, table_count, row.event->rounds, NULL, 0,
                             &errors);
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_UNPROCESSABLE, "assignments")) !=
        VB_STATUS_OK)
        return status;
    status = events_store_assignment_replace(self->db, call->arena, request->event_id, merged,
                                             merged_count);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "saving the assignments");
    Verbund__Events__V1__TableAssignmentsEvent payload =
        VERBUND__EVENTS__V1__TABLE_ASSIGNMENTS_EVENT__INIT;
    payload.event_id = request->event_id;
    payload.assignments = merged;
    payload.n_assignments = merged_count;
    if ((status = vb_handler_emit(call, self->outbox, self->db,
                                  S_EVENT_TYPE("table_assignments.updated"), request->event_id,
                                  &payload.base)) != VB_STATUS_OK)
        return status;
    Verbund__Events__V1__TableAssignmentListReply *reply =
        vb_handler_reply(call, &verbund__events__v1__table_assignment_list_reply__descriptor);
    reply->items = merged;
    reply->n_items = merged_count;
    return VB_STATUS_OK;
}

vb_status_t
events_handle_table_assignment_list(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__TableAssignmentListRequest *request = (const void *)call->request;
    events_event_row_t row;
    vb_status_t status = s_checked_event(self, call, "event_id", request->event_id,
                                         VB_HANDLER_AUTHENTICATED, false, &row);
    if (status != VB_STATUS_OK)
        return status;
    Verbund__Events__V1__TableAssignmentListReply *reply =
        vb_handler_reply(call, &verbund__events__v1__table_assignment_list_reply__descriptor);
    return s_stored(self, call,
                    events_store_assignment_list(self->db, call->arena, request->event_id,
                                                 &reply->items, &reply->n_items),
                    "listing assignments");
}

/* ---- market of possibilities ---- */

/* Converts an optional local slot of the event's zone; errors name prefix.start_field. */
static void
s_slot(const events_event_t *event, const char *start_local, const char *end_local,
       const char *start_field, const char *end_field, events_errors_t *errors, int64_t *start,
       int64_t *end)
{
    if (!start_local[0] && !end_local[0])
        return;
    bool ok = s_to_utc(event->time_zone, start_local, start_field, errors, start);
    ok = s_to_utc(event->time_zone, end_local, end_field, errors, end) && ok;
    if (ok && *end <= *start)
        vb_handler_errors_add(errors, end_field, "must be after %s", start_field);
}

vb_status_t
events_handle_booth_create(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__BoothCreateRequest *request = (const void *)call->request;
    events_event_row_t row;
    vb_status_t status = s_load_managed_event(self, call, request->event_id, &row);
    if (status != VB_STATUS_OK)
        return status;
    events_errors_t errors = {.count = 0};
    events_validate_booth(request->booth, "booth", &errors);
    int64_t start = 0, end = 0;
    if (errors.count == 0)
        s_slot(row.event, request->booth->pitch_start_local, request->booth->pitch_end_local,
               "booth.pitch_start_local", "booth.pitch_end_local", &errors, &start, &end);
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_UNPROCESSABLE, "booth")) !=
        VB_STATUS_OK)
        return status;
    events_booth_t *booth = vb_arena_alloc(call->arena, sizeof *booth);
    *booth = *request->booth;
    booth->id = s_new_id(call);
    booth->event_id = request->event_id;
    bool has_pitch = booth->pitch_start_local[0] != '\0';
    booth->pitch_start_at = has_pitch ? s_time_text(call, start) : (char *)"";
    booth->pitch_end_at = has_pitch ? s_time_text(call, end) : (char *)"";
    status = events_store_booth_insert(self->db, call->arena, booth, start, end,
                                       vb_handler_now(call, NULL));
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "creating the booth");
    return s_emit_reply(self, call, &s_booth, S_EVENT_TYPE("booth.created"), booth->id, booth,
                        VB_STATUS_CREATED);
}

vb_status_t
events_handle_booth_list(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__BoothListRequest *request = (const void *)call->request;
    events_event_row_t row;
    vb_status_t status =
        s_checked_event(self, call, "event_id", request->event_id, VB_HANDLER_ANYONE, false, &row);
    if (status != VB_STATUS_OK)
        return status;
    Verbund__Events__V1__BoothListReply *reply =
        vb_handler_reply(call, &verbund__events__v1__booth_list_reply__descriptor);
    return s_stored(self, call,
                    events_store_booth_list(self->db, call->arena, request->event_id, &reply->items,
                                            &reply->n_items),
                    "listing booths");
}

vb_status_t
events_handle_agenda_item_create(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__AgendaItemCreateRequest *request = (const void *)call->request;
    events_event_row_t row;
    vb_status_t status = s_load_managed_event(self, call, request->event_id, &row);
    if (status != VB_STATUS_OK)
        return status;
    events_errors_t errors = {.count = 0};
    events_validate_agenda_item(request->item, "item", &errors);
    int64_t start = 0, end = 0;
    if (errors.count == 0)
        s_slot(row.event, request->item->start_local, request->item->end_local, "item.start_local",
               "item.end_local", &errors, &start, &end);
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_UNPROCESSABLE, "agenda item")) !=
        VB_STATUS_OK)
        return status;
    events_agenda_item_t *item = vb_arena_alloc(call->arena, sizeof *item);
    *item = *request->item;
    item->id = s_new_id(call);
    item->event_id = request->event_id;
    item->start_at = s_time_text(call, start);
    item->end_at = s_time_text(call, end);
    status = events_store_agenda_insert(self->db, call->arena, item, start, end,
                                        vb_handler_now(call, NULL));
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "creating the agenda item");
    return s_emit_reply(self, call, &s_agenda_item, S_EVENT_TYPE("agenda_item.created"), item->id,
                        item, VB_STATUS_CREATED);
}

vb_status_t
events_handle_agenda_list(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__AgendaListRequest *request = (const void *)call->request;
    events_event_row_t row;
    vb_status_t status =
        s_checked_event(self, call, "event_id", request->event_id, VB_HANDLER_ANYONE, false, &row);
    if (status != VB_STATUS_OK)
        return status;
    Verbund__Events__V1__AgendaListReply *reply =
        vb_handler_reply(call, &verbund__events__v1__agenda_list_reply__descriptor);
    return s_stored(self, call,
                    events_store_agenda_list(self->db, call->arena, request->event_id,
                                             &reply->items, &reply->n_items),
                    "listing the agenda");
}

/* ---- iCalendar feeds ---- */

/* Renders feed rows as the call's Document reply. */
static vb_status_t
s_calendar_reply(events_t *self, vb_rpc_call_t *call, const char *name,
                 const events_feed_item_t *rows, size_t count, bool show_online_url)
{
    events_ical_event_t *items =
        events_feed_items(call->arena, rows, count, self->node_id, show_online_url);
    char error[256] = "";
    char *text = events_ical_render(name, items, count, error, sizeof error);
    if (!text) {
        vb_log_error("rendering the calendar \"%s\" failed: %s", name, error);
        return vb_rpc_fail(call, VB_STATUS_INTERNAL, "the calendar could not be rendered");
    }
    events_document_t *document =
        vb_handler_reply(call, &verbund__common__v1__document__descriptor);
    document->content_type = (char *)S_CONTENT_TYPE;
    document->body = vb_arena_strdup(call->arena, text);
    document->etag = (char *)"";
    free(text);
    return VB_STATUS_OK;
}

static vb_status_t
s_feed(events_t *self, vb_rpc_call_t *call, events_feed_kind_t kind, const char *key,
       events_feed_item_t **rows, size_t *count)
{
    return s_stored(
        self, call,
        events_store_feed(self->db, call->arena, kind, key, EVENTS_FEED_MAX_ITEMS, rows, count),
        "reading the calendar");
}

vb_status_t
events_handle_event_calendar(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__EventCalendarRequest *request = (const void *)call->request;
    events_event_row_t row;
    vb_status_t status =
        s_checked_event(self, call, "id", request->id, VB_HANDLER_ANYONE, false, &row);
    if (status != VB_STATUS_OK)
        return status;
    events_feed_item_t *rows = NULL;
    size_t count = 0;
    if ((status = s_feed(self, call, EVENTS_FEED_EVENT, request->id, &rows, &count)) !=
        VB_STATUS_OK)
        return status;
    return s_calendar_reply(self, call, row.event->title, rows, count,
                            s_may_see_online_url(self, call, row.event));
}

vb_status_t
events_handle_community_calendar(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__CommunityCalendarRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "community_id", request->community_id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL)) != VB_STATUS_OK)
        return status;
    events_feed_item_t *rows = NULL;
    size_t count = 0;
    if ((status = s_feed(self, call, EVENTS_FEED_COMMUNITY, request->community_id, &rows,
                         &count)) != VB_STATUS_OK)
        return status;
    /* a shared feed: online URLs only in personal feeds and single-event feeds */
    return s_calendar_reply(self, call, "verbund community events", rows, count, false);
}

vb_status_t
events_handle_node_calendar(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    events_feed_item_t *rows = NULL;
    size_t count = 0;
    vb_status_t status = s_feed(self, call, EVENTS_FEED_PUBLIC, NULL, &rows, &count);
    if (status != VB_STATUS_OK)
        return status;
    char *name = vb_arena_printf(call->arena, "verbund %s: public events", self->node_id);
    return s_calendar_reply(self, call, name, rows, count, false);
}

vb_status_t
events_handle_personal_calendar(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__PersonalCalendarRequest *request = (const void *)call->request;
    char hash[EVENTS_FEED_HASH_SIZE];
    const char *person_id = NULL;
    /* an unknown token and a malformed one look the same: NOT_FOUND, nothing to probe */
    if (events_feed_token_hash(request->token, hash) != 0)
        return vb_rpc_fail(call, VB_STATUS_NOT_FOUND, "no such calendar");
    vb_status_t status = events_store_calendar_token_find(self->db, call->arena, hash, &person_id);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, VB_STATUS_NOT_FOUND, "no such calendar");
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the calendar token");
    events_feed_item_t *rows = NULL;
    size_t count = 0;
    if ((status = s_feed(self, call, EVENTS_FEED_PERSON, person_id, &rows, &count)) != VB_STATUS_OK)
        return status;
    return s_calendar_reply(self, call, "verbund: my events", rows, count, true);
}

vb_status_t
events_handle_calendar_token_create(void *context, vb_rpc_call_t *call)
{
    events_t *self = context;
    const Verbund__Events__V1__CalendarTokenCreateRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "person_id", request->person_id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_SELF, request->person_id)) != VB_STATUS_OK)
        return status;
    char token[EVENTS_FEED_TOKEN_SIZE], hash[EVENTS_FEED_HASH_SIZE];
    events_feed_token_generate(token);
    VB_ASSERT(events_feed_token_hash(token, hash) == 0);
    status = events_store_calendar_token_put(self->db, request->person_id, hash,
                                             vb_handler_now(call, NULL));
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "storing the calendar token");
    Verbund__Events__V1__CalendarTokenReply *reply =
        vb_handler_reply(call, &verbund__events__v1__calendar_token_reply__descriptor);
    reply->token = vb_arena_strdup(call->arena, token);
    reply->url = vb_arena_printf(call->arena, "/v1/calendar/%s.ics", token);
    return VB_STATUS_CREATED;
}

/* ---- dispatch table, in proto order ---- */

#define S_METHOD(name, type, handler, flags)                                                       \
    {                                                                                              \
        "events." name, &verbund__events__v1__##type##__descriptor, handler, flags                 \
    }

static const vb_rpc_method_t s_methods[] = {
    S_METHOD("EventCreate", event_create_request, events_handle_event_create, VB_RPC_WRITE),
    S_METHOD("EventGet", event_get_request, events_handle_event_get, 0),
    S_METHOD("EventList", event_list_request, events_handle_event_list, 0),
    S_METHOD("EventUpdate", event_update_request, events_handle_event_update, VB_RPC_WRITE),
    S_METHOD("EventCancel", event_cancel_request, events_handle_event_cancel, VB_RPC_WRITE),
    S_METHOD("EventClose", event_close_request, events_handle_event_close, VB_RPC_WRITE),
    S_METHOD("OccurrenceList", occurrence_list_request, events_handle_occurrence_list, 0),
    S_METHOD("OccurrenceMove", occurrence_move_request, events_handle_occurrence_move,
             VB_RPC_WRITE),
    S_METHOD("OccurrenceCancel", occurrence_cancel_request, events_handle_occurrence_cancel,
             VB_RPC_WRITE),
    S_METHOD("RegistrationCreate", registration_create_request, events_handle_registration_create,
             VB_RPC_WRITE),
    S_METHOD("RegistrationCancel", registration_cancel_request, events_handle_registration_cancel,
             VB_RPC_WRITE),
    S_METHOD("RegistrationList", registration_list_request, events_handle_registration_list, 0),
    S_METHOD("CheckinCreate", checkin_create_request, events_handle_checkin_create, VB_RPC_WRITE),
    S_METHOD("TableCreate", table_create_request, events_handle_table_create, VB_RPC_WRITE),
    S_METHOD("TableList", table_list_request, events_handle_table_list, 0),
    S_METHOD("TableAssignmentPut", table_assignment_put_request, events_handle_table_assignment_put,
             VB_RPC_WRITE),
    S_METHOD("TableAssignmentList", table_assignment_list_request,
             events_handle_table_assignment_list, 0),
    S_METHOD("BoothCreate", booth_create_request, events_handle_booth_create, VB_RPC_WRITE),
    S_METHOD("BoothList", booth_list_request, events_handle_booth_list, 0),
    S_METHOD("AgendaItemCreate", agenda_item_create_request, events_handle_agenda_item_create,
             VB_RPC_WRITE),
    S_METHOD("AgendaList", agenda_list_request, events_handle_agenda_list, 0),
    S_METHOD("EventCalendar", event_calendar_request, events_handle_event_calendar, 0),
    S_METHOD("CommunityCalendar", community_calendar_request, events_handle_community_calendar, 0),
    S_METHOD("NodeCalendar", node_calendar_request, events_handle_node_calendar, 0),
    S_METHOD("PersonalCalendar", personal_calendar_request, events_handle_personal_calendar, 0),
    S_METHOD("CalendarTokenCreate", calendar_token_create_request,
             events_handle_calendar_token_create, VB_RPC_WRITE | VB_RPC_SECRET_REPLY),
};

const vb_rpc_method_t *
events_methods(size_t *count)
{
    *count = VB_ARRAY_SIZE(s_methods);
    return s_methods;
}

/* ---- erasure of a person (events_follow.c runs it in its own transaction) ---- */

vb_status_t
events_erase_person(events_t *self, vb_rpc_call_t *call, const char *person_id,
                    events_erase_counts_t *counts)
{
    *counts = (events_erase_counts_t){0};
    char *now = vb_handler_now(call, NULL);
    /* 1. active registrations: cancelled as RegistrationCancel would (a freed seat goes to the
     * waitlist), the events naming the erased-person id instead of the person's */
    char ***pairs = NULL;
    size_t pair_count = 0;
    vb_status_t status = events_store_erase_active_registrations(self->db, call->arena, person_id,
                                                                 &pairs, &pair_count);
    for (size_t i = 0; status == VB_STATUS_OK && i < pair_count; i++) {
        const char *registration_id = pairs[i][0], *event_id = pairs[i][1];
        events_event_row_t row;
        if ((status = events_store_event_get(self->db, call->arena, event_id, true, &row)) !=
            VB_STATUS_OK)
            break;
        events_registration_t *registration = NULL;
        if ((status = events_store_registration_get(self->db, call->arena, event_id,
                                                    registration_id, true, &registration)) !=
            VB_STATUS_OK)
            break;
        if (registration->status == EVENTS_REGISTRATION_CANCELLED)
            continue;
        bool was_confirmed = registration->status == EVENTS_REGISTRATION_CONFIRMED;
        events_registration_t *cancelled = NULL;
        if ((status = events_store_registration_cancel(self->db, call->arena, registration_id,
                                                       now, &cancelled)) != VB_STATUS_OK)
            break;
        cancelled->person_id = (char *)EVENTS_ERASED_PERSON;
        cancelled->n_table_preferences = 0;
        if ((status = s_emit(self, call, &s_registration, S_EVENT_TYPE("registration.cancelled"),
                             cancelled->id, cancelled)) != VB_STATUS_OK)
            break;
        counts->registrations_cancelled++;
        events_registration_t **promoted = NULL;
        size_t promoted_count = 0;
        if (was_confirmed && row.event->status == EVENTS_STATUS_SCHEDULED &&
            (status = s_promote(self, call, event_id, row.event->capacity, now, &promoted,
                                &promoted_count)) != VB_STATUS_OK)
            break;
        counts->promoted += promoted_count;
    }
    int64_t affected = 0;
    if (status == VB_STATUS_OK)
        status = events_store_erase_exec(self->db, "erase_registrations", person_id, &affected);
    counts->registrations_anonymised = affected;
    /* 2. the personal calendar token */
    if (status == VB_STATUS_OK)
        status = events_store_erase_exec(self->db, "erase_calendar_token", person_id, &affected);
    counts->calendar_tokens = status == VB_STATUS_OK ? affected : 0;
    /* 3. knowledge-café seats (the event's whole assignment list is the event), moderators */
    char **ids = NULL;
    size_t id_count = 0;
    if (status == VB_STATUS_OK)
        status = events_store_erase_ids(self->db, call->arena, "erase_assignments", person_id,
                                        &ids, &id_count);
    for (size_t i = 0; status == VB_STATUS_OK && i < id_count; i++) {
        events_assignment_t **items = NULL;
        size_t item_count = 0;
        if ((status = events_store_assignment_list(self->db, call->arena, ids[i], &items,
                                                   &item_count)) != VB_STATUS_OK)
            break;
        Verbund__Events__V1__TableAssignmentsEvent payload =
            VERBUND__EVENTS__V1__TABLE_ASSIGNMENTS_EVENT__INIT;
        payload.event_id = ids[i];
        payload.assignments = items;
        payload.n_assignments = item_count;
        status = vb_handler_emit(call, self->outbox, self->db,
                                 S_EVENT_TYPE("table_assignments.updated"), ids[i],
                                 &payload.base);
        counts->assignment_events++;
    }
    if (status == VB_STATUS_OK)
        status = events_store_erase_exec(self->db, "erase_moderators", person_id, NULL);
    /* 4. agenda speakers (no event type for an agenda change) */
    if (status == VB_STATUS_OK)
        status = events_store_erase_exec(self->db, "erase_speakers", person_id, NULL);
    /* 5. events it organises: the organiser becomes the erased-person id (staff manage them) */
    if (status == VB_STATUS_OK)
        status = events_store_erase_ids(self->db, call->arena, "erase_organiser", person_id, &ids,
                                        &id_count);
    for (size_t i = 0; status == VB_STATUS_OK && i < id_count; i++) {
        events_event_row_t row;
        if ((status = events_store_event_get(self->db, call->arena, ids[i], false, &row)) !=
            VB_STATUS_OK)
            break;
        status = s_emit_event(self, call, S_EVENT_TYPE("event.updated"), row.event);
        counts->events_organised++;
    }
    return status;
}
