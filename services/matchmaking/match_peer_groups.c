/* match_peer_groups.c - peer groups: split participants into groups of min..max people,
 * maximising shared interests with sectors mixed (objective in match.h), never two people of
 * one organisation in a group.
 *
 * Both solvers start from the same construction: participants ordered by organisation size
 * (largest first, members adjacent, seeded order inside) and dealt round robin, which puts an
 * organisation with at most group_count members into distinct groups and balances the sizes.
 * The reference then swaps pairs (first improvement, deltas from the two groups' members)
 * until no swap helps. The production solver keeps a gain table G[x][g] = sum of pair weights
 * of x with the members of g, so a swap's delta costs O(1) and applying it O(n); it uses the
 * best swap or move per participant and, once at a local optimum, seeded perturbations (a few
 * random swaps, re-optimise, keep the best) within a fixed work budget, so the result depends
 * only on the input and the seed, never on the clock.
 * Does not: balance sectors exactly (a soft penalty) or optimise across calls. */
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

#define S_INTEREST_WORDS (MATCH_INTERESTS_MAX / 64)
/* The perturbation phase stops after this many pair evaluations per participant squared. */
#define S_WORK_BUDGET_PER_N2 100
/* Random swaps per perturbation. */
#define S_KICK_SWAPS 4

typedef struct {
    size_t n;
    size_t group_count;
    size_t min_size, max_size;
    uint64_t (*interests)[S_INTEREST_WORDS]; /* bitset per participant */
    uint32_t *organization;  /* dense organisation index per participant */
    size_t organization_count;
    const match_participant_t *participants;
} s_problem_t;

static inline int32_t
s_pair_weight(const s_problem_t *problem, uint32_t a, uint32_t b)
{
    if (a == b)
        return 0;
    const uint64_t *x = problem->interests[a], *y = problem->interests[b];
    int shared = 0;
    for (int word = 0; word < S_INTEREST_WORDS; word++)
        shared += __builtin_popcountll(x[word] & y[word]);
    int32_t weight = MATCH_PEER_INTEREST_WEIGHT * shared;
    if (problem->participants[a].sector_id == problem->participants[b].sector_id)
        weight -= MATCH_PEER_SAME_SECTOR_PENALTY;
    return weight;
}

/* ---- set-up shared by both solvers ----------------------------------------------------- */

typedef struct {
    uint32_t organization_id;
    uint32_t participant;
} s_org_pair_t;

static int
s_org_pair_compare(const void *left, const void *right)
{
    const s_org_pair_t *a = left, *b = right;
    if (a->organization_id != b->organization_id)
        return a->organization_id < b->organization_id ? -1 : 1;
    return a->participant < b->participant ? -1 : a->participant > b->participant;
}

typedef struct {
    uint32_t organization_size;
    uint32_t organization;
    uint64_t random_key;
    uint32_t participant;
} s_deal_t;

static int
s_deal_compare(const void *left, const void *right)
{
    const s_deal_t *a = left, *b = right;
    if (a->organization_size != b->organization_size)
        return a->organization_size > b->organization_size ? -1 : 1;
    if (a->organization != b->organization)
        return a->organization < b->organization ? -1 : 1;
    if (a->random_key != b->random_key)
        return a->random_key < b->random_key ? -1 : 1;
    return a->participant < b->participant ? -1 : a->participant > b->participant;
}

static void
s_problem_fini(s_problem_t *problem)
{
    free(problem->interests);
    free(problem->organization);
    memset(problem, 0, sizeof *problem);
}

/* Validates, interns organisations, builds the interest bitsets and the starting grouping. */
static vb_status_t
s_problem_init(s_problem_t *problem, const match_participant_t *participants, size_t n,
               size_t min_size, size_t max_size, uint64_t seed, uint32_t *group_of,
               match_peer_groups_result_t *result, match_error_t *error)
{
    char field[96];
    memset(problem, 0, sizeof *problem);
    if (!group_of || !result)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "group_of", "NULL output");
    memset(result, 0, sizeof *result);
    if (min_size < 2 || max_size < min_size || max_size > MATCH_PEER_GROUP_SIZE_MAX)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "group_size",
                          "need 2 <= min_size <= max_size <= %d", MATCH_PEER_GROUP_SIZE_MAX);
    if (n > MATCH_PEER_PARTICIPANTS_MAX || (n > 0 && !participants))
        return match_fail(error, VB_STATUS_BAD_REQUEST, "participants",
                          "at most %d participants", MATCH_PEER_PARTICIPANTS_MAX);
    if (n < min_size)
        return match_fail(error, VB_STATUS_UNPROCESSABLE, "participants",
                          "%zu participants cannot fill a group of at least %zu", n, min_size);
    vb_status_t status = match_check_ids(participants, n, sizeof *participants, "participants",
                                         error);
    if (status != VB_STATUS_OK)
        return status;
    for (size_t p = 0; p < n; p++) {
        if (participants[p].interest_count > 0 && !participants[p].interest_ids) {
            snprintf(field, sizeof field, "participants[%zu].interest_ids", p);
            return match_fail(error, VB_STATUS_BAD_REQUEST, field, "NULL interest list");
        }
        for (size_t i = 0; i < participants[p].interest_count; i++)
            if (participants[p].interest_ids[i] >= MATCH_INTERESTS_MAX) {
                snprintf(field, sizeof field, "participants[%zu].interest_ids[%zu]", p, i);
                return match_fail(error, VB_STATUS_BAD_REQUEST, field,
                                  "interest ids are 0..%d", MATCH_INTERESTS_MAX - 1);
            }
    }
    /* the fewest groups whose balanced sizes fit the range */
    size_t group_count = (n + max_size - 1) / max_size;
    if (n / group_count < min_size)
        return match_fail(error, VB_STATUS_UNPROCESSABLE, "group_size",
                          "%zu participants cannot be split into groups of %zu..%zu", n,
                          min_size, max_size);

    problem->n = n;
    problem->group_count = group_count;
    problem->min_size = min_size;
    problem->max_size = max_size;
    problem->participants = participants;
    problem->interests = calloc(n, sizeof *problem->interests);
    problem->organization = malloc(n * sizeof *problem->organization);
    s_org_pair_t *by_org = malloc(n * sizeof *by_org);
    s_deal_t *deal = malloc(n * sizeof *deal);
    uint32_t *org_size = calloc(n, sizeof *org_size);
    if (!problem->interests || !problem->organization || !by_org || !deal || !org_size) {
        free(by_org), free(deal), free(org_size);
        s_problem_fini(problem);
        return match_fail(error, VB_STATUS_INTERNAL, "participants", "out of memory");
    }
    for (size_t p = 0; p < n; p++) {
        for (size_t i = 0; i < participants[p].interest_count; i++) {
            uint16_t interest = participants[p].interest_ids[i];
            problem->interests[p][interest / 64] |= 1ull << (interest % 64);
        }
        by_org[p] = (s_org_pair_t){participants[p].organization_id, (uint32_t) p};
    }
    qsort(by_org, n, sizeof *by_org, s_org_pair_compare);
    size_t organizations = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && by_org[i].organization_id != by_org[i - 1].organization_id)
            organizations++;
        problem->organization[by_org[i].participant] = (uint32_t) organizations;
        org_size[organizations]++;
    }
    problem->organization_count = organizations + 1;
    for (size_t o = 0; o < problem->organization_count; o++)
        if (org_size[o] > group_count) {
            uint32_t example = 0;
            for (size_t p = 0; p < n; p++)
                if (problem->organization[p] == o) {
                    example = (uint32_t) p;
                    break;
                }
            status = match_fail(error, VB_STATUS_UNPROCESSABLE, "participants",
                                "organisation of '%.64s' has %u participants but there are only "
                                "%zu groups",
                                participants[example].id, org_size[o], group_count);
            break;
        }
    if (status == VB_STATUS_OK) {
        uint64_t random = seed;
        for (size_t p = 0; p < n; p++)
            deal[p] = (s_deal_t){org_size[problem->organization[p]], problem->organization[p],
                                 match_random_next(&random), (uint32_t) p};
        qsort(deal, n, sizeof *deal, s_deal_compare);
        for (size_t i = 0; i < n; i++)
            group_of[deal[i].participant] = (uint32_t) (i % group_count);
    }
    free(by_org), free(deal), free(org_size);
    if (status != VB_STATUS_OK)
        s_problem_fini(problem);
    return status;
}

void
match_peer_groups_evaluate(const match_participant_t *participants, size_t participant_count,
                           const uint32_t *group_of, size_t group_count,
                           match_peer_groups_result_t *result)
{
    memset(result, 0, sizeof *result);
    result->group_count = group_count;
    size_t n = participant_count;
    uint32_t *start = calloc(group_count + 1, sizeof *start);
    uint32_t *members = malloc((n + 1) * sizeof *members);
    VB_ASSERT(start && members);
    for (size_t p = 0; p < n; p++)
        start[group_of[p] + 1]++;
    for (size_t g = 0; g < group_count; g++)
        start[g + 1] += start[g];
    uint32_t *fill = calloc(group_count + 1, sizeof *fill);
    VB_ASSERT(fill);
    for (size_t p = 0; p < n; p++)
        members[start[group_of[p]] + fill[group_of[p]]++] = (uint32_t) p;
    for (size_t g = 0; g < group_count; g++)
        for (uint32_t i = start[g]; i < start[g + 1]; i++)
            for (uint32_t j = i + 1; j < start[g + 1]; j++) {
                const match_participant_t *a = &participants[members[i]];
                const match_participant_t *b = &participants[members[j]];
                uint64_t x[S_INTEREST_WORDS] = {0}, y[S_INTEREST_WORDS] = {0};
                for (size_t k = 0; k < a->interest_count; k++)
                    x[a->interest_ids[k] / 64] |= 1ull << (a->interest_ids[k] % 64);
                for (size_t k = 0; k < b->interest_count; k++)
                    y[b->interest_ids[k] / 64] |= 1ull << (b->interest_ids[k] % 64);
                for (int word = 0; word < S_INTEREST_WORDS; word++)
                    result->shared_interests += __builtin_popcountll(x[word] & y[word]);
                if (a->sector_id == b->sector_id)
                    result->same_sector_pairs++;
            }
    result->objective = MATCH_PEER_INTEREST_WEIGHT * result->shared_interests -
                        MATCH_PEER_SAME_SECTOR_PENALTY * result->same_sector_pairs;
    free(start), free(members), free(fill);
}

/* ---- the reference ------------------------------------------------------------------- */

vb_status_t
match_peer_groups_reference(const match_participant_t *participants, size_t participant_count,
                            size_t min_size, size_t max_size, uint64_t seed, uint32_t *group_of,
                            match_peer_groups_result_t *result, match_error_t *error)
{
    s_problem_t problem;
    vb_status_t status = s_problem_init(&problem, participants, participant_count, min_size,
                                        max_size, seed, group_of, result, error);
    if (status != VB_STATUS_OK)
        return status;
    size_t n = problem.n, groups = problem.group_count;
    /* members per group (sizes never change: swaps only) */
    size_t stride = max_size;
    uint32_t *members = malloc(groups * stride * sizeof *members);
    uint32_t *size = calloc(groups, sizeof *size);
    uint32_t *slot = malloc(n * sizeof *slot);
    VB_ASSERT(members && size && slot);
    for (size_t p = 0; p < n; p++) {
        slot[p] = size[group_of[p]];
        members[group_of[p] * stride + size[group_of[p]]++] = (uint32_t) p;
    }
    bool improved = true;
    while (improved) {
        improved = false;
        for (uint32_t a = 0; a < n; a++)
            for (uint32_t b = a + 1; b < n; b++) {
                uint32_t group_a = group_of[a], group_b = group_of[b];
                if (group_a == group_b)
                    continue;
                const uint32_t *in_a = &members[group_a * stride];
                const uint32_t *in_b = &members[group_b * stride];
                bool allowed = true;
                int64_t delta = 0;
                for (uint32_t i = 0; i < size[group_a] && allowed; i++) {
                    uint32_t x = in_a[i];
                    if (x == a)
                        continue;
                    if (problem.organization[x] == problem.organization[b])
                        allowed = false;
                    delta += s_pair_weight(&problem, b, x) - s_pair_weight(&problem, a, x);
                }
                for (uint32_t i = 0; i < size[group_b] && allowed; i++) {
                    uint32_t y = in_b[i];
                    if (y == b)
                        continue;
                    if (problem.organization[y] == problem.organization[a])
                        allowed = false;
                    delta += s_pair_weight(&problem, a, y) - s_pair_weight(&problem, b, y);
                }
                if (!allowed || delta <= 0)
                    continue;
                members[group_a * stride + slot[a]] = b;
                members[group_b * stride + slot[b]] = a;
                uint32_t slot_a = slot[a];
                slot[a] = slot[b];
                slot[b] = slot_a;
                group_of[a] = group_b;
                group_of[b] = group_a;
                improved = true;
            }
    }
    free(members), free(size), free(slot);
    match_peer_groups_evaluate(participants, n, group_of, groups, result);
    s_problem_fini(&problem);
    return VB_STATUS_OK;
}

/* ---- production: gain table, best swap/move, seeded perturbation ------------------------- */

typedef struct {
    const s_problem_t *problem;
    uint32_t *group_of;
    int32_t *gain;        /* [x * groups + g]: sum of pair weights of x with the members of g */
    uint32_t *size;       /* members per group */
    uint8_t *org_count;   /* [g * organizations + o]: members of organisation o in g */
    uint64_t work;        /* pair evaluations so far (the budget is counted in these) */
} s_search_t;

static void
s_search_rebuild(s_search_t *search)
{
    const s_problem_t *problem = search->problem;
    size_t n = problem->n, groups = problem->group_count;
    memset(search->gain, 0, n * groups * sizeof *search->gain);
    memset(search->size, 0, groups * sizeof *search->size);
    memset(search->org_count, 0, groups * problem->organization_count);
    for (uint32_t x = 0; x < n; x++) {
        search->size[search->group_of[x]]++;
        search->org_count[search->group_of[x] * problem->organization_count +
                          problem->organization[x]]++;
        for (uint32_t y = x + 1; y < n; y++) {
            int32_t weight = s_pair_weight(problem, x, y);
            search->gain[x * groups + search->group_of[y]] += weight;
            search->gain[y * groups + search->group_of[x]] += weight;
        }
    }
    search->work += n * n / 2;
}

static int64_t
s_search_objective(const s_search_t *search)
{
    int64_t twice = 0;
    size_t groups = search->problem->group_count;
    for (size_t x = 0; x < search->problem->n; x++)
        twice += search->gain[x * groups + search->group_of[x]];
    return twice / 2;
}

/* Moves x to group `to`, updating the gain table, sizes and organisation counts. */
static void
s_search_move(s_search_t *search, uint32_t x, uint32_t to)
{
    const s_problem_t *problem = search->problem;
    size_t groups = problem->group_count, orgs = problem->organization_count;
    uint32_t from = search->group_of[x];
    for (uint32_t y = 0; y < problem->n; y++) {
        int32_t weight = s_pair_weight(problem, x, y);
        search->gain[y * groups + from] -= weight;
        search->gain[y * groups + to] += weight;
    }
    search->work += problem->n;
    search->size[from]--;
    search->size[to]++;
    search->org_count[from * orgs + problem->organization[x]]--;
    search->org_count[to * orgs + problem->organization[x]]++;
    search->group_of[x] = to;
}

static void
s_search_swap(s_search_t *search, uint32_t a, uint32_t b)
{
    uint32_t group_a = search->group_of[a], group_b = search->group_of[b];
    s_search_move(search, a, group_b);
    s_search_move(search, b, group_a);
}

static inline bool
s_swap_allowed(const s_search_t *search, uint32_t a, uint32_t b)
{
    const s_problem_t *problem = search->problem;
    uint32_t org_a = problem->organization[a], org_b = problem->organization[b];
    if (org_a == org_b)
        return true;
    size_t orgs = problem->organization_count;
    return search->org_count[search->group_of[b] * orgs + org_a] == 0 &&
           search->org_count[search->group_of[a] * orgs + org_b] == 0;
}

/* Local search to a local optimum of swaps and moves: for each participant the best
 * improving exchange, until a full pass improves nothing. */
static void
s_search_descend(s_search_t *search)
{
    const s_problem_t *problem = search->problem;
    size_t n = problem->n, groups = problem->group_count, orgs = problem->organization_count;
    bool improved = true;
    while (improved) {
        improved = false;
        for (uint32_t a = 0; a < n; a++) {
            uint32_t group_a = search->group_of[a];
            const int32_t *gain_a = &search->gain[a * groups];
            int64_t best_delta = 0;
            uint32_t best_partner = UINT32_MAX, best_group = UINT32_MAX;
            for (uint32_t b = 0; b < n; b++) {
                uint32_t group_b = search->group_of[b];
                if (group_b == group_a)
                    continue;
                const int32_t *gain_b = &search->gain[b * groups];
                int64_t delta = (int64_t) gain_a[group_b] - gain_a[group_a] + gain_b[group_a] -
                                gain_b[group_b];
                if (delta <= best_delta)
                    continue; /* pair weight only lowers it further: skip the popcount */
                delta -= 2 * (int64_t) s_pair_weight(problem, a, b);
                if (delta > best_delta && s_swap_allowed(search, a, b)) {
                    best_delta = delta;
                    best_partner = b;
                }
            }
            search->work += n;
            if (search->size[group_a] > problem->min_size)
                for (uint32_t g = 0; g < groups; g++) {
                    if (g == group_a || search->size[g] >= problem->max_size ||
                        search->org_count[g * orgs + problem->organization[a]] != 0)
                        continue;
                    int64_t delta = (int64_t) gain_a[g] - gain_a[group_a];
                    if (delta > best_delta) {
                        best_delta = delta;
                        best_partner = UINT32_MAX;
                        best_group = g;
                    }
                }
            if (best_delta <= 0)
                continue;
            if (best_group != UINT32_MAX)
                s_search_move(search, a, best_group);
            else
                s_search_swap(search, a, best_partner);
            improved = true;
        }
    }
}

vb_status_t
match_peer_groups(const match_participant_t *participants, size_t participant_count,
                  size_t min_size, size_t max_size, uint64_t seed, uint32_t *group_of,
                  match_peer_groups_result_t *result, match_error_t *error)
{
    s_problem_t problem;
    vb_status_t status = s_problem_init(&problem, participants, participant_count, min_size,
                                        max_size, seed, group_of, result, error);
    if (status != VB_STATUS_OK)
        return status;
    size_t n = problem.n, groups = problem.group_count;
    s_search_t search = {.problem = &problem, .group_of = group_of};
    search.gain = malloc(n * groups * sizeof *search.gain);
    search.size = malloc(groups * sizeof *search.size);
    search.org_count = malloc(groups * problem.organization_count);
    uint32_t *best = malloc(n * sizeof *best);
    if (!search.gain || !search.size || !search.org_count || !best) {
        free(search.gain), free(search.size), free(search.org_count), free(best);
        s_problem_fini(&problem);
        return match_fail(error, VB_STATUS_INTERNAL, "participants", "out of memory");
    }
    s_search_rebuild(&search);
    s_search_descend(&search);
    int64_t best_objective = s_search_objective(&search);
    memcpy(best, group_of, n * sizeof *best);
    uint64_t budget = (uint64_t) S_WORK_BUDGET_PER_N2 * n * n;
    uint64_t random = seed ^ 0x5DEECE66Dull;
    while (search.work < budget && groups > 1) {
        for (int kick = 0; kick < S_KICK_SWAPS; kick++) {
            for (int attempt = 0; attempt < 32; attempt++) {
                uint32_t a = (uint32_t) match_random_below(&random, n);
                uint32_t b = (uint32_t) match_random_below(&random, n);
                if (group_of[a] != group_of[b] && s_swap_allowed(&search, a, b)) {
                    s_search_swap(&search, a, b);
                    break;
                }
            }
        }
        s_search_descend(&search);
        int64_t objective = s_search_objective(&search);
        if (objective > best_objective) {
            best_objective = objective;
            memcpy(best, group_of, n * sizeof *best);
        } else if (objective < best_objective) {
            /* back to the best: cheaper than a rebuild when only a few participants differ */
            for (uint32_t x = 0; x < n; x++)
                if (group_of[x] != best[x])
                    s_search_move(&search, x, best[x]);
        }
    }
    memcpy(group_of, best, n * sizeof *best);
    free(search.gain), free(search.size), free(search.org_count), free(best);
    match_peer_groups_evaluate(participants, n, group_of, groups, result);
    s_problem_fini(&problem);
    return VB_STATUS_OK;
}
