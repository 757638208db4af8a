/* outbox.c - appends a service's events to its outbox table inside the caller's transaction
 * and wakes the stream service with a NOTIFY that PostgreSQL delivers only on commit
 * (vb/outbox.h). Does not: begin or commit transactions, or relay rows (the stream service does).
 */
#include "vb/outbox.h"

#include <stdlib.h>
#include <string.h>

#include "vb/ids.h"
#include "vb/log.h"

/* One statement: the row and its wake-up are one round trip. pg_notify inside a transaction
 * is queued by PostgreSQL and sent only when the transaction commits (dropped on rollback);
 * repeated (channel, payload) pairs of one transaction are folded into one notification. */
static const vb_db_statement_t s_statements[] = {
    /* $1 id, $2 type, $3 subject, $4 dataschema, $5 data (bytea hex), $6 service */
    {"vb_outbox_append",
     "WITH appended AS ("
     " INSERT INTO outbox (id, type, subject, dataschema, data)"
     " VALUES ($1::uuid, $2, $3, $4, $5::bytea) RETURNING position)"
     " SELECT pg_notify('verbund_outbox', $6::text) FROM appended"},
    /* $1 subject, $2 data (bytea hex), $3 dataschema of the replacement */
    {"vb_outbox_redact", "UPDATE outbox SET data = $2::bytea, dataschema = $3 WHERE subject = $1"},
};

struct vb_outbox {
    vb_db_t *db;   /* borrowed: the service's connection */
    char *service; /* NOTIFY payload: the short service name */
};

vb_outbox_t *
vb_outbox_new(vb_db_t *db, const char *service)
{
    VB_ASSERT(db && service && service[0]);
    vb_outbox_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->db = db;
    self->service = strdup(service);
    if (!self->service ||
        vb_db_add_statements(db, s_statements, sizeof s_statements / sizeof s_statements[0]) !=
            0) {
        if (self->service)
            vb_log_error("outbox: preparing statements: %s", vb_db_error(db));
        vb_outbox_destroy(&self);
        return NULL;
    }
    return self;
}

void
vb_outbox_destroy(vb_outbox_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vb_outbox_t *self = *self_p;
    free(self->service);
    free(self);
    *self_p = NULL;
}

/* The packed message as a bytea text parameter ("\x" and hex digits). Caller frees. NULL when
 * out of memory. */
static char *
s_pack_hex(const ProtobufCMessage *message)
{
    static const char digits[] = "0123456789abcdef";
    size_t size = protobuf_c_message_get_packed_size(message);
    uint8_t *packed = malloc(size ? size : 1);
    char *hex = malloc(2 + 2 * size + 1);
    if (!packed || !hex) {
        free(packed);
        free(hex);
        return NULL;
    }
    VB_ASSERT(protobuf_c_message_pack(message, packed) == size);
    hex[0] = '\\';
    hex[1] = 'x';
    for (size_t i = 0; i < size; i++) {
        hex[2 + 2 * i] = digits[packed[i] >> 4];
        hex[3 + 2 * i] = digits[packed[i] & 0x0f];
    }
    hex[2 + 2 * size] = '\0';
    free(packed);
    return hex;
}

vb_status_t
vb_outbox_append(vb_outbox_t *self, const char *type, const char *subject,
                 const ProtobufCMessage *data)
{
    VB_ASSERT(self && type && type[0] && subject && data);
    char *hex = s_pack_hex(data);
    if (!hex)
        return VB_STATUS_INTERNAL;
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    const char *params[] = {id, type, subject, data->descriptor->name, hex, self->service};
    /* Queued inside an optimistic write batch: an append only fails with its transaction. */
    vb_status_t status = vb_db_write(self->db, "vb_outbox_append", params, 6);
    free(hex);
    return status;
}

vb_status_t
vb_outbox_redact(vb_outbox_t *self, const char *subject, const ProtobufCMessage *redacted)
{
    VB_ASSERT(self && subject && redacted);
    char *hex = s_pack_hex(redacted);
    if (!hex)
        return VB_STATUS_INTERNAL;
    const char *params[] = {subject, hex, redacted->descriptor->name};
    vb_status_t status = vb_db_run(self->db, "vb_outbox_redact", params, 3, NULL, NULL, NULL);
    free(hex);
    return status;
}
