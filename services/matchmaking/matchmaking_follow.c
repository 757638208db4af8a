/* matchmaking_follow.c - the read model's initial load over RPC and its stream subscription
 * (see the header). Payloads are decoded by their dataschema, so a new event type of an
 * existing payload (e.g. communities' "archived") needs no change here.
 * Does not: retry the load forever (main.c exits when membership never answers). */
#include "matchmaking_follow.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "verbund/communities/v1/communities.pb-c.h"
#include "verbund/membership/v1/membership.pb-c.h"
#include "verbund/stream/v1/stream.pb-c.h"
#include "vb/assert.h"
#include "vb/clock.h"
#include "vb/log.h"
#include "vb/rpc_client.h"
#include "vb/subscriber.h"

#define S_PAGE 200
#define S_COMMUNITY_DEADLINE_MS 3000

struct matchmaking_follow {
    matchmaking_read_model_t *model; /* borrowed */
    vb_rpc_client_t *membership;     /* owned */
    vb_rpc_client_t *communities;    /* owned; NULL when not configured */
    vb_rpc_client_t *replay;         /* owned: stream.Head; NULL without a stream */
    vb_subscriber_t *subscriber;     /* owned; NULL without a stream */
    int load_deadline_ms;
    bool failing; /* last process failed (log once per outage) */
    char *pub_endpoint;    /* owned copies, for the erasure subscription */
    char *replay_endpoint;
    vb_stream_follow_t *erasure;            /* owned; NULL until matchmaking_follow_erasure */
    matchmaking_follow_erase_fn erase;
    void *erase_arg;
};

static const char *const s_topics[] = {"verbund.membership.", "verbund.communities."};

/* ---- applying events ---- */

/* The lower-case suffix of an enum value name ("COMMUNITY_KIND_PEER_CIRCLE" -> "peer_circle"). */
static void
s_enum_suffix(const ProtobufCEnumDescriptor *descriptor, int value, const char *prefix, char *out,
              size_t size)
{
    const ProtobufCEnumValue *v = protobuf_c_enum_descriptor_get_value(descriptor, value);
    const char *name = v ? v->name : "";
    size_t skip = strlen(prefix);
    if (strncmp(name, prefix, skip) == 0)
        name += skip;
    size_t i = 0;
    for (; name[i] && i + 1 < size; i++)
        out[i] = (char)tolower((unsigned char)name[i]);
    out[i] = '\0';
}

static int
s_community_put(matchmaking_read_model_t *model, const Verbund__Communities__V1__Community *c)
{
    char kind[64];
    s_enum_suffix(&verbund__communities__v1__community_kind__descriptor, (int)c->kind,
                  "COMMUNITY_KIND_", kind, sizeof kind);
    return matchmaking_read_model_community_put(model, c->id, c->name, kind);
}

int
matchmaking_follow_apply(matchmaking_read_model_t *model, const vb_cloudevent_t *event)
{
    const char *schema = vb_cloudevent_attribute(event, "dataschema");
    if (!schema || event->data_case != IO__CLOUDEVENTS__V1__CLOUD_EVENT__DATA_BINARY_DATA)
        return 0;
    const ProtobufCMessageDescriptor *types[] = {
        &verbund__membership__v1__person_event__descriptor,
        &verbund__membership__v1__person_erased_event__descriptor,
        &verbund__membership__v1__expert_profile_event__descriptor,
        &verbund__membership__v1__organization_event__descriptor,
        &verbund__communities__v1__community_event__descriptor,
    };
    const ProtobufCMessageDescriptor *type = NULL;
    for (size_t i = 0; i < VB_ARRAY_SIZE(types); i++)
        if (strcmp(types[i]->name, schema) == 0)
            type = types[i];
    if (!type)
        return 0; /* memberships, members, results: nothing the model keeps */
    ProtobufCMessage *message =
        protobuf_c_message_unpack(type, NULL, event->binary_data.len, event->binary_data.data);
    if (!message)
        return -1;
    int rc = 0;
    if (type == &verbund__membership__v1__person_event__descriptor) {
        const Verbund__Membership__V1__PersonEvent *e = (const void *)message;
        /* a redacted event (erasure) holds the id only: version 0, ignored by the version rule */
        if (e->person)
            rc = matchmaking_read_model_person_put(model, e->person);
    } else if (type == &verbund__membership__v1__person_erased_event__descriptor) {
        const Verbund__Membership__V1__PersonErasedEvent *e = (const void *)message;
        rc = matchmaking_read_model_person_erase(model, e->id);
    } else if (type == &verbund__membership__v1__expert_profile_event__descriptor) {
        const Verbund__Membership__V1__ExpertProfileEvent *e = (const void *)message;
        if (e->profile)
            rc = matchmaking_read_model_profile_put(model, e->profile);
    } else if (type == &verbund__membership__v1__organization_event__descriptor) {
        const Verbund__Membership__V1__OrganizationEvent *e = (const void *)message;
        if (e->organization)
            rc = matchmaking_read_model_organization_put(model, e->organization);
    } else {
        const Verbund__Communities__V1__CommunityEvent *e = (const void *)message;
        if (e->community)
            rc = s_community_put(model, e->community);
    }
    protobuf_c_message_free_unpacked(message, NULL);
    return rc;
}

static int
s_on_event(void *arg, const vb_cloudevent_t *event)
{
    matchmaking_follow_t *self = arg;
    if (matchmaking_follow_apply(self->model, event) != 0)
        vb_log_warn("stream: event %s (%s) could not be applied", event->id ? event->id : "?",
                    vb_cloudevent_attribute(event, "type") ? vb_cloudevent_attribute(event, "type")
                                                           : "?");
    return 0;
}

/* ---- the load ---- */

static const Verbund__Rpc__V1__Caller *
s_service_caller(void)
{
    static Verbund__Rpc__V1__Caller caller = VERBUND__RPC__V1__CALLER__INIT;
    caller.id = (char *)"matchmaking";
    caller.role = VERBUND__RPC__V1__ROLE__ROLE_SERVICE;
    return &caller;
}

/* One page of a list method; *reply_p is the decoded reply (caller frees). Retries until
 * deadline_ms while the service is not up yet. */
static vb_status_t
s_call(vb_rpc_client_t *client, const char *method, const ProtobufCMessage *request,
       const ProtobufCMessageDescriptor *reply_type, int deadline_ms, ProtobufCMessage **reply_p)
{
    *reply_p = NULL;
    int64_t until = vb_clock_now_us() + (int64_t)deadline_ms * 1000;
    vb_status_t status = VB_STATUS_UNAVAILABLE;
    do {
        Verbund__Rpc__V1__Reply *reply = NULL;
        vb_rpc_call_options_t options = {.deadline_ms = deadline_ms < 5000 ? deadline_ms : 5000,
                                         .caller = s_service_caller()};
        status = vb_rpc_client_call(client, method, request, &options, &reply);
        if (status == VB_STATUS_OK && reply) {
            *reply_p = vb_rpc_reply_unpack(reply, reply_type);
            status = *reply_p ? VB_STATUS_OK : VB_STATUS_INTERNAL;
        } else if (reply && reply->message && reply->message[0]) {
            vb_log_warn("%s: %s", method, reply->message);
        }
        if (reply)
            vb_rpc_reply_free(reply);
    } while ((status == VB_STATUS_UNAVAILABLE || status == VB_STATUS_DEADLINE_EXCEEDED) &&
             vb_clock_now_us() < until);
    return status;
}

vb_status_t
matchmaking_follow_fetch_person(matchmaking_follow_t *self, const char *id, int deadline_ms)
{
    if (matchmaking_read_model_person_find(self->model, id) != MATCHMAKING_NONE)
        return VB_STATUS_OK;
    Verbund__Membership__V1__PersonGetRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_GET_REQUEST__INIT;
    request.id = (char *)id;
    Verbund__Membership__V1__PersonReply *reply = NULL;
    vb_status_t status =
        s_call(self->membership, "membership.PersonGet", &request.base,
               &verbund__membership__v1__person_reply__descriptor, deadline_ms,
               (ProtobufCMessage **)&reply);
    if (status != VB_STATUS_OK)
        return status;
    if (!reply->person || matchmaking_read_model_person_put(self->model, reply->person) != 0)
        status = VB_STATUS_INTERNAL;
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return status;
}

/* Item adapters of the read model, so that one loader serves every list. */
static int
s_put_person(matchmaking_read_model_t *model, const ProtobufCMessage *item)
{
    return matchmaking_read_model_person_put(model, (const void *)item);
}

static int
s_put_profile(matchmaking_read_model_t *model, const ProtobufCMessage *item)
{
    return matchmaking_read_model_profile_put(model, (const void *)item);
}

static int
s_put_organization(matchmaking_read_model_t *model, const ProtobufCMessage *item)
{
    return matchmaking_read_model_organization_put(model, (const void *)item);
}

static int
s_put_community(matchmaking_read_model_t *model, const ProtobufCMessage *item)
{
    return s_community_put(model, (const void *)item);
}

/* A list method the load pages through. Its request has "cursor" and "limit", its reply
 * "items" and "next_cursor" (every list of verbund does). */
typedef struct {
    const char *method;                             /* "membership.PersonList" */
    const ProtobufCMessageDescriptor *request_type; /* PersonListRequest */
    const ProtobufCMessageDescriptor *reply_type;   /* PersonListReply */
    int (*put)(matchmaking_read_model_t *model, const ProtobufCMessage *item); /* one item */
} s_list_t;

static const s_list_t s_persons = {
    .method = "membership.PersonList",
    .request_type = &verbund__membership__v1__person_list_request__descriptor,
    .reply_type = &verbund__membership__v1__person_list_reply__descriptor,
    .put = s_put_person,
};
static const s_list_t s_profiles = {
    .method = "membership.ExpertProfileList",
    .request_type = &verbund__membership__v1__expert_profile_list_request__descriptor,
    .reply_type = &verbund__membership__v1__expert_profile_list_reply__descriptor,
    .put = s_put_profile,
};
static const s_list_t s_organizations = {
    .method = "membership.OrganizationList",
    .request_type = &verbund__membership__v1__organization_list_request__descriptor,
    .reply_type = &verbund__membership__v1__organization_list_reply__descriptor,
    .put = s_put_organization,
};
static const s_list_t s_communities = {
    .method = "communities.CommunityList",
    .request_type = &verbund__communities__v1__community_list_request__descriptor,
    .reply_type = &verbund__communities__v1__community_list_reply__descriptor,
    .put = s_put_community,
};

/* The address of message's field name (asserted to exist: the descriptors above are ours). */
static void *
s_field(ProtobufCMessage *message, const char *name, size_t *quantifier_offset)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(message->descriptor, name);
    VB_ASSERT(field);
    if (quantifier_offset)
        *quantifier_offset = field->quantifier_offset;
    return (char *)message + field->offset;
}

/* Pages through list on client until the last page, putting every item into the model. */
static vb_status_t
s_load(matchmaking_follow_t *self, vb_rpc_client_t *client, int deadline_ms, const s_list_t *list)
{
    ProtobufCMessage *request = malloc(list->request_type->sizeof_message);
    if (!request)
        return VB_STATUS_INTERNAL;
    protobuf_c_message_init(list->request_type, request);
    *(int32_t *)s_field(request, "limit", NULL) = S_PAGE;
    char **request_cursor = s_field(request, "cursor", NULL);
    char *cursor = strdup("");
    vb_status_t status = VB_STATUS_OK;
    while (cursor && status == VB_STATUS_OK) {
        *request_cursor = cursor;
        ProtobufCMessage *reply = NULL;
        status = s_call(client, list->method, request, list->reply_type, deadline_ms, &reply);
        free(cursor);
        cursor = NULL;
        if (status != VB_STATUS_OK)
            break;
        size_t count_offset = 0;
        ProtobufCMessage **items = *(ProtobufCMessage ***)s_field(reply, "items", &count_offset);
        size_t count = *(size_t *)((char *)reply + count_offset);
        for (size_t i = 0; i < count; i++)
            if (list->put(self->model, items[i]) != 0)
                status = VB_STATUS_INTERNAL;
        const char *next = *(char **)s_field(reply, "next_cursor", NULL);
        if (next[0])
            cursor = strdup(next);
        protobuf_c_message_free_unpacked(reply, NULL);
    }
    free(cursor);
    free(request);
    return status;
}

/* The stream's newest sequence, or 0 (follow from the oldest retained event) when unknown. */
static uint64_t
s_stream_head(matchmaking_follow_t *self)
{
    if (!self->replay)
        return 0;
    Verbund__Stream__V1__HeadRequest request = VERBUND__STREAM__V1__HEAD_REQUEST__INIT;
    Verbund__Stream__V1__HeadReply *reply = NULL;
    vb_status_t status = s_call(self->replay, "stream.Head", &request.base,
                                &verbund__stream__v1__head_reply__descriptor,
                                self->load_deadline_ms, (ProtobufCMessage **)&reply);
    if (status != VB_STATUS_OK) {
        vb_log_warn("stream.Head failed (%s): following from the oldest retained event",
                    vb_status_name(status));
        return 0;
    }
    uint64_t head = reply->newest_sequence;
    protobuf_c_message_free_unpacked(&reply->base, NULL);
    return head;
}

vb_status_t
matchmaking_follow_load(matchmaking_follow_t *self)
{
    uint64_t head = s_stream_head(self);
    const s_list_t *const membership_lists[] = {&s_organizations, &s_persons, &s_profiles};
    vb_status_t status = VB_STATUS_OK;
    for (size_t i = 0; i < VB_ARRAY_SIZE(membership_lists) && status == VB_STATUS_OK; i++)
        status = s_load(self, self->membership, self->load_deadline_ms, membership_lists[i]);
    if (status != VB_STATUS_OK) {
        vb_log_error("loading the read model from membership failed: %s", vb_status_name(status));
        return status;
    }
    if (self->communities) {
        vb_status_t community_status =
            s_load(self, self->communities, S_COMMUNITY_DEADLINE_MS, &s_communities);
        if (community_status != VB_STATUS_OK)
            vb_log_warn("communities not loaded (%s): the model has none until their events "
                        "arrive",
                        vb_status_name(community_status));
    }
    if (self->subscriber)
        vb_subscriber_reset(self->subscriber, head);
    vb_log_info("read model loaded: %zu persons, %zu expert profiles, %zu organisations, "
                "%zu communities; following the stream after %llu",
                matchmaking_read_model_person_count(self->model),
                matchmaking_read_model_profile_count(self->model),
                matchmaking_read_model_organization_count(self->model),
                matchmaking_read_model_community_count(self->model), (unsigned long long)head);
    return VB_STATUS_OK;
}

/* ---- erasure of what the service stores ---- */

static vb_status_t
s_apply_erasure(void *arg, const vb_cloudevent_t *event)
{
    matchmaking_follow_t *self = arg;
    char person_id[40];
    if (vb_stream_follow_erased_person(event, person_id, sizeof person_id) != 1)
        return VB_STATUS_OK; /* another type, or undecodable (logged) */
    return self->erase(self->erase_arg, person_id);
}

int
matchmaking_follow_erasure(matchmaking_follow_t *self, vb_db_t *db,
                           matchmaking_follow_erase_fn erase, void *arg)
{
    self->erase = erase;
    self->erase_arg = arg;
    vb_stream_follow_destroy(&self->erasure);
    self->erasure = vb_stream_follow_erasure_new(self->pub_endpoint, self->replay_endpoint, db,
                                                 s_apply_erasure, self);
    return self->erasure ? 0 : -1;
}

vb_stream_follow_t *
matchmaking_follow_erasure_stream(matchmaking_follow_t *self)
{
    return self->erasure;
}

int
matchmaking_follow_process(matchmaking_follow_t *self, int timeout_ms)
{
    if (self->erasure)
        (void)vb_stream_follow_process(self->erasure, 0); /* logs its own failures */
    if (!self->subscriber)
        return 0;
    int delivered = vb_subscriber_process(self->subscriber, timeout_ms);
    if (delivered >= 0) {
        if (self->failing)
            vb_log_info("stream: following again at %llu",
                        (unsigned long long)vb_subscriber_position(self->subscriber));
        self->failing = false;
        return delivered;
    }
    vb_status_t status = vb_subscriber_status(self->subscriber);
    if (status == VB_STATUS_SNAPSHOT_REQUIRED) {
        /* the stream no longer holds what we missed: load everything again */
        vb_log_warn("stream: position out of retention; reloading the read model");
        if (matchmaking_follow_load(self) == VB_STATUS_OK)
            return 0;
    } else if (!self->failing) {
        vb_log_warn("stream: %s (%s); retrying", vb_subscriber_error(self->subscriber),
                    vb_status_name(status));
    }
    self->failing = true;
    return -1;
}

uint64_t
matchmaking_follow_position(const matchmaking_follow_t *self)
{
    return self->subscriber ? vb_subscriber_position(self->subscriber) : 0;
}

/* ---- lifecycle ---- */

matchmaking_follow_t *
matchmaking_follow_new(const matchmaking_follow_options_t *options, matchmaking_read_model_t *model)
{
    matchmaking_follow_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->model = model;
    self->load_deadline_ms = options->load_deadline_ms > 0 ? options->load_deadline_ms : 30000;
    self->pub_endpoint = strdup(options->pub_endpoint ? options->pub_endpoint : "");
    self->replay_endpoint = strdup(options->replay_endpoint ? options->replay_endpoint : "");
    if (!self->pub_endpoint || !self->replay_endpoint)
        goto failed;
    vb_rpc_client_options_t membership = {
        .endpoint = options->membership_endpoint, .attempt_timeout_ms = 2000, .max_attempts = 2};
    self->membership = vb_rpc_client_new(&membership);
    if (!self->membership)
        goto failed;
    if (options->communities_endpoint && options->communities_endpoint[0]) {
        vb_rpc_client_options_t communities = {.endpoint = options->communities_endpoint,
                                               .attempt_timeout_ms = 1000,
                                               .max_attempts = 2};
        self->communities = vb_rpc_client_new(&communities);
        if (!self->communities)
            goto failed;
    }
    if (options->pub_endpoint && options->pub_endpoint[0] && options->replay_endpoint &&
        options->replay_endpoint[0]) {
        vb_rpc_client_options_t replay = {
            .endpoint = options->replay_endpoint, .attempt_timeout_ms = 2000, .max_attempts = 2};
        self->replay = vb_rpc_client_new(&replay);
        vb_subscriber_options_t subscriber = {
            .pub_endpoint = options->pub_endpoint,
            .replay_endpoint = options->replay_endpoint,
            .topic_prefixes = s_topics,
            .topic_prefix_count = VB_ARRAY_SIZE(s_topics),
            .on_event = s_on_event,
            .arg = self,
        };
        self->subscriber = vb_subscriber_new(&subscriber);
        if (!self->replay || !self->subscriber)
            goto failed;
    }
    return self;
failed:
    matchmaking_follow_destroy(&self);
    return NULL;
}

void
matchmaking_follow_destroy(matchmaking_follow_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    matchmaking_follow_t *self = *self_p;
    vb_stream_follow_destroy(&self->erasure);
    free(self->pub_endpoint);
    free(self->replay_endpoint);
    vb_subscriber_destroy(&self->subscriber);
    vb_rpc_client_destroy(&self->replay);
    vb_rpc_client_destroy(&self->communities);
    vb_rpc_client_destroy(&self->membership);
    free(self);
    *self_p = NULL;
}
