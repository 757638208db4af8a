/* vb/outbox.h - a service's events, written into its own outbox table in the same transaction
 * as the state change they describe (so an event exists exactly when its change committed).
 * The stream service moves outbox rows into the node-wide log and deletes them; a NOTIFY on
 * channel "verbund_outbox" (payload: the service name) wakes it after the commit.
 * The service's schema must contain this table (put it in a migration):
 *
 *   CREATE TABLE outbox (
 *       position bigserial PRIMARY KEY,
 *       id uuid NOT NULL UNIQUE,                 -- the CloudEvent id (UUIDv7)
 *       type text NOT NULL,                      -- verbund.<service>.<entity>.<verb>.v1
 *       subject text NOT NULL,                   -- the entity id
 *       time timestamptz NOT NULL DEFAULT clock_timestamp(),
 *       dataschema text NOT NULL,                -- the payload message's full name
 *       data bytea NOT NULL);                    -- the packed payload
 *
 * Does not: publish anything itself, or open transactions (the caller's write batch does). */
#ifndef VB_OUTBOX_H
#define VB_OUTBOX_H

#include <protobuf-c/protobuf-c.h>

#include "vb/db.h"

typedef struct vb_outbox vb_outbox_t;

/* Registers the outbox statements on db (borrowed; must outlive the object). service is the
 * short service name ("membership"), copied. NULL on error. */
vb_outbox_t *vb_outbox_new(vb_db_t *db, const char *service);
void vb_outbox_destroy(vb_outbox_t **self_p);

/* Appends one event inside the caller's open transaction. type is the full CloudEvent type
 * ("verbund.membership.person.created.v1"); subject the entity id; data the payload (packed
 * here; its descriptor's name becomes dataschema). Returns the vb_db_run status. */
vb_status_t vb_outbox_append(vb_outbox_t *self, const char *type, const char *subject,
                             const ProtobufCMessage *data) VB_MUSTCHECK;

/* Erasure: replaces the data of every event with this subject still waiting in the outbox by
 * redacted (e.g. a payload holding the id only). The log's copies are scrubbed by the stream
 * service when it relays the erasure event. */
vb_status_t vb_outbox_redact(vb_outbox_t *self, const char *subject,
                             const ProtobufCMessage *redacted) VB_MUSTCHECK;

#endif
