/* write_batch.c - the RPC batch hooks over vb_db_t: one transaction per pass of writes, and
 * idempotency keys stored with the packed Reply they produced.
 * The transaction is pipelined (vb_db_begin_pipelined): BEGIN, SAVEPOINT, RELEASE and the
 * idempotency INSERT are queued and ride along with the next statement whose result is needed.
 * A pass first runs optimistically, without a savepoint per call (one costs PostgreSQL about a
 * third of a batched create): keys are not looked up, the INSERT of each key is the check (a key
 * seen before makes it fail), so a call costs no round trip of its own beyond what its handler
 * needs. Nothing can be undone call by call there, so the pass is void as soon as any command of
 * it failed (the transaction is aborted) or a handler answered an error after it sent a
 * statement that may write (vb_db_activity; a call that failed having only read, or before
 * touching the database, stays in the pass). A void pass is not committed: batch_end rolls it
 * back and asks the RPC server to run it again (VB_RPC_BATCH_RETRY), and the calls after the
 * voiding one are not run in the void pass at all. That second run is careful: a savepoint per
 * call, so a failing call is rolled back alone; each key is looked up before its handler runs (a
 * repeat gets the stored reply), and a key INSERT that failed is noticed at the next round trip,
 * its call rolled back alone (ROLLBACK TO its savepoint, which the skipped RELEASE left) and
 * answered UNAVAILABLE.
 * Does not: decide which methods write (the method table's flags do) or retry a commit. */
#include "vb/write_batch.h"

#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "vb/log.h"

#define S_SAVEPOINT "vb_call"
#define S_MAX_KEY_LENGTH 255
#define S_HASH_SIZE crypto_generichash_BYTES /* 32 */

static const vb_db_statement_t s_statements[] = {
    /* the stored answer of (caller, key) */
    {"vb_write_batch_idempotency_get",
     "SELECT method, encode(request_hash, 'hex'), encode(reply, 'hex') FROM idempotency"
     " WHERE caller_id = $1 AND key = $2"},
    /* records the answer of a call that used a key */
    {"vb_write_batch_idempotency_put",
     "INSERT INTO idempotency (caller_id, key, method, request_hash, reply)"
     " VALUES ($1, $2, $3, decode($4, 'hex'), decode($5, 'hex'))"},
    /* forgets keys older than $1 seconds */
    {"vb_write_batch_idempotency_expire",
     "DELETE FROM idempotency WHERE created_at < now() - $1::bigint * interval '1 second'"},
};

struct vb_write_batch {
    vb_db_t *db;                 /* borrowed */
    vb_rpc_batch_hooks_t hooks;  /* handed to the RPC server; context = self */
    bool call_active;            /* call_begin opened the savepoint and let the handler run */
    bool call_has_key;           /* the active call carries an idempotency key */
    char request_hash[S_HASH_SIZE * 2 + 1]; /* hex hash of the active call's method and body */
    vb_rpc_call_t *pending_call; /* its key INSERT is queued, outcome not read yet */
    vb_status_t pending_status;  /* that INSERT's outcome once read */
    bool optimistic;             /* this pass has no savepoints and checks keys by inserting
                                    them (see the top) */
    bool careful_next;           /* the optimistic pass failed: run the retry carefully */
    vb_db_activity_t pass_start; /* the database's activity when the pass began */
    uint64_t call_writes;        /* activity.writes when the active call began */
    bool pass_void;              /* optimistic: a call failed after it may have written */
};

/* What a stored row said, read by the row callback. */
typedef struct {
    bool found;
    char *method;       /* malloc'd */
    char *request_hash; /* malloc'd hex */
    char *reply_hex;    /* malloc'd hex of a packed Reply */
} s_stored_t;

static int
s_read_stored(void *arg, const vb_db_row_t *row)
{
    s_stored_t *stored = arg;
    stored->found = true;
    stored->method = strdup(vb_db_row_text(row, 0));
    stored->request_hash = strdup(vb_db_row_text(row, 1));
    stored->reply_hex = strdup(vb_db_row_text(row, 2));
    return 1;
}

static void
s_stored_free(s_stored_t *stored)
{
    free(stored->method);
    free(stored->request_hash);
    free(stored->reply_hex);
}

/* Replies with 5xx statuses are not stored: a retry must run again. */
static bool
s_status_storable(vb_status_t status)
{
    return status != VB_STATUS_INTERNAL && status != VB_STATUS_UNAVAILABLE &&
           status != VB_STATUS_DEADLINE_EXCEEDED;
}

static const char *
s_caller_id(const vb_rpc_call_t *call)
{
    const Verbund__Rpc__V1__Caller *caller = call->envelope->caller;
    return caller && caller->id ? caller->id : "";
}

static const char *
s_key(const vb_rpc_call_t *call)
{
    const char *key = call->envelope->idempotency_key;
    return key ? key : "";
}

static void
s_request_hash(const vb_rpc_call_t *call, char hex[S_HASH_SIZE * 2 + 1])
{
    const Verbund__Rpc__V1__Envelope *envelope = call->envelope;
    const char *method = envelope->method ? envelope->method : "";
    unsigned char hash[S_HASH_SIZE];
    crypto_generichash_state state;
    crypto_generichash_init(&state, NULL, 0, sizeof hash);
    /* The NUL keeps "a" + "bc" apart from "ab" + "c". */
    crypto_generichash_update(&state, (const unsigned char *) method, strlen(method) + 1);
    if (envelope->body.len > 0)
        crypto_generichash_update(&state, envelope->body.data, envelope->body.len);
    crypto_generichash_final(&state, hash, sizeof hash);
    sodium_bin2hex(hex, S_HASH_SIZE * 2 + 1, hash, sizeof hash);
}

/* Puts a stored Reply into the call (copies live in the call's arena). */
static void
s_replay(vb_rpc_call_t *call, const char *reply_hex)
{
    size_t hex_length = strlen(reply_hex);
    unsigned char *packed = vb_arena_alloc(call->arena, hex_length / 2 + 1);
    size_t packed_length = 0;
    Verbund__Rpc__V1__Reply *reply = NULL;
    if (sodium_hex2bin(packed, hex_length / 2 + 1, reply_hex, hex_length, NULL, &packed_length,
                       NULL) == 0)
        reply = verbund__rpc__v1__reply__unpack(vb_arena_protobuf_allocator(call->arena),
                                                packed_length, packed);
    if (!reply) {
        vb_log_error("idempotency: stored reply of %s is unreadable", call->envelope->method);
        call->status = VB_STATUS_INTERNAL;
        call->message = "stored reply for this idempotency key is unreadable";
        return;
    }
    /* Everything the unpacked message points to lives in the arena already. */
    call->status = (vb_status_t) reply->status;
    call->message = reply->message;
    call->reply_body = reply->body;
    call->field_errors = reply->field_errors;
    call->field_error_count = reply->n_field_errors;
}

/* Records the call's reply for its key (inside the call's savepoint). */
static vb_status_t
s_store_reply(vb_write_batch_t *self, vb_rpc_call_t *call)
{
    ProtobufCBinaryData body = call->reply_body;
    if (call->reply) {
        body.len = protobuf_c_message_get_packed_size(call->reply);
        body.data = vb_arena_alloc(call->arena, body.len + 1);
        protobuf_c_message_pack(call->reply, body.data);
    }
    Verbund__Rpc__V1__Reply reply = VERBUND__RPC__V1__REPLY__INIT;
    reply.status = (Verbund__Rpc__V1__Status) call->status;
    reply.message = (char *) (call->message ? call->message : "");
    reply.field_errors = call->field_errors;
    reply.n_field_errors = call->field_errors ? call->field_error_count : 0;
    reply.body = body;
    size_t packed_length = verbund__rpc__v1__reply__get_packed_size(&reply);
    uint8_t *packed = vb_arena_alloc(call->arena, packed_length + 1);
    verbund__rpc__v1__reply__pack(&reply, packed);
    char *reply_hex = vb_arena_alloc(call->arena, packed_length * 2 + 1);
    sodium_bin2hex(reply_hex, packed_length * 2 + 1, packed, packed_length);

    const char *params[] = {s_caller_id(call), s_key(call), call->envelope->method,
                            self->request_hash, reply_hex};
    return vb_db_send(self->db, "vb_write_batch_idempotency_put", params, 5,
                      &self->pending_status);
}

/* The call's key could not be stored: its answer must not be committed without the key (a
 * retry would apply the write twice; a concurrent twin that got CONFLICT has stored its own). */
static void
s_call_unavailable(vb_rpc_call_t *call)
{
    call->status = VB_STATUS_UNAVAILABLE;
    call->message = "could not record the idempotency key; retry with the same key";
    call->reply = NULL;
    call->reply_body.len = 0;
    call->reply_body.data = NULL;
    call->field_errors = NULL;
    call->field_error_count = 0;
}

/* After a round trip: when the previous call's key INSERT failed, the server skipped its
 * RELEASE and everything queued after it; undo that call alone (its savepoint still exists).
 * Returns true when it did (what was queued after the INSERT must be sent again). */
static bool
s_settle_pending(vb_write_batch_t *self)
{
    vb_rpc_call_t *call = self->pending_call;
    self->pending_call = NULL;
    if (!call || self->pending_status == VB_STATUS_OK)
        return false;
    vb_log_warn("write batch: storing idempotency key: %s", vb_db_error(self->db));
    if (vb_db_rollback_to(self->db, S_SAVEPOINT) != VB_STATUS_OK ||
        vb_db_release(self->db, S_SAVEPOINT) != VB_STATUS_OK)
        vb_log_warn("write batch: rollback to savepoint: %s", vb_db_error(self->db));
    s_call_unavailable(call);
    return true;
}

/* An optimistic pass must be rolled back: a command failed (the transaction is aborted, and
 * some handler may have taken the failure of another call's queued write for its own), or a
 * call failed after it may have written and there is no savepoint to undo it alone. */
static bool
s_pass_void(const vb_write_batch_t *self)
{
    return self->pass_void || vb_db_activity(self->db).failures != self->pass_start.failures;
}

static int
s_batch_begin(void *context)
{
    vb_write_batch_t *self = context;
    VB_ASSERT(!vb_db_in_transaction(self->db));
    self->pending_call = NULL;
    self->optimistic = !self->careful_next;
    self->careful_next = false;
    vb_db_set_optimistic(self->db, self->optimistic);
    if (vb_db_begin_pipelined(self->db) != VB_STATUS_OK) {
        vb_db_set_optimistic(self->db, false);
        vb_log_warn("write batch: begin: %s", vb_db_error(self->db));
        return -1;
    }
    self->pass_start = vb_db_activity(self->db);
    self->pass_void = false;
    return 0;
}

static vb_rpc_begin_t
s_call_begin(void *context, vb_rpc_call_t *call)
{
    vb_write_batch_t *self = context;
    VB_ASSERT(call && call->envelope);
    self->call_active = false;
    self->call_has_key = false;
    const char *key = s_key(call);
    if (strlen(key) > S_MAX_KEY_LENGTH) {
        call->status = VB_STATUS_BAD_REQUEST;
        call->message = "idempotency key longer than 255 bytes";
        return VB_RPC_REPLIED;
    }
    /* A reply holding a secret is never stored, so its key is not looked up either. */
    bool lookup = *key && !(call->method_flags & VB_RPC_SECRET_REPLY);
    if (self->optimistic) {
        if (s_pass_void(self)) {
            /* Whatever it answered would be rolled back with the pass: the careful run
             * answers it (this answer is never sent). */
            call->status = VB_STATUS_UNAVAILABLE;
            call->message = "the pass is run again call by call";
            return VB_RPC_REPLIED;
        }
        /* No savepoint and no lookup: the key's INSERT in call_end fails if it was used
         * before, and then the pass is run again carefully. */
        if (lookup)
            s_request_hash(call, self->request_hash);
        self->call_writes = vb_db_activity(self->db).writes;
        self->call_active = true;
        self->call_has_key = lookup;
        return VB_RPC_RUN_HANDLER;
    }
    vb_status_t status;
    s_stored_t stored = {0};
    if (lookup)
        s_request_hash(call, self->request_hash);
    for (;;) {
        status = vb_db_savepoint(self->db, S_SAVEPOINT);
        if (status != VB_STATUS_OK) {
            call->status = status == VB_STATUS_UNAVAILABLE ? status : VB_STATUS_INTERNAL;
            call->message = "database unavailable";
            (void) s_settle_pending(self);
            return VB_RPC_REPLIED;
        }
        if (lookup) {
            const char *params[] = {s_caller_id(call), key};
            status = vb_db_run(self->db, "vb_write_batch_idempotency_get", params, 2,
                               s_read_stored, &stored, NULL);
        } else if (self->pending_call) {
            status = vb_db_flush(self->db); /* learn the previous key's fate first */
        }
        if (!s_settle_pending(self))
            break;
        /* This call's SAVEPOINT and lookup were skipped with the failed INSERT: again. */
        s_stored_free(&stored);
        memset(&stored, 0, sizeof stored);
    }
    if (!lookup) {
        if (status != VB_STATUS_OK) {
            call->status = status == VB_STATUS_UNAVAILABLE ? status : VB_STATUS_INTERNAL;
            call->message = "database unavailable";
            if (vb_db_rollback_to(self->db, S_SAVEPOINT) != VB_STATUS_OK ||
                vb_db_release(self->db, S_SAVEPOINT) != VB_STATUS_OK)
                vb_log_warn("write batch: releasing savepoint: %s", vb_db_error(self->db));
            return VB_RPC_REPLIED;
        }
        self->call_active = true;
        return VB_RPC_RUN_HANDLER;
    }
    if (status == VB_STATUS_OK && stored.found &&
        (!stored.method || !stored.request_hash || !stored.reply_hex))
        status = VB_STATUS_INTERNAL; /* out of memory copying the row */
    if (status != VB_STATUS_OK || stored.found) {
        if (status != VB_STATUS_OK) {
            call->status = status;
            call->message = status == VB_STATUS_BAD_REQUEST ? "idempotency key is not valid text"
                                                            : "idempotency lookup failed";
        } else if (strcmp(stored.method, call->envelope->method) == 0 &&
                   strcmp(stored.request_hash, self->request_hash) == 0) {
            s_replay(call, stored.reply_hex);
        } else {
            call->status = VB_STATUS_UNPROCESSABLE;
            call->message = "idempotency key reused with a different request";
        }
        s_stored_free(&stored);
        if (vb_db_rollback_to(self->db, S_SAVEPOINT) != VB_STATUS_OK ||
            vb_db_release(self->db, S_SAVEPOINT) != VB_STATUS_OK)
            vb_log_warn("write batch: releasing savepoint: %s", vb_db_error(self->db));
        return VB_RPC_REPLIED;
    }
    s_stored_free(&stored);
    self->call_active = true;
    self->call_has_key = true;
    return VB_RPC_RUN_HANDLER;
}

/* call_end of an optimistic pass: no savepoint to release or roll back to. */
static void
s_call_end_optimistic(vb_write_batch_t *self, vb_rpc_call_t *call)
{
    if (!vb_status_is_success(call->status) &&
        vb_db_activity(self->db).writes != self->call_writes) {
        /* Its writes cannot be undone alone (and need not be recorded): the careful run
         * does this call in a savepoint of its own. */
        self->pass_void = true;
        return;
    }
    /* A failure of the queued INSERT (a used key) is counted in vb_db_activity's failures and
     * voids the pass; a failure to send it means the connection is gone. */
    if (self->call_has_key && s_status_storable(call->status) &&
        s_store_reply(self, call) != VB_STATUS_OK)
        self->pass_void = true;
}

static void
s_call_end(void *context, vb_rpc_call_t *call)
{
    vb_write_batch_t *self = context;
    if (!self->call_active)
        return; /* call_begin answered it; nothing is open */
    self->call_active = false;
    if (self->optimistic) {
        s_call_end_optimistic(self, call);
        return;
    }
    vb_db_t *db = self->db;
    bool success = vb_status_is_success(call->status);
    if (!success && vb_db_rollback_to(db, S_SAVEPOINT) != VB_STATUS_OK)
        vb_log_warn("write batch: rollback to savepoint: %s", vb_db_error(db));
    if (self->call_has_key && s_status_storable(call->status)) {
        vb_status_t status = s_store_reply(self, call);
        if (status == VB_STATUS_OK) {
            /* Queued: its outcome is read with the next round trip (s_settle_pending); the
             * RELEASE below is skipped by the server if it fails. */
            self->pending_call = call;
        } else {
            vb_log_warn("write batch: storing idempotency key: %s", vb_db_error(db));
            if (vb_db_rollback_to(db, S_SAVEPOINT) != VB_STATUS_OK)
                vb_log_warn("write batch: rollback to savepoint: %s", vb_db_error(db));
            s_call_unavailable(call);
        }
    }
    if (vb_db_release(db, S_SAVEPOINT) != VB_STATUS_OK)
        vb_log_warn("write batch: release savepoint: %s", vb_db_error(db));
}

/* Commits an optimistic pass, or rolls it back and asks for the careful run when the pass is
 * void (s_pass_void: a used key, a failed statement, a call that failed after writing) or its
 * COMMIT failed (a deferred constraint: the careful run finds out whether it fails again). */
static int
s_batch_end_optimistic(vb_write_batch_t *self)
{
    vb_status_t status = VB_STATUS_INTERNAL;
    if (!s_pass_void(self))
        status = vb_db_commit(self->db);
    if (status == VB_STATUS_OK)
        return 0;
    if (vb_db_in_transaction(self->db) && vb_db_rollback(self->db) != VB_STATUS_OK)
        vb_log_warn("write batch: rollback: %s", vb_db_error(self->db));
    if (status == VB_STATUS_UNAVAILABLE || !vb_db_connected(self->db))
        return -1; /* the connection is gone: nothing to retry on */
    self->careful_next = true;
    return VB_RPC_BATCH_RETRY;
}

static int
s_batch_end(void *context)
{
    vb_write_batch_t *self = context;
    self->call_active = false;
    vb_db_set_optimistic(self->db, false);
    if (!vb_db_in_transaction(self->db)) {
        self->pending_call = NULL;
        return -1;
    }
    if (self->optimistic)
        return s_batch_end_optimistic(self);
    vb_status_t status = vb_db_commit(self->db);
    if (status != VB_STATUS_OK && vb_db_in_transaction(self->db) && self->pending_call &&
        self->pending_status != VB_STATUS_OK) {
        /* The last call's key INSERT failed and the COMMIT was skipped: undo that call alone
         * and commit the others. */
        (void) s_settle_pending(self);
        status = vb_db_commit(self->db);
    }
    self->pending_call = NULL;
    if (status != VB_STATUS_OK) {
        vb_log_warn("write batch: commit: %s", vb_db_error(self->db));
        if (vb_db_in_transaction(self->db) && vb_db_rollback(self->db) != VB_STATUS_OK)
            vb_log_warn("write batch: rollback: %s", vb_db_error(self->db));
        return -1;
    }
    return 0;
}

vb_write_batch_t *
vb_write_batch_new(vb_db_t *db)
{
    VB_ASSERT(db);
    if (sodium_init() < 0)
        return NULL;
    vb_write_batch_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->db = db;
    self->hooks.context = self;
    self->hooks.batch_begin = s_batch_begin;
    self->hooks.call_begin = s_call_begin;
    self->hooks.call_end = s_call_end;
    self->hooks.batch_end = s_batch_end;
    if (vb_db_add_statements(db, s_statements, VB_ARRAY_SIZE(s_statements)) != 0) {
        vb_log_error("write batch: preparing statements: %s", vb_db_error(db));
        free(self);
        return NULL;
    }
    return self;
}

void
vb_write_batch_destroy(vb_write_batch_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free(*self_p);
    *self_p = NULL;
}

const vb_rpc_batch_hooks_t *
vb_write_batch_hooks(vb_write_batch_t *self)
{
    VB_ASSERT(self);
    return &self->hooks;
}

int64_t
vb_write_batch_expire(vb_write_batch_t *self, int64_t max_age_seconds)
{
    VB_ASSERT(self && max_age_seconds >= 0);
    char age[24];
    snprintf(age, sizeof age, "%lld", (long long) max_age_seconds);
    const char *params[] = {age};
    int64_t deleted = 0;
    if (vb_db_run(self->db, "vb_write_batch_idempotency_expire", params, 1, NULL, NULL,
                  &deleted) != VB_STATUS_OK) {
        vb_log_warn("write batch: expiring idempotency keys: %s", vb_db_error(self->db));
        return -1;
    }
    return deleted;
}
