/* test_rpc_wire.c - the hand-coded Envelope and Reply against protobuf-c itself: random
 * messages pack to the same bytes, packed Envelopes unpack to the same fields, and no frame
 * (random bytes, every prefix, flipped bytes) is read differently: where the hand decoder
 * answers, protobuf-c answers the same; where protobuf-c refuses, the hand decoder does too.
 * The client's replies (one block each, vb_rpc_reply_free) are checked the same way.
 * Does not: test the RPC server's use of it (test_rpc.c, test_rpc_faults.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vb/arena.h"
#include "vb_test_frames.h"
#include "vb/rpc_client.h"
#include "vb/rpc_wire.h"

#define ROUNDS 2000


/* NULL, empty, short or (sometimes) longer than 127 bytes, so lengths take two bytes; may
 * hold any byte but NUL. */
static char *
s_random_string(vb_arena_t *arena)
{
    switch (vb_test_random() % 6) {
    case 0:
        return NULL;
    case 1:
        return "";
    default:
        break;
    }
    size_t length = vb_test_random() % 4 == 0 ? 100 + vb_test_random() % 300 : 1 + vb_test_random() % 40;
    char *s = vb_arena_alloc(arena, length + 1);
    for (size_t i = 0; i < length; i++)
        s[i] = (char)(1 + vb_test_random() % 255);
    s[length] = '\0';
    return s;
}

static ProtobufCBinaryData
s_random_bytes(vb_arena_t *arena)
{
    ProtobufCBinaryData bytes = {0, NULL};
    switch (vb_test_random() % 4) {
    case 0:
        return bytes;
    case 1:
        bytes.len = 1 + vb_test_random() % 20;
        break;
    case 2:
        bytes.len = 128 + vb_test_random() % 2000;
        break;
    default:
        bytes.len = 16384 + vb_test_random() % 5000; /* a three-byte length */
        break;
    }
    bytes.data = vb_arena_alloc(arena, bytes.len);
    for (size_t i = 0; i < bytes.len; i++)
        bytes.data[i] = (uint8_t)vb_test_random();
    return bytes;
}

static Verbund__Rpc__V1__Envelope *
s_random_envelope(vb_arena_t *arena)
{
    Verbund__Rpc__V1__Envelope *envelope =
        vb_arena_message(arena, &verbund__rpc__v1__envelope__descriptor);
    envelope->method = s_random_string(arena);
    envelope->request_id = s_random_string(arena);
    static const int64_t deadlines[] = {0, 1, 127, 128, 1764160000000, -1, INT64_MAX, INT64_MIN};
    envelope->deadline_unix_ms = deadlines[vb_test_random() % 8];
    if (vb_test_random() % 2) {
        Verbund__Rpc__V1__Caller *caller =
            vb_arena_message(arena, &verbund__rpc__v1__caller__descriptor);
        caller->id = s_random_string(arena);
        caller->role = (Verbund__Rpc__V1__Role)(vb_test_random() % 5);
        caller->person_id = s_random_string(arena);
        caller->n_topic_prefixes = vb_test_random() % 3;
        caller->topic_prefixes = vb_arena_alloc(arena, 3 * sizeof(char *));
        for (size_t i = 0; i < caller->n_topic_prefixes; i++) {
            char *prefix = s_random_string(arena);
            caller->topic_prefixes[i] = prefix ? prefix : "";
        }
        envelope->caller = caller;
    }
    envelope->idempotency_key = s_random_string(arena);
    envelope->trace_id = s_random_string(arena);
    envelope->body = s_random_bytes(arena);
    return envelope;
}

/* "" and NULL are the same proto3 value. */
static void
s_assert_same_string(const char *a, const char *b)
{
    assert_string_equal(a ? a : "", b ? b : "");
}

static void
s_assert_same_bytes(ProtobufCBinaryData a, ProtobufCBinaryData b)
{
    assert_int_equal(a.len, b.len);
    if (a.len)
        assert_memory_equal(a.data, b.data, a.len);
}

static void
s_assert_same_envelope(const Verbund__Rpc__V1__Envelope *a, const Verbund__Rpc__V1__Envelope *b)
{
    s_assert_same_string(a->method, b->method);
    s_assert_same_string(a->request_id, b->request_id);
    assert_int_equal(a->deadline_unix_ms, b->deadline_unix_ms);
    s_assert_same_string(a->idempotency_key, b->idempotency_key);
    s_assert_same_string(a->trace_id, b->trace_id);
    s_assert_same_bytes(a->body, b->body);
    assert_int_equal(a->caller != NULL, b->caller != NULL);
    if (a->caller) {
        s_assert_same_string(a->caller->id, b->caller->id);
        assert_int_equal(a->caller->role, b->caller->role);
        s_assert_same_string(a->caller->person_id, b->caller->person_id);
        assert_int_equal(a->caller->n_topic_prefixes, b->caller->n_topic_prefixes);
        for (size_t i = 0; i < a->caller->n_topic_prefixes; i++)
            s_assert_same_string(a->caller->topic_prefixes[i], b->caller->topic_prefixes[i]);
    }
}

/* The property every frame must have: the hand decoder never disagrees with protobuf-c. */
static void
s_assert_decoders_agree(const uint8_t *data, size_t size)
{
    vb_arena_t *fast_arena = vb_arena_new(), *slow_arena = vb_arena_new();
    Verbund__Rpc__V1__Envelope *fast =
        vb_rpc_wire_envelope_unpack_fast(vb_arena_protobuf_allocator(fast_arena), data, size);
    Verbund__Rpc__V1__Envelope *slow =
        verbund__rpc__v1__envelope__unpack(vb_arena_protobuf_allocator(slow_arena), size, data);
    if (fast) {
        assert_non_null(slow);
        s_assert_same_envelope(fast, slow);
    }
    vb_arena_destroy(&fast_arena);
    vb_arena_destroy(&slow_arena);
}

static void
test_rpc_wire_envelope_packs_as_protobuf_c(void **state)
{
    (void)state;
    for (int round = 0; round < ROUNDS; round++) {
        vb_arena_t *arena = vb_arena_new();
        Verbund__Rpc__V1__Envelope *envelope = s_random_envelope(arena);
        size_t expected_size = verbund__rpc__v1__envelope__get_packed_size(envelope);
        assert_int_equal(vb_rpc_wire_envelope_size(envelope), expected_size);
        uint8_t *expected = vb_arena_alloc(arena, expected_size + 1);
        uint8_t *actual = vb_arena_alloc(arena, expected_size + 1);
        verbund__rpc__v1__envelope__pack(envelope, expected);
        assert_int_equal(vb_rpc_wire_envelope_pack(envelope, actual), expected_size);
        if (memcmp(expected, actual, expected_size) != 0)
            fail_msg("round %d: the packed Envelope differs from protobuf-c's", round);
        vb_arena_destroy(&arena);
    }
}

static Verbund__Rpc__V1__Reply *
s_random_reply(vb_arena_t *arena, size_t max_field_errors)
{
    Verbund__Rpc__V1__Reply *reply = vb_arena_message(arena, &verbund__rpc__v1__reply__descriptor);
    reply->request_id = s_random_string(arena);
    reply->status = (Verbund__Rpc__V1__Status)(vb_test_random() % 15);
    reply->message = s_random_string(arena);
    reply->n_field_errors = max_field_errors ? vb_test_random() % (max_field_errors + 1) : 0;
    reply->field_errors =
        vb_arena_alloc(arena, (max_field_errors + 1) * sizeof(*reply->field_errors));
    for (size_t i = 0; i < reply->n_field_errors; i++) {
        Verbund__Rpc__V1__FieldError *error =
            vb_arena_message(arena, &verbund__rpc__v1__field_error__descriptor);
        error->field = s_random_string(arena);
        error->message = s_random_string(arena);
        reply->field_errors[i] = error;
    }
    reply->body = s_random_bytes(arena);
    return reply;
}

static void
s_assert_same_reply(const Verbund__Rpc__V1__Reply *a, const Verbund__Rpc__V1__Reply *b)
{
    s_assert_same_string(a->request_id, b->request_id);
    assert_int_equal(a->status, b->status);
    s_assert_same_string(a->message, b->message);
    s_assert_same_bytes(a->body, b->body);
    assert_int_equal(a->n_field_errors, b->n_field_errors);
    for (size_t i = 0; i < a->n_field_errors; i++) {
        s_assert_same_string(a->field_errors[i]->field, b->field_errors[i]->field);
        s_assert_same_string(a->field_errors[i]->message, b->field_errors[i]->message);
    }
}

/* The hand decoder and protobuf-c agree; so does the client's decoding (either of them into
 * the one block vb_rpc_reply_free frees, which AddressSanitizer checks). */
static void
s_assert_reply_decoders_agree(const uint8_t *data, size_t size)
{
    vb_arena_t *arena = vb_arena_new();
    Verbund__Rpc__V1__Reply fast;
    bool read = vb_rpc_wire_reply_read(&fast, vb_arena_protobuf_allocator(arena), data, size);
    Verbund__Rpc__V1__Reply *slow = verbund__rpc__v1__reply__unpack(NULL, size, data);
    if (read) {
        assert_non_null(slow);
        s_assert_same_reply(&fast, slow);
    }
    Verbund__Rpc__V1__Reply *client = vb_rpc_reply_decode(data, size);
    assert_int_equal(client != NULL, slow != NULL);
    if (client)
        s_assert_same_reply(client, slow);
    vb_rpc_reply_free(client);
    verbund__rpc__v1__reply__free_unpacked(slow, NULL);
    vb_arena_destroy(&arena);
}

static void
test_rpc_wire_reply_packs_as_protobuf_c(void **state)
{
    (void)state;
    for (int round = 0; round < ROUNDS; round++) {
        vb_arena_t *arena = vb_arena_new();
        Verbund__Rpc__V1__Reply *reply = s_random_reply(arena, 3);
        size_t expected_size = verbund__rpc__v1__reply__get_packed_size(reply);
        assert_int_equal(vb_rpc_wire_reply_size(reply), expected_size);
        uint8_t *expected = vb_arena_alloc(arena, expected_size + 1);
        uint8_t *actual = vb_arena_alloc(arena, expected_size + 1);
        verbund__rpc__v1__reply__pack(reply, expected);
        assert_int_equal(vb_rpc_wire_reply_pack(reply, actual), expected_size);
        if (memcmp(expected, actual, expected_size) != 0)
            fail_msg("round %d: the packed Reply differs from protobuf-c's", round);
        vb_arena_destroy(&arena);
    }
}

/* What a client sends is read by the hand decoder itself (no fall back), field for field. */
static void
test_rpc_wire_envelope_unpacks_as_protobuf_c(void **state)
{
    (void)state;
    for (int round = 0; round < ROUNDS; round++) {
        vb_arena_t *arena = vb_arena_new();
        Verbund__Rpc__V1__Envelope *envelope = s_random_envelope(arena);
        size_t size = vb_rpc_wire_envelope_size(envelope);
        uint8_t *packed = vb_arena_alloc(arena, size + 1);
        vb_rpc_wire_envelope_pack(envelope, packed);
        Verbund__Rpc__V1__Envelope *fast =
            vb_rpc_wire_envelope_unpack_fast(vb_arena_protobuf_allocator(arena), packed, size);
        if (!fast)
            fail_msg("round %d: the hand decoder left a plain Envelope to protobuf-c", round);
        s_assert_same_envelope(fast, envelope);
        s_assert_decoders_agree(packed, size);
        vb_arena_destroy(&arena);
    }
}

/* Replies without field errors are read by hand; with them, by protobuf-c. */
static void
test_rpc_wire_reply_unpacks_as_protobuf_c(void **state)
{
    (void)state;
    for (int round = 0; round < ROUNDS; round++) {
        vb_arena_t *arena = vb_arena_new();
        Verbund__Rpc__V1__Reply *reply = s_random_reply(arena, round % 2 ? 2 : 0);
        size_t size = vb_rpc_wire_reply_size(reply);
        uint8_t *packed = vb_arena_alloc(arena, size + 1);
        vb_rpc_wire_reply_pack(reply, packed);
        Verbund__Rpc__V1__Reply fast;
        bool read = vb_rpc_wire_reply_read(&fast, vb_arena_protobuf_allocator(arena), packed, size);
        if (reply->n_field_errors == 0) {
            if (!read)
                fail_msg("round %d: the hand decoder left a plain Reply to protobuf-c", round);
            s_assert_same_reply(&fast, reply);
        } else {
            assert_false(read);
        }
        s_assert_reply_decoders_agree(packed, size);
        vb_test_frames_damaged(packed, size, 100, 10, s_assert_reply_decoders_agree);
        vb_arena_destroy(&arena);
    }
    /* status 2, twice: protobuf-c's */
    const uint8_t twice[] = {0x10, 2, 0x10, 2};
    Verbund__Rpc__V1__Reply reply;
    vb_arena_t *arena = vb_arena_new();
    assert_false(vb_rpc_wire_reply_read(&reply, vb_arena_protobuf_allocator(arena), twice,
                                        sizeof twice));
    vb_arena_destroy(&arena);
}

/* Truncated frames (every prefix), single flipped bytes and random bytes. */
static void
test_rpc_wire_malformed_frames_read_as_protobuf_c_reads_them(void **state)
{
    (void)state;
    for (int round = 0; round < 300; round++) {
        vb_arena_t *arena = vb_arena_new();
        Verbund__Rpc__V1__Envelope *envelope = s_random_envelope(arena);
        size_t size = vb_rpc_wire_envelope_size(envelope);
        uint8_t *packed = vb_arena_alloc(arena, size + 1);
        vb_rpc_wire_envelope_pack(envelope, packed);
        vb_test_frames_damaged(packed, size, 200, 20, s_assert_decoders_agree);
        vb_arena_destroy(&arena);
    }
}

/* The forms it leaves to protobuf-c: a field twice (the last one wins there), an unknown field
 * (kept by protobuf-c, which must still read the frame), a wrong wire type. */
static void
test_rpc_wire_unusual_forms_fall_back(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    ProtobufCAllocator *allocator = vb_arena_protobuf_allocator(arena);
    /* method "a", then method "b" */
    const uint8_t twice[] = {0x0A, 1, 'a', 0x0A, 1, 'b'};
    assert_null(vb_rpc_wire_envelope_unpack_fast(allocator, twice, sizeof twice));
    Verbund__Rpc__V1__Envelope *slow =
        verbund__rpc__v1__envelope__unpack(allocator, sizeof twice, twice);
    assert_non_null(slow);
    assert_string_equal(slow->method, "b");
    /* method "a", then field 15 (varint 1) */
    const uint8_t unknown[] = {0x0A, 1, 'a', 0x78, 1};
    assert_null(vb_rpc_wire_envelope_unpack_fast(allocator, unknown, sizeof unknown));
    slow = verbund__rpc__v1__envelope__unpack(allocator, sizeof unknown, unknown);
    assert_non_null(slow);
    assert_string_equal(slow->method, "a");
    /* method as a varint */
    const uint8_t wrong_type[] = {0x08, 1};
    assert_null(vb_rpc_wire_envelope_unpack_fast(allocator, wrong_type, sizeof wrong_type));
    /* an empty frame is an empty Envelope for both */
    Verbund__Rpc__V1__Envelope *empty = vb_rpc_wire_envelope_unpack_fast(allocator, twice, 0);
    assert_non_null(empty);
    assert_string_equal(empty->method, "");
    vb_arena_destroy(&arena);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rpc_wire_envelope_packs_as_protobuf_c),
        cmocka_unit_test(test_rpc_wire_reply_packs_as_protobuf_c),
        cmocka_unit_test(test_rpc_wire_envelope_unpacks_as_protobuf_c),
        cmocka_unit_test(test_rpc_wire_reply_unpacks_as_protobuf_c),
        cmocka_unit_test(test_rpc_wire_malformed_frames_read_as_protobuf_c_reads_them),
        cmocka_unit_test(test_rpc_wire_unusual_forms_fall_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
