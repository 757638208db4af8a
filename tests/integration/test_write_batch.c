/* test_write_batch.c - vb/write_batch.h's hooks driven the way the RPC server drives them
 * (batch_begin, call_begin / handler / call_end per write, batch_end) against the fixture's
 * PostgreSQL: group commit, a failing call rolled back alone, idempotent replay, a reused key
 * refused, 5xx not stored, a lost commit reported, expiry.
 * Does not: go through ZeroMQ (the RPC server's own tests do). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "vb/arena.h"
#include "vb/db.h"
#include "vb/write_batch.h"
#include "vb_test_db.h"
#include "vb_test_node.h"

#define SCHEMA "test_write_batch"

#define assert_db_ok(db, expr)                                                               \
    do {                                                                                     \
        vb_status_t status_ = (expr);                                                        \
        if (status_ != VB_STATUS_OK)                                                         \
            fail_msg("%s: %s; error '%s' sqlstate '%s'", #expr, vb_status_name(status_),     \
                     vb_db_error(db), vb_db_sqlstate(db));                                   \
    } while (0)

static const char s_migration[] =
    "CREATE TABLE idempotency (\n"
    "    caller_id text NOT NULL, key text NOT NULL, method text NOT NULL,\n"
    "    request_hash bytea NOT NULL, reply bytea NOT NULL,\n"
    "    created_at timestamptz NOT NULL DEFAULT now(),\n"
    "    PRIMARY KEY (caller_id, key));\n"
    "CREATE TABLE item (name text PRIMARY KEY);\n";

typedef struct {
    vb_db_t *db;
    vb_write_batch_t *batch;
    const vb_rpc_batch_hooks_t *hooks;
    int handler_runs; /* how often the test handler ran */
    int retries;      /* passes the hooks asked to run again carefully */
} s_fixture_t;

static int
s_setup(void **state)
{
    s_fixture_t *fixture = calloc(1, sizeof *fixture);
    assert_non_null(fixture);
    fixture->db = vb_test_db_open_migrated(SCHEMA, "0001_init.sql", s_migration);
    char err[512] = "";
    if (vb_db_prepare_all(fixture->db, err, sizeof err) != 0)
        fail_msg("prepare: %s", err);
    fixture->batch = vb_write_batch_new(fixture->db);
    assert_non_null(fixture->batch);
    fixture->hooks = vb_write_batch_hooks(fixture->batch);
    *state = fixture;
    return 0;
}

static int
s_teardown(void **state)
{
    s_fixture_t *fixture = *state;
    vb_write_batch_destroy(&fixture->batch);
    assert_null(fixture->batch);
    vb_db_destroy(&fixture->db);
    free(fixture);
    return 0;
}

/* One write request as the RPC layer would hold it. The body is the item name; names starting
 * with "fail:" insert the rest and then fail with CONFLICT (a duplicate), "crash:" the same
 * with INTERNAL. */
typedef struct {
    Verbund__Rpc__V1__Envelope envelope;
    Verbund__Rpc__V1__Caller caller;
    vb_rpc_call_t call;
    vb_rpc_begin_t begun;
} s_request_t;

static void
s_request_init(s_request_t *request, vb_arena_t *arena, const char *caller_id, const char *key,
               const char *method, const char *body)
{
    memset(request, 0, sizeof *request);
    verbund__rpc__v1__envelope__init(&request->envelope);
    verbund__rpc__v1__caller__init(&request->caller);
    request->caller.id = (char *) caller_id;
    request->envelope.caller = &request->caller;
    request->envelope.method = (char *) method;
    request->envelope.idempotency_key = (char *) key;
    request->envelope.body.data = (uint8_t *) body;
    request->envelope.body.len = strlen(body);
    request->call.envelope = &request->envelope;
    request->call.arena = arena;
    request->call.in_batch = true;
}

static vb_status_t
s_handler(s_fixture_t *fixture, vb_rpc_call_t *call)
{
    fixture->handler_runs++;
    const char *body = vb_arena_strndup(call->arena, (const char *) call->envelope->body.data,
                                        call->envelope->body.len);
    bool fail = strncmp(body, "fail:", 5) == 0, crash = strncmp(body, "crash:", 6) == 0;
    const char *name = fail ? body + 5 : crash ? body + 6 : body;
    const char *params[] = {name};
    vb_status_t status =
        vb_db_exec(fixture->db, "INSERT INTO item (name) VALUES ($1)", params, 1, NULL, NULL, NULL);
    if (status == VB_STATUS_OK && fail)
        status = VB_STATUS_CONFLICT; /* as if a later statement hit a duplicate */
    if (status == VB_STATUS_OK && crash)
        status = VB_STATUS_INTERNAL;
    if (status != VB_STATUS_OK) {
        call->message = vb_arena_printf(call->arena, "cannot create %s", name);
        return status;
    }
    Verbund__Rpc__V1__Caller *reply =
        vb_arena_message(call->arena, &verbund__rpc__v1__caller__descriptor);
    reply->id = vb_arena_printf(call->arena, "item:%s", name);
    call->reply = &reply->base;
    return VB_STATUS_CREATED;
}

/* One run of a pass: batch_begin, each write, batch_end. Returns batch_end's rc. */
static int
s_run(s_fixture_t *fixture, s_request_t *requests, size_t count)
{
    const vb_rpc_batch_hooks_t *hooks = fixture->hooks;
    if (hooks->batch_begin(hooks->context) != 0)
        return -2;
    for (size_t i = 0; i < count; i++) {
        vb_rpc_call_t *call = &requests[i].call;
        requests[i].begun = hooks->call_begin(hooks->context, call);
        if (requests[i].begun == VB_RPC_RUN_HANDLER)
            call->status = s_handler(fixture, call);
        /* Called for replayed calls too: the hooks must ignore those. */
        hooks->call_end(hooks->context, call);
    }
    return hooks->batch_end(hooks->context);
}

/* One pass as vb_rpc_server_process runs it: again, with cleared outcomes, when batch_end
 * answers VB_RPC_BATCH_RETRY. Counts the retries in fixture->retries. */
static int
s_pass(s_fixture_t *fixture, s_request_t *requests, size_t count)
{
    int rc = s_run(fixture, requests, count);
    if (rc != VB_RPC_BATCH_RETRY)
        return rc;
    fixture->retries++;
    for (size_t i = 0; i < count; i++) {
        vb_rpc_call_t *call = &requests[i].call;
        call->status = VB_STATUS_OK;
        call->message = NULL;
        call->reply = NULL;
        call->reply_body.len = 0;
        call->reply_body.data = NULL;
        call->field_errors = NULL;
        call->field_error_count = 0;
    }
    rc = s_run(fixture, requests, count);
    assert_int_not_equal(rc, VB_RPC_BATCH_RETRY); /* the careful run never asks again */
    return rc;
}

static int64_t
s_items(s_fixture_t *fixture, const char *name)
{
    int64_t count = 0;
    const char *params[] = {name};
    assert_db_ok(fixture->db, vb_db_exec(fixture->db, "SELECT name FROM item WHERE name = $1",
                                         params, 1, NULL, NULL, &count));
    return count;
}

/* The id in a reply body (a packed Caller in this test). */
static char *
s_reply_id(const vb_rpc_call_t *call)
{
    ProtobufCBinaryData body = call->reply_body;
    uint8_t buffer[256];
    if (call->reply) {
        body.len = protobuf_c_message_get_packed_size(call->reply);
        assert_true(body.len < sizeof buffer);
        protobuf_c_message_pack(call->reply, buffer);
        body.data = buffer;
    }
    Verbund__Rpc__V1__Caller *caller = verbund__rpc__v1__caller__unpack(NULL, body.len, body.data);
    assert_non_null(caller);
    char *id = strdup(caller->id);
    verbund__rpc__v1__caller__free_unpacked(caller, NULL);
    return id;
}

static void
test_usage_example(void **state)
{
    s_fixture_t *fixture = *state;
    vb_arena_t *arena = vb_arena_new();
    s_request_t requests[2];
    s_request_init(&requests[0], arena, "staff-1", "", "test.ItemCreate", "lamp");
    s_request_init(&requests[1], arena, "staff-1", "", "test.ItemCreate", "chair");
    assert_int_equal(s_pass(fixture, requests, 2), 0);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(requests[i].begun, VB_RPC_RUN_HANDLER);
        assert_int_equal(requests[i].call.status, VB_STATUS_CREATED);
    }
    assert_false(vb_db_in_transaction(fixture->db));
    assert_int_equal(s_items(fixture, "lamp"), 1);
    assert_int_equal(s_items(fixture, "chair"), 1);
    vb_arena_destroy(&arena);
}

static void
test_failing_call_rolled_back_others_commit(void **state)
{
    s_fixture_t *fixture = *state;
    vb_arena_t *arena = vb_arena_new();
    s_request_t requests[3];
    s_request_init(&requests[0], arena, "staff-1", "", "test.ItemCreate", "a");
    s_request_init(&requests[1], arena, "staff-1", "", "test.ItemCreate", "fail:b");
    s_request_init(&requests[2], arena, "staff-1", "", "test.ItemCreate", "c");
    assert_int_equal(s_pass(fixture, requests, 3), 0);
    assert_int_equal(requests[0].call.status, VB_STATUS_CREATED);
    assert_int_equal(requests[1].call.status, VB_STATUS_CONFLICT);
    assert_int_equal(requests[2].call.status, VB_STATUS_CREATED);
    assert_int_equal(s_items(fixture, "a"), 1);
    assert_int_equal(s_items(fixture, "b"), 0); /* inserted by the failing call, undone */
    assert_int_equal(s_items(fixture, "c"), 1);

    /* A statement error inside a call (duplicate) does not poison the pass either. */
    s_request_init(&requests[0], arena, "staff-1", "", "test.ItemCreate", "a");
    s_request_init(&requests[1], arena, "staff-1", "", "test.ItemCreate", "d");
    assert_int_equal(s_pass(fixture, requests, 2), 0);
    assert_int_equal(requests[0].call.status, VB_STATUS_CONFLICT);
    assert_int_equal(requests[1].call.status, VB_STATUS_CREATED);
    assert_int_equal(s_items(fixture, "d"), 1);
    vb_arena_destroy(&arena);
}

static void
test_idempotent_replay(void **state)
{
    s_fixture_t *fixture = *state;
    vb_arena_t *arena = vb_arena_new();
    s_request_t request;
    s_request_init(&request, arena, "member-7", "key-1", "test.ItemCreate", "alpha");
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(request.call.status, VB_STATUS_CREATED);
    int runs = fixture->handler_runs;

    /* The retry gets the first answer. The optimistic run did execute the handler, but the
     * key's INSERT failed, so that run was rolled back and the careful run replayed the stored
     * reply without calling the handler. */
    int retries = fixture->retries;
    s_request_init(&request, arena, "member-7", "key-1", "test.ItemCreate", "alpha");
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(request.begun, VB_RPC_REPLIED);
    assert_int_equal(request.call.status, VB_STATUS_CREATED);
    char *id = s_reply_id(&request.call);
    assert_string_equal(id, "item:alpha");
    free(id);
    assert_int_equal(fixture->retries, retries + 1);
    assert_int_equal(fixture->handler_runs, runs + 1);
    assert_int_equal(s_items(fixture, "alpha"), 1);

    /* Twice in one pass: the second sees the first's uncommitted key. */
    s_request_t twins[2];
    s_request_init(&twins[0], arena, "member-7", "key-2", "test.ItemCreate", "beta");
    s_request_init(&twins[1], arena, "member-7", "key-2", "test.ItemCreate", "beta");
    assert_int_equal(s_pass(fixture, twins, 2), 0);
    assert_int_equal(twins[0].begun, VB_RPC_RUN_HANDLER);
    assert_int_equal(twins[1].begun, VB_RPC_REPLIED);
    assert_int_equal(twins[1].call.status, VB_STATUS_CREATED);
    assert_int_equal(s_items(fixture, "beta"), 1);

    /* Keys belong to a caller: another caller's "key-1" is a new request. */
    s_request_init(&request, arena, "member-8", "key-1", "test.ItemCreate", "gamma");
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(request.begun, VB_RPC_RUN_HANDLER);
    assert_int_equal(s_items(fixture, "gamma"), 1);

    /* A refused call's answer (4xx) is kept too: the retry gets the same refusal. */
    s_request_init(&request, arena, "member-7", "key-3", "test.ItemCreate", "fail:delta");
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(request.call.status, VB_STATUS_CONFLICT);
    runs = fixture->handler_runs;
    s_request_init(&request, arena, "member-7", "key-3", "test.ItemCreate", "fail:delta");
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(request.begun, VB_RPC_REPLIED);
    assert_int_equal(request.call.status, VB_STATUS_CONFLICT);
    assert_string_equal(request.call.message, "cannot create delta");
    assert_int_equal(fixture->handler_runs, runs + 1); /* the voided optimistic run only */
    assert_int_equal(s_items(fixture, "delta"), 0);
    vb_arena_destroy(&arena);
}

static void
test_reused_key_with_other_request_is_unprocessable(void **state)
{
    s_fixture_t *fixture = *state;
    vb_arena_t *arena = vb_arena_new();
    s_request_t request;
    s_request_init(&request, arena, "member-9", "key-x", "test.ItemCreate", "epsilon");
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(request.call.status, VB_STATUS_CREATED);

    s_request_init(&request, arena, "member-9", "key-x", "test.ItemCreate", "zeta");
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(request.begun, VB_RPC_REPLIED);
    assert_int_equal(request.call.status, VB_STATUS_UNPROCESSABLE);
    assert_non_null(strstr(request.call.message, "different request"));
    assert_int_equal(s_items(fixture, "zeta"), 0);

    /* Same body, another method: also a different request. */
    s_request_init(&request, arena, "member-9", "key-x", "test.ItemDelete", "epsilon");
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(request.call.status, VB_STATUS_UNPROCESSABLE);

    /* An absurdly long key is refused before any work. */
    char long_key[400];
    memset(long_key, 'k', sizeof long_key - 1);
    long_key[sizeof long_key - 1] = '\0';
    s_request_init(&request, arena, "member-9", long_key, "test.ItemCreate", "eta");
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(request.call.status, VB_STATUS_BAD_REQUEST);
    assert_int_equal(s_items(fixture, "eta"), 0);
    vb_arena_destroy(&arena);
}

static void
test_server_errors_are_not_stored(void **state)
{
    s_fixture_t *fixture = *state;
    vb_arena_t *arena = vb_arena_new();
    s_request_t request;
    s_request_init(&request, arena, "member-1", "key-5", "test.ItemCreate", "crash:theta");
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(request.call.status, VB_STATUS_INTERNAL);
    assert_int_equal(s_items(fixture, "theta"), 0);
    int runs = fixture->handler_runs;
    /* The retry runs the handler again. */
    s_request_init(&request, arena, "member-1", "key-5", "test.ItemCreate", "crash:theta");
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(request.begun, VB_RPC_RUN_HANDLER);
    assert_int_equal(fixture->handler_runs, runs + 1);
    vb_arena_destroy(&arena);
}

static void
test_secret_replies_are_never_stored(void **state)
{
    s_fixture_t *fixture = *state;
    vb_arena_t *arena = vb_arena_new();
    s_request_t request;
    s_request_init(&request, arena, "admin-1", "key-secret", "test.TokenCreate", "token-1");
    request.call.method_flags = VB_RPC_WRITE | VB_RPC_SECRET_REPLY;
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(request.call.status, VB_STATUS_CREATED);
    int64_t stored = -1;
    const char *params[] = {"key-secret"};
    assert_db_ok(fixture->db, vb_db_exec(fixture->db, "SELECT 1 FROM idempotency WHERE key = $1",
                                         params, 1, NULL, NULL, &stored));
    assert_int_equal(stored, 0);
    /* A repeat runs the handler again instead of handing out the stored secret. */
    int runs = fixture->handler_runs;
    s_request_init(&request, arena, "admin-1", "key-secret", "test.TokenCreate", "token-2");
    request.call.method_flags = VB_RPC_WRITE | VB_RPC_SECRET_REPLY;
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(request.begun, VB_RPC_RUN_HANDLER);
    assert_int_equal(fixture->handler_runs, runs + 1);
    assert_int_equal(s_items(fixture, "token-2"), 1);
    vb_arena_destroy(&arena);
}

static int
s_read_int(void *arg, const vb_db_row_t *row)
{
    *(int64_t *) arg = vb_db_row_int64(row, 0);
    return 0;
}

/* Ends the server process of db's connection (as a crash or failover would). */
static void
s_terminate_backend(vb_db_t *db)
{
    int64_t pid = 0;
    assert_db_ok(db, vb_db_exec(db, "SELECT pg_backend_pid()", NULL, 0, s_read_int, &pid, NULL));
    vb_db_t *killer = vb_test_db_open("public");
    char pid_text[24];
    snprintf(pid_text, sizeof pid_text, "%lld", (long long) pid);
    const char *params[] = {pid_text};
    assert_db_ok(killer, vb_db_exec(killer, "SELECT pg_terminate_backend($1::int)", params, 1,
                                    NULL, NULL, NULL));
    int64_t alive = 1, deadline = vb_test_now_ms() + 10000;
    while (alive != 0 && vb_test_now_ms() < deadline) {
        assert_db_ok(killer, vb_db_exec(killer,
                                        "SELECT count(*) FROM pg_stat_activity WHERE pid = $1::int",
                                        params, 1, s_read_int, &alive, NULL));
        if (alive != 0)
            usleep(10000);
    }
    assert_int_equal(alive, 0);
    vb_db_destroy(&killer);
}

static void
test_lost_commit_is_reported_and_nothing_applied(void **state)
{
    s_fixture_t *fixture = *state;
    vb_arena_t *arena = vb_arena_new();
    const vb_rpc_batch_hooks_t *hooks = fixture->hooks;
    s_request_t request;
    s_request_init(&request, arena, "member-2", "key-6", "test.ItemCreate", "iota");

    assert_int_equal(hooks->batch_begin(hooks->context), 0);
    request.begun = hooks->call_begin(hooks->context, &request.call);
    assert_int_equal(request.begun, VB_RPC_RUN_HANDLER);
    request.call.status = s_handler(fixture, &request.call);
    hooks->call_end(hooks->context, &request.call);
    assert_int_equal(request.call.status, VB_STATUS_CREATED);
    s_terminate_backend(fixture->db);
    assert_int_equal(hooks->batch_end(hooks->context), -1);
    assert_false(vb_db_in_transaction(fixture->db));

    int64_t deadline = vb_test_now_ms() + 10000;
    while (vb_db_ping(fixture->db) != 0 && vb_test_now_ms() < deadline)
        usleep(20000);
    assert_int_equal(s_items(fixture, "iota"), 0);
    /* The key was not committed either: the retry runs. */
    s_request_init(&request, arena, "member-2", "key-6", "test.ItemCreate", "iota");
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(request.begun, VB_RPC_RUN_HANDLER);
    assert_int_equal(s_items(fixture, "iota"), 1);
    vb_arena_destroy(&arena);
}

static void
test_expire_removes_old_keys(void **state)
{
    s_fixture_t *fixture = *state;
    vb_arena_t *arena = vb_arena_new();
    s_request_t request;
    s_request_init(&request, arena, "member-3", "key-7", "test.ItemCreate", "kappa");
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(vb_write_batch_expire(fixture->batch, 3600), 0);
    int64_t deleted = vb_write_batch_expire(fixture->batch, 0);
    assert_true(deleted >= 1);
    int64_t left = -1;
    assert_db_ok(fixture->db, vb_db_exec(fixture->db, "SELECT 1 FROM idempotency", NULL, 0, NULL,
                                         NULL, &left));
    assert_int_equal(left, 0);
    vb_arena_destroy(&arena);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_usage_example, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_failing_call_rolled_back_others_commit, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_idempotent_replay, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_reused_key_with_other_request_is_unprocessable,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_server_errors_are_not_stored, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_lost_commit_is_reported_and_nothing_applied,
                                        s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_expire_removes_old_keys, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_secret_replies_are_never_stored, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
