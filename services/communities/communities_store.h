/* communities_store.h - every SQL statement of the communities service, as one table of named
 * prepared statements, and typed functions over them. Rows arrive through callbacks and become
 * protobuf messages allocated in the caller's arena. Functions return OK, NOT_FOUND when the
 * row does not exist, or the database status (vb_db_run: CONFLICT for a duplicate key).
 * Does not: validate input, authorise, or write events. */
#ifndef COMMUNITIES_STORE_H
#define COMMUNITIES_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/arena.h"
#include "vb/db.h"
#include "vb/status.h"
#include "communities_proto.h"

/* The statement table for vb_service_main_open_db (static, borrowed). */
const vb_db_statement_t *communities_store_statements(size_t *count);

/* A page of communities: NULL strings mean "no filter". see_all: no visibility filter (staff,
 * service); otherwise only what viewer_person_id may see (NULL: the public part). Returns up
 * to limit + 1 rows so the caller can tell whether there is a next page. */
typedef struct {
    const char *kind;
    const char *status;
    const char *topic;
    bool see_all;
    const char *viewer_person_id;
    const char *after_id;
    int limit;
} communities_community_filter_t;

/* ---- communities ---- */
/* Inserts community as it is (id, status, strings set by the handler); *out is the stored row. */
vb_status_t communities_store_community_insert(vb_db_t *db, vb_arena_t *arena,
                                               const communities_community_t *community,
                                               communities_community_t **out);
/* for_update locks the row until the transaction ends (joins, transitions). */
vb_status_t communities_store_community_get(vb_db_t *db, vb_arena_t *arena, const char *id,
                                            bool for_update, communities_community_t **out);
/* Saves status, status_reason and status_changed_at decided by communities_lifecycle_apply
 * when the row is still at expected_version; NOT_FOUND otherwise. */
vb_status_t communities_store_community_save_status(vb_db_t *db, vb_arena_t *arena,
                                                    const communities_community_t *community,
                                                    int64_t expected_version,
                                                    communities_community_t **out);
vb_status_t communities_store_community_list(vb_db_t *db, vb_arena_t *arena,
                                             const communities_community_filter_t *filter,
                                             communities_community_t ***items, size_t *count);

/* ---- members ---- */
vb_status_t communities_store_member_get(vb_db_t *db, vb_arena_t *arena, const char *community_id,
                                         const char *person_id, communities_member_t **out);
vb_status_t communities_store_member_insert(vb_db_t *db, vb_arena_t *arena,
                                            const communities_member_t *member,
                                            communities_member_t **out);
/* Sets role and status when the row is at expected_version; NOT_FOUND otherwise. */
vb_status_t communities_store_member_update(vb_db_t *db, vb_arena_t *arena,
                                            const communities_member_t *member,
                                            int64_t expected_version, communities_member_t **out);
/* Deletes the row; *out is the row as it was. */
vb_status_t communities_store_member_delete(vb_db_t *db, vb_arena_t *arena,
                                            const char *community_id, const char *person_id,
                                            communities_member_t **out);
/* Active members of a community. */
vb_status_t communities_store_member_count_active(vb_db_t *db, const char *community_id,
                                                  int64_t *count);
/* A page ordered by person id; status NULL = every status; after_person_id NULL = first page. */
vb_status_t communities_store_member_list(vb_db_t *db, vb_arena_t *arena, const char *community_id,
                                          const char *status, const char *after_person_id,
                                          int limit, communities_member_t ***items, size_t *count);

/* ---- results ---- */
vb_status_t communities_store_result_insert(vb_db_t *db, vb_arena_t *arena,
                                            const communities_result_t *result,
                                            communities_result_t **out);
/* A page ordered by id; include_private false leaves out results only members may see. */
vb_status_t communities_store_result_list(vb_db_t *db, vb_arena_t *arena, const char *community_id,
                                          bool include_private, const char *after_id, int limit,
                                          communities_result_t ***items, size_t *count);

/* ---- erasure of a person (all of its rows at once) ---- */
/* Deletes every membership and pending request of person_id; *items are the rows as they were. */
vb_status_t communities_store_erase_members(vb_db_t *db, vb_arena_t *arena, const char *person_id,
                                            communities_member_t ***items, size_t *count);
/* Clears proposed_by where it is person_id (version + 1); *items are the changed communities. */
vb_status_t communities_store_erase_proposer(vb_db_t *db, vb_arena_t *arena, const char *person_id,
                                             communities_community_t ***items, size_t *count);
/* Removes person_id from results' author lists and published_by; *changed rows. */
vb_status_t communities_store_erase_results(vb_db_t *db, const char *person_id, int64_t *changed);

#endif
