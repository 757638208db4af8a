/* vb/wire.h - the protobuf wire format's smallest pieces, for the hand-coded hot paths
 * (rpc_wire.c, cloudevent_wire.c): wire types, reading a varint, stepping through fields.
 * Does not: decode any message (those modules do, each for its own). */
#ifndef VB_WIRE_H
#define VB_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum {
    VB_WIRE_VARINT = 0,
    VB_WIRE_LENGTH = 2, /* length-delimited: strings, bytes, embedded messages */
};

/* Reads a varint of at most ten bytes from data (size bytes available): the bytes it took, or 0
 * when it is truncated or longer than ten bytes. */
static inline size_t
vb_wire_varint_get(const uint8_t *data, size_t size, uint64_t *value)
{
    if (size > 0 && data[0] < 0x80) { /* tags and short lengths: one byte */
        *value = data[0];
        return 1;
    }
    uint64_t result = 0;
    for (size_t i = 0; i < size && i < 10; i++) {
        result |= (uint64_t)(data[i] & 0x7F) << (7 * i);
        if (!(data[i] & 0x80)) {
            *value = result;
            return i + 1;
        }
    }
    return 0;
}

/* One field of a message as read by vb_wire_field_next. */
typedef struct {
    uint32_t number;      /* field number, 1..31 */
    unsigned wire;        /* VB_WIRE_VARINT or VB_WIRE_LENGTH */
    uint64_t value;       /* a varint field's value, a length-delimited field's length */
    const uint8_t *bytes; /* a length-delimited field's bytes (inside data) */
} vb_wire_field_t;

/* Reads the field at *at and moves past it: 1 read, 0 at the end of data, -1 for what the
 * hand-coded decoders leave to protobuf-c (another wire type, a field number 0 or above 31, a
 * truncated varint or length). */
static inline int
vb_wire_field_next(const uint8_t *data, size_t size, size_t *at, vb_wire_field_t *field)
{
    if (*at >= size)
        return 0;
    uint64_t tag;
    size_t taken = vb_wire_varint_get(data + *at, size - *at, &tag);
    if (taken == 0 || (tag >> 3) == 0 || (tag >> 3) > 31)
        return -1;
    *at += taken;
    field->number = (uint32_t)(tag >> 3);
    field->wire = (unsigned)(tag & 7);
    if (field->wire != VB_WIRE_VARINT && field->wire != VB_WIRE_LENGTH)
        return -1;
    taken = vb_wire_varint_get(data + *at, size - *at, &field->value);
    if (taken == 0)
        return -1;
    *at += taken;
    field->bytes = NULL;
    if (field->wire == VB_WIRE_LENGTH) {
        if (field->value > size - *at)
            return -1;
        field->bytes = data + *at;
        *at += (size_t)field->value;
    }
    return 1;
}

/* vb_wire_field_next for messages whose fields may each come once: a field seen before (its bit
 * in *seen, which starts at 0) is -1 as well - protobuf-c's rules for repeats are left to it. */
static inline int
vb_wire_field_next_once(const uint8_t *data, size_t size, size_t *at, vb_wire_field_t *field,
                        uint32_t *seen)
{
    int read = vb_wire_field_next(data, size, at, field);
    if (read != 1)
        return read;
    if (*seen & (1u << field->number))
        return -1;
    *seen |= 1u << field->number;
    return 1;
}

#endif
