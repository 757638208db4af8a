/* test_write_batch.c - vb/write_batch.h's hooks driven the way the RPC server drives them
 * (batch_begin, call_begin / handler / call_end per write, batch_end) against the fixture's
 * PostgreSQL: group commit, a failing call rolled back alone, which failures keep the optimistic
 * pass (no savepoints) and which void it, idempotent replay, a reused key refused, 5xx not
 * stored, a failed or lost commit reported, expiry, and the read/write rule of the SQL.
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
    "CREATE TABLE item (name text PRIMARY KEY);\n"
    "CREATE TABLE deferred_item (name text UNIQUE DEFERRABLE INITIALLY DEFERRED);\n";

/* The test handler's statements, registered like a service's store. */
static const vb_db_statement_t s_statements[] = {
    {"test_item_insert", "INSERT INTO item (name) VALUES ($1)"},
    {"test_item_lock", "SELECT name FROM item WHERE name = $1 FOR UPDATE"},
    {"test_deferred_item_insert", "INSERT INTO deferred_item (name) VALUES ($1)"},
};

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
    if (vb_db_add_statements(fixture->db, s_statements, VB_ARRAY_SIZE(s_statements)) != 0)
        fail_msg("test statements: %s", vb_db_error(fixture->db));
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

/* One write request as the RPC layer would hold it. The body is the item name, after a prefix
 * that picks what the test handler does (s_behaviours). */
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

typedef enum {
    S_CREATE,           /* inserts the item with vb_db_write, as services do */
    S_CREATE_WAITED,    /* inserts it with vb_db_exec: waits for the outcome in any pass */
    S_FAIL_AFTER_WRITE, /* inserts it, then answers CONFLICT (a later statement's duplicate) */
    S_CRASH_AFTER_WRITE, /* inserts it, then answers INTERNAL */
    S_INVALID,          /* answers UNPROCESSABLE before touching the database (validation) */
    S_MISSING,          /* locks the item's row with a SELECT, answers NOT_FOUND when absent */
    S_DEFERRED,         /* inserts into deferred_item, whose unique check waits for COMMIT */
} s_behaviour_t;

static const struct {
    const char *prefix;
    s_behaviour_t behaviour;
} s_behaviours[] = {
    {"exec:", S_CREATE_WAITED},       /* "exec:lamp" */
    {"fail:", S_FAIL_AFTER_WRITE},    /* "fail:lamp" */
    {"crash:", S_CRASH_AFTER_WRITE},  /* "crash:lamp" */
    {"invalid:", S_INVALID},          /* "invalid:lamp" */
    {"missing:", S_MISSING},          /* "missing:lamp" */
    {"deferred:", S_DEFERRED},        /* "deferred:lamp" */
    {"", S_CREATE},                   /* "lamp": last, matches everything */
};

static vb_status_t
s_handler(s_fixture_t *fixture, vb_rpc_call_t *call)
{
    fixture->handler_runs++;
    const char *body = vb_arena_strndup(call->arena, (const char *) call->envelope->body.data,
                                        call->envelope->body.len);
    size_t row = 0;
    while (strncmp(body, s_behaviours[row].prefix, strlen(s_behaviours[row].prefix)) != 0)
        row++;
    s_behaviour_t behaviour = s_behaviours[row].behaviour;
    const char *name = body + strlen(s_behaviours[row].prefix);
    const char *params[] = {name};
    vb_status_t status = VB_STATUS_OK;
    int64_t found = 0;
    switch (behaviour) {
    case S_CREATE:
    case S_FAIL_AFTER_WRITE:
    case S_CRASH_AFTER_WRITE:
        status = vb_db_write(fixture->db, "test_item_insert", params, 1);
        break;
    case S_CREATE_WAITED:
        status = vb_db_exec(fixture->db, "INSERT INTO item (name) VALUES ($1)", params, 1, NULL,
                            NULL, NULL);
        break;
    case S_INVALID:
        status = VB_STATUS_UNPROCESSABLE;
        break;
    case S_MISSING:
        status = vb_db_run(fixture->db, "test_item_lock", params, 1, NULL, NULL, &found);
        if (status == VB_STATUS_OK && found == 0)
            status = VB_STATUS_NOT_FOUND;
        break;
    case S_DEFERRED:
        status = vb_db_write(fixture->db, "test_deferred_item_insert", params, 1);
        break;
    }
    if (status == VB_STATUS_OK && behaviour == S_FAIL_AFTER_WRITE)
        status = VB_STATUS_CONFLICT;
    if (status == VB_STATUS_OK && behaviour == S_CRASH_AFTER_WRITE)
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
    /* The optimistic run has no savepoint to undo "fail:b" alone: it stops there (c is not
     * run), rolls back and the careful run does all three, each in its savepoint. */
    assert_int_equal(s_pass(fixture, requests, 3), 0);
    assert_int_equal(fixture->retries, 1);
    assert_int_equal(fixture->handler_runs, 2 + 3);
    assert_int_equal(requests[0].call.status, VB_STATUS_CREATED);
    assert_int_equal(requests[1].call.status, VB_STATUS_CONFLICT);
    assert_int_equal(requests[2].call.status, VB_STATUS_CREATED);
    assert_int_equal(s_items(fixture, "a"), 1);
    assert_int_equal(s_items(fixture, "b"), 0); /* inserted by the failing call, undone */
    assert_int_equal(s_items(fixture, "c"), 1);

    /* A statement error inside a call (duplicate) does not poison the pass either, whether
     * the handler waited for the INSERT or not. */
    s_request_init(&requests[0], arena, "staff-1", "", "test.ItemCreate", "a");
    s_request_init(&requests[1], arena, "staff-1", "", "test.ItemCreate", "d");
    s_request_init(&requests[2], arena, "staff-1", "", "test.ItemCreate", "exec:c");
    assert_int_equal(s_pass(fixture, requests, 3), 0);
    assert_int_equal(fixture->retries, 2);
    assert_int_equal(requests[0].call.status, VB_STATUS_CONFLICT);
    assert_int_equal(requests[1].call.status, VB_STATUS_CREATED);
    assert_int_equal(requests[2].call.status, VB_STATUS_CONFLICT);
    assert_int_equal(s_items(fixture, "a"), 1);
    assert_int_equal(s_items(fixture, "c"), 1);
    assert_int_equal(s_items(fixture, "d"), 1);
    vb_arena_destroy(&arena);
}

static int64_t
s_keys(s_fixture_t *fixture, const char *key)
{
    int64_t count = 0;
    const char *params[] = {key};
    assert_db_ok(fixture->db, vb_db_exec(fixture->db, "SELECT 1 FROM idempotency WHERE key = $1",
                                         params, 1, NULL, NULL, &count));
    return count;
}

/* The shape of membership.PersonCreate under load: creates with keys, one of them a duplicate
 * (of an earlier pass) that the database refuses only when the queued INSERT runs. */
static void
test_duplicate_among_creates_answered_alone(void **state)
{
    s_fixture_t *fixture = *state;
    vb_arena_t *arena = vb_arena_new();
    s_request_t request;
    s_request_init(&request, arena, "staff-1", "key-0", "test.ItemCreate", "p3");
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(fixture->retries, 0);

    enum { COUNT = 6 };
    static const char *const names[COUNT] = {"p1", "p2", "p3", "p4", "p5", "p6"};
    static const char *const keys[COUNT] = {"key-1", "key-2", "key-3", "key-4", "key-5",
                                            "key-6"};
    s_request_t requests[COUNT];
    for (int i = 0; i < COUNT; i++)
        s_request_init(&requests[i], arena, "staff-1", keys[i], "test.ItemCreate", names[i]);
    assert_int_equal(s_pass(fixture, requests, COUNT), 0);
    assert_int_equal(fixture->retries, 1); /* the duplicate voided the optimistic run */
    for (int i = 0; i < COUNT; i++) {
        vb_status_t expected = i == 2 ? VB_STATUS_CONFLICT : VB_STATUS_CREATED;
        assert_int_equal(requests[i].call.status, expected);
        assert_int_equal(s_items(fixture, names[i]), 1); /* once each; p3 is the old row */
        assert_int_equal(s_keys(fixture, keys[i]), 1);   /* the 409 is stored as well */
    }

    /* The whole pass again with the same keys: every answer replayed, nothing run twice. */
    int runs = fixture->handler_runs;
    for (int i = 0; i < COUNT; i++)
        s_request_init(&requests[i], arena, "staff-1", keys[i], "test.ItemCreate", names[i]);
    assert_int_equal(s_pass(fixture, requests, COUNT), 0);
    assert_int_equal(fixture->retries, 2);
    /* The optimistic run learns that its keys were used only at its COMMIT (nothing waited
     * before), so each handler ran there once; the careful run replays them all. */
    assert_int_equal(fixture->handler_runs, runs + COUNT);
    for (int i = 0; i < COUNT; i++) {
        assert_int_equal(requests[i].begun, VB_RPC_REPLIED);
        vb_status_t expected = i == 2 ? VB_STATUS_CONFLICT : VB_STATUS_CREATED;
        assert_int_equal(requests[i].call.status, expected);
        assert_int_equal(s_items(fixture, names[i]), 1);
    }
    vb_arena_destroy(&arena);
}

/* A call that fails before touching the database, or after reads only, left nothing behind: the
 * optimistic run keeps it and commits the others without a second run. */
static void
test_failure_without_writes_keeps_the_pass(void **state)
{
    s_fixture_t *fixture = *state;
    vb_arena_t *arena = vb_arena_new();
    s_request_t requests[4];
    s_request_init(&requests[0], arena, "staff-1", "key-a", "test.ItemCreate", "q1");
    s_request_init(&requests[1], arena, "staff-1", "key-b", "test.ItemCreate", "invalid:q2");
    s_request_init(&requests[2], arena, "staff-1", "key-c", "test.ItemCreate", "missing:q3");
    s_request_init(&requests[3], arena, "staff-1", "key-d", "test.ItemCreate", "q4");
    assert_int_equal(s_pass(fixture, requests, 4), 0);
    assert_int_equal(fixture->retries, 0);
    assert_int_equal(fixture->handler_runs, 4);
    assert_int_equal(requests[0].call.status, VB_STATUS_CREATED);
    assert_int_equal(requests[1].call.status, VB_STATUS_UNPROCESSABLE);
    assert_int_equal(requests[2].call.status, VB_STATUS_NOT_FOUND);
    assert_int_equal(requests[3].call.status, VB_STATUS_CREATED);
    assert_int_equal(s_items(fixture, "q1"), 1);
    assert_int_equal(s_items(fixture, "q2"), 0);
    assert_int_equal(s_items(fixture, "q3"), 0);
    assert_int_equal(s_items(fixture, "q4"), 1);
    /* Their refusals were stored with their keys like any 4xx. */
    s_request_init(&requests[0], arena, "staff-1", "key-c", "test.ItemCreate", "missing:q3");
    assert_int_equal(s_pass(fixture, requests, 1), 0);
    assert_int_equal(requests[0].begun, VB_RPC_REPLIED);
    assert_int_equal(requests[0].call.status, VB_STATUS_NOT_FOUND);
    vb_arena_destroy(&arena);
}

/* A handler that fails after a write it did not wait for: the careful run undoes that call
 * alone, the others commit once. */
static void
test_failure_after_unwaited_write_is_undone(void **state)
{
    s_fixture_t *fixture = *state;
    vb_arena_t *arena = vb_arena_new();
    s_request_t requests[3];
    s_request_init(&requests[0], arena, "staff-1", "key-e", "test.ItemCreate", "r1");
    s_request_init(&requests[1], arena, "staff-1", "key-f", "test.ItemCreate", "crash:r2");
    s_request_init(&requests[2], arena, "staff-1", "key-g", "test.ItemCreate", "fail:r3");
    assert_int_equal(s_pass(fixture, requests, 3), 0);
    assert_int_equal(fixture->retries, 1);
    assert_int_equal(requests[0].call.status, VB_STATUS_CREATED);
    assert_int_equal(requests[1].call.status, VB_STATUS_INTERNAL);
    assert_int_equal(requests[2].call.status, VB_STATUS_CONFLICT);
    assert_int_equal(s_items(fixture, "r1"), 1);
    assert_int_equal(s_items(fixture, "r2"), 0);
    assert_int_equal(s_items(fixture, "r3"), 0);
    assert_int_equal(s_keys(fixture, "key-e"), 1);
    assert_int_equal(s_keys(fixture, "key-f"), 0); /* 5xx: not stored */
    assert_int_equal(s_keys(fixture, "key-g"), 1);
    vb_arena_destroy(&arena);
}

/* A COMMIT that fails (a deferred unique check): the optimistic run is rolled back, the careful
 * run fails the same way, and nothing of the pass - rows or keys - is stored. */
static void
test_failed_commit_stores_nothing(void **state)
{
    s_fixture_t *fixture = *state;
    vb_arena_t *arena = vb_arena_new();
    s_request_t requests[2];
    s_request_init(&requests[0], arena, "staff-1", "key-h", "test.ItemCreate", "deferred:s0");
    assert_int_equal(s_pass(fixture, requests, 1), 0);

    s_request_init(&requests[0], arena, "staff-1", "key-i", "test.ItemCreate", "s1");
    s_request_init(&requests[1], arena, "staff-1", "key-j", "test.ItemCreate", "deferred:s0");
    assert_int_equal(s_pass(fixture, requests, 2), -1);
    assert_int_equal(fixture->retries, 1);
    assert_false(vb_db_in_transaction(fixture->db));
    assert_int_equal(s_items(fixture, "s1"), 0);
    assert_int_equal(s_keys(fixture, "key-i"), 0);
    assert_int_equal(s_keys(fixture, "key-j"), 0);
    /* So the client's retry with the same key runs again and now commits. */
    int runs = fixture->handler_runs;
    s_request_init(&requests[0], arena, "staff-1", "key-i", "test.ItemCreate", "s1");
    assert_int_equal(s_pass(fixture, requests, 1), 0);
    assert_int_equal(requests[0].begun, VB_RPC_RUN_HANDLER);
    assert_int_equal(requests[0].call.status, VB_STATUS_CREATED);
    assert_int_equal(fixture->handler_runs, runs + 1);
    assert_int_equal(s_items(fixture, "s1"), 1);
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

    /* Twice in one pass, between other calls: the second sees the first's uncommitted key;
     * the others commit once. */
    s_request_t twins[4];
    s_request_init(&twins[0], arena, "member-7", "key-2", "test.ItemCreate", "beta");
    s_request_init(&twins[1], arena, "member-7", "key-2b", "test.ItemCreate", "beta2");
    s_request_init(&twins[2], arena, "member-7", "key-2", "test.ItemCreate", "beta");
    s_request_init(&twins[3], arena, "member-7", "", "test.ItemCreate", "beta3");
    retries = fixture->retries;
    assert_int_equal(s_pass(fixture, twins, 4), 0);
    assert_int_equal(fixture->retries, retries + 1);
    assert_int_equal(twins[0].begun, VB_RPC_RUN_HANDLER);
    assert_int_equal(twins[2].begun, VB_RPC_REPLIED);
    for (int i = 0; i < 4; i++)
        assert_int_equal(twins[i].call.status, VB_STATUS_CREATED);
    assert_int_equal(s_items(fixture, "beta"), 1);
    assert_int_equal(s_items(fixture, "beta2"), 1);
    assert_int_equal(s_items(fixture, "beta3"), 1);

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
    /* The retry runs the handler again (twice: the optimistic run fails after its write, so
     * the careful run does it in a savepoint). */
    s_request_init(&request, arena, "member-1", "key-5", "test.ItemCreate", "crash:theta");
    assert_int_equal(s_pass(fixture, &request, 1), 0);
    assert_int_equal(request.begun, VB_RPC_RUN_HANDLER);
    assert_int_equal(request.call.status, VB_STATUS_INTERNAL);
    assert_int_equal(fixture->handler_runs, runs + 2);
    assert_int_equal(s_items(fixture, "theta"), 0);
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

/* The rule that decides whether a failed call may stay in the optimistic pass. */
static void
test_sql_reads_only(void **state)
{
    (void) state;
    static const struct {
        const char *sql;
        bool reads_only;
    } cases[] = {
        {"SELECT name FROM item WHERE name = $1", true},
        {"  select count(*) from item", true},
        {"SELECT name FROM item WHERE name = $1 FOR UPDATE", true},       /* a lock */
        {"SELECT name FROM item FOR NO KEY UPDATE SKIP LOCKED", true},    /* a lock */
        {"SELECT updated_at, inserted FROM item", true}, /* words that only contain one */
        {"INSERT INTO item (name) VALUES ($1)", false},
        {"UPDATE item SET name = $1", false},
        {"DELETE FROM item", false},
        {"WITH x AS (SELECT 1) SELECT * FROM x", false}, /* WITH may hold an INSERT */
        {"SELECT pg_notify('verbund_outbox', '')", false},
        {"SELECT nextval('email_seq')", false},
        {"SELECT set_config('x.y', '1', true)", false},
        {"SELECT * INTO copy_of_item FROM item", false},
        {"SELECTED", false},
        {"", false},
    };
    for (size_t i = 0; i < VB_ARRAY_SIZE(cases); i++)
        if (vb_db_sql_reads_only(cases[i].sql) != cases[i].reads_only)
            fail_msg("vb_db_sql_reads_only(\"%s\") should be %s", cases[i].sql,
                     cases[i].reads_only ? "true" : "false");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_usage_example, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_failing_call_rolled_back_others_commit, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_among_creates_answered_alone, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_failure_without_writes_keeps_the_pass, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_failure_after_unwaited_write_is_undone, s_setup,
                                        s_teardown),
        cmocka_unit_test_setup_teardown(test_failed_commit_stores_nothing, s_setup, s_teardown),
        cmocka_unit_test(test_sql_reads_only),
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
