/* bench_node.h - a throw-away verbund node for one benchmark run: starts it with
 * tests/support/node.sh in a fresh temporary directory, loads DIR/env into the environment,
 * restarts a service, and stops everything at exit (normal exit, exit() on failure, SIGINT or
 * SIGTERM). Also the PersonCreate request every create benchmark sends, and a windowed run of
 * them over RPC.
 * Does not: build anything (VB_SOURCE_DIR / VB_BINARY_DIR come from bench/CMakeLists.txt). */
#ifndef BENCH_NODE_H
#define BENCH_NODE_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "verbund/membership/v1/membership.pb-c.h"
#include "verbund/rpc/v1/rpc.pb-c.h"
#include "bench_report.h"
#include "vb/rpc_client.h"

#ifndef VB_SOURCE_DIR
#error "bench/CMakeLists.txt defines VB_SOURCE_DIR"
#endif
#ifndef VB_BINARY_DIR
#error "bench/CMakeLists.txt defines VB_BINARY_DIR"
#endif

static char s_node_dir[256];
static int s_node_running;

static inline int
bench_node_script(const char *command, const char *name)
{
    char line[1024];
    snprintf(line, sizeof line, "'%s/tests/support/node.sh' %s '%s' '%s' %s >'%s/bench-node.out' 2>&1",
             VB_SOURCE_DIR, command, s_node_dir, VB_BINARY_DIR, name ? name : "", s_node_dir);
    int rc = system(line);
    if (rc != 0) {
        fprintf(stderr, "bench: node.sh %s %s failed (see %s/bench-node.out and the logs there)\n",
                command, name ? name : "", s_node_dir);
        return -1;
    }
    return 0;
}

static inline void
bench_node_stop(void)
{
    if (!s_node_running)
        return;
    s_node_running = 0;
    bench_node_script("stop", NULL);
    char line[512];
    snprintf(line, sizeof line, "rm -rf '%s'", s_node_dir);
    if (system(line) != 0)
        fprintf(stderr, "bench: could not remove %s\n", s_node_dir);
}

static inline void
bench_node_on_signal(int signal_number)
{
    (void) signal_number;
    exit(130); /* runs bench_node_stop through atexit */
}

/* Loads DIR/env into the environment (KEY=VALUE lines). */
static inline int
bench_node_load_env(void)
{
    char path[512];
    snprintf(path, sizeof path, "%s/env", s_node_dir);
    FILE *file = fopen(path, "r");
    if (!file)
        return -1;
    char line[1024];
    while (fgets(line, sizeof line, file)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *equals = strchr(line, '=');
        if (!equals)
            continue;
        *equals = '\0';
        setenv(line, equals + 1, 1);
    }
    fclose(file);
    return 0;
}

/* Starts a fresh node (PostgreSQL, Redis, membership, gateway); exits the program on failure. */
static inline void
bench_node_start(void)
{
    snprintf(s_node_dir, sizeof s_node_dir, "/tmp/verbund-bench-XXXXXX");
    if (!mkdtemp(s_node_dir)) {
        perror("bench: mkdtemp");
        exit(1);
    }
    s_node_running = 1;
    atexit(bench_node_stop);
    signal(SIGINT, bench_node_on_signal);
    signal(SIGTERM, bench_node_on_signal);
    signal(SIGPIPE, SIG_IGN);
    /* The test node keeps the stream's send queue small (its slow-subscriber test must overflow
     * it); benchmarks run the service's default, STREAM_DEFAULT_SEND_QUEUE. */
    setenv("VB_TEST_STREAM_SEND_QUEUE", "100000", 0);
    if (bench_node_script("start", NULL) != 0 || bench_node_load_env() != 0)
        exit(1);
}

/* Restarts a service (membership or gateway) with the current environment. */
static inline void
bench_node_restart(const char *name)
{
    if (bench_node_script("restart-service", name) != 0)
        exit(1);
}

static inline const Verbund__Rpc__V1__Caller *
bench_admin_caller(void)
{
    static Verbund__Rpc__V1__Caller caller = VERBUND__RPC__V1__CALLER__INIT;
    caller.id = (char *) "bench-admin";
    caller.role = VERBUND__RPC__V1__ROLE__ROLE_ADMIN;
    return &caller;
}

/* A person the size of a typical member record; email unique per (run, counter). */
typedef struct {
    char name[64];
    char email[96];
    Verbund__Membership__V1__Skill skill;
    Verbund__Membership__V1__Skill *skills[1];
    char *languages[2];
    char *interests[2];
    Verbund__Membership__V1__Consents consents;
    Verbund__Membership__V1__Person person;
    Verbund__Membership__V1__PersonCreateRequest request;
} bench_person_t;

static inline void
bench_person_fill(bench_person_t *p, const char *run_id, long counter)
{
    Verbund__Membership__V1__Skill skill = VERBUND__MEMBERSHIP__V1__SKILL__INIT;
    Verbund__Membership__V1__Consents consents = VERBUND__MEMBERSHIP__V1__CONSENTS__INIT;
    Verbund__Membership__V1__Person person = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    Verbund__Membership__V1__PersonCreateRequest request =
        VERBUND__MEMBERSHIP__V1__PERSON_CREATE_REQUEST__INIT;
    snprintf(p->name, sizeof p->name, "Bench Person %ld", counter);
    snprintf(p->email, sizeof p->email, "b%s.%ld@example.org", run_id, counter);
    p->skill = skill;
    p->skill.code = (char *) "fs.collaboration";
    p->skill.level = 3;
    p->skills[0] = &p->skill;
    p->languages[0] = (char *) "de";
    p->languages[1] = (char *) "en";
    p->interests[0] = (char *) "digital education";
    p->interests[1] = (char *) "open source";
    p->consents = consents;
    p->consents.visible_in_network = 1;
    p->person = person;
    p->person.name = p->name;
    p->person.email = p->email;
    p->person.region = (char *) "NRW";
    p->person.sector = (char *) "education";
    p->person.n_languages = 2;
    p->person.languages = p->languages;
    p->person.n_skills = 1;
    p->person.skills = p->skills;
    p->person.n_interests = 2;
    p->person.interests = p->interests;
    p->person.consents = &p->consents;
    p->request = request;
    p->request.person = &p->person;
}

/* A run id that keeps emails unique across runs against the same database. */
static inline void
bench_run_id(char *out, size_t size)
{
    snprintf(out, size, "%lx%x", (unsigned long) time(NULL), (unsigned) getpid());
}

/* The request of the next call of bench_rpc_window (valid until the next one). */
typedef const ProtobufCMessage *(*bench_request_fn)(void *arg);

/* Keeps window calls of method in flight for seconds, then waits for the last ones; every call
 * must answer expected (the program exits otherwise). Calls per second. */
static inline double
bench_rpc_window(vb_rpc_client_t *client, const char *method, bench_request_fn next, void *arg,
                 const vb_rpc_call_options_t *options, int window, double seconds,
                 vb_status_t expected)
{
    int in_flight = 0;
    long done = 0;
    double start = bench_now_seconds(), now = start;
    while (in_flight > 0 || now - start < seconds) {
        while (in_flight < window && now - start < seconds) {
            uint64_t ticket;
            if (vb_rpc_client_send(client, method, next(arg), options, &ticket) != 0) {
                fprintf(stderr, "bench: %s: send failed\n", method);
                exit(1);
            }
            in_flight++;
        }
        uint64_t ticket;
        vb_status_t status;
        Verbund__Rpc__V1__Reply *reply = NULL;
        if (vb_rpc_client_receive(client, 10000, &ticket, &status, &reply) == 1) {
            in_flight--;
            if (status != expected) {
                fprintf(stderr, "bench: %s: %s %s\n", method, vb_status_name(status),
                        reply && reply->message ? reply->message : "");
                exit(1);
            }
            done++;
            vb_rpc_reply_free(reply);
        }
        now = bench_now_seconds();
    }
    return done / (now - start);
}

/* The PersonCreate requests of bench_person_create_rpc. */
typedef struct {
    const char *run_id;
    long *counter;
    bench_person_t person;
} bench_person_requests_t;

static inline const ProtobufCMessage *
bench_person_next(void *arg)
{
    bench_person_requests_t *requests = arg;
    bench_person_fill(&requests->person, requests->run_id, (*requests->counter)++);
    return &requests->person.request.base;
}

/* membership.PersonCreate over RPC for seconds with window requests in flight (emails from
 * run_id and *counter, which it advances); creates per second. Exits the program on failure. */
static inline double
bench_person_create_rpc(const char *run_id, long *counter, int window, double seconds)
{
    vb_rpc_client_options_t client_options = {
        .endpoint = getenv("VERBUND_MEMBERSHIP_ENDPOINT"), .attempt_timeout_ms = 10000,
        .max_attempts = 1};
    vb_rpc_client_t *client = vb_rpc_client_new(&client_options);
    if (!client) {
        fprintf(stderr, "bench: cannot create the RPC client\n");
        exit(1);
    }
    vb_rpc_call_options_t options = {
        .deadline_ms = 10000, .caller = bench_admin_caller(), .write = true};
    bench_person_requests_t requests = {.run_id = run_id, .counter = counter};
    double rate = bench_rpc_window(client, "membership.PersonCreate", bench_person_next,
                                   &requests, &options, window, seconds, VB_STATUS_CREATED);
    vb_rpc_client_destroy(&client);
    return rate;
}

#endif
