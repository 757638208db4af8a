/* db_notify.c - LISTEN/NOTIFY wake-ups and a session advisory lock on a connection of their own
 * (vb/db_notify.h), so the statement connection of vb/db.h stays untouched.
 * Does not: run application SQL, or block for long (connects use a 5 s connect_timeout). */
#include "vb/db_notify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "vb/assert.h"
#include "vb/clock.h"
#include "vb/log.h"

#define S_RECONNECT_INTERVAL_MS 1000
#define S_CONNECT_TIMEOUT "5"
#define S_MAX_CHANNELS 8

struct vb_db_notify {
    char *conninfo;                   /* copy */
    char *channels[S_MAX_CHANNELS];   /* copies; LISTENed after every connect */
    int channel_count;
    PGconn *conn;                     /* NULL or bad while disconnected */
    int64_t next_attempt_ms;          /* monotonic time of the next reconnect attempt */
    bool connected_once;              /* a later connect is a reconnect */
    bool reconnected;                 /* reported once by vb_db_notify_reconnected */
    bool lock_held;                   /* the advisory lock of try_lock is held on conn */
    int64_t lock_key;
};

static bool
s_channel_valid(const char *channel)
{
    if (!channel || !channel[0] || strlen(channel) > 63)
        return false;
    for (const char *c = channel; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || *c == '_'))
            return false;
    return true;
}

static void
s_disconnect(vb_db_notify_t *self)
{
    if (self->conn)
        PQfinish(self->conn);
    self->conn = NULL;
    self->lock_held = false;
}

/* Connects and LISTENs when the reconnect interval allows it. 0 connected, -1 not. */
static int
s_ensure_connected(vb_db_notify_t *self)
{
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK)
        return 0;
    s_disconnect(self);
    int64_t now = vb_clock_monotonic_us() / 1000;
    if (now < self->next_attempt_ms)
        return -1;
    self->next_attempt_ms = now + S_RECONNECT_INTERVAL_MS;
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *values[] = {self->conninfo, S_CONNECT_TIMEOUT, "verbund-notify", NULL};
    self->conn = PQconnectdbParams(keys, values, 1);
    if (!self->conn || PQstatus(self->conn) != CONNECTION_OK) {
        vb_log_warn("notify connection failed: %s",
                    self->conn ? PQerrorMessage(self->conn) : "out of memory");
        s_disconnect(self);
        return -1;
    }
    for (int i = 0; i < self->channel_count; i++) {
        char sql[96];
        snprintf(sql, sizeof sql, "LISTEN %s", self->channels[i]);
        PGresult *result = PQexec(self->conn, sql);
        bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
        PQclear(result);
        if (!ok) {
            vb_log_warn("notify connection: %s failed: %s", sql, PQerrorMessage(self->conn));
            s_disconnect(self);
            return -1;
        }
    }
    if (PQsetnonblocking(self->conn, 1) != 0) {
        s_disconnect(self);
        return -1;
    }
    if (self->connected_once)
        self->reconnected = true;
    self->connected_once = true;
    return 0;
}

vb_db_notify_t *
vb_db_notify_new(const char *conninfo, const char *const *channels, int channel_count)
{
    VB_ASSERT(conninfo && channel_count >= 0 && channel_count <= S_MAX_CHANNELS);
    vb_db_notify_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup(conninfo);
    if (!self->conninfo)
        goto failed;
    for (int i = 0; i < channel_count; i++) {
        VB_ASSERT(s_channel_valid(channels[i]));
        self->channels[i] = strdup(channels[i]);
        if (!self->channels[i])
            goto failed;
        self->channel_count = i + 1;
    }
    (void)s_ensure_connected(self);
    return self;

failed:
    vb_db_notify_destroy(&self);
    return NULL;
}

void
vb_db_notify_destroy(vb_db_notify_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vb_db_notify_t *self = *self_p;
    s_disconnect(self);
    for (int i = 0; i < self->channel_count; i++)
        free(self->channels[i]);
    free(self->conninfo);
    free(self);
    *self_p = NULL;
}

int
vb_db_notify_socket(vb_db_notify_t *self)
{
    VB_ASSERT(self);
    if (!self->conn || PQstatus(self->conn) != CONNECTION_OK)
        return -1;
    return PQsocket(self->conn);
}

int
vb_db_notify_consume(vb_db_notify_t *self)
{
    VB_ASSERT(self);
    if (s_ensure_connected(self) != 0)
        return -1;
    if (!PQconsumeInput(self->conn) || PQstatus(self->conn) != CONNECTION_OK) {
        vb_log_warn("notify connection lost: %s", PQerrorMessage(self->conn));
        s_disconnect(self);
        return -1;
    }
    int count = 0;
    PGnotify *notify;
    while ((notify = PQnotifies(self->conn)) != NULL) {
        count++;
        PQfreemem(notify);
    }
    return count;
}

bool
vb_db_notify_reconnected(vb_db_notify_t *self)
{
    VB_ASSERT(self);
    bool reconnected = self->reconnected;
    self->reconnected = false;
    return reconnected;
}

int
vb_db_notify_try_lock(vb_db_notify_t *self, int64_t key)
{
    VB_ASSERT(self);
    if (self->lock_held && self->lock_key == key && self->conn &&
        PQstatus(self->conn) == CONNECTION_OK)
        return 1;
    if (s_ensure_connected(self) != 0)
        return -1;
    char key_text[32];
    snprintf(key_text, sizeof key_text, "%lld", (long long)key);
    const char *params[] = {key_text};
    /* Blocking round trip on a non-blocking connection: PQexecParams still waits for the
     * result (non-blocking mode only affects sending). */
    PGresult *result =
        PQexecParams(self->conn, "SELECT pg_try_advisory_lock($1::bigint)", 1, NULL, params,
                     NULL, NULL, 0);
    int rc = -1;
    if (PQresultStatus(result) == PGRES_TUPLES_OK && PQntuples(result) == 1)
        rc = PQgetvalue(result, 0, 0)[0] == 't' ? 1 : 0;
    else
        vb_log_warn("notify connection: advisory lock failed: %s", PQerrorMessage(self->conn));
    PQclear(result);
    if (rc == -1 && PQstatus(self->conn) != CONNECTION_OK)
        s_disconnect(self);
    if (rc == 1) {
        self->lock_held = true;
        self->lock_key = key;
    }
    return rc;
}

bool
vb_db_notify_lock_held(const vb_db_notify_t *self)
{
    VB_ASSERT(self);
    return self->lock_held && self->conn && PQstatus(self->conn) == CONNECTION_OK;
}
