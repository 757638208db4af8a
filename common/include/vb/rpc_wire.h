/* rpc_wire.h - the RPC layer's own two messages, rpc.v1.Envelope and rpc.v1.Reply, coded by
 * hand on the hot path of every request: packing and unpacking both. The bytes
 * are exactly what protobuf-c writes (fields in number order, proto3 defaults left out), and an
 * unpacked Envelope is the struct protobuf-c would give. Anything the hand decoder does not
 * expect (an unknown or repeated field, another wire type, a truncated varint) it leaves to
 * protobuf-c, which then decides whether the frame is valid.
 * Does not: code any method's body (that stays generic). */
#ifndef VB_RPC_WIRE_H
#define VB_RPC_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verbund/rpc/v1/rpc.pb-c.h"

/* The packed size of envelope, as verbund__rpc__v1__envelope__get_packed_size. */
size_t vb_rpc_wire_envelope_size(const Verbund__Rpc__V1__Envelope *envelope);

/* Packs envelope into out (vb_rpc_wire_envelope_size bytes); returns the bytes written. */
size_t vb_rpc_wire_envelope_pack(const Verbund__Rpc__V1__Envelope *envelope, uint8_t *out);

/* The packed size of reply, as verbund__rpc__v1__reply__get_packed_size. */
size_t vb_rpc_wire_reply_size(const Verbund__Rpc__V1__Reply *reply);

/* Packs reply into out (vb_rpc_wire_reply_size bytes); returns the bytes written. */
size_t vb_rpc_wire_reply_pack(const Verbund__Rpc__V1__Reply *reply, uint8_t *out);

/* Unpacks an Envelope into memory from allocator (nothing is freed: the allocator's owner
 * releases it all at once), or NULL when the frame is not in the plain form the hand decoder
 * reads — the caller then unpacks it with protobuf-c (verbund__rpc__v1__envelope__unpack). */
Verbund__Rpc__V1__Envelope *vb_rpc_wire_envelope_unpack_fast(ProtobufCAllocator *allocator,
                                                             const uint8_t *data, size_t size);

/* Reads a Reply into *reply, its strings and body from allocator (the caller frees them all
 * at once); false when the frame is not in the plain form (field errors, unknown or repeated
 * fields): unpack it with protobuf-c then. */
bool vb_rpc_wire_reply_read(Verbund__Rpc__V1__Reply *reply, ProtobufCAllocator *allocator,
                            const uint8_t *data, size_t size);

#endif
