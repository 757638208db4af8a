/* test_membership_faults.c - the membership service under faults: random, truncated, multi-part
 * and oversized frames sent straight to its ROUTER socket with a raw DEALER (it keeps answering
 * rpc.Ping and real calls), Redis stopped in the middle (requests keep succeeding from
 * PostgreSQL), and SIGKILL under write load followed by a restart (every acknowledged person is
 * there; re-sending every idempotency key creates no duplicate).
 * Does not: test business rules (test_membership_rpc.c does). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <sodium.h>
#include <zmq.h>

#include "verbund/membership/v1/membership.pb-c.h"
#include "vb/ids.h"
#include "vb/rpc_client.h"
#include "vb_test_db.h"
#include "vb_test_faults.h"
#include "vb_test_node.h"

typedef Verbund__Rpc__V1__Caller caller_t;

static const char *s_endpoint;
static char s_tag[16];
static caller_t s_admin = {PROTOBUF_C_MESSAGE_INIT(&verbund__rpc__v1__caller__descriptor),
                           (char *)"faults-admin", VERBUND__RPC__V1__ROLE__ROLE_ADMIN, (char *)"", 0, NULL};

static int
s_setup(void **state)
{
    (void)state;
    s_endpoint = vb_test_env("VERBUND_MEMBERSHIP_ENDPOINT");
    if (!s_endpoint || sodium_init() < 0)
        return -1;
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    snprintf(s_tag, sizeof s_tag, "f%.4s%.4s", id + 24, id + 28);
    return 0;
}

static vb_rpc_client_t *
s_client(int attempt_timeout_ms)
{
    vb_rpc_client_options_t options = {.endpoint = s_endpoint,
                                       .attempt_timeout_ms = attempt_timeout_ms};
    vb_rpc_client_t *client = vb_rpc_client_new(&options);
    assert_non_null(client);
    return client;
}

/* rpc.Ping and a real read both answer. */
static void
s_assert_alive(vb_rpc_client_t *client)
{
    Verbund__Membership__V1__HealthRequest ping = VERBUND__MEMBERSHIP__V1__HEALTH_REQUEST__INIT;
    vb_rpc_call_options_t options = {.deadline_ms = 10000};
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(vb_rpc_client_call(client, "rpc.Ping", &ping.base, &options, &reply),
                     VB_STATUS_OK);
    vb_rpc_reply_free(reply);
    reply = NULL;
    Verbund__Membership__V1__TaxonomyGetRequest taxonomy =
        VERBUND__MEMBERSHIP__V1__TAXONOMY_GET_REQUEST__INIT;
    options.caller = &s_admin;
    assert_int_equal(
        vb_rpc_client_call(client, "membership.TaxonomyGet", &taxonomy.base, &options, &reply),
        VB_STATUS_OK);
    vb_rpc_reply_free(reply);
}

/* Creates a person with email <tag>.<label>@example.org; returns the status, *id (malloc'd). */
static vb_status_t
s_create(vb_rpc_client_t *client, const char *label, const char *key, int deadline_ms, char **id)
{
    char email[96], name[96];
    snprintf(email, sizeof email, "%s.%s@example.org", s_tag, label);
    snprintf(name, sizeof name, "Fault %s %s", s_tag, label);
    Verbund__Membership__V1__Person person = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    person.name = name;
    person.email = email;
    Verbund__Membership__V1__PersonCreateRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_CREATE_REQUEST__INIT;
    request.person = &person;
    vb_rpc_call_options_t options = {
        .deadline_ms = deadline_ms, .caller = &s_admin, .idempotency_key = key, .write = true};
    Verbund__Rpc__V1__Reply *reply = NULL;
    vb_status_t status =
        vb_rpc_client_call(client, "membership.PersonCreate", &request.base, &options, &reply);
    if (id)
        *id = NULL;
    if (reply && status == VB_STATUS_CREATED && id) {
        Verbund__Membership__V1__PersonReply *body =
            (void *)vb_rpc_reply_unpack(reply, &verbund__membership__v1__person_reply__descriptor);
        assert_non_null(body);
        *id = strdup(body->person->id);
        protobuf_c_message_free_unpacked(&body->base, NULL);
    }
    if (reply)
        vb_rpc_reply_free(reply);
    return status;
}

/* Number of live persons whose name or email contains text (pages through the list). */
static size_t
s_count(vb_rpc_client_t *client, const char *text)
{
    size_t count = 0;
    char cursor[64] = "";
    for (int page = 0; page < 100; page++) {
        Verbund__Membership__V1__PersonListRequest request =
            VERBUND__MEMBERSHIP__V1__PERSON_LIST_REQUEST__INIT;
        request.text = (char *)text;
        request.limit = 200;
        request.cursor = cursor;
        vb_rpc_call_options_t options = {.deadline_ms = 10000, .caller = &s_admin};
        Verbund__Rpc__V1__Reply *reply = NULL;
        assert_int_equal(
            vb_rpc_client_call(client, "membership.PersonList", &request.base, &options, &reply),
            VB_STATUS_OK);
        Verbund__Membership__V1__PersonListReply *body = (void *)vb_rpc_reply_unpack(
            reply, &verbund__membership__v1__person_list_reply__descriptor);
        assert_non_null(body);
        count += body->n_items;
        snprintf(cursor, sizeof cursor, "%s", body->next_cursor);
        protobuf_c_message_free_unpacked(&body->base, NULL);
        vb_rpc_reply_free(reply);
        if (!cursor[0])
            break;
    }
    return count;
}

/* ---- garbage on the socket ---- */

static void
test_garbage_frames_keep_the_service_answering(void **state)
{
    (void)state;
    vb_rpc_client_t *client = s_client(2000);
    /* a PersonCreate envelope to truncate at every length and to flip bytes in */
    Verbund__Membership__V1__Person person = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    person.name = (char *)"Truncated Trude";
    person.email = (char *)"truncated@example.org";
    Verbund__Membership__V1__PersonCreateRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_CREATE_REQUEST__INIT;
    request.person = &person;
    vb_test_raw_t raw;
    vb_test_raw_open(&raw, s_endpoint);
    vb_test_garbage_t garbage = {.random_frames = 2000,
                                 .multipart_messages = 200,
                                 .method = "membership.PersonCreate",
                                 .request = &request.base,
                                 .caller = &s_admin,
                                 .idempotency_key = "garbage-key",
                                 .bit_flips = 500,
                                 .unknown_method = "membership.DropAllTables"};
    vb_test_send_garbage(&raw, &garbage);

    s_assert_alive(client);
    /* malformed frames get error replies or are dropped, never OK (a flipped byte may leave a
     * valid request); at least the garbage body and the unknown method were answered */
    assert_true(vb_test_drain_error_replies(&raw, 500, true) >= 2);

    void *big = vb_test_send_oversized(&raw, s_endpoint, 3);
    s_assert_alive(client);
    zmq_close(big);

    /* the service still does real work */
    char *id = NULL;
    assert_int_equal(s_create(client, "after-garbage", NULL, 10000, &id), VB_STATUS_CREATED);
    assert_true(vb_uuid_valid(id));
    free(id);
    vb_test_raw_close(&raw);
    vb_rpc_client_destroy(&client);
}

/* ---- Redis stopped in the middle ---- */

static vb_status_t
s_get(vb_rpc_client_t *client, const char *id, int64_t *version, char *name, size_t name_size)
{
    Verbund__Membership__V1__PersonGetRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_GET_REQUEST__INIT;
    request.id = (char *)id;
    vb_rpc_call_options_t options = {.deadline_ms = 10000, .caller = &s_admin};
    Verbund__Rpc__V1__Reply *reply = NULL;
    vb_status_t status =
        vb_rpc_client_call(client, "membership.PersonGet", &request.base, &options, &reply);
    if (status == VB_STATUS_OK) {
        Verbund__Membership__V1__PersonReply *body =
            (void *)vb_rpc_reply_unpack(reply, &verbund__membership__v1__person_reply__descriptor);
        assert_non_null(body);
        *version = body->person->version;
        snprintf(name, name_size, "%s", body->person->name);
        protobuf_c_message_free_unpacked(&body->base, NULL);
    }
    if (reply)
        vb_rpc_reply_free(reply);
    return status;
}

static vb_status_t
s_rename(vb_rpc_client_t *client, const char *id, int64_t version, const char *name)
{
    Verbund__Membership__V1__Person person = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    person.name = (char *)name;
    char *mask[] = {(char *)"name"};
    Verbund__Membership__V1__PersonUpdateRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_UPDATE_REQUEST__INIT;
    request.id = (char *)id;
    request.expected_version = version;
    request.person = &person;
    request.update_mask = mask;
    request.n_update_mask = 1;
    vb_rpc_call_options_t options = {.deadline_ms = 10000, .caller = &s_admin, .write = true};
    Verbund__Rpc__V1__Reply *reply = NULL;
    vb_status_t status =
        vb_rpc_client_call(client, "membership.PersonUpdate", &request.base, &options, &reply);
    if (reply)
        vb_rpc_reply_free(reply);
    return status;
}

static bool
s_cache_ok(vb_rpc_client_t *client)
{
    Verbund__Membership__V1__HealthRequest request = VERBUND__MEMBERSHIP__V1__HEALTH_REQUEST__INIT;
    vb_rpc_call_options_t options = {.deadline_ms = 10000};
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(
        vb_rpc_client_call(client, "membership.Health", &request.base, &options, &reply),
        VB_STATUS_OK);
    Verbund__Membership__V1__HealthReply *body =
        (void *)vb_rpc_reply_unpack(reply, &verbund__membership__v1__health_reply__descriptor);
    assert_non_null(body);
    assert_true(body->database_ok);
    bool ok = body->cache_ok;
    protobuf_c_message_free_unpacked(&body->base, NULL);
    vb_rpc_reply_free(reply);
    return ok;
}

static void
test_redis_stopped_mid_test(void **state)
{
    (void)state;
    vb_rpc_client_t *client = s_client(3000);
    char *id = NULL;
    assert_int_equal(s_create(client, "redis", NULL, 10000, &id), VB_STATUS_CREATED);
    int64_t version = 0;
    char name[128];
    /* read twice: the second read may be served by the cache */
    assert_int_equal(s_get(client, id, &version, name, sizeof name), VB_STATUS_OK);
    assert_int_equal(s_get(client, id, &version, name, sizeof name), VB_STATUS_OK);
    assert_int_equal(version, 1);
    assert_true(s_cache_ok(client));

    assert_int_equal(vb_test_node_cmd("stop-redis", NULL), 0);
    int stopped_failures = 0;
    for (int i = 0; i < 20; i++) {
        if (s_get(client, id, &version, name, sizeof name) != VB_STATUS_OK)
            stopped_failures++;
    }
    assert_int_equal(stopped_failures, 0);
    assert_int_equal(version, 1);
    /* writes while Redis is down, and reads of them */
    assert_int_equal(s_rename(client, id, 1, "Renamed Without Redis"), VB_STATUS_OK);
    assert_int_equal(s_get(client, id, &version, name, sizeof name), VB_STATUS_OK);
    assert_int_equal(version, 2);
    assert_string_equal(name, "Renamed Without Redis");
    char *other = NULL;
    assert_int_equal(s_create(client, "redis-down", NULL, 10000, &other), VB_STATUS_CREATED);
    assert_false(s_cache_ok(client));

    assert_int_equal(vb_test_node_cmd("start-redis", NULL), 0);
    /* the cache comes back within the retry interval; the value is never stale */
    int64_t until = vb_test_now_ms() + 15000;
    bool back = false;
    while (!back && vb_test_now_ms() < until) {
        assert_int_equal(s_get(client, id, &version, name, sizeof name), VB_STATUS_OK);
        assert_int_equal(version, 2);
        assert_string_equal(name, "Renamed Without Redis");
        back = s_cache_ok(client);
    }
    assert_true(back);
    assert_int_equal(s_rename(client, id, 2, "Renamed With Redis"), VB_STATUS_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(s_get(client, id, &version, name, sizeof name), VB_STATUS_OK);
        assert_int_equal(version, 3);
        assert_string_equal(name, "Renamed With Redis");
    }
    free(id);
    free(other);
    vb_rpc_client_destroy(&client);
}

/* ---- SIGKILL under load ---- */

#define S_LOAD_PERSONS 150

typedef struct {
    char keys[S_LOAD_PERSONS][VB_UUID_STRING_SIZE]; /* idempotency key of person i */
    char *ids[S_LOAD_PERSONS];                      /* id once acknowledged */
    int acknowledged;                               /* persons with an id (guarded by lock) */
    int failures;                                   /* calls that got no answer in time */
    int unexpected;                                 /* answers other than CREATED */
    pthread_mutex_t lock;
} s_load_t;

static void *
s_writer(void *arg)
{
    s_load_t *load = arg;
    vb_rpc_client_t *client = NULL;
    vb_rpc_client_options_t options = {
        .endpoint = s_endpoint, .attempt_timeout_ms = 500, .max_attempts = 2};
    client = vb_rpc_client_new(&options);
    if (!client)
        return NULL;
    int64_t until = vb_test_now_ms() + 120000;
    for (int i = 0; i < S_LOAD_PERSONS && vb_test_now_ms() < until; i++) {
        char label[32];
        snprintf(label, sizeof label, "load-%03d", i);
        for (;;) {
            char *id = NULL;
            vb_status_t status = s_create(client, label, load->keys[i], 1000, &id);
            if (status == VB_STATUS_CREATED) {
                pthread_mutex_lock(&load->lock);
                load->ids[i] = id;
                load->acknowledged++;
                pthread_mutex_unlock(&load->lock);
                break;
            }
            pthread_mutex_lock(&load->lock);
            if (status == VB_STATUS_DEADLINE_EXCEEDED || status == VB_STATUS_UNAVAILABLE)
                load->failures++;
            else
                load->unexpected++;
            pthread_mutex_unlock(&load->lock);
            free(id);
            if (vb_test_now_ms() >= until)
                break;
            /* same key again: the write is applied once however often it is sent */
        }
    }
    vb_rpc_client_destroy(&client);
    return NULL;
}

static int
s_acknowledged(s_load_t *load)
{
    pthread_mutex_lock(&load->lock);
    int count = load->acknowledged;
    pthread_mutex_unlock(&load->lock);
    return count;
}

static void
test_sigkill_under_load(void **state)
{
    (void)state;
    s_load_t *load = calloc(1, sizeof *load);
    assert_non_null(load);
    pthread_mutex_init(&load->lock, NULL);
    for (int i = 0; i < S_LOAD_PERSONS; i++)
        vb_uuid7(load->keys[i]);
    pthread_t writer;
    assert_int_equal(pthread_create(&writer, NULL, s_writer, load), 0);

    int64_t until = vb_test_now_ms() + 60000;
    while (s_acknowledged(load) < 30 && vb_test_now_ms() < until) {
        struct timespec pause = {0, 5 * 1000 * 1000};
        nanosleep(&pause, NULL); /* polling the writer's progress, not waiting for time */
    }
    assert_true(s_acknowledged(load) >= 30);
    assert_int_equal(vb_test_node_cmd("kill-service", "membership"), 0);
    int at_kill = s_acknowledged(load);
    assert_int_equal(vb_test_node_cmd("restart-service", "membership"), 0);
    assert_int_equal(pthread_join(writer, NULL), 0);

    print_message("acknowledged %d of %d (at kill %d), %d unanswered attempts, %d unexpected\n",
                  load->acknowledged, S_LOAD_PERSONS, at_kill, load->failures, load->unexpected);
    assert_int_equal(load->acknowledged, S_LOAD_PERSONS);
    assert_int_equal(load->unexpected, 0);

    vb_rpc_client_t *client = s_client(3000);
    /* every acknowledged person is there */
    for (int i = 0; i < S_LOAD_PERSONS; i++) {
        int64_t version = 0;
        char name[128];
        assert_int_equal(s_get(client, load->ids[i], &version, name, sizeof name), VB_STATUS_OK);
    }
    /* re-sending every key returns the first answer and creates nothing */
    for (int i = 0; i < S_LOAD_PERSONS; i++) {
        char label[32];
        snprintf(label, sizeof label, "load-%03d", i);
        char *id = NULL;
        assert_int_equal(s_create(client, label, load->keys[i], 10000, &id), VB_STATUS_CREATED);
        assert_string_equal(id, load->ids[i]);
        free(id);
    }
    char tag[64];
    snprintf(tag, sizeof tag, "Fault %s load-", s_tag);
    assert_int_equal(s_count(client, tag), S_LOAD_PERSONS);

    for (int i = 0; i < S_LOAD_PERSONS; i++)
        free(load->ids[i]);
    pthread_mutex_destroy(&load->lock);
    free(load);
    vb_rpc_client_destroy(&client);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_garbage_frames_keep_the_service_answering),
        cmocka_unit_test(test_redis_stopped_mid_test),
        cmocka_unit_test(test_sigkill_under_load),
    };
    return cmocka_run_group_tests(tests, s_setup, NULL);
}
