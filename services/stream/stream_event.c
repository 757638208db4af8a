/* stream_event.c - a log row (stream_event_t) as a CloudEvent, built or packed: the one place
 * the publisher, the relay and stream.Read turn a row into the wire message.
 * Does not: read or write the log (stream_store.c) or send anything. */
#include "stream.h"

vb_cloudevent_t *
stream_event_cloudevent(vb_arena_t *arena, const stream_event_t *event)
{
    vb_cloudevent_fields_t fields = {
        .id = event->id,
        .source = event->source,
        .type = event->type,
        .subject = event->subject,
        .time_unix_us = event->time_unix_us,
        .sequence = event->sequence,
        .dataschema = event->dataschema,
        .data = event->data,
        .data_length = event->data_length,
    };
    return vb_cloudevent_build(arena, &fields);
}

uint8_t *
stream_event_pack(vb_arena_t *arena, const stream_event_t *event, size_t *size)
{
    vb_cloudevent_t *cloudevent = stream_event_cloudevent(arena, event);
    size_t length = protobuf_c_message_get_packed_size(&cloudevent->base);
    uint8_t *bytes = vb_arena_alloc(arena, length ? length : 1);
    *size = protobuf_c_message_pack(&cloudevent->base, bytes);
    return bytes;
}
