/* test_ids.c - unit tests of vb/ids.h: UUIDv7 format, version and variant, ordering across
 * a burst and across threads, uniqueness, validation. Does not: test entropy quality. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>

#include <cmocka.h>
#include <uuid/uuid.h>

#include "vb/clock.h"
#include "vb/ids.h"

#define BURST 10000

/* Usage: a fresh, valid, time-ordered id for every new row. */
static void
test_ids_usage_example(void **state)
{
    (void) state;
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    assert_true(vb_uuid_valid(id));
    assert_int_equal(strlen(id), 36);
}

static int s_hex(char c);

/* Compact ids: 26 Crockford base32 characters, in creation order as strings, the first ten the
 * millisecond (ULID's timestamp), and the same bits as a UUIDv7 (version 7 at bit 48). */
static void
test_ids_compact(void **state)
{
    (void) state;
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    char previous[VB_COMPACT_ID_SIZE] = "";
    for (int i = 0; i < BURST; i++) {
        char id[VB_COMPACT_ID_SIZE];
        int64_t now_ms = vb_clock_now_ms();
        vb_compact_id_at(id, now_ms);
        assert_true(vb_compact_id_valid(id));
        assert_int_equal(strlen(id), 26);
        assert_true(strcmp(id, previous) > 0);
        strcpy(previous, id);
        /* decode the 130 bits: 2 zero bits, 48 of milliseconds, then the version nibble */
        uint64_t ms = 0;
        for (int d = 0; d < 10; d++)
            ms = ms * 32 + (uint64_t) (strchr(alphabet, id[d]) - alphabet);
        assert_true((int64_t) ms >= now_ms && (int64_t) ms <= now_ms + 1);
        unsigned version = (unsigned) ((strchr(alphabet, id[10]) - alphabet) >> 1);
        assert_int_equal(version, 7);
        /* bits 66-67 of the 130, in digit 13 (bits 65-69): the variant, binary 10 */
        unsigned variant = (unsigned) (((strchr(alphabet, id[13]) - alphabet) >> 2) & 3);
        assert_int_equal(variant, 2);
    }
    assert_false(vb_compact_id_valid("8ZZZZZZZZZZZZZZZZZZZZZZZZZ")); /* above 128 bits */
    assert_false(vb_compact_id_valid("01ARZ3NDEKTSV4RRFFQ69G5FAU")); /* U is not Crockford */
    assert_false(vb_compact_id_valid("01ARZ3NDEKTSV4RRFFQ69G5FA"));  /* 25 characters */
    assert_false(vb_compact_id_valid(NULL));
}

/* The hand formatting reads back as libuuid reads and writes it, for every byte value. */
static void
test_ids_format_matches_libuuid(void **state)
{
    (void) state;
    for (int round = 0; round < 5000; round++) {
        char id[VB_UUID_STRING_SIZE];
        vb_uuid7(id);
        uuid_t bytes;
        assert_int_equal(uuid_parse(id, bytes), 0);
        char again[VB_UUID_STRING_SIZE];
        uuid_unparse_lower(bytes, again);
        assert_string_equal(id, again);
    }
}

/* vb_uuid7_at stamps the millisecond it is given (a caller that read the clock already). */
static void
test_ids_at_given_millisecond(void **state)
{
    (void) state;
    int64_t given = vb_clock_now_ms() + 3600 * 1000; /* ahead of every id made so far */
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7_at(id, given);
    assert_true(vb_uuid_valid(id));
    int64_t ms = 0;
    for (int i = 0; i < 13; i++)
        if (i != 8)
            ms = ms * 16 + s_hex(id[i]);
    assert_int_equal(ms, given);
}

static int
s_hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1; /* includes upper case: output must be lower case */
}

static void
test_ids_format_version_variant_time(void **state)
{
    (void) state;
    for (int round = 0; round < 100; round++) {
        int64_t before = vb_clock_now_ms();
        char id[VB_UUID_STRING_SIZE];
        vb_uuid7(id);
        int64_t after = vb_clock_now_ms();

        for (int i = 0; i < 36; i++) {
            if (i == 8 || i == 13 || i == 18 || i == 23)
                assert_int_equal(id[i], '-');
            else
                assert_true(s_hex(id[i]) >= 0);
        }
        assert_int_equal(id[14], '7');                      /* version nibble */
        assert_int_equal(s_hex(id[19]) & 0xC, 0x8);         /* variant 10xx */
        /* The first 48 bits are the creation millisecond. */
        int64_t ms = 0;
        for (int i = 0; i < 13; i++) {
            if (i == 8)
                continue;
            ms = ms * 16 + s_hex(id[i]);
        }
        assert_true(ms >= before);
        assert_true(ms <= after + 1); /* +1: a burst may borrow the next millisecond */
    }
}

static int
s_compare(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void
test_ids_ordered_and_unique(void **state)
{
    (void) state;
    char (*ids)[VB_UUID_STRING_SIZE] = malloc(BURST * sizeof(*ids));
    assert_non_null(ids);
    for (int i = 0; i < BURST; i++)
        vb_uuid7(ids[i]);
    /* Generated in order means sorted as strings (many share a millisecond). */
    for (int i = 1; i < BURST; i++) {
        if (strcmp(ids[i - 1], ids[i]) >= 0)
            fail_msg("id %d (%s) is not above id %d (%s)", i, ids[i], i - 1, ids[i - 1]);
    }
    qsort(ids, BURST, sizeof(*ids), s_compare);
    for (int i = 1; i < BURST; i++)
        assert_string_not_equal(ids[i - 1], ids[i]);
    free(ids);
}

#define THREADS 4
#define PER_THREAD 2500

typedef struct {
    char ids[PER_THREAD][VB_UUID_STRING_SIZE];
} thread_ids_t;

static void *
s_generate(void *arg)
{
    thread_ids_t *out = arg;
    for (int i = 0; i < PER_THREAD; i++)
        vb_uuid7(out->ids[i]);
    return NULL;
}

static void
test_ids_threads_unique_and_ordered_each(void **state)
{
    (void) state;
    thread_ids_t *per_thread = calloc(THREADS, sizeof(*per_thread));
    assert_non_null(per_thread);
    pthread_t threads[THREADS];
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_create(&threads[t], NULL, s_generate, &per_thread[t]), 0);
    for (int t = 0; t < THREADS; t++)
        assert_int_equal(pthread_join(threads[t], NULL), 0);

    char (*all)[VB_UUID_STRING_SIZE] = malloc(THREADS * PER_THREAD * sizeof(*all));
    assert_non_null(all);
    for (int t = 0; t < THREADS; t++) {
        for (int i = 0; i < PER_THREAD; i++) {
            if (i > 0)
                assert_true(strcmp(per_thread[t].ids[i - 1], per_thread[t].ids[i]) < 0);
            memcpy(all[t * PER_THREAD + i], per_thread[t].ids[i], VB_UUID_STRING_SIZE);
        }
    }
    qsort(all, THREADS * PER_THREAD, sizeof(*all), s_compare);
    for (int i = 1; i < THREADS * PER_THREAD; i++)
        assert_string_not_equal(all[i - 1], all[i]);
    free(all);
    free(per_thread);
}

static void
test_ids_valid(void **state)
{
    (void) state;
    static const struct {
        const char *text;
        bool valid;
    } cases[] = {
        {"01890a5d-ac96-774b-bcce-b302099a8057", true},
        {"01890A5D-AC96-774B-BCCE-B302099A8057", true},  /* either case */
        {"123e4567-e89b-12d3-a456-426614174000", true},  /* any version */
        {"", false},
        {"01890a5d-ac96-774b-bcce-b302099a805", false},   /* short */
        {"01890a5d-ac96-774b-bcce-b302099a80577", false}, /* long */
        {"01890a5dac96-774b-bcce-b302099a8057-", false},  /* hyphen misplaced */
        {"01890a5d-ac96-774b-bcce-b302099a805g", false},  /* not hex */
        {"{1890a5d-ac96-774b-bcce-b302099a8057", false},
        {"01890a5d-ac96-774b-bcce-b302099a80 7", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        if (vb_uuid_valid(cases[i].text) != cases[i].valid)
            fail_msg("vb_uuid_valid(\"%s\") should be %d", cases[i].text, cases[i].valid);
    }
    assert_false(vb_uuid_valid(NULL));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ids_usage_example),
        cmocka_unit_test(test_ids_format_version_variant_time),
        cmocka_unit_test(test_ids_format_matches_libuuid),
        cmocka_unit_test(test_ids_compact),
        cmocka_unit_test(test_ids_ordered_and_unique),
        cmocka_unit_test(test_ids_threads_unique_and_ordered_each),
        cmocka_unit_test(test_ids_valid),
        /* last: it moves the generator's millisecond an hour ahead */
        cmocka_unit_test(test_ids_at_given_millisecond),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
