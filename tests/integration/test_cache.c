/* test_cache.c - vb/cache.h against the fixture's Redis: put/get, version ordering, floors,
 * expiry, prefixes, binary values, and fast -1 answers while Redis is unreachable or stopped
 * (then recovery once it is back). Does not: test eviction policies (Redis's job). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>

#include "vb/cache.h"
#include "vb_test_db.h"
#include "vb_test_node.h"

static int
s_redis_port(void)
{
    const char *port = vb_test_env("VERBUND_REDIS_PORT");
    if (!port)
        fail_msg("VERBUND_REDIS_PORT missing from $VB_TEST_NODE_DIR/env");
    return atoi(port);
}

/* A cache on the fixture's Redis with a per-test prefix (so reruns do not collide). */
static vb_cache_t *
s_cache(const char *prefix, int retry_interval_ms)
{
    char full_prefix[128];
    snprintf(full_prefix, sizeof full_prefix, "vb:test:%s:%d:", prefix, (int) getpid());
    vb_cache_options_t options = {.host = vb_test_env("VERBUND_REDIS_HOST"),
                                  .port = s_redis_port(),
                                  .retry_interval_ms = retry_interval_ms,
                                  .key_prefix = full_prefix};
    vb_cache_t *cache = vb_cache_new(&options);
    assert_non_null(cache);
    return cache;
}

/* Reads key and checks the outcome, version and value. */
static void
s_expect(vb_cache_t *cache, const char *key, int expected_rc, int64_t expected_version,
         const char *expected_value)
{
    int64_t version = -1;
    char *value = NULL;
    size_t length = 0;
    int rc = vb_cache_get(cache, key, &version, &value, &length);
    if (rc != expected_rc)
        fail_msg("get %s: %d, expected %d", key, rc, expected_rc);
    if (rc == 1) {
        assert_int_equal(version, expected_version);
        assert_int_equal(length, strlen(expected_value));
        assert_memory_equal(value, expected_value, length);
    } else {
        assert_null(value);
    }
    free(value);
}

static void
test_usage_example(void **state)
{
    (void) state;
    vb_cache_t *cache = s_cache("usage", 0);
    assert_true(vb_cache_available(cache));
    assert_int_equal(vb_cache_put(cache, "person:1", 3, "Ada", 3, 60), 0);
    s_expect(cache, "person:1", 1, 3, "Ada");
    s_expect(cache, "person:2", 0, 0, NULL);
    assert_int_equal(vb_cache_delete(cache, "person:1"), 0);
    s_expect(cache, "person:1", 0, 0, NULL);
    vb_cache_destroy(&cache);
    assert_null(cache);
    vb_cache_destroy(&cache);
}

static void
test_only_newer_versions_replace(void **state)
{
    (void) state;
    vb_cache_t *cache = s_cache("versions", 0);
    assert_int_equal(vb_cache_put(cache, "k", 5, "five", 4, 0), 0);
    assert_int_equal(vb_cache_put(cache, "k", 4, "four", 4, 0), 1);   /* older: refused */
    assert_int_equal(vb_cache_put(cache, "k", 5, "FIVE", 4, 0), 1);   /* equal with data */
    s_expect(cache, "k", 1, 5, "five");
    assert_int_equal(vb_cache_put(cache, "k", 6, "six", 3, 0), 0);
    s_expect(cache, "k", 1, 6, "six");
    /* Compared as numbers, not text: 10 is newer than 9. */
    assert_int_equal(vb_cache_put(cache, "k", 9, "nine", 4, 0), 0);
    assert_int_equal(vb_cache_put(cache, "k", 10, "ten", 3, 0), 0);
    assert_int_equal(vb_cache_put(cache, "k", 9, "nine", 4, 0), 1);
    s_expect(cache, "k", 1, 10, "ten");
    /* Beyond 2^53 still exact. */
    assert_int_equal(vb_cache_put(cache, "big", INT64_C(9007199254740993), "a", 1, 0), 0);
    assert_int_equal(vb_cache_put(cache, "big", INT64_C(9007199254740992), "b", 1, 0), 1);
    s_expect(cache, "big", 1, INT64_C(9007199254740993), "a");
    vb_cache_destroy(&cache);
}

static void
test_floor_blocks_stale_puts(void **state)
{
    (void) state;
    vb_cache_t *cache = s_cache("floor", 0);
    assert_int_equal(vb_cache_put(cache, "k", 6, "six", 3, 0), 0);
    /* A writer moved the row to version 7: the old value is no longer served ... */
    assert_int_equal(vb_cache_invalidate(cache, "k", 7), 0);
    s_expect(cache, "k", 0, 0, NULL);
    /* ... and a slow reader cannot put version 6 back. */
    assert_int_equal(vb_cache_put(cache, "k", 6, "six", 3, 0), 1);
    s_expect(cache, "k", 0, 0, NULL);
    /* The row at the floor's version is accepted. */
    assert_int_equal(vb_cache_put(cache, "k", 7, "seven", 5, 0), 0);
    s_expect(cache, "k", 1, 7, "seven");
    /* A lower floor does not hide newer data. */
    assert_int_equal(vb_cache_invalidate(cache, "k", 3), 0);
    s_expect(cache, "k", 1, 7, "seven");
    /* A floor on a key that was never cached. */
    assert_int_equal(vb_cache_invalidate(cache, "fresh", 2), 0);
    assert_int_equal(vb_cache_put(cache, "fresh", 1, "one", 3, 0), 1);
    assert_int_equal(vb_cache_put(cache, "fresh", 2, "two", 3, 0), 0);
    s_expect(cache, "fresh", 1, 2, "two");
    vb_cache_destroy(&cache);
}

static void
test_binary_values_prefix_and_ttl(void **state)
{
    (void) state;
    vb_cache_t *cache = s_cache("binary", 0);
    vb_cache_t *other = s_cache("binary-other", 0);
    static const char value[] = "a\0b:c:\r\n\xff";
    size_t length = sizeof value - 1;
    assert_int_equal(vb_cache_put(cache, "key with spaces:and:colons", 1, value, length, 30), 0);
    int64_t version = 0;
    char *got = NULL;
    size_t got_length = 0;
    assert_int_equal(vb_cache_get(cache, "key with spaces:and:colons", &version, &got,
                                  &got_length), 1);
    assert_int_equal(got_length, length);
    assert_memory_equal(got, value, length);
    free(got);
    /* Another prefix is another key space. */
    s_expect(other, "key with spaces:and:colons", 0, 0, NULL);
    /* Empty values are values. */
    assert_int_equal(vb_cache_put(other, "empty", 1, NULL, 0, 0), 0);
    s_expect(other, "empty", 1, 1, "");

    /* ttl_seconds sets an expiry on the prefixed key. */
    redisContext *redis = redisConnect("127.0.0.1", s_redis_port());
    assert_true(redis && !redis->err);
    char key[200];
    snprintf(key, sizeof key, "vb:test:binary:%d:key with spaces:and:colons", (int) getpid());
    redisReply *reply = redisCommand(redis, "TTL %s", key);
    assert_non_null(reply);
    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    assert_true(reply->integer > 0 && reply->integer <= 30);
    freeReplyObject(reply);
    /* Something that is not ours under the key counts as a miss, not a crash. */
    reply = redisCommand(redis, "SET vb:test:binary:%d:garbage %s", (int) getpid(), "xyz");
    freeReplyObject(reply);
    s_expect(cache, "garbage", 0, 0, NULL);
    redisFree(redis);
    vb_cache_destroy(&cache);
    vb_cache_destroy(&other);
}

static int
s_unused_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in address = {.sin_family = AF_INET,
                                  .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *) &address, sizeof address), 0);
    socklen_t length = sizeof address;
    assert_int_equal(getsockname(fd, (struct sockaddr *) &address, &length), 0);
    close(fd);
    return ntohs(address.sin_port);
}

/* Every call on cache answers -1 within 500 ms. */
static void
s_expect_unavailable_fast(vb_cache_t *cache)
{
    int64_t version = 0;
    char *value = NULL;
    size_t length = 0;
    for (int i = 0; i < 3; i++) {
        int64_t started = vb_test_now_ms();
        assert_int_equal(vb_cache_get(cache, "k", &version, &value, &length), -1);
        assert_null(value);
        assert_int_equal(vb_cache_put(cache, "k", 1, "v", 1, 0), -1);
        assert_int_equal(vb_cache_invalidate(cache, "k", 2), -1);
        assert_int_equal(vb_cache_delete(cache, "k"), -1);
        int64_t elapsed = vb_test_now_ms() - started;
        if (elapsed >= 500)
            fail_msg("four calls took %lld ms while Redis is unreachable", (long long) elapsed);
    }
    assert_false(vb_cache_available(cache));
}

static void
test_unreachable_redis_answers_fast(void **state)
{
    (void) state;
    vb_cache_options_t options = {.host = "127.0.0.1", .port = s_unused_port(),
                                  .retry_interval_ms = 50, .key_prefix = "vb:test:"};
    int64_t started = vb_test_now_ms();
    vb_cache_t *cache = vb_cache_new(&options);
    assert_non_null(cache);
    assert_true(vb_test_now_ms() - started < 500);
    s_expect_unavailable_fast(cache);
    vb_cache_destroy(&cache);

    /* No host: the cache is off and says so. */
    vb_cache_options_t disabled = {.host = NULL};
    cache = vb_cache_new(&disabled);
    assert_non_null(cache);
    s_expect_unavailable_fast(cache);
    vb_cache_destroy(&cache);
}

static void
test_redis_stopped_and_back(void **state)
{
    (void) state;
    vb_cache_t *cache = s_cache("restart", 100);
    assert_int_equal(vb_cache_put(cache, "k", 1, "one", 3, 0), 0);
    assert_int_equal(vb_test_node_cmd("stop-redis", NULL), 0);
    s_expect_unavailable_fast(cache);

    assert_int_equal(vb_test_node_cmd("start-redis", NULL), 0);
    /* Reconnects on its own once the retry interval has passed. */
    int rc = -1;
    int64_t deadline = vb_test_now_ms() + 5000;
    while (rc != 0 && vb_test_now_ms() < deadline) {
        rc = vb_cache_put(cache, "k", 2, "two", 3, 0);
        if (rc != 0)
            usleep(20000);
    }
    assert_int_equal(rc, 0);
    assert_true(vb_cache_available(cache));
    s_expect(cache, "k", 1, 2, "two");
    vb_cache_destroy(&cache);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_example),
        cmocka_unit_test(test_only_newer_versions_replace),
        cmocka_unit_test(test_floor_blocks_stale_puts),
        cmocka_unit_test(test_binary_values_prefix_and_ttl),
        cmocka_unit_test(test_unreachable_redis_answers_fast),
        cmocka_unit_test(test_redis_stopped_and_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
