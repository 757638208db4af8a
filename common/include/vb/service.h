/* vb/service.h - the loop of a service process: a CZMQ zloop with the RPC server as a reader,
 * named timers, and SIGTERM/SIGINT delivered through a self-pipe on the loop thread
 * (zsys_handler_set(NULL) is called; CZMQ's own handler is not used). On a signal the service
 * stops taking new work, answers what is already queued on its socket (up to drain_ms), and
 * vb_service_run returns 0 - within 10 s.
 * Does not: open databases or caches (main.c does and passes them in). */
#ifndef VB_SERVICE_H
#define VB_SERVICE_H

#include <czmq.h>

#include "vb/rpc_server.h"

typedef struct vb_service vb_service_t;

typedef struct {
    vb_rpc_server_options_t rpc; /* service name, endpoint, method table, hooks, metrics */
    int drain_ms;                /* default 5000 */
} vb_service_options_t;

/* Creates the RPC server (binds) and the loop. NULL on failure (logged). */
vb_service_t *vb_service_new(const vb_service_options_t *options);
void vb_service_destroy(vb_service_t **self_p);

/* Calls fn(context) every interval_ms on the loop thread; name is for logs. 0 or -1. */
int vb_service_add_timer(vb_service_t *self, const char *name, int interval_ms,
                         void (*fn)(void *context), void *context);

/* Runs until SIGTERM/SIGINT or vb_service_stop. 0 after a clean shutdown, -1 on loop error.
 * Calls sd_notify-style readiness nowhere: readiness is the bound socket. */
int vb_service_run(vb_service_t *self);

/* Asks the loop to stop after the current pass (same thread only). */
void vb_service_stop(vb_service_t *self);

/* The RPC server, for tests and metrics. Borrowed. */
vb_rpc_server_t *vb_service_rpc(vb_service_t *self);

#endif
