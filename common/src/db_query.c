/* db_query.c - the row collection and parameter text of vb/db_query.h, shared by every store.
 * Does not: touch libpq (vb_db_run does), or keep state between calls. */
#include "vb/db_query.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Rows built so far, in an arena array that doubles when full. */
typedef struct {
    vb_arena_t *arena;    /* where the array and the built values live */
    vb_db_build_fn build; /* makes one row's value */
    void **items;         /* arena array of built values; NULL before the first row */
    size_t count;         /* values in items */
    size_t capacity;      /* room in items */
} s_rows_t;

static int
s_collect_row(void *arg, const vb_db_row_t *row)
{
    s_rows_t *rows = arg;
    if (rows->count == rows->capacity) {
        /* the arena cannot grow in place: copy into a block twice the size */
        size_t capacity = rows->capacity ? rows->capacity * 2 : 16;
        void **items = vb_arena_alloc(rows->arena, capacity * sizeof *items);
        if (rows->count)
            memcpy(items, rows->items, rows->count * sizeof *items);
        rows->items = items;
        rows->capacity = capacity;
    }
    rows->items[rows->count++] = rows->build(rows->arena, row);
    return 0;
}

vb_status_t
vb_db_query_rows(vb_db_t *db, vb_arena_t *arena, const char *statement, const char *const *params,
                 int param_count, vb_db_build_fn build, void ***items, size_t *count)
{
    VB_ASSERT(db && arena && statement && build && items && count);
    s_rows_t rows = {.arena = arena, .build = build};
    vb_status_t status = vb_db_run(db, statement, params, param_count, s_collect_row, &rows, NULL);
    *items = rows.items;
    *count = rows.count;
    return status;
}

vb_status_t
vb_db_query_one(vb_db_t *db, vb_arena_t *arena, const char *statement, const char *const *params,
                int param_count, vb_db_build_fn build, void **out)
{
    VB_ASSERT(out);
    void **items = NULL;
    size_t count = 0;
    vb_status_t status =
        vb_db_query_rows(db, arena, statement, params, param_count, build, &items, &count);
    if (status != VB_STATUS_OK)
        return status;
    if (count == 0)
        return VB_STATUS_NOT_FOUND;
    *out = items[0];
    return VB_STATUS_OK;
}

/* ---- parameters ---- */

const char *
vb_db_param_null_if_empty(const char *text)
{
    return text && text[0] ? text : NULL;
}

const char *
vb_db_param_int(vb_arena_t *arena, int64_t value)
{
    return vb_arena_printf(arena, "%" PRId64, value);
}

const char *
vb_db_param_bool(bool value)
{
    return value ? "true" : "false";
}

const char *
vb_db_param_json_strings(vb_arena_t *arena, char *const *items, size_t count)
{
    json_t *array = json_array();
    VB_ASSERT(array); /* out of memory */
    for (size_t i = 0; i < count; i++) {
        /* json_string refuses NULL and text that is not UTF-8 */
        json_t *item = json_string(items[i]);
        if (!item || json_array_append_new(array, item) != 0) {
            json_decref(array);
            return NULL;
        }
    }
    return vb_db_param_json(arena, array);
}

const char *
vb_db_param_json(vb_arena_t *arena, json_t *value)
{
    VB_ASSERT(value);
    char *text = json_dumps(value, JSON_COMPACT);
    json_decref(value);
    VB_ASSERT(text); /* out of memory */
    char *copy = vb_arena_strdup(arena, text);
    free(text);
    return copy;
}

/* ---- rows ---- */

char *
vb_db_row_strdup(vb_arena_t *arena, const vb_db_row_t *row, int column)
{
    return vb_arena_strdup(arena, vb_db_row_text(row, column));
}

void
vb_db_json_strings_parse(vb_arena_t *arena, const char *text, char ***items, size_t *count)
{
    json_t *array = json_loads(text, 0, NULL);
    *count = json_is_array(array) ? json_array_size(array) : 0;
    *items = *count ? vb_arena_alloc(arena, *count * sizeof **items) : NULL;
    for (size_t i = 0; i < *count; i++) {
        json_t *item = json_array_get(array, i);
        (*items)[i] = vb_arena_strdup(arena, json_is_string(item) ? json_string_value(item) : "");
    }
    json_decref(array);
}
