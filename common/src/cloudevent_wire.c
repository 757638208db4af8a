/* cloudevent_wire.c - a CloudEvent read by hand from the protobuf wire format into an arena (see
 * vb/cloudevent_wire.h). It reads the fields protobuf-c would and builds the same structs; a
 * field twice, an unknown field, a second data or attribute-value member, proto_data, or a
 * number beyond what its type holds sends the frame to protobuf-c instead.
 * Does not: validate attribute names or values (vb/cloudevent.h reads them). */
#include "vb/cloudevent_wire.h"

#include <stdbool.h>
#include <string.h>

#include "vb/wire.h"

typedef Io__Cloudevents__V1__CloudEvent__AttributesEntry s_entry_t;
typedef Io__Cloudevents__V1__CloudEvent__CloudEventAttributeValue s_value_t;

/* Field numbers, from proto/io/cloudevents/v1/cloudevents.proto. */
enum {
    S_EVENT_ID = 1,
    S_EVENT_SOURCE = 2,
    S_EVENT_SPEC_VERSION = 3,
    S_EVENT_TYPE = 4,
    S_EVENT_ATTRIBUTES = 5,
    S_EVENT_BINARY_DATA = 6,
    S_EVENT_TEXT_DATA = 7,
    S_ENTRY_KEY = 1,
    S_ENTRY_VALUE = 2,
    S_VALUE_BOOLEAN = 1,
    S_VALUE_INTEGER = 2,
    S_VALUE_STRING = 3,
    S_VALUE_BYTES = 4,
    S_VALUE_URI = 5,
    S_VALUE_URI_REF = 6,
    S_VALUE_TIMESTAMP = 7,
    S_TIMESTAMP_SECONDS = 1,
    S_TIMESTAMP_NANOS = 2,
};

#define S_INITIAL_ATTRIBUTES 8

/* strndup-like copy of a length-delimited field (s_string_plain checked it has no NUL). */
static char *
s_string(vb_arena_t *arena, const vb_wire_field_t *field)
{
    size_t length = (size_t)field->value;
    char *copy = vb_arena_alloc_bytes(arena, length + 1);
    memcpy(copy, field->bytes, length);
    copy[length] = '\0';
    return copy;
}

/* A NUL inside would end the C string where protobuf-c keeps the bytes after it: such strings
 * go to protobuf-c. */
static bool
s_string_plain(const vb_wire_field_t *field)
{
    return field->wire == VB_WIRE_LENGTH && !memchr(field->bytes, 0, (size_t)field->value);
}

static ProtobufCBinaryData
s_bytes(vb_arena_t *arena, const vb_wire_field_t *field)
{
    ProtobufCBinaryData bytes = {(size_t)field->value, NULL};
    if (bytes.len) {
        bytes.data = vb_arena_alloc_bytes(arena, bytes.len);
        memcpy(bytes.data, field->bytes, bytes.len);
    }
    return bytes;
}

static Google__Protobuf__Timestamp *
s_timestamp(vb_arena_t *arena, const uint8_t *data, size_t size)
{
    Google__Protobuf__Timestamp *timestamp =
        vb_arena_message(arena, &google__protobuf__timestamp__descriptor);
    uint32_t seen = 0;
    size_t at = 0;
    vb_wire_field_t field;
    int read;
    while ((read = vb_wire_field_next_once(data, size, &at, &field, &seen)) == 1) {
        if (field.wire != VB_WIRE_VARINT)
            return NULL;
        if (field.number == S_TIMESTAMP_SECONDS)
            timestamp->seconds = (int64_t)field.value;
        else if (field.number == S_TIMESTAMP_NANOS && field.value <= INT32_MAX)
            timestamp->nanos = (int32_t)field.value;
        else
            return NULL;
    }
    return read == 0 ? timestamp : NULL;
}

static s_value_t *
s_value(vb_arena_t *arena, const uint8_t *data, size_t size)
{
    s_value_t *value = vb_arena_message(
        arena, &io__cloudevents__v1__cloud_event__cloud_event_attribute_value__descriptor);
    size_t at = 0;
    vb_wire_field_t field;
    int read = vb_wire_field_next(data, size, &at, &field);
    if (read == 0)
        return value; /* no member set */
    if (read == -1)
        return NULL;
    switch (field.number) {
    case S_VALUE_BOOLEAN:
        if (field.wire != VB_WIRE_VARINT || field.value > 1)
            return NULL;
        value->ce_boolean = field.value == 1;
        break;
    case S_VALUE_INTEGER:
        if (field.wire != VB_WIRE_VARINT || field.value > INT32_MAX)
            return NULL;
        value->ce_integer = (int32_t)field.value;
        break;
    case S_VALUE_STRING:
    case S_VALUE_URI:
    case S_VALUE_URI_REF:
        if (!s_string_plain(&field))
            return NULL;
        /* the three string members share the union's first pointer */
        value->ce_string = s_string(arena, &field);
        break;
    case S_VALUE_BYTES:
        if (field.wire != VB_WIRE_LENGTH)
            return NULL;
        value->ce_bytes = s_bytes(arena, &field);
        break;
    case S_VALUE_TIMESTAMP:
        if (field.wire != VB_WIRE_LENGTH ||
            !(value->ce_timestamp = s_timestamp(arena, field.bytes, (size_t)field.value)))
            return NULL;
        break;
    default:
        return NULL;
    }
    value->attr_case =
        (Io__Cloudevents__V1__CloudEvent__CloudEventAttributeValue__AttrCase)field.number;
    /* a second member (protobuf-c keeps the last) is protobuf-c's */
    return vb_wire_field_next(data, size, &at, &field) == 0 ? value : NULL;
}

static s_entry_t *
s_entry(vb_arena_t *arena, const uint8_t *data, size_t size)
{
    s_entry_t *entry =
        vb_arena_message(arena, &io__cloudevents__v1__cloud_event__attributes_entry__descriptor);
    uint32_t seen = 0;
    size_t at = 0;
    vb_wire_field_t field;
    int read;
    while ((read = vb_wire_field_next_once(data, size, &at, &field, &seen)) == 1) {
        if (field.number == S_ENTRY_KEY && s_string_plain(&field))
            entry->key = s_string(arena, &field);
        else if (field.number == S_ENTRY_VALUE && field.wire == VB_WIRE_LENGTH &&
                 (entry->value = s_value(arena, field.bytes, (size_t)field.value)))
            continue;
        else
            return NULL;
    }
    return read == 0 ? entry : NULL;
}

vb_cloudevent_t *
vb_cloudevent_unpack_fast(vb_arena_t *arena, const uint8_t *data, size_t size)
{
    vb_cloudevent_t *event = vb_arena_message(arena, &io__cloudevents__v1__cloud_event__descriptor);
    size_t capacity = 0;
    uint32_t seen = 0; /* bit per field number: a repeated field (but attributes) to protobuf-c */
    size_t at = 0;
    vb_wire_field_t field;
    int read;
    while ((read = vb_wire_field_next(data, size, &at, &field)) == 1) {
        if (field.wire != VB_WIRE_LENGTH)
            return NULL;
        if (field.number == S_EVENT_ATTRIBUTES) {
            s_entry_t *entry = s_entry(arena, field.bytes, (size_t)field.value);
            if (!entry)
                return NULL;
            if (event->n_attributes == capacity) {
                /* arena memory cannot grow in place: double into a fresh array */
                capacity = capacity ? capacity * 2 : S_INITIAL_ATTRIBUTES;
                s_entry_t **grown = vb_arena_alloc_bytes(arena, capacity * sizeof(*grown));
                if (event->n_attributes)
                    memcpy(grown, event->attributes, event->n_attributes * sizeof(*grown));
                event->attributes = grown;
            }
            event->attributes[event->n_attributes++] = entry;
            continue;
        }
        /* one data member only: text after binary (or twice) is protobuf-c's */
        bool data_member = field.number == S_EVENT_BINARY_DATA || field.number == S_EVENT_TEXT_DATA;
        if ((seen & (1u << field.number)) || (data_member && event->data_case))
            return NULL;
        seen |= 1u << field.number;
        char **string = NULL;
        switch (field.number) {
        case S_EVENT_ID:
            string = &event->id;
            break;
        case S_EVENT_SOURCE:
            string = &event->source;
            break;
        case S_EVENT_SPEC_VERSION:
            string = &event->spec_version;
            break;
        case S_EVENT_TYPE:
            string = &event->type;
            break;
        case S_EVENT_BINARY_DATA:
            event->binary_data = s_bytes(arena, &field);
            event->data_case = IO__CLOUDEVENTS__V1__CLOUD_EVENT__DATA_BINARY_DATA;
            break;
        case S_EVENT_TEXT_DATA:
            string = &event->text_data;
            event->data_case = IO__CLOUDEVENTS__V1__CLOUD_EVENT__DATA_TEXT_DATA;
            break;
        default:
            return NULL; /* proto_data and unknown fields */
        }
        if (string) {
            if (!s_string_plain(&field))
                return NULL;
            *string = s_string(arena, &field);
        }
    }
    return read == 0 ? event : NULL;
}

vb_cloudevent_t *
vb_cloudevent_unpack(vb_arena_t *arena, const uint8_t *data, size_t size)
{
    vb_cloudevent_t *event = vb_cloudevent_unpack_fast(arena, data, size);
    if (event)
        return event;
    return io__cloudevents__v1__cloud_event__unpack(vb_arena_protobuf_allocator(arena), size, data);
}

/* Field numbers of verbund.stream.v1.ReadReply (proto/verbund/stream/v1/stream.proto). */
enum {
    S_READ_EVENTS = 1,
    S_READ_SCANNED_THROUGH = 2,
    S_READ_NEWEST = 3,
    S_READ_OLDEST = 4,
    S_READ_LAST = 4,
};

Verbund__Stream__V1__ReadReply *
vb_stream_read_reply_unpack_fast(vb_arena_t *arena, const uint8_t *data, size_t size)
{
    Verbund__Stream__V1__ReadReply *read =
        vb_arena_message(arena, &verbund__stream__v1__read_reply__descriptor);
    size_t capacity = 0;
    uint32_t seen = 0; /* the three numbers come once; events repeat */
    size_t at = 0;
    vb_wire_field_t field;
    int got;
    while ((got = vb_wire_field_next(data, size, &at, &field)) == 1) {
        if (field.number == S_READ_EVENTS) {
            if (field.wire != VB_WIRE_LENGTH)
                return NULL;
            vb_cloudevent_t *event = vb_cloudevent_unpack_fast(arena, field.bytes,
                                                               (size_t)field.value);
            if (!event)
                return NULL;
            if (read->n_events == capacity) {
                capacity = capacity ? capacity * 2 : 64;
                vb_cloudevent_t **grown = vb_arena_alloc_bytes(arena, capacity * sizeof(*grown));
                if (read->n_events)
                    memcpy(grown, read->events, read->n_events * sizeof(*grown));
                read->events = grown;
            }
            read->events[read->n_events++] = event;
            continue;
        }
        if (field.number > S_READ_LAST || field.wire != VB_WIRE_VARINT ||
            (seen & (1u << field.number)))
            return NULL;
        seen |= 1u << field.number;
        if (field.number == S_READ_SCANNED_THROUGH)
            read->scanned_through = field.value;
        else if (field.number == S_READ_NEWEST)
            read->newest_sequence = field.value;
        else
            read->oldest_sequence = field.value;
    }
    return got == 0 ? read : NULL;
}

Verbund__Stream__V1__ReadReply *
vb_stream_read_reply_unpack(vb_arena_t *arena, const uint8_t *data, size_t size)
{
    Verbund__Stream__V1__ReadReply *read = vb_stream_read_reply_unpack_fast(arena, data, size);
    if (read)
        return read;
    return (Verbund__Stream__V1__ReadReply *)protobuf_c_message_unpack(
        &verbund__stream__v1__read_reply__descriptor, vb_arena_protobuf_allocator(arena), size,
        data);
}
