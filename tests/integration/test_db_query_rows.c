/* test_db_query_rows.c - vb/db_query.h against the fixture's PostgreSQL: rows built into an
 * arena array (in order, past the first growth), the one-row lookup and its NOT_FOUND, failures
 * that leave no rows, and parameter text that arrives as itself (JSON string arrays into text[]
 * with quotes, backslashes, NULL-like words and UTF-8; "" as SQL NULL; int64 limits; booleans).
 * Does not: test vb_db_run itself (test_db.c does). Works in its own test_db_query schema. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vb/arena.h"
#include "vb/db.h"
#include "vb/db_query.h"
#include "vb_test_db.h"

#define SCHEMA "test_db_query"

/* Fails the test with the expression, status and the server's message / SQLSTATE. */
#define assert_db_status(db, expected, expr)                                                       \
    do {                                                                                           \
        vb_status_t status_ = (expr);                                                              \
        if (status_ != (expected))                                                                 \
            fail_msg("%s: status %s, expected %s; error '%s' sqlstate '%s'", #expr,                \
                     vb_status_name(status_), vb_status_name(expected), vb_db_error(db),           \
                     vb_db_sqlstate(db));                                                          \
    } while (0)
#define assert_db_ok(db, expr) assert_db_status(db, VB_STATUS_OK, expr)

static const char s_migration[] =
    "CREATE TABLE thing (id integer PRIMARY KEY, name text NOT NULL,"
    " tags text[] NOT NULL DEFAULT '{}', note text, flag boolean NOT NULL DEFAULT false,"
    " big bigint);";

#define THING_COLUMNS "id, name, array_to_json(tags)::text, note IS NULL, flag, coalesce(big, 0)"

static const vb_db_statement_t s_statements[] = {
    {"thing_insert",
     "INSERT INTO thing (id, name, tags, note, flag, big) VALUES ($1::integer, $2,"
     " ARRAY(SELECT jsonb_array_elements_text($3::jsonb)), $4, $5::boolean, $6::bigint)"
     " RETURNING " THING_COLUMNS},
    {"thing_get", "SELECT " THING_COLUMNS " FROM thing WHERE id = $1::integer"},
    {"thing_list", "SELECT " THING_COLUMNS " FROM thing WHERE ($1::text IS NULL OR name = $1)"
                   " ORDER BY id LIMIT $2::integer"},
    {"thing_null_tags", "SELECT count(*) FROM thing, unnest(tags) AS t WHERE t IS NULL"},
};

/* One row of THING_COLUMNS, built in the arena. */
typedef struct {
    int64_t id;
    char *name;
    char **tags;
    size_t n_tags;
    bool note_is_null;
    bool flag;
    int64_t big;
} s_thing_t;

static void *
s_build_thing(vb_arena_t *arena, const vb_db_row_t *row)
{
    s_thing_t *thing = vb_arena_alloc(arena, sizeof *thing);
    thing->id = vb_db_row_int64(row, 0);
    thing->name = vb_db_row_strdup(arena, row, 1);
    vb_db_json_strings_parse(arena, vb_db_row_text(row, 2), &thing->tags, &thing->n_tags);
    thing->note_is_null = vb_db_row_bool(row, 3);
    thing->flag = vb_db_row_bool(row, 4);
    thing->big = vb_db_row_int64(row, 5);
    return thing;
}

static int
s_count_row(void *arg, const vb_db_row_t *row)
{
    *(int64_t *)arg = vb_db_row_int64(row, 0);
    return 0;
}

typedef struct {
    vb_db_t *db;
    vb_arena_t *arena;
} s_fixture_t;

static int
s_setup(void **state)
{
    static s_fixture_t fixture;
    fixture.db = vb_test_db_open_migrated(SCHEMA, "0001_thing.sql", s_migration);
    if (vb_db_add_statements(fixture.db, s_statements,
                             sizeof s_statements / sizeof s_statements[0]) != 0)
        fail_msg("add statements: %s", vb_db_error(fixture.db));
    fixture.arena = vb_arena_new();
    *state = &fixture;
    return 0;
}

static int
s_teardown(void **state)
{
    s_fixture_t *fixture = *state;
    vb_db_destroy(&fixture->db);
    vb_arena_destroy(&fixture->arena);
    return 0;
}

/* Usage: a store inserts with RETURNING and reads back through the same builder. */
static void
test_usage_example(void **state)
{
    s_fixture_t *fixture = *state;
    vb_db_t *db = fixture->db;
    vb_arena_t *arena = fixture->arena;
    assert_db_ok(db, vb_db_exec(db, "TRUNCATE thing", NULL, 0, NULL, NULL, NULL));

    char *tags[] = {"energy", "housing"};
    const char *params[] = {
        vb_db_param_int(arena, 1),
        "lamp",
        vb_db_param_json_strings(arena, tags, 2),
        vb_db_param_null_if_empty(""),
        vb_db_param_bool(true),
        vb_db_param_int(arena, 7),
    };
    s_thing_t *thing = NULL;
    assert_db_ok(
        db, vb_db_query_one(db, arena, "thing_insert", params, 6, s_build_thing, (void **)&thing));
    assert_non_null(thing);
    assert_int_equal(thing->id, 1);
    assert_string_equal(thing->name, "lamp");
    assert_int_equal(thing->n_tags, 2);
    assert_string_equal(thing->tags[1], "housing");
    assert_true(thing->note_is_null);
    assert_true(thing->flag);
    assert_int_equal(thing->big, 7);

    const char *key[] = {"1"};
    s_thing_t *again = NULL;
    assert_db_ok(db,
                 vb_db_query_one(db, arena, "thing_get", key, 1, s_build_thing, (void **)&again));
    assert_string_equal(again->name, "lamp");

    /* no row: NOT_FOUND, and *out is left as it was */
    const char *missing[] = {"2"};
    s_thing_t *untouched = (s_thing_t *)&untouched;
    assert_db_status(
        db, VB_STATUS_NOT_FOUND,
        vb_db_query_one(db, arena, "thing_get", missing, 1, s_build_thing, (void **)&untouched));
    assert_ptr_equal(untouched, (s_thing_t *)&untouched);
}

/* Many rows: every one built, in row order, past the array's first doubling. */
static void
test_rows_in_order_and_growth(void **state)
{
    s_fixture_t *fixture = *state;
    vb_db_t *db = fixture->db;
    vb_arena_t *arena = fixture->arena;
    assert_db_ok(db, vb_db_exec(db, "TRUNCATE thing", NULL, 0, NULL, NULL, NULL));
    assert_db_ok(db, vb_db_exec(db,
                                "INSERT INTO thing (id, name) SELECT g, 'n' || g"
                                " FROM generate_series(1, 100) AS g",
                                NULL, 0, NULL, NULL, NULL));

    static const struct {
        int limit;
        size_t count;
    } pages[] = {{0, 0}, {1, 1}, {16, 16}, {17, 17}, {33, 33}, {100, 100}, {500, 100}};
    for (size_t p = 0; p < sizeof pages / sizeof pages[0]; p++) {
        const char *params[] = {NULL, vb_db_param_int(arena, pages[p].limit)};
        s_thing_t **things = (s_thing_t **)&things;
        size_t count = 12345;
        assert_db_ok(db, vb_db_query_rows(db, arena, "thing_list", params, 2, s_build_thing,
                                          (void ***)&things, &count));
        assert_int_equal(count, pages[p].count);
        if (count == 0)
            assert_null(things);
        for (size_t i = 0; i < count; i++) {
            char name[32];
            snprintf(name, sizeof name, "n%zu", i + 1);
            assert_int_equal(things[i]->id, (int64_t)i + 1);
            assert_string_equal(things[i]->name, name);
            assert_int_equal(things[i]->n_tags, 0);
            assert_null(things[i]->tags);
        }
    }

    /* a filter that matches nothing: OK, no rows */
    const char *none[] = {"nobody", "10"};
    s_thing_t **things = NULL;
    size_t count = 1;
    assert_db_ok(db, vb_db_query_rows(db, arena, "thing_list", none, 2, s_build_thing,
                                      (void ***)&things, &count));
    assert_int_equal(count, 0);
    assert_null(things);

    /* the one-row lookup takes the first of several */
    const char *all[] = {NULL, "100"};
    s_thing_t *first = NULL;
    assert_db_ok(db,
                 vb_db_query_one(db, arena, "thing_list", all, 2, s_build_thing, (void **)&first));
    assert_int_equal(first->id, 1);
}

/* A failing statement gives its status and no rows; *out stays untouched. */
static void
test_failure_leaves_no_rows(void **state)
{
    s_fixture_t *fixture = *state;
    vb_db_t *db = fixture->db;
    vb_arena_t *arena = fixture->arena;
    const char *bad_limit[] = {NULL, "ten"}; /* 22P02: not an integer */
    s_thing_t **things = (s_thing_t **)&things;
    size_t count = 7;
    assert_db_status(db, VB_STATUS_BAD_REQUEST,
                     vb_db_query_rows(db, arena, "thing_list", bad_limit, 2, s_build_thing,
                                      (void ***)&things, &count));
    assert_string_equal(vb_db_sqlstate(db), "22P02");
    assert_int_equal(count, 0);
    assert_null(things);

    s_thing_t *untouched = (s_thing_t *)&untouched;
    assert_db_status(
        db, VB_STATUS_BAD_REQUEST,
        vb_db_query_one(db, arena, "thing_list", bad_limit, 2, s_build_thing, (void **)&untouched));
    assert_ptr_equal(untouched, (s_thing_t *)&untouched);

    /* a duplicate key through query_one: CONFLICT, as vb_db_run maps it */
    assert_db_ok(db, vb_db_exec(db, "TRUNCATE thing", NULL, 0, NULL, NULL, NULL));
    const char *row[] = {"5", "x", "[]", NULL, "false", NULL};
    s_thing_t *thing = NULL;
    assert_db_ok(
        db, vb_db_query_one(db, arena, "thing_insert", row, 6, s_build_thing, (void **)&thing));
    assert_db_status(
        db, VB_STATUS_CONFLICT,
        vb_db_query_one(db, arena, "thing_insert", row, 6, s_build_thing, (void **)&thing));
}

/* Every string of a JSON array parameter reaches text[] as itself, and comes back the same. */
static void
test_hostile_strings_round_trip(void **state)
{
    s_fixture_t *fixture = *state;
    vb_db_t *db = fixture->db;
    vb_arena_t *arena = fixture->arena;
    assert_db_ok(db, vb_db_exec(db, "TRUNCATE thing", NULL, 0, NULL, NULL, NULL));
    char *tags[] = {
        "",
        "NULL",
        "null",
        "say \"hi\"",
        "back\\slash",
        "\\\"",
        "a,b",
        "{x,y}",
        "(1,2)",
        " padded ",
        "line\nbreak",
        "tab\there",
        "Zürich",
        "½ – € – 🚲",
        "日本語",
        "'; DROP TABLE thing; --",
        "$1",
    };
    size_t n = sizeof tags / sizeof tags[0];
    const char *params[] = {
        "1",  "Ünïcödé \"name\" \\ NULL", vb_db_param_json_strings(arena, tags, n), "", "false",
        NULL,
    };
    assert_non_null(params[2]);
    s_thing_t *thing = NULL;
    assert_db_ok(
        db, vb_db_query_one(db, arena, "thing_insert", params, 6, s_build_thing, (void **)&thing));
    assert_string_equal(thing->name, params[1]);
    assert_false(thing->note_is_null); /* "" given directly is text, not NULL */
    assert_false(thing->flag);
    assert_int_equal(thing->n_tags, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(thing->tags[i], tags[i]);

    /* no element became SQL NULL (array_to_json would show it as null, read back as "") */
    int64_t nulls = -1;
    assert_db_ok(db, vb_db_run(db, "thing_null_tags", NULL, 0, s_count_row, &nulls, NULL));
    assert_int_equal(nulls, 0);
}

/* Integer and boolean text reach bigint and boolean columns exactly. */
static void
test_int_and_bool_params(void **state)
{
    s_fixture_t *fixture = *state;
    vb_db_t *db = fixture->db;
    vb_arena_t *arena = fixture->arena;
    assert_db_ok(db, vb_db_exec(db, "TRUNCATE thing", NULL, 0, NULL, NULL, NULL));
    static const struct {
        int64_t big;
        bool flag;
    } cases[] = {
        {INT64_MAX, true}, {INT64_MIN, false}, {-1, true}, {INT64_C(9007199254740993), false}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *params[] = {
            vb_db_param_int(arena, (int64_t)i + 10),
            "n",
            "[]",
            vb_db_param_null_if_empty("a note"),
            vb_db_param_bool(cases[i].flag),
            vb_db_param_int(arena, cases[i].big),
        };
        s_thing_t *thing = NULL;
        assert_db_ok(db, vb_db_query_one(db, arena, "thing_insert", params, 6, s_build_thing,
                                         (void **)&thing));
        assert_true(thing->big == cases[i].big);
        assert_int_equal(thing->flag, cases[i].flag);
        assert_false(thing->note_is_null);
        assert_int_equal(thing->n_tags, 0);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_example),
        cmocka_unit_test(test_rows_in_order_and_growth),
        cmocka_unit_test(test_failure_leaves_no_rows),
        cmocka_unit_test(test_hostile_strings_round_trip),
        cmocka_unit_test(test_int_and_bool_params),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
