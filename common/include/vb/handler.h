/* vb/handler.h - what every service's request handlers share: who the caller is and the
 * policies of who may call (anyone, authenticated, self, staff, admin), the checks of common
 * request fields (ids, page size, page cursor, reason) with their replies, validation errors
 * collected as field errors and turned into an UNPROCESSABLE reply, a store failure turned into
 * a reply, the next page's cursor, times as text, and appending an event in the call's
 * transaction. Every function that refuses sets the reply (vb_rpc_fail, vb_rpc_field_error) and
 * returns the status (or -1), so a handler only returns it; strings are built in call->arena.
 * Does not: know any service's messages or rules beyond these (who organises an event, who
 * hosts a community stay in the service, built on these pieces), or log successes. */
#ifndef VB_HANDLER_H
#define VB_HANDLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/assert.h"
#include "vb/db.h"
#include "vb/outbox.h"
#include "vb/rpc_server.h"
#include "vb/status.h"

#define VB_HANDLER_DEFAULT_LIMIT 50 /* page size when a list request gives none */
#define VB_HANDLER_MAX_LIMIT 200    /* the largest page a list request may ask for */
#define VB_HANDLER_REASON_MAX 1000  /* characters of a reason given for a change */
#define VB_HANDLER_MAX_FIELD_ERRORS 32

/* Who may call a handler. The caller's role comes from the envelope (the gateway sets it). */
typedef enum {
    VB_HANDLER_ANYONE,        /* even without a caller: the gateway asks before it knows one */
    VB_HANDLER_AUTHENTICATED, /* any role */
    VB_HANDLER_SELF,          /* staff roles, or the member whose person is acted on */
    VB_HANDLER_STAFF,         /* admin, staff, service */
    VB_HANDLER_ADMIN,         /* admin only */
} vb_handler_policy_t;

/* ---- the caller ---- */

/* The envelope's caller role; ROLE_UNSPECIFIED when there is no caller. */
Verbund__Rpc__V1__Role vb_handler_role(const vb_rpc_call_t *call);
/* The caller's person id, "" when none. Borrowed from the envelope. */
const char *vb_handler_caller_person(const vb_rpc_call_t *call);
/* Admin, staff or service: who acts for the office. */
bool vb_handler_is_staff(const vb_rpc_call_t *call);
/* Any known role (admin, staff, member, service). */
bool vb_handler_is_authenticated(const vb_rpc_call_t *call);

/* OK when the caller may act under policy; person_id is the person acted on (SELF; may be NULL
 * otherwise). Else UNAUTHENTICATED (no known role) or FORBIDDEN, reply set. */
vb_status_t vb_handler_authorize(vb_rpc_call_t *call, vb_handler_policy_t policy,
                                 const char *person_id);

/* ---- request fields ---- */

/* A required id: OK, or BAD_REQUEST with a field error when id is not a UUID. */
vb_status_t vb_handler_check_id(vb_rpc_call_t *call, const char *field, const char *id);
/* An optional id: "" and NULL are OK, anything else as vb_handler_check_id. */
vb_status_t vb_handler_check_optional_id(vb_rpc_call_t *call, const char *field, const char *id);
/* An optional reason: NULL or valid UTF-8 of at most VB_HANDLER_REASON_MAX characters without
 * control characters other than line breaks and tabs; else UNPROCESSABLE with a field error. */
vb_status_t vb_handler_check_reason(vb_rpc_call_t *call, const char *reason);

/* A page size: 0 means VB_HANDLER_DEFAULT_LIMIT, 1..VB_HANDLER_MAX_LIMIT is taken as is.
 * 0 with *out set, or -1 with BAD_REQUEST and a field error on "limit". */
int vb_handler_limit(vb_rpc_call_t *call, int32_t limit, int *out) VB_MUSTCHECK;

/* An optional page cursor (vb/cursor.h): *after is NULL for none ("" or NULL), else the id to
 * page after (arena). 0, or -1 with BAD_REQUEST and a field error on "cursor". */
int vb_handler_cursor(vb_rpc_call_t *call, const char *cursor, const char **after) VB_MUSTCHECK;

/* The next_cursor of a page fetched with limit + 1 rows: "" when *count <= limit (the last
 * page); else *count is trimmed to limit and the cursor of last_id (the id of the limit-th
 * row, a UUID) is returned (arena). */
char *vb_handler_next_cursor(vb_rpc_call_t *call, size_t *count, int limit, const char *last_id);

/* Finishes a list handler: sets call->reply to a new reply of type (every list reply has a
 * repeated message field "items" and a string "next_cursor") holding the page of items (an
 * array of message pointers, arena) fetched with limit + 1 rows; key_field names the string
 * field of an item the list is ordered by ("id", "person_id"). Returns the reply. */
void *vb_handler_list_reply(vb_rpc_call_t *call, const ProtobufCMessageDescriptor *type,
                            void *items, size_t count, int limit, const char *key_field);

/* ---- validation errors ---- */

typedef struct {
    char field[128];   /* "person.skills[1].code" */
    char message[160]; /* "is not in the competence taxonomy" */
} vb_handler_field_error_t;

/* Errors found by validation; start zeroed. Pure data: validators fill it without a call. */
typedef struct {
    vb_handler_field_error_t items[VB_HANDLER_MAX_FIELD_ERRORS];
    int count; /* may exceed VB_HANDLER_MAX_FIELD_ERRORS; only the first are kept */
} vb_handler_errors_t;

/* Adds one field error (printf-style message, cut to fit). */
void vb_handler_errors_add(vb_handler_errors_t *errors, const char *field, const char *fmt, ...)
    VB_PRINTF(3, 4);

/* OK when errors is empty; else every kept error as a field error and status (normally
 * UNPROCESSABLE) with "<what> is not valid (<n> field errors)". */
vb_status_t vb_handler_check_errors(vb_rpc_call_t *call, const vb_handler_errors_t *errors,
                                    vb_status_t status, const char *what);

/* ---- replies ---- */

/* A new reply message of descriptor's type in the arena, set as call->reply. */
void *vb_handler_reply(vb_rpc_call_t *call, const ProtobufCMessageDescriptor *descriptor);

/* A store's failure (any status but OK) as the reply: UNAVAILABLE, BAD_REQUEST, NOT_FOUND,
 * CONFLICT, UNPROCESSABLE and DEADLINE_EXCEEDED keep their status with a message naming what;
 * anything else is logged with db's error and SQLSTATE and replied INTERNAL. Returns the
 * status replied. db is borrowed (may be NULL when the failure did not come from it). */
vb_status_t vb_handler_store_failed(vb_rpc_call_t *call, vb_db_t *db, vb_status_t status,
                                    const char *what);

/* Appends an event to outbox in the call's transaction; a failure fails the call (through
 * vb_handler_store_failed), whose savepoint is then rolled back: the change and its event
 * commit together or not at all. */
vb_status_t vb_handler_emit(vb_rpc_call_t *call, vb_outbox_t *outbox, vb_db_t *db, const char *type,
                            const char *subject, const ProtobufCMessage *data);

/* ---- records: a payload and a reply that each carry one record ---- */

/* An event payload and a reply message that each have one record as their only field
 * (CommunityEvent and CommunityReply hold a Community, ...). */
typedef struct {
    const ProtobufCMessageDescriptor *payload;
    const ProtobufCMessageDescriptor *reply;
} vb_handler_record_t;

/* Appends the event type about record (kind's payload holding it; subject) to outbox in the
 * call's transaction, as vb_handler_emit. */
vb_status_t vb_handler_emit_record(vb_rpc_call_t *call, vb_outbox_t *outbox, vb_db_t *db,
                                   const vb_handler_record_t *kind, const char *type,
                                   const char *subject, void *record);

/* Replies with record (kind's reply holding it); returns success. */
vb_status_t vb_handler_reply_record(vb_rpc_call_t *call, const vb_handler_record_t *kind,
                                    void *record, vb_status_t success);

/* vb_handler_emit_record, then vb_handler_reply_record: success, or the failed emit. */
vb_status_t vb_handler_emit_reply_record(vb_rpc_call_t *call, vb_outbox_t *outbox, vb_db_t *db,
                                         const vb_handler_record_t *kind, const char *type,
                                         const char *subject, void *record,
                                         vb_status_t success);

/* ---- time ---- */

/* unix_us as RFC 3339 UTC text (arena); with today, also its date "YYYY-MM-DD" (arena). */
char *vb_handler_time(vb_rpc_call_t *call, int64_t unix_us, char **today);
/* vb_handler_time of the current time. */
char *vb_handler_now(vb_rpc_call_t *call, char **today);

#endif
