/* bench_match_experts.c - top-k experts among 100,000 random profiles over 40 competences with
 * Zipf-like popularity (competence c drawn with weight 1/(c+1)): the index top-k against the
 * full scan with the same scoring, interleaved, median of 7 rounds, for selective needs (rare
 * competences) and broad needs (popular ones). Checks that both return the same ids first.
 * Goals from issue 5: selective <= 0.1x the scan's time (rate ratio >= 10), broad <= 1.1x
 * (rate ratio >= 0.91). Does not: start a node (pure library). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_report.h"
#include "match.h"

#define EXPERTS 100000
#define COMPETENCES 40
#define QUERIES 200
#define ROUNDS 7
#define K 10

static uint64_t s_state = 42;

static uint64_t
s_random(void)
{
    uint64_t z = (s_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint32_t
s_below(uint32_t bound)
{
    return (uint32_t) (s_random() % bound);
}

static uint16_t
s_zipf_competence(const double *cumulative)
{
    double u = (double) (s_random() >> 11) / 9007199254740992.0;
    for (int c = 0; c < COMPETENCES; c++)
        if (u < cumulative[c])
            return (uint16_t) c;
    return COMPETENCES - 1;
}

typedef vb_status_t (*s_topk_fn)(const match_expert_index_t *, const match_need_t *, size_t,
                                 match_expert_result_t *, size_t *, match_error_t *);

static double
s_run(s_topk_fn topk, const match_expert_index_t *index, const match_need_t *needs,
      match_expert_result_t *results, uint64_t *checksum)
{
    size_t count = 0;
    double start = bench_now_seconds();
    for (int q = 0; q < QUERIES; q++) {
        if (topk(index, &needs[q], K, results, &count, NULL) != VB_STATUS_OK)
            abort();
        for (size_t r = 0; r < count; r++)
            *checksum = *checksum * 31 + results[r].expert_index + results[r].score_units;
    }
    return QUERIES / (bench_now_seconds() - start);
}

static void
s_compare(const char *name, const match_expert_index_t *index, const match_need_t *needs)
{
    match_expert_result_t results[K];
    double index_rates[ROUNDS], scan_rates[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t index_sum = 0, scan_sum = 0;
        index_rates[round] = s_run(match_experts_topk, index, needs, results, &index_sum);
        scan_rates[round] = s_run(match_experts_topk_scan, index, needs, results, &scan_sum);
        if (index_sum != scan_sum) {
            fprintf(stderr, "bench %s: index and scan disagree\n", name);
            exit(1);
        }
    }
    double index_rate = bench_median(index_rates, ROUNDS);
    double scan_rate = bench_median(scan_rates, ROUNDS);
    double goal = strstr(name, "selective") ? 10.0 : 1.0 / 1.1;
    bench_report(name, "queries/s", index_rate, "full scan, same scoring", scan_rate, goal);
    printf("bench %s: time %.1f us per query vs scan %.1f us: %.3fx the scan's time\n", name,
           1e6 / index_rate, 1e6 / scan_rate, scan_rate / index_rate);
}

int
main(void)
{
    double cumulative[COMPETENCES], total = 0;
    for (int c = 0; c < COMPETENCES; c++)
        cumulative[c] = (total += 1.0 / (c + 1));
    for (int c = 0; c < COMPETENCES; c++)
        cumulative[c] /= total;

    match_expert_t *experts = calloc(EXPERTS, sizeof *experts);
    char (*ids)[40] = calloc(EXPERTS, sizeof *ids);
    match_competence_level_t (*skills)[8] = calloc(EXPERTS, sizeof *skills);
    uint32_t (*regions)[2] = calloc(EXPERTS, sizeof *regions);
    if (!experts || !ids || !skills || !regions)
        return 1;
    for (size_t e = 0; e < EXPERTS; e++) {
        snprintf(ids[e], sizeof ids[e], "0190a1b2-%08x-%zu", s_below(UINT32_MAX), e);
        size_t wanted = 2 + s_below(7), have = 0;
        for (size_t i = 0; i < wanted; i++) {
            uint16_t c = s_zipf_competence(cumulative);
            int dup = 0;
            for (size_t j = 0; j < have; j++)
                dup |= skills[e][j].competence_id == c;
            if (!dup)
                skills[e][have++] = (match_competence_level_t){c, (uint8_t) (1 + s_below(5))};
        }
        regions[e][0] = s_below(16);
        experts[e] = (match_expert_t){ids[e], skills[e], have, s_below(10) < 8 ? 1u : 2u | 1u,
                                      regions[e], 1, s_below(3) == 0, (int32_t) (5 + s_below(60)),
                                      (int64_t) (5000 + s_below(10000))};
    }
    match_expert_index_t *index = NULL;
    match_error_t error;
    double build_start = bench_now_seconds();
    if (match_expert_index_build(experts, EXPERTS, COMPETENCES, &index, &error) != VB_STATUS_OK) {
        fprintf(stderr, "build: %s\n", error.message);
        return 1;
    }
    printf("bench match_experts: index of %d profiles built in %.1f ms\n", EXPERTS,
           (bench_now_seconds() - build_start) * 1e3);

    static match_need_t selective[QUERIES], broad[QUERIES];
    static match_requirement_t selective_req[QUERIES][3], broad_req[QUERIES][4];
    for (int q = 0; q < QUERIES; q++) {
        /* selective: two or three of the 15 rarest competences */
        size_t count = 2 + s_below(2);
        for (size_t i = 0; i < count; i++)
            selective_req[q][i] = (match_requirement_t){(uint16_t) (25 + (q * 3 + i * 5) % 15),
                                                        (uint8_t) (2 + s_below(4)), 0};
        selective[q] = (match_need_t){selective_req[q], count, MATCH_NO_LIMIT, 20, 2, 1,
                                      s_below(16), true};
        /* broad: three or four of the five most popular, a budget */
        count = 3 + s_below(2);
        for (size_t i = 0; i < count; i++)
            broad_req[q][i] = (match_requirement_t){(uint16_t) ((q + i) % 5),
                                                    (uint8_t) (2 + s_below(4)), 0};
        broad[q] = (match_need_t){broad_req[q], count, 40 * 12000, 40, 2, 1, s_below(16), true};
    }
    s_compare("match_experts_selective", index, selective);
    s_compare("match_experts_broad", index, broad);
    match_expert_index_destroy(&index);
    free(experts), free(ids), free(skills), free(regions);
    return 0;
}
