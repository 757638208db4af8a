/* membership_handlers.c - one handler per request message of verbund.membership.v1, in proto
 * order: authorise the envelope's caller, validate, call the store, append the change's event to
 * the outbox (same transaction), build the reply in the call arena. Also the person cache
 * (Redis, versioned) with its pending-invalidation list.
 * Does not: contain SQL (membership_store.c) or log successes (the RPC layer logs outcomes). */
#include "membership.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb/clock.h"
#include "vb/handler.h"
#include "vb/ids.h"
#include "vb/log.h"
#include "membership_lifecycle.h"
#include "membership_store.h"
#include "membership_tokens.h"
#include "membership_validate.h"

/* ---- person cache ---- */

static void
s_person_key(char out[64], const char *id)
{
    snprintf(out, 64, "person:%s", id);
}

static void
s_cache_remember(membership_t *self, const char *key, int64_t version)
{
    for (size_t i = 0; i < self->pending_count; i++) {
        if (strcmp(self->pending[i].key, key) == 0) {
            if (version < 0 ||
                (self->pending[i].version >= 0 && version > self->pending[i].version))
                self->pending[i].version = version;
            return;
        }
    }
    if (self->pending_count == MEMBERSHIP_CACHE_PENDING_MAX) {
        if (!self->cache_untrusted)
            vb_log_warn("cache: %d invalidations undelivered; reading from PostgreSQL only",
                        MEMBERSHIP_CACHE_PENDING_MAX);
        self->cache_untrusted = true;
        return;
    }
    membership_cache_pending_t *item = &self->pending[self->pending_count++];
    snprintf(item->key, sizeof item->key, "%s", key);
    item->version = version;
}

bool
membership_cache_flush(membership_t *self)
{
    size_t done = 0;
    while (done < self->pending_count) {
        const membership_cache_pending_t *item = &self->pending[done];
        int rc = item->version < 0 ? vb_cache_delete(self->cache, item->key)
                                   : vb_cache_invalidate(self->cache, item->key, item->version);
        if (rc != 0)
            break;
        done++;
    }
    if (done > 0) {
        memmove(self->pending, &self->pending[done],
                (self->pending_count - done) * sizeof self->pending[0]);
        self->pending_count -= done;
    }
    return self->pending_count == 0;
}

/* After a write: no value older than version may be served. */
static void
s_cache_invalidate(membership_t *self, const char *id, int64_t version)
{
    char key[64];
    s_person_key(key, id);
    if (vb_cache_invalidate(self->cache, key, version) != 0)
        s_cache_remember(self, key, version);
}

static void
s_cache_delete(membership_t *self, const char *id)
{
    char key[64];
    s_person_key(key, id);
    if (vb_cache_delete(self->cache, key) != 0)
        s_cache_remember(self, key, -1);
}

/* A cached person, or NULL (miss, Redis down, undelivered invalidations). */
static membership_person_t *
s_cache_get(membership_t *self, vb_rpc_call_t *call, const char *id)
{
    if (self->cache_untrusted || !membership_cache_flush(self))
        return NULL;
    char key[64];
    s_person_key(key, id);
    int64_t version = 0;
    char *value = NULL;
    size_t length = 0;
    if (vb_cache_get(self->cache, key, &version, &value, &length) != 1)
        return NULL;
    membership_person_t *person = (membership_person_t *)protobuf_c_message_unpack(
        &verbund__membership__v1__person__descriptor, vb_arena_protobuf_allocator(call->arena),
        length, (const uint8_t *)value);
    free(value);
    if (person && person->version != version)
        return NULL;
    return person;
}

static void
s_cache_put(membership_t *self, vb_rpc_call_t *call, const membership_person_t *person)
{
    /* a value read inside an uncommitted transaction must not reach other readers */
    if (self->cache_untrusted || vb_db_in_transaction(self->db) || self->pending_count > 0)
        return;
    size_t size = protobuf_c_message_get_packed_size(&person->base);
    uint8_t *buffer = vb_arena_alloc(call->arena, size ? size : 1);
    protobuf_c_message_pack(&person->base, buffer);
    char key[64];
    s_person_key(key, person->id);
    (void)vb_cache_put(self->cache, key, person->version, buffer, size,
                       MEMBERSHIP_CACHE_TTL_SECONDS);
}

/* ---- shared lookups ---- */

/* Fails with a field error unless the organisation exists. */
static vb_status_t
s_require_organization(membership_t *self, vb_rpc_call_t *call, const char *field, const char *id)
{
    membership_organization_t *organization = NULL;
    vb_status_t status =
        membership_store_organization_get(self->db, call->arena, id, &organization);
    if (status == VB_STATUS_NOT_FOUND) {
        vb_rpc_field_error(call, field, "no organisation has this id");
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "organisation %s does not exist", id);
    }
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the organisation");
    return VB_STATUS_OK;
}

/* Fails with a field error unless the person exists and is not erased. */
static vb_status_t
s_require_person(membership_t *self, vb_rpc_call_t *call, const char *field, const char *id,
                 bool lock)
{
    membership_person_t *person = NULL;
    vb_status_t status =
        membership_store_person_get(self->db, call->arena, id, lock, &person, NULL);
    if (status == VB_STATUS_NOT_FOUND) {
        vb_rpc_field_error(call, field, "no person has this id");
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "person %s does not exist", id);
    }
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the person");
    if (person->erased) {
        vb_rpc_field_error(call, field, "the person was erased");
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "person %s was erased", id);
    }
    return VB_STATUS_OK;
}

/* A list filter naming a value that does not exist ("a membership type"): BAD_REQUEST with
 * the field. */
static vb_status_t
s_unknown_filter(vb_rpc_call_t *call, const char *field, const char *what, const char *message)
{
    vb_rpc_field_error(call, field, "is not %s", what);
    return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "%s", message);
}

/* ---- events (docs/events.md) ---- */

#define S_EVENT_TYPE(what) "verbund.membership." what ".v1"

/* The event of each membership action, indexed by MembershipAction. */
static const char *const s_transition_events[] = {
    [MEMBERSHIP_ACTION_APPROVE] = S_EVENT_TYPE("membership.approved"),
    [MEMBERSHIP_ACTION_SUSPEND] = S_EVENT_TYPE("membership.suspended"),
    [MEMBERSHIP_ACTION_RESUME] = S_EVENT_TYPE("membership.resumed"),
    [MEMBERSHIP_ACTION_TERMINATE] = S_EVENT_TYPE("membership.terminated"),
    [MEMBERSHIP_ACTION_LAPSE] = S_EVENT_TYPE("membership.lapsed"),
};

static vb_status_t
s_emit_person(membership_t *self, vb_rpc_call_t *call, const char *type,
              membership_person_t *person)
{
    Verbund__Membership__V1__PersonEvent event = VERBUND__MEMBERSHIP__V1__PERSON_EVENT__INIT;
    event.person = person;
    return vb_handler_emit(call, self->outbox, self->db, type, person->id, &event.base);
}

static vb_status_t
s_emit_organization(membership_t *self, vb_rpc_call_t *call, const char *type,
                    membership_organization_t *organization)
{
    Verbund__Membership__V1__OrganizationEvent event =
        VERBUND__MEMBERSHIP__V1__ORGANIZATION_EVENT__INIT;
    event.organization = organization;
    return vb_handler_emit(call, self->outbox, self->db, type, organization->id, &event.base);
}

static vb_status_t
s_emit_membership(membership_t *self, vb_rpc_call_t *call, const char *type,
                  membership_record_t *membership)
{
    Verbund__Membership__V1__MembershipEvent event =
        VERBUND__MEMBERSHIP__V1__MEMBERSHIP_EVENT__INIT;
    event.membership = membership;
    return vb_handler_emit(call, self->outbox, self->db, type, membership->id, &event.base);
}

/* ---- persons ---- */

vb_status_t
membership_handle_person_create(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__PersonCreateRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_authorize(call, VB_HANDLER_STAFF, NULL);
    if (status != VB_STATUS_OK)
        return status;
    membership_errors_t errors = {.count = 0};
    membership_validate_person(request->person, self->taxonomy, "person", &errors);
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_UNPROCESSABLE, "person")) !=
        VB_STATUS_OK)
        return status;
    membership_person_t *person = vb_arena_alloc(call->arena, sizeof *person);
    *person = *request->person;
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    person->id = vb_arena_strdup(call->arena, id);
    if (person->organization_id[0] &&
        (status = s_require_organization(self, call, "person.organization_id",
                                         person->organization_id)) != VB_STATUS_OK)
        return status;
    /* The reply is the row as stored: the timestamps are set here, not read back, so the
     * insert need not be waited for (see membership_store_person_insert_new). */
    char now[VB_RFC3339_SIZE];
    vb_clock_format_rfc3339(vb_clock_now_us(), now);
    person->created_at = vb_arena_strdup(call->arena, now);
    person->updated_at = person->created_at;
    person->version = 1;
    person->erased = false;
    if (!person->consents) {
        person->consents =
            vb_arena_message(call->arena, &verbund__membership__v1__consents__descriptor);
    }
    membership_person_t *created = person;
    status = membership_store_person_insert_new(self->db, call->arena, person);
    if (status == VB_STATUS_CONFLICT) {
        vb_rpc_field_error(call, "person.email", "is already used by another person");
        return vb_rpc_fail(call, status, "a person with this email exists");
    }
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "creating the person");
    if ((status = s_emit_person(self, call, S_EVENT_TYPE("person.created"), created)) !=
        VB_STATUS_OK)
        return status;
    Verbund__Membership__V1__PersonReply *reply =
        vb_handler_reply(call, &verbund__membership__v1__person_reply__descriptor);
    reply->person = created;
    return VB_STATUS_CREATED;
}

vb_status_t
membership_handle_person_get(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__PersonGetRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "id", request->id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_SELF, request->id)) != VB_STATUS_OK)
        return status;
    membership_person_t *person = s_cache_get(self, call, request->id);
    if (!person) {
        status =
            membership_store_person_get(self->db, call->arena, request->id, false, &person, NULL);
        if (status == VB_STATUS_NOT_FOUND)
            return vb_rpc_fail(call, status, "person %s not found", request->id);
        if (status != VB_STATUS_OK)
            return vb_handler_store_failed(call, self->db, status, "reading the person");
        s_cache_put(self, call, person);
    }
    Verbund__Membership__V1__PersonReply *reply =
        vb_handler_reply(call, &verbund__membership__v1__person_reply__descriptor);
    reply->person = person;
    return VB_STATUS_OK;
}

vb_status_t
membership_handle_person_list(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__PersonListRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_authorize(call, VB_HANDLER_STAFF, NULL);
    if (status != VB_STATUS_OK)
        return status;
    membership_person_filter_t filter = {
        .text = request->text,
        .skill = request->skill,
        .region = request->region,
        .organization_id = request->organization_id,
    };
    if (vb_handler_limit(call, request->limit, &filter.limit) != 0 ||
        vb_handler_cursor(call, request->cursor, &filter.after_id) != 0)
        return call->status;
    if (request->skill[0] && !vb_taxonomy_contains(self->taxonomy, request->skill)) {
        vb_rpc_field_error(call, "skill", "is not in the competence taxonomy");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "unknown competence code");
    }
    if (request->organization_id[0] &&
        (status = vb_handler_check_id(call, "organization_id", request->organization_id)) !=
            VB_STATUS_OK)
        return status;
    membership_person_t **items = NULL;
    size_t count = 0;
    status = membership_store_person_list(self->db, call->arena, &filter, &items, &count);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "listing persons");
    vb_handler_list_reply(call, &verbund__membership__v1__person_list_reply__descriptor, items,
                          count, filter.limit, "id");
    return VB_STATUS_OK;
}

/* Copies the masked fields of source into target; -1 with field errors for unknown names. */
static int
s_apply_mask(vb_rpc_call_t *call, const Verbund__Membership__V1__PersonUpdateRequest *request,
             membership_person_t *target)
{
    const membership_person_t *source = request->person;
    int bad = 0;
    membership_consents_t *consents =
        vb_arena_message(call->arena, &verbund__membership__v1__consents__descriptor);
    if (target->consents)
        *consents = *target->consents;
    target->consents = consents;
    for (size_t i = 0; i < request->n_update_mask; i++) {
        const char *name = request->update_mask[i];
        if (strcmp(name, "name") == 0)
            target->name = source->name;
        else if (strcmp(name, "email") == 0)
            target->email = source->email;
        else if (strcmp(name, "organization_id") == 0)
            target->organization_id = source->organization_id;
        else if (strcmp(name, "region") == 0)
            target->region = source->region;
        else if (strcmp(name, "sector") == 0)
            target->sector = source->sector;
        else if (strcmp(name, "languages") == 0) {
            target->languages = source->languages;
            target->n_languages = source->n_languages;
        } else if (strcmp(name, "skills") == 0) {
            target->skills = source->skills;
            target->n_skills = source->n_skills;
        } else if (strcmp(name, "interests") == 0) {
            target->interests = source->interests;
            target->n_interests = source->n_interests;
        } else if (strcmp(name, "consents") == 0) {
            consents->visible_in_network = source->consents && source->consents->visible_in_network;
            consents->federate = source->consents && source->consents->federate;
        } else if (strcmp(name, "consents.visible_in_network") == 0) {
            consents->visible_in_network = source->consents && source->consents->visible_in_network;
        } else if (strcmp(name, "consents.federate") == 0) {
            consents->federate = source->consents && source->consents->federate;
        } else {
            char field[48];
            snprintf(field, sizeof field, "update_mask[%zu]", i);
            vb_rpc_field_error(call, field, "is not a field of a person that can be changed");
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

vb_status_t
membership_handle_person_update(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__PersonUpdateRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "id", request->id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_SELF, request->id)) != VB_STATUS_OK)
        return status;
    if (request->n_update_mask == 0 || !request->person) {
        vb_rpc_field_error(call, "update_mask", "names no field to change");
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "update_mask and person are required");
    }
    membership_person_t *current = NULL;
    status = membership_store_person_get(self->db, call->arena, request->id, true, &current, NULL);
    if (status == VB_STATUS_NOT_FOUND || (status == VB_STATUS_OK && current->erased))
        return vb_rpc_fail(call, VB_STATUS_NOT_FOUND, "person %s not found", request->id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the person");
    if (request->expected_version != current->version)
        return vb_rpc_fail(call, VB_STATUS_CONFLICT, "version %lld is stale; current is %lld",
                           (long long)request->expected_version, (long long)current->version);
    membership_person_t *merged = vb_arena_alloc(call->arena, sizeof *merged);
    *merged = *current;
    if (s_apply_mask(call, request, merged) != 0)
        return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "update_mask names unknown fields");
    membership_errors_t errors = {.count = 0};
    membership_validate_person(merged, self->taxonomy, "person", &errors);
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_UNPROCESSABLE, "person")) !=
        VB_STATUS_OK)
        return status;
    if (merged->organization_id[0] && strcmp(merged->organization_id, current->organization_id) &&
        (status = s_require_organization(self, call, "person.organization_id",
                                         merged->organization_id)) != VB_STATUS_OK)
        return status;
    membership_person_t *updated = NULL;
    status =
        membership_store_person_update(self->db, call->arena, merged, current->version, &updated);
    if (status == VB_STATUS_CONFLICT) {
        vb_rpc_field_error(call, "person.email", "is already used by another person");
        return vb_rpc_fail(call, status, "a person with this email exists");
    }
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, VB_STATUS_CONFLICT, "the person changed meanwhile; read it again");
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "updating the person");
    if ((status = s_emit_person(self, call, S_EVENT_TYPE("person.updated"), updated)) !=
        VB_STATUS_OK)
        return status;
    s_cache_invalidate(self, updated->id, updated->version);
    Verbund__Membership__V1__PersonReply *reply =
        vb_handler_reply(call, &verbund__membership__v1__person_reply__descriptor);
    reply->person = updated;
    return VB_STATUS_OK;
}

vb_status_t
membership_handle_person_erase(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__PersonEraseRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "id", request->id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_SELF, request->id)) != VB_STATUS_OK ||
        (status = vb_handler_check_reason(call, request->reason)) != VB_STATUS_OK)
        return status;
    membership_person_t *person = NULL;
    const char *erased_at = NULL;
    status =
        membership_store_person_get(self->db, call->arena, request->id, true, &person, &erased_at);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, status, "person %s not found", request->id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the person");
    Verbund__Membership__V1__PersonEraseReply *reply =
        vb_handler_reply(call, &verbund__membership__v1__person_erase_reply__descriptor);
    reply->id = person->id;
    if (person->erased) { /* erasing twice is the same erasure */
        reply->erased_at = (char *)erased_at;
        return VB_STATUS_OK;
    }
    status = membership_store_person_erase(self->db, call->arena, request->id, &person, &erased_at);
    if (status == VB_STATUS_OK)
        status = membership_store_expert_profile_delete(self->db, request->id);
    if (status == VB_STATUS_OK)
        status = membership_store_token_revoke_person(self->db, request->id);
    if (status == VB_STATUS_OK) {
        const membership_caller_t *caller = call->envelope->caller;
        char id[VB_UUID_STRING_SIZE];
        vb_uuid7(id);
        membership_audit_t record = VERBUND__MEMBERSHIP__V1__AUDIT_RECORD__INIT;
        record.id = id;
        record.action = (char *)"person.erased";
        record.subject_id = request->id;
        record.actor_id = caller && caller->id ? caller->id : (char *)"";
        record.actor_role = (char *)membership_role_name(vb_handler_role(call));
        record.reason = request->reason;
        status = membership_store_audit_insert(self->db, &record);
    }
    if (status == VB_STATUS_OK) {
        /* Events of this person still in the outbox (person and expert profile events use the
         * person id as subject) keep the id only; the stream service scrubs the log's copies
         * when it relays person.erased. Redact first: the erased event itself stays. */
        Verbund__Membership__V1__Person id_only = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
        id_only.id = person->id;
        Verbund__Membership__V1__PersonEvent redacted = VERBUND__MEMBERSHIP__V1__PERSON_EVENT__INIT;
        redacted.person = &id_only;
        status = vb_outbox_redact(self->outbox, person->id, &redacted.base);
    }
    if (status == VB_STATUS_OK) {
        Verbund__Membership__V1__PersonErasedEvent erased =
            VERBUND__MEMBERSHIP__V1__PERSON_ERASED_EVENT__INIT;
        erased.id = person->id;
        erased.erased_at = (char *)erased_at;
        status =
            vb_outbox_append(self->outbox, S_EVENT_TYPE("person.erased"), person->id, &erased.base);
    }
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "erasing the person");
    s_cache_delete(self, request->id);
    reply->erased_at = (char *)erased_at;
    return VB_STATUS_OK;
}

vb_status_t
membership_handle_person_export(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__PersonExportRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "id", request->id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_SELF, request->id)) != VB_STATUS_OK)
        return status;
    bool snapshot = !vb_db_in_transaction(self->db);
    if (snapshot && (status = membership_store_snapshot_begin(self->db)) != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "starting the export");
    Verbund__Membership__V1__PersonExport *reply =
        vb_arena_message(call->arena, &verbund__membership__v1__person_export__descriptor);
    status = membership_store_person_get(self->db, call->arena, request->id, false, &reply->person,
                                         NULL);
    if (status == VB_STATUS_OK && reply->person->organization_id[0]) {
        status = membership_store_organization_get(
            self->db, call->arena, reply->person->organization_id, &reply->organization);
        if (status == VB_STATUS_NOT_FOUND)
            status = VB_STATUS_OK;
    }
    if (status == VB_STATUS_OK) {
        status = membership_store_expert_profile_get(self->db, call->arena, request->id,
                                                     &reply->expert_profile);
        if (status == VB_STATUS_NOT_FOUND)
            status = VB_STATUS_OK;
    }
    if (status == VB_STATUS_OK)
        status = membership_store_membership_list_by_person(
            self->db, call->arena, request->id, &reply->memberships, &reply->n_memberships);
    if (status == VB_STATUS_OK)
        status = membership_store_audit_list(self->db, call->arena, request->id, &reply->audit,
                                             &reply->n_audit);
    if (snapshot) {
        if (status == VB_STATUS_OK)
            status = vb_db_commit(self->db);
        else
            (void)vb_db_rollback(self->db);
    }
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, status, "person %s not found", request->id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "exporting the person");
    reply->exported_at = vb_handler_now(call, NULL);
    call->reply = &reply->base;
    return VB_STATUS_OK;
}

/* ---- expert profiles ---- */

vb_status_t
membership_handle_expert_profile_put(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__ExpertProfilePutRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "person_id", request->person_id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_SELF, request->person_id)) != VB_STATUS_OK)
        return status;
    membership_errors_t errors = {.count = 0};
    membership_validate_expert_profile(request->profile, self->taxonomy, "profile", &errors);
    if (request->profile && request->profile->person_id[0] &&
        strcmp(request->profile->person_id, request->person_id) != 0)
        vb_handler_errors_add(&errors, "profile.person_id", "differs from person_id");
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_UNPROCESSABLE, "profile")) !=
        VB_STATUS_OK)
        return status;
    membership_person_t *person = NULL;
    status =
        membership_store_person_get(self->db, call->arena, request->person_id, true, &person, NULL);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, status, "person %s not found", request->person_id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the person");
    if (person->erased) {
        vb_rpc_field_error(call, "person_id", "the person was erased");
        return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "person %s was erased",
                           request->person_id);
    }
    membership_expert_profile_t *profile = vb_arena_alloc(call->arena, sizeof *profile);
    *profile = *request->profile;
    profile->person_id = request->person_id;
    membership_expert_profile_t *stored = NULL;
    status = membership_store_expert_profile_put(self->db, call->arena, profile, &stored);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "saving the expert profile");
    /* subject: the person id, so that erasing the person redacts these events too */
    Verbund__Membership__V1__ExpertProfileEvent event =
        VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE_EVENT__INIT;
    event.profile = stored;
    if ((status =
             vb_handler_emit(call, self->outbox, self->db, S_EVENT_TYPE("expert_profile.updated"),
                             person->id, &event.base)) != VB_STATUS_OK)
        return status;
    Verbund__Membership__V1__ExpertProfileReply *reply =
        vb_handler_reply(call, &verbund__membership__v1__expert_profile_reply__descriptor);
    reply->profile = stored;
    return VB_STATUS_OK;
}

vb_status_t
membership_handle_expert_profile_list(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__ExpertProfileListRequest *request = (const void *)call->request;
    /* every profile at once: staff and services (the matchmaking read model), not members */
    vb_status_t status = vb_handler_authorize(call, VB_HANDLER_STAFF, NULL);
    if (status != VB_STATUS_OK)
        return status;
    int limit = 0;
    const char *after = NULL;
    if (vb_handler_limit(call, request->limit, &limit) != 0 ||
        vb_handler_cursor(call, request->cursor, &after) != 0)
        return call->status;
    membership_expert_profile_t **items = NULL;
    size_t count = 0;
    status =
        membership_store_expert_profile_list(self->db, call->arena, after, limit, &items, &count);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "listing expert profiles");
    /* profiles have no "id": the cursor is the person id of the page's last profile */
    vb_handler_list_reply(call, &verbund__membership__v1__expert_profile_list_reply__descriptor,
                          items, count, limit, "person_id");
    return VB_STATUS_OK;
}

/* ---- organisations ---- */

vb_status_t
membership_handle_organization_create(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__OrganizationCreateRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_authorize(call, VB_HANDLER_STAFF, NULL);
    if (status != VB_STATUS_OK)
        return status;
    membership_errors_t errors = {.count = 0};
    membership_validate_organization(request->organization, "organization", &errors);
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_UNPROCESSABLE,
                                          "organization")) != VB_STATUS_OK)
        return status;
    membership_organization_t *organization = vb_arena_alloc(call->arena, sizeof *organization);
    *organization = *request->organization;
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    organization->id = vb_arena_strdup(call->arena, id);
    membership_organization_t *created = NULL;
    status = membership_store_organization_insert(self->db, call->arena, organization, &created);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "creating the organisation");
    if ((status = s_emit_organization(self, call, S_EVENT_TYPE("organization.created"), created)) !=
        VB_STATUS_OK)
        return status;
    Verbund__Membership__V1__OrganizationReply *reply =
        vb_handler_reply(call, &verbund__membership__v1__organization_reply__descriptor);
    reply->organization = created;
    return VB_STATUS_CREATED;
}

vb_status_t
membership_handle_organization_get(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__OrganizationGetRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "id", request->id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_STAFF, NULL)) != VB_STATUS_OK)
        return status;
    membership_organization_t *organization = NULL;
    status = membership_store_organization_get(self->db, call->arena, request->id, &organization);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, status, "organisation %s not found", request->id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the organisation");
    Verbund__Membership__V1__OrganizationReply *reply =
        vb_handler_reply(call, &verbund__membership__v1__organization_reply__descriptor);
    reply->organization = organization;
    return VB_STATUS_OK;
}

vb_status_t
membership_handle_organization_list(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__OrganizationListRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_authorize(call, VB_HANDLER_STAFF, NULL);
    if (status != VB_STATUS_OK)
        return status;
    membership_organization_filter_t filter = {
        .text = request->text,
        .region = request->region,
        .kind = request->kind,
        .sector = request->sector,
    };
    membership_kind_t kind;
    if (request->kind[0] && membership_kind_parse(request->kind, &kind) != 0) {
        return s_unknown_filter(call, "kind", "an organisation kind", "unknown organisation kind");
    }
    if (vb_handler_limit(call, request->limit, &filter.limit) != 0 ||
        vb_handler_cursor(call, request->cursor, &filter.after_id) != 0)
        return call->status;
    membership_organization_t **items = NULL;
    size_t count = 0;
    status = membership_store_organization_list(self->db, call->arena, &filter, &items, &count);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "listing organisations");
    vb_handler_list_reply(call, &verbund__membership__v1__organization_list_reply__descriptor,
                          items, count, filter.limit, "id");
    return VB_STATUS_OK;
}

/* ---- memberships ---- */

vb_status_t
membership_handle_membership_create(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__MembershipCreateRequest *request = (const void *)call->request;
    const membership_record_t *wanted = request->membership;
    const char *holder_person = wanted ? wanted->holder_person_id : "";
    vb_status_t status = vb_handler_authorize(
        call, holder_person[0] ? VB_HANDLER_SELF : VB_HANDLER_STAFF, holder_person);
    if (status != VB_STATUS_OK)
        return status;
    membership_errors_t errors = {.count = 0};
    membership_validate_membership(wanted, self->minimum_supporting_cents, "membership", &errors);
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_UNPROCESSABLE, "membership")) !=
        VB_STATUS_OK)
        return status;
    if (holder_person[0])
        status = s_require_person(self, call, "membership.holder_person_id", holder_person, false);
    else
        status = s_require_organization(self, call, "membership.holder_organization_id",
                                        wanted->holder_organization_id);
    if (status != VB_STATUS_OK)
        return status;
    membership_record_t *membership = vb_arena_alloc(call->arena, sizeof *membership);
    *membership = *wanted;
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    membership->id = vb_arena_strdup(call->arena, id);
    char *now = vb_handler_now(call, NULL);
    membership_lifecycle_start(membership, now);
    membership_record_t *created = NULL;
    status = membership_store_membership_insert(self->db, call->arena, membership, &created);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "creating the membership");
    if ((status = s_emit_membership(self, call, S_EVENT_TYPE("membership.applied"), created)) !=
        VB_STATUS_OK)
        return status;
    Verbund__Membership__V1__MembershipReply *reply =
        vb_handler_reply(call, &verbund__membership__v1__membership_reply__descriptor);
    reply->membership = created;
    return VB_STATUS_CREATED;
}

vb_status_t
membership_handle_membership_get(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__MembershipGetRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "id", request->id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL)) != VB_STATUS_OK)
        return status;
    membership_record_t *membership = NULL;
    status =
        membership_store_membership_get(self->db, call->arena, request->id, false, &membership);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, status, "membership %s not found", request->id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the membership");
    if ((status = vb_handler_authorize(call, VB_HANDLER_SELF, membership->holder_person_id)) !=
        VB_STATUS_OK)
        return status;
    Verbund__Membership__V1__MembershipReply *reply =
        vb_handler_reply(call, &verbund__membership__v1__membership_reply__descriptor);
    reply->membership = membership;
    return VB_STATUS_OK;
}

vb_status_t
membership_handle_membership_list(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__MembershipListRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL);
    if (status != VB_STATUS_OK)
        return status;
    membership_membership_filter_t filter = {
        .type = request->type,
        .status = request->status,
        .holder_id = request->holder_id,
    };
    if (vb_handler_role(call) == MEMBERSHIP_ROLE_MEMBER) {
        /* a member lists only its own memberships */
        if (request->holder_id[0] &&
            strcmp(request->holder_id, vb_handler_caller_person(call)) != 0)
            return vb_rpc_fail(call, VB_STATUS_FORBIDDEN,
                               "a member may list only its own memberships");
        filter.holder_id = vb_handler_caller_person(call);
        if (!filter.holder_id[0])
            return vb_rpc_fail(call, VB_STATUS_FORBIDDEN, "the member token names no person");
    }
    membership_type_t type;
    membership_status_t state;
    if (request->type[0] && membership_type_parse(request->type, &type) != 0) {
        return s_unknown_filter(call, "type", "a membership type", "unknown membership type");
    }
    if (request->status[0] && membership_status_parse(request->status, &state) != 0) {
        return s_unknown_filter(call, "status", "a membership status", "unknown membership status");
    }
    if (filter.holder_id[0] &&
        (status = vb_handler_check_id(call, "holder_id", filter.holder_id)) != VB_STATUS_OK)
        return status;
    if (vb_handler_limit(call, request->limit, &filter.limit) != 0 ||
        vb_handler_cursor(call, request->cursor, &filter.after_id) != 0)
        return call->status;
    membership_record_t **items = NULL;
    size_t count = 0;
    status = membership_store_membership_list(self->db, call->arena, &filter, &items, &count);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "listing memberships");
    vb_handler_list_reply(call, &verbund__membership__v1__membership_list_reply__descriptor, items,
                          count, filter.limit, "id");
    return VB_STATUS_OK;
}

vb_status_t
membership_handle_membership_transition(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__MembershipTransitionRequest *request =
        (const void *)call->request;
    vb_status_t status = vb_handler_check_id(call, "id", request->id);
    if (status != VB_STATUS_OK ||
        (status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL)) != VB_STATUS_OK ||
        (status = vb_handler_check_reason(call, request->reason)) != VB_STATUS_OK)
        return status;
    membership_record_t *membership = NULL;
    status = membership_store_membership_get(self->db, call->arena, request->id, true, &membership);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, status, "membership %s not found", request->id);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "reading the membership");
    membership_role_t role = vb_handler_role(call);
    bool is_holder = membership->holder_person_id[0] &&
                     strcmp(membership->holder_person_id, vb_handler_caller_person(call)) == 0;
    if (role == MEMBERSHIP_ROLE_MEMBER && !is_holder)
        return vb_rpc_fail(call, VB_STATUS_FORBIDDEN,
                           "a member may act only on its own memberships");
    if (request->expected_version != 0 && request->expected_version != membership->version)
        return vb_rpc_fail(call, VB_STATUS_CONFLICT, "version %lld is stale; current is %lld",
                           (long long)request->expected_version, (long long)membership->version);
    int64_t version = membership->version;
    char *today = NULL;
    char *now = vb_handler_now(call, &today);
    char err[256];
    status = membership_lifecycle_apply(membership, request->action, role, is_holder,
                                        vb_arena_strdup(call->arena, request->reason), today, now,
                                        err, sizeof err);
    if (status != VB_STATUS_OK) {
        if (status == VB_STATUS_BAD_REQUEST)
            vb_rpc_field_error(call, "action", "is not a membership action");
        return vb_rpc_fail(call, status, "%s", err);
    }
    membership_record_t *saved = NULL;
    status =
        membership_store_membership_save_status(self->db, call->arena, membership, version, &saved);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, VB_STATUS_CONFLICT, "the membership changed meanwhile");
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "saving the membership");
    /* membership_lifecycle_apply accepted the action, so it is one of the table's */
    VB_ASSERT((size_t)request->action < VB_ARRAY_SIZE(s_transition_events) &&
              s_transition_events[request->action]);
    if ((status = s_emit_membership(self, call, s_transition_events[request->action], saved)) !=
        VB_STATUS_OK)
        return status;
    Verbund__Membership__V1__MembershipReply *reply =
        vb_handler_reply(call, &verbund__membership__v1__membership_reply__descriptor);
    reply->membership = saved;
    return VB_STATUS_OK;
}

/* ---- taxonomy ---- */

vb_status_t
membership_handle_taxonomy_get(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    /* reference data, not personal: every authenticated caller may read it */
    vb_status_t status = vb_handler_authorize(call, VB_HANDLER_AUTHENTICATED, NULL);
    if (status != VB_STATUS_OK)
        return status;
    Verbund__Membership__V1__TaxonomyReply *reply =
        vb_handler_reply(call, &verbund__membership__v1__taxonomy_reply__descriptor);
    size_t count = vb_taxonomy_size(self->taxonomy);
    reply->items = vb_arena_alloc(call->arena, (count ? count : 1) * sizeof *reply->items);
    for (size_t i = 0; i < count; i++) {
        const vb_taxonomy_entry_t *entry = vb_taxonomy_at(self->taxonomy, i);
        membership_competence_t *item =
            vb_arena_message(call->arena, &verbund__membership__v1__competence__descriptor);
        /* borrowed: the taxonomy outlives every call */
        item->code = entry->code;
        item->area = entry->area;
        item->label_de = entry->label_de;
        item->label_en = entry->label_en;
        reply->items[i] = item;
    }
    reply->n_items = count;
    return VB_STATUS_OK;
}

/* ---- tokens ---- */

vb_status_t
membership_handle_token_create(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__TokenCreateRequest *request = (const void *)call->request;
    vb_status_t status = vb_handler_authorize(call, VB_HANDLER_ADMIN, NULL);
    if (status != VB_STATUS_OK)
        return status;
    membership_errors_t errors = {.count = 0};
    const char *role = membership_role_name(request->role);
    if (!role)
        vb_handler_errors_add(&errors, "role", "must be admin, staff, member or service");
    if (request->role == MEMBERSHIP_ROLE_MEMBER && !request->person_id[0])
        vb_handler_errors_add(&errors, "person_id", "is required for a member token");
    else if (request->person_id[0] && !vb_uuid_valid(request->person_id))
        vb_handler_errors_add(&errors, "person_id", "is not a UUID");
    if (request->ttl_seconds < 0 || request->ttl_seconds > MEMBERSHIP_TOKEN_MAX_TTL_SECONDS)
        vb_handler_errors_add(&errors, "ttl_seconds", "must be between 0 and %lld",
                              (long long)MEMBERSHIP_TOKEN_MAX_TTL_SECONDS);
    if (!membership_validate_utf8(request->label) ||
        membership_utf8_length(request->label) > MEMBERSHIP_NAME_MAX)
        vb_handler_errors_add(&errors, "label", "must be valid UTF-8 of at most %d characters",
                              MEMBERSHIP_NAME_MAX);
    if (request->n_topic_prefixes > MEMBERSHIP_TOKEN_MAX_TOPICS)
        vb_handler_errors_add(&errors, "topic_prefixes", "must have at most %d entries",
                              MEMBERSHIP_TOKEN_MAX_TOPICS);
    for (size_t i = 0; i < request->n_topic_prefixes && i < MEMBERSHIP_TOKEN_MAX_TOPICS; i++)
        if (!membership_tokens_topic_valid(request->topic_prefixes[i]))
            vb_handler_errors_add(&errors, "topic_prefixes",
                                  "entry %zu must be 1 to %d characters of A-Z a-z 0-9 . _ -", i,
                                  MEMBERSHIP_TOKEN_TOPIC_MAX_LENGTH);
    if ((status = vb_handler_check_errors(call, &errors, VB_STATUS_UNPROCESSABLE,
                                          "token request")) != VB_STATUS_OK)
        return status;
    if (request->person_id[0] &&
        (status = s_require_person(self, call, "person_id", request->person_id, false)) !=
            VB_STATUS_OK)
        return status;
    char token[MEMBERSHIP_TOKEN_SIZE], hash[MEMBERSHIP_TOKEN_HASH_SIZE], id[VB_UUID_STRING_SIZE];
    membership_tokens_generate(token);
    VB_ASSERT(membership_tokens_hash(token, hash) == 0);
    vb_uuid7(id);
    int64_t ttl =
        request->ttl_seconds ? request->ttl_seconds : MEMBERSHIP_TOKEN_DEFAULT_TTL_SECONDS;
    const char *expires_at = NULL;
    const char *topics = membership_tokens_topics_join(call->arena, request->topic_prefixes,
                                                       request->n_topic_prefixes);
    status =
        membership_store_token_insert(self->db, call->arena, id, hash, role, request->person_id,
                                      request->label, ttl, topics, &expires_at);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "creating the token");
    Verbund__Membership__V1__TokenCreateReply *reply =
        vb_handler_reply(call, &verbund__membership__v1__token_create_reply__descriptor);
    reply->id = vb_arena_strdup(call->arena, id);
    reply->token = vb_arena_strdup(call->arena, token);
    reply->role = request->role;
    reply->person_id = request->person_id;
    reply->expires_at = (char *)expires_at;
    reply->topic_prefixes = request->topic_prefixes;
    reply->n_topic_prefixes = request->n_topic_prefixes;
    return VB_STATUS_CREATED;
}

vb_status_t
membership_handle_token_verify(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    const Verbund__Membership__V1__TokenVerifyRequest *request = (const void *)call->request;
    char hash[MEMBERSHIP_TOKEN_HASH_SIZE];
    if (membership_tokens_hash(request->token, hash) != 0)
        return vb_rpc_fail(call, VB_STATUS_UNAUTHENTICATED, "invalid token");
    membership_token_row_t row = {0};
    const char *expires_at = NULL;
    const char *topics = NULL;
    vb_status_t status =
        membership_store_token_find(self->db, call->arena, hash, &row.id, &row.role, &row.person_id,
                                    &row.expired, &row.revoked, &expires_at, &topics);
    if (status == VB_STATUS_NOT_FOUND)
        return vb_rpc_fail(call, VB_STATUS_UNAUTHENTICATED, "invalid token");
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, self->db, status, "verifying the token");
    membership_caller_t *caller =
        vb_arena_message(call->arena, &verbund__rpc__v1__caller__descriptor);
    if (membership_tokens_check(&row, caller) != VB_STATUS_OK)
        return vb_rpc_fail(call, VB_STATUS_UNAUTHENTICATED, "token %s",
                           row.revoked   ? "revoked"
                           : row.expired ? "expired"
                                         : "not usable");
    int n_topics = membership_tokens_topics_split(call->arena, topics, &caller->topic_prefixes);
    caller->n_topic_prefixes = n_topics > 0 ? (size_t)n_topics : 0;
    Verbund__Membership__V1__TokenVerifyReply *reply =
        vb_handler_reply(call, &verbund__membership__v1__token_verify_reply__descriptor);
    reply->caller = caller;
    reply->expires_at = (char *)expires_at;
    return VB_STATUS_OK;
}

/* ---- health ---- */

vb_status_t
membership_handle_health(void *context, vb_rpc_call_t *call)
{
    membership_t *self = context;
    Verbund__Membership__V1__HealthReply *reply =
        vb_handler_reply(call, &verbund__membership__v1__health_reply__descriptor);
    /* a health check inside the batch transaction must not disturb it */
    reply->database_ok = vb_db_in_transaction(self->db) || vb_db_ping(self->db) == 0;
    int64_t version = 0;
    char *value = NULL;
    size_t length = 0;
    int rc = vb_cache_get(self->cache, "health", &version, &value, &length);
    free(value);
    reply->cache_ok = rc >= 0;
    return VB_STATUS_OK;
}

/* ---- dispatch table, in proto order ---- */

#define S_METHOD(name, type, handler, flags)                                                       \
    {                                                                                              \
        "membership." name, &verbund__membership__v1__##type##__descriptor, handler, flags         \
    }

static const vb_rpc_method_t s_methods[] = {
    S_METHOD("PersonCreate", person_create_request, membership_handle_person_create, VB_RPC_WRITE),
    S_METHOD("PersonGet", person_get_request, membership_handle_person_get, 0),
    S_METHOD("PersonList", person_list_request, membership_handle_person_list, 0),
    S_METHOD("PersonUpdate", person_update_request, membership_handle_person_update, VB_RPC_WRITE),
    S_METHOD("PersonErase", person_erase_request, membership_handle_person_erase, VB_RPC_WRITE),
    S_METHOD("PersonExport", person_export_request, membership_handle_person_export, 0),
    S_METHOD("ExpertProfilePut", expert_profile_put_request, membership_handle_expert_profile_put,
             VB_RPC_WRITE),
    S_METHOD("ExpertProfileList", expert_profile_list_request,
             membership_handle_expert_profile_list, 0),
    S_METHOD("OrganizationCreate", organization_create_request,
             membership_handle_organization_create, VB_RPC_WRITE),
    S_METHOD("OrganizationGet", organization_get_request, membership_handle_organization_get, 0),
    S_METHOD("OrganizationList", organization_list_request, membership_handle_organization_list, 0),
    S_METHOD("MembershipCreate", membership_create_request, membership_handle_membership_create,
             VB_RPC_WRITE),
    S_METHOD("MembershipGet", membership_get_request, membership_handle_membership_get, 0),
    S_METHOD("MembershipList", membership_list_request, membership_handle_membership_list, 0),
    S_METHOD("MembershipTransition", membership_transition_request,
             membership_handle_membership_transition, VB_RPC_WRITE),
    S_METHOD("TaxonomyGet", taxonomy_get_request, membership_handle_taxonomy_get, 0),
    S_METHOD("TokenCreate", token_create_request, membership_handle_token_create,
             VB_RPC_WRITE | VB_RPC_SECRET_REPLY),
    S_METHOD("TokenVerify", token_verify_request, membership_handle_token_verify, 0),
    S_METHOD("Health", health_request, membership_handle_health, 0),
};

const vb_rpc_method_t *
membership_methods(size_t *count)
{
    *count = VB_ARRAY_SIZE(s_methods);
    return s_methods;
}
