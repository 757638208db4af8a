/* json_proto.c - JSON <-> protobuf-c by walking message and field descriptors (vb/json_proto.h).
 * Does not: support maps or Any, keep unknown JSON keys, or emit proto3-JSON camelCase names. */
#include "vb/json_proto.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

/* Nesting of messages inside the root message; a deeper body is refused, not recursed into. */
#define JSON_MAX_DEPTH 16
/* Longest JSON path we build; longer paths are truncated in the error record anyway. */
#define JSON_PATH_SIZE 256
/* Longest enum JSON name or prefix. */
#define JSON_ENUM_NAME_SIZE 128

/* The state of one conversion: where errors go and where memory comes from. */
typedef struct {
    vb_arena_t *arena;        /* every allocation of the message */
    vb_json_errors_t *errors; /* collected field errors */
} json_reader_t;

static void s_fill_message(json_reader_t *reader, const json_t *json, ProtobufCMessage *message,
                           const char *path, int depth);

static void VB_PRINTF(3, 4) s_error(json_reader_t *reader, const char *path, const char *fmt, ...)
{
    vb_json_errors_t *errors = reader->errors;
    if (errors->count < VB_JSON_MAX_ERRORS) {
        vb_json_error_t *item = &errors->items[errors->count];
        snprintf(item->field, sizeof(item->field), "%s", path);
        va_list args;
        va_start(args, fmt);
        vsnprintf(item->message, sizeof(item->message), fmt, args);
        va_end(args);
    }
    errors->count++;
}

/* path + "." + key, or key alone at the root. */
static void
s_path_key(char *out, const char *path, const char *key)
{
    if (path[0])
        snprintf(out, JSON_PATH_SIZE, "%.127s.%.127s", path, key);
    else
        snprintf(out, JSON_PATH_SIZE, "%.200s", key);
}

static void
s_path_index(char *out, const char *path, size_t index)
{
    snprintf(out, JSON_PATH_SIZE, "%.200s[%zu]", path, index);
}

/* --- enums --- */

/* The upper-snake-case of a CamelCase short name plus "_": OrganizationKind ->
 * "ORGANIZATION_KIND_", HTTPStatus -> "HTTP_STATUS_". */
static void
s_enum_prefix(const ProtobufCEnumDescriptor *type, char *out, size_t size)
{
    const char *name = type->short_name;
    size_t length = 0;
    for (size_t i = 0; name[i] && length + 3 < size; i++) {
        unsigned char c = (unsigned char)name[i];
        if (i > 0 && isupper(c)) {
            unsigned char before = (unsigned char)name[i - 1];
            unsigned char after = (unsigned char)name[i + 1];
            if (islower(before) || isdigit(before) || (isupper(before) && islower(after)))
                out[length++] = '_';
        }
        out[length++] = (char)toupper(c);
    }
    out[length++] = '_';
    out[length] = '\0';
}

/* The JSON name of one enum value into out (lower-case, prefix removed). */
static void
s_enum_json_name(const ProtobufCEnumDescriptor *type, const ProtobufCEnumValue *value, char *out,
                 size_t size)
{
    char prefix[JSON_ENUM_NAME_SIZE];
    s_enum_prefix(type, prefix, sizeof(prefix));
    const char *name = value->name;
    size_t prefix_length = strlen(prefix);
    if (strncmp(name, prefix, prefix_length) == 0 && name[prefix_length])
        name += prefix_length;
    size_t i = 0;
    for (; name[i] && i + 1 < size; i++)
        out[i] = (char)tolower((unsigned char)name[i]);
    out[i] = '\0';
}

const char *
vb_json_enum_name(const ProtobufCEnumDescriptor *type, int value, vb_arena_t *arena)
{
    const ProtobufCEnumValue *entry = protobuf_c_enum_descriptor_get_value(type, value);
    if (!entry)
        return NULL;
    char name[JSON_ENUM_NAME_SIZE];
    s_enum_json_name(type, entry, name, sizeof(name));
    return vb_arena_strdup(arena, name);
}

int
vb_json_enum_value(const ProtobufCEnumDescriptor *type, const char *name, int *value)
{
    char candidate[JSON_ENUM_NAME_SIZE];
    for (unsigned i = 0; i < type->n_values; i++) {
        s_enum_json_name(type, &type->values[i], candidate, sizeof(candidate));
        if (strcmp(candidate, name) == 0) {
            *value = type->values[i].value;
            return 0;
        }
    }
    return -1;
}

/* "a, b, c" of an enum's JSON names, for error messages. */
static void
s_enum_choices(const ProtobufCEnumDescriptor *type, char *out, size_t size)
{
    size_t length = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < type->n_values && length + 1 < size; i++) {
        if (type->values[i].value == 0)
            continue; /* "unspecified" is accepted but not advertised */
        char name[JSON_ENUM_NAME_SIZE];
        s_enum_json_name(type, &type->values[i], name, sizeof(name));
        int written = snprintf(out + length, size - length, "%s%s", length ? ", " : "", name);
        if (written < 0 || (size_t)written >= size - length)
            break;
        length += (size_t)written;
    }
}

/* --- JSON -> protobuf: scalars --- */

/* Integers: a JSON integer, or (when strings_ok) a decimal string. Returns 0 and *out, or -1
 * after reporting. Unsigned values above INT64_MAX only arrive as strings (into *uout). */
static int
s_read_integer(json_reader_t *reader, const json_t *json, const char *path, bool strings_ok,
               bool is_unsigned, int64_t min, int64_t max, int64_t *out, uint64_t *uout,
               const char *type_name)
{
    *uout = 0;
    if (json_is_integer(json)) {
        json_int_t v = json_integer_value(json);
        if (v < min || v > max) {
            s_error(reader, path, "is out of range for %s", type_name);
            return -1;
        }
        *out = v;
        *uout = (uint64_t)v;
        return 0;
    }
    if (strings_ok && json_is_string(json)) {
        const char *text = json_string_value(json);
        size_t length = json_string_length(json);
        bool digits = length > 0 && length == strlen(text);
        for (size_t i = 0; digits && i < length; i++)
            if (!isdigit((unsigned char)text[i]) && !(i == 0 && text[i] == '-' && length > 1))
                digits = false;
        if (!digits) {
            s_error(reader, path, "must be an integer or a decimal string");
            return -1;
        }
        errno = 0;
        if (is_unsigned) {
            if (text[0] == '-') {
                s_error(reader, path, "is out of range for %s", type_name);
                return -1;
            }
            unsigned long long v = strtoull(text, NULL, 10);
            if (errno == ERANGE) {
                s_error(reader, path, "is out of range for %s", type_name);
                return -1;
            }
            *uout = v;
            *out = v > (unsigned long long)INT64_MAX ? INT64_MAX : (int64_t)v;
            return 0;
        }
        long long v = strtoll(text, NULL, 10);
        if (errno == ERANGE || v < min || v > max) {
            s_error(reader, path, "is out of range for %s", type_name);
            return -1;
        }
        *out = v;
        *uout = (uint64_t)v;
        return 0;
    }
    s_error(reader, path,
            strings_ok ? "must be an integer or a decimal string" : "must be an integer");
    return -1;
}

/* Reads one value of field's type from json into slot (the field's storage, or an element of
 * a repeated array). Returns 0, or -1 after reporting. */
static int
s_read_value(json_reader_t *reader, const ProtobufCFieldDescriptor *field, const json_t *json,
             void *slot, const char *path, int depth)
{
    int64_t v = 0;
    uint64_t u = 0;
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        if (s_read_integer(reader, json, path, false, false, INT32_MIN, INT32_MAX, &v, &u,
                           "int32") < 0)
            return -1;
        *(int32_t *)slot = (int32_t)v;
        return 0;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        if (s_read_integer(reader, json, path, false, true, 0, UINT32_MAX, &v, &u, "uint32") < 0)
            return -1;
        *(uint32_t *)slot = (uint32_t)v;
        return 0;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        if (s_read_integer(reader, json, path, true, false, INT64_MIN, INT64_MAX, &v, &u, "int64") <
            0)
            return -1;
        *(int64_t *)slot = v;
        return 0;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        if (s_read_integer(reader, json, path, true, true, 0, INT64_MAX, &v, &u, "uint64") < 0)
            return -1;
        *(uint64_t *)slot = u;
        return 0;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: {
        if (!json_is_number(json)) {
            s_error(reader, path, "must be a number");
            return -1;
        }
        double d = json_number_value(json);
        if (!isfinite(d)) {
            s_error(reader, path, "must be a finite number");
            return -1;
        }
        if (field->type == PROTOBUF_C_TYPE_FLOAT) {
            if (fabs(d) > FLT_MAX) {
                s_error(reader, path, "is out of range for float");
                return -1;
            }
            *(float *)slot = (float)d;
        } else {
            *(double *)slot = d;
        }
        return 0;
    }
    case PROTOBUF_C_TYPE_BOOL:
        if (!json_is_boolean(json)) {
            s_error(reader, path, "must be true or false");
            return -1;
        }
        *(protobuf_c_boolean *)slot = json_is_true(json);
        return 0;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *type = field->descriptor;
        if (!json_is_string(json)) {
            char choices[140];
            s_enum_choices(type, choices, sizeof(choices));
            s_error(reader, path, "must be a string, one of: %s", choices);
            return -1;
        }
        int value = 0;
        if (vb_json_enum_value(type, json_string_value(json), &value) < 0) {
            char choices[140];
            s_enum_choices(type, choices, sizeof(choices));
            s_error(reader, path, "must be one of: %s", choices);
            return -1;
        }
        *(int *)slot = value;
        return 0;
    }
    case PROTOBUF_C_TYPE_STRING: {
        if (!json_is_string(json)) {
            s_error(reader, path, "must be a string");
            return -1;
        }
        const char *text = json_string_value(json);
        size_t length = json_string_length(json);
        if (strlen(text) != length) {
            s_error(reader, path, "must not contain NUL characters");
            return -1;
        }
        *(char **)slot = vb_arena_strndup(reader->arena, text, length);
        return 0;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        if (!json_is_string(json)) {
            s_error(reader, path, "must be a base64 string");
            return -1;
        }
        const char *text = json_string_value(json);
        size_t length = json_string_length(json);
        size_t capacity = length / 4 * 3 + 3;
        unsigned char *data = vb_arena_alloc(reader->arena, capacity);
        size_t decoded = 0;
        const char *end = NULL;
        if (sodium_base642bin(data, capacity, text, length, NULL, &decoded, &end,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            end != text + length) {
            s_error(reader, path, "must be a base64 string");
            return -1;
        }
        ProtobufCBinaryData *binary = slot;
        binary->data = decoded ? data : NULL;
        binary->len = decoded;
        return 0;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        if (!json_is_object(json)) {
            s_error(reader, path, "must be an object");
            return -1;
        }
        if (depth + 1 >= JSON_MAX_DEPTH) {
            s_error(reader, path, "is nested too deeply (limit %d)", JSON_MAX_DEPTH);
            return -1;
        }
        ProtobufCMessage *sub = vb_arena_message(reader->arena, field->descriptor);
        int before = reader->errors->count;
        s_fill_message(reader, json, sub, path, depth + 1);
        *(ProtobufCMessage **)slot = sub;
        return reader->errors->count == before ? 0 : -1;
    }
    }
    s_error(reader, path, "has an unsupported type");
    return -1;
}

/* The size of one element of a repeated field of this type. */
static size_t
s_element_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return sizeof(int32_t);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return sizeof(int64_t);
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    VB_ASSERT(!"unknown protobuf-c type");
    return 0;
}

static void
s_read_field(json_reader_t *reader, const ProtobufCFieldDescriptor *field, const json_t *json,
             ProtobufCMessage *message, const char *path, int depth)
{
    char *base = (char *)message;
    if (json_is_null(json))
        return; /* null is "not set": the field keeps its default */

    if (field->label == PROTOBUF_C_LABEL_REPEATED) {
        if (!json_is_array(json)) {
            s_error(reader, path, "must be an array");
            return;
        }
        size_t count = json_array_size(json);
        size_t element = s_element_size(field->type);
        char *array = count ? vb_arena_alloc(reader->arena, count * element) : NULL;
        size_t index;
        json_t *item;
        bool ok = true;
        json_array_foreach(json, index, item)
        {
            char item_path[JSON_PATH_SIZE];
            s_path_index(item_path, path, index);
            if (json_is_null(item)) {
                s_error(reader, item_path, "must not be null");
                ok = false;
                continue;
            }
            if (s_read_value(reader, field, item, array + index * element, item_path, depth) < 0)
                ok = false;
        }
        if (ok) {
            *(size_t *)(base + field->quantifier_offset) = count;
            *(void **)(base + field->offset) = array;
        }
        return;
    }

    if (s_read_value(reader, field, json, base + field->offset, path, depth) < 0)
        return;
    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        *(uint32_t *)(base + field->quantifier_offset) = field->id;
    else if (field->label == PROTOBUF_C_LABEL_OPTIONAL && field->type != PROTOBUF_C_TYPE_MESSAGE &&
             field->type != PROTOBUF_C_TYPE_STRING)
        *(protobuf_c_boolean *)(base + field->quantifier_offset) = 1;
}

static void
s_fill_message(json_reader_t *reader, const json_t *json, ProtobufCMessage *message,
               const char *path, int depth)
{
    const ProtobufCMessageDescriptor *type = message->descriptor;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *)json, key, value)
    {
        char field_path[JSON_PATH_SIZE];
        s_path_key(field_path, path, key);
        const ProtobufCFieldDescriptor *field =
            protobuf_c_message_descriptor_get_field_by_name(type, key);
        if (!field) {
            s_error(reader, field_path, "is not a known field");
            continue;
        }
        s_read_field(reader, field, value, message, field_path, depth);
    }
}

int
vb_json_fill_proto(const json_t *json, ProtobufCMessage *message, const char *path_prefix,
                   vb_arena_t *arena, vb_json_errors_t *errors)
{
    VB_ASSERT(message && arena && errors);
    json_reader_t reader = {arena, errors};
    const char *path = path_prefix ? path_prefix : "";
    int before = errors->count;
    if (!json_is_object(json)) {
        s_error(&reader, path, "must be an object");
        return -1;
    }
    s_fill_message(&reader, json, message, path, 0);
    return errors->count == before ? 0 : -1;
}

ProtobufCMessage *
vb_json_to_proto(const json_t *json, const ProtobufCMessageDescriptor *type,
                 const char *path_prefix, vb_arena_t *arena, vb_json_errors_t *errors)
{
    VB_ASSERT(type && arena && errors);
    ProtobufCMessage *message = vb_arena_message(arena, type);
    if (vb_json_fill_proto(json, message, path_prefix, arena, errors) < 0)
        return NULL;
    return message;
}

/* --- protobuf -> JSON --- */

/* A JSON string of text; bytes that are not UTF-8 become '?' (jansson refuses them and a
 * reply must still be written). */
static json_t *
s_string_json(const char *text)
{
    json_t *json = json_string(text ? text : "");
    if (json)
        return json;
    char *copy = strdup(text);
    if (!copy)
        return NULL;
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    json = json_string(copy);
    free(copy);
    return json;
}

static json_t *
s_value_json(const ProtobufCFieldDescriptor *field, const void *slot)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return json_integer(*(const int32_t *)slot);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return json_integer(*(const uint32_t *)slot);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return json_integer(*(const int64_t *)slot);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64: {
        uint64_t v = *(const uint64_t *)slot;
        if (v <= (uint64_t)INT64_MAX)
            return json_integer((json_int_t)v);
        char text[24];
        snprintf(text, sizeof(text), "%" PRIu64, v);
        return json_string(text);
    }
    case PROTOBUF_C_TYPE_FLOAT: {
        double d = *(const float *)slot;
        return isfinite(d) ? json_real(d) : json_null();
    }
    case PROTOBUF_C_TYPE_DOUBLE: {
        double d = *(const double *)slot;
        return isfinite(d) ? json_real(d) : json_null();
    }
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *)slot);
    case PROTOBUF_C_TYPE_ENUM: {
        int value = *(const int *)slot;
        const ProtobufCEnumValue *entry =
            protobuf_c_enum_descriptor_get_value(field->descriptor, value);
        if (!entry)
            return json_integer(value); /* a value from a newer peer: keep the number */
        char name[JSON_ENUM_NAME_SIZE];
        s_enum_json_name(field->descriptor, entry, name, sizeof(name));
        return json_string(name);
    }
    case PROTOBUF_C_TYPE_STRING:
        return s_string_json(*(char *const *)slot);
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *binary = slot;
        size_t size = sodium_base64_ENCODED_LEN(binary->len, sodium_base64_VARIANT_ORIGINAL);
        char *text = malloc(size);
        if (!text)
            return NULL;
        sodium_bin2base64(text, size, binary->data, binary->len, sodium_base64_VARIANT_ORIGINAL);
        json_t *json = json_string(text);
        free(text);
        return json;
    }
    case PROTOBUF_C_TYPE_MESSAGE: {
        const ProtobufCMessage *sub = *(ProtobufCMessage *const *)slot;
        return sub ? vb_proto_to_json(sub) : json_null();
    }
    }
    return json_null();
}

/* True when a singular field should be omitted from the JSON. */
static bool
s_omit(const ProtobufCFieldDescriptor *field, const ProtobufCMessage *message)
{
    const char *base = (const char *)message;
    const void *slot = base + field->offset;
    if (field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
        return *(const uint32_t *)(base + field->quantifier_offset) != field->id;
    if (field->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(ProtobufCMessage *const *)slot == NULL;
    if (field->type == PROTOBUF_C_TYPE_ENUM && field->label == PROTOBUF_C_LABEL_NONE)
        return *(const int *)slot == 0;
    if (field->label == PROTOBUF_C_LABEL_OPTIONAL && field->type != PROTOBUF_C_TYPE_STRING)
        return !*(const protobuf_c_boolean *)(base + field->quantifier_offset);
    if (field->label == PROTOBUF_C_LABEL_OPTIONAL && field->type == PROTOBUF_C_TYPE_STRING)
        return *(char *const *)slot == NULL;
    return false;
}

json_t *
vb_proto_to_json(const ProtobufCMessage *message)
{
    VB_ASSERT(message && message->descriptor);
    const ProtobufCMessageDescriptor *type = message->descriptor;
    const char *base = (const char *)message;
    json_t *object = json_object();
    if (!object)
        return NULL;
    for (unsigned i = 0; i < type->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &type->fields[i];
        json_t *value;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t count = *(const size_t *)(base + field->quantifier_offset);
            const char *array = *(char *const *)(base + field->offset);
            size_t element = s_element_size(field->type);
            value = json_array();
            for (size_t j = 0; value && j < count; j++) {
                if (json_array_append_new(value, s_value_json(field, array + j * element)) < 0) {
                    json_decref(value);
                    value = NULL;
                }
            }
        } else {
            if (s_omit(field, message))
                continue;
            value = s_value_json(field, base + field->offset);
        }
        if (!value || json_object_set_new(object, field->name, value) < 0) {
            json_decref(object);
            return NULL;
        }
    }
    return object;
}
