/* rpc_wire.c - rpc.v1.Envelope and rpc.v1.Reply in the protobuf wire format, by hand: a no-op
 * request spent a third of its instructions in protobuf-c's table-driven packing and
 * unpacking of these two small messages. Only the plain form is read here; see rpc_wire.h. */
#include "vb/rpc_wire.h"
#include "vb/wire.h"

#include <stdbool.h>
#include <string.h>

/* Field numbers, from proto/verbund/rpc/v1/rpc.proto. */
enum {
    S_ENVELOPE_METHOD = 1,
    S_ENVELOPE_REQUEST_ID = 2,
    S_ENVELOPE_DEADLINE = 3,
    S_ENVELOPE_CALLER = 4,
    S_ENVELOPE_IDEMPOTENCY_KEY = 5,
    S_ENVELOPE_TRACE_ID = 6,
    S_ENVELOPE_BODY = 7,
    S_ENVELOPE_LAST = 7,
};

enum {
    S_REPLY_REQUEST_ID = 1,
    S_REPLY_STATUS = 2,
    S_REPLY_MESSAGE = 3,
    S_REPLY_FIELD_ERRORS = 4,
    S_REPLY_BODY = 5,
    S_REPLY_LAST = 5,
};

/* ---- packing ---- */

static size_t
s_varint_size(uint64_t value)
{
    size_t size = 1;
    while (value >= 0x80) {
        value >>= 7;
        size++;
    }
    return size;
}

static size_t
s_varint_put(uint8_t *out, uint64_t value)
{
    size_t at = 0;
    while (value >= 0x80) {
        out[at++] = (uint8_t)(value | 0x80);
        value >>= 7;
    }
    out[at++] = (uint8_t)value;
    return at;
}

/* proto3 leaves an empty string out, as protobuf-c does for NULL too. */
static bool
s_string_present(const char *value)
{
    return value && value[0] != '\0';
}

/* Size of a length-delimited field whose tag fits one byte (field numbers below 16). */
static size_t
s_length_field_size(size_t length)
{
    return 1 + s_varint_size(length) + length;
}

static size_t
s_string_size(const char *value)
{
    return s_string_present(value) ? s_length_field_size(strlen(value)) : 0;
}

static size_t
s_length_put(uint8_t *out, unsigned field, const void *data, size_t length)
{
    size_t at = s_varint_put(out, (uint64_t)(field << 3 | VB_WIRE_LENGTH));
    at += s_varint_put(out + at, length);
    if (length)
        memcpy(out + at, data, length);
    return at + length;
}

static size_t
s_string_put(uint8_t *out, unsigned field, const char *value)
{
    return s_string_present(value) ? s_length_put(out, field, value, strlen(value)) : 0;
}

static size_t
s_varint_field_put(uint8_t *out, unsigned field, uint64_t value)
{
    if (value == 0)
        return 0;
    size_t at = s_varint_put(out, (uint64_t)(field << 3 | VB_WIRE_VARINT));
    return at + s_varint_put(out + at, value);
}

static size_t
s_varint_field_size(uint64_t value)
{
    return value == 0 ? 0 : 1 + s_varint_size(value);
}

/* An embedded message: tag, length, then protobuf-c's own packing (rare on the hot path). */
static size_t
s_message_size(const ProtobufCMessage *message)
{
    return message ? s_length_field_size(protobuf_c_message_get_packed_size(message)) : 0;
}

static size_t
s_message_put(uint8_t *out, unsigned field, const ProtobufCMessage *message)
{
    if (!message)
        return 0;
    size_t length = protobuf_c_message_get_packed_size(message);
    size_t at = s_varint_put(out, (uint64_t)(field << 3 | VB_WIRE_LENGTH));
    at += s_varint_put(out + at, length);
    return at + protobuf_c_message_pack(message, out + at);
}

size_t
vb_rpc_wire_envelope_size(const Verbund__Rpc__V1__Envelope *envelope)
{
    return s_string_size(envelope->method) + s_string_size(envelope->request_id) +
           s_varint_field_size((uint64_t)envelope->deadline_unix_ms) +
           s_message_size(envelope->caller ? &envelope->caller->base : NULL) +
           s_string_size(envelope->idempotency_key) + s_string_size(envelope->trace_id) +
           (envelope->body.len ? s_length_field_size(envelope->body.len) : 0);
}

size_t
vb_rpc_wire_envelope_pack(const Verbund__Rpc__V1__Envelope *envelope, uint8_t *out)
{
    size_t at = s_string_put(out, S_ENVELOPE_METHOD, envelope->method);
    at += s_string_put(out + at, S_ENVELOPE_REQUEST_ID, envelope->request_id);
    at += s_varint_field_put(out + at, S_ENVELOPE_DEADLINE, (uint64_t)envelope->deadline_unix_ms);
    at += s_message_put(out + at, S_ENVELOPE_CALLER,
                        envelope->caller ? &envelope->caller->base : NULL);
    at += s_string_put(out + at, S_ENVELOPE_IDEMPOTENCY_KEY, envelope->idempotency_key);
    at += s_string_put(out + at, S_ENVELOPE_TRACE_ID, envelope->trace_id);
    if (envelope->body.len)
        at += s_length_put(out + at, S_ENVELOPE_BODY, envelope->body.data, envelope->body.len);
    return at;
}

/* An enum is packed as an int32: a negative value sign-extends to ten bytes. */
static uint64_t
s_enum_wire(int value)
{
    return (uint64_t)(int64_t)value;
}

size_t
vb_rpc_wire_reply_size(const Verbund__Rpc__V1__Reply *reply)
{
    size_t size = s_string_size(reply->request_id) +
                  s_varint_field_size(s_enum_wire((int)reply->status)) +
                  s_string_size(reply->message);
    for (size_t i = 0; i < reply->n_field_errors; i++)
        size +=
            s_length_field_size(protobuf_c_message_get_packed_size(&reply->field_errors[i]->base));
    if (reply->body.len)
        size += s_length_field_size(reply->body.len);
    return size;
}

size_t
vb_rpc_wire_reply_pack(const Verbund__Rpc__V1__Reply *reply, uint8_t *out)
{
    size_t at = s_string_put(out, S_REPLY_REQUEST_ID, reply->request_id);
    at += s_varint_field_put(out + at, S_REPLY_STATUS, s_enum_wire((int)reply->status));
    at += s_string_put(out + at, S_REPLY_MESSAGE, reply->message);
    for (size_t i = 0; i < reply->n_field_errors; i++)
        at += s_message_put(out + at, S_REPLY_FIELD_ERRORS, &reply->field_errors[i]->base);
    if (reply->body.len)
        at += s_length_put(out + at, S_REPLY_BODY, reply->body.data, reply->body.len);
    return at;
}

/* ---- unpacking an Envelope ---- */

static char *
s_string_copy(ProtobufCAllocator *allocator, const uint8_t *data, size_t length)
{
    char *copy = allocator->alloc(allocator->allocator_data, length + 1);
    if (!copy)
        return NULL;
    memcpy(copy, data, length);
    copy[length] = '\0';
    return copy;
}

Verbund__Rpc__V1__Envelope *
vb_rpc_wire_envelope_unpack_fast(ProtobufCAllocator *allocator, const uint8_t *data, size_t size)
{
    Verbund__Rpc__V1__Envelope *envelope =
        allocator->alloc(allocator->allocator_data, sizeof(*envelope));
    if (!envelope)
        return NULL;
    verbund__rpc__v1__envelope__init(envelope);
    uint32_t seen = 0;
    size_t at = 0;
    vb_wire_field_t field;
    int read;
    while ((read = vb_wire_field_next_once(data, size, &at, &field, &seen)) == 1) {
        if (field.number > S_ENVELOPE_LAST)
            return NULL;
        if (field.number == S_ENVELOPE_DEADLINE) {
            if (field.wire != VB_WIRE_VARINT)
                return NULL;
            envelope->deadline_unix_ms = (int64_t)field.value;
            continue;
        }
        if (field.wire != VB_WIRE_LENGTH)
            return NULL;
        size_t length = (size_t)field.value;
        char **string = NULL;
        switch (field.number) {
        case S_ENVELOPE_METHOD:
            string = &envelope->method;
            break;
        case S_ENVELOPE_REQUEST_ID:
            string = &envelope->request_id;
            break;
        case S_ENVELOPE_IDEMPOTENCY_KEY:
            string = &envelope->idempotency_key;
            break;
        case S_ENVELOPE_TRACE_ID:
            string = &envelope->trace_id;
            break;
        case S_ENVELOPE_CALLER:
            envelope->caller = (Verbund__Rpc__V1__Caller *)protobuf_c_message_unpack(
                &verbund__rpc__v1__caller__descriptor, allocator, length, field.bytes);
            if (!envelope->caller)
                return NULL;
            break;
        case S_ENVELOPE_BODY:
            if (length) {
                envelope->body.data = allocator->alloc(allocator->allocator_data, length);
                if (!envelope->body.data)
                    return NULL;
                memcpy(envelope->body.data, field.bytes, length);
            }
            envelope->body.len = length;
            break;
        }
        if (string && !(*string = s_string_copy(allocator, field.bytes, length)))
            return NULL;
    }
    return read == 0 ? envelope : NULL;
}

/* ---- unpacking a Reply ---- */

bool
vb_rpc_wire_reply_read(Verbund__Rpc__V1__Reply *reply, ProtobufCAllocator *allocator,
                       const uint8_t *data, size_t size)
{
    verbund__rpc__v1__reply__init(reply);
    uint32_t seen = 0;
    size_t at = 0;
    vb_wire_field_t field;
    int read;
    while ((read = vb_wire_field_next_once(data, size, &at, &field, &seen)) == 1) {
        /* field errors (repeated messages) are left to protobuf-c as well */
        if (field.number > S_REPLY_LAST || field.number == S_REPLY_FIELD_ERRORS)
            return false;
        if (field.number == S_REPLY_STATUS) {
            /* an enum is an int32 on the wire: larger values are protobuf-c's to judge */
            if (field.wire != VB_WIRE_VARINT || field.value > INT32_MAX)
                return false;
            reply->status = (Verbund__Rpc__V1__Status)field.value;
            continue;
        }
        if (field.wire != VB_WIRE_LENGTH)
            return false;
        size_t length = (size_t)field.value;
        switch (field.number) {
        case S_REPLY_REQUEST_ID:
            if (!(reply->request_id = s_string_copy(allocator, field.bytes, length)))
                return false;
            break;
        case S_REPLY_MESSAGE:
            if (!(reply->message = s_string_copy(allocator, field.bytes, length)))
                return false;
            break;
        case S_REPLY_BODY:
            if (length) {
                reply->body.data = allocator->alloc(allocator->allocator_data, length);
                if (!reply->body.data)
                    return false;
                memcpy(reply->body.data, field.bytes, length);
            }
            reply->body.len = length;
            break;
        }
    }
    return read == 0;
}
