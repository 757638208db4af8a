/* matchmaking_handlers.c - one handler per request message of verbund.matchmaking.v1, in proto
 * order: authorise the envelope's caller, validate, read the store or the read model (and, for
 * peer groups and tables, the events service), call the algorithms of match.h, append the
 * change's event to the outbox (same transaction), build the reply with its explanation in the
 * call arena.
 * Does not: contain SQL (matchmaking_store.c), score anything itself (match_*.c), or log
 * successes (the RPC layer logs outcomes). */
#include "matchmaking.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verbund/events/v1/events.pb-c.h"
#include "verbund/matchmaking/v1/matchmaking.pb-c.h"
#include "vb/clock.h"
#include "vb/handler.h"
#include "vb/ids.h"
#include "vb/log.h"
#include "match.h"
#include "matchmaking_store.h"
#include "matchmaking_validate.h"

#define S_ALL_OFFERS 5000            /* offers a recommendation or partner search considers */
#define S_OWNER_NEEDS 200            /* needs of one owner turned into targets */
#define S_FETCH_PERSON_DEADLINE_MS 1000 /* a participant the read model does not know yet */
#define S_NO_REGION (UINT32_MAX - 1) /* a region no expert or offer has */
#define S_EVENT_TYPE(what) "verbund.matchmaking." what ".v1"

#define S_ROLE_MEMBER VERBUND__RPC__V1__ROLE__ROLE_MEMBER
#define S_ROLE_SERVICE VERBUND__RPC__V1__ROLE__ROLE_SERVICE

typedef Verbund__Matchmaking__V1__CompetenceLevel s_competence_t;
typedef Verbund__Matchmaking__V1__CompetenceMatch s_explanation_t;

/* ---- small helpers (vb/handler.h has the roles, policies and request checks) ---- */

static const char *
s_caller_id(const vb_rpc_call_t *call)
{
    const Verbund__Rpc__V1__Caller *caller = call->envelope->caller;
    return caller && caller->id && caller->id[0] ? caller->id : "anonymous";
}

/* An algorithm's refusal as the reply: its status, field and message. */
static vb_status_t
s_match_failed(vb_rpc_call_t *call, vb_status_t status, const match_error_t *error)
{
    if (error->field[0])
        vb_rpc_field_error(call, error->field, "%s", error->message);
    if (status == VB_STATUS_OK)
        status = VB_STATUS_INTERNAL;
    return vb_rpc_fail(call, status, "%s", error->message[0] ? error->message : "refused");
}

static void *
s_array(vb_rpc_call_t *call, size_t count, size_t size)
{
    return vb_arena_alloc(call->arena, (count ? count : 1) * size);
}

static s_explanation_t *
s_explanation(vb_rpc_call_t *call, const char *code, int required_level, int level)
{
    s_explanation_t *item =
        vb_arena_message(call->arena, &verbund__matchmaking__v1__competence_match__descriptor);
    item->code = (char *)code;
    item->required_level = required_level;
    item->level = level;
    return item;
}

/* The region symbol for a match query: MATCH_REGION_ANY for "", S_NO_REGION when nothing in
 * the model is in that region. */
static uint32_t
s_region(const matchmaking_t *self, const char *region)
{
    if (!region || !region[0])
        return MATCH_REGION_ANY;
    matchmaking_symbol_t symbol = matchmaking_read_model_symbol_find(self->model, region, true);
    return symbol ? symbol : S_NO_REGION;
}

/* ---- offers as match.h sees them ---- */

typedef struct {
    match_offer_t *items;
    match_competence_level_t *levels; /* MATCHMAKING_COMPETENCES_PER_ITEM per offer */
    Verbund__Matchmaking__V1__Offer **offers;
    size_t count;
} s_offers_t;

/* Every offer (up to S_ALL_OFFERS) in store order. */
static vb_status_t
s_load_offers(matchmaking_t *self, vb_rpc_call_t *call, s_offers_t *out)
{
    memset(out, 0, sizeof *out);
    size_t count = 0;
    vb_status_t status = matchmaking_store_offer_list(self->db, call->arena, NULL, NULL, NULL,
                                                      S_ALL_OFFERS - 1, &out->offers, &count);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the offers");
    out->items = s_array(call, count, sizeof *out->items);
    out->levels = s_array(call, count * MATCHMAKING_COMPETENCES_PER_ITEM, sizeof *out->levels);
    memset(out->items, 0, (count ? count : 1) * sizeof *out->items);
    for (size_t i = 0; i < count; i++) {
        const Verbund__Matchmaking__V1__Offer *offer = out->offers[i];
        match_offer_t *item = &out->items[i];
        match_competence_level_t *levels = &out->levels[i * MATCHMAKING_COMPETENCES_PER_ITEM];
        size_t n = 0;
        for (size_t c = 0; c < offer->n_competences && n < MATCHMAKING_COMPETENCES_PER_ITEM; c++) {
            int index =
                matchmaking_read_model_competence_index(self->model, offer->competences[c]->code);
            if (index < 0)
                continue; /* a code the taxonomy no longer has */
            levels[n].competence_id = (uint16_t)index;
            levels[n].level = (uint8_t)offer->competences[c]->level;
            n++;
        }
        item->id = offer->id;
        item->provider_id = offer->provider_organization_id;
        item->competences = levels;
        item->competence_count = n;
        item->price_cents = offer->price ? offer->price->cents : 0;
        item->region_id = s_region(self, offer->region);
        item->online = offer->format == VERBUND__MATCHMAKING__V1__OFFER_FORMAT__OFFER_FORMAT_ONLINE;
        item->sector_mask = 0; /* offers name no sectors: aimed at every sector */
        item->rating_count = (uint32_t)offer->rating_count;
        item->rating_sum = (uint32_t)llround(offer->rating_average * offer->rating_count);
    }
    out->count = count;
    return VB_STATUS_OK;
}

static int
s_offer_level(const Verbund__Matchmaking__V1__Offer *offer, const char *code)
{
    for (size_t i = 0; i < offer->n_competences; i++)
        if (strcmp(offer->competences[i]->code, code) == 0)
            return offer->competences[i]->level;
    return 0;
}

/* ---- the events service ---- */

static const Verbund__Rpc__V1__Caller *
s_service_caller(void)
{
    static Verbund__Rpc__V1__Caller caller = VERBUND__RPC__V1__CALLER__INIT;
    caller.id = (char *)"matchmaking";
    caller.role = S_ROLE_SERVICE;
    return &caller;
}

/* Calls the events service as role SERVICE; *reply_p is the decoded reply (the caller frees it
 * with protobuf_c_message_free_unpacked). Fails the call (UNAVAILABLE when the service is
 * absent or silent, its own status when it refuses). Blocks the loop for up to
 * events_deadline_ms: acceptable for these staff-only, rare requests. */
static vb_status_t
s_events_call(matchmaking_t *self, vb_rpc_call_t *call, const char *method,
              const ProtobufCMessage *request, const ProtobufCMessageDescriptor *reply_type,
              bool write, const char *idempotency_key, ProtobufCMessage **reply_p)
{
    *reply_p = NULL;
    if (!self->events)
        return vb_rpc_fail(call, VB_STATUS_UNAVAILABLE,
                           "the events service is not configured; list participants and tables "
                           "in the request");
    vb_rpc_call_options_t options = {.deadline_ms = self->events_deadline_ms,
                                     .caller = s_service_caller(),
                                     .idempotency_key = idempotency_key,
                                     .write = write};
    Verbund__Rpc__V1__Reply *reply = NULL;
    vb_status_t status = vb_rpc_client_call(self->events, method, request, &options, &reply);
    if (status == VB_STATUS_OK || status == VB_STATUS_CREATED) {
        *reply_p = vb_rpc_reply_unpack(reply, reply_type);
        vb_rpc_reply_free(reply);
        if (!*reply_p)
            return vb_rpc_fail(call, VB_STATUS_INTERNAL, "%s: the reply does not decode", method);
        return VB_STATUS_OK;
    }
    const char *message = reply && reply->message ? reply->message : "";
    vb_status_t mapped = status;
    if (status == VB_STATUS_UNKNOWN_METHOD || status == VB_STATUS_DEADLINE_EXCEEDED ||
        status == VB_STATUS_INTERNAL)
        mapped = VB_STATUS_UNAVAILABLE;
    if (status == VB_STATUS_FORBIDDEN || status == VB_STATUS_UNAUTHENTICATED)
        mapped = VB_STATUS_INTERNAL;
    vb_status_t result =
        mapped == VB_STATUS_UNAVAILABLE
            ? vb_rpc_fail(call, mapped,
                          "the events service did not answer %s (%s); retry, or list "
                          "participants and tables in the request",
                          method, vb_status_name(status))
            : vb_rpc_fail(call, mapped, "events service: %s", message[0] ? message : method);
    if (reply)
        vb_rpc_reply_free(reply);
    return result;
}

/* Confirmed registrations of an event, every page. *items (malloc'd array of unpacked
 * replies' items) stays valid until s_registrations_free. */
typedef struct {
    Verbund__Events__V1__RegistrationListReply **pages;
    size_t page_count;
    Verbund__Events__V1__Registration **items; /* malloc'd */
    size_t count;
} s_registrations_t;

static void
s_registrations_free(s_registrations_t *r)
{
    for (size_t i = 0; i < r->page_count; i++)
        protobuf_c_message_free_unpacked(&r->pages[i]->base, NULL);
    free(r->pages);
    free(r->items);
    memset(r, 0, sizeof *r);
}

static vb_status_t
s_registrations(matchmaking_t *self, vb_rpc_call_t *call, const char *event_id,
                s_registrations_t *out)
{
    memset(out, 0, sizeof *out);
    const char *cursor = "";
    for (;;) {
        Verbund__Events__V1__RegistrationListRequest request =
            VERBUND__EVENTS__V1__REGISTRATION_LIST_REQUEST__INIT;
        request.event_id = (char *)event_id;
        request.status = (char *)"confirmed";
        request.cursor = (char *)cursor;
        request.limit = 200;
        Verbund__Events__V1__RegistrationListReply *page = NULL;
        vb_status_t status =
            s_events_call(self, call, "events.RegistrationList", &request.base,
                          &verbund__events__v1__registration_list_reply__descriptor, false, NULL,
                          (ProtobufCMessage **)&page);
        if (status != VB_STATUS_OK) {
            s_registrations_free(out);
            return status;
        }
        void *pages = realloc(out->pages, (out->page_count + 1) * sizeof *out->pages);
        void *items = realloc(out->items, (out->count + page->n_items + 1) * sizeof *out->items);
        if (pages)
            out->pages = pages;
        if (items)
            out->items = items;
        if (!pages || !items) {
            protobuf_c_message_free_unpacked(&page->base, NULL);
            s_registrations_free(out);
            return vb_rpc_fail(call, VB_STATUS_INTERNAL, "out of memory");
        }
        out->pages[out->page_count++] = page;
        for (size_t i = 0; i < page->n_items; i++) {
            Verbund__Events__V1__Registration *registration = page->items[i];
            if (registration->status !=
                VERBUND__EVENTS__V1__REGISTRATION_STATUS__REGISTRATION_STATUS_CONFIRMED)
                continue;
            /* a person registered for several occurrences of a series counts once (its first
             * registration's preferences) */
            bool seen = false;
            for (size_t j = 0; j < out->count && !seen; j++)
                seen = strcmp(out->items[j]->person_id, registration->person_id) == 0;
            if (!seen)
                out->items[out->count++] = registration;
        }
        if (!page->next_cursor || !page->next_cursor[0])
            return VB_STATUS_OK;
        cursor = page->next_cursor;
    }
}

/* ---- needs ---- */

/* A created record: the event payload and the reply that carry it (vb_handler_record_t). */
static const vb_handler_record_t s_need = {&verbund__matchmaking__v1__need_event__descriptor,
                                           &verbund__matchmaking__v1__need_reply__descriptor};
static const vb_handler_record_t s_offer = {&verbund__matchmaking__v1__offer_event__descriptor,
                                            &verbund__matchmaking__v1__offer_reply__descriptor};

/* Stores a record through the insert's result (what: "creating the need"), appends the event
 * type about it (subject: id) in the call's transaction and replies with it: CREATED, or the
 * failure replied. */
static vb_status_t
s_created(matchmaking_t *self, vb_rpc_call_t *call, vb_status_t inserted, const char *what,
          const vb_handler_record_t *kind, const char *type, const char *id, void *record)
{
    if (inserted != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, inserted, what);
    return vb_handler_emit_reply_record(call, self->outbox, self->db, kind, type, id, record,
                                        VB_STATUS_CREATED);
}

/* A new id (UUIDv7) in the call arena. */
static char *
s_new_id(vb_rpc_call_t *call)
{
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    return vb_arena_strdup(call->arena, id);
}

vb_status_t
matchmaking_handle_need_create(void *context, vb_rpc_call_t *call)
{
    matchmaking_t *self = context;
    const Verbund__Matchmaking__V1__NeedCreateRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL);
    if (status != VB_STATUS_OK)
        return status;
    matchmaking_errors_t errors = {.count = 0};
    matchmaking_validate_need(request->need, self->model, &errors);
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_BAD_REQUEST, "need")) !=
        VB_STATUS_OK)
        return status;
    matchmaking_need_t *need = vb_arena_alloc(call->arena, sizeof *need);
    *need = *request->need;
    if (vb_handler_role(call) == S_ROLE_MEMBER) {
        /* a member states needs for itself only */
        if (need->owner_organization_id[0] ||
            (need->owner_person_id[0] &&
             strcmp(need->owner_person_id, vb_handler_caller_person(call))))
            return vb_rpc_fail(call, VB_STATUS_FORBIDDEN,
                               "a member may create needs only for itself");
        need->owner_person_id = (char *)vb_handler_caller_person(call);
        if (!need->owner_person_id[0])
            return vb_rpc_fail(call, VB_STATUS_FORBIDDEN, "the member token names no person");
    }
    bool has_person = need->owner_person_id[0] != '\0';
    bool has_organization = need->owner_organization_id[0] != '\0';
    if (has_person == has_organization) {
        vb_rpc_field_error(call, "need.owner_person_id",
                           "exactly one of owner_person_id and owner_organization_id is required");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "a need has exactly one owner");
    }
    if ((has_person && (status = vb_handler_check_id(call, "need.owner_person_id",
                                                     need->owner_person_id)) != VB_STATUS_OK) ||
        (has_organization &&
         (status = vb_handler_check_id(call, "need.owner_organization_id",
                                       need->owner_organization_id)) != VB_STATUS_OK))
        return status;
    need->id = s_new_id(call);
    need->created_by = vb_arena_strdup(call->arena, s_caller_id(call));
    need->created_at = vb_handler_now(call, NULL);
    return s_created(self, call, matchmaking_store_need_insert(self->db, call->arena, need),
                     "creating the need", &s_need, S_EVENT_TYPE("need.created"), need->id, need);
}

/* Reads a need the caller may see: staff any, a member its own. */
static vb_status_t
s_need_for_caller(matchmaking_t *self, vb_rpc_call_t *call, const char *field, const char *id,
                  matchmaking_need_t **out)
{
    vb_status_t status = vb_handler_check_id(call, field, id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL)) != VB_STATUS_OK)
        return status;
    status = matchmaking_store_need_get(self->db, call->arena, id, out);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, status, "need %s not found", id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the need");
    if (vb_handler_role(call) == S_ROLE_MEMBER &&
        strcmp((*out)->owner_person_id, vb_handler_caller_person(call)))
        return vb_rpc_fail(call, VB_STATUS_FORBIDDEN, "a member may read only its own needs");
    return VB_STATUS_OK;
}

vb_status_t
matchmaking_handle_need_get(void *context, vb_rpc_call_t *call)
{
    matchmaking_t *self = context;
    const Verbund__Matchmaking__V1__NeedGetRequest *request = (const void *)call->request;
    matchmaking_need_t *need = NULL;
    vb_status_t status = s_need_for_caller(self, call, "id", request->id, &need);
    if (status != VB_STATUS_OK)
        return status;
    Verbund__Matchmaking__V1__NeedReply *reply =
        vb_handler_reply(call, &verbund__matchmaking__v1__need_reply__descriptor);
    reply->need = need;
    return VB_STATUS_OK;
}

vb_status_t
matchmaking_handle_need_list(void *context, vb_rpc_call_t *call)
{
    matchmaking_t *self = context;
    const Verbund__Matchmaking__V1__NeedListRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL);
    if (status != VB_STATUS_OK)
        return status;
    const char *person = request->owner_person_id;
    const char *organization = request->owner_organization_id;
    if (vb_handler_role(call) == S_ROLE_MEMBER) {
        if ((person[0] && strcmp(person, vb_handler_caller_person(call))) || organization[0])
            return vb_rpc_fail(call, VB_STATUS_FORBIDDEN, "a member may list only its own needs");
        person = vb_handler_caller_person(call);
        if (!person[0])
            return vb_rpc_fail(call, VB_STATUS_FORBIDDEN, "the member token names no person");
    }
    int limit = 0;
    const char *after = NULL;
    if ((person[0] &&
         (status = vb_handler_check_id(call, "owner_person_id", person)) != VB_STATUS_OK) ||
        (organization[0] && (status = vb_handler_check_id(call, "owner_organization_id",
                                                          organization)) != VB_STATUS_OK))
        return status;
    if (vb_handler_limit(call, request->limit, &limit) != 0 ||
        vb_handler_cursor(call, request->cursor, &after) != 0)
        return call->status;
    matchmaking_need_t **items = NULL;
    size_t count = 0;
    status = matchmaking_store_need_list(self->db, call->arena, person, organization, after, limit,
                                         &items, &count);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "listing needs");
    vb_handler_list_reply(call, &verbund__matchmaking__v1__need_list_reply__descriptor, items,
                          count, limit, "id");
    return VB_STATUS_OK;
}

/* ---- experts for a need ---- */

/* The need's requirements for match.h; their order is the order of need->competences. */
static size_t
s_requirements(const matchmaking_t *self, const matchmaking_need_t *need, match_requirement_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < need->n_competences && n < MATCH_REQUIREMENTS_MAX; i++) {
        int index =
            matchmaking_read_model_competence_index(self->model, need->competences[i]->code);
        if (index < 0)
            continue;
        out[n].competence_id = (uint16_t)index;
        out[n].target_level = (uint8_t)need->competences[i]->level;
        out[n].weight = 1;
        n++;
    }
    return n;
}

vb_status_t
matchmaking_handle_expert_search(void *context, vb_rpc_call_t *call)
{
    matchmaking_t *self = context;
    const Verbund__Matchmaking__V1__ExpertSearchRequest *request = (const void *)call->request;
    matchmaking_errors_t errors = {.count = 0};
    int k = matchmaking_validate_k(request->k, &errors);
    vb_status_t status = vb_handler_check_errors(call, &errors, VB_STATUS_BAD_REQUEST, "k");
    if (status != VB_STATUS_OK)
        return status;
    matchmaking_need_t *need = NULL;
    if ((status = s_need_for_caller(self, call, "need_id", request->need_id, &need)) !=
        VB_STATUS_OK)
        return status;
    match_error_t error = {0};
    const match_expert_index_t *index =
        matchmaking_experts_index(self->experts, self->model, &error);
    if (!index)
        return vb_rpc_fail(call, VB_STATUS_INTERNAL, "the expert index could not be built: %s",
                           error.message);
    match_requirement_t requirements[MATCH_REQUIREMENTS_MAX];
    match_need_t query = {
        .requirements = requirements,
        .requirement_count = s_requirements(self, need, requirements),
        .budget_cents = need->budget ? need->budget->cents : MATCH_NO_LIMIT,
        .hours = need->hours,
        .months = matchmaking_months_between(need->starts_on, need->ends_on),
        .language_mask = matchmaking_experts_language_mask(self->experts, self->model,
                                                           need->languages, need->n_languages),
        .region_id = s_region(self, need->region),
        .remote_ok = need->remote,
    };
    if (query.requirement_count == 0)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE,
                           "the need's competences are no longer in the taxonomy");
    /* one more than asked: the need's owner may be among the experts and is dropped */
    size_t asked = (size_t)k + 1;
    match_expert_result_t *results = s_array(call, asked, sizeof *results);
    size_t found = 0;
    status = match_experts_topk(index, &query, asked, results, &found, &error);
    if (status != VB_STATUS_OK)
        return s_match_failed(call, status, &error);
    Verbund__Matchmaking__V1__ExpertSearchReply *reply =
        vb_handler_reply(call, &verbund__matchmaking__v1__expert_search_reply__descriptor);
    reply->need_id = need->id;
    reply->items = s_array(call, found, sizeof *reply->items);
    for (size_t r = 0; r < found && reply->n_items < (size_t)k; r++) {
        const match_expert_result_t *result = &results[r];
        if (strcmp(result->expert_id, need->owner_person_id) == 0)
            continue;
        uint32_t person_index = matchmaking_experts_person(self->experts, result->expert_index);
        const matchmaking_person_t *person =
            matchmaking_read_model_person_at(self->model, person_index);
        const matchmaking_profile_t *profile =
            matchmaking_read_model_profile_at(self->model, person->profile);
        Verbund__Matchmaking__V1__ExpertMatch *item =
            vb_arena_message(call->arena, &verbund__matchmaking__v1__expert_match__descriptor);
        item->person_id = vb_arena_strdup(call->arena, result->expert_id);
        item->name = vb_arena_strdup(call->arena, person->name ? person->name : "");
        item->score = result->score;
        item->hours_per_month = profile->hours_per_month;
        item->remote = profile->remote;
        if (profile->hourly_rate_cents >= 0) {
            item->hourly_rate =
                vb_arena_message(call->arena, &verbund__common__v1__money__descriptor);
            item->hourly_rate->cents = profile->hourly_rate_cents;
            item->hourly_rate->currency = (char *)"EUR";
        }
        item->matched = s_array(call, query.requirement_count, sizeof *item->matched);
        item->missing = s_array(call, query.requirement_count, sizeof *item->missing);
        for (size_t i = 0; i < query.requirement_count; i++) {
            const char *code =
                matchmaking_read_model_competence_code(self->model, requirements[i].competence_id);
            s_explanation_t *explained =
                s_explanation(call, code, requirements[i].target_level, result->matched_levels[i]);
            if (result->matched_levels[i] > 0)
                item->matched[item->n_matched++] = explained;
            if (result->missing_mask & (UINT32_C(1) << i))
                item->missing[item->n_missing++] = explained;
        }
        reply->items[reply->n_items++] = item;
    }
    reply->candidates = (int32_t)match_expert_index_size(index);
    return VB_STATUS_OK;
}

/* ---- offers ---- */

vb_status_t
matchmaking_handle_offer_create(void *context, vb_rpc_call_t *call)
{
    matchmaking_t *self = context;
    const Verbund__Matchmaking__V1__OfferCreateRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_authorize(call, VB_HANDLER_STAFF, NULL);
    if (status != VB_STATUS_OK)
        return status;
    matchmaking_errors_t errors = {.count = 0};
    matchmaking_validate_offer(request->offer, self->model, &errors);
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_BAD_REQUEST, "offer")) !=
        VB_STATUS_OK)
        return status;
    matchmaking_offer_t *offer = vb_arena_alloc(call->arena, sizeof *offer);
    *offer = *request->offer;
    if ((status = vb_handler_check_id(call, "offer.provider_organization_id",
                                      offer->provider_organization_id)) != VB_STATUS_OK)
        return status;
    uint32_t provider =
        matchmaking_read_model_organization_find(self->model, offer->provider_organization_id);
    if (provider == MATCHMAKING_NONE ||
        !matchmaking_read_model_organization_at(self->model, provider)->name) {
        vb_rpc_field_error(call, "offer.provider_organization_id", "no organisation has this id");
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "organisation %s is not known",
                           offer->provider_organization_id);
    }
    offer->id = s_new_id(call);
    offer->created_at = vb_handler_now(call, NULL);
    offer->rating_count = 0;
    offer->rating_average = 0;
    return s_created(self, call, matchmaking_store_offer_insert(self->db, call->arena, offer),
                     "creating the offer", &s_offer, S_EVENT_TYPE("offer.created"), offer->id,
                     offer);
}

vb_status_t
matchmaking_handle_offer_get(void *context, vb_rpc_call_t *call)
{
    matchmaking_t *self = context;
    const Verbund__Matchmaking__V1__OfferGetRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "id", request->id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL)) != VB_STATUS_OK)
        return status;
    matchmaking_offer_t *offer = NULL;
    status = matchmaking_store_offer_get(self->db, call->arena, request->id, false, &offer);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, status, "offer %s not found", request->id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the offer");
    Verbund__Matchmaking__V1__OfferReply *reply =
        vb_handler_reply(call, &verbund__matchmaking__v1__offer_reply__descriptor);
    reply->offer = offer;
    return VB_STATUS_OK;
}

vb_status_t
matchmaking_handle_offer_list(void *context, vb_rpc_call_t *call)
{
    matchmaking_t *self = context;
    const Verbund__Matchmaking__V1__OfferListRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL);
    if (status != VB_STATUS_OK)
        return status;
    if (request->provider_organization_id[0] &&
        (status = vb_handler_check_id(call, "provider_organization_id",
                                      request->provider_organization_id)) != VB_STATUS_OK)
        return status;
    if (request->competence[0] &&
        matchmaking_read_model_competence_index(self->model, request->competence) < 0) {
        vb_rpc_field_error(call, "competence", "is not in the competence taxonomy");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "unknown competence code");
    }
    int limit = 0;
    const char *after = NULL;
    if (vb_handler_limit(call, request->limit, &limit) != 0 ||
        vb_handler_cursor(call, request->cursor, &after) != 0)
        return call->status;
    matchmaking_offer_t **items = NULL;
    size_t count = 0;
    status = matchmaking_store_offer_list(self->db, call->arena, request->provider_organization_id,
                                          request->competence, after, limit, &items, &count);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "listing offers");
    vb_handler_list_reply(call, &verbund__matchmaking__v1__offer_list_reply__descriptor, items,
                          count, limit, "id");
    return VB_STATUS_OK;
}

vb_status_t
matchmaking_handle_rating_put(void *context, vb_rpc_call_t *call)
{
    matchmaking_t *self = context;
    const Verbund__Matchmaking__V1__RatingPutRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "offer_id", request->offer_id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL)) != VB_STATUS_OK)
        return status;
    if (!request->rating) {
        vb_rpc_field_error(call, "rating", "is required");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "a rating is required");
    }
    const char *person = request->rating->person_id;
    if (vb_handler_role(call) == S_ROLE_MEMBER) {
        /* a member rates as itself */
        if (person[0] && strcmp(person, vb_handler_caller_person(call)))
            return vb_rpc_fail(call, VB_STATUS_FORBIDDEN, "a member rates only as itself");
        person = vb_handler_caller_person(call);
    } else if (!person[0]) {
        vb_rpc_field_error(call, "rating.person_id", "is required when staff rate for a person");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "rating.person_id is required");
    }
    if ((status = vb_handler_check_id(call, "rating.person_id", person)) != VB_STATUS_OK)
        return status;
    if (request->rating->stars < 1 || request->rating->stars > 5) {
        vb_rpc_field_error(call, "rating.stars", "must be between 1 and 5");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "stars must be between 1 and 5");
    }
    matchmaking_offer_t *offer = NULL;
    status = matchmaking_store_offer_get(self->db, call->arena, request->offer_id, true, &offer);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, status, "offer %s not found", request->offer_id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the offer");
    bool replaced = false;
    matchmaking_rating_t *rating = NULL;
    status = matchmaking_store_rating_put(self->db, call->arena, request->offer_id, person,
                                          request->rating->stars, &replaced, &rating, &offer);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "storing the rating");
    Verbund__Matchmaking__V1__RatingEvent event = VERBUND__MATCHMAKING__V1__RATING_EVENT__INIT;
    event.rating = rating;
    event.rating_count = offer->rating_count;
    event.rating_average = offer->rating_average;
    if ((status = vb_handler_emit(call, self->outbox, self->db, S_EVENT_TYPE("offer.rated"),
                                  offer->id, &event.base)) != VB_STATUS_OK)
        return status;
    Verbund__Matchmaking__V1__RatingReply *reply =
        vb_handler_reply(call, &verbund__matchmaking__v1__rating_reply__descriptor);
    reply->rating = rating;
    reply->offer = offer;
    /* a repeat replaces the person's stars: 200, the first rating 201 */
    return replaced ? VB_STATUS_OK : VB_STATUS_CREATED;
}

/* ---- offers for skill gaps ---- */

/* The targets of a person's own needs: the highest level per code. */
static int
s_targets_from_needs(matchmaking_t *self, vb_rpc_call_t *call, const char *person_id,
                     matchmaking_target_t *targets, vb_status_t *status)
{
    matchmaking_need_t **needs = NULL;
    size_t count = 0;
    *status = matchmaking_store_need_list(self->db, call->arena, person_id, NULL, NULL,
                                          S_OWNER_NEEDS, &needs, &count);
    if (*status != VB_STATUS_OK) {
        *status = vb_handler_store_failed(call, self->db, *status, "reading the person's needs");
        return -1;
    }
    int n = 0;
    for (size_t i = 0; i < count; i++)
        for (size_t c = 0; c < needs[i]->n_competences; c++) {
            int index = matchmaking_read_model_competence_index(self->model,
                                                                needs[i]->competences[c]->code);
            if (index < 0)
                continue;
            int found = -1;
            for (int t = 0; t < n; t++)
                if (targets[t].competence == index)
                    found = t;
            if (found >= 0) {
                if (needs[i]->competences[c]->level > targets[found].level)
                    targets[found].level = needs[i]->competences[c]->level;
            } else if (n < MATCHMAKING_TARGETS_MAX) {
                targets[n].competence = index;
                targets[n].level = needs[i]->competences[c]->level;
                n++;
            }
        }
    return n;
}

vb_status_t
matchmaking_handle_offer_recommend(void *context, vb_rpc_call_t *call)
{
    matchmaking_t *self = context;
    const Verbund__Matchmaking__V1__OfferRecommendRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "person_id", request->person_id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_SELF, request->person_id)) != VB_STATUS_OK)
        return status;
    matchmaking_errors_t errors = {.count = 0};
    int k = matchmaking_validate_k(request->k, &errors);
    matchmaking_target_t targets[MATCHMAKING_TARGETS_MAX];
    int target_count = 0;
    if (request->targets[0])
        target_count = matchmaking_targets_parse(request->targets, self->model, targets, &errors);
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_BAD_REQUEST, "query")) !=
        VB_STATUS_OK)
        return status;
    uint32_t person_index = matchmaking_read_model_person_find(self->model, request->person_id);
    const matchmaking_person_t *person =
        person_index == MATCHMAKING_NONE
            ? NULL
            : matchmaking_read_model_person_at(self->model, person_index);
    if (!person || !person->alive)
        return vb_rpc_fail(call, VB_STATUS_NOT_FOUND, "person %s not found", request->person_id);
    if (!request->targets[0]) {
        target_count = s_targets_from_needs(self, call, request->person_id, targets, &status);
        if (target_count < 0)
            return status;
        if (target_count == 0) {
            vb_rpc_field_error(call, "targets", "none given and the person owns no needs");
            return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE,
                               "no targets: pass targets=code:level,... or create a need first");
        }
    }
    /* the gaps: targets above the person's current level (skills, or expert profile) */
    match_gap_t gaps[MATCH_REQUIREMENTS_MAX];
    size_t gap_count = 0;
    const matchmaking_profile_t *profile =
        person->profile != MATCHMAKING_NONE
            ? matchmaking_read_model_profile_at(self->model, person->profile)
            : NULL;
    Verbund__Matchmaking__V1__OfferRecommendReply *reply =
        vb_handler_reply(call, &verbund__matchmaking__v1__offer_recommend_reply__descriptor);
    reply->person_id = request->person_id;
    reply->gaps = s_array(call, (size_t)target_count, sizeof *reply->gaps);
    for (int t = 0; t < target_count; t++) {
        int current = person->levels[targets[t].competence];
        if (profile && profile->alive && profile->levels[targets[t].competence] > current)
            current = profile->levels[targets[t].competence];
        if (current >= targets[t].level || gap_count == MATCH_REQUIREMENTS_MAX)
            continue;
        gaps[gap_count].competence_id = (uint16_t)targets[t].competence;
        gaps[gap_count].current_level = (uint8_t)current;
        gaps[gap_count].target_level = (uint8_t)targets[t].level;
        gaps[gap_count].weight = 1;
        reply->gaps[reply->n_gaps++] = s_explanation(
            call, matchmaking_read_model_competence_code(self->model, targets[t].competence),
            targets[t].level, current);
        gap_count++;
    }
    if (gap_count == 0)
        return VB_STATUS_OK; /* every target reached: nothing to recommend */
    s_offers_t offers;
    if ((status = s_load_offers(self, call, &offers)) != VB_STATUS_OK)
        return status;
    match_offer_query_t query = {
        .gaps = gaps,
        .gap_count = gap_count,
        .region_id = person->region ? person->region : MATCH_REGION_ANY,
    };
    match_offer_result_t *results = s_array(call, (size_t)k, sizeof *results);
    size_t found = 0;
    match_error_t error = {0};
    status = match_offers_topk(offers.items, offers.count,
                               matchmaking_read_model_competence_count(self->model), &query,
                               (size_t)k, results, &found, &error);
    if (status != VB_STATUS_OK)
        return s_match_failed(call, status, &error);
    reply->items = s_array(call, found, sizeof *reply->items);
    for (size_t r = 0; r < found; r++) {
        const Verbund__Matchmaking__V1__Offer *offer = offers.offers[results[r].offer_index];
        Verbund__Matchmaking__V1__OfferMatch *item =
            vb_arena_message(call->arena, &verbund__matchmaking__v1__offer_match__descriptor);
        item->offer_id = offer->id;
        item->title = offer->title;
        item->provider_organization_id = offer->provider_organization_id;
        item->score = results[r].score;
        item->price = offer->price;
        item->rating = results[r].rating;
        item->rating_count = offer->rating_count;
        item->covered = s_array(call, gap_count, sizeof *item->covered);
        item->missing = s_array(call, gap_count, sizeof *item->missing);
        for (size_t g = 0; g < gap_count; g++) {
            const char *code =
                matchmaking_read_model_competence_code(self->model, gaps[g].competence_id);
            if (results[r].closed_levels[g] > 0)
                item->covered[item->n_covered++] =
                    s_explanation(call, code, gaps[g].target_level, s_offer_level(offer, code));
            if (!(results[r].closed_mask & (UINT32_C(1) << g)))
                item->missing[item->n_missing++] =
                    s_explanation(call, code, gaps[g].target_level,
                                  gaps[g].current_level + results[r].closed_levels[g]);
        }
        reply->items[reply->n_items++] = item;
    }
    return VB_STATUS_OK;
}

/* ---- peer groups ---- */

/* A small per-query numbering of interest symbols (match.h takes ids below 256). */
typedef struct {
    matchmaking_symbol_t symbols[MATCH_INTERESTS_MAX];
    size_t count;
} s_interest_ids_t;

static int
s_interest_id(s_interest_ids_t *ids, matchmaking_symbol_t symbol)
{
    for (size_t i = 0; i < ids->count; i++)
        if (ids->symbols[i] == symbol)
            return (int)i;
    if (ids->count == MATCH_INTERESTS_MAX)
        return -1; /* more distinct interests than the algorithm tells apart: dropped */
    ids->symbols[ids->count] = symbol;
    return (int)ids->count++;
}

/* Fails the call on a repeated id in ids (count entries); field names the list. */
static vb_status_t
s_check_unique(vb_rpc_call_t *call, const char *field, const char *const *ids, size_t count)
{
    for (size_t i = 0; i < count; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(ids[i], ids[j]) == 0) {
                char path[64];
                snprintf(path, sizeof path, "%s[%zu]", field, i);
                vb_rpc_field_error(call, path, "repeats %s", ids[i]);
                return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "participant %s is listed twice",
                                   ids[i]);
            }
    return VB_STATUS_OK;
}

vb_status_t
matchmaking_handle_peer_group_plan(void *context, vb_rpc_call_t *call)
{
    matchmaking_t *self = context;
    const Verbund__Matchmaking__V1__PeerGroupPlanRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "event_id", request->event_id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_STAFF, NULL)) != VB_STATUS_OK)
        return status;
    if (request->n_participants > MATCH_PEER_PARTICIPANTS_MAX) {
        vb_rpc_field_error(call, "participants", "must have at most %d entries",
                           MATCH_PEER_PARTICIPANTS_MAX);
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "too many participants");
    }
    s_registrations_t registrations = {0};
    size_t count = request->n_participants;
    const char **ids = NULL;
    if (count > 0) {
        ids = s_array(call, count, sizeof *ids);
        for (size_t i = 0; i < count; i++) {
            char path[48];
            snprintf(path, sizeof path, "participants[%zu]", i);
            if ((status = vb_handler_check_id(call, path, request->participants[i])) !=
                VB_STATUS_OK)
                return status;
            ids[i] = request->participants[i];
        }
    } else {
        if ((status = s_registrations(self, call, request->event_id, &registrations)) !=
            VB_STATUS_OK)
            return status;
        count = registrations.count;
        ids = s_array(call, count, sizeof *ids);
        for (size_t i = 0; i < count; i++)
            ids[i] = vb_arena_strdup(call->arena, registrations.items[i]->person_id);
        s_registrations_free(&registrations);
    }
    if ((status = s_check_unique(call, "participants", ids, count)) != VB_STATUS_OK)
        return status;
    if (count == 0)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE,
                           "the event has no confirmed participants");
    match_participant_t *participants = s_array(call, count, sizeof *participants);
    uint16_t *interests = s_array(call, count * MATCHMAKING_INTERESTS_MAX, sizeof *interests);
    s_interest_ids_t interest_ids = {.count = 0};
    for (size_t i = 0; i < count; i++) {
        match_participant_t *p = &participants[i];
        memset(p, 0, sizeof *p);
        p->id = ids[i];
        /* unknown organisation or sector: a value of its own, so it constrains nothing */
        p->organization_id = UINT32_C(0x80000000) + (uint32_t)i;
        p->sector_id = UINT32_C(0x80000000) + (uint32_t)i;
        p->interest_ids = &interests[i * MATCHMAKING_INTERESTS_MAX];
        uint32_t index = matchmaking_read_model_person_find(self->model, ids[i]);
        if (index == MATCHMAKING_NONE && self->follow &&
            matchmaking_follow_fetch_person(self->follow, ids[i], S_FETCH_PERSON_DEADLINE_MS) ==
                VB_STATUS_OK)
            index = matchmaking_read_model_person_find(self->model, ids[i]);
        if (index == MATCHMAKING_NONE)
            continue;
        const matchmaking_person_t *person = matchmaking_read_model_person_at(self->model, index);
        if (person->organization != MATCHMAKING_NONE)
            p->organization_id = person->organization;
        if (person->sector)
            p->sector_id = person->sector;
        for (size_t t = 0; t < MATCHMAKING_INTERESTS_MAX && person->interests[t]; t++) {
            int id = s_interest_id(&interest_ids, person->interests[t]);
            if (id >= 0)
                interests[i * MATCHMAKING_INTERESTS_MAX + p->interest_count++] = (uint16_t)id;
        }
    }
    uint32_t *group_of = s_array(call, count, sizeof *group_of);
    match_peer_groups_result_t result = {0};
    match_error_t error = {0};
    status = match_peer_groups(participants, count,
                               (size_t)(request->min_size < 0 ? 0 : request->min_size),
                               (size_t)(request->max_size < 0 ? 0 : request->max_size),
                               request->seed, group_of, &result, &error);
    if (status != VB_STATUS_OK)
        return s_match_failed(call, status, &error);
    Verbund__Matchmaking__V1__PeerGroupPlanReply *reply =
        vb_handler_reply(call, &verbund__matchmaking__v1__peer_group_plan_reply__descriptor);
    reply->event_id = request->event_id;
    reply->objective = (double)result.objective;
    reply->groups = s_array(call, result.group_count, sizeof *reply->groups);
    match_participant_t *members = s_array(call, count, sizeof *members);
    uint32_t *zeros = s_array(call, count, sizeof *zeros);
    memset(zeros, 0, count * sizeof *zeros);
    for (size_t g = 0; g < result.group_count; g++) {
        Verbund__Matchmaking__V1__PeerGroup *group =
            vb_arena_message(call->arena, &verbund__matchmaking__v1__peer_group__descriptor);
        group->person_ids = s_array(call, count, sizeof *group->person_ids);
        size_t n = 0;
        for (size_t i = 0; i < count; i++)
            if (group_of[i] == g) {
                group->person_ids[group->n_person_ids++] = (char *)ids[i];
                members[n++] = participants[i];
            }
        match_peer_groups_result_t one = {0};
        match_peer_groups_evaluate(members, n, zeros, 1, &one);
        group->score = (double)one.objective;
        /* interests held by at least two members: the group's common ground */
        unsigned char seen[MATCH_INTERESTS_MAX] = {0};
        group->shared_interests = s_array(call, interest_ids.count, sizeof(char *));
        for (size_t m = 0; m < n; m++)
            for (size_t t = 0; t < members[m].interest_count; t++) {
                uint16_t id = members[m].interest_ids[t];
                if (seen[id] < 2 && ++seen[id] == 2)
                    group->shared_interests[group->n_shared_interests++] =
                        (char *)matchmaking_read_model_symbol_text(self->model,
                                                                   interest_ids.symbols[id]);
            }
        reply->groups[reply->n_groups++] = group;
    }
    return VB_STATUS_OK;
}

/* ---- knowledge-café tables ---- */

vb_status_t
matchmaking_handle_table_assign(void *context, vb_rpc_call_t *call)
{
    matchmaking_t *self = context;
    const Verbund__Matchmaking__V1__TableAssignRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "event_id", request->event_id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_STAFF, NULL)) != VB_STATUS_OK)
        return status;
    if (request->rounds < 1 || request->rounds > MATCH_ROUNDS_MAX) {
        vb_rpc_field_error(call, "rounds", "must be between 1 and %d", MATCH_ROUNDS_MAX);
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "rounds must be between 1 and %d",
                           MATCH_ROUNDS_MAX);
    }
    if (request->n_tables > MATCH_TABLES_MAX ||
        request->n_participants > MATCH_TABLE_PARTICIPANTS_MAX) {
        vb_rpc_field_error(call, request->n_tables > MATCH_TABLES_MAX ? "tables" : "participants",
                           "has too many entries");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "too many tables or participants");
    }
    /* tables: from the request, or the event's tables at the events service */
    bool from_events = request->n_tables == 0;
    Verbund__Events__V1__TableListReply *table_list = NULL;
    size_t table_count = request->n_tables;
    const char **table_ids = NULL;
    uint32_t *capacities = NULL;
    if (from_events) {
        Verbund__Events__V1__TableListRequest list = VERBUND__EVENTS__V1__TABLE_LIST_REQUEST__INIT;
        list.event_id = request->event_id;
        if ((status = s_events_call(self, call, "events.TableList", &list.base,
                                    &verbund__events__v1__table_list_reply__descriptor, false, NULL,
                                    (ProtobufCMessage **)&table_list)) != VB_STATUS_OK)
            return status;
        table_count = table_list->n_items;
    }
    table_ids = s_array(call, table_count, sizeof *table_ids);
    capacities = s_array(call, table_count, sizeof *capacities);
    for (size_t t = 0; t < table_count; t++) {
        const char *id = from_events ? table_list->items[t]->id : request->tables[t]->id;
        int capacity = from_events ? table_list->items[t]->capacity : request->tables[t]->capacity;
        table_ids[t] = vb_arena_strdup(call->arena, id ? id : "");
        char path[48];
        snprintf(path, sizeof path, "tables[%zu]", t);
        if (!table_ids[t][0] || capacity < 1) {
            if (table_list)
                protobuf_c_message_free_unpacked(&table_list->base, NULL);
            vb_rpc_field_error(call, path, "needs an id and a capacity of at least 1");
            return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "table %zu is incomplete", t);
        }
        capacities[t] = (uint32_t)capacity;
    }
    if (table_list)
        protobuf_c_message_free_unpacked(&table_list->base, NULL);
    if (table_count == 0)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "the event has no tables");
    for (size_t t = 0; t < table_count; t++)
        for (size_t u = 0; u < t; u++)
            if (strcmp(table_ids[t], table_ids[u]) == 0) {
                vb_rpc_field_error(call, "tables", "table %s is listed twice", table_ids[t]);
                return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "duplicate table");
            }

    /* participants with their preferences: from the request or the confirmed registrations */
    s_registrations_t registrations = {0};
    size_t count = request->n_participants;
    if (count == 0) {
        if ((status = s_registrations(self, call, request->event_id, &registrations)) !=
            VB_STATUS_OK)
            return status;
        count = registrations.count;
    }
    const char **person_ids = s_array(call, count, sizeof *person_ids);
    match_table_participant_t *participants = s_array(call, count, sizeof *participants);
    status = VB_STATUS_OK;
    for (size_t p = 0; p < count && status == VB_STATUS_OK; p++) {
        const char *person = registrations.count ? registrations.items[p]->person_id
                                                 : request->participants[p]->person_id;
        char *const *preferences = registrations.count
                                       ? registrations.items[p]->table_preferences
                                       : request->participants[p]->table_preferences;
        size_t n = registrations.count ? registrations.items[p]->n_table_preferences
                                       : request->participants[p]->n_table_preferences;
        char path[64];
        snprintf(path, sizeof path, "participants[%zu].person_id", p);
        if ((status = vb_handler_check_id(call, path, person)) != VB_STATUS_OK)
            break;
        person_ids[p] = vb_arena_strdup(call->arena, person);
        snprintf(path, sizeof path, "participants[%zu].table_preferences", p);
        if (n == 0 || n > table_count) {
            vb_rpc_field_error(call, path, "must rank 1 to %zu tables", table_count);
            status = vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "participant %s ranks %s tables",
                                 person, n == 0 ? "no" : "too many");
            break;
        }
        uint32_t *ranked = s_array(call, n, sizeof *ranked);
        for (size_t r = 0; r < n && status == VB_STATUS_OK; r++) {
            size_t t = 0;
            while (t < table_count && strcmp(table_ids[t], preferences[r] ? preferences[r] : ""))
                t++;
            if (t == table_count) {
                vb_rpc_field_error(call, path, "names %s, which is not a table of the event",
                                   preferences[r] ? preferences[r] : "");
                status = vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "unknown table in preferences");
            }
            for (size_t q = 0; q < r && status == VB_STATUS_OK; q++)
                if (ranked[q] == t) {
                    vb_rpc_field_error(call, path, "ranks table %s twice", table_ids[t]);
                    status = vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "duplicate preference");
                }
            ranked[r] = (uint32_t)t;
        }
        participants[p].id = person_ids[p];
        participants[p].ranked_tables = ranked;
        participants[p].ranked_count = n;
    }
    s_registrations_free(&registrations);
    if (status != VB_STATUS_OK)
        return status;
    if ((status = s_check_unique(call, "participants", person_ids, count)) != VB_STATUS_OK)
        return status;
    if (count == 0)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE,
                           "the event has no confirmed participants");
    size_t rounds = (size_t)request->rounds;
    uint32_t *assignment = s_array(call, rounds * count, sizeof *assignment);
    int64_t *round_costs = s_array(call, rounds, sizeof *round_costs);
    match_error_t error = {0};
    status = match_table_assignment(participants, count, capacities, table_count, rounds,
                                    assignment, round_costs, &error);
    if (status != VB_STATUS_OK)
        return s_match_failed(call, status, &error);

    Verbund__Matchmaking__V1__TableAssignReply *reply =
        vb_handler_reply(call, &verbund__matchmaking__v1__table_assign_reply__descriptor);
    reply->event_id = request->event_id;
    reply->seats = s_array(call, rounds * count, sizeof *reply->seats);
    reply->rounds = s_array(call, rounds, sizeof *reply->rounds);
    Verbund__Events__V1__TableAssignment **assignments =
        s_array(call, rounds * count, sizeof *assignments);
    for (size_t r = 0; r < rounds; r++) {
        Verbund__Matchmaking__V1__TableRound *round =
            vb_arena_message(call->arena, &verbund__matchmaking__v1__table_round__descriptor);
        round->round = (int32_t)r + 1;
        round->cost = round_costs[r];
        reply->total_cost += round_costs[r];
        reply->rounds[reply->n_rounds++] = round;
        for (size_t p = 0; p < count; p++) {
            uint32_t table = assignment[r * count + p];
            Verbund__Matchmaking__V1__TableSeat *seat =
                vb_arena_message(call->arena, &verbund__matchmaking__v1__table_seat__descriptor);
            seat->round = (int32_t)r + 1;
            seat->table_id = (char *)table_ids[table];
            seat->person_id = (char *)person_ids[p];
            for (size_t q = 0; q < participants[p].ranked_count; q++)
                if (participants[p].ranked_tables[q] == table)
                    seat->preference_rank = (int32_t)q + 1;
            reply->seats[reply->n_seats++] = seat;
            Verbund__Events__V1__TableAssignment *stored =
                vb_arena_message(call->arena, &verbund__events__v1__table_assignment__descriptor);
            stored->round = seat->round;
            stored->table_id = seat->table_id;
            stored->person_id = seat->person_id;
            assignments[r * count + p] = stored;
        }
    }
    if (!from_events)
        return VB_STATUS_OK; /* tables of the request only: nothing the events service knows */

    /* The events service keeps the result with the event. replace = true makes a repeat (a
     * retried request, or this handler's second run after an optimistic pass) harmless. */
    Verbund__Events__V1__TableAssignmentPutRequest put =
        VERBUND__EVENTS__V1__TABLE_ASSIGNMENT_PUT_REQUEST__INIT;
    put.event_id = request->event_id;
    put.assignments = assignments;
    put.n_assignments = rounds * count;
    put.replace = true;
    const char *key = call->envelope->idempotency_key && call->envelope->idempotency_key[0]
                          ? vb_arena_printf(call->arena, "matchmaking/%s/%s", s_caller_id(call),
                                            call->envelope->idempotency_key)
                          : NULL;
    ProtobufCMessage *put_reply = NULL;
    if ((status = s_events_call(self, call, "events.TableAssignmentPut", &put.base,
                                &verbund__events__v1__table_assignment_list_reply__descriptor, true,
                                key, &put_reply)) != VB_STATUS_OK)
        return status;
    protobuf_c_message_free_unpacked(put_reply, NULL);
    reply->stored = true;
    Verbund__Matchmaking__V1__TablesAssignedEvent event =
        VERBUND__MATCHMAKING__V1__TABLES_ASSIGNED_EVENT__INIT;
    event.event_id = request->event_id;
    event.rounds = (int32_t)rounds;
    event.participants = (int32_t)count;
    event.total_cost = reply->total_cost;
    if ((status = vb_handler_emit(call, self->outbox, self->db, S_EVENT_TYPE("tables.assigned"),
                                  request->event_id, &event.base)) != VB_STATUS_OK)
        return status;
    return VB_STATUS_OK;
}

/* ---- partners ---- */

vb_status_t
matchmaking_handle_partner_search(void *context, vb_rpc_call_t *call)
{
    matchmaking_t *self = context;
    const Verbund__Matchmaking__V1__PartnerSearchRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "organization_id", request->organization_id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL)) != VB_STATUS_OK)
        return status;
    matchmaking_errors_t errors = {.count = 0};
    int k = matchmaking_validate_k(request->k, &errors);
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_BAD_REQUEST, "k")) !=
        VB_STATUS_OK)
        return status;
    uint32_t org_index =
        matchmaking_read_model_organization_find(self->model, request->organization_id);
    const matchmaking_organization_t *organization =
        org_index == MATCHMAKING_NONE
            ? NULL
            : matchmaking_read_model_organization_at(self->model, org_index);
    if (!organization || !organization->name)
        return vb_rpc_fail(call, VB_STATUS_NOT_FOUND, "organisation %s not found",
                           request->organization_id);
    if (vb_handler_role(call) == S_ROLE_MEMBER) {
        /* a member searches for its own organisation */
        uint32_t person =
            matchmaking_read_model_person_find(self->model, vb_handler_caller_person(call));
        if (person == MATCHMAKING_NONE ||
            matchmaking_read_model_person_at(self->model, person)->organization != org_index)
            return vb_rpc_fail(call, VB_STATUS_FORBIDDEN,
                               "a member may search partners only for its own organisation");
    }
    matchmaking_need_t **needs = NULL;
    size_t need_count = 0;
    status = matchmaking_store_need_list(self->db, call->arena, NULL, request->organization_id,
                                         NULL, S_OWNER_NEEDS, &needs, &need_count);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the organisation's needs");
    /* the company's needs as one: the highest target level per competence */
    match_requirement_t requirements[MATCH_REQUIREMENTS_MAX];
    size_t requirement_count = 0;
    for (size_t n = 0; n < need_count; n++) {
        match_requirement_t mine[MATCH_REQUIREMENTS_MAX];
        size_t m = s_requirements(self, needs[n], mine);
        for (size_t i = 0; i < m; i++) {
            size_t r = 0;
            while (r < requirement_count && requirements[r].competence_id != mine[i].competence_id)
                r++;
            if (r < requirement_count) {
                if (mine[i].target_level > requirements[r].target_level)
                    requirements[r].target_level = mine[i].target_level;
            } else if (requirement_count < MATCH_REQUIREMENTS_MAX) {
                requirements[requirement_count++] = mine[i];
            }
        }
    }
    if (requirement_count == 0)
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE,
                           "organisation %s has no needs to find partners for",
                           request->organization_id);
    s_offers_t offers;
    if ((status = s_load_offers(self, call, &offers)) != VB_STATUS_OK)
        return status;
    match_company_need_t need = {
        .sector_id = 0, /* offers name no sectors (sector_mask 0): every sector fits */
        .region_id = organization->region ? organization->region : MATCH_REGION_ANY,
        .requirements = requirements,
        .requirement_count = requirement_count,
    };
    /* one more than asked: the organisation may offer training itself and is dropped */
    match_partner_result_t *results = s_array(call, (size_t)k + 1, sizeof *results);
    size_t found = 0;
    match_error_t error = {0};
    status = match_partners_topk(&need, offers.items, offers.count,
                                 matchmaking_read_model_competence_count(self->model),
                                 (size_t)k + 1, results, &found, &error);
    if (status != VB_STATUS_OK)
        return s_match_failed(call, status, &error);
    Verbund__Matchmaking__V1__PartnerSearchReply *reply =
        vb_handler_reply(call, &verbund__matchmaking__v1__partner_search_reply__descriptor);
    reply->organization_id = request->organization_id;
    reply->items = s_array(call, found, sizeof *reply->items);
    for (size_t r = 0; r < found && reply->n_items < (size_t)k; r++) {
        const match_partner_result_t *result = &results[r];
        if (strcmp(result->provider_id, request->organization_id) == 0)
            continue;
        Verbund__Matchmaking__V1__PartnerMatch *item =
            vb_arena_message(call->arena, &verbund__matchmaking__v1__partner_match__descriptor);
        item->provider_organization_id = vb_arena_strdup(call->arena, result->provider_id);
        uint32_t provider =
            matchmaking_read_model_organization_find(self->model, result->provider_id);
        const matchmaking_organization_t *p =
            provider == MATCHMAKING_NONE
                ? NULL
                : matchmaking_read_model_organization_at(self->model, provider);
        item->name = (char *)(p && p->name ? p->name : "");
        item->region =
            (char *)(p ? matchmaking_read_model_symbol_text(self->model, p->region) : "");
        item->score = result->score;
        item->offer_ids = s_array(call, requirement_count, sizeof *item->offer_ids);
        item->matched = s_array(call, requirement_count, sizeof *item->matched);
        item->missing = s_array(call, requirement_count, sizeof *item->missing);
        for (size_t i = 0; i < requirement_count; i++) {
            const char *code =
                matchmaking_read_model_competence_code(self->model, requirements[i].competence_id);
            s_explanation_t *explained =
                s_explanation(call, code, requirements[i].target_level, result->matched_levels[i]);
            if (result->matched_levels[i] > 0)
                item->matched[item->n_matched++] = explained;
            if (result->missing_mask & (UINT32_C(1) << i))
                item->missing[item->n_missing++] = explained;
            uint32_t best = result->best_offer_index[i];
            if (best == UINT32_MAX || best >= offers.count)
                continue;
            bool listed = false;
            for (size_t o = 0; o < item->n_offer_ids; o++)
                listed = listed || strcmp(item->offer_ids[o], offers.items[best].id) == 0;
            if (!listed)
                item->offer_ids[item->n_offer_ids++] = (char *)offers.items[best].id;
        }
        reply->items[reply->n_items++] = item;
    }
    return VB_STATUS_OK;
}

/* ---- health ---- */

vb_status_t
matchmaking_handle_health(void *context, vb_rpc_call_t *call)
{
    matchmaking_t *self = context;
    Verbund__Matchmaking__V1__HealthReply *reply =
        vb_handler_reply(call, &verbund__matchmaking__v1__health_reply__descriptor);
    reply->database_ok = vb_db_in_transaction(self->db) || vb_db_ping(self->db) == 0;
    reply->persons = (int32_t)matchmaking_read_model_person_count(self->model);
    reply->expert_profiles = (int32_t)matchmaking_read_model_profile_count(self->model);
    reply->organizations = (int32_t)matchmaking_read_model_organization_count(self->model);
    reply->stream_position = self->follow ? matchmaking_follow_position(self->follow) : 0;
    return VB_STATUS_OK;
}

/* ---- dispatch table, in proto order ---- */

#define S_METHOD(name, type, handler, flags)                                                       \
    {                                                                                              \
        "matchmaking." name, &verbund__matchmaking__v1__##type##__descriptor, handler, flags       \
    }

static const vb_rpc_method_t s_methods[] = {
    S_METHOD("NeedCreate", need_create_request, matchmaking_handle_need_create, VB_RPC_WRITE),
    S_METHOD("NeedGet", need_get_request, matchmaking_handle_need_get, 0),
    S_METHOD("NeedList", need_list_request, matchmaking_handle_need_list, 0),
    S_METHOD("ExpertSearch", expert_search_request, matchmaking_handle_expert_search, 0),
    S_METHOD("OfferCreate", offer_create_request, matchmaking_handle_offer_create, VB_RPC_WRITE),
    S_METHOD("OfferGet", offer_get_request, matchmaking_handle_offer_get, 0),
    S_METHOD("OfferList", offer_list_request, matchmaking_handle_offer_list, 0),
    S_METHOD("RatingPut", rating_put_request, matchmaking_handle_rating_put, VB_RPC_WRITE),
    S_METHOD("OfferRecommend", offer_recommend_request, matchmaking_handle_offer_recommend, 0),
    S_METHOD("PeerGroupPlan", peer_group_plan_request, matchmaking_handle_peer_group_plan, 0),
    /* a write: it stores the result with the events service and emits tables.assigned */
    S_METHOD("TableAssign", table_assign_request, matchmaking_handle_table_assign, VB_RPC_WRITE),
    S_METHOD("PartnerSearch", partner_search_request, matchmaking_handle_partner_search, 0),
    S_METHOD("Health", health_request, matchmaking_handle_health, 0),
};

const vb_rpc_method_t *
matchmaking_methods(size_t *count)
{
    *count = VB_ARRAY_SIZE(s_methods);
    return s_methods;
}
