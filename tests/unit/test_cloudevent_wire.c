/* test_cloudevent_wire.c - the hand-decoded CloudEvent against protobuf-c itself: events as the
 * stream builds them are read by hand; random events (every attribute kind, every data member),
 * every prefix, flipped bytes and noise are read the same as protobuf-c reads them (compared by
 * packing both results again), and what protobuf-c refuses the hand decoder refuses too.
 * Does not: test the subscriber that uses it (test_subscriber*.c). */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vb/arena.h"
#include "vb_test_frames.h"
#include "vb/cloudevent_wire.h"

#define ROUNDS 2000

typedef Io__Cloudevents__V1__CloudEvent__AttributesEntry s_entry_t;
typedef Io__Cloudevents__V1__CloudEvent__CloudEventAttributeValue s_value_t;


static char *
s_random_string(vb_arena_t *arena)
{
    if (vb_test_random() % 5 == 0)
        return "";
    size_t length = vb_test_random() % 4 == 0 ? 130 + vb_test_random() % 200 : 1 + vb_test_random() % 30;
    char *s = vb_arena_alloc(arena, length + 1);
    for (size_t i = 0; i < length; i++)
        s[i] = (char)(1 + vb_test_random() % 255);
    return s;
}

static ProtobufCBinaryData
s_random_bytes(vb_arena_t *arena)
{
    ProtobufCBinaryData bytes = {vb_test_random() % 3 == 0 ? 0 : 1 + vb_test_random() % 300, NULL};
    bytes.data = vb_arena_alloc(arena, bytes.len + 1);
    for (size_t i = 0; i < bytes.len; i++)
        bytes.data[i] = (uint8_t)vb_test_random();
    return bytes;
}

static s_value_t *
s_random_value(vb_arena_t *arena)
{
    s_value_t *value = vb_arena_message(
        arena, &io__cloudevents__v1__cloud_event__cloud_event_attribute_value__descriptor);
    value->attr_case =
        (Io__Cloudevents__V1__CloudEvent__CloudEventAttributeValue__AttrCase)(vb_test_random() % 8);
    switch (value->attr_case) {
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_BOOLEAN:
        value->ce_boolean = vb_test_random() % 2;
        break;
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_INTEGER:
        value->ce_integer = (int32_t)vb_test_random(); /* negative ones go to protobuf-c */
        break;
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_BYTES:
        value->ce_bytes = s_random_bytes(arena);
        break;
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_TIMESTAMP:
        value->ce_timestamp = vb_arena_message(arena, &google__protobuf__timestamp__descriptor);
        value->ce_timestamp->seconds = (int64_t)(vb_test_random() % 4000000000u);
        value->ce_timestamp->nanos = (int32_t)(vb_test_random() % 1000000000u);
        break;
    case IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR__NOT_SET:
        break;
    default: /* the three string members */
        value->ce_string = s_random_string(arena);
        break;
    }
    return value;
}

static vb_cloudevent_t *
s_random_event(vb_arena_t *arena)
{
    vb_cloudevent_t *event = vb_arena_message(arena, &io__cloudevents__v1__cloud_event__descriptor);
    event->id = s_random_string(arena);
    event->source = s_random_string(arena);
    event->spec_version = vb_test_random() % 2 ? "1.0" : "";
    event->type = s_random_string(arena);
    event->n_attributes = vb_test_random() % 12;
    event->attributes = vb_arena_alloc(arena, (event->n_attributes + 1) * sizeof(s_entry_t *));
    for (size_t i = 0; i < event->n_attributes; i++) {
        s_entry_t *entry =
            vb_arena_message(arena, &io__cloudevents__v1__cloud_event__attributes_entry__descriptor);
        entry->key = s_random_string(arena);
        entry->value = vb_test_random() % 10 == 0 ? NULL : s_random_value(arena);
        event->attributes[i] = entry;
    }
    switch (vb_test_random() % 3) {
    case 0:
        event->data_case = IO__CLOUDEVENTS__V1__CLOUD_EVENT__DATA_BINARY_DATA;
        event->binary_data = s_random_bytes(arena);
        break;
    case 1:
        event->data_case = IO__CLOUDEVENTS__V1__CLOUD_EVENT__DATA_TEXT_DATA;
        event->text_data = s_random_string(arena);
        break;
    default:
        break;
    }
    return event;
}

static uint8_t *
s_pack(vb_arena_t *arena, const ProtobufCMessage *message, size_t *size)
{
    *size = protobuf_c_message_get_packed_size(message);
    uint8_t *packed = vb_arena_alloc(arena, *size + 1);
    protobuf_c_message_pack(message, packed);
    return packed;
}

/* Equal events pack to equal bytes: the comparison covers every field and member. */
static void
s_assert_same_event(const vb_cloudevent_t *a, const vb_cloudevent_t *b)
{
    vb_arena_t *arena = vb_arena_new();
    size_t a_size, b_size;
    uint8_t *a_bytes = s_pack(arena, &a->base, &a_size);
    uint8_t *b_bytes = s_pack(arena, &b->base, &b_size);
    assert_int_equal(a_size, b_size);
    assert_memory_equal(a_bytes, b_bytes, a_size);
    vb_arena_destroy(&arena);
}

/* The property every frame must have: the hand decoder never disagrees with protobuf-c. */
static void
s_assert_decoders_agree(const uint8_t *data, size_t size)
{
    vb_arena_t *fast_arena = vb_arena_new(), *slow_arena = vb_arena_new();
    vb_cloudevent_t *fast = vb_cloudevent_unpack_fast(fast_arena, data, size);
    vb_cloudevent_t *slow = io__cloudevents__v1__cloud_event__unpack(
        vb_arena_protobuf_allocator(slow_arena), size, data);
    if (fast) {
        assert_non_null(slow);
        s_assert_same_event(fast, slow);
    }
    /* and the function callers use gives protobuf-c's answer either way */
    vb_cloudevent_t *either = vb_cloudevent_unpack(fast_arena, data, size);
    assert_int_equal(either != NULL, slow != NULL);
    if (either)
        s_assert_same_event(either, slow);
    vb_arena_destroy(&fast_arena);
    vb_arena_destroy(&slow_arena);
}

/* What the stream publishes is read by hand, not left to protobuf-c. */
static void
test_cloudevent_wire_stream_events_read_by_hand(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    static const uint8_t payload[] = {0x0a, 0x03, 'a', 'b', 'c'};
    vb_cloudevent_fields_t fields = {
        .id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        .source = "//verbund/essen/membership",
        .type = "verbund.membership.person.created.v1",
        .subject = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c",
        .time_unix_us = INT64_C(1764160000123456),
        .sequence = 4711,
        .dataschema = "verbund.membership.v1.PersonEvent",
        .data = payload,
        .data_length = sizeof payload,
    };
    vb_cloudevent_t *built = vb_cloudevent_build(arena, &fields);
    size_t size;
    uint8_t *packed = s_pack(arena, &built->base, &size);
    vb_cloudevent_t *read = vb_cloudevent_unpack_fast(arena, packed, size);
    assert_non_null(read);
    s_assert_same_event(read, built);
    assert_int_equal(vb_cloudevent_sequence(read), 4711);
    assert_int_equal(vb_cloudevent_time_us(read), INT64_C(1764160000123456));
    assert_string_equal(vb_cloudevent_attribute(read, "subject"), fields.subject);
    s_assert_decoders_agree(packed, size);
    vb_arena_destroy(&arena);
}

static void
test_cloudevent_wire_random_events_agree(void **state)
{
    (void)state;
    int by_hand = 0;
    for (int round = 0; round < ROUNDS; round++) {
        vb_arena_t *arena = vb_arena_new();
        vb_cloudevent_t *event = s_random_event(arena);
        size_t size;
        uint8_t *packed = s_pack(arena, &event->base, &size);
        vb_cloudevent_t *slow = io__cloudevents__v1__cloud_event__unpack(
            vb_arena_protobuf_allocator(arena), size, packed);
        if (!slow)
            fail_msg("round %d: protobuf-c refused an event it packed", round);
        s_assert_decoders_agree(packed, size);
        if (vb_cloudevent_unpack_fast(arena, packed, size))
            by_hand++;
        vb_cloudevent_t *either = vb_cloudevent_unpack(arena, packed, size);
        assert_non_null(either);
        s_assert_same_event(either, event);
        vb_arena_destroy(&arena);
    }
    /* Only negative integers and NULs inside strings are left to protobuf-c here. */
    printf("random events read by hand: %d of %d\n", by_hand, ROUNDS);
    assert_true(by_hand > ROUNDS / 4);
}

/* Truncated frames (every prefix), flipped bytes and noise. */
static void
test_cloudevent_wire_malformed_frames_agree(void **state)
{
    (void)state;
    for (int round = 0; round < 200; round++) {
        vb_arena_t *arena = vb_arena_new();
        vb_cloudevent_t *event = s_random_event(arena);
        size_t size;
        uint8_t *packed = s_pack(arena, &event->base, &size);
        vb_test_frames_damaged(packed, size, 300, 30, s_assert_decoders_agree);
        vb_arena_destroy(&arena);
    }
}

/* An event as the relay builds it (vb_cloudevent_build), the sequence-th of a page. */
static vb_cloudevent_t *
s_stream_event(vb_arena_t *arena, size_t sequence)
{
    ProtobufCBinaryData data = s_random_bytes(arena);
    vb_cloudevent_fields_t fields = {
        .id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
        .source = "//verbund/essen/events",
        .type = "verbund.events.registration.created.v1",
        .subject = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c",
        .time_unix_us = INT64_C(1764160000000000) + (int64_t)sequence,
        .sequence = sequence + 1,
        .dataschema = "verbund.events.v1.RegistrationEvent",
        .data = data.data,
        .data_length = data.len,
    };
    return vb_cloudevent_build(arena, &fields);
}

/* A stream.Read page (events and the three positions) reads as protobuf-c reads it, whole,
 * truncated or damaged; an event the hand decoder leaves to protobuf-c takes the page there. */
static void
s_assert_read_replies_agree(const uint8_t *data, size_t size)
{
    vb_arena_t *ours = vb_arena_new(), *theirs = vb_arena_new();
    Verbund__Stream__V1__ReadReply *read = vb_stream_read_reply_unpack(ours, data, size);
    Verbund__Stream__V1__ReadReply *slow = verbund__stream__v1__read_reply__unpack(
        vb_arena_protobuf_allocator(theirs), size, data);
    assert_int_equal(read != NULL, slow != NULL);
    if (read) {
        assert_int_equal(read->scanned_through, slow->scanned_through);
        assert_int_equal(read->newest_sequence, slow->newest_sequence);
        assert_int_equal(read->oldest_sequence, slow->oldest_sequence);
        assert_int_equal(read->n_events, slow->n_events);
        for (size_t i = 0; i < read->n_events; i++)
            s_assert_same_event(read->events[i], slow->events[i]);
    }
    vb_arena_destroy(&ours);
    vb_arena_destroy(&theirs);
}

static void
test_cloudevent_wire_read_replies_agree(void **state)
{
    (void)state;
    for (int round = 0; round < 200; round++) {
        vb_arena_t *arena = vb_arena_new();
        Verbund__Stream__V1__ReadReply *page =
            vb_arena_message(arena, &verbund__stream__v1__read_reply__descriptor);
        page->n_events = vb_test_random() % 120; /* past the first growth of the event array */
        page->events = vb_arena_alloc(arena, (page->n_events + 1) * sizeof(vb_cloudevent_t *));
        /* Even rounds: events as the stream builds them, which the hand decoder must read
         * itself; odd rounds: random events (some of which only protobuf-c reads). */
        bool plain = round % 2 == 0;
        for (size_t i = 0; i < page->n_events; i++)
            page->events[i] = plain ? s_stream_event(arena, i) : s_random_event(arena);
        page->scanned_through = vb_test_random() % 1000000;
        page->newest_sequence = vb_test_random();
        page->oldest_sequence = vb_test_random() % 3 ? vb_test_random() % 1000 : 0;
        size_t size;
        uint8_t *packed = s_pack(arena, &page->base, &size);
        if (plain && !vb_stream_read_reply_unpack_fast(arena, packed, size))
            fail_msg("round %d: the hand decoder left a page of stream events to protobuf-c",
                     round);
        s_assert_read_replies_agree(packed, size);
        vb_test_frames_damaged(packed, size, 50, 20, s_assert_read_replies_agree);
        vb_arena_destroy(&arena);
    }
}

/* The forms left to protobuf-c: an id with a NUL inside, two data members, an unknown field. */
static void
test_cloudevent_wire_unusual_forms_fall_back(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    const uint8_t nul_inside[] = {0x0A, 3, 'a', 0, 'b'};
    assert_null(vb_cloudevent_unpack_fast(arena, nul_inside, sizeof nul_inside));
    s_assert_decoders_agree(nul_inside, sizeof nul_inside);
    const uint8_t two_data[] = {0x32, 1, 'x', 0x3A, 1, 'y'}; /* binary_data, then text_data */
    assert_null(vb_cloudevent_unpack_fast(arena, two_data, sizeof two_data));
    vb_cloudevent_t *event = vb_cloudevent_unpack(arena, two_data, sizeof two_data);
    assert_non_null(event);
    assert_int_equal(event->data_case, IO__CLOUDEVENTS__V1__CLOUD_EVENT__DATA_TEXT_DATA);
    const uint8_t unknown[] = {0x0A, 1, 'a', 0x78, 1}; /* id "a", field 15 = 1 */
    assert_null(vb_cloudevent_unpack_fast(arena, unknown, sizeof unknown));
    event = vb_cloudevent_unpack(arena, unknown, sizeof unknown);
    assert_non_null(event);
    assert_string_equal(event->id, "a");
    vb_arena_destroy(&arena);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cloudevent_wire_stream_events_read_by_hand),
        cmocka_unit_test(test_cloudevent_wire_random_events_agree),
        cmocka_unit_test(test_cloudevent_wire_malformed_frames_agree),
        cmocka_unit_test(test_cloudevent_wire_read_replies_agree),
        cmocka_unit_test(test_cloudevent_wire_unusual_forms_fall_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
