/* cloudevent.c - builds and reads io.cloudevents.v1.CloudEvent messages, renders the CloudEvents
 * JSON format, and keeps the registry of payload types that JSON rendering decodes
 * (vb/cloudevent.h). Does not: pack, send or sequence events (the stream service does).
 *
 * Attribute encoding (the protobuf format's CloudEventAttributeValue oneof):
 *   time            ce_timestamp (google.protobuf.Timestamp)
 *   subject         ce_string
 *   sequence        ce_string, decimal zero-padded to VB_CLOUDEVENT_SEQUENCE_WIDTH digits so
 *                   that string order is sequence order
 *   datacontenttype ce_string "application/protobuf"
 *   dataschema      ce_string: a protobuf message full name, not an absolute URI */
#include "vb/cloudevent.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "verbund/communities/v1/communities.pb-c.h"
#include "verbund/events/v1/events.pb-c.h"
#include "verbund/matchmaking/v1/matchmaking.pb-c.h"
#include "verbund/membership/v1/membership.pb-c.h"
#include "vb/assert.h"
#include "vb/clock.h"
#include "vb/json_proto.h"

#define S_SPEC_VERSION "1.0"
#define S_CONTENT_TYPE_PROTOBUF "application/protobuf"
#define S_CONTENT_TYPE_JSON "application/json"
/* Payload types a process may register; verbund has a handful per service. */
#define S_REGISTRY_MAX 128

typedef Io__Cloudevents__V1__CloudEvent__AttributesEntry s_entry_t;
typedef Io__Cloudevents__V1__CloudEvent__CloudEventAttributeValue s_value_t;

/* Written at start before threads exist (vb_cloudevent_register_payload), read-only after. */
static const ProtobufCMessageDescriptor *s_registry[S_REGISTRY_MAX];
static size_t s_registry_count;

/* ---- building ---- */

static s_value_t *
s_add_attribute(vb_arena_t *arena, vb_cloudevent_t *event, size_t capacity, const char *name)
{
    VB_ASSERT(event->n_attributes < capacity);
    s_entry_t *entry =
        vb_arena_message(arena, &io__cloudevents__v1__cloud_event__attributes_entry__descriptor);
    s_value_t *value = vb_arena_message(
        arena, &io__cloudevents__v1__cloud_event__cloud_event_attribute_value__descriptor);
    entry->key = vb_arena_strdup(arena, name);
    entry->value = value;
    event->attributes[event->n_attributes++] = entry;
    return value;
}

static void
s_add_string(vb_arena_t *arena, vb_cloudevent_t *event, size_t capacity, const char *name,
             const char *text)
{
    s_value_t *value = s_add_attribute(arena, event, capacity, name);
    value->attr_case = IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_STRING;
    value->ce_string = vb_arena_strdup(arena, text);
}

/* Floor division, so times before 1970 still get non-negative nanos. */
static void
s_split_us(int64_t unix_us, int64_t *seconds, int32_t *nanos)
{
    int64_t s = unix_us / 1000000;
    int64_t rest = unix_us % 1000000;
    if (rest < 0) {
        rest += 1000000;
        s -= 1;
    }
    *seconds = s;
    *nanos = (int32_t)(rest * 1000);
}

vb_cloudevent_t *
vb_cloudevent_build(vb_arena_t *arena, const vb_cloudevent_fields_t *fields)
{
    VB_ASSERT(arena && fields);
    vb_cloudevent_t *event = vb_arena_message(arena, &io__cloudevents__v1__cloud_event__descriptor);
    event->id = vb_arena_strdup(arena, fields->id);
    event->source = vb_arena_strdup(arena, fields->source);
    event->spec_version = vb_arena_strdup(arena, S_SPEC_VERSION);
    event->type = vb_arena_strdup(arena, fields->type);

    /* in name order, so that every rendering of an event is the same */
    enum { capacity = 5 };
    event->attributes = vb_arena_alloc(arena, capacity * sizeof *event->attributes);
    s_add_string(arena, event, capacity, "datacontenttype", S_CONTENT_TYPE_PROTOBUF);
    if (fields->dataschema && fields->dataschema[0])
        s_add_string(arena, event, capacity, "dataschema", fields->dataschema);
    if (fields->sequence > 0) {
        char text[VB_CLOUDEVENT_SEQUENCE_WIDTH + 1];
        snprintf(text, sizeof text, "%0*" PRIu64, VB_CLOUDEVENT_SEQUENCE_WIDTH, fields->sequence);
        s_add_string(arena, event, capacity, "sequence", text);
    }
    if (fields->subject && fields->subject[0])
        s_add_string(arena, event, capacity, "subject", fields->subject);
    s_value_t *time = s_add_attribute(arena, event, capacity, "time");
    time->attr_case = IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_TIMESTAMP;
    time->ce_timestamp = vb_arena_message(arena, &google__protobuf__timestamp__descriptor);
    s_split_us(fields->time_unix_us, &time->ce_timestamp->seconds, &time->ce_timestamp->nanos);

    event->data_case = IO__CLOUDEVENTS__V1__CLOUD_EVENT__DATA_BINARY_DATA;
    event->binary_data.len = fields->data_length;
    event->binary_data.data = vb_arena_alloc(arena, fields->data_length ? fields->data_length : 1);
    if (fields->data_length)
        memcpy(event->binary_data.data, fields->data, fields->data_length);
    return event;
}

/* ---- reading ---- */

static const s_value_t *
s_find(const vb_cloudevent_t *event, const char *name)
{
    for (size_t i = 0; i < event->n_attributes; i++) {
        const s_entry_t *entry = event->attributes[i];
        if (entry && entry->key && entry->value && strcmp(entry->key, name) == 0)
            return entry->value;
    }
    return NULL;
}

const char *
vb_cloudevent_attribute(const vb_cloudevent_t *event, const char *name)
{
    VB_ASSERT(event && name);
    const s_value_t *value = s_find(event, name);
    if (!value)
        return NULL;
    switch (value->attr_case) {
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_STRING:
        return value->ce_string;
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_URI:
        return value->ce_uri;
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_URI_REF:
        return value->ce_uri_ref;
    default:
        return NULL;
    }
}

uint64_t
vb_cloudevent_sequence(const vb_cloudevent_t *event)
{
    const char *text = vb_cloudevent_attribute(event, "sequence");
    if (!text || !text[0])
        return 0;
    uint64_t sequence = 0;
    for (const char *p = text; *p; p++) {
        if (*p < '0' || *p > '9')
            return 0;
        unsigned digit = (unsigned)(*p - '0');
        if (sequence > (UINT64_MAX - digit) / 10)
            return 0; /* does not fit: not a sequence of ours */
        sequence = sequence * 10 + digit;
    }
    return sequence;
}

int64_t
vb_cloudevent_time_us(const vb_cloudevent_t *event)
{
    VB_ASSERT(event);
    const s_value_t *value = s_find(event, "time");
    if (!value ||
        value->attr_case !=
            IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_TIMESTAMP ||
        !value->ce_timestamp)
        return 0;
    return value->ce_timestamp->seconds * 1000000 + value->ce_timestamp->nanos / 1000;
}

/* ---- JSON format ---- */

/* A new JSON string with bytes in standard base64 (with padding); NULL when out of memory. */
static json_t *
s_base64_json(const uint8_t *data, size_t length)
{
    size_t size = sodium_base64_ENCODED_LEN(length, sodium_base64_VARIANT_ORIGINAL);
    char *text = malloc(size);
    if (!text)
        return NULL;
    sodium_bin2base64(text, size, data, length, sodium_base64_VARIANT_ORIGINAL);
    json_t *json = json_string(text);
    free(text);
    return json;
}

static json_t *
s_timestamp_json(const Google__Protobuf__Timestamp *timestamp)
{
    char text[VB_RFC3339_SIZE];
    int64_t us = timestamp ? timestamp->seconds * 1000000 + timestamp->nanos / 1000 : 0;
    vb_clock_format_rfc3339(us, text);
    return json_string(text);
}

/* The JSON value of an attribute by its type; NULL when unset or out of memory. */
static json_t *
s_attribute_json(const s_value_t *value)
{
    switch (value->attr_case) {
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_BOOLEAN:
        return json_boolean(value->ce_boolean);
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_INTEGER:
        return json_integer(value->ce_integer);
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_STRING:
        return json_string(value->ce_string ? value->ce_string : "");
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_BYTES:
        return s_base64_json(value->ce_bytes.data, value->ce_bytes.len);
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_URI:
        return json_string(value->ce_uri ? value->ce_uri : "");
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_URI_REF:
        return json_string(value->ce_uri_ref ? value->ce_uri_ref : "");
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_TIMESTAMP:
        return s_timestamp_json(value->ce_timestamp);
    default:
        return NULL;
    }
}

/* Sets key to value (a new reference, stolen); -1 when value is NULL or jansson fails. */
static int
s_set(json_t *object, const char *key, json_t *value)
{
    if (!value)
        return -1;
    return json_object_set_new(object, key, value) == 0 ? 0 : -1;
}

/* Adds data (decoded when dataschema is registered and the bytes decode) or data_base64, and
 * the datacontenttype matching what was added. */
static int
s_data_json(json_t *object, const vb_cloudevent_t *event)
{
    switch (event->data_case) {
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__DATA_TEXT_DATA:
        return s_set(object, "data", json_string(event->text_data ? event->text_data : ""));
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__DATA_PROTO_DATA:
        if (!event->proto_data)
            return 0;
        return s_set(object, "data_base64",
                     s_base64_json(event->proto_data->value.data, event->proto_data->value.len));
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__DATA_BINARY_DATA:
        break;
    default:
        return 0;
    }
    const char *schema = vb_cloudevent_attribute(event, "dataschema");
    const ProtobufCMessageDescriptor *type = schema ? vb_cloudevent_payload_type(schema) : NULL;
    if (type) {
        ProtobufCMessage *message = protobuf_c_message_unpack(type, NULL, event->binary_data.len,
                                                              event->binary_data.data);
        if (message) {
            json_t *data = vb_proto_to_json(message);
            protobuf_c_message_free_unpacked(message, NULL);
            if (s_set(object, "data", data) != 0)
                return -1;
            return s_set(object, "datacontenttype", json_string(S_CONTENT_TYPE_JSON));
        }
    }
    /* unknown or undecodable: the bytes as they are, labelled as protobuf */
    if (s_set(object, "data_base64",
              s_base64_json(event->binary_data.data, event->binary_data.len)) != 0)
        return -1;
    return s_set(object, "datacontenttype", json_string(S_CONTENT_TYPE_PROTOBUF));
}

json_t *
vb_cloudevent_to_json(const vb_cloudevent_t *event)
{
    VB_ASSERT(event);
    json_t *object = json_object();
    if (!object)
        return NULL;
    int rc = 0;
    rc |= s_set(object, "specversion", json_string(event->spec_version ? event->spec_version : ""));
    rc |= s_set(object, "id", json_string(event->id ? event->id : ""));
    rc |= s_set(object, "source", json_string(event->source ? event->source : ""));
    rc |= s_set(object, "type", json_string(event->type ? event->type : ""));
    for (size_t i = 0; i < event->n_attributes && rc == 0; i++) {
        const s_entry_t *entry = event->attributes[i];
        if (!entry || !entry->key || !entry->value)
            continue;
        /* the JSON format reserves these member names for the data */
        if (strcmp(entry->key, "data") == 0 || strcmp(entry->key, "data_base64") == 0)
            continue;
        json_t *value = s_attribute_json(entry->value);
        if (value)
            rc |= s_set(object, entry->key, value);
    }
    if (rc == 0)
        rc = s_data_json(object, event);
    if (rc != 0) {
        json_decref(object);
        return NULL;
    }
    return object;
}

/* ---- payload registry ---- */

void
vb_cloudevent_register_payload(const ProtobufCMessageDescriptor *descriptor)
{
    VB_ASSERT(descriptor && descriptor->name);
    for (size_t i = 0; i < s_registry_count; i++)
        if (s_registry[i] == descriptor || strcmp(s_registry[i]->name, descriptor->name) == 0)
            return;
    VB_ASSERT(s_registry_count < S_REGISTRY_MAX);
    s_registry[s_registry_count++] = descriptor;
}

void
vb_cloudevent_register_known_payloads(void)
{
    /* one row per event payload of every service (docs/events.md) */
    static const ProtobufCMessageDescriptor *const known[] = {
        &verbund__membership__v1__person_event__descriptor,
        &verbund__membership__v1__person_erased_event__descriptor,
        &verbund__membership__v1__organization_event__descriptor,
        &verbund__membership__v1__membership_event__descriptor,
        &verbund__membership__v1__expert_profile_event__descriptor,
        /* communities payloads */
        &verbund__communities__v1__community_event__descriptor, &verbund__communities__v1__member_event__descriptor, &verbund__communities__v1__result_event__descriptor,
        /* events payloads */
        &verbund__events__v1__event_event__descriptor, &verbund__events__v1__occurrence_event__descriptor, &verbund__events__v1__registration_event__descriptor, &verbund__events__v1__table_event__descriptor, &verbund__events__v1__table_assignments_event__descriptor, &verbund__events__v1__booth_event__descriptor, &verbund__events__v1__agenda_item_event__descriptor,
        /* matchmaking payloads */
        &verbund__matchmaking__v1__need_event__descriptor, &verbund__matchmaking__v1__offer_event__descriptor, &verbund__matchmaking__v1__rating_event__descriptor, &verbund__matchmaking__v1__tables_assigned_event__descriptor,
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        vb_cloudevent_register_payload(known[i]);
}

const ProtobufCMessageDescriptor *
vb_cloudevent_payload_type(const char *dataschema)
{
    if (!dataschema)
        return NULL;
    for (size_t i = 0; i < s_registry_count; i++)
        if (strcmp(s_registry[i]->name, dataschema) == 0)
            return s_registry[i];
    return NULL;
}
