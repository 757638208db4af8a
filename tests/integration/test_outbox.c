/* test_outbox.c - vb/outbox.h against the fixture's PostgreSQL in its own schema "test_outbox":
 * the row an append writes, invisible to others until commit and gone on rollback, the NOTIFY on
 * "verbund_outbox" delivered only after commit (a LISTEN on a separate libpq connection), and
 * redaction by subject. Does not: relay rows (the stream service's tests do). */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "verbund/membership/v1/membership.pb-c.h"
#include "vb/db.h"
#include "vb/ids.h"
#include "vb/outbox.h"
#include "vb_test_db.h"
#include "vb_test_node.h"

#define SCHEMA "test_outbox"
#define CHANNEL "verbund_outbox"
#define NOTIFY_TIMEOUT_MS 10000

#define assert_db_ok(db, expr)                                                                     \
    do {                                                                                           \
        vb_status_t status_ = (expr);                                                              \
        if (status_ != VB_STATUS_OK)                                                               \
            fail_msg("%s: %s; error '%s' sqlstate '%s'", #expr, vb_status_name(status_),           \
                     vb_db_error(db), vb_db_sqlstate(db));                                         \
    } while (0)

/* The table as vb/outbox.h documents it. */
static const char s_migration[] =
    "CREATE TABLE outbox (\n"
    "    position bigserial PRIMARY KEY,\n"
    "    id uuid NOT NULL UNIQUE,\n"
    "    type text NOT NULL,\n"
    "    subject text NOT NULL,\n"
    "    time timestamptz NOT NULL DEFAULT clock_timestamp(),\n"
    "    dataschema text NOT NULL,\n"
    "    data bytea NOT NULL);\n";

typedef struct {
    vb_db_t *db;          /* the writer, with an outbox named "alpha" */
    vb_db_t *other;       /* a second writer, with an outbox named "beta" */
    vb_outbox_t *outbox;  /* on db */
    vb_outbox_t *outbox2; /* on other */
    PGconn *listener;     /* LISTEN verbund_outbox */
} s_fixture_t;

static int
s_setup(void **state)
{
    s_fixture_t *fixture = calloc(1, sizeof *fixture);
    assert_non_null(fixture);
    fixture->db = vb_test_db_open_migrated(SCHEMA, "0001_outbox.sql", s_migration);
    fixture->other = vb_test_db_open(SCHEMA);
    fixture->outbox = vb_outbox_new(fixture->db, "alpha");
    fixture->outbox2 = vb_outbox_new(fixture->other, "beta");
    assert_non_null(fixture->outbox);
    assert_non_null(fixture->outbox2);

    fixture->listener = PQconnectdb(vb_test_env("VERBUND_DATABASE_URL"));
    if (PQstatus(fixture->listener) != CONNECTION_OK)
        fail_msg("listener: %s", PQerrorMessage(fixture->listener));
    PGresult *result = PQexec(fixture->listener, "LISTEN " CHANNEL);
    if (PQresultStatus(result) != PGRES_COMMAND_OK)
        fail_msg("LISTEN: %s", PQerrorMessage(fixture->listener));
    PQclear(result);
    *state = fixture;
    return 0;
}

static int
s_teardown(void **state)
{
    s_fixture_t *fixture = *state;
    PQfinish(fixture->listener);
    vb_outbox_destroy(&fixture->outbox);
    assert_null(fixture->outbox);
    vb_outbox_destroy(&fixture->outbox2);
    vb_outbox_destroy(NULL);
    vb_db_destroy(&fixture->db);
    vb_db_destroy(&fixture->other);
    free(fixture);
    return 0;
}

/* ---- helpers ---- */

/* A PersonEvent for subject with name (static storage; valid until the next call). */
static const ProtobufCMessage *
s_person_event(const char *subject, const char *name)
{
    static Verbund__Membership__V1__Person person;
    static Verbund__Membership__V1__PersonEvent event;
    verbund__membership__v1__person__init(&person);
    verbund__membership__v1__person_event__init(&event);
    person.id = (char *)subject;
    person.name = (char *)name;
    person.email = (char *)"someone@example.org";
    event.person = &person;
    return &event.base;
}

/* The packed message in lower-case hex, as encode(data, 'hex') prints it. Caller frees. */
static char *
s_hex(const ProtobufCMessage *message)
{
    size_t size = protobuf_c_message_get_packed_size(message);
    uint8_t *packed = malloc(size ? size : 1);
    char *hex = malloc(2 * size + 1);
    assert_non_null(packed);
    assert_non_null(hex);
    protobuf_c_message_pack(message, packed);
    for (size_t i = 0; i < size; i++)
        snprintf(hex + 2 * i, 3, "%02x", packed[i]);
    hex[2 * size] = '\0';
    free(packed);
    return hex;
}

static int64_t
s_count(vb_db_t *db, const char *subject)
{
    int64_t count = 0;
    const char *params[] = {subject};
    assert_db_ok(db, vb_db_exec(db, "SELECT 1 FROM outbox WHERE subject = $1", params, 1, NULL,
                                NULL, &count));
    return count;
}

typedef struct {
    char id[64];
    char type[128];
    char dataschema[128];
    char *hex; /* malloc'd */
    bool fresh_time;
} s_row_t;

static int
s_read_row(void *arg, const vb_db_row_t *row)
{
    s_row_t *out = arg;
    snprintf(out->id, sizeof out->id, "%s", vb_db_row_text(row, 0));
    snprintf(out->type, sizeof out->type, "%s", vb_db_row_text(row, 1));
    snprintf(out->dataschema, sizeof out->dataschema, "%s", vb_db_row_text(row, 2));
    free(out->hex);
    out->hex = strdup(vb_db_row_text(row, 3));
    out->fresh_time = vb_db_row_bool(row, 4);
    return 0;
}

static void
s_read(vb_db_t *db, const char *subject, s_row_t *out)
{
    const char *params[] = {subject};
    int64_t count = 0;
    assert_db_ok(db, vb_db_exec(db,
                                "SELECT id::text, type, dataschema, encode(data, 'hex'),"
                                " time > now() - interval '1 minute'"
                                " FROM outbox WHERE subject = $1 ORDER BY position DESC LIMIT 1",
                                params, 1, s_read_row, out, &count));
    assert_int_equal(count, 1);
}

static void
s_new_subject(char subject[VB_UUID_STRING_SIZE])
{
    vb_uuid7(subject);
}

/* Waits for a notification on the listener with this payload; false at the deadline. Every
 * payload seen on the way is appended to seen (space separated) when seen is not NULL. */
static bool
s_wait_notify(PGconn *listener, const char *payload, char *seen, size_t seen_size)
{
    int64_t deadline = vb_test_now_ms() + NOTIFY_TIMEOUT_MS;
    for (;;) {
        if (!PQconsumeInput(listener))
            fail_msg("listener: %s", PQerrorMessage(listener));
        PGnotify *notify;
        bool found = false;
        while ((notify = PQnotifies(listener)) != NULL) {
            assert_string_equal(notify->relname, CHANNEL);
            if (seen) {
                size_t used = strlen(seen);
                snprintf(seen + used, seen_size - used, "%s ", notify->extra);
            }
            if (strcmp(notify->extra, payload) == 0)
                found = true;
            PQfreemem(notify);
        }
        if (found)
            return true;
        int64_t left = deadline - vb_test_now_ms();
        if (left <= 0)
            return false;
        struct pollfd fd = {.fd = PQsocket(listener), .events = POLLIN};
        (void)poll(&fd, 1, (int)left);
    }
}

/* A connection with an outbox whose NOTIFY payload (its service name) no other test uses, so
 * that late notifications of earlier tests cannot be mistaken for its own. */
typedef struct {
    vb_db_t *db;
    vb_outbox_t *outbox;
} s_writer_t;

static void
s_writer_open(s_writer_t *writer, const char *service)
{
    writer->db = vb_test_db_open(SCHEMA);
    writer->outbox = vb_outbox_new(writer->db, service);
    assert_non_null(writer->outbox);
}

static void
s_writer_close(s_writer_t *writer)
{
    vb_outbox_destroy(&writer->outbox);
    vb_db_destroy(&writer->db);
}

/* ---- tests ---- */

/* Usage: inside the transaction of a change, append its event; commit makes both visible. */
static void
test_append_writes_the_row(void **state)
{
    s_fixture_t *fixture = *state;
    char subject[VB_UUID_STRING_SIZE];
    s_new_subject(subject);
    const ProtobufCMessage *event = s_person_event(subject, "Grace Hopper");
    char *expected = s_hex(event);

    assert_db_ok(fixture->db, vb_db_begin(fixture->db));
    assert_db_ok(fixture->db, vb_outbox_append(fixture->outbox,
                                               "verbund.membership.person.created.v1", subject,
                                               event));
    assert_db_ok(fixture->db, vb_db_commit(fixture->db));
    /* the commit woke the listener with the service name */
    assert_true(s_wait_notify(fixture->listener, "alpha", NULL, 0));

    s_row_t row = {.hex = NULL};
    s_read(fixture->other, subject, &row);
    assert_true(vb_uuid_valid(row.id));
    assert_int_equal(row.id[14], '7'); /* UUIDv7 */
    assert_string_equal(row.type, "verbund.membership.person.created.v1");
    assert_string_equal(row.dataschema, "verbund.membership.v1.PersonEvent");
    assert_string_equal(row.hex, expected);
    assert_true(row.fresh_time);
    free(row.hex);
    free(expected);
}

static void
test_invisible_until_commit(void **state)
{
    s_fixture_t *fixture = *state;
    char subject[VB_UUID_STRING_SIZE];
    s_new_subject(subject);
    assert_db_ok(fixture->db, vb_db_begin(fixture->db));
    assert_db_ok(fixture->db, vb_outbox_append(fixture->outbox, "t.a.v1", subject,
                                               s_person_event(subject, "A")));
    assert_db_ok(fixture->db, vb_outbox_append(fixture->outbox, "t.b.v1", subject,
                                               s_person_event(subject, "B")));
    /* the writer sees its own rows, nobody else does */
    assert_int_equal(s_count(fixture->db, subject), 2);
    assert_int_equal(s_count(fixture->other, subject), 0);
    assert_db_ok(fixture->db, vb_db_commit(fixture->db));
    assert_int_equal(s_count(fixture->other, subject), 2);
}

static void
test_rollback_leaves_nothing(void **state)
{
    s_fixture_t *fixture = *state;
    s_writer_t writer;
    s_writer_open(&writer, "rolled-back");
    char subject[VB_UUID_STRING_SIZE];
    s_new_subject(subject);
    assert_db_ok(writer.db, vb_db_begin(writer.db));
    assert_db_ok(writer.db, vb_outbox_append(writer.outbox, "t.a.v1", subject,
                                             s_person_event(subject, "A")));
    assert_db_ok(writer.db, vb_db_rollback(writer.db));
    assert_int_equal(s_count(writer.db, subject), 0);
    assert_int_equal(s_count(fixture->other, subject), 0);

    /* A savepoint rolled back (a failed call in a write batch) takes its event with it. */
    assert_db_ok(writer.db, vb_db_begin(writer.db));
    assert_db_ok(writer.db, vb_db_savepoint(writer.db, "call"));
    assert_db_ok(writer.db, vb_outbox_append(writer.outbox, "t.a.v1", subject,
                                             s_person_event(subject, "A")));
    assert_db_ok(writer.db, vb_db_rollback_to(writer.db, "call"));
    assert_db_ok(writer.db, vb_db_commit(writer.db));
    assert_int_equal(s_count(fixture->other, subject), 0);

    /* The rolled-back appends notified nobody: a later commit's notification ("beta") arrives,
     * and "rolled-back" is not among those seen before it. */
    char other_subject[VB_UUID_STRING_SIZE];
    s_new_subject(other_subject);
    assert_db_ok(fixture->other, vb_db_begin(fixture->other));
    assert_db_ok(fixture->other, vb_outbox_append(fixture->outbox2, "t.a.v1", other_subject,
                                                  s_person_event(other_subject, "B")));
    assert_db_ok(fixture->other, vb_db_commit(fixture->other));
    char seen[256] = "";
    assert_true(s_wait_notify(fixture->listener, "beta", seen, sizeof seen));
    if (strstr(seen, "rolled-back"))
        fail_msg("a rolled-back append notified: seen \"%s\"", seen);
    s_writer_close(&writer);
}

static void
test_notify_only_after_commit(void **state)
{
    s_fixture_t *fixture = *state;
    s_writer_t writer;
    s_writer_open(&writer, "committed-late");
    char subject[VB_UUID_STRING_SIZE], other_subject[VB_UUID_STRING_SIZE];
    s_new_subject(subject);
    s_new_subject(other_subject);

    assert_db_ok(writer.db, vb_db_begin(writer.db));
    assert_db_ok(writer.db, vb_outbox_append(writer.outbox, "t.a.v1", subject,
                                             s_person_event(subject, "A")));
    /* While the writer's transaction is open, beta commits; beta's notification arrives and the
     * writer's must not have arrived before it. */
    assert_db_ok(fixture->other, vb_db_begin(fixture->other));
    assert_db_ok(fixture->other, vb_outbox_append(fixture->outbox2, "t.a.v1", other_subject,
                                                  s_person_event(other_subject, "B")));
    assert_db_ok(fixture->other, vb_db_commit(fixture->other));
    char seen[256] = "";
    assert_true(s_wait_notify(fixture->listener, "beta", seen, sizeof seen));
    if (strstr(seen, "committed-late"))
        fail_msg("notified before commit: seen \"%s\"", seen);

    assert_db_ok(writer.db, vb_db_commit(writer.db));
    assert_true(s_wait_notify(fixture->listener, "committed-late", NULL, 0));
    s_writer_close(&writer);
}

static void
test_redact_replaces_data_of_subject_only(void **state)
{
    s_fixture_t *fixture = *state;
    char erased[VB_UUID_STRING_SIZE], kept[VB_UUID_STRING_SIZE];
    s_new_subject(erased);
    s_new_subject(kept);
    assert_db_ok(fixture->db, vb_db_begin(fixture->db));
    assert_db_ok(fixture->db, vb_outbox_append(fixture->outbox, "t.created.v1", erased,
                                               s_person_event(erased, "Secret Name")));
    Verbund__Membership__V1__ExpertProfile profile = VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE__INIT;
    profile.person_id = erased;
    profile.hours_per_month = 12;
    Verbund__Membership__V1__ExpertProfileEvent profile_event =
        VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE_EVENT__INIT;
    profile_event.profile = &profile;
    assert_db_ok(fixture->db, vb_outbox_append(fixture->outbox, "t.profile.v1", erased,
                                               &profile_event.base));
    assert_db_ok(fixture->db, vb_outbox_append(fixture->outbox, "t.created.v1", kept,
                                               s_person_event(kept, "Kept Name")));
    assert_db_ok(fixture->db, vb_db_commit(fixture->db));
    char *kept_hex = s_hex(s_person_event(kept, "Kept Name"));

    Verbund__Membership__V1__Person id_only = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    id_only.id = erased;
    Verbund__Membership__V1__PersonEvent redacted = VERBUND__MEMBERSHIP__V1__PERSON_EVENT__INIT;
    redacted.person = &id_only;
    char *redacted_hex = s_hex(&redacted.base);
    assert_db_ok(fixture->db, vb_db_begin(fixture->db));
    assert_db_ok(fixture->db, vb_outbox_redact(fixture->outbox, erased, &redacted.base));
    assert_db_ok(fixture->db, vb_db_commit(fixture->db));

    /* every event of the subject now holds the redacted payload, labelled as such */
    int64_t count = 0;
    const char *params[] = {erased, redacted_hex};
    assert_db_ok(fixture->other,
                 vb_db_exec(fixture->other,
                            "SELECT 1 FROM outbox WHERE subject = $1 AND encode(data, 'hex') = $2"
                            " AND dataschema = 'verbund.membership.v1.PersonEvent'",
                            params, 2, NULL, NULL, &count));
    assert_int_equal(count, 2);
    const char *secret[] = {"Secret Name"};
    assert_db_ok(fixture->other,
                 vb_db_exec(fixture->other,
                            "SELECT 1 FROM outbox WHERE position(convert_to($1, 'UTF8') in data) > 0",
                            secret, 1, NULL, NULL, &count));
    assert_int_equal(count, 0);
    /* another subject is untouched */
    s_row_t row = {.hex = NULL};
    s_read(fixture->other, kept, &row);
    assert_string_equal(row.hex, kept_hex);
    free(row.hex);
    free(kept_hex);
    free(redacted_hex);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_append_writes_the_row),
        cmocka_unit_test(test_invisible_until_commit),
        cmocka_unit_test(test_rollback_leaves_nothing),
        cmocka_unit_test(test_notify_only_after_commit),
        cmocka_unit_test(test_redact_replaces_data_of_subject_only),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
