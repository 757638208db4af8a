/* main.c - verbund-gateway: reads config, starts the HTTP daemon, waits for SIGTERM/SIGINT,
 * drains and exits 0. Wiring only; the work is in gateway_http.c.
 * Exit codes: 0 clean stop, 1 bad configuration or arguments, 2 cannot start. */
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <czmq.h>

#include "gateway.h"
#include "gateway_routes.h"
#include "vb/cloudevent.h"
#include "vb/config.h"
#include "vb/czmq_once.h"
#include "vb/log.h"

#define GATEWAY_DRAIN_MS 8000

static const vb_config_entry_t s_config[] = {
    {"VERBUND_HTTP_HOST", VB_CONFIG_STRING, offsetof(gateway_config_t, http_host), "127.0.0.1", 0,
     0, 0, "address the HTTP server binds (loopback unless set)"},
    {"VERBUND_HTTP_PORT", VB_CONFIG_INT, offsetof(gateway_config_t, http_port), "8080", 1, 65535, 0,
     "HTTP port"},
    {"VERBUND_MEMBERSHIP_ENDPOINT", VB_CONFIG_STRING,
     offsetof(gateway_config_t, membership_endpoint), "tcp://127.0.0.1:7101", 0, 0, 0,
     "ZeroMQ endpoint of the membership service"},
    {"VERBUND_COMMUNITIES_ENDPOINT", VB_CONFIG_STRING,
     offsetof(gateway_config_t, communities_endpoint), "tcp://127.0.0.1:7102", 0, 0, 0,
     "ZeroMQ endpoint of the communities service"},
    {"VERBUND_EVENTS_ENDPOINT", VB_CONFIG_STRING, offsetof(gateway_config_t, events_endpoint),
     "tcp://127.0.0.1:7103", 0, 0, 0, "ZeroMQ endpoint of the events service"},
    {"VERBUND_MATCHMAKING_ENDPOINT", VB_CONFIG_STRING,
     offsetof(gateway_config_t, matchmaking_endpoint), "tcp://127.0.0.1:7104", 0, 0, 0,
     "ZeroMQ endpoint of the matchmaking service"},
    {"VERBUND_HTTP_MAX_BODY", VB_CONFIG_INT, offsetof(gateway_config_t, max_body), "1048576", 1024,
     64 * 1024 * 1024, 0, "largest accepted request body in bytes (larger: 413)"},
    {"VERBUND_LOG_LEVEL", VB_CONFIG_STRING, offsetof(gateway_config_t, log_level), "info", 0, 0, 0,
     "debug, info, warn or error"},
    {"VERBUND_GATEWAY_RPC_DEADLINE_MS", VB_CONFIG_INT, offsetof(gateway_config_t, rpc_deadline_ms),
     "5000", 100, 60000, 0, "deadline of one RPC made for an HTTP request"},
    {"VERBUND_HTTP_MAX_CONNECTIONS", VB_CONFIG_INT, offsetof(gateway_config_t, connection_limit),
     "256", 1, 10000, 0, "concurrent HTTP connections (one thread each)"},
    {"VERBUND_STREAM_REPLAY_ENDPOINT", VB_CONFIG_STRING,
     offsetof(gateway_config_t, stream_endpoint), "tcp://127.0.0.1:7202", 0, 0, 0,
     "ZeroMQ replay endpoint of the stream service"},
    {"VERBUND_GATEWAY_SSE_KEEPALIVE_MS", VB_CONFIG_INT,
     offsetof(gateway_config_t, sse_keepalive_ms), "15000", 100, 600000, 0,
     "Server-Sent Events: a comment after this long without events"},
    {"VERBUND_GATEWAY_STREAM_POLL_MS", VB_CONFIG_INT, offsetof(gateway_config_t, stream_poll_ms),
     "100", 10, 10000, 0, "long poll and Server-Sent Events: stream.Read interval when caught up"},
};

static void
s_print_routes(void)
{
    for (size_t i = 0; i < gateway_route_count(); i++)
        printf("%s %s\n", gateway_route_at(i)->http_method, gateway_route_at(i)->pattern);
}

int
main(int argc, char **argv)
{
    bool print_config = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--print-routes") == 0) {
            s_print_routes();
            return 0;
        } else if (strcmp(argv[i], "--print-config") == 0) {
            print_config = true;
        } else {
            fprintf(stderr, "usage: %s [--print-config | --print-routes]\n", argv[0]);
            return 1;
        }
    }

    vb_log_set_service("gateway");
    gateway_t gateway;
    memset(&gateway, 0, sizeof(gateway));
    char err[256];
    if (vb_config_load(s_config, VB_ARRAY_SIZE(s_config), &gateway.config, err, sizeof(err)) < 0) {
        vb_log_error("configuration: %s", err);
        return 1;
    }
    if (print_config) {
        vb_config_print(s_config, VB_ARRAY_SIZE(s_config), &gateway.config, stdout);
        vb_config_free(s_config, VB_ARRAY_SIZE(s_config), &gateway.config);
        return 0;
    }
    vb_log_level_t level;
    if (vb_log_level_parse(gateway.config.log_level, &level) < 0) {
        vb_log_error("VERBUND_LOG_LEVEL: %s is not debug, info, warn or error",
                     gateway.config.log_level);
        vb_config_free(s_config, VB_ARRAY_SIZE(s_config), &gateway.config);
        return 1;
    }
    vb_log_set_level(level);

    /* Signals go to sigwait below: block them before any thread (MHD, ZeroMQ) starts. */
    zsys_handler_set(NULL);
    vb_czmq_init_once(); /* before MHD threads create their RPC clients (vb/czmq_once.h) */
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    int rc = 2;
    vb_cloudevent_register_known_payloads(); /* before threads: /v1/stream renders payloads */
    gateway.metrics = vb_metrics_new();
    gateway.auth = gateway_auth_new();
    if (!gateway.metrics || !gateway.auth) {
        vb_log_error("out of memory at start");
        goto cleanup;
    }
    if (gateway_http_start(&gateway) < 0)
        goto cleanup;
    vb_log_info("listening on http://%s:%lld, membership at %s, stream at %s",
                gateway.config.http_host, (long long)gateway.config.http_port,
                gateway.config.membership_endpoint, gateway.config.stream_endpoint);

    int signal_number = 0;
    sigwait(&signals, &signal_number);
    vb_log_info("%s: draining and stopping", signal_number == SIGINT ? "SIGINT" : "SIGTERM");
    gateway_http_stop(&gateway, GATEWAY_DRAIN_MS);
    rc = 0;

cleanup:
    gateway_auth_destroy(&gateway.auth);
    vb_metrics_destroy(&gateway.metrics);
    vb_config_free(s_config, VB_ARRAY_SIZE(s_config), &gateway.config);
    if (rc == 0)
        vb_log_info("stopped");
    return rc;
}
