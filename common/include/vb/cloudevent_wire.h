/* vb/cloudevent_wire.h - unpacking an io.cloudevents.v1.CloudEvent from the protobuf wire format
 * into an arena, by hand for the form verbund's stream sends (string, binary and timestamp
 * attributes, binary data): a subscriber decodes every live event, and protobuf-c's generic
 * unpacking of the attribute map cost more than receiving the event. Whatever the hand decoder
 * does not expect it leaves to protobuf-c, so the result is always what protobuf-c would give.
 * Does not: pack events (vb/cloudevent.h builds them; protobuf-c packs). */
#ifndef VB_CLOUDEVENT_WIRE_H
#define VB_CLOUDEVENT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "vb/arena.h"
#include "vb/cloudevent.h"

/* The event in data, every allocation in arena; NULL when it is not a CloudEvent. */
vb_cloudevent_t *vb_cloudevent_unpack(vb_arena_t *arena, const uint8_t *data, size_t size);

/* The hand decoder alone: NULL also when it leaves the frame to protobuf-c (for tests). */
vb_cloudevent_t *vb_cloudevent_unpack_fast(vb_arena_t *arena, const uint8_t *data, size_t size);

#endif
