/* vb/db_query.h - what every service store does around vb_db_run: rows built into an arena
 * array by a per-row builder, the one-row lookup that answers NOT_FOUND, the text forms of
 * parameters (integers, booleans, "" as SQL NULL, lists of strings as a JSON array, any jansson
 * value), and the way back for text columns and JSON arrays of strings.
 * Does not: build SQL (each store's statement table holds it), open transactions, or know any
 * message type (builders do). */
#ifndef VB_DB_QUERY_H
#define VB_DB_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "vb/arena.h"
#include "vb/db.h"
#include "vb/status.h"

/* Builds the value of one row in the arena (a protobuf message, a struct, a string) and returns
 * it. The row's text is borrowed for the call only: copy what you keep (vb_db_row_strdup). */
typedef void *(*vb_db_build_fn)(vb_arena_t *arena, const vb_db_row_t *row);

/* Runs the prepared statement (as vb_db_run, same statuses) and builds every row with build:
 * *items receives an arena array of the built values in row order and *count its length, also
 * when the status is not OK (NULL and 0 when no row came). The array and values belong to the
 * arena. Callers pass a typed array as (void ***)&items of their message type. */
vb_status_t vb_db_query_rows(vb_db_t *db, vb_arena_t *arena, const char *statement,
                             const char *const *params, int param_count, vb_db_build_fn build,
                             void ***items, size_t *count);

/* Like vb_db_query_rows for a statement that returns at most one row (a get, an UPDATE ...
 * RETURNING): *out receives the first row's value. NOT_FOUND when there is no row, and any
 * other failure as vb_db_run; *out is only written on OK. */
vb_status_t vb_db_query_one(vb_db_t *db, vb_arena_t *arena, const char *statement,
                            const char *const *params, int param_count, vb_db_build_fn build,
                            void **out);

/* ---- parameters: text for vb_db_run's params (NULL is SQL NULL) ---- */

/* text itself, or NULL (SQL NULL) when text is NULL or "": optional ids and filters, where a
 * protobuf string left empty means "not given". */
const char *vb_db_param_null_if_empty(const char *text);

/* The decimal text of value ("-42"), in the arena. */
const char *vb_db_param_int(vb_arena_t *arena, int64_t value);

/* "true" or "false" (static text; for $n::boolean). */
const char *vb_db_param_bool(bool value);

/* A compact JSON array of the count strings (["a","b \"q\""]) in the arena, for
 * "$n::jsonb" and "ARRAY(SELECT jsonb_array_elements_text($n::jsonb))": every string arrives as
 * itself, whatever quotes, backslashes, commas or words like NULL it holds. NULL when an item is
 * NULL or not valid UTF-8 (bad input: the store answers BAD_REQUEST). items may be NULL when
 * count is 0 ("[]"). */
const char *vb_db_param_json_strings(vb_arena_t *arena, char *const *items, size_t count);

/* The compact JSON text of value, in the arena. Takes the reference: value is json_decref'd.
 * value must not be NULL (build it from checked parts; an assert catches a NULL). */
const char *vb_db_param_json(vb_arena_t *arena, json_t *value);

/* ---- rows ---- */

/* A copy of the column's text in the arena ("" for SQL NULL). */
char *vb_db_row_strdup(vb_arena_t *arena, const vb_db_row_t *row, int column);

/* Parses text holding a JSON array of strings (a column as array_to_json(x)::text) into an
 * arena array of copies: *count items, an item that is not a string becomes "", and text that is
 * not a JSON array gives none. *items is NULL when *count is 0. */
void vb_db_json_strings_parse(vb_arena_t *arena, const char *text, char ***items, size_t *count);

#endif
