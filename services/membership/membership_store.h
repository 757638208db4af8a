/* membership_store.h - every SQL statement of the membership service, as one table of named
 * prepared statements, and typed functions over them. Rows arrive through callbacks and become
 * protobuf messages allocated in the caller's arena. Functions return OK, NOT_FOUND when the
 * row does not exist, or the database status (vb_db_run).
 * Does not: validate input, authorise, or talk to the cache. */
#ifndef MEMBERSHIP_STORE_H
#define MEMBERSHIP_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/arena.h"
#include "vb/db.h"
#include "vb/status.h"
#include "membership_proto.h"
#include "vb/taxonomy.h"

/* The statement table for vb_db_options_t (static, borrowed). */
const vb_db_statement_t *membership_store_statements(size_t *count);

/* A page request: NULL strings mean "no filter"; after_id is the decoded cursor or NULL.
 * Lists return up to limit + 1 rows so the caller can tell whether there is a next page. */
typedef struct {
    const char *text;
    const char *skill;
    const char *region;
    const char *organization_id;
    const char *after_id;
    int limit;
} membership_person_filter_t;

typedef struct {
    const char *text;
    const char *region;
    const char *kind; /* lower-case name */
    const char *sector;
    const char *after_id;
    int limit;
} membership_organization_filter_t;

typedef struct {
    const char *type;      /* lower-case name */
    const char *status;    /* lower-case name */
    const char *holder_id; /* a person or organisation id */
    const char *after_id;
    int limit;
} membership_membership_filter_t;

/* ---- persons ---- */
/* Inserts person as it is (id, created_at already set; version 1) with vb_db_write: inside an
 * optimistic write batch nothing is waited for, and a duplicate email voids the pass, whose
 * careful run gets CONFLICT here. */
vb_status_t membership_store_person_insert_new(vb_db_t *db, vb_arena_t *arena,
                                               const membership_person_t *person);
/* for_update locks the row until the transaction ends. *erased_at (may be NULL) is the
 * erasure time or "". */
vb_status_t membership_store_person_get(vb_db_t *db, vb_arena_t *arena, const char *id,
                                        bool for_update, membership_person_t **out,
                                        const char **erased_at);
/* Writes every mutable field of person (by person->id) when the row is at expected_version and
 * not erased; NOT_FOUND otherwise. *out is the row at its new version. */
vb_status_t membership_store_person_update(vb_db_t *db, vb_arena_t *arena,
                                           const membership_person_t *person,
                                           int64_t expected_version, membership_person_t **out);
vb_status_t membership_store_person_list(vb_db_t *db, vb_arena_t *arena,
                                         const membership_person_filter_t *filter,
                                         membership_person_t ***items, size_t *count);
/* Blanks every personal field, sets erased_at, bumps the version; NOT_FOUND when the person
 * does not exist or is already erased. */
vb_status_t membership_store_person_erase(vb_db_t *db, vb_arena_t *arena, const char *id,
                                          membership_person_t **out, const char **erased_at);

/* ---- organisations ---- */
vb_status_t membership_store_organization_insert(vb_db_t *db, vb_arena_t *arena,
                                                 const membership_organization_t *organization,
                                                 membership_organization_t **out);
vb_status_t membership_store_organization_get(vb_db_t *db, vb_arena_t *arena, const char *id,
                                              membership_organization_t **out);
vb_status_t membership_store_organization_list(vb_db_t *db, vb_arena_t *arena,
                                               const membership_organization_filter_t *filter,
                                               membership_organization_t ***items, size_t *count);

/* ---- memberships ---- */
vb_status_t membership_store_membership_insert(vb_db_t *db, vb_arena_t *arena,
                                               const membership_record_t *membership,
                                               membership_record_t **out);
vb_status_t membership_store_membership_get(vb_db_t *db, vb_arena_t *arena, const char *id,
                                            bool for_update, membership_record_t **out);
/* Saves status, dates and reason decided by membership_lifecycle_apply when the row is still
 * at expected_version; NOT_FOUND otherwise. */
vb_status_t membership_store_membership_save_status(vb_db_t *db, vb_arena_t *arena,
                                                    const membership_record_t *membership,
                                                    int64_t expected_version,
                                                    membership_record_t **out);
vb_status_t membership_store_membership_list(vb_db_t *db, vb_arena_t *arena,
                                             const membership_membership_filter_t *filter,
                                             membership_record_t ***items, size_t *count);
/* Every membership a person holds, for the export. */
vb_status_t membership_store_membership_list_by_person(vb_db_t *db, vb_arena_t *arena,
                                                       const char *person_id,
                                                       membership_record_t ***items, size_t *count);

/* ---- expert profiles ---- */
vb_status_t membership_store_expert_profile_put(vb_db_t *db, vb_arena_t *arena,
                                                const membership_expert_profile_t *profile,
                                                membership_expert_profile_t **out);
vb_status_t membership_store_expert_profile_get(vb_db_t *db, vb_arena_t *arena,
                                                const char *person_id,
                                                membership_expert_profile_t **out);
vb_status_t membership_store_expert_profile_delete(vb_db_t *db, const char *person_id);
/* A page of profiles with person_id > after_person_id (NULL/"": from the start), up to
 * limit + 1 rows in person id order. */
vb_status_t membership_store_expert_profile_list(vb_db_t *db, vb_arena_t *arena,
                                                 const char *after_person_id, int limit,
                                                 membership_expert_profile_t ***items,
                                                 size_t *count);

/* ---- tokens ---- */
/* Inserts a token that expires after ttl_seconds, with its stream topic prefixes joined by
 * commas ("" or NULL: none); *expires_at (arena) is its RFC 3339 expiry. */
vb_status_t membership_store_token_insert(vb_db_t *db, vb_arena_t *arena, const char *id,
                                          const char *hash, const char *role, const char *person_id,
                                          const char *label, int64_t ttl_seconds,
                                          const char *topic_prefixes, const char **expires_at);
/* The stored token with this hash: fills the fields (strings in arena; topic prefixes joined by
 * commas, "" when none); NOT_FOUND when none. */
vb_status_t membership_store_token_find(vb_db_t *db, vb_arena_t *arena, const char *hash,
                                        const char **id, const char **role, const char **person_id,
                                        bool *expired, bool *revoked, const char **expires_at,
                                        const char **topic_prefixes);
vb_status_t membership_store_token_revoke_person(vb_db_t *db, const char *person_id);
/* The admin token of VERBUND_ADMIN_TOKEN_FILE: inserted (or re-enabled) under label, and any
 * other token with that label revoked, so a rotated file retires the old token. */
vb_status_t membership_store_token_bootstrap(vb_db_t *db, const char *id, const char *hash,
                                             const char *label);

/* ---- audit ---- */
vb_status_t membership_store_audit_insert(vb_db_t *db, const membership_audit_t *record);
vb_status_t membership_store_audit_list(vb_db_t *db, vb_arena_t *arena, const char *subject_id,
                                        membership_audit_t ***items, size_t *count);

/* ---- taxonomy, snapshots ---- */
/* Adds every row of the competences table to taxonomy. */
vb_status_t membership_store_taxonomy_load(vb_db_t *db, vb_taxonomy_t *taxonomy);
/* Starts a read-only repeatable-read transaction (consistent export); end it with
 * vb_db_commit. Only outside another transaction. */
vb_status_t membership_store_snapshot_begin(vb_db_t *db);

#endif
