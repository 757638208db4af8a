/* test_stream_curve.c - the stream's CURVE side: the test starts a second verbund-stream with
 * CURVE on (own ports, certificates generated with zcert into a temporary directory) against
 * the fixture's database. It follows the log the fixture's instance relays. A client with an
 * unknown key gets nothing (ZAP refuses it: no events, no replay answer); a client whose
 * certificate allows only some topics never sees another topic, over PUB or replay, whatever it
 * subscribes to or claims in its Envelope.
 * Does not: test the HTTP side of topic limits (the gateway's tests). */
#include <setjmp.h>
#include <sys/prctl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <czmq.h>

#include "verbund/membership/v1/membership.pb-c.h"
#include "verbund/stream/v1/stream.pb-c.h"
#include "vb/clock.h"
#include "vb/cloudevent.h"
#include "vb/ids.h"
#include "vb/rpc_client.h"
#include "vb_test_node.h"

#define S_NARROW_TOPICS "verbund.membership.person.updated."
#define S_WIDE_TOPICS "verbund.membership."

static char s_dir[256];          /* temporary directory of the certificates */
static zcert_t *s_server;        /* the second instance's key pair */
static zcert_t *s_narrow;        /* allowed: S_NARROW_TOPICS */
static zcert_t *s_wide;          /* allowed: S_WIDE_TOPICS */
static zcert_t *s_unknown;       /* not in the clients directory */
static char s_pub[64], s_replay[64];
static pid_t s_pid;
static vb_rpc_client_t *s_membership;

static Verbund__Rpc__V1__Caller s_admin = {
    PROTOBUF_C_MESSAGE_INIT(&verbund__rpc__v1__caller__descriptor), (char *)"test-admin",
    VERBUND__RPC__V1__ROLE__ROLE_ADMIN, (char *)"", 0, NULL};

/* Two different loopback ports nothing listens on now: the kernel picks them (bind to port 0)
 * while both sockets are open, so they differ; they are released for the stream to bind. */
static void
s_free_ports(int *first, int *second)
{
    int fds[2];
    int *ports[2] = {first, second};
    for (int i = 0; i < 2; i++) {
        fds[i] = socket(AF_INET, SOCK_STREAM, 0);
        assert_true(fds[i] >= 0);
        struct sockaddr_in address = {.sin_family = AF_INET,
                                      .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t length = sizeof address;
        assert_int_equal(bind(fds[i], (struct sockaddr *)&address, sizeof address), 0);
        assert_int_equal(getsockname(fds[i], (struct sockaddr *)&address, &length), 0);
        *ports[i] = ntohs(address.sin_port);
    }
    close(fds[0]);
    close(fds[1]);
}

static zsock_t *
s_curve_socket(int type, zcert_t *client, const char *endpoint)
{
    zsock_t *socket = zsock_new(type);
    zcert_apply(client, socket);
    zsock_set_curve_serverkey(socket, zcert_public_txt(s_server));
    zsock_set_linger(socket, 0);
    zsock_connect(socket, "%s", endpoint);
    return socket;
}

/* One stream.* request over a CURVE DEALER; NULL when no reply came within timeout_ms. */
static Verbund__Rpc__V1__Reply *
s_request(zcert_t *client, const char *method, const ProtobufCMessage *body,
          const Verbund__Rpc__V1__Caller *caller, int timeout_ms)
{
    zsock_t *dealer = s_curve_socket(ZMQ_DEALER, client, s_replay);
    zsock_set_rcvtimeo(dealer, timeout_ms);
    Verbund__Rpc__V1__Envelope envelope = VERBUND__RPC__V1__ENVELOPE__INIT;
    envelope.method = (char *)method;
    envelope.caller = (Verbund__Rpc__V1__Caller *)caller;
    uint8_t body_bytes[1024];
    envelope.body.len = body ? protobuf_c_message_pack(body, body_bytes) : 0;
    envelope.body.data = body_bytes;
    uint8_t packed[2048];
    size_t size = verbund__rpc__v1__envelope__pack(&envelope, packed);
    zmsg_t *request = zmsg_new();
    zmsg_addmem(request, packed, size);
    zmsg_send(&request, dealer);
    zmsg_t *answer = zmsg_recv(dealer);
    Verbund__Rpc__V1__Reply *reply = NULL;
    if (answer) {
        zframe_t *frame = zmsg_last(answer);
        reply = vb_rpc_reply_decode(zframe_data(frame), zframe_size(frame));
        zmsg_destroy(&answer);
    }
    zsock_destroy(&dealer);
    return reply;
}

static int
s_setup(void **state)
{
    (void)state;
    const char *node_dir = getenv("VB_TEST_NODE_DIR");
    const char *url = vb_test_env("VERBUND_DATABASE_URL");
    const char *membership = vb_test_env("VERBUND_MEMBERSHIP_ENDPOINT");
    const char *source_dir = getenv("VB_SOURCE_DIR");
    if (!node_dir || !url || !membership || !source_dir) {
        print_error("run under the node fixture\n");
        return -1;
    }
    zsys_handler_set(NULL);
    snprintf(s_dir, sizeof s_dir, "/tmp/vb-stream-curve-XXXXXX");
    if (!mkdtemp(s_dir))
        return -1;
    char path[512];
    snprintf(path, sizeof path, "%s/clients", s_dir);
    zsys_dir_create(path);
    s_server = zcert_new();
    s_narrow = zcert_new();
    s_wide = zcert_new();
    s_unknown = zcert_new();
    zcert_set_meta(s_narrow, "topics", "%s", S_NARROW_TOPICS);
    zcert_set_meta(s_wide, "topics", "%s", S_WIDE_TOPICS);
    snprintf(path, sizeof path, "%s/server.cert", s_dir);
    zcert_save(s_server, path);
    snprintf(path, sizeof path, "%s/clients/narrow.cert", s_dir);
    zcert_save_public(s_narrow, path);
    snprintf(path, sizeof path, "%s/clients/wide.cert", s_dir);
    zcert_save_public(s_wide, path);

    int pub_port, replay_port;
    s_free_ports(&pub_port, &replay_port);
    snprintf(s_pub, sizeof s_pub, "tcp://127.0.0.1:%d", pub_port);
    snprintf(s_replay, sizeof s_replay, "tcp://127.0.0.1:%d", replay_port);
    char binary[512];
    snprintf(binary, sizeof binary, "%s/../bin/verbund-stream", node_dir);
    char log[512];
    snprintf(log, sizeof log, "%s/stream-curve.log", node_dir);
    s_pid = fork();
    if (s_pid == 0) {
        /* A test killed on its timeout must not leave this server behind. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        char secret[512], clients[512], migrations[512];
        snprintf(secret, sizeof secret, "%s/server.cert_secret", s_dir);
        snprintf(clients, sizeof clients, "%s/clients", s_dir);
        snprintf(migrations, sizeof migrations, "%s/services/stream/migrations", source_dir);
        setenv("VERBUND_DATABASE_URL", url, 1);
        setenv("VERBUND_NODE_ID", "test", 1);
        setenv("VERBUND_STREAM_PUB_ENDPOINT", s_pub, 1);
        setenv("VERBUND_STREAM_REPLAY_ENDPOINT", s_replay, 1);
        setenv("VERBUND_STREAM_CURVE_SECRET_FILE", secret, 1);
        setenv("VERBUND_STREAM_CURVE_CLIENTS_DIR", clients, 1);
        setenv("VERBUND_MIGRATIONS_DIR", migrations, 1);
        setenv("VERBUND_STREAM_HEARTBEAT_MS", "200", 1);
        if (!freopen(log, "a", stderr))
            _exit(127);
        execl(binary, binary, (char *)NULL);
        _exit(127);
    }
    if (s_pid < 0)
        return -1;
    /* ready when the wide client gets an answer */
    int64_t deadline = vb_clock_monotonic_us() + 20 * 1000000LL;
    Verbund__Stream__V1__HeadRequest head = VERBUND__STREAM__V1__HEAD_REQUEST__INIT;
    for (;;) {
        Verbund__Rpc__V1__Reply *reply = s_request(s_wide, "stream.Head", &head.base, NULL, 500);
        if (reply) {
            vb_rpc_reply_free(reply);
            break;
        }
        if (vb_clock_monotonic_us() > deadline || waitpid(s_pid, NULL, WNOHANG) == s_pid) {
            print_error("the CURVE stream instance did not start; see %s\n", log);
            return -1;
        }
    }
    vb_rpc_client_options_t options = {.endpoint = membership, .attempt_timeout_ms = 3000};
    s_membership = vb_rpc_client_new(&options);
    return s_membership ? 0 : -1;
}

static int
s_teardown(void **state)
{
    (void)state;
    if (s_pid > 0) {
        kill(s_pid, SIGTERM);
        waitpid(s_pid, NULL, 0);
    }
    vb_rpc_client_destroy(&s_membership);
    zcert_destroy(&s_server);
    zcert_destroy(&s_narrow);
    zcert_destroy(&s_wide);
    zcert_destroy(&s_unknown);
    char command[300];
    snprintf(command, sizeof command, "rm -rf '%s'", s_dir);
    if (system(command) != 0)
        print_error("could not remove %s\n", s_dir);
    return 0;
}

/* The position before the oldest retained event (test_stream may have run retention). */
static uint64_t
s_start_position(void)
{
    Verbund__Stream__V1__HeadRequest head = VERBUND__STREAM__V1__HEAD_REQUEST__INIT;
    Verbund__Rpc__V1__Reply *reply = s_request(s_wide, "stream.Head", &head.base, NULL, 5000);
    assert_non_null(reply);
    Verbund__Stream__V1__HeadReply *body = (Verbund__Stream__V1__HeadReply *)
        vb_rpc_reply_unpack(reply, &verbund__stream__v1__head_reply__descriptor);
    vb_rpc_reply_free(reply);
    assert_non_null(body);
    uint64_t position = body->oldest_sequence > 0 ? body->oldest_sequence - 1 : 0;
    protobuf_c_message_free_unpacked(&body->base, NULL);
    return position;
}

/* Creates and renames a person: a created and an updated event. */
static void
s_write_events(void)
{
    char id[VB_UUID_STRING_SIZE], name[64], email[96];
    vb_uuid7(id);
    snprintf(name, sizeof name, "Curve %.8s", id + 28);
    snprintf(email, sizeof email, "curve-%.12s@example.org", id + 24);
    Verbund__Membership__V1__Person person = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    person.name = name;
    person.email = email;
    Verbund__Membership__V1__PersonCreateRequest create =
        VERBUND__MEMBERSHIP__V1__PERSON_CREATE_REQUEST__INIT;
    create.person = &person;
    vb_rpc_call_options_t options = {.deadline_ms = 10000, .caller = &s_admin, .write = true};
    Verbund__Rpc__V1__Reply *reply = NULL;
    assert_int_equal(vb_rpc_client_call(s_membership, "membership.PersonCreate", &create.base,
                                        &options, &reply),
                     VB_STATUS_CREATED);
    Verbund__Membership__V1__PersonReply *created = (Verbund__Membership__V1__PersonReply *)
        vb_rpc_reply_unpack(reply, &verbund__membership__v1__person_reply__descriptor);
    vb_rpc_reply_free(reply);
    assert_non_null(created);
    Verbund__Membership__V1__Person rename = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    rename.name = (char *)"Curve Renamed";
    char *mask[] = {(char *)"name"};
    Verbund__Membership__V1__PersonUpdateRequest update =
        VERBUND__MEMBERSHIP__V1__PERSON_UPDATE_REQUEST__INIT;
    update.id = created->person->id;
    update.expected_version = created->person->version;
    update.person = &rename;
    update.update_mask = mask;
    update.n_update_mask = 1;
    reply = NULL;
    assert_int_equal(vb_rpc_client_call(s_membership, "membership.PersonUpdate", &update.base,
                                        &options, &reply),
                     VB_STATUS_OK);
    vb_rpc_reply_free(reply);
    protobuf_c_message_free_unpacked(&created->base, NULL);
}

/* Receives from sub until quiet_ms pass without a message; counts topics. */
typedef struct {
    int events;
    int heartbeats;
    int outside; /* events whose topic is outside allowed */
} s_tally_t;

static void
s_drain(zsock_t *sub, const char *allowed, int64_t until_us, s_tally_t *tally)
{
    zpoller_t *poller = zpoller_new(sub, NULL);
    while (vb_clock_monotonic_us() < until_us) {
        if (!zpoller_wait(poller, 50))
            continue;
        char *topic = NULL;
        zframe_t *body = NULL;
        if (zsock_recv(sub, "sf", &topic, &body) != 0)
            continue;
        if (streq(topic, VB_STREAM_HEARTBEAT_TOPIC)) {
            tally->heartbeats++;
        } else {
            tally->events++;
            if (strncmp(topic, allowed, strlen(allowed)) != 0)
                tally->outside++;
        }
        zstr_free(&topic);
        zframe_destroy(&body);
    }
    zpoller_destroy(&poller);
}

static void
test_limited_client_sees_only_its_topics(void **state)
{
    (void)state;
    zsock_t *narrow = s_curve_socket(ZMQ_SUB, s_narrow, s_pub);
    zsock_set_subscribe(narrow, ""); /* asks for everything; narrowed by the server */
    zsock_t *wide = s_curve_socket(ZMQ_SUB, s_wide, s_pub);
    zsock_set_subscribe(wide, "verbund.");
    /* wait for heartbeats on the narrow socket: its subscription is in place */
    s_tally_t warmup = {0, 0, 0};
    int64_t deadline = vb_clock_monotonic_us() + 10 * 1000000LL;
    while (warmup.heartbeats == 0 && vb_clock_monotonic_us() < deadline)
        s_drain(narrow, S_NARROW_TOPICS, vb_clock_monotonic_us() + 300000, &warmup);
    assert_true(warmup.heartbeats > 0);
    for (int i = 0; i < 3; i++)
        s_write_events();
    s_tally_t narrow_tally = {0, 0, 0}, wide_tally = {0, 0, 0};
    deadline = vb_clock_monotonic_us() + 10 * 1000000LL;
    while ((narrow_tally.events < 3 || wide_tally.events < 6) &&
           vb_clock_monotonic_us() < deadline) {
        s_drain(narrow, S_NARROW_TOPICS, vb_clock_monotonic_us() + 100000, &narrow_tally);
        s_drain(wide, S_WIDE_TOPICS, vb_clock_monotonic_us() + 100000, &wide_tally);
    }
    assert_true(wide_tally.events >= 6); /* created and updated reach the wide client */
    assert_int_equal(wide_tally.outside, 0);
    assert_true(narrow_tally.events >= 3); /* the updates reach the narrow client ... */
    assert_int_equal(narrow_tally.outside, 0); /* ... and nothing else */
    zsock_destroy(&narrow);
    zsock_destroy(&wide);

    /* replay: everything readable, filtered to the certificate's topics, even for a caller
     * that claims to be an admin in its Envelope */
    Verbund__Stream__V1__ReadRequest read = VERBUND__STREAM__V1__READ_REQUEST__INIT;
    read.limit = 5000;
    read.after = s_start_position();
    Verbund__Rpc__V1__Reply *reply = s_request(s_narrow, "stream.Read", &read.base, &s_admin, 5000);
    assert_non_null(reply);
    assert_int_equal(reply->status, VB_STATUS_OK);
    Verbund__Stream__V1__ReadReply *events = (Verbund__Stream__V1__ReadReply *)
        vb_rpc_reply_unpack(reply, &verbund__stream__v1__read_reply__descriptor);
    assert_non_null(events);
    assert_true(events->n_events >= 3);
    for (size_t i = 0; i < events->n_events; i++)
        assert_int_equal(strncmp(events->events[i]->type, S_NARROW_TOPICS,
                                 strlen(S_NARROW_TOPICS)),
                         0);
    protobuf_c_message_free_unpacked(&events->base, NULL);
    vb_rpc_reply_free(reply);

    char *created[] = {(char *)"verbund.membership.person.created."};
    read.topic_prefixes = created;
    read.n_topic_prefixes = 1;
    reply = s_request(s_narrow, "stream.Read", &read.base, &s_admin, 5000);
    assert_non_null(reply);
    assert_int_equal(reply->status, VB_STATUS_FORBIDDEN);
    vb_rpc_reply_free(reply);
}

static void
test_unknown_key_gets_nothing(void **state)
{
    (void)state;
    zsock_t *sub = s_curve_socket(ZMQ_SUB, s_unknown, s_pub);
    zsock_set_subscribe(sub, "");
    s_write_events();
    s_tally_t tally = {0, 0, 0};
    s_drain(sub, "", vb_clock_monotonic_us() + 1500000, &tally);
    assert_int_equal(tally.events + tally.heartbeats, 0); /* heartbeats are every 200 ms */
    zsock_destroy(&sub);

    Verbund__Stream__V1__ReadRequest read = VERBUND__STREAM__V1__READ_REQUEST__INIT;
    read.after = s_start_position();
    Verbund__Rpc__V1__Reply *reply = s_request(s_unknown, "stream.Read", &read.base, NULL, 1500);
    assert_null(reply);
    /* and a known key on the same server still gets answers */
    reply = s_request(s_wide, "stream.Read", &read.base, NULL, 5000);
    assert_non_null(reply);
    assert_int_equal(reply->status, VB_STATUS_OK);
    vb_rpc_reply_free(reply);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limited_client_sees_only_its_topics),
        cmocka_unit_test(test_unknown_key_gets_nothing),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
