/* vb/db_notify.h - a second PostgreSQL connection for LISTEN/NOTIFY wake-ups and session
 * advisory locks (leader election): its socket goes into a poll set, consume reads what
 * arrived. It reconnects by itself (at most once a second) and then LISTENs again; a lock held
 * on a lost connection is lost, which vb_db_notify_lock_held reports.
 * Does not: run application statements (vb/db.h does), or deliver payloads (a wake-up only). */
#ifndef VB_DB_NOTIFY_H
#define VB_DB_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

typedef struct vb_db_notify vb_db_notify_t;

/* Connects to conninfo and LISTENs on each channel (identifiers chosen by code, [a-z_]+;
 * copied). A failed first connection is not an error: it is retried by consume. NULL only on
 * a bad argument or out of memory. */
vb_db_notify_t *vb_db_notify_new(const char *conninfo, const char *const *channels,
                                 int channel_count);
void vb_db_notify_destroy(vb_db_notify_t **self_p);

/* The connection's socket for poll(), or -1 while disconnected (it changes on reconnect). */
int vb_db_notify_socket(vb_db_notify_t *self);

/* Reads what the socket holds without blocking and counts the notifications. Returns that
 * count (>= 0), or -1 while the connection is down (a reconnect is tried, at most once a
 * second; after one, call it as if notifications had arrived: some may have been missed). */
int vb_db_notify_consume(vb_db_notify_t *self);

/* True once after every successful reconnect (not the first connect): events may have been
 * missed while the connection was down. */
bool vb_db_notify_reconnected(vb_db_notify_t *self);

/* pg_try_advisory_lock(key) on this connection. 1 held (now or already), 0 another session
 * holds it, -1 disconnected. */
int vb_db_notify_try_lock(vb_db_notify_t *self, int64_t key);

/* True while the lock taken by vb_db_notify_try_lock is held (false after a reconnect). */
bool vb_db_notify_lock_held(const vb_db_notify_t *self);

#endif
