/* gateway_http.c - the HTTP side of the gateway on libmicrohttpd (a thread per connection):
 * body accumulation with a size limit, health and metrics endpoints, and for API routes the
 * path auth -> content checks -> request build -> one RPC -> JSON or problem+json reply.
 * Does not: hold state across requests beyond the per-thread RPC client and the token cache. */
#include "gateway.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <microhttpd.h>

#include "verbund/membership/v1/membership.pb-c.h"
#include "gateway_http.h"
#include "gateway_problem.h"
#include "gateway_routes.h"
#include "vb/clock.h"
#include "vb/ids.h"
#include "vb/log.h"

#define HTTP_MAX_QUERY 32
#define HTTP_READY_DEADLINE_MS 1000
#define HTTP_PING_DEADLINE_MS 300 /* per other service in /readyz */
#define HTTP_CONNECTION_TIMEOUT_S 60
#define HTTP_REQUESTS_HELP "HTTP requests answered by the gateway, by route, method and status"
#define HTTP_DURATION_HELP "HTTP request duration in seconds, by route and method"

/* One HTTP request: the body read so far and when it started. MHD's con_cls. */
typedef struct {
    char *body;       /* accumulated upload, NUL-terminated; NULL when none */
    size_t size;      /* bytes in body */
    size_t capacity;  /* allocated bytes of body */
    bool too_large;   /* the upload passed max_body; the rest is discarded */
    int64_t start_us; /* monotonic time of the first callback */
} http_request_t;

/* --- responses --- */

void
gateway_http_common_headers(http_exchange_t *x, struct MHD_Response *response)
{
    MHD_add_response_header(response, "X-Request-Id", x->request_id);
    MHD_add_response_header(response, "Cache-Control", "no-store");
}

/* Sends text (copied); content_type may be NULL. Returns MHD's result. */
enum MHD_Result
gateway_http_send_text(http_exchange_t *x, int status, const char *content_type, const char *text,
                       size_t length, const char *const *headers)
{
    struct MHD_Response *response =
        MHD_create_response_from_buffer(length, (void *)text, MHD_RESPMEM_MUST_COPY);
    if (!response)
        return MHD_NO;
    if (content_type)
        MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
    gateway_http_common_headers(x, response);
    for (size_t i = 0; headers && headers[i]; i += 2)
        MHD_add_response_header(response, headers[i], headers[i + 1]);
    x->status = status;
    enum MHD_Result result = MHD_queue_response(x->connection, (unsigned)status, response);
    MHD_destroy_response(response);
    return result;
}

/* Sends json (reference stolen) with a content type; headers is NULL or {name, value, ..., NULL}.
 */
enum MHD_Result
gateway_http_send_json(http_exchange_t *x, int status, const char *content_type, json_t *json,
                       const char *const *headers)
{
    char *text = json ? json_dumps(json, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(json);
    if (!text) {
        static const char fallback[] =
            "{\"type\":\"https://verbund.example/problems/internal\",\"title\":\"Internal Server "
            "Error\",\"status\":500}";
        return gateway_http_send_text(x, 500, "application/problem+json", fallback,
                                      sizeof(fallback) - 1, NULL);
    }
    enum MHD_Result result =
        gateway_http_send_text(x, status, content_type, text, strlen(text), headers);
    free(text);
    return result;
}

/* Sends a problem (reference stolen). */
enum MHD_Result
gateway_http_send_problem(http_exchange_t *x, json_t *problem, const char *const *headers)
{
    int status = (int)json_integer_value(json_object_get(problem, "status"));
    return gateway_http_send_json(x, status ? status : 500, "application/problem+json", problem,
                                  headers);
}

enum MHD_Result
gateway_http_send_simple_problem(http_exchange_t *x, int status, const char *fmt, ...)
{
    char detail[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(detail, sizeof(detail), fmt, args);
    va_end(args);
    return gateway_http_send_problem(x, gateway_problem_new(status, detail, x->path), NULL);
}

/* --- per-thread RPC client --- */

static void
s_client_destroy(void *client)
{
    vb_rpc_client_t *c = client;
    vb_rpc_client_destroy(&c);
}

static const char *
s_service_endpoint(const gateway_t *self, gateway_service_t service)
{
    switch (service) {
    case GATEWAY_SERVICE_MEMBERSHIP:
        return self->config.membership_endpoint;
    case GATEWAY_SERVICE_COMMUNITIES:
        return self->config.communities_endpoint;
    case GATEWAY_SERVICE_EVENTS:
        return self->config.events_endpoint;
    case GATEWAY_SERVICE_MATCHMAKING:
        return self->config.matchmaking_endpoint;
    case GATEWAY_SERVICE_STREAM:
        return self->config.stream_endpoint;
    default:
        return NULL;
    }
}

vb_rpc_client_t *
gateway_service_client(gateway_t *self, gateway_service_t service)
{
    const char *endpoint = s_service_endpoint(self, service);
    if (!endpoint)
        return NULL;
    vb_rpc_client_t *client = pthread_getspecific(self->client_keys[service]);
    if (client)
        return client;
    vb_rpc_client_options_t options = {
        .endpoint = endpoint,
        .attempt_timeout_ms = 2000,
        .max_attempts = 3,
    };
    client = vb_rpc_client_new(&options);
    if (client && pthread_setspecific(self->client_keys[service], client) != 0)
        vb_rpc_client_destroy(&client);
    return client;
}

vb_rpc_client_t *
gateway_rpc_client(gateway_t *self)
{
    return gateway_service_client(self, GATEWAY_SERVICE_MEMBERSHIP);
}

vb_rpc_client_t *
gateway_stream_client(gateway_t *self)
{
    return gateway_service_client(self, GATEWAY_SERVICE_STREAM);
}

/* --- health and metrics --- */

/* Pings the services besides membership and notes each as "ok" or "unavailable" in checks.
 * They do not decide readiness: without membership no token verifies, so nothing works, but
 * with matchmaking down everything else still does, and a gateway taken out of rotation for
 * that would stop all of it. */
static void
s_check_other_services(http_exchange_t *x, const Verbund__Rpc__V1__Caller *caller, json_t *checks)
{
    static const gateway_service_t others[] = {GATEWAY_SERVICE_COMMUNITIES, GATEWAY_SERVICE_EVENTS,
                                               GATEWAY_SERVICE_MATCHMAKING};
    for (size_t i = 0; i < VB_ARRAY_SIZE(others); i++) {
        vb_rpc_client_t *client = gateway_service_client(x->gateway, others[i]);
        vb_status_t status = VB_STATUS_UNAVAILABLE;
        if (client) {
            vb_rpc_call_options_t options = {.deadline_ms = HTTP_PING_DEADLINE_MS,
                                             .caller = caller,
                                             .trace_id = x->trace_id};
            Verbund__Rpc__V1__Reply *reply = NULL;
            status = vb_rpc_client_call(client, "rpc.Ping", NULL, &options, &reply);
            if (reply)
                vb_rpc_reply_free(reply);
        }
        json_object_set_new(checks, gateway_service_name(others[i]),
                            json_string(vb_status_is_success(status) ? "ok" : "unavailable"));
    }
}

static enum MHD_Result
s_readyz(http_exchange_t *x)
{
    vb_rpc_client_t *client = gateway_rpc_client(x->gateway);
    if (!client)
        return gateway_http_send_simple_problem(x, 503, "cannot create an RPC client");
    Verbund__Membership__V1__HealthRequest request = VERBUND__MEMBERSHIP__V1__HEALTH_REQUEST__INIT;
    Verbund__Rpc__V1__Caller caller;
    gateway_auth_self_caller(&caller);
    vb_rpc_call_options_t options = {
        .deadline_ms = HTTP_READY_DEADLINE_MS, .caller = &caller, .trace_id = x->trace_id};
    Verbund__Rpc__V1__Reply *reply = NULL;
    vb_status_t status =
        vb_rpc_client_call(client, "membership.Health", &request.base, &options, &reply);
    Verbund__Membership__V1__HealthReply *health = NULL;
    if (vb_status_is_success(status) && reply)
        health = (Verbund__Membership__V1__HealthReply *)vb_rpc_reply_unpack(
            reply, &verbund__membership__v1__health_reply__descriptor);
    enum MHD_Result result;
    if (!health) {
        result = gateway_http_send_simple_problem(
            x, 503, "the membership service is not answering (%s)", vb_status_name(status));
    } else if (!health->database_ok) {
        result = gateway_http_send_simple_problem(
            x, 503, "the membership service cannot reach its database");
    } else {
        json_t *body = json_pack("{s:s, s:{s:s, s:s}}", "status", "ready", "checks", "membership",
                                 "ok", "cache", health->cache_ok ? "ok" : "degraded");
        s_check_other_services(x, &caller, json_object_get(body, "checks"));
        result = gateway_http_send_json(x, 200, "application/json", body, NULL);
    }
    if (health)
        protobuf_c_message_free_unpacked(&health->base, NULL);
    if (reply)
        vb_rpc_reply_free(reply);
    return result;
}

static enum MHD_Result
s_metrics(http_exchange_t *x)
{
    char *text = vb_metrics_render(x->gateway->metrics);
    if (!text)
        return gateway_http_send_simple_problem(x, 500, "cannot render metrics");
    enum MHD_Result result = gateway_http_send_text(
        x, 200, "text/plain; version=0.0.4; charset=utf-8", text, strlen(text), NULL);
    free(text);
    return result;
}

/* --- API routes --- */

static enum MHD_Result
s_collect_query(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    gateway_http_query_t *query = cls;
    if (query->count >= query->capacity) {
        query->overflow = true;
        return MHD_NO;
    }
    query->items[query->count].key = key;
    query->items[query->count].value = value ? value : "";
    query->count++;
    return MHD_YES;
}

void
gateway_http_query_collect(http_exchange_t *x, gateway_http_query_t *query)
{
    query->count = 0;
    query->overflow = false;
    MHD_get_connection_values(x->connection, MHD_GET_ARGUMENT_KIND, s_collect_query, query);
}

/* Problem for a failed RPC (reply may be NULL). */
enum MHD_Result
gateway_http_send_rpc_failure(http_exchange_t *x, vb_status_t status,
                              const Verbund__Rpc__V1__Reply *reply, const char *service)
{
    int http = vb_status_http(status);
    const char *detail = reply && reply->message && reply->message[0] ? reply->message : NULL;
    char text[128];
    if (!detail && status == VB_STATUS_UNAVAILABLE) {
        snprintf(text, sizeof(text), "the %s service is not answering; retry later", service);
        detail = text;
    }
    if (!detail && status == VB_STATUS_DEADLINE_EXCEEDED) {
        snprintf(text, sizeof(text), "the %s service did not answer in time", service);
        detail = text;
    }
    json_t *problem = gateway_problem_new(http, detail, x->path);
    gateway_problem_add_field_errors(problem, reply);
    static const char *const www[] = {"WWW-Authenticate", "Bearer realm=\"verbund\"", NULL};
    return gateway_http_send_problem(x, problem, http == 401 ? www : NULL);
}

/* A GATEWAY_ROUTE_RAW reply: the document in its own content type (message is freed). */
static enum MHD_Result
s_send_document(http_exchange_t *x, const gateway_route_t *route, ProtobufCMessage *message)
{
    gateway_document_t document;
    if (gateway_reply_document(message, &document) < 0) {
        protobuf_c_message_free_unpacked(message, NULL);
        return gateway_http_send_simple_problem(x, 502, "the reply of %s carries no document",
                                                route->rpc_method);
    }
    const char *headers[3] = {NULL};
    char etag[160];
    if (document.etag && document.etag[0]) {
        snprintf(etag, sizeof(etag), "\"%s\"", document.etag);
        headers[0] = "ETag";
        headers[1] = etag;
    }
    enum MHD_Result result =
        gateway_http_send_text(x, route->success_status, document.content_type, document.body,
                               document.size, headers);
    protobuf_c_message_free_unpacked(message, NULL);
    return result;
}

static enum MHD_Result
s_send_reply(http_exchange_t *x, const gateway_route_t *route, const Verbund__Rpc__V1__Reply *reply)
{
    ProtobufCMessage *message = vb_rpc_reply_unpack(reply, route->reply_type);
    if (!message)
        return gateway_http_send_simple_problem(
            x, 502, "the %s service sent a reply that does not decode as %s",
            gateway_service_name(gateway_service_for_method(route->rpc_method)),
            route->reply_type->name);
    if (route->flags & GATEWAY_ROUTE_RAW)
        return s_send_document(x, route, message);
    json_t *json = gateway_reply_json(route, message);
    protobuf_c_message_free_unpacked(message, NULL);
    if (!json)
        return gateway_http_send_simple_problem(x, 500, "out of memory");

    const char *headers[7] = {NULL};
    size_t h = 0;
    char location[512];
    char etag[32];
    json_t *id = json_object_get(json, "id");
    if (route->success_status == 201 && route->location_prefix && json_is_string(id)) {
        snprintf(location, sizeof(location), "%s%s", route->location_prefix, json_string_value(id));
        headers[h++] = "Location";
        headers[h++] = location;
    }
    json_t *version = json_object_get(json, "version");
    if ((route->flags & GATEWAY_ROUTE_ETAG) && json_is_integer(version)) {
        snprintf(etag, sizeof(etag), "\"%lld\"", (long long)json_integer_value(version));
        headers[h++] = "ETag";
        headers[h++] = etag;
    }
    return gateway_http_send_json(x, route->success_status, "application/json", json, headers);
}

static enum MHD_Result
s_route(http_exchange_t *x, http_request_t *request)
{
    gateway_params_t params;
    bool path_known = false;
    char allow[128];
    const gateway_route_t *route =
        gateway_route_match(x->method, x->path, &params, &path_known, allow, sizeof(allow));
    if (!route) {
        if (path_known) {
            const char *headers[] = {"Allow", allow, NULL};
            return gateway_http_send_problem(
                x, gateway_problem_new(405, "this path does not support the method", x->path),
                headers);
        }
        return gateway_http_send_simple_problem(x, 404, "no route for %s %s", x->method, x->path);
    }
    x->route = route->pattern;
    if (request->too_large)
        return gateway_http_send_simple_problem(x, 413, "the body is larger than %lld bytes",
                                                (long long)x->gateway->config.max_body);

    /* Who is calling. A public route without an Authorization header is called anonymously
     * (role UNSPECIFIED): the service decides what an anonymous caller may see. */
    const char *authorization =
        MHD_lookup_connection_value(x->connection, MHD_HEADER_KIND, "Authorization");
    Verbund__Rpc__V1__Caller caller;
    verbund__rpc__v1__caller__init(&caller);
    vb_status_t status = VB_STATUS_OK;
    if (!(authorization == NULL && (route->flags & GATEWAY_ROUTE_PUBLIC))) {
        const char *token = gateway_bearer_token(authorization);
        if (!token) {
            static const char *const www[] = {"WWW-Authenticate", "Bearer realm=\"verbund\"",
                                              NULL};
            return gateway_http_send_problem(
                x,
                gateway_problem_new(401,
                                    authorization ? "the Authorization header is not a bearer token"
                                                  : "a bearer token is required",
                                    x->path),
                www);
        }
        vb_rpc_client_t *membership = gateway_rpc_client(x->gateway);
        if (!membership)
            return gateway_http_send_simple_problem(x, 503, "cannot create an RPC client");
        status = gateway_auth_verify(x->gateway, membership, token, x->trace_id, x->arena, &caller);
        if (status == VB_STATUS_UNAUTHENTICATED) {
            static const char *const www[] = {
                "WWW-Authenticate", "Bearer realm=\"verbund\", error=\"invalid_token\"", NULL};
            return gateway_http_send_problem(
                x, gateway_problem_new(401, "the token is unknown, expired or revoked", x->path),
                www);
        }
        if (status != VB_STATUS_OK)
            return gateway_http_send_rpc_failure(x, status, NULL, "membership");
        if (!gateway_role_allows(caller.role, route->min_role))
            return gateway_http_send_simple_problem(
                x, 403, "this route needs the role %s or higher",
                vb_json_enum_name(&verbund__rpc__v1__role__descriptor, route->min_role, x->arena));
    }
    if (route->flags & GATEWAY_ROUTE_STREAM)
        return gateway_stream_serve(x, route, &caller);

    /* The body. */
    json_t *body = NULL;
    if (request->size > 0 && route->body_field) {
        const char *content_type =
            MHD_lookup_connection_value(x->connection, MHD_HEADER_KIND, "Content-Type");
        if (!gateway_content_type_is_json(content_type))
            return gateway_http_send_simple_problem(x, 415,
                                                    "the body must be application/json, not %s",
                                                    content_type ? content_type : "untyped");
        json_error_t error;
        body = json_loadb(request->body, request->size, JSON_REJECT_DUPLICATES, &error);
        if (!body) {
            char detail[256];
            snprintf(detail, sizeof(detail), "the body is not valid JSON: %s (line %d, column %d)",
                     error.text, error.line, error.column);
            json_t *problem = gateway_problem_new(400, detail, x->path);
            json_object_set_new(problem, "line", json_integer(error.line));
            json_object_set_new(problem, "column", json_integer(error.column));
            return gateway_http_send_problem(x, problem, NULL);
        }
    }

    const char *idempotency_key =
        MHD_lookup_connection_value(x->connection, MHD_HEADER_KIND, "Idempotency-Key");
    gateway_query_t query_items[HTTP_MAX_QUERY];
    gateway_http_query_t query = {.items = query_items, .capacity = HTTP_MAX_QUERY};
    gateway_http_query_collect(x, &query);
    gateway_input_t input = {
        .params = &params,
        .query = query.items,
        .query_count = query.count,
        .body = body,
        .if_match = MHD_lookup_connection_value(x->connection, MHD_HEADER_KIND, "If-Match"),
    };
    vb_json_errors_t errors = {0};
    ProtobufCMessage *message = gateway_request_build(route, &input, x->arena, &errors);
    json_decref(body);
    if (idempotency_key && !gateway_token_id_valid(idempotency_key)) {
        message = NULL;
        if (errors.count < VB_JSON_MAX_ERRORS) {
            snprintf(errors.items[errors.count].field, sizeof(errors.items[0].field),
                     "Idempotency-Key");
            snprintf(errors.items[errors.count].message, sizeof(errors.items[0].message),
                     "must be 1 to 128 printable characters without spaces");
        }
        errors.count++;
    }
    if (query.overflow) {
        message = NULL;
        if (errors.count < VB_JSON_MAX_ERRORS) {
            snprintf(errors.items[errors.count].field, sizeof(errors.items[0].field), "query");
            snprintf(errors.items[errors.count].message, sizeof(errors.items[0].message),
                     "has more than %d parameters", HTTP_MAX_QUERY);
        }
        errors.count++;
    }
    if (!message) {
        json_t *problem = gateway_problem_new(400, "the request has invalid fields", x->path);
        gateway_problem_add_json_errors(problem, &errors);
        return gateway_http_send_problem(x, problem, NULL);
    }

    vb_rpc_call_options_t options = {
        .deadline_ms = (int)x->gateway->config.rpc_deadline_ms,
        .caller = &caller,
        .idempotency_key = idempotency_key,
        .trace_id = x->trace_id,
        .write = strcmp(route->http_method, "GET") != 0,
    };
    gateway_service_t service = gateway_service_for_method(route->rpc_method);
    vb_rpc_client_t *client = gateway_service_client(x->gateway, service);
    if (!client)
        return gateway_http_send_simple_problem(x, 503, "cannot create an RPC client to %s",
                                                gateway_service_name(service));
    Verbund__Rpc__V1__Reply *reply = NULL;
    status = vb_rpc_client_call(client, route->rpc_method, message, &options, &reply);
    enum MHD_Result result =
        vb_status_is_success(status) && reply
            ? s_send_reply(x, route, reply)
            : gateway_http_send_rpc_failure(
                  x, vb_status_is_success(status) ? VB_STATUS_INTERNAL : status, reply,
                  gateway_service_name(service));
    if (reply)
        vb_rpc_reply_free(reply);
    return result;
}

/* Fills request and trace ids from the headers, or new ones. */
static void
s_ids(http_exchange_t *x)
{
    const char *given = MHD_lookup_connection_value(x->connection, MHD_HEADER_KIND, "X-Request-Id");
    if (gateway_token_id_valid(given)) {
        snprintf(x->request_id, sizeof(x->request_id), "%s", given);
    } else {
        char uuid[VB_UUID_STRING_SIZE];
        vb_uuid7(uuid);
        snprintf(x->request_id, sizeof(x->request_id), "%s", uuid);
    }
    char trace[33];
    const char *traceparent =
        MHD_lookup_connection_value(x->connection, MHD_HEADER_KIND, "traceparent");
    if (gateway_traceparent_trace_id(traceparent, trace) == 0)
        snprintf(x->trace_id, sizeof(x->trace_id), "%s", trace);
    else
        snprintf(x->trace_id, sizeof(x->trace_id), "%s", x->request_id);
}

static void
s_account(http_exchange_t *x, http_request_t *request)
{
    double seconds = (double)(vb_clock_monotonic_us() - request->start_us) / 1e6;
    char labels[512];
    snprintf(labels, sizeof(labels), "route=\"%s\",method=\"%s\",status=\"%d\"", x->route,
             x->method, x->status);
    vb_metrics_counter_add(x->gateway->metrics, "vb_http_requests_total", HTTP_REQUESTS_HELP,
                           labels, 1);
    snprintf(labels, sizeof(labels), "route=\"%s\",method=\"%s\"", x->route, x->method);
    vb_metrics_observe(x->gateway->metrics, "vb_http_request_duration_seconds", HTTP_DURATION_HELP,
                       labels, seconds);
    vb_log_context_t context = {x->request_id, x->trace_id};
    vb_log_field_t fields[] = {
        {"method", x->method, 0, 0},
        {"route", x->route, 0, 0},
        {"status", NULL, x->status, 1},
        {"duration_us", NULL, vb_clock_monotonic_us() - request->start_us, 1},
    };
    vb_log_fields(x->status >= 500 ? VB_LOG_WARN : VB_LOG_INFO, &context, fields,
                  (int)VB_ARRAY_SIZE(fields), "http request");
}

/* Answers one complete request: health endpoints here, API routes in s_route; then metrics
 * and the access log line. */
static enum MHD_Result
s_handle(gateway_t *gateway, struct MHD_Connection *connection, const char *url, const char *method,
         http_request_t *request)
{
    http_exchange_t x = {
        .connection = connection,
        .gateway = gateway,
        .method = method,
        .path = url,
        .route = "unmatched",
        .status = 500,
    };
    s_ids(&x);
    x.arena = vb_arena_new();
    enum MHD_Result result;
    if (!x.arena) {
        result = MHD_NO;
    } else if (strcmp(url, "/livez") == 0 || strcmp(url, "/readyz") == 0 ||
               strcmp(url, "/metrics") == 0) {
        x.route = url;
        if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
            const char *headers[] = {"Allow", "GET", NULL};
            result = gateway_http_send_problem(
                &x, gateway_problem_new(405, "this path supports only GET", url), headers);
        } else if (strcmp(url, "/livez") == 0) {
            result = gateway_http_send_json(&x, 200, "application/json",
                                            json_pack("{s:s}", "status", "ok"), NULL);
        } else if (strcmp(url, "/readyz") == 0) {
            result = s_readyz(&x);
        } else {
            result = s_metrics(&x);
        }
    } else {
        result = s_route(&x, request);
    }
    s_account(&x, request);
    vb_arena_destroy(&x.arena);
    return result;
}

static enum MHD_Result
s_access(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
         const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    (void)version;
    gateway_t *gateway = cls;
    http_request_t *request = *con_cls;
    if (!request) {
        request = calloc(1, sizeof(*request));
        if (!request)
            return MHD_NO;
        request->start_us = vb_clock_monotonic_us();
        atomic_fetch_add(&gateway->in_flight, 1);
        *con_cls = request;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        *upload_data_size = 0;
        if (request->too_large)
            return MHD_YES;
        if (request->size + n > (size_t)gateway->config.max_body) {
            request->too_large = true; /* keep reading, drop the bytes, answer 413 */
            free(request->body);
            request->body = NULL;
            request->size = request->capacity = 0;
            return MHD_YES;
        }
        if (request->size + n + 1 > request->capacity) {
            size_t capacity = request->capacity ? request->capacity : 4096;
            while (capacity < request->size + n + 1)
                capacity *= 2;
            char *grown = realloc(request->body, capacity);
            if (!grown)
                return MHD_NO;
            request->body = grown;
            request->capacity = capacity;
        }
        memcpy(request->body + request->size, upload_data, n);
        request->size += n;
        request->body[request->size] = '\0';
        return MHD_YES;
    }
    return s_handle(gateway, connection, url, method, request);
}

static void
s_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
            enum MHD_RequestTerminationCode code)
{
    (void)connection;
    (void)code;
    gateway_t *gateway = cls;
    http_request_t *request = *con_cls;
    if (!request)
        return;
    free(request->body);
    free(request);
    *con_cls = NULL;
    atomic_fetch_sub(&gateway->in_flight, 1);
}

static void
s_mhd_log(void *cls, const char *fmt, va_list args)
{
    (void)cls;
    char message[512];
    vsnprintf(message, sizeof(message), fmt, args);
    size_t length = strlen(message);
    while (length > 0 && message[length - 1] == '\n')
        message[--length] = '\0';
    vb_log_warn("libmicrohttpd: %s", message);
}

int
gateway_http_start(gateway_t *self)
{
    self->listen_fd = -1;
    atomic_init(&self->in_flight, 0);
    atomic_init(&self->stopping, false);
    for (int service = 0; service < GATEWAY_SERVICE_COUNT; service++) {
        if (pthread_key_create(&self->client_keys[service], s_client_destroy) != 0) {
            vb_log_error("cannot create the thread key of RPC clients");
            while (--service >= 0)
                pthread_key_delete(self->client_keys[service]);
            return -1;
        }
    }
    struct sockaddr_storage address;
    memset(&address, 0, sizeof(address));
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ITC |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (strchr(self->config.http_host, ':')) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&address;
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)self->config.http_port);
        if (inet_pton(AF_INET6, self->config.http_host, &in6->sin6_addr) != 1) {
            vb_log_error("VERBUND_HTTP_HOST: %s is not an IP address", self->config.http_host);
            return -1;
        }
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *in4 = (struct sockaddr_in *)&address;
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)self->config.http_port);
        if (inet_pton(AF_INET, self->config.http_host, &in4->sin_addr) != 1) {
            vb_log_error("VERBUND_HTTP_HOST: %s is not an IP address", self->config.http_host);
            return -1;
        }
    }
    /* The logger goes first so that MHD reports problems with later options through it. */
    self->daemon = MHD_start_daemon(
        flags, 0, NULL, NULL, s_access, self, MHD_OPTION_EXTERNAL_LOGGER, s_mhd_log, NULL,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address, MHD_OPTION_NOTIFY_COMPLETED, s_completed,
        self, MHD_OPTION_CONNECTION_LIMIT, (unsigned)self->config.connection_limit,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONNECTION_TIMEOUT_S, MHD_OPTION_END);
    if (!self->daemon) {
        vb_log_error("cannot listen on %s:%lld (in use, or not an address of this host)",
                     self->config.http_host, (long long)self->config.http_port);
        for (int service = 0; service < GATEWAY_SERVICE_COUNT; service++)
            pthread_key_delete(self->client_keys[service]);
        return -1;
    }
    return 0;
}

void
gateway_http_stop(gateway_t *self, int drain_ms)
{
    if (!self->daemon)
        return;
    self->listen_fd = MHD_quiesce_daemon(self->daemon);
    atomic_store(&self->stopping, true); /* long polls answer, event streams end */
    int64_t deadline = vb_clock_monotonic_us() + (int64_t)drain_ms * 1000;
    while (atomic_load(&self->in_flight) > 0 && vb_clock_monotonic_us() < deadline) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL); /* polling a counter; the daemon threads finish the work */
    }
    if (atomic_load(&self->in_flight) > 0)
        vb_log_warn("stopping with %d HTTP requests still in flight",
                    atomic_load(&self->in_flight));
    MHD_stop_daemon(self->daemon);
    self->daemon = NULL;
    if (self->listen_fd >= 0)
        close(self->listen_fd);
    self->listen_fd = -1;
    for (int service = 0; service < GATEWAY_SERVICE_COUNT; service++)
        pthread_key_delete(self->client_keys[service]);
}
