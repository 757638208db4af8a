/* vb/cloudevent_wire.h - unpacking an io.cloudevents.v1.CloudEvent (or a stream.Read page of
 * them) from the protobuf wire format into an arena, by hand for the form verbund's stream sends
 * (string, binary and timestamp attributes, binary data): a subscriber decodes every event, and
 * protobuf-c's generic unpacking of the attribute map cost more than receiving the event. Whatever the hand decoder
 * does not expect it leaves to protobuf-c, so the result is always what protobuf-c would give.
 * Does not: pack events (vb/cloudevent.h builds them; protobuf-c packs). */
#ifndef VB_CLOUDEVENT_WIRE_H
#define VB_CLOUDEVENT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "verbund/stream/v1/stream.pb-c.h"
#include "vb/arena.h"
#include "vb/cloudevent.h"

/* The event in data, every allocation in arena; NULL when it is not a CloudEvent. */
vb_cloudevent_t *vb_cloudevent_unpack(vb_arena_t *arena, const uint8_t *data, size_t size);

/* The hand decoder alone: NULL also when it leaves the frame to protobuf-c (for tests). */
vb_cloudevent_t *vb_cloudevent_unpack_fast(vb_arena_t *arena, const uint8_t *data, size_t size);

/* A stream.Read reply (a page of CloudEvents and the positions), read the same way: by hand for
 * the plain form, by protobuf-c otherwise; every allocation in arena. NULL when it does not
 * decode. Replaying subscribers decode every page. */
Verbund__Stream__V1__ReadReply *vb_stream_read_reply_unpack(vb_arena_t *arena,
                                                            const uint8_t *data, size_t size);

/* Its hand decoder alone: NULL also when it leaves the page to protobuf-c (for tests). */
Verbund__Stream__V1__ReadReply *vb_stream_read_reply_unpack_fast(vb_arena_t *arena,
                                                                 const uint8_t *data, size_t size);

#endif
