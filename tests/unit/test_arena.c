/* test_arena.c - unit tests of vb/arena.h: allocation, alignment, strings, protobuf use.
 * Does not: measure speed (see bench/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vb/arena.h"
#include "verbund/rpc/v1/rpc.pb-c.h"

/* Usage: make an arena per request, allocate freely, destroy once. */
static void
test_arena_usage_example(void **state)
{
    (void) state;
    vb_arena_t *arena = vb_arena_new();
    assert_non_null(arena);

    int *numbers = vb_arena_alloc(arena, 10 * sizeof(int));
    for (int i = 0; i < 10; i++)
        assert_int_equal(numbers[i], 0); /* memory is zeroed */
    char *name = vb_arena_strdup(arena, "Ada");
    char *greeting = vb_arena_printf(arena, "hello %s #%d", name, 7);
    assert_string_equal(greeting, "hello Ada #7");

    vb_arena_destroy(&arena);
    assert_null(arena);
    vb_arena_destroy(&arena); /* NULL is accepted */
    vb_arena_destroy(NULL);
}

static void
test_arena_alignment_and_distinct(void **state)
{
    (void) state;
    vb_arena_t *arena = vb_arena_new();
    char *previous = NULL;
    for (size_t size = 0; size < 300; size++) {
        char *p = vb_arena_alloc(arena, size);
        assert_non_null(p);
        assert_int_equal((uintptr_t) p % _Alignof(max_align_t), 0);
        assert_ptr_not_equal(p, previous);
        memset(p, 0xAB, size); /* ASan flags an overlap or overflow */
        previous = p;
    }
    vb_arena_destroy(&arena);
}

static void
test_arena_large_and_many(void **state)
{
    (void) state;
    vb_arena_t *arena = vb_arena_new();
    /* Large allocations get their own block; many small ones span several blocks. */
    unsigned char *big = vb_arena_alloc(arena, 1 << 20);
    for (size_t i = 0; i < (1 << 20); i += 4096)
        assert_int_equal(big[i], 0);
    big[(1 << 20) - 1] = 1;
    char *strings[2000];
    for (int i = 0; i < 2000; i++)
        strings[i] = vb_arena_printf(arena, "item-%d", i);
    for (int i = 0; i < 2000; i++) {
        char expected[32];
        snprintf(expected, sizeof(expected), "item-%d", i);
        assert_string_equal(strings[i], expected);
    }
    vb_arena_destroy(&arena);
}

static void
test_arena_strings(void **state)
{
    (void) state;
    vb_arena_t *arena = vb_arena_new();
    char *empty = vb_arena_strdup(arena, NULL);
    assert_non_null(empty);
    assert_string_equal(empty, "");
    assert_string_equal(vb_arena_strndup(arena, "abcdef", 3), "abc");
    assert_string_equal(vb_arena_strndup(arena, "ab", 10), "ab");
    assert_string_equal(vb_arena_strndup(arena, NULL, 10), "");
    const char *source = "copy me";
    char *copy = vb_arena_strdup(arena, source);
    assert_ptr_not_equal(copy, source);
    assert_string_equal(copy, source);
    /* A long formatted string goes beyond the stack-free fast path. */
    char *long_text = vb_arena_printf(arena, "%05000d", 42);
    assert_int_equal(strlen(long_text), 5000);
    assert_string_equal(long_text + 4998, "42");
    vb_arena_destroy(&arena);
}

static void
test_arena_protobuf(void **state)
{
    (void) state;
    vb_arena_t *arena = vb_arena_new();
    /* Build a message in the arena, as a handler builds its reply. */
    Verbund__Rpc__V1__Envelope *envelope =
        vb_arena_message(arena, &verbund__rpc__v1__envelope__descriptor);
    assert_ptr_equal(envelope->base.descriptor, &verbund__rpc__v1__envelope__descriptor);
    assert_string_equal(envelope->method, ""); /* init ran */
    envelope->method = vb_arena_strdup(arena, "membership.PersonGet");
    envelope->deadline_unix_ms = 1234;
    envelope->caller = vb_arena_message(arena, &verbund__rpc__v1__caller__descriptor);
    envelope->caller->id = vb_arena_strdup(arena, "caller-1");

    size_t size = verbund__rpc__v1__envelope__get_packed_size(envelope);
    uint8_t *packed = vb_arena_alloc(arena, size);
    assert_int_equal(verbund__rpc__v1__envelope__pack(envelope, packed), size);

    /* Unpack with the arena allocator: everything is released with the arena. */
    ProtobufCAllocator *allocator = vb_arena_protobuf_allocator(arena);
    Verbund__Rpc__V1__Envelope *copy = verbund__rpc__v1__envelope__unpack(allocator, size, packed);
    assert_non_null(copy);
    assert_string_equal(copy->method, "membership.PersonGet");
    assert_int_equal(copy->deadline_unix_ms, 1234);
    assert_non_null(copy->caller);
    assert_string_equal(copy->caller->id, "caller-1");
    verbund__rpc__v1__envelope__free_unpacked(copy, allocator); /* a no-op, must not crash */
    vb_arena_destroy(&arena);
}

/* After a reset the arena hands out the same memory again, zeroed, and what was allocated
 * before (small, large, many blocks) is released: ASan reports a leak or a use otherwise. */
static void
test_arena_reset_reuses_memory(void **state)
{
    (void) state;
    vb_arena_t *arena = vb_arena_new();
    unsigned char *first = vb_arena_alloc(arena, 64);
    memset(first, 0xAB, 64); /* dirty: what comes after the reset must be zeroed */
    for (int i = 0; i < 1000; i++)
        (void) vb_arena_alloc(arena, 100); /* several blocks */
    (void) vb_arena_alloc(arena, 100000); /* a large block of its own */
    vb_arena_reset(arena);
    unsigned char *kept = NULL;
    for (int round = 0; round < 3; round++) {
        unsigned char *again = vb_arena_alloc(arena, 64);
        if (round == 0)
            kept = again;
        assert_ptr_equal(again, kept); /* the kept block, from its start */
        for (int i = 0; i < 64; i++)
            assert_int_equal(again[i], 0);
        memset(again, 0xCD, 64);
        char *text = vb_arena_strdup(arena, "verbund");
        assert_string_equal(text, "verbund");
        vb_arena_reset(arena);
    }
    vb_arena_destroy(&arena);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_arena_usage_example),
        cmocka_unit_test(test_arena_alignment_and_distinct),
        cmocka_unit_test(test_arena_large_and_many),
        cmocka_unit_test(test_arena_strings),
        cmocka_unit_test(test_arena_protobuf),
        cmocka_unit_test(test_arena_reset_reuses_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
