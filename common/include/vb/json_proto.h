/* vb/json_proto.h - JSON <-> protobuf-c by reflection on message descriptors, so the gateway
 * needs no hand-written mapping per message. Names are the .proto field names (snake_case);
 * enums are the lower-case value name without the enum's prefix
 * (OrganizationKind ORGANIZATION_KIND_PUBLIC_BODY <-> "public_body"); int64 accepts a JSON
 * integer or a decimal string and is written as a JSON integer; bytes are base64.
 * Does not: support maps, oneofs (verbund protos use none), or Any. */
#ifndef VB_JSON_PROTO_H
#define VB_JSON_PROTO_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

#include "vb/arena.h"

#define VB_JSON_MAX_ERRORS 32

typedef struct {
    char field[128];   /* JSON path: "person.skills[2].level" */
    char message[160]; /* "must be an integer" */
} vb_json_error_t;

typedef struct {
    vb_json_error_t items[VB_JSON_MAX_ERRORS];
    int count;         /* may exceed VB_JSON_MAX_ERRORS; only the first are kept */
} vb_json_errors_t;

/* Builds a message of type from a JSON object; every allocation (the message, strings,
 * repeated arrays) lives in arena. path_prefix names the object in error paths ("" or
 * "person"). Unknown fields, wrong JSON types, out-of-range integers and unknown enum names
 * are reported in errors (all of them, not just the first). Returns NULL when errors->count
 * grew or json is not an object. */
ProtobufCMessage *vb_json_to_proto(const json_t *json, const ProtobufCMessageDescriptor *type,
                                   const char *path_prefix, vb_arena_t *arena,
                                   vb_json_errors_t *errors);

/* Fills an existing (initialised, arena-owned) message from JSON; same rules. 0 or -1. */
int vb_json_fill_proto(const json_t *json, ProtobufCMessage *message, const char *path_prefix,
                       vb_arena_t *arena, vb_json_errors_t *errors);

/* Converts a message to a new JSON object (caller owns the reference). Every singular scalar
 * is written (also zero, false, ""), an enum at 0 is omitted, an unset sub-message is omitted,
 * repeated fields are arrays (possibly empty). */
json_t *vb_proto_to_json(const ProtobufCMessage *message);

/* The JSON name of an enum value (arena string), and the reverse (-1 when unknown). */
const char *vb_json_enum_name(const ProtobufCEnumDescriptor *type, int value, vb_arena_t *arena);
int vb_json_enum_value(const ProtobufCEnumDescriptor *type, const char *name, int *value);

#endif
