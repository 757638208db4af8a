/* bench_match_peer_groups.c - peer groups, 1,000 participants into groups of 10 (about 250
 * organisations of 1-8 people, 8 sectors, 3-8 interests each out of 40 with skewed
 * popularity): match_peer_groups against the plain exchange heuristic
 * (match_peer_groups_reference) from the same construction and seed, interleaved, median of 5
 * rounds, objectives printed. Goal from issue 5: <= 2x the reference's time (rate ratio >=
 * 0.5) with an objective within 1% (ours is expected to be higher).
 * Does not: start a node (pure library). */
#include <stdio.h>
#include <stdlib.h>

#include "bench_report.h"
#include "match.h"

#define PARTICIPANTS 1000
#define GROUP_SIZE 10
#define INTERESTS 40
#define ROUNDS 5

static uint64_t s_state = 99;

static uint32_t
s_below(uint32_t bound)
{
    uint64_t z = (s_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return (uint32_t) ((z ^ (z >> 31)) % bound);
}

int
main(void)
{
    static match_participant_t people[PARTICIPANTS];
    static char ids[PARTICIPANTS][32];
    static uint16_t interests[PARTICIPANTS][8];
    uint32_t organization = 0, left_in_organization = 0;
    for (int p = 0; p < PARTICIPANTS; p++) {
        if (left_in_organization == 0) {
            organization++;
            left_in_organization = 1 + s_below(7);
        }
        left_in_organization--;
        snprintf(ids[p], sizeof ids[p], "person-%04d", p);
        int wanted = 3 + (int) s_below(6), have = 0;
        for (int i = 0; i < wanted; i++) {
            uint32_t u = s_below(INTERESTS * INTERESTS);
            uint16_t interest = (uint16_t) (INTERESTS - 1 - (uint32_t) __builtin_sqrt((double) u));
            int dup = 0;
            for (int j = 0; j < have; j++)
                dup |= interests[p][j] == interest;
            if (!dup)
                interests[p][have++] = interest;
        }
        people[p] = (match_participant_t){ids[p], organization, s_below(8), interests[p],
                                          (size_t) have};
    }
    static uint32_t ours[PARTICIPANTS], theirs[PARTICIPANTS];
    match_peer_groups_result_t our_result, their_result;
    double our_rates[ROUNDS], their_rates[ROUNDS];
    double our_objective[ROUNDS], their_objective[ROUNDS];
    match_error_t error;
    for (int round = 0; round < ROUNDS; round++) {
        uint64_t seed = 1000 + (uint64_t) round;
        double start = bench_now_seconds();
        if (match_peer_groups(people, PARTICIPANTS, GROUP_SIZE, GROUP_SIZE, seed, ours,
                              &our_result, &error) != VB_STATUS_OK) {
            fprintf(stderr, "peer groups: %s\n", error.message);
            return 1;
        }
        our_rates[round] = 60.0 / (bench_now_seconds() - start);
        start = bench_now_seconds();
        if (match_peer_groups_reference(people, PARTICIPANTS, GROUP_SIZE, GROUP_SIZE, seed,
                                        theirs, &their_result, &error) != VB_STATUS_OK) {
            fprintf(stderr, "reference: %s\n", error.message);
            return 1;
        }
        their_rates[round] = 60.0 / (bench_now_seconds() - start);
        our_objective[round] = (double) our_result.objective;
        their_objective[round] = (double) their_result.objective;
        printf("bench match_peer_groups: seed %llu objective %lld (shared %lld, same-sector "
               "pairs %lld) vs reference %lld: %+.2f%%\n",
               (unsigned long long) seed, (long long) our_result.objective,
               (long long) our_result.shared_interests, (long long) our_result.same_sector_pairs,
               (long long) their_result.objective,
               100.0 * (double) (our_result.objective - their_result.objective) /
                   (double) their_result.objective);
    }
    double our_rate = bench_median(our_rates, ROUNDS);
    double their_rate = bench_median(their_rates, ROUNDS);
    double ours_median = bench_median(our_objective, ROUNDS);
    double theirs_median = bench_median(their_objective, ROUNDS);
    bench_report("match_peer_groups", "groupings/min", our_rate, "pairwise exchange heuristic",
                 their_rate, 0.5);
    printf("bench match_peer_groups: time %.1f ms vs %.1f ms: %.2fx the reference's time; "
           "median objective %.0f vs %.0f (%+.2f%%, goal >= -1%%)\n",
           6e4 / our_rate, 6e4 / their_rate, their_rate / our_rate, ours_median, theirs_median,
           100.0 * (ours_median - theirs_median) / theirs_median);
    return 0;
}
