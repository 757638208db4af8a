/* CONTRACT: stable — the matchmaking service codes against these names; extend, do not rename.
 *
 * match.h - the matchmaking algorithms as a pure library: experts for a need (an
 * impact-ordered index with a threshold stop, plus the full-scan reference with the same
 * scoring), training offers for skill gaps (Bayesian-averaged ratings), peer groups (construction
 * + swap local search), knowledge-café table assignment (an optimal min-cost assignment per
 * round on the transportation structure, plus the textbook Hungarian reference) and partners in
 * a training network.
 * Does not: touch sockets, PostgreSQL, Redis or protobuf; intern strings (the caller maps
 * competence codes, languages, regions, sectors, organisations and interests to small integer
 * ids); allocate anything the caller must free except the expert index.
 *
 * Conventions of every function here:
 * - returns VB_STATUS_OK, VB_STATUS_BAD_REQUEST (malformed input: k out of range, unknown
 *   competence id, duplicate ids, levels out of range, empty preference list) or
 *   VB_STATUS_UNPROCESSABLE (well-formed but infeasible: more participants than seats, more
 *   rounds than tables, an organisation larger than the number of groups), and on failure
 *   fills *error (when not NULL) with the status, the offending field path and a message;
 * - input is borrowed for the duration of the call; output arrays are caller-allocated with
 *   the size stated next to each parameter;
 * - results are deterministic: same input, same output (ties broken by id ascending; the peer
 *   groups additionally depend only on the seed);
 * - single-threaded; distinct objects may be used from distinct threads.
 */
#ifndef MATCH_H
#define MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/assert.h"
#include "vb/status.h"

/* ---- limits and constants ------------------------------------------------------------ */

#define MATCH_K_MAX 1000              /* the largest k of any top-k query */
#define MATCH_LEVEL_MAX 5             /* competence levels are 0..5 (0 = none) */
#define MATCH_COMPETENCES_MAX 4096    /* competence ids are 0..competence_count-1 < this */
#define MATCH_REQUIREMENTS_MAX 32     /* required competences of one need / gaps of one query */
#define MATCH_REGIONS_MAX 16          /* regions of one expert */
#define MATCH_WEIGHT_MAX 1000         /* requirement / gap weights are 0..this (0 means 1) */
#define MATCH_REGION_ANY UINT32_MAX   /* a need or query without a region constraint */
#define MATCH_NO_LIMIT (-1)           /* budget_cents of a need without a budget */

/* Ratings: the Bayesian average (C*m + sum)/(C + count). C is a prior count of ten ratings: an
 * offer needs about ten real ratings before its own mean outweighs the prior. m is the mean of
 * all ratings of the offers passed to the query, capped at MATCH_RATING_PRIOR_MEAN_MAX (and
 * MATCH_RATING_DEFAULT_MEAN when nothing is rated): ratings on a 1-5 scale cluster at 4-5, and
 * with an uncapped m above ~4.55 a single 5-star rating would outrank forty ratings averaging
 * 4.6 — exactly what the average is there to prevent. */
#define MATCH_RATING_PRIOR_COUNT 10.0
#define MATCH_RATING_PRIOR_MEAN_MAX 4.0
#define MATCH_RATING_DEFAULT_MEAN 3.0
/* Offer score = COVERAGE*gap coverage + RATING*(bayes-1)/4 + PRICE*price term + REGION*region
 * term, each term in [0,1], so the score is in [0,1]. Price term = REF/(REF + price): free -> 1,
 * 500 EUR -> 0.5. Region term: 1 when online, when the query has no region, or when equal. */
#define MATCH_OFFER_WEIGHT_COVERAGE 0.55
#define MATCH_OFFER_WEIGHT_RATING 0.20
#define MATCH_OFFER_WEIGHT_PRICE 0.15
#define MATCH_OFFER_WEIGHT_REGION 0.10
#define MATCH_PRICE_REFERENCE_CENTS 50000
/* Partner score = COVERAGE*coverage + REGION + SECTOR + RATING terms, as above, per provider. */
#define MATCH_PARTNER_WEIGHT_COVERAGE 0.60
#define MATCH_PARTNER_WEIGHT_REGION 0.15
#define MATCH_PARTNER_WEIGHT_SECTOR 0.15
#define MATCH_PARTNER_WEIGHT_RATING 0.10

/* Peer groups: objective = INTEREST_WEIGHT * (sum over groups, over pairs, of shared interests)
 * - SAME_SECTOR_PENALTY * (pairs of one sector in one group). Sectors mixing is a soft term so
 * that a sector-homogeneous call still gets groups; one organisation per group is hard. */
#define MATCH_PEER_INTEREST_WEIGHT 10
#define MATCH_PEER_SAME_SECTOR_PENALTY 6
#define MATCH_PEER_PARTICIPANTS_MAX 5000
#define MATCH_PEER_GROUP_SIZE_MAX 100
#define MATCH_INTERESTS_MAX 256       /* interest ids are 0..255 */

/* Tables: cost of a participant at a table = its 0-based rank in the participant's list, or
 * MATCH_TABLE_UNRANKED_COST for an unranked table. A table already sat at is forbidden. */
#define MATCH_TABLE_UNRANKED_COST 1000
#define MATCH_TABLES_MAX 1000
#define MATCH_TABLE_PARTICIPANTS_MAX 100000
#define MATCH_ROUNDS_MAX 50

/* ---- errors ------------------------------------------------------------------------- */

typedef struct {
    vb_status_t status; /* same as the return value */
    char field[96];     /* path of the offending input, "need.requirements[2].competence_id" */
    char message[256];  /* human-readable, safe to send to the client */
} match_error_t;

/* ---- shared -------------------------------------------------------------------------- */

typedef struct {
    uint16_t competence_id; /* interned, < competence_count */
    uint8_t level;          /* 0..MATCH_LEVEL_MAX */
} match_competence_level_t;

/* ---- 1. experts for a need ---------------------------------------------------------- */

typedef struct {
    const char *id; /* unique, non-empty (a person id) */
    const match_competence_level_t *competences; /* each competence at most once */
    size_t competence_count;
    uint64_t language_mask;  /* bit i = interned language i */
    const uint32_t *region_ids; /* regions the expert works in on site */
    size_t region_count;        /* <= MATCH_REGIONS_MAX */
    bool remote;                /* works remotely */
    int32_t hours_per_month;    /* >= 0 */
    int64_t hourly_rate_cents;  /* >= 0 */
} match_expert_t;

typedef struct {
    uint16_t competence_id;
    uint8_t target_level; /* 1..MATCH_LEVEL_MAX */
    uint16_t weight;      /* 0..MATCH_WEIGHT_MAX, 0 means 1 */
} match_requirement_t;

/* Score = sum_i w_i * min(level_i, target_i) / target_i / sum_i w_i, in [0,1], computed in exact
 * integer units (score_units / score_units_max) so the index and the scan agree bit for bit.
 * An expert passes the filters when: language_mask == 0 or it overlaps; region_id ==
 * MATCH_REGION_ANY or the expert has it or (remote_ok and expert.remote); hours_per_month *
 * max(months,1) >= hours; budget_cents == MATCH_NO_LIMIT or hourly_rate * hours <= budget.
 * Experts with score 0 (none of the competences) are never results. */
typedef struct {
    const match_requirement_t *requirements; /* 1..MATCH_REQUIREMENTS_MAX, unique ids */
    size_t requirement_count;
    int64_t budget_cents;   /* >= 0, or MATCH_NO_LIMIT */
    int32_t hours;          /* total hours of the need, >= 0 */
    int32_t months;         /* time frame in months; 0 means 1 */
    uint64_t language_mask; /* 0 = any language */
    uint32_t region_id;     /* or MATCH_REGION_ANY */
    bool remote_ok;
} match_need_t;

typedef struct {
    uint32_t expert_index;  /* position in the array given to match_expert_index_build */
    const char *expert_id;  /* borrowed from the index */
    double score;           /* [0,1] */
    uint64_t score_units;   /* exact numerator of score (ties compare on this) */
    uint32_t missing_mask;  /* bit i: requirement i below its target level */
    uint8_t matched_levels[MATCH_REQUIREMENTS_MAX]; /* [i]: the expert's level for requirement i */
} match_expert_result_t;

typedef struct match_expert_index match_expert_index_t;

/* Validates and copies the experts (the index owns its copy, ids included: the caller may free
 * the array afterwards) and builds one posting list per competence sorted by level descending.
 * competence_count is the size of the interned taxonomy (1..MATCH_COMPETENCES_MAX). An index is
 * immutable: rebuild it when profiles change (100,000 profiles take about 0.1 s), and queries
 * allocate their own scratch, so several threads may query one index at once.
 * Errors: duplicate or empty ids, unknown competence ids, levels > 5, a competence twice in a
 * profile, negative hours or rate, too many regions. */
vb_status_t match_expert_index_build(const match_expert_t *experts, size_t expert_count,
                                     size_t competence_count, match_expert_index_t **index_p,
                                     match_error_t *error) VB_MUSTCHECK;

/* Frees the index; accepts NULL; nulls *index_p. */
void match_expert_index_destroy(match_expert_index_t **index_p);

/* Number of experts in the index. */
size_t match_expert_index_size(const match_expert_index_t *index);

/* The top-k experts for need, best first (score desc, then id asc), into results[0..k-1];
 * *result_count = how many (<= k). Uses the posting lists only (threshold walk with an early
 * stop for one requirement, sparse accumulation for selective needs, dense accumulation when
 * the lists cover over a quarter of the index). k in 1..MATCH_K_MAX. */
vb_status_t match_experts_topk(const match_expert_index_t *index, const match_need_t *need,
                               size_t k, match_expert_result_t *results, size_t *result_count,
                               match_error_t *error) VB_MUSTCHECK;

/* The same result by scoring every expert (the reference for tests and the benchmark). */
vb_status_t match_experts_topk_scan(const match_expert_index_t *index, const match_need_t *need,
                                    size_t k, match_expert_result_t *results,
                                    size_t *result_count, match_error_t *error) VB_MUSTCHECK;

/* ---- 2. training offers for skill gaps ---------------------------------------------- */

typedef struct {
    const char *id;          /* unique, non-empty */
    const char *provider_id; /* the provider organisation, non-empty */
    const match_competence_level_t *competences; /* covered, with the level reached */
    size_t competence_count;
    int64_t price_cents;     /* >= 0 */
    uint32_t region_id;      /* where an on-site offer takes place */
    bool online;
    uint64_t sector_mask;    /* sectors the offer is aimed at; 0 = every sector (partners) */
    uint32_t rating_count;   /* number of ratings */
    uint32_t rating_sum;     /* sum of the 1..5 stars: count <= sum <= 5*count */
} match_offer_t;

/* A gap of one competence: target - current (0 when current >= target). For an organisation's
 * staff the caller sums per competence and passes the number of people as the weight. */
typedef struct {
    uint16_t competence_id;
    uint8_t current_level; /* 0..5 */
    uint8_t target_level;  /* 0..5 */
    uint16_t weight;       /* 0..MATCH_WEIGHT_MAX, 0 means 1 */
} match_gap_t;

typedef struct {
    const match_gap_t *gaps; /* 1..MATCH_REQUIREMENTS_MAX, unique competence ids */
    size_t gap_count;
    uint32_t region_id;      /* the person's region, or MATCH_REGION_ANY */
} match_offer_query_t;

typedef struct {
    uint32_t offer_index;     /* position in the offers array */
    const char *offer_id;     /* borrowed from the offers array */
    double score;             /* [0,1] */
    double coverage;          /* share of the weighted gap levels the offer closes, [0,1] */
    double rating;            /* the Bayesian average, 1..5 */
    uint32_t closed_mask;     /* bit i: gap i fully closed by the offer */
    uint8_t closed_levels[MATCH_REQUIREMENTS_MAX]; /* [i]: levels of gap i the offer closes */
} match_offer_result_t;

/* Bayesian average of sum/count with prior mean and MATCH_RATING_PRIOR_COUNT. */
double match_rating_bayesian(uint64_t rating_sum, uint64_t rating_count, double prior_mean);

/* The prior mean m used for offers: their overall mean, capped (see above). */
double match_rating_prior_mean(const match_offer_t *offers, size_t offer_count);

/* The score of one offer given its gap coverage in [0,1] (the formula above); the ranking and the
 * tests' brute force both use it. */
double match_offer_score(const match_offer_t *offer, uint32_t region_id, double coverage,
                         double prior_mean);

/* The top-k offers for the gaps (score desc, then id asc). An offer closing no gap level is
 * never a result; gaps with target <= current are ignored (all of them -> no results). */
vb_status_t match_offers_topk(const match_offer_t *offers, size_t offer_count,
                              size_t competence_count, const match_offer_query_t *query,
                              size_t k, match_offer_result_t *results, size_t *result_count,
                              match_error_t *error) VB_MUSTCHECK;

/* ---- 3. peer groups ----------------------------------------------------------------- */

typedef struct {
    const char *id;           /* unique, non-empty (a person id) */
    uint32_t organization_id; /* interned; never two of one organisation in a group */
    uint32_t sector_id;       /* interned; one sector per group is penalised */
    const uint16_t *interest_ids; /* < MATCH_INTERESTS_MAX; duplicates are counted once */
    size_t interest_count;
} match_participant_t;

typedef struct {
    int64_t objective;         /* see MATCH_PEER_INTEREST_WEIGHT */
    int64_t shared_interests;  /* sum over groups and pairs of |interests(a) & interests(b)| */
    int64_t same_sector_pairs; /* pairs of one sector in one group */
    size_t group_count;
} match_peer_groups_result_t;

/* Splits participants into groups of min_size..max_size (2 <= min <= max <=
 * MATCH_PEER_GROUP_SIZE_MAX): the fewest groups that fit (group_count = ceil(n / max_size);
 * sizes start balanced and moves keep every size within min..max), group_of[p] in
 * 0..group_count-1 (group_of has participant_count entries). Construction by
 * organisation, then swap/move local search with incremental gains and seeded perturbations.
 * Deterministic for a seed. Errors: no group count fits the size range (UNPROCESSABLE), an
 * organisation with more members than groups (UNPROCESSABLE), duplicate ids (BAD_REQUEST). */
vb_status_t match_peer_groups(const match_participant_t *participants, size_t participant_count,
                              size_t min_size, size_t max_size, uint64_t seed, uint32_t *group_of,
                              match_peer_groups_result_t *result,
                              match_error_t *error) VB_MUSTCHECK;

/* The reference: same construction, then a plain pairwise exchange heuristic (first improving
 * swap, objective deltas recomputed from the two groups) until no swap improves. */
vb_status_t match_peer_groups_reference(const match_participant_t *participants,
                                        size_t participant_count, size_t min_size,
                                        size_t max_size, uint64_t seed, uint32_t *group_of,
                                        match_peer_groups_result_t *result,
                                        match_error_t *error) VB_MUSTCHECK;

/* Objective of a given grouping (for tests): validates nothing but group_of < group_count. */
void match_peer_groups_evaluate(const match_participant_t *participants, size_t participant_count,
                                const uint32_t *group_of, size_t group_count,
                                match_peer_groups_result_t *result);

/* ---- 4. knowledge-café tables --------------------------------------------------------- */

typedef struct {
    const char *id;               /* unique, non-empty */
    const uint32_t *ranked_tables; /* table indices, best first; non-empty, no duplicates */
    size_t ranked_count;
} match_table_participant_t;

/* The cost of participant p at table (rank or MATCH_TABLE_UNRANKED_COST). */
int64_t match_table_preference_cost(const match_table_participant_t *participant,
                                    uint32_t table);

/* One round: an optimal (minimum total cost) assignment of every participant to a table with
 * capacity, never to a table where forbidden[p * table_count + t] != 0 (forbidden may be NULL).
 * table_of has participant_count entries; *total_cost may be NULL. Successive shortest paths
 * over the tables (all seats of a table are alike), O(P * P * T) worst case. */
vb_status_t match_table_round(const match_table_participant_t *participants,
                              size_t participant_count, const uint32_t *capacities,
                              size_t table_count, const uint8_t *forbidden, uint32_t *table_of,
                              int64_t *total_cost, match_error_t *error) VB_MUSTCHECK;

/* R rounds: assignment[r * participant_count + p] = table of p in round r (rounds *
 * participant_count entries); each round optimal given the earlier ones, never a table twice
 * per participant. round_costs (rounds entries) may be NULL. Errors: more participants than
 * seats, rounds > tables or 0, a round that cannot seat everyone at a new table
 * (UNPROCESSABLE); empty or bad preference lists, duplicate ids (BAD_REQUEST). */
vb_status_t match_table_assignment(const match_table_participant_t *participants,
                                   size_t participant_count, const uint32_t *capacities,
                                   size_t table_count, size_t rounds, uint32_t *assignment,
                                   int64_t *round_costs, match_error_t *error) VB_MUSTCHECK;

/* The reference: textbook O(rows^2 * cols) Hungarian (shortest augmenting paths with
 * potentials) on a dense row-major cost matrix, rows <= cols, |cost| <= 1e12; row_to_col has
 * rows entries.
 * Used on the seat-expanded matrix by tests and the benchmark. */
vb_status_t match_assignment_hungarian_reference(const int64_t *cost, size_t rows, size_t cols,
                                                 uint32_t *row_to_col, int64_t *total_cost,
                                                 match_error_t *error) VB_MUSTCHECK;

/* ---- 5. partners in a training network ---------------------------------------------- */

typedef struct {
    uint32_t sector_id;                      /* < 64 (bit in match_offer_t.sector_mask) */
    uint32_t region_id;                      /* or MATCH_REGION_ANY */
    const match_requirement_t *requirements; /* 1..MATCH_REQUIREMENTS_MAX, unique ids */
    size_t requirement_count;
} match_company_need_t;

typedef struct {
    const char *provider_id;  /* borrowed from the offers array */
    double score;             /* [0,1] */
    double coverage;          /* level-aware coverage by the provider's best offer per need */
    double rating;            /* Bayesian average over all the provider's ratings */
    uint32_t offer_count;     /* offers of the provider */
    uint32_t missing_mask;    /* bit i: requirement i below target in every offer */
    uint8_t matched_levels[MATCH_REQUIREMENTS_MAX]; /* best level per requirement */
    uint32_t best_offer_index[MATCH_REQUIREMENTS_MAX]; /* offer giving it, UINT32_MAX if none */
} match_partner_result_t;

/* The score of one provider (the formula above); the ranking and the tests' brute force use it. */
double match_partner_score(double coverage, bool in_region, bool for_sector, double rating);

/* The top-k providers for a company (score desc, then provider id asc). Offers are grouped by
 * provider_id; a provider covering no requirement is never a result. */
vb_status_t match_partners_topk(const match_company_need_t *need, const match_offer_t *offers,
                                size_t offer_count, size_t competence_count, size_t k,
                                match_partner_result_t *results, size_t *result_count,
                                match_error_t *error) VB_MUSTCHECK;

#endif
