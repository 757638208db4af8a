/* bench_event_registrations.c - registrations for one popular event: events.RegistrationCreate
 * over RPC with 16 requests in flight (each locks the event row, counts the confirmed seats,
 * inserts the registration and its outbox event, and records its idempotency key), against
 * pgbench -c 16 running the bare equivalent transaction (BEGIN; SELECT the event row FOR UPDATE;
 * SELECT count(*) of its confirmed registrations; INSERT the registration; COMMIT) on scratch
 * copies of the events tables in the same PostgreSQL. Each round uses a fresh event on both
 * sides (capacity 100000, so all confirm and the count grows alike); runs interleave; medians.
 * Goal from issue 4: ratio >= 0.5. Does not: measure waitlisting or cancellations. */
#include <stdlib.h>
#include <string.h>

#include "verbund/events/v1/events.pb-c.h"
#include "bench_node.h"
#include "bench_pgbench.h"
#include "bench_report.h"
#include "vb/db.h"
#include "vb/ids.h"
#include "vb/log.h"
#include "vb/rpc_client.h"

#define ROUNDS 5
#define SECONDS_PER_RUN 3
#define WINDOW 16
#define CAPACITY 100000
#define SCRATCH_SCHEMA "bench_events_scratch"

/* The service's transaction without the service: lock, count, insert. */
static const char *s_pgbench_script =
    "BEGIN;\n"
    "SELECT id, capacity, status, registration_opens_at, registration_closes_at, last_start_at"
    " FROM " SCRATCH_SCHEMA ".events WHERE id = :event::uuid FOR UPDATE;\n"
    "SELECT count(*) FROM " SCRATCH_SCHEMA ".registrations"
    " WHERE event_id = :event::uuid AND status = 'confirmed';\n"
    "INSERT INTO " SCRATCH_SCHEMA ".registrations (id, event_id, person_id, status, created_at)"
    " VALUES (gen_random_uuid(), :event::uuid, gen_random_uuid(), 'confirmed', "
    "clock_timestamp());\n"
    "COMMIT;\n";

static vb_db_t *
s_db_open(void)
{
    return bench_db_open(SCRATCH_SCHEMA);
}

static void
s_exec(vb_db_t *db, const char *sql, const char *const *params, int count)
{
    if (vb_db_exec(db, sql, params, count, NULL, NULL, NULL) != VB_STATUS_OK) {
        fprintf(stderr, "bench: %s: %s\n", sql, vb_db_error(db));
        exit(1);
    }
}

static const Verbund__Rpc__V1__Caller *
s_staff(void)
{
    static Verbund__Rpc__V1__Caller caller = VERBUND__RPC__V1__CALLER__INIT;
    caller.id = (char *)"bench-staff";
    caller.role = VERBUND__RPC__V1__ROLE__ROLE_STAFF;
    return &caller;
}

/* A new popular event over RPC; its id into out. */
static void
s_create_event(vb_rpc_client_t *client, int round, char out[VB_UUID_STRING_SIZE])
{
    char title[64], organiser[VB_UUID_STRING_SIZE];
    snprintf(title, sizeof title, "Summit %d", round);
    vb_uuid7(organiser);
    Verbund__Events__V1__Event event = VERBUND__EVENTS__V1__EVENT__INIT;
    event.title = title;
    event.kind = VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_SUMMIT;
    event.organiser_person_id = organiser;
    event.start_local = (char *)"2031-05-20T09:00:00";
    event.end_local = (char *)"2031-05-20T18:00:00";
    event.time_zone = (char *)"Europe/Berlin";
    event.online_url = (char *)"https://stream.example.org/summit";
    event.capacity = CAPACITY;
    event.public_ = 1;
    Verbund__Events__V1__EventCreateRequest request =
        VERBUND__EVENTS__V1__EVENT_CREATE_REQUEST__INIT;
    request.event = &event;
    vb_rpc_call_options_t options = {.deadline_ms = 10000, .caller = s_staff(), .write = true};
    Verbund__Rpc__V1__Reply *reply = NULL;
    vb_status_t status =
        vb_rpc_client_call(client, "events.EventCreate", &request.base, &options, &reply);
    Verbund__Events__V1__EventReply *body =
        reply ? (void *)vb_rpc_reply_unpack(reply, &verbund__events__v1__event_reply__descriptor)
              : NULL;
    if (status != VB_STATUS_CREATED || !body) {
        fprintf(stderr, "bench: EventCreate: %s %s\n", vb_status_name(status),
                reply && reply->message ? reply->message : "");
        exit(1);
    }
    snprintf(out, VB_UUID_STRING_SIZE, "%s", body->event->id);
    protobuf_c_message_free_unpacked(&body->base, NULL);
    vb_rpc_reply_free(reply);
}

/* Registrations for one event, each by a new person id. */
typedef struct {
    Verbund__Events__V1__RegistrationCreateRequest request;
    char person[VB_UUID_STRING_SIZE];
} s_registrations_t;

static const ProtobufCMessage *
s_next_registration(void *arg)
{
    s_registrations_t *registrations = arg;
    vb_uuid7(registrations->person);
    registrations->request.person_id = registrations->person;
    return &registrations->request.base;
}

/* SECONDS_PER_RUN of registrations with WINDOW in flight; registrations per second. */
static double
s_run_verbund(vb_rpc_client_t *client, const char *event_id)
{
    vb_rpc_call_options_t options = {.deadline_ms = 10000, .caller = s_staff(), .write = true};
    s_registrations_t registrations = {
        .request = VERBUND__EVENTS__V1__REGISTRATION_CREATE_REQUEST__INIT};
    registrations.request.event_id = (char *)event_id;
    return bench_rpc_window(client, "events.RegistrationCreate", s_next_registration,
                            &registrations, &options, WINDOW, SECONDS_PER_RUN,
                            VB_STATUS_CREATED);
}

int
main(void)
{
    vb_log_set_service("bench");
    vb_log_set_level(VB_LOG_WARN);
    char pgbench[512];
    bench_pgbench_path(pgbench, sizeof pgbench);
    bench_node_start();
    if (!getenv("VERBUND_EVENTS_ENDPOINT")) {
        fprintf(stderr, "bench: the node has no events service\n");
        return 1;
    }
    vb_db_t *db = s_db_open();
    s_exec(db, "DROP TABLE IF EXISTS " SCRATCH_SCHEMA ".registrations", NULL, 0);
    s_exec(db, "DROP TABLE IF EXISTS " SCRATCH_SCHEMA ".events", NULL, 0);
    s_exec(db, "CREATE TABLE " SCRATCH_SCHEMA ".events (LIKE events.events INCLUDING ALL)", NULL,
           0);
    s_exec(db,
           "CREATE TABLE " SCRATCH_SCHEMA ".registrations"
           " (LIKE events.registrations INCLUDING ALL)",
           NULL, 0);
    char script_path[512];
    snprintf(script_path, sizeof script_path, "%s/register.sql", s_node_dir);
    FILE *script = fopen(script_path, "w");
    if (!script || fputs(s_pgbench_script, script) < 0 || fclose(script) != 0) {
        fprintf(stderr, "bench: cannot write %s\n", script_path);
        return 1;
    }
    vb_rpc_client_options_t client_options = {.endpoint = getenv("VERBUND_EVENTS_ENDPOINT"),
                                              .attempt_timeout_ms = 10000,
                                              .max_attempts = 1};
    vb_rpc_client_t *client = vb_rpc_client_new(&client_options);
    if (!client) {
        fprintf(stderr, "bench: cannot create the RPC client\n");
        return 1;
    }
    double verbund[ROUNDS], reference[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        char event_id[VB_UUID_STRING_SIZE], copy_id[VB_UUID_STRING_SIZE];
        s_create_event(client, round, event_id);
        /* the reference's event: a copy of the service's row under another id */
        vb_uuid7(copy_id);
        const char *params[] = {copy_id, event_id};
        s_exec(db,
               "INSERT INTO " SCRATCH_SCHEMA ".events SELECT * FROM events.events"
               " WHERE id = $1::uuid",
               params + 1, 1);
        s_exec(db, "UPDATE " SCRATCH_SCHEMA ".events SET id = $1::uuid WHERE id = $2::uuid", params,
               2);
        char options[128];
        snprintf(options, sizeof options, "-c %d -j 2 -D event=%s", WINDOW, copy_id);
        reference[round] = bench_pgbench_run_with(pgbench, options, script_path, SECONDS_PER_RUN);
        verbund[round] = s_run_verbund(client, event_id);
        printf("info event_registrations round %d: verbund %.0f registrations/s (window %d),"
               " pgbench lock+count+insert %.0f tps (-c %d)\n",
               round + 1, verbund[round], WINDOW, reference[round], WINDOW);
        fflush(stdout);
    }
    vb_rpc_client_destroy(&client);
    s_exec(db, "DROP SCHEMA " SCRATCH_SCHEMA " CASCADE", NULL, 0);
    vb_db_destroy(&db);
    bench_report("event_registrations", "registrations/s", bench_median(verbund, ROUNDS),
                 "pgbench -M prepared -c 16: BEGIN; SELECT event FOR UPDATE; SELECT count(*);"
                 " INSERT; COMMIT",
                 bench_median(reference, ROUNDS), 0.5);
    bench_node_stop();
    return 0;
}
