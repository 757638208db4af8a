/* test_gateway_routes.c - unit tests of the gateway's pure logic: route matching, the table's
 * consistency with the protos and api/openapi.yaml, request building from path, query, body
 * and headers, reply shaping, roles, problem+json and header parsers.
 * Does not: start the gateway (tests/integration/test_gateway_http.c does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "verbund/common/v1/types.pb-c.h"
#include "verbund/membership/v1/membership.pb-c.h"
#include "gateway_problem.h"
#include "gateway_routes.h"
#include "vb/arena.h"

/* --- helpers --- */

static const char *
s_error_at(const vb_json_errors_t *errors, const char *path)
{
    for (int i = 0; i < errors->count && i < VB_JSON_MAX_ERRORS; i++)
        if (strcmp(errors->items[i].field, path) == 0)
            return errors->items[i].message;
    return NULL;
}

static void
s_print_errors(const vb_json_errors_t *errors)
{
    for (int i = 0; i < errors->count && i < VB_JSON_MAX_ERRORS; i++)
        print_message("  %s: %s\n", errors->items[i].field, errors->items[i].message);
}

#define assert_error_at(errors, path, fragment)                                                    \
    do {                                                                                           \
        const char *message_ = s_error_at((errors), (path));                                       \
        if (!message_) {                                                                           \
            s_print_errors(errors);                                                                \
            fail_msg("no error at %s", (path));                                                    \
        }                                                                                          \
        if (!strstr(message_, (fragment)))                                                         \
            fail_msg("error at %s is \"%s\", expected \"%s\"", (path), message_, (fragment));      \
    } while (0)

static const gateway_route_t *
s_match(const char *method, const char *path, gateway_params_t *params)
{
    bool known = false;
    return gateway_route_match(method, path, params, &known, NULL, 0);
}

/* Builds the request of method + path with the given body text (may be NULL), query and
 * If-Match. Returns the message or NULL with errors. */
static ProtobufCMessage *
s_build(vb_arena_t *arena, const char *method, const char *path, const char *body_text,
        const gateway_query_t *query, size_t query_count, const char *if_match,
        vb_json_errors_t *errors)
{
    gateway_params_t params;
    const gateway_route_t *route = s_match(method, path, &params);
    if (!route)
        fail_msg("no route for %s %s", method, path);
    json_t *body = NULL;
    if (body_text) {
        body = json_loads(body_text, 0, NULL);
        assert_non_null(body);
    }
    gateway_input_t input = {&params, query, query_count, body, if_match};
    memset(errors, 0, sizeof(*errors));
    ProtobufCMessage *message = gateway_request_build(route, &input, arena, errors);
    json_decref(body);
    return message;
}

static char *
s_read_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (!file)
        return NULL;
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *text = calloc(1, (size_t)size + 1);
    if (text && fread(text, 1, (size_t)size, file) != (size_t)size) {
        free(text);
        text = NULL;
    }
    fclose(file);
    return text;
}

/* --- tests --- */

/* Usage: a method and a path find the route and its path parameters. */
static void
test_match_routes(void **state)
{
    (void)state;
    gateway_params_t params;
    const gateway_route_t *route = s_match("GET", "/v1/persons/0190-abc", &params);
    assert_non_null(route);
    assert_string_equal(route->rpc_method, "membership.PersonGet");
    assert_int_equal(params.count, 1);
    assert_string_equal(params.items[0].name, "id");
    assert_string_equal(params.items[0].value, "0190-abc");

    route = s_match("POST", "/v1/memberships/m-1/suspend", &params);
    assert_non_null(route);
    assert_string_equal(route->rpc_method, "membership.MembershipTransition");
    assert_string_equal(params.items[0].value, "m-1");
    assert_string_equal(s_match("GET", "/v1/persons", NULL)->rpc_method, "membership.PersonList");
    assert_string_equal(s_match("POST", "/v1/persons", NULL)->rpc_method,
                        "membership.PersonCreate");
    assert_string_equal(s_match("DELETE", "/v1/persons/x", NULL)->rpc_method,
                        "membership.PersonErase");
    assert_string_equal(s_match("GET", "/v1/persons/x/export", NULL)->rpc_method,
                        "membership.PersonExport");
    assert_string_equal(s_match("PUT", "/v1/persons/x/expert-profile", NULL)->rpc_method,
                        "membership.ExpertProfilePut");
    assert_string_equal(s_match("GET", "/v1/taxonomy", NULL)->rpc_method, "membership.TaxonomyGet");
    assert_string_equal(s_match("POST", "/v1/tokens", NULL)->rpc_method, "membership.TokenCreate");

    /* Not routes. */
    const char *misses[] = {"/",
                            "/v1",
                            "/v1/persons/",
                            "/v1/persons//export",
                            "/v1/persons/x/y",
                            "/v1/personsx",
                            "/v2/persons",
                            "/v1/memberships/x/lapse",
                            "/v1/persons/x/export/",
                            "v1/persons"};
    for (size_t i = 0; i < VB_ARRAY_SIZE(misses); i++) {
        bool known = true;
        assert_null(gateway_route_match("GET", misses[i], &params, &known, NULL, 0));
        assert_false(known);
    }

    /* A known path with another method: 405 material. */
    bool known = false;
    char allow[64];
    assert_null(gateway_route_match("PUT", "/v1/persons/x", &params, &known, allow, sizeof(allow)));
    assert_true(known);
    assert_string_equal(allow, "GET, PATCH, DELETE");
    assert_null(gateway_route_match("GET", "/v1/tokens", &params, &known, allow, sizeof(allow)));
    assert_true(known);
    assert_string_equal(allow, "POST");

    /* A segment longer than a parameter may be is not matched. */
    char longer[600] = "/v1/persons/";
    memset(longer + strlen(longer), 'a', 400);
    assert_null(s_match("GET", longer, &params));
}

/* The table agrees with the protos: method names, fields named by the table exist. */
static void
test_table_consistent(void **state)
{
    (void)state;
    size_t count = gateway_route_count();
    assert_true(count >= 19);
    for (size_t i = 0; i < count; i++) {
        const gateway_route_t *r = gateway_route_at(i);
        /* "<service>.<Name>" with request <Name>Request of package verbund.<service>.v1 */
        char expected[128];
        const char *short_name = r->request_type->short_name;
        size_t length = strlen(short_name) - strlen("Request");
        assert_string_equal(short_name + length, "Request");
        const char *package = r->request_type->package_name;
        assert_int_equal(strncmp(package, "verbund.", 8), 0);
        int service_length = (int)strcspn(package + 8, ".");
        snprintf(expected, sizeof(expected), "%.*s.%.*s", service_length, package + 8, (int)length,
                 short_name);
        assert_string_equal(r->rpc_method, expected);
        if (r->body_field && r->body_field[0])
            assert_non_null(
                protobuf_c_message_descriptor_get_field_by_name(r->request_type, r->body_field));
        if (r->reply_field)
            assert_non_null(
                protobuf_c_message_descriptor_get_field_by_name(r->reply_type, r->reply_field));
        for (int p = 0; p < GATEWAY_MAX_PARAMS && r->path_fields[p].param; p++) {
            char brace[40];
            snprintf(brace, sizeof(brace), "{%s}", r->path_fields[p].param);
            assert_non_null(strstr(r->pattern, brace));
            assert_non_null(protobuf_c_message_descriptor_get_field_by_name(
                r->request_type, r->path_fields[p].field));
        }
        assert_true(r->success_status == 200 || r->success_status == 201);
        assert_true(r->min_role != VERBUND__RPC__V1__ROLE__ROLE_UNSPECIFIED);
        /* No two routes share method and pattern. */
        for (size_t j = 0; j < i; j++)
            assert_false(strcmp(gateway_route_at(j)->http_method, r->http_method) == 0 &&
                         strcmp(gateway_route_at(j)->pattern, r->pattern) == 0);
    }
}

/* Every route is described in api/openapi.yaml: its path as a key under paths, its method
 * under that path; and every path there is a route or a health endpoint. */
static void
test_openapi_describes_every_route(void **state)
{
    (void)state;
    const char *source = getenv("VB_SOURCE_DIR");
    if (!source)
        source = VB_SOURCE_DIR;
    char path[1024];
    snprintf(path, sizeof(path), "%s/api/openapi.yaml", source);
    char *yaml = s_read_file(path);
    if (!yaml)
        fail_msg("cannot read %s", path);

    size_t count = gateway_route_count();
    for (size_t i = 0; i < count; i++) {
        char key[256];
        snprintf(key, sizeof(key), "\n  %s:\n", gateway_route_at(i)->pattern);
        const char *block = strstr(yaml, key);
        if (!block)
            fail_msg("api/openapi.yaml has no path %s", gateway_route_at(i)->pattern);
        block += strlen(key);
        /* The path's block ends at the next line indented by exactly two spaces. */
        const char *end = block;
        while ((end = strchr(end, '\n')) && !(end[1] == ' ' && end[2] == ' ' && end[3] != ' '))
            end++;
        char method[16];
        size_t m = 0;
        for (; gateway_route_at(i)->http_method[m] && m + 1 < sizeof(method); m++)
            method[m] = (char)(gateway_route_at(i)->http_method[m] - 'A' + 'a');
        method[m] = '\0';
        char op[32];
        snprintf(op, sizeof(op), "\n    %s:\n", method);
        const char *found = strstr(block - 1, op);
        if (!found || (end && found > end))
            fail_msg("api/openapi.yaml: %s has no %s operation", gateway_route_at(i)->pattern, method);
    }

    /* Query routes document every request field a query may set (cursor and limit through
     * the shared parameters). */
    for (size_t i = 0; i < count; i++) {
        if (!(gateway_route_at(i)->flags & GATEWAY_ROUTE_QUERY))
            continue;
        char key[256];
        snprintf(key, sizeof(key), "\n  %s:\n", gateway_route_at(i)->pattern);
        const char *block = strstr(yaml, key) + strlen(key);
        const char *end = block;
        while ((end = strchr(end, '\n')) && !(end[1] == ' ' && end[2] == ' ' && end[3] != ' '))
            end++;
        const ProtobufCMessageDescriptor *type = gateway_route_at(i)->request_type;
        for (unsigned f = 0; f < type->n_fields; f++) {
            const char *name = type->fields[f].name;
            bool from_path = false;
            for (int p = 0; p < GATEWAY_MAX_PARAMS && gateway_route_at(i)->path_fields[p].param; p++)
                from_path = from_path || strcmp(gateway_route_at(i)->path_fields[p].field, name) == 0;
            if (from_path)
                continue;
            char wanted[128];
            if (strcmp(name, "cursor") == 0)
                snprintf(wanted, sizeof(wanted), "parameters/Cursor'");
            else if (strcmp(name, "limit") == 0)
                snprintf(wanted, sizeof(wanted), "parameters/Limit'");
            else
                snprintf(wanted, sizeof(wanted), "- name: %s\n", name);
            const char *found = strstr(block, wanted);
            if (!found || (end && found > end))
                fail_msg("api/openapi.yaml: %s %s does not document the query parameter %s",
                         gateway_route_at(i)->http_method, gateway_route_at(i)->pattern, name);
        }
    }

    /* The reverse: every "  /path:" line under paths is served. */
    const char *paths = strstr(yaml, "\npaths:\n");
    const char *components = strstr(yaml, "\ncomponents:\n");
    assert_non_null(paths);
    assert_non_null(components);
    for (const char *line = paths + 1; line && line < components; line = strchr(line + 1, '\n')) {
        if (strncmp(line, "\n  /", 4) != 0)
            continue;
        char documented[256];
        size_t length = strcspn(line + 3, ":\n");
        snprintf(documented, sizeof(documented), "%.*s", (int)length, line + 3);
        bool served = strcmp(documented, "/livez") == 0 || strcmp(documented, "/readyz") == 0 ||
                      strcmp(documented, "/metrics") == 0;
        for (size_t i = 0; i < count && !served; i++)
            served = strcmp(gateway_route_at(i)->pattern, documented) == 0;
        if (!served)
            fail_msg("api/openapi.yaml documents %s, which no route serves", documented);
    }
    free(yaml);
}

static void
test_build_create_with_body(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    vb_json_errors_t errors;
    Verbund__Membership__V1__PersonCreateRequest *create =
        (Verbund__Membership__V1__PersonCreateRequest *)s_build(
            arena, "POST", "/v1/persons",
            "{\"name\": \"Ada\", \"skills\": [{\"code\": \"fs.x\", \"level\": 2}]}", NULL, 0, NULL,
            &errors);
    assert_non_null(create);
    assert_string_equal(create->person->name, "Ada");
    assert_int_equal(create->person->skills[0]->level, 2);

    /* Errors are named from the request root: "person.<field>". */
    assert_null(s_build(arena, "POST", "/v1/persons",
                        "{\"name\": 1, \"skills\": [{}, {\"level\": \"x\"}], \"shoe\": 4}", NULL, 0,
                        NULL, &errors));
    assert_int_equal(errors.count, 3);
    assert_error_at(&errors, "person.name", "must be a string");
    assert_error_at(&errors, "person.skills[1].level", "must be an integer");
    assert_error_at(&errors, "person.shoe", "is not a known field");

    /* A required body that is missing, and a body that is not an object. */
    assert_null(s_build(arena, "POST", "/v1/organizations", NULL, NULL, 0, NULL, &errors));
    assert_error_at(&errors, "organization", "a JSON body is required");
    assert_null(s_build(arena, "POST", "/v1/organizations", "[1]", NULL, 0, NULL, &errors));
    assert_error_at(&errors, "", "must be a JSON object");

    /* The token body is the request root. */
    Verbund__Membership__V1__TokenCreateRequest *token =
        (Verbund__Membership__V1__TokenCreateRequest *)s_build(
            arena, "POST", "/v1/tokens",
            "{\"role\": \"member\", \"person_id\": \"p1\", \"ttl_seconds\": \"60\"}", NULL, 0, NULL,
            &errors);
    assert_non_null(token);
    assert_int_equal(token->role, VERBUND__RPC__V1__ROLE__ROLE_MEMBER);
    assert_int_equal(token->ttl_seconds, 60);
    vb_arena_destroy(&arena);
}

static void
test_build_patch_mask_and_if_match(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    vb_json_errors_t errors;
    Verbund__Membership__V1__PersonUpdateRequest *update =
        (Verbund__Membership__V1__PersonUpdateRequest *)s_build(
            arena, "PATCH", "/v1/persons/p-7", "{\"region\": \"NRW\", \"languages\": [\"de\"]}",
            NULL, 0, "\"12\"", &errors);
    assert_non_null(update);
    assert_string_equal(update->id, "p-7");
    assert_int_equal(update->expected_version, 12);
    assert_string_equal(update->person->region, "NRW");
    assert_int_equal(update->n_update_mask, 2);
    assert_true((strcmp(update->update_mask[0], "region") == 0 &&
                 strcmp(update->update_mask[1], "languages") == 0) ||
                (strcmp(update->update_mask[1], "region") == 0 &&
                 strcmp(update->update_mask[0], "languages") == 0));

    /* Without If-Match the version stays 0 (the service decides). */
    update = (Verbund__Membership__V1__PersonUpdateRequest *)s_build(
        arena, "PATCH", "/v1/persons/p-7", "{\"name\": \"B\"}", NULL, 0, NULL, &errors);
    assert_non_null(update);
    assert_int_equal(update->expected_version, 0);

    assert_null(
        s_build(arena, "PATCH", "/v1/persons/p-7", "{\"name\": \"B\"}", NULL, 0, "abc", &errors));
    assert_error_at(&errors, "If-Match", "must be the version");
    assert_null(s_build(arena, "PATCH", "/v1/persons/p-7", "{}", NULL, 0, "1", &errors));
    assert_error_at(&errors, "person", "names no field to change");
    vb_arena_destroy(&arena);
}

static void
test_build_query_typed(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    vb_json_errors_t errors;
    gateway_query_t query[] = {{"text", "zoll"}, {"limit", "20"}, {"skill", "fs.collaboration"}};
    Verbund__Membership__V1__PersonListRequest *list =
        (Verbund__Membership__V1__PersonListRequest *)s_build(arena, "GET", "/v1/persons", NULL,
                                                              query, 3, NULL, &errors);
    assert_non_null(list);
    assert_string_equal(list->text, "zoll");
    assert_int_equal(list->limit, 20);
    assert_string_equal(list->skill, "fs.collaboration");

    gateway_query_t bad[] = {
        {"limit", "twenty"}, {"sort", "name"}, {"cursor", ""}, {"region", "Ruhr"}};
    assert_null(s_build(arena, "GET", "/v1/persons", NULL, bad, 4, NULL, &errors));
    assert_int_equal(errors.count, 2);
    assert_error_at(&errors, "limit", "must be an integer");
    assert_error_at(&errors, "sort", "is not a known parameter");
    gateway_query_t huge[] = {{"limit", "99999999999"}};
    assert_null(s_build(arena, "GET", "/v1/organizations", NULL, huge, 1, NULL, &errors));
    assert_error_at(&errors, "limit", "out of range for int32");

    /* Routes without query parameters refuse them; path fields cannot be overridden. */
    gateway_query_t any[] = {{"id", "other"}};
    assert_null(s_build(arena, "GET", "/v1/persons/p1", NULL, any, 1, NULL, &errors));
    assert_error_at(&errors, "id", "is not a known parameter");
    assert_null(s_build(arena, "DELETE", "/v1/persons/p1", NULL, any, 1, NULL, &errors));
    gateway_query_t reason[] = {{"reason", "asked by the person"}};
    Verbund__Membership__V1__PersonEraseRequest *erase =
        (Verbund__Membership__V1__PersonEraseRequest *)s_build(arena, "DELETE", "/v1/persons/p1",
                                                               NULL, reason, 1, NULL, &errors);
    assert_non_null(erase);
    assert_string_equal(erase->id, "p1");
    assert_string_equal(erase->reason, "asked by the person");
    vb_arena_destroy(&arena);
}

static void
test_build_transition_and_path_fields(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    vb_json_errors_t errors;
    Verbund__Membership__V1__MembershipTransitionRequest *transition =
        (Verbund__Membership__V1__MembershipTransitionRequest *)s_build(
            arena, "POST", "/v1/memberships/m1/terminate",
            "{\"reason\": \"moved away\", \"expected_version\": 4}", NULL, 0, NULL, &errors);
    assert_non_null(transition);
    assert_string_equal(transition->id, "m1");
    assert_int_equal(transition->action,
                     VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_TERMINATE);
    assert_string_equal(transition->reason, "moved away");
    assert_int_equal(transition->expected_version, 4);

    /* The body is optional. */
    transition = (Verbund__Membership__V1__MembershipTransitionRequest *)s_build(
        arena, "POST", "/v1/memberships/m1/approve", NULL, NULL, 0, NULL, &errors);
    assert_non_null(transition);
    assert_int_equal(transition->action,
                     VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_APPROVE);

    /* URL-owned fields cannot come from the body. */
    assert_null(s_build(arena, "POST", "/v1/memberships/m1/approve",
                        "{\"action\": \"lapse\", \"id\": \"m2\"}", NULL, 0, NULL, &errors));
    assert_int_equal(errors.count, 2);
    assert_error_at(&errors, "action", "is set by the URL");
    assert_error_at(&errors, "id", "is set by the URL");

    /* {id} of the expert-profile path fills person_id. */
    Verbund__Membership__V1__ExpertProfilePutRequest *put =
        (Verbund__Membership__V1__ExpertProfilePutRequest *)s_build(
            arena, "PUT", "/v1/persons/p9/expert-profile",
            "{\"hourly_rate\": {\"cents\": 9000, \"currency\": \"EUR\"}, \"remote\": true}", NULL,
            0, NULL, &errors);
    assert_non_null(put);
    assert_string_equal(put->person_id, "p9");
    assert_int_equal(put->profile->hourly_rate->cents, 9000);
    assert_true(put->profile->remote);
    vb_arena_destroy(&arena);
}

static void
test_reply_json(void **state)
{
    (void)state;
    gateway_params_t params;
    const gateway_route_t *get = s_match("GET", "/v1/persons/p1", &params);
    Verbund__Membership__V1__Person person = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    person.id = "p1";
    person.version = 3;
    Verbund__Membership__V1__PersonReply reply = VERBUND__MEMBERSHIP__V1__PERSON_REPLY__INIT;
    reply.person = &person;
    json_t *json = gateway_reply_json(get, &reply.base);
    assert_string_equal(json_string_value(json_object_get(json, "id")), "p1");
    assert_int_equal(json_integer_value(json_object_get(json, "version")), 3);
    assert_null(json_object_get(json, "person"));
    json_decref(json);

    /* A list route returns the whole reply. */
    const gateway_route_t *list = s_match("GET", "/v1/persons", &params);
    Verbund__Membership__V1__PersonListReply page =
        VERBUND__MEMBERSHIP__V1__PERSON_LIST_REPLY__INIT;
    Verbund__Membership__V1__Person *items[] = {&person};
    page.n_items = 1;
    page.items = items;
    page.next_cursor = "c2";
    json = gateway_reply_json(list, &page.base);
    assert_int_equal(json_array_size(json_object_get(json, "items")), 1);
    assert_string_equal(json_string_value(json_object_get(json, "next_cursor")), "c2");
    json_decref(json);
}

static void
test_roles(void **state)
{
    (void)state;
    const int admin = VERBUND__RPC__V1__ROLE__ROLE_ADMIN,
              staff = VERBUND__RPC__V1__ROLE__ROLE_STAFF,
              member = VERBUND__RPC__V1__ROLE__ROLE_MEMBER,
              service = VERBUND__RPC__V1__ROLE__ROLE_SERVICE,
              none = VERBUND__RPC__V1__ROLE__ROLE_UNSPECIFIED;
    assert_true(gateway_role_allows(admin, admin));
    assert_true(gateway_role_allows(admin, member));
    assert_true(gateway_role_allows(staff, staff));
    assert_true(gateway_role_allows(staff, member));
    assert_false(gateway_role_allows(staff, admin));
    assert_true(gateway_role_allows(member, member));
    assert_false(gateway_role_allows(member, staff));
    assert_false(gateway_role_allows(member, admin));
    assert_true(gateway_role_allows(service, staff));
    assert_false(gateway_role_allows(none, member));
    assert_false(gateway_role_allows(42, member));
    /* The table: only admins make tokens; members may not create persons. */
    assert_int_equal(s_match("POST", "/v1/tokens", NULL)->min_role, admin);
    assert_int_equal(s_match("POST", "/v1/persons", NULL)->min_role, staff);
    assert_int_equal(s_match("POST", "/v1/memberships/x/approve", NULL)->min_role, staff);
    assert_int_equal(s_match("GET", "/v1/persons/x", NULL)->min_role, member);
}

static void
test_problem(void **state)
{
    (void)state;
    json_t *problem = gateway_problem_new(409, "version 3 is stale", "/v1/persons/p1");
    assert_string_equal(json_string_value(json_object_get(problem, "type")),
                        "https://verbund.example/problems/conflict");
    assert_string_equal(json_string_value(json_object_get(problem, "title")), "Conflict");
    assert_int_equal(json_integer_value(json_object_get(problem, "status")), 409);
    assert_string_equal(json_string_value(json_object_get(problem, "detail")),
                        "version 3 is stale");
    assert_string_equal(json_string_value(json_object_get(problem, "instance")), "/v1/persons/p1");
    assert_null(json_object_get(problem, "errors"));

    vb_json_errors_t errors = {0};
    errors.count = VB_JSON_MAX_ERRORS + 3;
    for (int i = 0; i < VB_JSON_MAX_ERRORS; i++) {
        snprintf(errors.items[i].field, sizeof(errors.items[i].field), "f%d", i);
        snprintf(errors.items[i].message, sizeof(errors.items[i].message), "bad");
    }
    gateway_problem_add_json_errors(problem, &errors);
    json_t *list = json_object_get(problem, "errors");
    assert_int_equal(json_array_size(list), VB_JSON_MAX_ERRORS + 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 1), "field")), "f1");
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(list, VB_JSON_MAX_ERRORS), "message")),
        "and 3 more errors");
    json_decref(problem);

    Verbund__Rpc__V1__FieldError field = VERBUND__RPC__V1__FIELD_ERROR__INIT;
    field.field = "person.email";
    field.message = "is already taken";
    Verbund__Rpc__V1__FieldError *fields[] = {&field};
    Verbund__Rpc__V1__Reply reply = VERBUND__RPC__V1__REPLY__INIT;
    reply.n_field_errors = 1;
    reply.field_errors = fields;
    problem = gateway_problem_new(413, NULL, "/v1/persons");
    gateway_problem_add_field_errors(problem, &reply);
    assert_string_equal(json_string_value(json_object_get(problem, "type")),
                        "https://verbund.example/problems/payload_too_large");
    assert_null(json_object_get(problem, "detail"));
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(problem, "errors"), 0), "field")),
                        "person.email");
    json_decref(problem);

    assert_string_equal(gateway_http_status_name(415), "unsupported_media_type");
    assert_string_equal(gateway_http_status_name(405), "method_not_allowed");
    assert_string_equal(gateway_http_status_name(vb_status_http(VB_STATUS_UNPROCESSABLE)),
                        vb_status_name(VB_STATUS_UNPROCESSABLE));
    assert_string_equal(gateway_http_status_name(599), "error");
}

static void
test_header_parsers(void **state)
{
    (void)state;
    assert_string_equal(gateway_bearer_token("Bearer abc.DEF-_~+/=="), "abc.DEF-_~+/==");
    assert_string_equal(gateway_bearer_token("bearer   tok"), "tok");
    assert_null(gateway_bearer_token(NULL));
    assert_null(gateway_bearer_token("Basic dXNlcjpwdw=="));
    assert_null(gateway_bearer_token("Bearer"));
    assert_null(gateway_bearer_token("Bearer "));
    assert_null(gateway_bearer_token("Bearertok"));
    assert_null(gateway_bearer_token("Bearer a b"));
    assert_null(gateway_bearer_token("Bearer a\"b"));

    assert_true(gateway_content_type_is_json("application/json"));
    assert_true(gateway_content_type_is_json("application/json; charset=utf-8"));
    assert_true(gateway_content_type_is_json("Application/JSON"));
    assert_true(gateway_content_type_is_json("application/merge-patch+json"));
    assert_false(gateway_content_type_is_json(NULL));
    assert_false(gateway_content_type_is_json("text/plain"));
    assert_false(gateway_content_type_is_json("application/jsonx"));
    assert_false(gateway_content_type_is_json("application/x-www-form-urlencoded"));
    assert_false(gateway_content_type_is_json("text/json+xml"));

    char trace[33];
    assert_int_equal(gateway_traceparent_trace_id(
                         "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", trace),
                     0);
    assert_string_equal(trace, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_int_equal(gateway_traceparent_trace_id(
                         "00-00000000000000000000000000000000-00f067aa0ba902b7-01", trace),
                     -1);
    assert_int_equal(gateway_traceparent_trace_id("00-4bf92f35-00f067aa0ba902b7-01", trace), -1);
    assert_int_equal(gateway_traceparent_trace_id(
                         "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", trace),
                     -1);
    assert_int_equal(gateway_traceparent_trace_id(NULL, trace), -1);

    assert_true(gateway_token_id_valid("3f2a-key_1"));
    assert_false(gateway_token_id_valid(""));
    assert_false(gateway_token_id_valid("has space"));
    assert_false(gateway_token_id_valid("ctl\x01"));
    char long_id[200];
    memset(long_id, 'k', sizeof(long_id) - 1);
    long_id[sizeof(long_id) - 1] = '\0';
    assert_false(gateway_token_id_valid(long_id));

    long long version = 0;
    assert_int_equal(gateway_if_match_parse("\"7\"", &version), 0);
    assert_int_equal(version, 7);
    assert_int_equal(gateway_if_match_parse("W/\"8\"", &version), 0);
    assert_int_equal(version, 8);
    assert_int_equal(gateway_if_match_parse("9", &version), 0);
    assert_int_equal(version, 9);
    assert_int_equal(gateway_if_match_parse("\"0\"", &version), -1);
    assert_int_equal(gateway_if_match_parse("*", &version), -1);
    assert_int_equal(gateway_if_match_parse("\"7", &version), -1);
    assert_int_equal(gateway_if_match_parse("\"-1\"", &version), -1);
    assert_int_equal(gateway_if_match_parse("\"1\", \"2\"", &version), -1);
}

/* "{id}.ics": the parameter is the segment without its literal suffix; without the suffix the
 * pattern does not match. */
static void
test_pattern_suffix(void **state)
{
    (void)state;
    gateway_params_t params;
    assert_true(gateway_pattern_match("/v1/events/{id}.ics", "/v1/events/abc-1.ics", &params));
    assert_int_equal(params.count, 1);
    assert_string_equal(params.items[0].name, "id");
    assert_string_equal(params.items[0].value, "abc-1");
    assert_false(gateway_pattern_match("/v1/events/{id}.ics", "/v1/events/abc-1", &params));
    assert_false(gateway_pattern_match("/v1/events/{id}.ics", "/v1/events/.ics", &params));
    assert_false(gateway_pattern_match("/v1/events/{id}.ics", "/v1/events/a.icsx", &params));
    assert_true(gateway_pattern_match("/v1/calendar.ics", "/v1/calendar.ics", &params));
    assert_int_equal(params.count, 0);
    /* a plain parameter still takes the whole segment */
    assert_true(gateway_pattern_match("/v1/events/{id}", "/v1/events/a.ics", &params));
    assert_string_equal(params.items[0].value, "a.ics");
}

/* A route's service is the prefix of its rpc method; every route names a known service. */
static void
test_service_for_method(void **state)
{
    (void)state;
    assert_int_equal(gateway_service_for_method("membership.PersonGet"),
                     GATEWAY_SERVICE_MEMBERSHIP);
    assert_int_equal(gateway_service_for_method("events.EventGet"), GATEWAY_SERVICE_EVENTS);
    assert_int_equal(gateway_service_for_method("communities.X"), GATEWAY_SERVICE_COMMUNITIES);
    assert_int_equal(gateway_service_for_method("matchmaking.X"), GATEWAY_SERVICE_MATCHMAKING);
    assert_int_equal(gateway_service_for_method("stream.Read"), GATEWAY_SERVICE_STREAM);
    assert_int_equal(gateway_service_for_method("event.X"), GATEWAY_SERVICE_COUNT);
    assert_int_equal(gateway_service_for_method("eventsX.Y"), GATEWAY_SERVICE_COUNT);
    assert_string_equal(gateway_service_name(GATEWAY_SERVICE_EVENTS), "events");
    for (size_t i = 0; i < gateway_route_count(); i++)
        assert_int_not_equal(gateway_service_for_method(gateway_route_at(i)->rpc_method),
                             GATEWAY_SERVICE_COUNT);
}

/* A RAW route's reply is read as content type, body and ETag; a message without those fields
 * is refused. */
static void
test_reply_document(void **state)
{
    (void)state;
    Verbund__Common__V1__Document document = VERBUND__COMMON__V1__DOCUMENT__INIT;
    document.content_type = "text/calendar; charset=utf-8";
    document.body = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
    document.etag = "3";
    gateway_document_t read;
    assert_int_equal(gateway_reply_document(&document.base, &read), 0);
    assert_string_equal(read.content_type, "text/calendar; charset=utf-8");
    assert_int_equal(read.size, strlen(document.body));
    assert_string_equal(read.etag, "3");
    document.content_type = "";
    assert_int_equal(gateway_reply_document(&document.base, &read), -1);
    Verbund__Membership__V1__PersonReply person = VERBUND__MEMBERSHIP__V1__PERSON_REPLY__INIT;
    assert_int_equal(gateway_reply_document(&person.base, &read), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_routes),
        cmocka_unit_test(test_table_consistent),
        cmocka_unit_test(test_openapi_describes_every_route),
        cmocka_unit_test(test_build_create_with_body),
        cmocka_unit_test(test_build_patch_mask_and_if_match),
        cmocka_unit_test(test_build_query_typed),
        cmocka_unit_test(test_build_transition_and_path_fields),
        cmocka_unit_test(test_reply_json),
        cmocka_unit_test(test_roles),
        cmocka_unit_test(test_problem),
        cmocka_unit_test(test_header_parsers),
        cmocka_unit_test(test_pattern_suffix),
        cmocka_unit_test(test_service_for_method),
        cmocka_unit_test(test_reply_document),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
