/* match_experts.c - experts for a need: an immutable index (profiles copied into flat arrays,
 * one posting list per competence sorted by level descending, ties in id order) and three ways
 * to the same top-k, picked by the need's posting volume: a threshold walk over the
 * impact-ordered lists for single-requirement needs (stops once no unseen expert can enter the
 * top k), sparse accumulation along the lists for selective needs, dense accumulation for broad
 * needs; plus the full-scan reference. All score with the same integer units, so they agree
 * exactly (tests/unit/test_match_experts.c checks them against a brute force).
 * Does not: know competence codes or person records (the caller interns them). */
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

/* Integer score units: min(level, target) * (60 / target) * weight. 60 is the least common
 * multiple of the targets 1..5, so every partial level is a whole number of units. */
#define S_UNITS_PER_REQUIREMENT 60u

/* A need's posting lists cover more than this share of the index: the threshold walk would
 * touch most profiles anyway, so accumulate along the lists instead (see s_topk_accumulate). */
#define S_ACCUMULATE_SHARE 0.25

struct match_expert_index {
    size_t expert_count;       /* profiles in the index */
    size_t competence_count;   /* size of the interned taxonomy */
    char *id_storage;          /* all ids, NUL-terminated, back to back */
    const char **ids;          /* ids[e] points into id_storage */
    uint32_t *id_rank;         /* position of expert e in id order (the tie-break) */
    uint32_t *competence_start; /* expert e's competences: [start[e], start[e+1]) */
    uint16_t *competence_ids;  /* flattened competence ids of all experts */
    uint8_t *competence_levels; /* flattened levels */
    uint32_t *region_start;    /* expert e's regions: [start[e], start[e+1]) */
    uint32_t *region_ids;      /* flattened regions */
    uint64_t *language_masks;  /* per expert */
    uint8_t *remote;           /* per expert, 0/1 */
    int32_t *hours_per_month;  /* per expert */
    int64_t *hourly_rate_cents; /* per expert */
    uint32_t *posting_start;   /* competence c's list: [start[c], start[c+1]) */
    uint32_t *posting_experts; /* expert indices, level desc then id_rank asc */
    uint8_t *posting_levels;   /* the level of each posting (> 0) */
};

/* One query's view of the need: per-requirement unit tables and a slot per competence. */
typedef struct {
    const match_need_t *need;
    int8_t *slot_of;          /* competence id -> requirement index or -1 */
    uint32_t units[MATCH_REQUIREMENTS_MAX][MATCH_LEVEL_MAX + 1]; /* units of level l */
    uint64_t units_max;       /* units of a perfect match */
    int64_t months;           /* need->months, at least 1 */
} s_query_t;

/* A heap entry: the candidate's exact score and tie-break. */
typedef struct {
    uint64_t units;
    uint32_t id_rank;
    uint32_t expert;
} s_candidate_t;

/* A bounded heap whose root is the worst kept candidate. */
typedef struct {
    s_candidate_t *items;
    size_t count;
    size_t capacity;
} s_heap_t;

/* ---- index ------------------------------------------------------------------------- */

void
match_expert_index_destroy(match_expert_index_t **index_p)
{
    if (!index_p || !*index_p)
        return;
    match_expert_index_t *index = *index_p;
    free(index->id_storage);
    free(index->ids);
    free(index->id_rank);
    free(index->competence_start);
    free(index->competence_ids);
    free(index->competence_levels);
    free(index->region_start);
    free(index->region_ids);
    free(index->language_masks);
    free(index->remote);
    free(index->hours_per_month);
    free(index->hourly_rate_cents);
    free(index->posting_start);
    free(index->posting_experts);
    free(index->posting_levels);
    free(index);
    *index_p = NULL;
}

size_t
match_expert_index_size(const match_expert_index_t *index)
{
    return index ? index->expert_count : 0;
}

static vb_status_t
s_validate_experts(const match_expert_t *experts, size_t expert_count, size_t competence_count,
                   match_error_t *error)
{
    char field[96];
    if (expert_count > UINT32_MAX / 2)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "experts", "too many experts");
    vb_status_t status = match_check_ids(experts, expert_count, sizeof *experts, "experts", error);
    if (status != VB_STATUS_OK)
        return status;
    uint8_t *seen = calloc(competence_count, 1);
    if (!seen)
        return match_fail(error, VB_STATUS_INTERNAL, "experts", "out of memory");
    for (size_t e = 0; e < expert_count && status == VB_STATUS_OK; e++) {
        const match_expert_t *expert = &experts[e];
        status = match_check_competence_levels(expert->competences, expert->competence_count,
                                               competence_count, seen, "experts", e, error);
        if (status != VB_STATUS_OK)
            break;
        if (expert->region_count > MATCH_REGIONS_MAX ||
            (expert->region_count > 0 && !expert->region_ids)) {
            snprintf(field, sizeof field, "experts[%zu].region_ids", e);
            status = match_fail(error, VB_STATUS_BAD_REQUEST, field, "at most %d regions",
                                MATCH_REGIONS_MAX);
        } else if (expert->hours_per_month < 0) {
            snprintf(field, sizeof field, "experts[%zu].hours_per_month", e);
            status = match_fail(error, VB_STATUS_BAD_REQUEST, field, "must not be negative");
        } else if (expert->hourly_rate_cents < 0) {
            snprintf(field, sizeof field, "experts[%zu].hourly_rate_cents", e);
            status = match_fail(error, VB_STATUS_BAD_REQUEST, field, "must not be negative");
        }
    }
    free(seen);
    return status;
}

/* qsort context for the id ranks: plain qsort has no context argument, so sort pairs. */
typedef struct {
    const char *id;
    uint32_t expert;
} s_id_pair_t;

static int
s_id_pair_compare(const void *left, const void *right)
{
    return strcmp(((const s_id_pair_t *) left)->id, ((const s_id_pair_t *) right)->id);
}

vb_status_t
match_expert_index_build(const match_expert_t *experts, size_t expert_count,
                         size_t competence_count, match_expert_index_t **index_p,
                         match_error_t *error)
{
    if (!index_p)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "index", "NULL output");
    *index_p = NULL;
    vb_status_t status = match_check_competence_count(competence_count, error);
    if (status != VB_STATUS_OK)
        return status;
    if (expert_count > 0 && !experts)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "experts", "NULL array");
    status = s_validate_experts(experts, expert_count, competence_count, error);
    if (status != VB_STATUS_OK)
        return status;

    size_t n = expert_count, id_bytes = 0, competence_total = 0, region_total = 0;
    for (size_t e = 0; e < n; e++) {
        id_bytes += strlen(experts[e].id) + 1;
        competence_total += experts[e].competence_count;
        region_total += experts[e].region_count;
    }
    if (competence_total > UINT32_MAX / 2 || region_total > UINT32_MAX / 2)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "experts", "too many competences");

    match_expert_index_t *index = calloc(1, sizeof *index);
    s_id_pair_t *pairs = NULL;
    uint32_t *fill = NULL;
    if (!index)
        goto out_of_memory;
    index->expert_count = n;
    index->competence_count = competence_count;
    index->id_storage = malloc(id_bytes + 1);
    index->ids = malloc((n + 1) * sizeof *index->ids);
    index->id_rank = malloc((n + 1) * sizeof *index->id_rank);
    index->competence_start = malloc((n + 1) * sizeof *index->competence_start);
    index->competence_ids = malloc((competence_total + 1) * sizeof *index->competence_ids);
    index->competence_levels = malloc(competence_total + 1);
    index->region_start = malloc((n + 1) * sizeof *index->region_start);
    index->region_ids = malloc((region_total + 1) * sizeof *index->region_ids);
    index->language_masks = malloc((n + 1) * sizeof *index->language_masks);
    index->remote = malloc(n + 1);
    index->hours_per_month = malloc((n + 1) * sizeof *index->hours_per_month);
    index->hourly_rate_cents = malloc((n + 1) * sizeof *index->hourly_rate_cents);
    index->posting_start = calloc(competence_count + 1, sizeof *index->posting_start);
    index->posting_experts = malloc((competence_total + 1) * sizeof *index->posting_experts);
    index->posting_levels = malloc(competence_total + 1);
    pairs = malloc((n + 1) * sizeof *pairs);
    fill = calloc(competence_count * (MATCH_LEVEL_MAX + 1) + 1, sizeof *fill);
    if (!index->id_storage || !index->ids || !index->id_rank || !index->competence_start ||
        !index->competence_ids || !index->competence_levels || !index->region_start ||
        !index->region_ids || !index->language_masks || !index->remote ||
        !index->hours_per_month || !index->hourly_rate_cents || !index->posting_start ||
        !index->posting_experts || !index->posting_levels || !pairs || !fill)
        goto out_of_memory;

    size_t id_at = 0, competence_at = 0, region_at = 0;
    for (size_t e = 0; e < n; e++) {
        const match_expert_t *expert = &experts[e];
        size_t length = strlen(expert->id) + 1;
        memcpy(index->id_storage + id_at, expert->id, length);
        index->ids[e] = index->id_storage + id_at;
        id_at += length;
        index->competence_start[e] = (uint32_t) competence_at;
        for (size_t i = 0; i < expert->competence_count; i++) {
            index->competence_ids[competence_at] = expert->competences[i].competence_id;
            index->competence_levels[competence_at] = expert->competences[i].level;
            competence_at++;
        }
        index->region_start[e] = (uint32_t) region_at;
        for (size_t i = 0; i < expert->region_count; i++)
            index->region_ids[region_at++] = expert->region_ids[i];
        index->language_masks[e] = expert->language_mask;
        index->remote[e] = expert->remote ? 1 : 0;
        index->hours_per_month[e] = expert->hours_per_month;
        index->hourly_rate_cents[e] = expert->hourly_rate_cents;
        pairs[e].id = index->ids[e];
        pairs[e].expert = (uint32_t) e;
    }
    index->competence_start[n] = (uint32_t) competence_at;
    index->region_start[n] = (uint32_t) region_at;

    qsort(pairs, n, sizeof *pairs, s_id_pair_compare);
    for (size_t rank = 0; rank < n; rank++)
        index->id_rank[pairs[rank].expert] = (uint32_t) rank;

    /* Counting sort into (competence, level desc) buckets, walking experts in id order so each
     * bucket ends up in id_rank order: the lists are impact-ordered with the tie-break built in. */
    for (size_t at = 0; at < competence_at; at++)
        if (index->competence_levels[at] > 0)
            fill[index->competence_ids[at] * (MATCH_LEVEL_MAX + 1) +
                 (MATCH_LEVEL_MAX - index->competence_levels[at])]++;
    uint32_t running = 0;
    for (size_t c = 0; c < competence_count; c++) {
        index->posting_start[c] = running;
        for (size_t bucket = 0; bucket <= MATCH_LEVEL_MAX; bucket++) {
            uint32_t size = fill[c * (MATCH_LEVEL_MAX + 1) + bucket];
            fill[c * (MATCH_LEVEL_MAX + 1) + bucket] = running;
            running += size;
        }
    }
    index->posting_start[competence_count] = running;
    for (size_t rank = 0; rank < n; rank++) {
        uint32_t e = pairs[rank].expert;
        for (uint32_t at = index->competence_start[e]; at < index->competence_start[e + 1]; at++) {
            uint8_t level = index->competence_levels[at];
            if (level == 0)
                continue;
            uint32_t slot = fill[index->competence_ids[at] * (MATCH_LEVEL_MAX + 1) +
                                 (MATCH_LEVEL_MAX - level)]++;
            index->posting_experts[slot] = e;
            index->posting_levels[slot] = level;
        }
    }
    free(pairs);
    free(fill);
    *index_p = index;
    return VB_STATUS_OK;

out_of_memory:
    free(pairs);
    free(fill);
    match_expert_index_destroy(&index);
    return match_fail(error, VB_STATUS_INTERNAL, "experts", "out of memory");
}

/* ---- query set-up, filters, scores --------------------------------------------------- */

static vb_status_t
s_query_init(s_query_t *query, const match_expert_index_t *index, const match_need_t *need,
             size_t k, match_error_t *error)
{
    memset(query, 0, sizeof *query);
    if (!index)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "index", "NULL index");
    if (!need)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "need", "NULL need");
    vb_status_t status = match_check_k(k, error);
    if (status != VB_STATUS_OK)
        return status;
    status = match_check_requirements(need->requirements, need->requirement_count,
                                      index->competence_count, "need.requirements", error);
    if (status != VB_STATUS_OK)
        return status;
    if (need->budget_cents < 0 && need->budget_cents != MATCH_NO_LIMIT)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "need.budget_cents",
                          "budget must be >= 0 (or no limit)");
    if (need->hours < 0)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "need.hours", "must not be negative");
    if (need->months < 0)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "need.months", "must not be negative");
    query->need = need;
    query->months = need->months < 1 ? 1 : need->months;
    query->slot_of = malloc(index->competence_count);
    if (!query->slot_of)
        return match_fail(error, VB_STATUS_INTERNAL, "need", "out of memory");
    memset(query->slot_of, -1, index->competence_count);
    for (size_t i = 0; i < need->requirement_count; i++) {
        const match_requirement_t *requirement = &need->requirements[i];
        uint32_t weight = match_weight(requirement->weight);
        uint32_t per_level = S_UNITS_PER_REQUIREMENT / requirement->target_level;
        query->slot_of[requirement->competence_id] = (int8_t) i;
        for (uint32_t level = 0; level <= MATCH_LEVEL_MAX; level++) {
            uint32_t counted = level < requirement->target_level ? level
                                                                 : requirement->target_level;
            query->units[i][level] = weight * per_level * counted;
        }
        query->units_max += (uint64_t) weight * S_UNITS_PER_REQUIREMENT;
    }
    return VB_STATUS_OK;
}

static void
s_query_fini(s_query_t *query)
{
    free(query->slot_of);
    query->slot_of = NULL;
}

static bool
s_passes_filters(const match_expert_index_t *index, const s_query_t *query, uint32_t e)
{
    const match_need_t *need = query->need;
    if (need->language_mask && !(need->language_mask & index->language_masks[e]))
        return false;
    if ((int64_t) index->hours_per_month[e] * query->months < need->hours)
        return false;
    if (need->budget_cents != MATCH_NO_LIMIT &&
        (__int128) index->hourly_rate_cents[e] * need->hours > (__int128) need->budget_cents)
        return false;
    if (need->region_id == MATCH_REGION_ANY || (need->remote_ok && index->remote[e]))
        return true;
    for (uint32_t at = index->region_start[e]; at < index->region_start[e + 1]; at++)
        if (index->region_ids[at] == need->region_id)
            return true;
    return false;
}

/* Exact score units of expert e (by its own competence list). */
static uint64_t
s_score_units(const match_expert_index_t *index, const s_query_t *query, uint32_t e)
{
    uint64_t units = 0;
    for (uint32_t at = index->competence_start[e]; at < index->competence_start[e + 1]; at++) {
        int slot = query->slot_of[index->competence_ids[at]];
        if (slot >= 0)
            units += query->units[slot][index->competence_levels[at]];
    }
    return units;
}

/* a ranks before b: more units, then smaller id rank */
static inline bool
s_better(const s_candidate_t *a, const s_candidate_t *b)
{
    return a->units != b->units ? a->units > b->units : a->id_rank < b->id_rank;
}

static void
s_heap_sift_down(s_heap_t *heap, size_t at)
{
    for (;;) {
        size_t worst = at, left = 2 * at + 1, right = left + 1;
        if (left < heap->count && s_better(&heap->items[worst], &heap->items[left]))
            worst = left;
        if (right < heap->count && s_better(&heap->items[worst], &heap->items[right]))
            worst = right;
        if (worst == at)
            return;
        s_candidate_t swap = heap->items[at];
        heap->items[at] = heap->items[worst];
        heap->items[worst] = swap;
        at = worst;
    }
}

/* Offers a candidate to the heap of the best `capacity` seen so far. */
static void
s_heap_offer(s_heap_t *heap, s_candidate_t candidate)
{
    if (heap->count < heap->capacity) {
        size_t at = heap->count++;
        heap->items[at] = candidate;
        while (at > 0) {
            size_t parent = (at - 1) / 2;
            if (!s_better(&heap->items[parent], &heap->items[at]))
                break;
            s_candidate_t swap = heap->items[at];
            heap->items[at] = heap->items[parent];
            heap->items[parent] = swap;
            at = parent;
        }
    } else if (s_better(&candidate, &heap->items[0])) {
        heap->items[0] = candidate;
        s_heap_sift_down(heap, 0);
    }
}

static int
s_candidate_compare(const void *left, const void *right)
{
    const s_candidate_t *a = left, *b = right;
    if (a->units != b->units)
        return a->units > b->units ? -1 : 1;
    return a->id_rank < b->id_rank ? -1 : a->id_rank > b->id_rank;
}

/* Sorts the heap best first and fills the results with scores and explanations. */
static void
s_emit(const match_expert_index_t *index, const s_query_t *query, s_heap_t *heap,
       match_expert_result_t *results, size_t *result_count)
{
    const match_need_t *need = query->need;
    qsort(heap->items, heap->count, sizeof *heap->items, s_candidate_compare);
    for (size_t r = 0; r < heap->count; r++) {
        uint32_t e = heap->items[r].expert;
        match_expert_result_t *result = &results[r];
        memset(result, 0, sizeof *result);
        result->expert_index = e;
        result->expert_id = index->ids[e];
        result->score_units = heap->items[r].units;
        result->score = (double) heap->items[r].units / (double) query->units_max;
        for (uint32_t at = index->competence_start[e]; at < index->competence_start[e + 1];
             at++) {
            int slot = query->slot_of[index->competence_ids[at]];
            if (slot >= 0)
                result->matched_levels[slot] = index->competence_levels[at];
        }
        for (size_t i = 0; i < need->requirement_count; i++)
            if (result->matched_levels[i] < need->requirements[i].target_level)
                result->missing_mask |= 1u << i;
    }
    *result_count = heap->count;
}

static vb_status_t
s_check_output(match_expert_result_t *results, size_t *result_count, match_error_t *error)
{
    if (!results || !result_count)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "results", "NULL output");
    *result_count = 0;
    return VB_STATUS_OK;
}

/* ---- the three strategies -------------------------------------------------------------- */

vb_status_t
match_experts_topk_scan(const match_expert_index_t *index, const match_need_t *need, size_t k,
                        match_expert_result_t *results, size_t *result_count,
                        match_error_t *error)
{
    vb_status_t status = s_check_output(results, result_count, error);
    if (status != VB_STATUS_OK)
        return status;
    s_query_t query;
    status = s_query_init(&query, index, need, k, error);
    if (status != VB_STATUS_OK)
        return status;
    s_heap_t heap = {.items = malloc(k * sizeof(s_candidate_t)), .capacity = k};
    if (!heap.items) {
        s_query_fini(&query);
        return match_fail(error, VB_STATUS_INTERNAL, "k", "out of memory");
    }
    for (uint32_t e = 0; e < index->expert_count; e++) {
        uint64_t units = s_score_units(index, &query, e);
        if (units == 0 || !s_passes_filters(index, &query, e))
            continue;
        s_heap_offer(&heap, (s_candidate_t){units, index->id_rank[e], e});
    }
    s_emit(index, &query, &heap, results, result_count);
    free(heap.items);
    s_query_fini(&query);
    return VB_STATUS_OK;
}

/* Broad needs: add each posting's units into a per-expert total (sequential reads of the
 * need's lists only), then one pass over the totals. No per-profile competence walk. */
static vb_status_t
s_topk_accumulate(const match_expert_index_t *index, const s_query_t *query, s_heap_t *heap,
                  match_error_t *error)
{
    uint32_t *totals = calloc(index->expert_count + 1, sizeof *totals);
    if (!totals)
        return match_fail(error, VB_STATUS_INTERNAL, "need", "out of memory");
    const match_need_t *need = query->need;
    for (size_t i = 0; i < need->requirement_count; i++) {
        uint16_t c = need->requirements[i].competence_id;
        const uint32_t *units = query->units[i];
        for (uint32_t at = index->posting_start[c]; at < index->posting_start[c + 1]; at++)
            totals[index->posting_experts[at]] += units[index->posting_levels[at]];
    }
    for (uint32_t e = 0; e < index->expert_count; e++) {
        if (totals[e] == 0)
            continue;
        s_candidate_t candidate = {totals[e], index->id_rank[e], e};
        if (heap->count == heap->capacity && !s_better(&candidate, &heap->items[0]))
            continue; /* cheaper than the filters: most broad candidates lose here */
        if (s_passes_filters(index, query, e))
            s_heap_offer(heap, candidate);
    }
    free(totals);
    return VB_STATUS_OK;
}

/* Selective needs with several requirements: add up each posting's units for the experts the
 * need's lists touch (a seen bitset says which totals are live), then rank only those. Reads the
 * lists sequentially and never a profile, so it costs the lists' length, not the index size. */
static vb_status_t
s_topk_sparse(const match_expert_index_t *index, const s_query_t *query, size_t postings,
              s_heap_t *heap, match_error_t *error)
{
    uint64_t *seen = calloc(index->expert_count / 64 + 1, sizeof *seen);
    uint32_t *totals = malloc((index->expert_count + 1) * sizeof *totals);
    uint32_t *touched = malloc((postings + 1) * sizeof *touched);
    if (!seen || !totals || !touched) {
        free(seen), free(totals), free(touched);
        return match_fail(error, VB_STATUS_INTERNAL, "need", "out of memory");
    }
    const match_need_t *need = query->need;
    size_t touched_count = 0;
    for (size_t i = 0; i < need->requirement_count; i++) {
        uint16_t c = need->requirements[i].competence_id;
        const uint32_t *units = query->units[i];
        for (uint32_t at = index->posting_start[c]; at < index->posting_start[c + 1]; at++) {
            uint32_t e = index->posting_experts[at];
            uint32_t gained = units[index->posting_levels[at]];
            if (seen[e / 64] & (1ull << (e % 64))) {
                totals[e] += gained;
            } else {
                seen[e / 64] |= 1ull << (e % 64);
                totals[e] = gained;
                touched[touched_count++] = e;
            }
        }
    }
    for (size_t t = 0; t < touched_count; t++) {
        uint32_t e = touched[t];
        s_candidate_t candidate = {totals[e], index->id_rank[e], e};
        if (heap->count == heap->capacity && !s_better(&candidate, &heap->items[0]))
            continue;
        if (s_passes_filters(index, query, e))
            s_heap_offer(heap, candidate);
    }
    free(seen), free(totals), free(touched);
    return VB_STATUS_OK;
}

/* Single-requirement needs: walk the lists level block by level block, always the block with the most
 * units next, scoring each newly seen expert completely. An unseen expert scores at most the
 * sum of each list's next block units; once that bound is below the k-th best, stop. */
static vb_status_t
s_topk_threshold(const match_expert_index_t *index, const s_query_t *query, s_heap_t *heap,
                 match_error_t *error)
{
    const match_need_t *need = query->need;
    size_t r = need->requirement_count;
    uint32_t cursor[MATCH_REQUIREMENTS_MAX], end[MATCH_REQUIREMENTS_MAX];
    uint64_t *seen = calloc(index->expert_count / 64 + 1, sizeof *seen);
    if (!seen)
        return match_fail(error, VB_STATUS_INTERNAL, "need", "out of memory");
    for (size_t i = 0; i < r; i++) {
        uint16_t c = need->requirements[i].competence_id;
        cursor[i] = index->posting_start[c];
        end[i] = index->posting_start[c + 1];
    }
    for (;;) {
        uint64_t bound = 0, best_units = 0;
        size_t best = r;
        for (size_t i = 0; i < r; i++) {
            if (cursor[i] == end[i])
                continue;
            uint64_t units = query->units[i][index->posting_levels[cursor[i]]];
            bound += units;
            if (best == r || units > best_units) {
                best = i;
                best_units = units;
            }
        }
        if (best == r)
            break; /* every list walked */
        if (heap->count == heap->capacity && bound < heap->items[0].units)
            break; /* no unseen expert can enter the top k */
        /* the whole block of this level: the bound cannot fall inside it */
        uint8_t level = index->posting_levels[cursor[best]];
        uint32_t at = cursor[best];
        for (; at < end[best] && index->posting_levels[at] == level; at++) {
            uint32_t e = index->posting_experts[at];
            if (seen[e / 64] & (1ull << (e % 64)))
                continue;
            seen[e / 64] |= 1ull << (e % 64);
            s_candidate_t candidate = {s_score_units(index, query, e), index->id_rank[e], e};
            if (heap->count == heap->capacity && !s_better(&candidate, &heap->items[0]))
                continue;
            if (s_passes_filters(index, query, e))
                s_heap_offer(heap, candidate);
        }
        cursor[best] = at;
    }
    free(seen);
    return VB_STATUS_OK;
}

vb_status_t
match_experts_topk(const match_expert_index_t *index, const match_need_t *need, size_t k,
                   match_expert_result_t *results, size_t *result_count, match_error_t *error)
{
    vb_status_t status = s_check_output(results, result_count, error);
    if (status != VB_STATUS_OK)
        return status;
    s_query_t query;
    status = s_query_init(&query, index, need, k, error);
    if (status != VB_STATUS_OK)
        return status;
    s_heap_t heap = {.items = malloc(k * sizeof(s_candidate_t)), .capacity = k};
    if (!heap.items) {
        s_query_fini(&query);
        return match_fail(error, VB_STATUS_INTERNAL, "k", "out of memory");
    }
    size_t postings = 0;
    for (size_t i = 0; i < need->requirement_count; i++) {
        uint16_t c = need->requirements[i].competence_id;
        postings += index->posting_start[c + 1] - index->posting_start[c];
    }
    if ((double) postings > S_ACCUMULATE_SHARE * (double) index->expert_count)
        status = s_topk_accumulate(index, &query, &heap, error);
    else if (need->requirement_count == 1)
        status = s_topk_threshold(index, &query, &heap, error);
    else
        status = s_topk_sparse(index, &query, postings, &heap, error);
    if (status == VB_STATUS_OK)
        s_emit(index, &query, &heap, results, result_count);
    free(heap.items);
    s_query_fini(&query);
    return status;
}
