/* handler.c - the helpers every service's handlers share (vb/handler.h).
 * Does not: hold state; every function works on the call it is given. */
#include "vb/handler.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vb/clock.h"
#include "vb/cursor.h"
#include "vb/ids.h"
#include "vb/log.h"

#define S_ROLE_UNSPECIFIED VERBUND__RPC__V1__ROLE__ROLE_UNSPECIFIED
#define S_ROLE_ADMIN VERBUND__RPC__V1__ROLE__ROLE_ADMIN
#define S_ROLE_STAFF VERBUND__RPC__V1__ROLE__ROLE_STAFF
#define S_ROLE_MEMBER VERBUND__RPC__V1__ROLE__ROLE_MEMBER
#define S_ROLE_SERVICE VERBUND__RPC__V1__ROLE__ROLE_SERVICE

/* ---- the caller ---- */

Verbund__Rpc__V1__Role
vb_handler_role(const vb_rpc_call_t *call)
{
    const Verbund__Rpc__V1__Caller *caller = call->envelope ? call->envelope->caller : NULL;
    return caller ? caller->role : S_ROLE_UNSPECIFIED;
}

const char *
vb_handler_caller_person(const vb_rpc_call_t *call)
{
    const Verbund__Rpc__V1__Caller *caller = call->envelope ? call->envelope->caller : NULL;
    return caller && caller->person_id ? caller->person_id : "";
}

bool
vb_handler_is_staff(const vb_rpc_call_t *call)
{
    Verbund__Rpc__V1__Role role = vb_handler_role(call);
    return role == S_ROLE_ADMIN || role == S_ROLE_STAFF || role == S_ROLE_SERVICE;
}

bool
vb_handler_is_authenticated(const vb_rpc_call_t *call)
{
    return vb_handler_is_staff(call) || vb_handler_role(call) == S_ROLE_MEMBER;
}

vb_status_t
vb_handler_authorize(vb_rpc_call_t *call, vb_handler_policy_t policy, const char *person_id)
{
    if (policy == VB_HANDLER_ANYONE)
        return VB_STATUS_OK;
    if (!vb_handler_is_authenticated(call))
        return vb_rpc_fail(call, VB_STATUS_UNAUTHENTICATED, "the envelope carries no caller role");
    switch (policy) {
    case VB_HANDLER_ANYONE:
    case VB_HANDLER_AUTHENTICATED:
        return VB_STATUS_OK;
    case VB_HANDLER_ADMIN:
        if (vb_handler_role(call) == S_ROLE_ADMIN)
            return VB_STATUS_OK;
        return vb_rpc_fail(call, VB_STATUS_FORBIDDEN, "only an admin may do this");
    case VB_HANDLER_STAFF:
        if (vb_handler_is_staff(call))
            return VB_STATUS_OK;
        return vb_rpc_fail(call, VB_STATUS_FORBIDDEN, "only staff may do this");
    case VB_HANDLER_SELF:
        if (vb_handler_is_staff(call))
            return VB_STATUS_OK;
        /* authenticated and not staff: a member */
        if (person_id && person_id[0] && strcmp(vb_handler_caller_person(call), person_id) == 0)
            return VB_STATUS_OK;
        return vb_rpc_fail(call, VB_STATUS_FORBIDDEN, "a member may act only on its own person");
    }
    VB_ASSERT(!"unknown vb_handler_policy_t");
    return VB_STATUS_INTERNAL;
}

/* ---- request fields ---- */

vb_status_t
vb_handler_check_id(vb_rpc_call_t *call, const char *field, const char *id)
{
    if (id && vb_uuid_valid(id))
        return VB_STATUS_OK;
    vb_rpc_field_error(call, field, "is not a UUID");
    return vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "%s is not a UUID", field);
}

vb_status_t
vb_handler_check_optional_id(vb_rpc_call_t *call, const char *field, const char *id)
{
    return id && id[0] ? vb_handler_check_id(call, field, id) : VB_STATUS_OK;
}

/* Code points of s, or -1 when s is not valid UTF-8 (overlong forms, surrogates and values
 * above U+10FFFF are invalid) or holds a control character other than \n, \r and \t. */
static long
s_text_length(const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    long length = 0;
    while (*p) {
        unsigned char c = *p;
        int more;
        uint32_t code;
        if (c < 0x80) {
            if ((c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f)
                return -1;
            p++;
            length++;
            continue;
        }
        if (c >= 0xc2 && c <= 0xdf) {
            more = 1;
            code = c & 0x1f;
        } else if (c >= 0xe0 && c <= 0xef) {
            more = 2;
            code = c & 0x0f;
        } else if (c >= 0xf0 && c <= 0xf4) {
            more = 3;
            code = c & 0x07;
        } else {
            return -1;
        }
        for (int i = 1; i <= more; i++) {
            if ((p[i] & 0xc0) != 0x80)
                return -1;
            code = (code << 6) | (p[i] & 0x3f);
        }
        if ((more == 2 && (code < 0x800 || (code >= 0xd800 && code <= 0xdfff))) ||
            (more == 3 && (code < 0x10000 || code > 0x10ffff)))
            return -1;
        p += more + 1;
        length++;
    }
    return length;
}

vb_status_t
vb_handler_check_reason(vb_rpc_call_t *call, const char *reason)
{
    if (!reason)
        return VB_STATUS_OK;
    long length = s_text_length(reason);
    if (length >= 0 && length <= VB_HANDLER_REASON_MAX)
        return VB_STATUS_OK;
    vb_rpc_field_error(call, "reason",
                       "must be valid UTF-8 of at most %d characters without control characters",
                       VB_HANDLER_REASON_MAX);
    return vb_rpc_fail(call, VB_STATUS_UNPROCESSABLE, "reason is not valid");
}

int
vb_handler_limit(vb_rpc_call_t *call, int32_t limit, int *out)
{
    if (limit == 0) {
        *out = VB_HANDLER_DEFAULT_LIMIT;
        return 0;
    }
    if (limit < 1 || limit > VB_HANDLER_MAX_LIMIT) {
        vb_rpc_field_error(call, "limit", "must be between 1 and %d", VB_HANDLER_MAX_LIMIT);
        vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "limit must be between 1 and %d",
                    VB_HANDLER_MAX_LIMIT);
        return -1;
    }
    *out = limit;
    return 0;
}

int
vb_handler_cursor(vb_rpc_call_t *call, const char *cursor, const char **after)
{
    *after = NULL;
    if (!cursor || !cursor[0])
        return 0;
    char id[VB_UUID_STRING_SIZE];
    if (vb_cursor_decode(cursor, id) != 0) {
        vb_rpc_field_error(call, "cursor", "is not a cursor of this list");
        vb_rpc_fail(call, VB_STATUS_BAD_REQUEST, "invalid cursor");
        return -1;
    }
    *after = vb_arena_strdup(call->arena, id);
    return 0;
}

char *
vb_handler_next_cursor(vb_rpc_call_t *call, size_t *count, int limit, const char *last_id)
{
    if (*count <= (size_t)limit)
        return (char *)"";
    *count = (size_t)limit;
    char cursor[VB_CURSOR_SIZE];
    /* ids of rows are UUIDs: anything else is our bug */
    VB_ASSERT(vb_cursor_encode(last_id, cursor) == 0);
    return vb_arena_strdup(call->arena, cursor);
}

/* The string field name of message. */
static const char *
s_string_field(const ProtobufCMessage *message, const char *name)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(message->descriptor, name);
    VB_ASSERT(field && field->type == PROTOBUF_C_TYPE_STRING);
    return *(char *const *)((const char *)message + field->offset);
}

void *
vb_handler_list_reply(vb_rpc_call_t *call, const ProtobufCMessageDescriptor *type, void *items,
                      size_t count, int limit, const char *key_field)
{
    const ProtobufCFieldDescriptor *items_field =
        protobuf_c_message_descriptor_get_field_by_name(type, "items");
    const ProtobufCFieldDescriptor *cursor_field =
        protobuf_c_message_descriptor_get_field_by_name(type, "next_cursor");
    VB_ASSERT(items_field && cursor_field && items_field->label == PROTOBUF_C_LABEL_REPEATED);
    ProtobufCMessage **messages = items;
    const char *last_key =
        count > (size_t)limit ? s_string_field(messages[limit - 1], key_field) : NULL;
    ProtobufCMessage *reply = vb_handler_reply(call, type);
    *(char **)((char *)reply + cursor_field->offset) =
        vb_handler_next_cursor(call, &count, limit, last_key);
    *(ProtobufCMessage ***)((char *)reply + items_field->offset) = messages;
    *(size_t *)((char *)reply + items_field->quantifier_offset) = count;
    return reply;
}

/* ---- validation errors ---- */

void
vb_handler_errors_add(vb_handler_errors_t *errors, const char *field, const char *fmt, ...)
{
    if (errors->count < VB_HANDLER_MAX_FIELD_ERRORS) {
        vb_handler_field_error_t *item = &errors->items[errors->count];
        snprintf(item->field, sizeof item->field, "%s", field);
        va_list args;
        va_start(args, fmt);
        vsnprintf(item->message, sizeof item->message, fmt, args);
        va_end(args);
    }
    errors->count++;
}

vb_status_t
vb_handler_check_errors(vb_rpc_call_t *call, const vb_handler_errors_t *errors, vb_status_t status,
                        const char *what)
{
    if (errors->count == 0)
        return VB_STATUS_OK;
    for (int i = 0; i < errors->count && i < VB_HANDLER_MAX_FIELD_ERRORS; i++)
        vb_rpc_field_error(call, errors->items[i].field, "%s", errors->items[i].message);
    return vb_rpc_fail(call, status, "%s is not valid (%d field error%s)", what, errors->count,
                       errors->count == 1 ? "" : "s");
}

/* ---- replies ---- */

void *
vb_handler_reply(vb_rpc_call_t *call, const ProtobufCMessageDescriptor *descriptor)
{
    void *reply = vb_arena_message(call->arena, descriptor);
    call->reply = reply;
    return reply;
}

vb_status_t
vb_handler_store_failed(vb_rpc_call_t *call, vb_db_t *db, vb_status_t status, const char *what)
{
    switch (status) {
    case VB_STATUS_UNAVAILABLE:
        return vb_rpc_fail(call, status, "database unavailable while %s; retry", what);
    case VB_STATUS_BAD_REQUEST:
        return vb_rpc_fail(call, status, "invalid value while %s", what);
    case VB_STATUS_NOT_FOUND:
        return vb_rpc_fail(call, status, "not found while %s", what);
    case VB_STATUS_CONFLICT:
    case VB_STATUS_UNPROCESSABLE:
    case VB_STATUS_DEADLINE_EXCEEDED:
        return vb_rpc_fail(call, status, "refused by the database while %s", what);
    default:
        vb_log_error("store failed while %s: %s (%s)", what, db ? vb_db_error(db) : "",
                     db ? vb_db_sqlstate(db) : "");
        return vb_rpc_fail(call, VB_STATUS_INTERNAL, "internal error while %s", what);
    }
}

vb_status_t
vb_handler_emit(vb_rpc_call_t *call, vb_outbox_t *outbox, vb_db_t *db, const char *type,
                const char *subject, const ProtobufCMessage *data)
{
    vb_status_t status = vb_outbox_append(outbox, type, subject, data);
    if (status != VB_STATUS_OK)
        return vb_handler_store_failed(call, db, status, "writing the event");
    return VB_STATUS_OK;
}

/* ---- records ---- */

/* Sets the only field of message (a payload or reply of a vb_handler_record_t) to record. */
static ProtobufCMessage *
s_holding(ProtobufCMessage *message, void *record)
{
    const ProtobufCFieldDescriptor *field = &message->descriptor->fields[0];
    VB_ASSERT(message->descriptor->n_fields == 1 && field->type == PROTOBUF_C_TYPE_MESSAGE);
    *(void **)((char *)message + field->offset) = record;
    return message;
}

vb_status_t
vb_handler_emit_record(vb_rpc_call_t *call, vb_outbox_t *outbox, vb_db_t *db,
                       const vb_handler_record_t *kind, const char *type, const char *subject,
                       void *record)
{
    ProtobufCMessage *payload = s_holding(vb_arena_message(call->arena, kind->payload), record);
    return vb_handler_emit(call, outbox, db, type, subject, payload);
}

vb_status_t
vb_handler_reply_record(vb_rpc_call_t *call, const vb_handler_record_t *kind, void *record,
                        vb_status_t success)
{
    s_holding(vb_handler_reply(call, kind->reply), record);
    return success;
}

vb_status_t
vb_handler_emit_reply_record(vb_rpc_call_t *call, vb_outbox_t *outbox, vb_db_t *db,
                             const vb_handler_record_t *kind, const char *type,
                             const char *subject, void *record, vb_status_t success)
{
    vb_status_t status = vb_handler_emit_record(call, outbox, db, kind, type, subject, record);
    return status == VB_STATUS_OK ? vb_handler_reply_record(call, kind, record, success) : status;
}

/* ---- time ---- */

char *
vb_handler_time(vb_rpc_call_t *call, int64_t unix_us, char **today)
{
    char text[VB_RFC3339_SIZE];
    vb_clock_format_rfc3339(unix_us, text);
    if (today)
        *today = vb_arena_strndup(call->arena, text, 10);
    return vb_arena_strdup(call->arena, text);
}

char *
vb_handler_now(vb_rpc_call_t *call, char **today)
{
    return vb_handler_time(call, vb_clock_now_us(), today);
}
