/* gateway_routes.c - the route table of the HTTP gateway and the pure steps that turn a matched
 * HTTP request into an RPC request message and an RPC reply into the JSON a route returns.
 * Does not: do I/O, authenticate, or decide statuses of failed calls. */
#include "gateway_routes.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/* Every service's table, in match order. */
static const gateway_route_table_t *const s_tables[] = {
    &gateway_routes_membership,
    &gateway_routes_communities,
    &gateway_routes_events,
    &gateway_routes_matchmaking,
};

size_t
gateway_route_count(void)
{
    size_t count = 0;
    for (size_t t = 0; t < VB_ARRAY_SIZE(s_tables); t++)
        count += s_tables[t]->count;
    return count;
}

const gateway_route_t *
gateway_route_at(size_t i)
{
    for (size_t t = 0; t < VB_ARRAY_SIZE(s_tables); t++) {
        if (i < s_tables[t]->count)
            return &s_tables[t]->routes[i];
        i -= s_tables[t]->count;
    }
    return NULL;
}

static const char *const s_service_names[GATEWAY_SERVICE_COUNT] = {
    [GATEWAY_SERVICE_MEMBERSHIP] = "membership",   [GATEWAY_SERVICE_COMMUNITIES] = "communities",
    [GATEWAY_SERVICE_EVENTS] = "events",           [GATEWAY_SERVICE_MATCHMAKING] = "matchmaking",
    [GATEWAY_SERVICE_STREAM] = "stream",
};

gateway_service_t
gateway_service_for_method(const char *rpc_method)
{
    size_t prefix = strcspn(rpc_method, ".");
    for (int s = 0; s < GATEWAY_SERVICE_COUNT; s++)
        if (strlen(s_service_names[s]) == prefix &&
            strncmp(s_service_names[s], rpc_method, prefix) == 0)
            return (gateway_service_t)s;
    return GATEWAY_SERVICE_COUNT;
}

const char *
gateway_service_name(gateway_service_t service)
{
    return (int)service >= 0 && service < GATEWAY_SERVICE_COUNT ? s_service_names[service]
                                                                 : "unknown";
}

/* --- matching --- */

bool
gateway_pattern_match(const char *pattern, const char *path, gateway_params_t *params)
{
    gateway_params_t local;
    if (!params)
        params = &local;
    params->count = 0;
    const char *p = pattern;
    const char *s = path;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return false;
        p++;
        s++;
        size_t plen = strcspn(p, "/");
        size_t slen = strcspn(s, "/");
        const char *close = p[0] == '{' ? memchr(p, '}', plen) : NULL;
        if (close && close > p + 1) {
            /* "{id}" or "{id}.ics": the parameter is the segment without the literal suffix */
            size_t suffix = plen - (size_t)(close + 1 - p);
            if (slen <= suffix || strncmp(s + slen - suffix, close + 1, suffix) != 0)
                return false;
            size_t vlen = slen - suffix;
            if (vlen >= GATEWAY_MAX_PARAM_SIZE || params->count >= GATEWAY_MAX_PARAMS)
                return false;
            gateway_param_t *param = &params->items[params->count++];
            snprintf(param->name, sizeof(param->name), "%.*s", (int)(close - p - 1), p + 1);
            memcpy(param->value, s, vlen);
            param->value[vlen] = '\0';
        } else if (plen != slen || strncmp(p, s, plen) != 0) {
            return false;
        }
        p += plen;
        s += slen;
    }
    return *p == '\0' && *s == '\0';
}

const gateway_route_t *
gateway_route_match(const char *method, const char *path, gateway_params_t *params,
                    bool *path_known, char *allow, size_t allow_size)
{
    *path_known = false;
    if (allow && allow_size)
        allow[0] = '\0';
    const gateway_route_t *found = NULL;
    size_t count = gateway_route_count();
    for (size_t i = 0; i < count; i++) {
        const gateway_route_t *route = gateway_route_at(i);
        gateway_params_t captured;
        if (!gateway_pattern_match(route->pattern, path, &captured))
            continue;
        *path_known = true;
        if (allow && allow_size) {
            size_t used = strlen(allow);
            snprintf(allow + used, allow_size - used, "%s%s", used ? ", " : "",
                     route->http_method);
        }
        if (!found && strcmp(route->http_method, method) == 0) {
            found = route;
            if (params)
                *params = captured;
        }
    }
    return found;
}

bool
gateway_role_allows(Verbund__Rpc__V1__Role role, Verbund__Rpc__V1__Role min_role)
{
    static const int rank[] = {
        [VERBUND__RPC__V1__ROLE__ROLE_UNSPECIFIED] = 0, [VERBUND__RPC__V1__ROLE__ROLE_ADMIN] = 3,
        [VERBUND__RPC__V1__ROLE__ROLE_STAFF] = 2,       [VERBUND__RPC__V1__ROLE__ROLE_MEMBER] = 1,
        [VERBUND__RPC__V1__ROLE__ROLE_SERVICE] = 2,
    };
    if ((int)role < 0 || (size_t)role >= VB_ARRAY_SIZE(rank))
        return false;
    if ((int)min_role < 0 || (size_t)min_role >= VB_ARRAY_SIZE(rank))
        return false;
    return rank[role] > 0 && rank[role] >= rank[min_role];
}

/* --- building requests --- */

/* True when text is an optional '-' followed by 1..19 digits. */
static bool
s_integer_text(const char *text)
{
    const char *p = text[0] == '-' ? text + 1 : text;
    size_t digits = strspn(p, "0123456789");
    return digits > 0 && digits <= 20 && p[digits] == '\0';
}

int
gateway_field_set_text(ProtobufCMessage *message, const char *field_name, const char *text,
                       const char *error_path, vb_arena_t *arena, vb_json_errors_t *errors)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(message->descriptor, field_name);
    if (!field || field->label == PROTOBUF_C_LABEL_REPEATED ||
        field->type == PROTOBUF_C_TYPE_MESSAGE || field->type == PROTOBUF_C_TYPE_BYTES) {
        vb_json_errors_t *e = errors;
        if (e->count < VB_JSON_MAX_ERRORS) {
            snprintf(e->items[e->count].field, sizeof(e->items[0].field), "%s", error_path);
            snprintf(e->items[e->count].message, sizeof(e->items[0].message),
                     "is not a known parameter");
        }
        e->count++;
        return -1;
    }
    json_t *value = NULL;
    switch (field->type) {
    case PROTOBUF_C_TYPE_BOOL:
        if (strcmp(text, "true") == 0)
            value = json_true();
        else if (strcmp(text, "false") == 0)
            value = json_false();
        else
            value = json_string(text); /* reported as "must be true or false" */
        break;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_ENUM:
        value = json_string(text);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: {
        char *end = NULL;
        errno = 0;
        double d = strtod(text, &end);
        value = (text[0] && end && *end == '\0' && errno == 0) ? json_real(d) : json_string(text);
        break;
    }
    default: /* integers: a decimal text becomes a JSON integer when it fits */
        if (s_integer_text(text)) {
            errno = 0;
            long long v = strtoll(text, NULL, 10);
            value = errno == 0 ? json_integer(v) : json_string(text);
        } else {
            value = json_string(text);
        }
        break;
    }
    if (!value)
        value = json_string("?"); /* not UTF-8: still reported as a wrong value */
    json_t *object = json_object();
    json_object_set_new(object, field_name, value);
    /* Errors name error_path, not the field: fill under a temporary prefix-free path. */
    vb_json_errors_t local = {0};
    int rc = vb_json_fill_proto(object, message, "", arena, &local);
    json_decref(object);
    for (int i = 0; i < local.count && i < VB_JSON_MAX_ERRORS; i++) {
        if (errors->count < VB_JSON_MAX_ERRORS) {
            vb_json_error_t *item = &errors->items[errors->count];
            snprintf(item->field, sizeof(item->field), "%s", error_path);
            snprintf(item->message, sizeof(item->message), "%s", local.items[i].message);
        }
        errors->count++;
    }
    return rc;
}

static void
s_error(vb_json_errors_t *errors, const char *field, const char *message)
{
    if (errors->count < VB_JSON_MAX_ERRORS) {
        vb_json_error_t *item = &errors->items[errors->count];
        snprintf(item->field, sizeof(item->field), "%s", field);
        snprintf(item->message, sizeof(item->message), "%s", message);
    }
    errors->count++;
}

/* The request field a path parameter fills, or NULL. */
static const char *
s_path_field(const gateway_route_t *route, const gateway_param_t *param)
{
    for (int i = 0; i < GATEWAY_MAX_PARAMS && route->path_fields[i].param; i++)
        if (strcmp(param->name, route->path_fields[i].param) == 0)
            return route->path_fields[i].field;
    return NULL;
}

/* True when key is set from the URL (a path field or a fixed field) and not from the body. */
static bool
s_url_owned(const gateway_route_t *route, const json_t *fixed, const char *key)
{
    for (int i = 0; i < GATEWAY_MAX_PARAMS && route->path_fields[i].param; i++)
        if (strcmp(route->path_fields[i].field, key) == 0)
            return true;
    return fixed && json_object_get(fixed, key) != NULL;
}

int
gateway_if_match_parse(const char *header, long long *version)
{
    if (!header)
        return -1;
    const char *p = header;
    while (*p == ' ')
        p++;
    if (strncmp(p, "W/", 2) == 0)
        p += 2;
    bool quoted = *p == '"';
    if (quoted)
        p++;
    size_t digits = strspn(p, "0123456789");
    if (digits == 0 || digits > 18)
        return -1;
    const char *end = p + digits;
    if (quoted) {
        if (*end != '"')
            return -1;
        end++;
    }
    while (*end == ' ')
        end++;
    if (*end)
        return -1;
    long long v = strtoll(p, NULL, 10);
    if (v <= 0)
        return -1;
    *version = v;
    return 0;
}

ProtobufCMessage *
gateway_request_build(const gateway_route_t *route, const gateway_input_t *input, vb_arena_t *arena,
                      vb_json_errors_t *errors)
{
    int before = errors->count;
    ProtobufCMessage *request = vb_arena_message(arena, route->request_type);
    json_t *fixed = route->fixed ? json_loads(route->fixed, 0, NULL) : NULL;
    VB_ASSERT(!route->fixed || fixed); /* the table is ours */

    /* Body: at the root (URL-owned keys refused) or as one sub-message. */
    const json_t *body = input->body;
    if (body && route->body_field) {
        if (!json_is_object(body)) {
            s_error(errors, "", "the body must be a JSON object");
        } else if (route->body_field[0] == '\0') {
            json_t *copy = json_copy((json_t *)body);
            const char *key;
            json_t *value;
            void *tmp;
            json_object_foreach_safe(copy, tmp, key, value)
            {
                if (s_url_owned(route, fixed, key)) {
                    s_error(errors, key, "is set by the URL and must not be in the body");
                    json_object_del(copy, key);
                }
            }
            vb_json_fill_proto(copy, request, "", arena, errors);
            json_decref(copy);
        } else {
            const ProtobufCFieldDescriptor *field = protobuf_c_message_descriptor_get_field_by_name(
                route->request_type, route->body_field);
            VB_ASSERT(field && field->type == PROTOBUF_C_TYPE_MESSAGE);
            ProtobufCMessage *sub =
                vb_json_to_proto(body, field->descriptor, route->body_field, arena, errors);
            if (sub)
                *(ProtobufCMessage **)((char *)request + field->offset) = sub;
            if (sub && (route->flags & GATEWAY_ROUTE_UPDATE_MASK)) {
                const ProtobufCFieldDescriptor *mask =
                    protobuf_c_message_descriptor_get_field_by_name(route->request_type,
                                                                    "update_mask");
                VB_ASSERT(mask && mask->label == PROTOBUF_C_LABEL_REPEATED);
                size_t count = json_object_size(body);
                char **keys = vb_arena_alloc(arena, (count ? count : 1) * sizeof(char *));
                size_t n = 0;
                const char *key;
                json_t *value;
                json_object_foreach((json_t *)body, key, value)
                {
                    (void)value;
                    keys[n++] = vb_arena_strdup(arena, key);
                }
                if (n == 0)
                    s_error(errors, route->body_field, "names no field to change");
                *(size_t *)((char *)request + mask->quantifier_offset) = n;
                *(char ***)((char *)request + mask->offset) = keys;
            }
        }
    } else if (!body && route->body_field && !(route->flags & GATEWAY_ROUTE_BODY_OPTIONAL)) {
        s_error(errors, route->body_field[0] ? route->body_field : "", "a JSON body is required");
    }

    /* Query parameters fill root fields; routes without them refuse any. */
    for (size_t i = 0; i < input->query_count; i++) {
        const gateway_query_t *q = &input->query[i];
        if (!(route->flags & GATEWAY_ROUTE_QUERY) || s_url_owned(route, fixed, q->key)) {
            s_error(errors, q->key, "is not a known parameter");
            continue;
        }
        gateway_field_set_text(request, q->key, q->value ? q->value : "", q->key, arena, errors);
    }

    /* If-Match -> expected_version. */
    if ((route->flags & GATEWAY_ROUTE_IF_MATCH) && input->if_match) {
        long long version = 0;
        if (gateway_if_match_parse(input->if_match, &version) < 0) {
            s_error(errors, "If-Match", "must be the version of the resource, e.g. \"3\"");
        } else {
            const ProtobufCFieldDescriptor *field = protobuf_c_message_descriptor_get_field_by_name(
                route->request_type, "expected_version");
            VB_ASSERT(field && field->type == PROTOBUF_C_TYPE_INT64);
            *(int64_t *)((char *)request + field->offset) = version;
        }
    }

    /* Path parameters and fixed fields last: they win over everything. */
    if (input->params) {
        for (int i = 0; i < input->params->count; i++) {
            const char *field = s_path_field(route, &input->params->items[i]);
            VB_ASSERT(field);
            gateway_field_set_text(request, field, input->params->items[i].value, field, arena,
                                   errors);
        }
    }
    if (fixed) {
        vb_json_fill_proto(fixed, request, "", arena, errors);
        json_decref(fixed);
    }
    return errors->count == before ? request : NULL;
}

json_t *
gateway_reply_json(const gateway_route_t *route, const ProtobufCMessage *reply)
{
    if (!route->reply_field)
        return vb_proto_to_json(reply);
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(reply->descriptor, route->reply_field);
    VB_ASSERT(field && field->type == PROTOBUF_C_TYPE_MESSAGE);
    const ProtobufCMessage *sub = *(ProtobufCMessage *const *)((const char *)reply + field->offset);
    return sub ? vb_proto_to_json(sub) : json_null();
}

/* --- documents --- */

/* The value of string field name of message, or NULL. */
static const char *
s_string_field(const ProtobufCMessage *message, const char *name)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(message->descriptor, name);
    if (!field || field->type != PROTOBUF_C_TYPE_STRING || field->label == PROTOBUF_C_LABEL_REPEATED)
        return NULL;
    return *(const char *const *)((const char *)message + field->offset);
}

int
gateway_reply_document(const ProtobufCMessage *reply, gateway_document_t *document)
{
    memset(document, 0, sizeof(*document));
    document->content_type = s_string_field(reply, "content_type");
    document->body = s_string_field(reply, "body");
    document->etag = s_string_field(reply, "etag");
    if (!document->content_type || !document->content_type[0] || !document->body)
        return -1;
    document->size = strlen(document->body);
    return 0;
}
