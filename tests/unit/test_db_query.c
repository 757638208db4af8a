/* test_db_query.c - unit tests of the parts of vb/db_query.h that need no database: the text of
 * parameters (integers, booleans, "" as NULL, JSON arrays of strings with quotes, backslashes,
 * NULL-like words and UTF-8) and parsing JSON arrays of strings back into the arena.
 * Does not: run statements (tests/integration/test_db_query_rows.c collects real rows). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "vb/arena.h"
#include "vb/db_query.h"

/* Usage: a store turns its values into parameter text, all of it in the request arena. */
static void
test_usage_example(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    char *topics[] = {"energy", "housing"};
    const char *params[] = {
        vb_db_param_null_if_empty(""),              /* an optional filter not given: NULL */
        vb_db_param_int(arena, 20 + 1),             /* a page size plus one */
        vb_db_param_bool(true),                     /* for $3::boolean */
        vb_db_param_json_strings(arena, topics, 2), /* for $4::jsonb, a text[] column */
    };
    assert_null(params[0]);
    assert_string_equal(params[1], "21");
    assert_string_equal(params[2], "true");
    assert_string_equal(params[3], "[\"energy\",\"housing\"]");

    /* and reads an array_to_json(...)::text column back */
    char **items = NULL;
    size_t count = 0;
    vb_db_json_strings_parse(arena, params[3], &items, &count);
    assert_int_equal(count, 2);
    assert_string_equal(items[0], "energy");
    assert_string_equal(items[1], "housing");
    vb_arena_destroy(&arena);
}

static void
test_null_if_empty(void **state)
{
    (void)state;
    assert_null(vb_db_param_null_if_empty(NULL));
    assert_null(vb_db_param_null_if_empty(""));
    const char *space = " ";
    assert_ptr_equal(vb_db_param_null_if_empty(space), space); /* only "" is absent */
    const char *word = "NULL";
    assert_ptr_equal(vb_db_param_null_if_empty(word), word); /* a word, not SQL NULL */
}

static void
test_int_text(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    static const struct {
        int64_t value;
        const char *text;
    } cases[] = {
        {0, "0"},
        {-1, "-1"},
        {42, "42"},
        {INT64_C(9007199254740993), "9007199254740993"}, /* not a double */
        {INT64_MAX, "9223372036854775807"},
        {INT64_MIN, "-9223372036854775808"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(vb_db_param_int(arena, cases[i].value), cases[i].text);
    /* every call gives its own text */
    const char *a = vb_db_param_int(arena, 1);
    const char *b = vb_db_param_int(arena, 2);
    assert_ptr_not_equal(a, b);
    assert_string_equal(a, "1");
    vb_arena_destroy(&arena);
}

static void
test_bool_text(void **state)
{
    (void)state;
    assert_string_equal(vb_db_param_bool(true), "true");
    assert_string_equal(vb_db_param_bool(false), "false");
}

static void
test_json_strings_escaping(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    static const struct {
        const char *item;
        const char *json; /* the one-item array as text */
    } cases[] = {
        {"", "[\"\"]"},
        {"plain", "[\"plain\"]"},
        {"say \"hi\"", "[\"say \\\"hi\\\"\"]"},
        {"back\\slash", "[\"back\\\\slash\"]"},
        {"a,b", "[\"a,b\"]"},   /* no array-literal splitting */
        {"{x}", "[\"{x}\"]"},   /* no array-literal braces */
        {"NULL", "[\"NULL\"]"}, /* a word, not SQL NULL */
        {"null", "[\"null\"]"}, /* nor JSON null */
        {"line\nbreak\ttab", "[\"line\\nbreak\\ttab\"]"},
        {"\x01", "[\"\\u0001\"]"},
        {"Zürich – ½ 🚲", "[\"Zürich – ½ 🚲\"]"}, /* UTF-8 passes through as is */
        {"'; DROP TABLE x; --", "[\"'; DROP TABLE x; --\"]"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *items[] = {(char *)cases[i].item};
        const char *json = vb_db_param_json_strings(arena, items, 1);
        assert_non_null(json);
        assert_string_equal(json, cases[i].json);
        /* and back */
        char **parsed = NULL;
        size_t count = 0;
        vb_db_json_strings_parse(arena, json, &parsed, &count);
        assert_int_equal(count, 1);
        assert_string_equal(parsed[0], cases[i].item);
    }
    vb_arena_destroy(&arena);
}

static void
test_json_strings_empty_and_order(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    assert_string_equal(vb_db_param_json_strings(arena, NULL, 0), "[]");
    char *items[] = {"b", "a", "b", ""};
    assert_string_equal(vb_db_param_json_strings(arena, items, 4), "[\"b\",\"a\",\"b\",\"\"]");
    vb_arena_destroy(&arena);
}

static void
test_json_strings_refuses_bad_input(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    char *not_utf8[] = {"ok", "caf\xe9"}; /* Latin-1 é */
    assert_null(vb_db_param_json_strings(arena, not_utf8, 2));
    char *overlong[] = {"\xc0\xaf"}; /* an overlong '/' */
    assert_null(vb_db_param_json_strings(arena, overlong, 1));
    char *truncated[] = {"\xe2\x82"}; /* the first two bytes of € */
    assert_null(vb_db_param_json_strings(arena, truncated, 1));
    char *null_item[] = {"ok", NULL};
    assert_null(vb_db_param_json_strings(arena, null_item, 2));
    vb_arena_destroy(&arena);
}

static void
test_json_value_dump(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    /* the reference is taken: nothing leaks under ASan */
    json_t *value = json_pack("[{s:s, s:i}]", "code", "a\"b", "level", 3);
    const char *text = vb_db_param_json(arena, value);
    assert_string_equal(text, "[{\"code\":\"a\\\"b\",\"level\":3}]");
    assert_string_equal(vb_db_param_json(arena, json_array()), "[]");
    vb_arena_destroy(&arena);
}

static void
test_json_strings_parse_lenient(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    char **items = (char **)&items; /* overwritten */
    size_t count = 99;

    /* not an array, or not JSON: no items */
    const char *nothing[] = {"", "{}", "\"a\"", "null", "[", "NULL", "{a,b}"};
    for (size_t i = 0; i < sizeof nothing / sizeof nothing[0]; i++) {
        items = (char **)&items;
        count = 99;
        vb_db_json_strings_parse(arena, nothing[i], &items, &count);
        assert_int_equal(count, 0);
        assert_null(items);
    }
    vb_db_json_strings_parse(arena, NULL, &items, &count);
    assert_int_equal(count, 0);
    assert_null(items);

    vb_db_json_strings_parse(arena, "[]", &items, &count);
    assert_int_equal(count, 0);
    assert_null(items);

    /* an item that is not a string becomes "" in its place */
    vb_db_json_strings_parse(arena, "[\"a\", null, 3, [\"x\"], \"\\u00e9\", \"\"]", &items, &count);
    assert_int_equal(count, 6);
    assert_string_equal(items[0], "a");
    assert_string_equal(items[1], "");
    assert_string_equal(items[2], "");
    assert_string_equal(items[3], "");
    assert_string_equal(items[4], "é");
    assert_string_equal(items[5], "");
    vb_arena_destroy(&arena);
}

static void
test_json_strings_many(void **state)
{
    (void)state;
    vb_arena_t *arena = vb_arena_new();
    enum { N = 1000 };
    char *items[N];
    for (int i = 0; i < N; i++)
        items[i] = vb_arena_printf(arena, "item-%d", i);
    const char *json = vb_db_param_json_strings(arena, items, N);
    assert_non_null(json);
    char **parsed = NULL;
    size_t count = 0;
    vb_db_json_strings_parse(arena, json, &parsed, &count);
    assert_int_equal(count, N);
    for (int i = 0; i < N; i++)
        assert_string_equal(parsed[i], items[i]);
    vb_arena_destroy(&arena);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_example),
        cmocka_unit_test(test_null_if_empty),
        cmocka_unit_test(test_int_text),
        cmocka_unit_test(test_bool_text),
        cmocka_unit_test(test_json_strings_escaping),
        cmocka_unit_test(test_json_strings_empty_and_order),
        cmocka_unit_test(test_json_strings_refuses_bad_input),
        cmocka_unit_test(test_json_value_dump),
        cmocka_unit_test(test_json_strings_parse_lenient),
        cmocka_unit_test(test_json_strings_many),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
