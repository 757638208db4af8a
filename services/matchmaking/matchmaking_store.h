/* matchmaking_store.h - every SQL statement of the matchmaking service (needs, offers,
 * ratings) as one table of named prepared statements, and typed functions over them. Rows
 * become protobuf messages in the caller's arena. Functions return OK, NOT_FOUND when the row
 * does not exist, or the database status (vb_db_run).
 * Does not: validate input, authorise, or touch the read model. */
#ifndef MATCHMAKING_STORE_H
#define MATCHMAKING_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "verbund/matchmaking/v1/matchmaking.pb-c.h"
#include "vb/arena.h"
#include "vb/db.h"
#include "vb/status.h"

typedef Verbund__Matchmaking__V1__Need matchmaking_need_t;
typedef Verbund__Matchmaking__V1__Offer matchmaking_offer_t;
typedef Verbund__Matchmaking__V1__Rating matchmaking_rating_t;

/* The statement table (static, borrowed). */
const vb_db_statement_t *matchmaking_store_statements(size_t *count);

/* Inserts need as it is (id, created_by, created_at set by the caller) with vb_db_write. */
vb_status_t matchmaking_store_need_insert(vb_db_t *db, vb_arena_t *arena,
                                          const matchmaking_need_t *need);
vb_status_t matchmaking_store_need_get(vb_db_t *db, vb_arena_t *arena, const char *id,
                                       matchmaking_need_t **out);
/* A page (limit + 1 rows) in id order; owner filters NULL/"" = any. */
vb_status_t matchmaking_store_need_list(vb_db_t *db, vb_arena_t *arena, const char *owner_person_id,
                                        const char *owner_organization_id, const char *after_id,
                                        int limit, matchmaking_need_t ***items, size_t *count);

vb_status_t matchmaking_store_offer_insert(vb_db_t *db, vb_arena_t *arena,
                                           const matchmaking_offer_t *offer);
/* for_update locks the row (rating updates). */
vb_status_t matchmaking_store_offer_get(vb_db_t *db, vb_arena_t *arena, const char *id,
                                        bool for_update, matchmaking_offer_t **out);
/* A page (limit + 1 rows); competence NULL/"" = any. */
vb_status_t matchmaking_store_offer_list(vb_db_t *db, vb_arena_t *arena,
                                         const char *provider_organization_id,
                                         const char *competence, const char *after_id, int limit,
                                         matchmaking_offer_t ***items, size_t *count);

/* Stores (or replaces) the rating of person for offer and updates the offer's count and sum
 * in one statement; *replaced tells whether a rating existed. *offer_out is the offer after. */
vb_status_t matchmaking_store_rating_put(vb_db_t *db, vb_arena_t *arena, const char *offer_id,
                                         const char *person_id, int stars, bool *replaced,
                                         matchmaking_rating_t **rating_out,
                                         matchmaking_offer_t **offer_out);

/* Erasure: deletes every need owned by person_id (*ids: their ids, arena). */
vb_status_t matchmaking_store_erase_needs(vb_db_t *db, vb_arena_t *arena, const char *person_id,
                                          char ***ids, size_t *count);
/* Erasure: deletes every rating by person_id and takes it out of its offer's count and sum;
 * *offers are the changed offers after the change. */
vb_status_t matchmaking_store_erase_ratings(vb_db_t *db, vb_arena_t *arena, const char *person_id,
                                            matchmaking_offer_t ***offers, size_t *count);

#endif
