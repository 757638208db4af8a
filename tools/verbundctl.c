/* verbundctl - operator's command line for a node: checks that the membership service answers
 * (rpc.Ping), creates API tokens (membership.TokenCreate) as an admin caller, prints the
 * node's event stream as JSON lines (tail, through the subscriber library), and creates and
 * shows the stream's CURVE certificates (cert create / cert show: local files only, via zcert).
 * It speaks ZeroMQ to VERBUND_MEMBERSHIP_ENDPOINT directly, so it must run where that socket
 * is reachable (on the node itself; the service binds 127.0.0.1 by default).
 * Does not: go through the gateway, read or store tokens, or manage services. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "verbund/common/v1/types.pb-c.h"
#include "verbund/membership/v1/membership.pb-c.h"
#include "verbund/rpc/v1/rpc.pb-c.h"
#include "verbund/stream/v1/stream.pb-c.h"
#include "vb/clock.h"
#include "vb/cloudevent.h"
#include "vb/ids.h"
#include "vb/log.h"
#include "vb/rpc_client.h"
#include "vb/status.h"
#include "vb/subscriber.h"

#define DEFAULT_ENDPOINT "tcp://127.0.0.1:7101"
#define DEFAULT_STREAM_PUB_ENDPOINT "tcp://127.0.0.1:7201"
#define DEFAULT_STREAM_REPLAY_ENDPOINT "tcp://127.0.0.1:7202"
#define TAIL_MAX_TOPICS 32
#define CERT_MAX_TOPICS 32         /* the stream accepts at most 32 prefixes per certificate */
#define CERT_MAX_TOPIC_LENGTH 128  /* and 1..128 characters of [a-z0-9._-] each */
#define CERT_MAX_NAME_LENGTH 64

/* Exit codes, documented in the usage text. */
enum {
    EXIT_OK = 0,
    EXIT_REFUSED = 1,     /* the service answered with an error */
    EXIT_USAGE = 2,       /* bad command line */
    EXIT_UNAVAILABLE = 3, /* no answer: service down or unreachable */
    EXIT_SNAPSHOT = 4,    /* tail: the position is older than the stream's retention */
};

typedef struct {
    const char *endpoint;
    int timeout_ms;
} ctl_options_t;

static void
s_usage(FILE *out)
{
    fputs("usage: verbundctl [--endpoint tcp://HOST:PORT] [--timeout MS] COMMAND\n"
          "\n"
          "commands:\n"
          "  ping                         check that the membership service answers\n"
          "  token create --role admin|staff|member [--person ID] [--label TEXT]\n"
          "               [--ttl SECONDS]  create an API token (printed once on stdout)\n"
          "  tail [--after SEQ] [--topic PREFIX]... [--follow|--no-follow] [--count N]\n"
          "       [--server-key Z85 --cert FILE]\n"
          "                               print stream events as JSON lines (CloudEvents JSON):\n"
          "                               after SEQ (default: from the oldest retained event),\n"
          "                               only types starting with a PREFIX (repeatable), until\n"
          "                               interrupted (--follow, the default) or caught up\n"
          "                               (--no-follow), at most N events; CURVE with the\n"
          "                               server's public key and a client certificate file\n"
          "  cert create NAME --dir DIR [--topic PREFIX]...\n"
          "                               make a CURVE key pair (zcert): DIR/NAME.cert (public,\n"
          "                               for the stream's VERBUND_STREAM_CURVE_CLIENTS_DIR) and\n"
          "                               DIR/NAME.cert_secret (mode 600); metadata name=NAME,\n"
          "                               topics=the prefixes, comma-joined (a client sees only\n"
          "                               those; without --topic none); prints the public key\n"
          "  cert show FILE               print a certificate's public key and metadata\n"
          "                               (never the secret key)\n"
          "\n"
          "The endpoint defaults to $VERBUND_MEMBERSHIP_ENDPOINT, else " DEFAULT_ENDPOINT ".\n"
          "tail uses $VERBUND_STREAM_PUB_ENDPOINT (" DEFAULT_STREAM_PUB_ENDPOINT ") and\n"
          "$VERBUND_STREAM_REPLAY_ENDPOINT (" DEFAULT_STREAM_REPLAY_ENDPOINT ").\n"
          "verbundctl talks to the service's ZeroMQ socket as an admin, so run it on the node.\n"
          "exit: 0 ok, 1 refused by the service (tail: or stdout failed; cert: a file exists,\n"
          "      cannot be written or is not a certificate), 2 usage, 3 service unavailable,\n"
          "      4 tail: --after is older than the stream's retention (snapshot required)\n",
          out);
}

/* Prints a failed reply (status, message, field errors) to stderr; returns the exit code. */
static int
s_report_failure(const char *what, vb_status_t status, const Verbund__Rpc__V1__Reply *reply)
{
    if (!reply) {
        fprintf(stderr, "verbundctl: %s: no reply (%s); is the membership service running?\n",
                what, vb_status_name(status));
        return EXIT_UNAVAILABLE;
    }
    fprintf(stderr, "verbundctl: %s: %s", what, vb_status_name(status));
    if (reply->message && reply->message[0])
        fprintf(stderr, ": %s", reply->message);
    fputc('\n', stderr);
    for (size_t i = 0; i < reply->n_field_errors; i++)
        fprintf(stderr, "  %s: %s\n", reply->field_errors[i]->field,
                reply->field_errors[i]->message);
    return status == VB_STATUS_UNAVAILABLE || status == VB_STATUS_DEADLINE_EXCEEDED
               ? EXIT_UNAVAILABLE
               : EXIT_REFUSED;
}

static vb_rpc_client_t *
s_client_new(const ctl_options_t *options)
{
    vb_rpc_client_options_t client_options = {
        .endpoint = options->endpoint,
        .attempt_timeout_ms = options->timeout_ms,
        .max_attempts = 2,
    };
    vb_rpc_client_t *client = vb_rpc_client_new(&client_options);
    if (!client)
        fprintf(stderr, "verbundctl: cannot create a client for %s\n", options->endpoint);
    return client;
}

static int
s_cmd_ping(const ctl_options_t *options, int argc, char **argv)
{
    (void) argv;
    if (argc != 1) {
        s_usage(stderr);
        return EXIT_USAGE;
    }
    vb_rpc_client_t *client = s_client_new(options);
    if (!client)
        return EXIT_UNAVAILABLE;

    Verbund__Common__V1__Empty request = VERBUND__COMMON__V1__EMPTY__INIT;
    Verbund__Rpc__V1__Reply *reply = NULL;
    int64_t started = vb_clock_monotonic_us();
    vb_status_t status = vb_rpc_client_call(client, "rpc.Ping", &request.base, NULL, &reply);
    int64_t took_us = vb_clock_monotonic_us() - started;

    int rc = EXIT_OK;
    if (vb_status_is_success(status))
        printf("pong from %s in %.2f ms\n", options->endpoint, (double) took_us / 1000.0);
    else
        rc = s_report_failure("ping", status, reply);
    if (reply)
        vb_rpc_reply_free(reply);
    vb_rpc_client_destroy(&client);
    return rc;
}

/* Role names as on the command line and in the API. */
static const struct {
    const char *name;
    Verbund__Rpc__V1__Role role;
} s_roles[] = {
    {"admin", VERBUND__RPC__V1__ROLE__ROLE_ADMIN},   /* everything */
    {"staff", VERBUND__RPC__V1__ROLE__ROLE_STAFF},   /* the office: all members' data */
    {"member", VERBUND__RPC__V1__ROLE__ROLE_MEMBER}, /* one person: only itself */
};

static const char *
s_role_name(Verbund__Rpc__V1__Role role)
{
    for (size_t i = 0; i < VB_ARRAY_SIZE(s_roles); i++)
        if (s_roles[i].role == role)
            return s_roles[i].name;
    return "unknown";
}

static int
s_cmd_token_create(const ctl_options_t *options, int argc, char **argv)
{
    static const struct option long_options[] = {
        {"role", required_argument, NULL, 'r'},
        {"person", required_argument, NULL, 'p'},
        {"label", required_argument, NULL, 'l'},
        {"ttl", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    Verbund__Membership__V1__TokenCreateRequest request =
        VERBUND__MEMBERSHIP__V1__TOKEN_CREATE_REQUEST__INIT;
    const char *role_name = NULL;
    int option;

    /* The generated INIT sets strings to "" (protobuf-c's empty string), never NULL. */

    optind = 1;
    while ((option = getopt_long(argc, argv, "r:p:l:t:h", long_options, NULL)) != -1) {
        switch (option) {
        case 'r':
            role_name = optarg;
            break;
        case 'p':
            request.person_id = optarg;
            break;
        case 'l':
            request.label = optarg;
            break;
        case 't': {
            char *end = NULL;
            errno = 0;
            long long ttl = strtoll(optarg, &end, 10);
            if (errno || end == optarg || *end || ttl <= 0) {
                fprintf(stderr, "verbundctl: --ttl: '%s' is not a positive number of seconds\n",
                        optarg);
                return EXIT_USAGE;
            }
            request.ttl_seconds = ttl;
            break;
        }
        case 'h':
            s_usage(stdout);
            return EXIT_OK;
        default:
            s_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc || !role_name) {
        fprintf(stderr, "verbundctl: token create needs --role admin|staff|member\n");
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < VB_ARRAY_SIZE(s_roles); i++)
        if (strcmp(role_name, s_roles[i].name) == 0)
            request.role = s_roles[i].role;
    if (request.role == VERBUND__RPC__V1__ROLE__ROLE_UNSPECIFIED) {
        fprintf(stderr, "verbundctl: --role: '%s' is not admin, staff or member\n", role_name);
        return EXIT_USAGE;
    }
    if (request.role == VERBUND__RPC__V1__ROLE__ROLE_MEMBER && !request.person_id[0]) {
        fprintf(stderr, "verbundctl: a member token needs --person ID\n");
        return EXIT_USAGE;
    }
    if (request.person_id[0] && !vb_uuid_valid(request.person_id)) {
        fprintf(stderr, "verbundctl: --person: '%s' is not a person id (a UUID)\n",
                request.person_id);
        return EXIT_USAGE;
    }

    vb_rpc_client_t *client = s_client_new(options);
    if (!client)
        return EXIT_UNAVAILABLE;
    Verbund__Rpc__V1__Caller caller = VERBUND__RPC__V1__CALLER__INIT;
    caller.id = "verbundctl";
    caller.role = VERBUND__RPC__V1__ROLE__ROLE_ADMIN;
    vb_rpc_call_options_t call_options = {.caller = &caller, .write = true};
    Verbund__Rpc__V1__Reply *reply = NULL;
    vb_status_t status = vb_rpc_client_call(client, "membership.TokenCreate", &request.base,
                                            &call_options, &reply);
    int rc = EXIT_OK;
    if (!vb_status_is_success(status)) {
        rc = s_report_failure("token create", status, reply);
    } else {
        Verbund__Membership__V1__TokenCreateReply *created =
            (Verbund__Membership__V1__TokenCreateReply *) vb_rpc_reply_unpack(
                reply, &verbund__membership__v1__token_create_reply__descriptor);
        if (!created || !created->token || !created->token[0]) {
            fprintf(stderr, "verbundctl: token create: the reply does not decode\n");
            rc = EXIT_REFUSED;
        } else {
            /* The token alone on stdout, so TOKEN=$(verbundctl token create ...) works. */
            printf("%s\n", created->token);
            fprintf(stderr, "token id %s, role %s%s%s, expires %s (shown once; keep it safe)\n",
                    created->id, s_role_name(created->role),
                    created->person_id && created->person_id[0] ? ", person " : "",
                    created->person_id ? created->person_id : "", created->expires_at);
        }
        if (created)
            protobuf_c_message_free_unpacked(&created->base, NULL);
    }
    if (reply)
        vb_rpc_reply_free(reply);
    vb_rpc_client_destroy(&client);
    return rc;
}

/* --- tail --- */

typedef struct {
    long long remaining; /* events still to print; -1 = no limit */
    int failed;          /* stdout could not be written */
} tail_state_t;

static int
s_tail_print(void *arg, const vb_cloudevent_t *event)
{
    tail_state_t *state = arg;
    json_t *json = vb_cloudevent_to_json(event);
    char *line = json ? json_dumps(json, JSON_COMPACT) : NULL;
    json_decref(json);
    if (!line || puts(line) == EOF || fflush(stdout) == EOF)
        state->failed = 1;
    free(line);
    if (state->remaining > 0)
        state->remaining--;
    return state->failed || state->remaining == 0;
}

static const char *
s_env_or(const char *name, const char *fallback)
{
    const char *value = getenv(name);
    return value && value[0] ? value : fallback;
}

/* The replay socket's oldest and newest sequence (stream.Head); EXIT_OK or an exit code. */
static int
s_tail_head(const char *endpoint, const char *server_key, const char *cert, int timeout_ms,
            uint64_t *oldest, uint64_t *newest)
{
    vb_rpc_client_options_t client_options = {
        .endpoint = endpoint,
        .attempt_timeout_ms = timeout_ms,
        .max_attempts = 2,
        .curve_server_public_key = server_key,
        .curve_client_certificate = cert,
    };
    vb_rpc_client_t *client = vb_rpc_client_new(&client_options);
    if (!client) {
        fprintf(stderr, "verbundctl: cannot create a client for %s\n", endpoint);
        return EXIT_UNAVAILABLE;
    }
    Verbund__Rpc__V1__Caller caller = VERBUND__RPC__V1__CALLER__INIT;
    caller.id = "verbundctl";
    caller.role = VERBUND__RPC__V1__ROLE__ROLE_ADMIN;
    vb_rpc_call_options_t call_options = {.caller = &caller};
    Verbund__Stream__V1__HeadRequest request = VERBUND__STREAM__V1__HEAD_REQUEST__INIT;
    Verbund__Rpc__V1__Reply *reply = NULL;
    vb_status_t status =
        vb_rpc_client_call(client, "stream.Head", &request.base, &call_options, &reply);
    int rc = EXIT_OK;
    if (!vb_status_is_success(status)) {
        rc = s_report_failure("tail: stream.Head", status, reply);
    } else {
        Verbund__Stream__V1__HeadReply *head = (Verbund__Stream__V1__HeadReply *)
            vb_rpc_reply_unpack(reply, &verbund__stream__v1__head_reply__descriptor);
        if (!head) {
            fprintf(stderr, "verbundctl: tail: the stream.Head reply does not decode\n");
            rc = EXIT_REFUSED;
        } else {
            *oldest = head->oldest_sequence;
            *newest = head->newest_sequence;
            protobuf_c_message_free_unpacked(&head->base, NULL);
        }
    }
    if (reply)
        vb_rpc_reply_free(reply);
    vb_rpc_client_destroy(&client);
    return rc;
}

static int
s_parse_count(const char *flag, const char *text, long long *value)
{
    char *end = NULL;
    errno = 0;
    long long parsed = strtoll(text, &end, 10);
    if (errno || end == text || *end || parsed < 0) {
        fprintf(stderr, "verbundctl: %s: '%s' is not a number >= 0\n", flag, text);
        return -1;
    }
    *value = parsed;
    return 0;
}

static int
s_cmd_tail(const ctl_options_t *options, int argc, char **argv)
{
    static const struct option long_options[] = {
        {"after", required_argument, NULL, 'a'},
        {"topic", required_argument, NULL, 't'},
        {"follow", no_argument, NULL, 'f'},
        {"no-follow", no_argument, NULL, 'F'},
        {"count", required_argument, NULL, 'n'},
        {"server-key", required_argument, NULL, 'k'},
        {"cert", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *topics[TAIL_MAX_TOPICS];
    size_t topic_count = 0;
    long long after = -1, count = -1;
    bool follow = true;
    const char *server_key = NULL, *cert = NULL;
    int option;

    optind = 1;
    while ((option = getopt_long(argc, argv, "a:t:fFn:k:c:h", long_options, NULL)) != -1) {
        switch (option) {
        case 'a':
            if (s_parse_count("--after", optarg, &after) == -1)
                return EXIT_USAGE;
            break;
        case 't':
            if (topic_count == TAIL_MAX_TOPICS || !optarg[0]) {
                fprintf(stderr, "verbundctl: --topic: 1..%d non-empty prefixes\n",
                        TAIL_MAX_TOPICS);
                return EXIT_USAGE;
            }
            topics[topic_count++] = optarg;
            break;
        case 'f':
            follow = true;
            break;
        case 'F':
            follow = false;
            break;
        case 'n':
            if (s_parse_count("--count", optarg, &count) == -1)
                return EXIT_USAGE;
            break;
        case 'k':
            server_key = optarg;
            break;
        case 'c':
            cert = optarg;
            break;
        case 'h':
            s_usage(stdout);
            return EXIT_OK;
        default:
            s_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc) {
        s_usage(stderr);
        return EXIT_USAGE;
    }
    if (!server_key != !cert || (server_key && strlen(server_key) != 40)) {
        fprintf(stderr, "verbundctl: CURVE needs --server-key (40 Z85 characters) and --cert\n");
        return EXIT_USAGE;
    }
    if (count == 0)
        return EXIT_OK;

    const char *pub = s_env_or("VERBUND_STREAM_PUB_ENDPOINT", DEFAULT_STREAM_PUB_ENDPOINT);
    const char *replay =
        s_env_or("VERBUND_STREAM_REPLAY_ENDPOINT", DEFAULT_STREAM_REPLAY_ENDPOINT);
    uint64_t oldest = 0, newest = 0;
    int rc = s_tail_head(replay, server_key, cert, options->timeout_ms, &oldest, &newest);
    if (rc != EXIT_OK)
        return rc;
    uint64_t start_after = after >= 0 ? (uint64_t)after : (oldest > 0 ? oldest - 1 : newest);

    vb_cloudevent_register_known_payloads();
    tail_state_t state = {.remaining = count};
    vb_subscriber_options_t subscriber_options = {
        .pub_endpoint = pub,
        .replay_endpoint = replay,
        .topic_prefixes = topics,
        .topic_prefix_count = topic_count,
        .start_after = start_after,
        .curve_server_public_key = server_key,
        .curve_client_certificate = cert,
        .on_event = s_tail_print,
        .arg = &state,
    };
    vb_subscriber_t *subscriber = vb_subscriber_new(&subscriber_options);
    if (!subscriber) {
        fprintf(stderr, "verbundctl: tail: cannot connect to %s / %s\n", pub, replay);
        return EXIT_UNAVAILABLE;
    }
    /* --no-follow: stop once everything stored when we started has been considered. */
    while (!zsys_interrupted && !state.failed && state.remaining != 0) {
        if (vb_subscriber_process(subscriber, follow ? 500 : 0) == -1) {
            vb_status_t status = vb_subscriber_status(subscriber);
            fprintf(stderr, "verbundctl: tail: %s\n", vb_subscriber_error(subscriber));
            if (status == VB_STATUS_SNAPSHOT_REQUIRED) {
                rc = EXIT_SNAPSHOT;
                break;
            }
            if (status == VB_STATUS_FORBIDDEN || status == VB_STATUS_INTERNAL) {
                rc = EXIT_REFUSED;
                break;
            }
            if (!follow) {
                rc = EXIT_UNAVAILABLE;
                break;
            }
            continue; /* following: the stream comes back, the subscriber catches up */
        }
        if (!follow && vb_subscriber_position(subscriber) >= newest)
            break;
    }
    if (state.failed && rc == EXIT_OK) {
        fprintf(stderr, "verbundctl: tail: cannot write to stdout\n");
        rc = EXIT_REFUSED;
    }
    vb_subscriber_destroy(&subscriber);
    return rc;
}

/* --- cert --- */

/* A prefix the stream accepts in a certificate's "topics" (stream_topics.c has the same rule). */
static bool
s_cert_topic_valid(const char *prefix)
{
    size_t length = strlen(prefix);
    if (length == 0 || length > CERT_MAX_TOPIC_LENGTH)
        return false;
    for (const char *c = prefix; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' || *c == '_' ||
              *c == '-'))
            return false;
    return true;
}

/* A certificate name is also a file name: [A-Za-z0-9._-], not starting with '.'. */
static bool
s_cert_name_valid(const char *name)
{
    size_t length = strlen(name);
    if (length == 0 || length > CERT_MAX_NAME_LENGTH || name[0] == '.')
        return false;
    for (const char *c = name; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '.' || *c == '_' || *c == '-'))
            return false;
    return true;
}

static int
s_cmd_cert_create(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"dir", required_argument, NULL, 'd'},
        {"topic", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *dir = NULL;
    const char *topics[CERT_MAX_TOPICS];
    size_t topic_count = 0;
    int option;

    optind = 0; /* 0: re-initialise getopt, so NAME may come before the options */
    while ((option = getopt_long(argc, argv, "d:t:h", long_options, NULL)) != -1) {
        switch (option) {
        case 'd':
            dir = optarg;
            break;
        case 't':
            if (!s_cert_topic_valid(optarg)) {
                fprintf(stderr,
                        "verbundctl: --topic: '%s' is not a topic prefix (1..%d characters of "
                        "a-z 0-9 . _ -)\n",
                        optarg, CERT_MAX_TOPIC_LENGTH);
                return EXIT_USAGE;
            }
            if (topic_count == CERT_MAX_TOPICS) {
                fprintf(stderr, "verbundctl: --topic: at most %d prefixes\n", CERT_MAX_TOPICS);
                return EXIT_USAGE;
            }
            topics[topic_count++] = optarg;
            break;
        case 'h':
            s_usage(stdout);
            return EXIT_OK;
        default:
            s_usage(stderr);
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || !dir || !dir[0]) {
        fprintf(stderr, "verbundctl: usage: cert create NAME --dir DIR [--topic PREFIX]...\n");
        return EXIT_USAGE;
    }
    const char *name = argv[optind];
    if (!s_cert_name_valid(name)) {
        fprintf(stderr,
                "verbundctl: cert create: '%s' is not a certificate name (1..%d characters of "
                "A-Z a-z 0-9 . _ -, not starting with '.')\n",
                name, CERT_MAX_NAME_LENGTH);
        return EXIT_USAGE;
    }
    if (!zsys_has_curve()) {
        fprintf(stderr, "verbundctl: cert create: this libzmq has no CURVE support\n");
        return EXIT_REFUSED;
    }

    struct stat info;
    if (stat(dir, &info) == -1 || !S_ISDIR(info.st_mode)) {
        fprintf(stderr, "verbundctl: cert create: --dir %s is not a directory\n", dir);
        return EXIT_REFUSED;
    }
    char public_path[4096], secret_path[sizeof public_path + sizeof "_secret"];
    int length = snprintf(public_path, sizeof public_path, "%s/%s.cert", dir, name);
    if (length < 0 || (size_t) length >= sizeof public_path) {
        fprintf(stderr, "verbundctl: cert create: the path is too long\n");
        return EXIT_USAGE;
    }
    snprintf(secret_path, sizeof secret_path, "%s_secret", public_path);
    /* Never replace a key pair: clients or the server may already use it. */
    if (stat(public_path, &info) == 0 || stat(secret_path, &info) == 0) {
        fprintf(stderr, "verbundctl: cert create: %s or %s exists; not replaced\n", public_path,
                secret_path);
        return EXIT_REFUSED;
    }

    char joined[CERT_MAX_TOPICS * (CERT_MAX_TOPIC_LENGTH + 1) + 1];
    size_t used = 0;
    for (size_t i = 0; i < topic_count; i++) {
        size_t item = strlen(topics[i]);
        if (i > 0)
            joined[used++] = ',';
        memcpy(joined + used, topics[i], item);
        used += item;
    }
    joined[used] = '\0';

    zcert_t *certificate = zcert_new();
    if (!certificate) {
        fprintf(stderr, "verbundctl: cert create: cannot make a key pair\n");
        return EXIT_REFUSED;
    }
    zcert_set_meta(certificate, "name", "%s", name);
    if (topic_count > 0)
        zcert_set_meta(certificate, "topics", "%s", joined);
    /* zcert_save writes NAME.cert and NAME.cert_secret; the secret file gets mode 600. */
    int rc = EXIT_OK;
    if (zcert_save(certificate, public_path) != 0) {
        fprintf(stderr, "verbundctl: cert create: cannot write %s: %s\n", public_path,
                strerror(errno));
        rc = EXIT_REFUSED;
    } else {
        printf("%s\n", zcert_public_txt(certificate));
        fprintf(stderr,
                "wrote %s (public) and %s (secret: keep it where only its owner reads it)%s\n",
                public_path, secret_path,
                topic_count > 0 ? ""
                                : "; no --topic: as a client certificate it allows no events");
    }
    zcert_destroy(&certificate);
    return rc;
}

static int
s_cmd_cert_show(int argc, char **argv)
{
    if (argc != 2 || argv[1][0] == '-') {
        if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
            s_usage(stdout);
            return EXIT_OK;
        }
        fprintf(stderr, "verbundctl: usage: cert show FILE\n");
        return EXIT_USAGE;
    }
    const char *path = argv[1];
    /* zcert_load reads FILE and, when it exists, FILE_secret. */
    zcert_t *certificate = zcert_load(path);
    if (!certificate) {
        fprintf(stderr, "verbundctl: cert show: %s is missing or not a zcert certificate\n",
                path);
        return EXIT_REFUSED;
    }
    bool has_secret =
        strcmp(zcert_secret_txt(certificate), "0000000000000000000000000000000000000000") != 0;
    printf("file: %s\n", path);
    printf("public-key: %s\n", zcert_public_txt(certificate));
    printf("secret-key: %s\n", has_secret ? "present (not shown)" : "absent");
    zlist_t *keys = zcert_meta_keys(certificate);
    for (const char *key = keys ? zlist_first(keys) : NULL; key; key = zlist_next(keys))
        printf("meta %s: %s\n", key, zcert_meta(certificate, key));
    zlist_destroy(&keys);
    zcert_destroy(&certificate);
    return EXIT_OK;
}

int
main(int argc, char **argv)
{
    static const struct option long_options[] = {
        {"endpoint", required_argument, NULL, 'e'},
        {"timeout", required_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    ctl_options_t options = {.endpoint = getenv("VERBUND_MEMBERSHIP_ENDPOINT"),
                             .timeout_ms = 2000};
    if (!options.endpoint || !options.endpoint[0])
        options.endpoint = DEFAULT_ENDPOINT;

    vb_log_set_service("verbundctl");
    vb_log_set_level(VB_LOG_WARN);
    const char *level = getenv("VERBUND_LOG_LEVEL");
    vb_log_level_t parsed;
    if (level && vb_log_level_parse(level, &parsed) == 0)
        vb_log_set_level(parsed);

    /* "+": stop at the first non-option, the command; its own options follow it. */
    int option;
    while ((option = getopt_long(argc, argv, "+e:T:h", long_options, NULL)) != -1) {
        switch (option) {
        case 'e':
            options.endpoint = optarg;
            break;
        case 'T': {
            char *end = NULL;
            errno = 0;
            long timeout = strtol(optarg, &end, 10);
            if (errno || end == optarg || *end || timeout < 10 || timeout > 600000) {
                fprintf(stderr, "verbundctl: --timeout: '%s' is not 10..600000 ms\n", optarg);
                return EXIT_USAGE;
            }
            options.timeout_ms = (int) timeout;
            break;
        }
        case 'h':
            s_usage(stdout);
            return EXIT_OK;
        default:
            s_usage(stderr);
            return EXIT_USAGE;
        }
    }
    int rest = argc - optind;
    char **args = argv + optind;
    if (rest >= 1 && strcmp(args[0], "ping") == 0)
        return s_cmd_ping(&options, rest, args);
    if (rest >= 2 && strcmp(args[0], "token") == 0 && strcmp(args[1], "create") == 0)
        return s_cmd_token_create(&options, rest - 1, args + 1);
    if (rest >= 1 && strcmp(args[0], "tail") == 0)
        return s_cmd_tail(&options, rest, args);
    if (rest >= 2 && strcmp(args[0], "cert") == 0 && strcmp(args[1], "create") == 0)
        return s_cmd_cert_create(rest - 1, args + 1);
    if (rest >= 2 && strcmp(args[0], "cert") == 0 && strcmp(args[1], "show") == 0)
        return s_cmd_cert_show(rest - 1, args + 1);
    s_usage(stderr);
    return EXIT_USAGE;
}
