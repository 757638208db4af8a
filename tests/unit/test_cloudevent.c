/* test_cloudevent.c - unit tests of vb/cloudevent.h: building an event from log fields, reading
 * its attributes back (also after a pack/unpack round trip), the zero-padded sequence and its
 * parsing, and the JSON format with decoded data for registered payloads and data_base64 for
 * unknown ones. Does not: test publishing or replay (the stream service's tests do). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "verbund/membership/v1/membership.pb-c.h"
#include "vb/arena.h"
#include "vb/cloudevent.h"

#define S_ID "01890a5d-ac96-774b-bcce-b302099a8057"
#define S_SOURCE "//verbund/test-node/membership"
#define S_TYPE "verbund.membership.person.created.v1"
#define S_SUBJECT "01890a5d-ac96-774b-bcce-b302099a8000"
/* 2023-11-14T22:13:20.123456Z */
#define S_TIME_US INT64_C(1700000000123456)

typedef Io__Cloudevents__V1__CloudEvent__CloudEventAttributeValue s_value_t;

/* A packed PersonEvent (caller frees *data). */
static void
s_person_event(uint8_t **data, size_t *length)
{
    Verbund__Membership__V1__Person person = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    person.id = (char *)S_SUBJECT;
    person.name = (char *)"Ada Lovelace";
    person.email = (char *)"ada@example.org";
    person.version = 3;
    Verbund__Membership__V1__PersonEvent event = VERBUND__MEMBERSHIP__V1__PERSON_EVENT__INIT;
    event.person = &person;
    *length = protobuf_c_message_get_packed_size(&event.base);
    *data = malloc(*length);
    assert_non_null(*data);
    protobuf_c_message_pack(&event.base, *data);
}

static vb_cloudevent_t *
s_build(vb_arena_t *arena, uint64_t sequence, const char *dataschema, const uint8_t *data,
        size_t length)
{
    vb_cloudevent_fields_t fields = {
        .id = S_ID,
        .source = S_SOURCE,
        .type = S_TYPE,
        .subject = S_SUBJECT,
        .time_unix_us = S_TIME_US,
        .sequence = sequence,
        .dataschema = dataschema,
        .data = data,
        .data_length = length,
    };
    return vb_cloudevent_build(arena, &fields);
}

static const s_value_t *
s_value(const vb_cloudevent_t *event, const char *name)
{
    for (size_t i = 0; i < event->n_attributes; i++)
        if (strcmp(event->attributes[i]->key, name) == 0)
            return event->attributes[i]->value;
    return NULL;
}

/* --- tests --- */

/* Usage: build an event for a log row, send it packed, read it back on the other side. */
static void
test_build_and_read_back(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    uint8_t *data = NULL;
    size_t length = 0;
    s_person_event(&data, &length);
    vb_cloudevent_t *event =
        s_build(arena, 42, "verbund.membership.v1.PersonEvent", data, length);

    size_t size = protobuf_c_message_get_packed_size(&event->base);
    uint8_t *packed = malloc(size);
    assert_non_null(packed);
    protobuf_c_message_pack(&event->base, packed);
    vb_cloudevent_t *received = io__cloudevents__v1__cloud_event__unpack(NULL, size, packed);
    assert_non_null(received);

    assert_string_equal(received->id, S_ID);
    assert_string_equal(received->source, S_SOURCE);
    assert_string_equal(received->spec_version, "1.0");
    assert_string_equal(received->type, S_TYPE);
    assert_string_equal(vb_cloudevent_attribute(received, "subject"), S_SUBJECT);
    assert_string_equal(vb_cloudevent_attribute(received, "datacontenttype"),
                        "application/protobuf");
    assert_string_equal(vb_cloudevent_attribute(received, "dataschema"),
                        "verbund.membership.v1.PersonEvent");
    assert_int_equal(vb_cloudevent_sequence(received), 42);
    assert_int_equal(vb_cloudevent_time_us(received), S_TIME_US);
    assert_null(vb_cloudevent_attribute(received, "no-such-attribute"));
    /* time is not a string attribute */
    assert_null(vb_cloudevent_attribute(received, "time"));

    assert_int_equal(received->data_case, IO__CLOUDEVENTS__V1__CLOUD_EVENT__DATA_BINARY_DATA);
    assert_int_equal(received->binary_data.len, length);
    assert_memory_equal(received->binary_data.data, data, length);

    io__cloudevents__v1__cloud_event__free_unpacked(received, NULL);
    free(packed);
    free(data);
    vb_arena_destroy(&arena);
    assert_null(arena);
}

static void
test_attribute_types(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    vb_cloudevent_t *event = s_build(arena, 7, "x.y.Z", (const uint8_t *)"", 0);
    const s_value_t *time = s_value(event, "time");
    assert_non_null(time);
    assert_int_equal(time->attr_case,
                     IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_TIMESTAMP);
    assert_int_equal(time->ce_timestamp->seconds, 1700000000);
    assert_int_equal(time->ce_timestamp->nanos, 123456000);
    const char *strings[] = {"subject", "sequence", "datacontenttype", "dataschema"};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) {
        const s_value_t *value = s_value(event, strings[i]);
        assert_non_null(value);
        assert_int_equal(value->attr_case,
                         IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_STRING);
    }
    /* an empty payload is still binary data (not "no data") */
    assert_int_equal(event->data_case, IO__CLOUDEVENTS__V1__CLOUD_EVENT__DATA_BINARY_DATA);
    assert_int_equal(event->binary_data.len, 0);
    vb_arena_destroy(&arena);
}

static void
test_time_before_epoch(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    vb_cloudevent_fields_t fields = {.id = S_ID, .source = S_SOURCE, .type = S_TYPE,
                                     .time_unix_us = -1500000};
    vb_cloudevent_t *event = vb_cloudevent_build(arena, &fields);
    const s_value_t *time = s_value(event, "time");
    assert_int_equal(time->ce_timestamp->seconds, -2);
    assert_int_equal(time->ce_timestamp->nanos, 500000000);
    assert_int_equal(vb_cloudevent_time_us(event), -1500000);
    /* no subject, no sequence, no dataschema: those attributes are left out */
    assert_null(s_value(event, "subject"));
    assert_null(s_value(event, "sequence"));
    assert_null(s_value(event, "dataschema"));
    vb_arena_destroy(&arena);
}

static void
test_sequence_padding(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    const struct {
        uint64_t sequence;
        const char *text;
    } cases[] = {
        {1, "00000000000000000001"},
        {1234567890, "00000000001234567890"},
        {UINT64_MAX, "18446744073709551615"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vb_cloudevent_t *event = s_build(arena, cases[i].sequence, "x.Y", NULL, 0);
        const char *text = vb_cloudevent_attribute(event, "sequence");
        assert_non_null(text);
        assert_int_equal(strlen(text), VB_CLOUDEVENT_SEQUENCE_WIDTH);
        assert_string_equal(text, cases[i].text);
        assert_true(vb_cloudevent_sequence(event) == cases[i].sequence);
    }
    /* string order is sequence order */
    vb_cloudevent_t *nine = s_build(arena, 9, "x.Y", NULL, 0);
    vb_cloudevent_t *ten = s_build(arena, 10, "x.Y", NULL, 0);
    assert_true(strcmp(vb_cloudevent_attribute(nine, "sequence"),
                       vb_cloudevent_attribute(ten, "sequence")) < 0);
    /* sequence 0: not yet in the log, no attribute */
    vb_cloudevent_t *unsequenced = s_build(arena, 0, "x.Y", NULL, 0);
    assert_null(vb_cloudevent_attribute(unsequenced, "sequence"));
    assert_int_equal(vb_cloudevent_sequence(unsequenced), 0);
    vb_arena_destroy(&arena);
}

static void
test_sequence_parsing_rejects_garbage(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    const struct {
        const char *text;
        uint64_t expected;
    } cases[] = {
        {"42", 42},                     /* unpadded is fine */
        {"00000000000000000042", 42},
        {"", 0},
        {"-1", 0},
        {"12a", 0},
        {" 12", 0},
        {"18446744073709551616", 0},    /* UINT64_MAX + 1 */
        {"99999999999999999999999", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        vb_cloudevent_t *event = s_build(arena, 1, "x.Y", NULL, 0);
        s_value_t *value = (s_value_t *)s_value(event, "sequence");
        value->ce_string = (char *)cases[i].text;
        if (vb_cloudevent_sequence(event) != cases[i].expected)
            fail_msg("sequence \"%s\": expected %llu, got %llu", cases[i].text,
                     (unsigned long long)cases[i].expected,
                     (unsigned long long)vb_cloudevent_sequence(event));
    }
    /* a sequence of the wrong attribute type is absent, not misread */
    vb_cloudevent_t *event = s_build(arena, 5, "x.Y", NULL, 0);
    s_value_t *value = (s_value_t *)s_value(event, "sequence");
    value->attr_case = IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_INTEGER;
    value->ce_integer = 5;
    assert_int_equal(vb_cloudevent_sequence(event), 0);
    vb_arena_destroy(&arena);
}

static void
test_json_decodes_known_payload(void **state)
{
    (void)state;
    vb_cloudevent_register_known_payloads();
    vb_cloudevent_register_known_payloads(); /* idempotent */
    assert_ptr_equal(vb_cloudevent_payload_type("verbund.membership.v1.PersonEvent"),
                     &verbund__membership__v1__person_event__descriptor);
    assert_ptr_equal(vb_cloudevent_payload_type("verbund.membership.v1.PersonErasedEvent"),
                     &verbund__membership__v1__person_erased_event__descriptor);
    assert_ptr_equal(vb_cloudevent_payload_type("verbund.membership.v1.OrganizationEvent"),
                     &verbund__membership__v1__organization_event__descriptor);
    assert_ptr_equal(vb_cloudevent_payload_type("verbund.membership.v1.MembershipEvent"),
                     &verbund__membership__v1__membership_event__descriptor);
    assert_ptr_equal(vb_cloudevent_payload_type("verbund.membership.v1.ExpertProfileEvent"),
                     &verbund__membership__v1__expert_profile_event__descriptor);
    assert_null(vb_cloudevent_payload_type("verbund.membership.v1.Person"));

    vb_arena_t *arena = vb_arena_new();
    uint8_t *data = NULL;
    size_t length = 0;
    s_person_event(&data, &length);
    vb_cloudevent_t *event = s_build(arena, 42, "verbund.membership.v1.PersonEvent", data, length);
    json_t *json = vb_cloudevent_to_json(event);
    assert_non_null(json);
    assert_string_equal(json_string_value(json_object_get(json, "specversion")), "1.0");
    assert_string_equal(json_string_value(json_object_get(json, "id")), S_ID);
    assert_string_equal(json_string_value(json_object_get(json, "source")), S_SOURCE);
    assert_string_equal(json_string_value(json_object_get(json, "type")), S_TYPE);
    assert_string_equal(json_string_value(json_object_get(json, "subject")), S_SUBJECT);
    assert_string_equal(json_string_value(json_object_get(json, "time")),
                        "2023-11-14T22:13:20.123456Z");
    assert_string_equal(json_string_value(json_object_get(json, "sequence")),
                        "00000000000000000042");
    assert_string_equal(json_string_value(json_object_get(json, "datacontenttype")),
                        "application/json");
    assert_string_equal(json_string_value(json_object_get(json, "dataschema")),
                        "verbund.membership.v1.PersonEvent");
    assert_null(json_object_get(json, "data_base64"));
    json_t *person = json_object_get(json_object_get(json, "data"), "person");
    assert_non_null(person);
    assert_string_equal(json_string_value(json_object_get(person, "name")), "Ada Lovelace");
    assert_string_equal(json_string_value(json_object_get(person, "email")), "ada@example.org");
    assert_int_equal(json_integer_value(json_object_get(person, "version")), 3);
    json_decref(json);
    free(data);
    vb_arena_destroy(&arena);
}

static void
test_json_unknown_schema_is_base64(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    const uint8_t bytes[] = {0x0a, 0x03, 'a', 'b', 'c', 0x00, 0xff};
    vb_cloudevent_t *event = s_build(arena, 3, "other.v1.Unknown", bytes, sizeof bytes);
    json_t *json = vb_cloudevent_to_json(event);
    assert_non_null(json);
    assert_null(json_object_get(json, "data"));
    assert_string_equal(json_string_value(json_object_get(json, "datacontenttype")),
                        "application/protobuf");
    assert_string_equal(json_string_value(json_object_get(json, "dataschema")),
                        "other.v1.Unknown");
    const char *text = json_string_value(json_object_get(json, "data_base64"));
    assert_non_null(text);
    assert_string_equal(text, "CgNhYmMA/w==");
    uint8_t decoded[16];
    size_t decoded_length = 0;
    assert_int_equal(sodium_base642bin(decoded, sizeof decoded, text, strlen(text), NULL,
                                       &decoded_length, NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    assert_int_equal(decoded_length, sizeof bytes);
    assert_memory_equal(decoded, bytes, sizeof bytes);
    json_decref(json);
    vb_arena_destroy(&arena);
}

static void
test_json_known_schema_bad_bytes_falls_back(void **state)
{
    (void)state;
    vb_cloudevent_register_known_payloads();
    vb_arena_t *arena = vb_arena_new();
    /* field 1 length-delimited, claims 100 bytes, has 1 */
    const uint8_t bytes[] = {0x0a, 0x64, 0x01};
    vb_cloudevent_t *event =
        s_build(arena, 3, "verbund.membership.v1.PersonEvent", bytes, sizeof bytes);
    json_t *json = vb_cloudevent_to_json(event);
    assert_non_null(json);
    assert_null(json_object_get(json, "data"));
    assert_string_equal(json_string_value(json_object_get(json, "data_base64")), "CmQB");
    assert_string_equal(json_string_value(json_object_get(json, "datacontenttype")),
                        "application/protobuf");
    json_decref(json);
    vb_arena_destroy(&arena);
}

static void
test_json_extension_attribute_types(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    vb_cloudevent_t *event = s_build(arena, 1, "x.Y", NULL, 0);
    /* a received event may carry other extensions; each renders by its type */
    Io__Cloudevents__V1__CloudEvent__AttributesEntry *extra[3];
    const char *names[] = {"flag", "count", "blob"};
    for (int i = 0; i < 3; i++) {
        extra[i] = vb_arena_message(
            arena, &io__cloudevents__v1__cloud_event__attributes_entry__descriptor);
        extra[i]->key = (char *)names[i];
        extra[i]->value = vb_arena_message(
            arena, &io__cloudevents__v1__cloud_event__cloud_event_attribute_value__descriptor);
    }
    extra[0]->value->attr_case =
        IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_BOOLEAN;
    extra[0]->value->ce_boolean = 1;
    extra[1]->value->attr_case =
        IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_INTEGER;
    extra[1]->value->ce_integer = -7;
    extra[2]->value->attr_case =
        IO__CLOUDEVENTS__V1__CLOUD_EVENT__CLOUD_EVENT_ATTRIBUTE_VALUE__ATTR_CE_BYTES;
    extra[2]->value->ce_bytes.data = (uint8_t *)"hi";
    extra[2]->value->ce_bytes.len = 2;
    Io__Cloudevents__V1__CloudEvent__AttributesEntry **all =
        vb_arena_alloc(arena, (event->n_attributes + 3) * sizeof *all);
    memcpy(all, event->attributes, event->n_attributes * sizeof *all);
    memcpy(all + event->n_attributes, extra, sizeof extra);
    event->attributes = all;
    event->n_attributes += 3;
    json_t *json = vb_cloudevent_to_json(event);
    assert_non_null(json);
    assert_true(json_is_true(json_object_get(json, "flag")));
    assert_int_equal(json_integer_value(json_object_get(json, "count")), -7);
    assert_string_equal(json_string_value(json_object_get(json, "blob")), "aGk=");
    json_decref(json);
    vb_arena_destroy(&arena);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_and_read_back),
        cmocka_unit_test(test_attribute_types),
        cmocka_unit_test(test_time_before_epoch),
        cmocka_unit_test(test_sequence_padding),
        cmocka_unit_test(test_sequence_parsing_rejects_garbage),
        cmocka_unit_test(test_json_decodes_known_payload),
        cmocka_unit_test(test_json_unknown_schema_is_base64),
        cmocka_unit_test(test_json_known_schema_bad_bytes_falls_back),
        cmocka_unit_test(test_json_extension_attribute_types),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
