/* gateway.h - the HTTP gateway's context: configuration, metrics, the token cache and the HTTP
 * daemon, created in main.c and passed explicitly. HTTP handling is in gateway_http.c,
 * authentication in gateway_auth.c, the route table in gateway_routes.c, the event stream
 * endpoints in gateway_stream_http.c.
 * Does not: own any service state; every request becomes one RPC to a service. */
#ifndef GATEWAY_H
#define GATEWAY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "verbund/rpc/v1/rpc.pb-c.h"
#include "vb/arena.h"
#include "vb/metrics.h"
#include "vb/rpc_client.h"
#include "vb/status.h"
#include "gateway_routes.h"

typedef struct {
    char *http_host;           /* VERBUND_HTTP_HOST: address to bind, loopback by default */
    int64_t http_port;         /* VERBUND_HTTP_PORT */
    char *membership_endpoint; /* VERBUND_MEMBERSHIP_ENDPOINT */
    char *communities_endpoint; /* VERBUND_COMMUNITIES_ENDPOINT */
    char *events_endpoint;      /* VERBUND_EVENTS_ENDPOINT */
    char *matchmaking_endpoint; /* VERBUND_MATCHMAKING_ENDPOINT */
    int64_t max_body;          /* VERBUND_HTTP_MAX_BODY: bytes; larger bodies get 413 */
    char *log_level;           /* VERBUND_LOG_LEVEL */
    int64_t rpc_deadline_ms;   /* VERBUND_GATEWAY_RPC_DEADLINE_MS: per request */
    int64_t connection_limit;  /* VERBUND_HTTP_MAX_CONNECTIONS */
    char *stream_endpoint;     /* VERBUND_STREAM_REPLAY_ENDPOINT: stream.Read for /v1/stream */
    int64_t sse_keepalive_ms;  /* VERBUND_GATEWAY_SSE_KEEPALIVE_MS: comment after this silence */
    int64_t stream_poll_ms;    /* VERBUND_GATEWAY_STREAM_POLL_MS: long poll / SSE read interval */
} gateway_config_t;

typedef struct gateway_auth gateway_auth_t;

typedef struct {
    gateway_config_t config;   /* loaded by main.c */
    vb_metrics_t *metrics;     /* the gateway's own series, shown on /metrics */
    gateway_auth_t *auth;      /* cache of recently verified tokens */
    pthread_key_t client_keys[GATEWAY_SERVICE_COUNT]; /* per-thread vb_rpc_client_t, one per
                                                          service */
    atomic_bool stopping;      /* set by gateway_http_stop: long polls and SSE streams end */
    struct MHD_Daemon *daemon; /* the HTTP server, NULL when not running */
    int listen_fd;             /* after quiesce: the listening socket we must close; else -1 */
    atomic_int in_flight;      /* requests received and not yet completed */
} gateway_t;

/* --- gateway_http.c --- */

/* Starts the HTTP daemon on host:port (threads of its own). 0, or -1 (logged). */
int gateway_http_start(gateway_t *self);

/* Stops accepting connections, waits up to drain_ms for requests in flight, stops the daemon. */
void gateway_http_stop(gateway_t *self, int drain_ms);

/* The calling thread's RPC client to service (created on first use, destroyed when the thread
 * ends), or NULL when it cannot be created. */
vb_rpc_client_t *gateway_service_client(gateway_t *self, gateway_service_t service);

/* The calling thread's client to the membership service (tokens, health). */
vb_rpc_client_t *gateway_rpc_client(gateway_t *self);

/* The same for the stream service (VERBUND_STREAM_REPLAY_ENDPOINT). */
vb_rpc_client_t *gateway_stream_client(gateway_t *self);

/* --- gateway_auth.c --- */

gateway_auth_t *gateway_auth_new(void);
void gateway_auth_destroy(gateway_auth_t **self_p);

/* Verifies a bearer token with membership.TokenVerify (or the 5 s cache) and fills caller
 * (strings in arena). OK, UNAUTHENTICATED (unknown, forged or expired token) or
 * UNAVAILABLE / DEADLINE_EXCEEDED (membership did not answer). */
vb_status_t gateway_auth_verify(gateway_t *self, vb_rpc_client_t *client, const char *token,
                                const char *trace_id, vb_arena_t *arena,
                                Verbund__Rpc__V1__Caller *caller);

/* The caller the gateway itself uses for TokenVerify and Health. */
void gateway_auth_self_caller(Verbund__Rpc__V1__Caller *caller);

#endif
