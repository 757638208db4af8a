/* vb/write_batch.h - the batch hooks of vb/rpc_server.h over a vb_db_t: one transaction per
 * pass of write calls (group commit) in which one failing call does not undo the others, and
 * idempotency keys: a repeat of (caller, key) with the same method and body returns the stored
 * reply; the same key with a different body gets UNPROCESSABLE. Replies with 5xx statuses are
 * not stored (a retry runs again).
 * A pass runs optimistically first: no savepoints, statements are pipelined, keys are checked
 * by inserting them, and vb_db_write statements are not waited for. If any command of it failed,
 * or a handler answered an error after sending a statement that may write (vb_db_activity; one
 * that failed before touching the database or after reads only is fine), the pass is rolled
 * back and run once more carefully (VB_RPC_BATCH_RETRY), with a savepoint per call. So a
 * handler may run twice for one request, the first run rolled back: handlers keep their effects
 * inside the transaction (cache invalidations, which are harmless when repeated, are the
 * exception), and a handler that fails must do so through its return status, never by
 * answering success over a write it meant to undo.
 * The service's schema must contain this table (put it in the service's first migration):
 *
 *   CREATE TABLE idempotency (
 *       caller_id text NOT NULL, key text NOT NULL, method text NOT NULL,
 *       request_hash bytea NOT NULL, reply bytea NOT NULL,
 *       created_at timestamptz NOT NULL DEFAULT now(),
 *       PRIMARY KEY (caller_id, key));
 *
 * Keys are kept 24 hours (vb_write_batch_expire removes older ones). Methods flagged
 * VB_RPC_SECRET_REPLY (token creation) ignore the key: their reply is never stored. */
#ifndef VB_WRITE_BATCH_H
#define VB_WRITE_BATCH_H

#include "vb/db.h"
#include "vb/rpc_server.h"

typedef struct vb_write_batch vb_write_batch_t;

/* db is borrowed and must outlive the object. Prepares its statements on db. NULL on error. */
vb_write_batch_t *vb_write_batch_new(vb_db_t *db);
void vb_write_batch_destroy(vb_write_batch_t **self_p);

/* Hooks for vb_rpc_server_options_t.batch_hooks; borrowed from self. */
const vb_rpc_batch_hooks_t *vb_write_batch_hooks(vb_write_batch_t *self);

/* Deletes idempotency rows older than max_age_seconds. Returns rows deleted or -1. */
int64_t vb_write_batch_expire(vb_write_batch_t *self, int64_t max_age_seconds);

#endif
