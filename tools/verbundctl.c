/* verbundctl - operator's command line for a node: checks that the membership service answers
 * (rpc.Ping) and creates API tokens (membership.TokenCreate) as an admin caller.
 * It speaks ZeroMQ to VERBUND_MEMBERSHIP_ENDPOINT directly, so it must run where that socket
 * is reachable (on the node itself; the service binds 127.0.0.1 by default).
 * Does not: go through the gateway, read or store tokens, or manage services. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verbund/common/v1/types.pb-c.h"
#include "verbund/membership/v1/membership.pb-c.h"
#include "verbund/rpc/v1/rpc.pb-c.h"
#include "vb/clock.h"
#include "vb/ids.h"
#include "vb/log.h"
#include "vb/rpc_client.h"
#include "vb/status.h"

#define DEFAULT_ENDPOINT "tcp://127.0.0.1:7101"

/* Exit codes, documented in the usage text. */
enum {
    EXIT_OK = 0,
    EXIT_REFUSED = 1,     /* the service answered with an error */
    EXIT_USAGE = 2,       /* bad command line */
    EXIT_UNAVAILABLE = 3, /* no answer: service down or unreachable */
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
          "\n"
          "The endpoint defaults to $VERBUND_MEMBERSHIP_ENDPOINT, else " DEFAULT_ENDPOINT ".\n"
          "verbundctl talks to the service's ZeroMQ socket as an admin, so run it on the node.\n"
          "exit: 0 ok, 1 refused by the service, 2 usage, 3 service unavailable\n",
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
        verbund__rpc__v1__reply__free_unpacked(reply, NULL);
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
        verbund__rpc__v1__reply__free_unpacked(reply, NULL);
    vb_rpc_client_destroy(&client);
    return rc;
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
    s_usage(stderr);
    return EXIT_USAGE;
}
