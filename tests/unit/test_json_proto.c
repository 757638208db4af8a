/* test_json_proto.c - unit tests of vb/json_proto.h on the membership, rpc and common protos
 * and one hand-written recursive descriptor (depth limit, floats, unsigned, optional).
 * Does not: test the gateway's use of it (test_gateway_http.c does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "verbund/common/v1/types.pb-c.h"
#include "verbund/membership/v1/membership.pb-c.h"
#include "verbund/rpc/v1/rpc.pb-c.h"
#include "vb/arena.h"
#include "vb/json_proto.h"

/* --- helpers --- */

static json_t *
s_parse(const char *text)
{
    json_error_t error;
    json_t *json = json_loads(text, 0, &error);
    if (!json)
        fail_msg("test JSON does not parse: %s (%s)", error.text, text);
    return json;
}

/* The message of the error at path, or NULL. */
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

/* Converts text to a message of type and expects failure; returns the errors. */
static vb_json_errors_t
s_expect_errors(const char *text, const ProtobufCMessageDescriptor *type, const char *prefix)
{
    vb_arena_t *arena = vb_arena_new();
    json_t *json = s_parse(text);
    vb_json_errors_t errors = {0};
    ProtobufCMessage *message = vb_json_to_proto(json, type, prefix, arena, &errors);
    assert_null(message);
    assert_true(errors.count > 0);
    json_decref(json);
    vb_arena_destroy(&arena);
    return errors;
}

/* --- a hand-written recursive message: test.Node --- */

typedef struct test_node test_node_t;
struct test_node {
    ProtobufCMessage base;
    test_node_t *child; /* 1 */
    double d;           /* 2 */
    float f;            /* 3 */
    uint64_t u64;       /* 4 */
    uint32_t u32;       /* 5 */
    size_t n_flags;     /* 6 repeated bool */
    protobuf_c_boolean *flags;
    size_t n_values; /* 7 repeated double */
    double *values;
    protobuf_c_boolean has_opt; /* 8 optional int32 */
    int32_t opt;
    ProtobufCBinaryData blob; /* 9 bytes */
};

static const ProtobufCMessageDescriptor s_node_descriptor;

static void
s_node_init(ProtobufCMessage *message)
{
    memset(message, 0, sizeof(test_node_t));
    message->descriptor = &s_node_descriptor;
}

static const ProtobufCFieldDescriptor s_node_fields[] = {
    {"child", 1, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_MESSAGE, 0, offsetof(test_node_t, child),
     &s_node_descriptor, NULL, 0, 0, NULL, NULL},
    {"d", 2, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_DOUBLE, 0, offsetof(test_node_t, d), NULL, NULL,
     0, 0, NULL, NULL},
    {"f", 3, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_FLOAT, 0, offsetof(test_node_t, f), NULL, NULL,
     0, 0, NULL, NULL},
    {"u64", 4, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_UINT64, 0, offsetof(test_node_t, u64), NULL,
     NULL, 0, 0, NULL, NULL},
    {"u32", 5, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_UINT32, 0, offsetof(test_node_t, u32), NULL,
     NULL, 0, 0, NULL, NULL},
    {"flags", 6, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_BOOL, offsetof(test_node_t, n_flags),
     offsetof(test_node_t, flags), NULL, NULL, 0, 0, NULL, NULL},
    {"values", 7, PROTOBUF_C_LABEL_REPEATED, PROTOBUF_C_TYPE_DOUBLE,
     offsetof(test_node_t, n_values), offsetof(test_node_t, values), NULL, NULL, 0, 0, NULL, NULL},
    {"opt", 8, PROTOBUF_C_LABEL_OPTIONAL, PROTOBUF_C_TYPE_INT32, offsetof(test_node_t, has_opt),
     offsetof(test_node_t, opt), NULL, NULL, 0, 0, NULL, NULL},
    {"blob", 9, PROTOBUF_C_LABEL_NONE, PROTOBUF_C_TYPE_BYTES, 0, offsetof(test_node_t, blob), NULL,
     NULL, 0, 0, NULL, NULL},
};
/* blob child d f flags opt u32 u64 values */
static const unsigned s_node_fields_by_name[] = {8, 0, 1, 2, 5, 7, 4, 3, 6};
static const ProtobufCIntRange s_node_ranges[] = {{1, 0}, {0, 9}};

static const ProtobufCMessageDescriptor s_node_descriptor = {
    PROTOBUF_C__MESSAGE_DESCRIPTOR_MAGIC,
    "test.Node",
    "Node",
    "TestNode",
    "test",
    sizeof(test_node_t),
    VB_ARRAY_SIZE(s_node_fields),
    s_node_fields,
    s_node_fields_by_name,
    1,
    s_node_ranges,
    s_node_init,
    NULL,
    NULL,
    NULL,
};

/* --- tests --- */

/* Usage: a create-person body becomes a request message in the arena, and back. */
static void
test_person_round_trip(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    json_t *json =
        s_parse("{\"person\": {\"name\": \"Ada Lovelace\", \"email\": \"ada@example.org\","
                " \"languages\": [\"de\", \"en\"],"
                " \"skills\": [{\"code\": \"fs.collaboration\", \"level\": 4},"
                "              {\"code\": \"dc.2.4\", \"level\": 0}],"
                " \"consents\": {\"visible_in_network\": true},"
                " \"version\": 7}}");
    vb_json_errors_t errors = {0};
    Verbund__Membership__V1__PersonCreateRequest *request =
        (Verbund__Membership__V1__PersonCreateRequest *)vb_json_to_proto(
            json, &verbund__membership__v1__person_create_request__descriptor, "", arena, &errors);
    assert_non_null(request);
    assert_int_equal(errors.count, 0);
    Verbund__Membership__V1__Person *person = request->person;
    assert_non_null(person);
    assert_string_equal(person->name, "Ada Lovelace");
    assert_string_equal(person->email, "ada@example.org");
    assert_string_equal(person->region, ""); /* unset strings stay the empty default */
    assert_int_equal(person->n_languages, 2);
    assert_string_equal(person->languages[1], "en");
    assert_int_equal(person->n_skills, 2);
    assert_string_equal(person->skills[0]->code, "fs.collaboration");
    assert_int_equal(person->skills[0]->level, 4);
    assert_int_equal(person->skills[1]->level, 0);
    assert_true(person->consents->visible_in_network);
    assert_false(person->consents->federate);
    assert_int_equal(person->version, 7);

    /* It packs and unpacks like any message built by hand. */
    size_t size = protobuf_c_message_get_packed_size(&request->base);
    uint8_t *packed = vb_arena_alloc(arena, size);
    protobuf_c_message_pack(&request->base, packed);
    Verbund__Membership__V1__PersonCreateRequest *copy =
        verbund__membership__v1__person_create_request__unpack(vb_arena_protobuf_allocator(arena),
                                                               size, packed);
    assert_non_null(copy);
    assert_string_equal(copy->person->skills[0]->code, "fs.collaboration");

    json_t *back = vb_proto_to_json(&copy->base);
    assert_non_null(back);
    json_t *p = json_object_get(back, "person");
    assert_string_equal(json_string_value(json_object_get(p, "name")), "Ada Lovelace");
    assert_int_equal(json_integer_value(json_object_get(p, "version")), 7);
    assert_true(json_is_false(json_object_get(p, "erased"))); /* zero scalars are written */
    assert_string_equal(json_string_value(json_object_get(p, "region")), "");
    assert_int_equal(json_array_size(json_object_get(p, "interests")), 0);
    json_t *skill = json_array_get(json_object_get(p, "skills"), 1);
    assert_int_equal(json_integer_value(json_object_get(skill, "level")), 0);
    assert_true(
        json_is_true(json_object_get(json_object_get(p, "consents"), "visible_in_network")));
    json_decref(back);
    json_decref(json);
    vb_arena_destroy(&arena);
}

static void
test_to_json_omits_unset_message_and_zero_enum(void **state)
{
    (void)state;
    Verbund__Membership__V1__Membership membership = VERBUND__MEMBERSHIP__V1__MEMBERSHIP__INIT;
    json_t *json = vb_proto_to_json(&membership.base);
    assert_non_null(json);
    assert_null(json_object_get(json, "type"));                /* enum 0 omitted */
    assert_null(json_object_get(json, "yearly_contribution")); /* unset message omitted */
    assert_non_null(json_object_get(json, "version"));
    json_decref(json);

    membership.type = VERBUND__MEMBERSHIP__V1__MEMBERSHIP_TYPE__MEMBERSHIP_TYPE_SUPPORTING;
    membership.status = VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_ACTIVE;
    Verbund__Common__V1__Money money = VERBUND__COMMON__V1__MONEY__INIT;
    money.cents = 6000;
    money.currency = "EUR";
    membership.yearly_contribution = &money;
    json = vb_proto_to_json(&membership.base);
    assert_string_equal(json_string_value(json_object_get(json, "type")), "supporting");
    assert_string_equal(json_string_value(json_object_get(json, "status")), "active");
    json_t *contribution = json_object_get(json, "yearly_contribution");
    assert_int_equal(json_integer_value(json_object_get(contribution, "cents")), 6000);
    json_decref(json);
}

static void
test_enum_names(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    const ProtobufCEnumDescriptor *kind = &verbund__membership__v1__organization_kind__descriptor;
    assert_string_equal(vb_json_enum_name(kind, 3, arena), "public_body");
    assert_string_equal(vb_json_enum_name(kind, 4, arena), "education_provider");
    assert_string_equal(vb_json_enum_name(kind, 0, arena), "unspecified");
    assert_null(vb_json_enum_name(kind, 99, arena));
    int value = -1;
    assert_int_equal(vb_json_enum_value(kind, "social_enterprise", &value), 0);
    assert_int_equal(value, 5);
    assert_int_equal(vb_json_enum_value(kind, "SOCIAL_ENTERPRISE", &value), -1);
    assert_int_equal(vb_json_enum_value(kind, "ORGANIZATION_KIND_COMPANY", &value), -1);
    assert_int_equal(vb_json_enum_value(kind, "", &value), -1);

    assert_string_equal(vb_json_enum_name(&verbund__rpc__v1__role__descriptor, 1, arena), "admin");
    assert_string_equal(vb_json_enum_name(&verbund__rpc__v1__status__descriptor, 8, arena),
                        "payload_too_large");
    assert_string_equal(
        vb_json_enum_name(&verbund__membership__v1__membership_action__descriptor, 4, arena),
        "terminate");
    assert_int_equal(vb_json_enum_value(&verbund__membership__v1__membership_status__descriptor,
                                        "lapsed", &value),
                     0);
    assert_int_equal(value, 5);

    /* In a message: a known name is set, an unknown name lists the choices. */
    json_t *json = s_parse("{\"name\": \"Zollverein\", \"kind\": \"education_provider\"}");
    vb_json_errors_t errors = {0};
    Verbund__Membership__V1__Organization *organization =
        (Verbund__Membership__V1__Organization *)vb_json_to_proto(
            json, &verbund__membership__v1__organization__descriptor, "organization", arena,
            &errors);
    assert_non_null(organization);
    assert_int_equal(
        organization->kind,
        VERBUND__MEMBERSHIP__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_EDUCATION_PROVIDER);
    json_decref(json);

    errors = s_expect_errors("{\"kind\": \"castle\"}",
                             &verbund__membership__v1__organization__descriptor, "organization");
    assert_int_equal(errors.count, 1);
    assert_error_at(&errors, "organization.kind", "must be one of: company, nonprofit");
    errors = s_expect_errors("{\"kind\": 3}", &verbund__membership__v1__organization__descriptor,
                             "organization");
    assert_error_at(&errors, "organization.kind", "must be a string");
    vb_arena_destroy(&arena);
}

static void
test_nested_repeated_paths(void **state)
{
    (void)state;
    vb_json_errors_t errors =
        s_expect_errors("{\"person\": {\"skills\": [{\"code\": \"a\", \"level\": 1},"
                        "                        {\"code\": \"b\", \"level\": \"high\"}],"
                        "             \"languages\": [\"de\", 5, null]}}",
                        &verbund__membership__v1__person_create_request__descriptor, "");
    assert_int_equal(errors.count, 3);
    assert_error_at(&errors, "person.skills[1].level", "must be an integer");
    assert_error_at(&errors, "person.languages[1]", "must be a string");
    assert_error_at(&errors, "person.languages[2]", "must not be null");

    /* The prefix names the object when the body is a sub-message. */
    errors = s_expect_errors("{\"skills\": [{}, {}, {\"level\": true}]}",
                             &verbund__membership__v1__person__descriptor, "person");
    assert_error_at(&errors, "person.skills[2].level", "must be an integer");
    errors =
        s_expect_errors("{\"skills\": [[]]}", &verbund__membership__v1__person__descriptor, "");
    assert_error_at(&errors, "skills[0]", "must be an object");
}

/* Every wrong field is reported, not only the first. */
static void
test_every_error_kind_collected(void **state)
{
    (void)state;
    vb_json_errors_t errors =
        s_expect_errors("{\"name\": 42, \"email\": null, \"languages\": \"de\", \"consents\": "
                        "{\"federate\": \"yes\"},"
                        " \"version\": 1.5, \"erased\": 0, \"nickname\": \"x\", \"skills\": {},"
                        " \"organization_id\": [\"a\"], \"region\": {}}",
                        &verbund__membership__v1__person__descriptor, "person");
    assert_int_equal(errors.count, 9);
    assert_error_at(&errors, "person.name", "must be a string");
    assert_error_at(&errors, "person.languages", "must be an array");
    assert_error_at(&errors, "person.consents.federate", "must be true or false");
    assert_error_at(&errors, "person.version", "must be an integer or a decimal string");
    assert_error_at(&errors, "person.erased", "must be true or false");
    assert_error_at(&errors, "person.nickname", "is not a known field");
    assert_error_at(&errors, "person.skills", "must be an array");
    assert_error_at(&errors, "person.organization_id", "must be a string");
    assert_error_at(&errors, "person.region", "must be a string");
    assert_null(s_error_at(&errors, "person.email")); /* null is "not set", not an error */
}

static void
test_null_means_not_set(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    json_t *json = s_parse("{\"name\": null, \"skills\": null, \"consents\": null,"
                           " \"version\": null, \"erased\": null}");
    vb_json_errors_t errors = {0};
    Verbund__Membership__V1__Person *person = (Verbund__Membership__V1__Person *)vb_json_to_proto(
        json, &verbund__membership__v1__person__descriptor, "", arena, &errors);
    assert_non_null(person);
    assert_string_equal(person->name, "");
    assert_int_equal(person->n_skills, 0);
    assert_null(person->consents);
    assert_int_equal(person->version, 0);
    json_decref(json);
    vb_arena_destroy(&arena);
}

static void
test_unknown_field(void **state)
{
    (void)state;
    vb_json_errors_t errors = s_expect_errors(
        "{\"person\": {\"name\": \"A\", \"consents\": {\"visible\": true}}, \"extra\": 1}",
        &verbund__membership__v1__person_create_request__descriptor, "");
    assert_int_equal(errors.count, 2);
    assert_error_at(&errors, "person.consents.visible", "is not a known field");
    assert_error_at(&errors, "extra", "is not a known field");
}

static void
test_int64_accepts_strings(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    vb_json_errors_t errors = {0};
    json_t *json = s_parse("{\"cents\": \"9007199254740993\", \"currency\": \"EUR\"}");
    Verbund__Common__V1__Money *money = (Verbund__Common__V1__Money *)vb_json_to_proto(
        json, &verbund__common__v1__money__descriptor, "", arena, &errors);
    assert_non_null(money);
    assert_true(money->cents == INT64_C(9007199254740993));
    json_decref(json);

    json = s_parse("{\"cents\": -9223372036854775808}");
    money = (Verbund__Common__V1__Money *)vb_json_to_proto(
        json, &verbund__common__v1__money__descriptor, "", arena, &errors);
    assert_non_null(money);
    assert_true(money->cents == INT64_MIN);
    json_t *back = vb_proto_to_json(&money->base);
    assert_true(json_integer_value(json_object_get(back, "cents")) == INT64_MIN);
    json_decref(back);
    json_decref(json);
    vb_arena_destroy(&arena);

    errors = s_expect_errors("{\"cents\": \"9223372036854775808\"}",
                             &verbund__common__v1__money__descriptor, "money");
    assert_error_at(&errors, "money.cents", "out of range for int64");
    errors = s_expect_errors("{\"cents\": \"12abc\"}", &verbund__common__v1__money__descriptor, "");
    assert_error_at(&errors, "cents", "must be an integer or a decimal string");
    errors = s_expect_errors("{\"cents\": \"\"}", &verbund__common__v1__money__descriptor, "");
    assert_error_at(&errors, "cents", "must be an integer or a decimal string");
    errors = s_expect_errors("{\"cents\": \" 1\"}", &verbund__common__v1__money__descriptor, "");
    assert_error_at(&errors, "cents", "must be an integer or a decimal string");
    errors = s_expect_errors("{\"cents\": true}", &verbund__common__v1__money__descriptor, "");
    assert_error_at(&errors, "cents", "must be an integer or a decimal string");
}

static void
test_int32_range(void **state)
{
    (void)state;
    vb_json_errors_t errors = s_expect_errors("{\"level\": 2147483648}",
                                              &verbund__membership__v1__skill__descriptor, "skill");
    assert_error_at(&errors, "skill.level", "out of range for int32");
    errors = s_expect_errors("{\"level\": -2147483649}",
                             &verbund__membership__v1__skill__descriptor, "");
    assert_error_at(&errors, "level", "out of range for int32");
    /* Beyond 64 bits jansson refuses the document itself (the gateway answers 400). */
    assert_null(json_loads("{\"level\": 99999999999999999999}", 0, NULL));
    errors = s_expect_errors("{\"level\": \"3\"}", &verbund__membership__v1__skill__descriptor, "");
    assert_error_at(&errors, "level", "must be an integer");
    errors = s_expect_errors("{\"level\": 2.0}", &verbund__membership__v1__skill__descriptor, "");
    assert_error_at(&errors, "level", "must be an integer");

    vb_arena_t *arena = vb_arena_new();
    json_t *json = s_parse("{\"limit\": -2147483648}");
    vb_json_errors_t ok = {0};
    Verbund__Membership__V1__PersonListRequest *list =
        (Verbund__Membership__V1__PersonListRequest *)vb_json_to_proto(
            json, &verbund__membership__v1__person_list_request__descriptor, "", arena, &ok);
    assert_non_null(list);
    assert_int_equal(list->limit, INT32_MIN);
    json_decref(json);
    vb_arena_destroy(&arena);
}

static void
test_bytes_base64(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    json_t *json = s_parse("{\"method\": \"rpc.Ping\", \"body\": \"AAEC/w==\","
                           " \"caller\": {\"role\": \"staff\"}}");
    vb_json_errors_t errors = {0};
    Verbund__Rpc__V1__Envelope *envelope = (Verbund__Rpc__V1__Envelope *)vb_json_to_proto(
        json, &verbund__rpc__v1__envelope__descriptor, "", arena, &errors);
    assert_non_null(envelope);
    assert_int_equal(envelope->body.len, 4);
    assert_int_equal(envelope->body.data[3], 0xff);
    assert_int_equal(envelope->caller->role, VERBUND__RPC__V1__ROLE__ROLE_STAFF);
    json_t *back = vb_proto_to_json(&envelope->base);
    assert_string_equal(json_string_value(json_object_get(back, "body")), "AAEC/w==");
    assert_string_equal(json_string_value(json_object_get(json_object_get(back, "caller"), "role")),
                        "staff");
    json_decref(back);
    json_decref(json);
    vb_arena_destroy(&arena);

    errors =
        s_expect_errors("{\"body\": \"not base64!\"}", &verbund__rpc__v1__envelope__descriptor, "");
    assert_error_at(&errors, "body", "must be a base64 string");
    errors = s_expect_errors("{\"body\": 12}", &verbund__rpc__v1__envelope__descriptor, "");
    assert_error_at(&errors, "body", "must be a base64 string");
}

static void
test_not_an_object(void **state)
{
    (void)state;
    const char *bodies[] = {"[]", "\"text\"", "3", "null", "true"};
    for (size_t i = 0; i < VB_ARRAY_SIZE(bodies); i++) {
        json_t *json = json_loads(bodies[i], JSON_DECODE_ANY, NULL);
        assert_non_null(json);
        vb_arena_t *arena = vb_arena_new();
        vb_json_errors_t errors = {0};
        assert_null(vb_json_to_proto(json, &verbund__membership__v1__person__descriptor, "person",
                                     arena, &errors));
        assert_int_equal(errors.count, 1);
        assert_error_at(&errors, "person", "must be an object");
        json_decref(json);
        vb_arena_destroy(&arena);
    }
    vb_json_errors_t errors = s_expect_errors(
        "{\"person\": \"Ada\"}", &verbund__membership__v1__person_create_request__descriptor, "");
    assert_error_at(&errors, "person", "must be an object");
}

static void
test_fill_existing_message(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    Verbund__Membership__V1__PersonUpdateRequest *request =
        vb_arena_message(arena, &verbund__membership__v1__person_update_request__descriptor);
    request->id = "p1";
    json_t *json = s_parse("{\"expected_version\": \"3\"}");
    vb_json_errors_t errors = {0};
    assert_int_equal(vb_json_fill_proto(json, &request->base, "", arena, &errors), 0);
    assert_string_equal(request->id, "p1"); /* untouched */
    assert_int_equal(request->expected_version, 3);
    json_decref(json);

    json = s_parse("{\"expected_version\": {}}");
    assert_int_equal(vb_json_fill_proto(json, &request->base, "", arena, &errors), -1);
    assert_int_equal(errors.count, 1);
    json_decref(json);
    vb_arena_destroy(&arena);
}

/* More errors than fit: count keeps growing, items hold the first ones. */
static void
test_error_overflow(void **state)
{
    (void)state;
    char text[4096] = "{\"languages\": [";
    for (int i = 0; i < 40; i++)
        strcat(text, i ? ", 1" : "1");
    strcat(text, "]}");
    vb_json_errors_t errors =
        s_expect_errors(text, &verbund__membership__v1__person__descriptor, "");
    assert_int_equal(errors.count, 40);
    assert_string_equal(errors.items[VB_JSON_MAX_ERRORS - 1].field, "languages[31]");
}

static void
test_depth_limit(void **state)
{
    (void)state;
    char text[1024] = "";
    /* 15 nested children below the root are accepted ... */
    for (int i = 0; i < 16; i++)
        strcat(text, "{\"child\": ");
    strcat(text, "{}");
    for (int i = 0; i < 16; i++)
        strcat(text, "}");
    vb_arena_t *arena = vb_arena_new();
    json_t *json = s_parse(text);
    vb_json_errors_t errors = {0};
    /* root -> 16 levels of child: depth 16 is one too many. */
    assert_null(vb_json_to_proto(json, &s_node_descriptor, "", arena, &errors));
    assert_int_equal(errors.count, 1);
    assert_non_null(strstr(errors.items[0].message, "nested too deeply"));
    assert_non_null(strstr(errors.items[0].field, "child.child.child"));
    json_decref(json);

    text[0] = '\0';
    for (int i = 0; i < 15; i++)
        strcat(text, "{\"child\": ");
    strcat(text, "{\"opt\": 1}");
    for (int i = 0; i < 15; i++)
        strcat(text, "}");
    json = s_parse(text);
    errors.count = 0;
    test_node_t *node =
        (test_node_t *)vb_json_to_proto(json, &s_node_descriptor, "", arena, &errors);
    assert_non_null(node);
    int depth = 0;
    while (node->child) {
        node = node->child;
        depth++;
    }
    assert_int_equal(depth, 15);
    assert_true(node->has_opt);
    json_decref(json);
    vb_arena_destroy(&arena);
}

static void
test_floats_unsigned_optional(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    json_t *json = s_parse("{\"d\": 2.5, \"f\": 3, \"u64\": \"18446744073709551615\","
                           " \"u32\": 4294967295, \"flags\": [true, false, true],"
                           " \"values\": [1, 0.5], \"opt\": 0, \"blob\": \"\"}");
    vb_json_errors_t errors = {0};
    test_node_t *node =
        (test_node_t *)vb_json_to_proto(json, &s_node_descriptor, "", arena, &errors);
    assert_non_null(node);
    assert_true(node->d == 2.5);
    assert_true(node->f == 3.0f);
    assert_true(node->u64 == UINT64_MAX);
    assert_true(node->u32 == UINT32_MAX);
    assert_int_equal(node->n_flags, 3);
    assert_false(node->flags[1]);
    assert_true(node->flags[2]);
    assert_int_equal(node->n_values, 2);
    assert_true(node->values[1] == 0.5);
    assert_true(node->has_opt); /* explicitly present, though zero */
    assert_int_equal(node->opt, 0);
    json_t *back = vb_proto_to_json(&node->base);
    assert_string_equal(json_string_value(json_object_get(back, "u64")), "18446744073709551615");
    assert_true(json_real_value(json_object_get(back, "d")) == 2.5);
    assert_int_equal(json_integer_value(json_object_get(back, "opt")), 0);
    assert_null(json_object_get(back, "child"));
    json_decref(back);
    json_decref(json);

    test_node_t empty;
    s_node_init(&empty.base);
    back = vb_proto_to_json(&empty.base);
    assert_null(json_object_get(back, "opt")); /* optional and absent: omitted */
    json_decref(back);
    vb_arena_destroy(&arena);

    errors = s_expect_errors("{\"d\": \"NaN\", \"f\": 1e300, \"u32\": -1, \"u64\": -1,"
                             " \"flags\": [1], \"values\": [\"x\"]}",
                             &s_node_descriptor, "");
    assert_int_equal(errors.count, 6);
    assert_error_at(&errors, "d", "must be a number");
    assert_error_at(&errors, "f", "out of range for float");
    assert_error_at(&errors, "u32", "out of range for uint32");
    assert_error_at(&errors, "u64", "out of range for uint64");
    assert_error_at(&errors, "flags[0]", "must be true or false");
    assert_error_at(&errors, "values[0]", "must be a number");
    errors = s_expect_errors("{\"u64\": \"-1\"}", &s_node_descriptor, "");
    assert_error_at(&errors, "u64", "out of range for uint64");
    errors = s_expect_errors("{\"u64\": \"18446744073709551616\"}", &s_node_descriptor, "");
    assert_error_at(&errors, "u64", "out of range for uint64");
}

/* Strings with control characters, quotes and SQL survive both ways unchanged. */
static void
test_strings_verbatim(void **state)
{
    (void)state;
    const char *name = "Robert'); DROP TABLE persons;-- \x01\t\n\"\\ Zoë ✓";
    json_t *source = json_pack("{s:s}", "name", name);
    assert_non_null(source);
    vb_arena_t *arena = vb_arena_new();
    vb_json_errors_t errors = {0};
    Verbund__Membership__V1__Person *person = (Verbund__Membership__V1__Person *)vb_json_to_proto(
        source, &verbund__membership__v1__person__descriptor, "", arena, &errors);
    assert_non_null(person);
    assert_string_equal(person->name, name);
    json_t *back = vb_proto_to_json(&person->base);
    assert_string_equal(json_string_value(json_object_get(back, "name")), name);
    json_decref(back);

    /* Invalid UTF-8 from a store cannot break the writer. */
    person->name = "bad \xff byte";
    back = vb_proto_to_json(&person->base);
    assert_non_null(back);
    assert_string_equal(json_string_value(json_object_get(back, "name")), "bad ? byte");
    json_decref(back);

    /* An embedded NUL cannot reach a C string. */
    json_t *nul = json_object();
    json_object_set_new(nul, "name", json_stringn("a\0b", 3));
    errors.count = 0;
    assert_null(
        vb_json_to_proto(nul, &verbund__membership__v1__person__descriptor, "", arena, &errors));
    assert_error_at(&errors, "name", "NUL");
    json_decref(nul);
    json_decref(source);
    vb_arena_destroy(&arena);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_person_round_trip),
        cmocka_unit_test(test_to_json_omits_unset_message_and_zero_enum),
        cmocka_unit_test(test_enum_names),
        cmocka_unit_test(test_nested_repeated_paths),
        cmocka_unit_test(test_every_error_kind_collected),
        cmocka_unit_test(test_null_means_not_set),
        cmocka_unit_test(test_unknown_field),
        cmocka_unit_test(test_int64_accepts_strings),
        cmocka_unit_test(test_int32_range),
        cmocka_unit_test(test_bytes_base64),
        cmocka_unit_test(test_not_an_object),
        cmocka_unit_test(test_fill_existing_message),
        cmocka_unit_test(test_error_overflow),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_floats_unsigned_optional),
        cmocka_unit_test(test_strings_verbatim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
