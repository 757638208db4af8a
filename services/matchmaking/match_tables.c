/* match_tables.c - knowledge-café tables: per round an optimal (minimum total preference cost)
 * assignment of participants to tables with capacities, never to a table a participant sat at
 * in an earlier round; and the textbook Hungarian reference for dense matrices.
 *
 * The round solver is successive shortest paths on the transportation structure: all seats of a
 * table are alike, so a table is one node with a capacity instead of capacity many columns.
 * Adding participant s = one Dijkstra over the T tables (linear scan for the minimum; T is
 * small), reaching a full table lets each of its members move on to any other table; the path
 * ends at the first table with a free seat. Dual values (u per participant, w per table, w > 0
 * only on full tables) keep every reduced cost non-negative and the assigned edges tight, so
 * each step keeps the partial assignment optimal (LP complementary slackness).
 * Does not: balance table loads beyond capacities or look ahead across rounds (each round is
 * optimal given the earlier ones, as the issue asks). */
#include <stdlib.h>
#include <string.h>

#include "match_internal.h"

#define S_INFINITY (INT64_MAX / 4)
/* n * T cost cells are kept dense (int32): refuse what would not fit comfortably */
#define S_CELLS_MAX 20000000ull

int64_t
match_table_preference_cost(const match_table_participant_t *participant, uint32_t table)
{
    for (size_t rank = 0; rank < participant->ranked_count; rank++)
        if (participant->ranked_tables[rank] == table)
            return (int64_t) rank;
    return MATCH_TABLE_UNRANKED_COST;
}

static vb_status_t
s_check_tables(const match_table_participant_t *participants, size_t participant_count,
               const uint32_t *capacities, size_t table_count, match_error_t *error)
{
    char field[96];
    if (table_count < 1 || table_count > MATCH_TABLES_MAX || !capacities)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "tables", "between 1 and %d tables",
                          MATCH_TABLES_MAX);
    if (participant_count < 1 || participant_count > MATCH_TABLE_PARTICIPANTS_MAX ||
        !participants)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "participants",
                          "between 1 and %d participants", MATCH_TABLE_PARTICIPANTS_MAX);
    if ((unsigned long long) participant_count * table_count > S_CELLS_MAX)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "participants",
                          "participants x tables must not exceed %llu", S_CELLS_MAX);
    vb_status_t status = match_check_ids(participants, participant_count, sizeof *participants,
                                         "participants", error);
    if (status != VB_STATUS_OK)
        return status;
    uint64_t seats = 0;
    for (size_t t = 0; t < table_count; t++)
        seats += capacities[t];
    uint8_t *seen = calloc(table_count, 1);
    if (!seen)
        return match_fail(error, VB_STATUS_INTERNAL, "participants", "out of memory");
    for (size_t p = 0; p < participant_count && status == VB_STATUS_OK; p++) {
        const match_table_participant_t *participant = &participants[p];
        if (participant->ranked_count == 0 || !participant->ranked_tables) {
            snprintf(field, sizeof field, "participants[%zu].ranked_tables", p);
            status = match_fail(error, VB_STATUS_BAD_REQUEST, field,
                                "participant '%.64s' ranked no table", participant->id);
            break;
        }
        size_t checked = 0;
        for (; checked < participant->ranked_count; checked++) {
            uint32_t table = participant->ranked_tables[checked];
            if (table >= table_count || seen[table]) {
                snprintf(field, sizeof field, "participants[%zu].ranked_tables[%zu]", p,
                         checked);
                status = match_fail(error, VB_STATUS_BAD_REQUEST, field,
                                    table >= table_count ? "no table %u" : "table %u ranked twice",
                                    (unsigned) table);
                break;
            }
            seen[table] = 1;
        }
        for (size_t i = 0; i < checked; i++)
            seen[participant->ranked_tables[i]] = 0;
    }
    free(seen);
    if (status == VB_STATUS_OK && seats < participant_count)
        status = match_fail(error, VB_STATUS_UNPROCESSABLE, "participants",
                            "%zu participants but only %llu seats", participant_count,
                            (unsigned long long) seats);
    return status;
}

/* The round solver's working memory, reused across rounds. */
typedef struct {
    size_t participant_count;
    size_t table_count;
    const uint32_t *capacities;
    int32_t *cost;           /* [p * T + t] preference cost */
    int64_t *participant_dual; /* u[p] */
    int64_t *table_dual;     /* w[t] >= 0, > 0 only when table t is full */
    uint32_t *seat_start;    /* members of t: members[seat_start[t] .. + load[t]) */
    uint32_t *members;       /* participants by table */
    uint32_t *load;          /* seated at t */
    uint32_t *member_slot;   /* p's position in members */
    int64_t *distance;       /* Dijkstra: tentative distance of table t */
    uint32_t *reached_by;    /* Dijkstra: participant whose edge set distance[t] */
    uint8_t *done;           /* Dijkstra: table t popped */
    uint32_t *popped;        /* tables popped this search, in order */
    uint32_t *visited;       /* participants reached this search */
    int64_t *visited_distance; /* their distances */
} s_solver_t;

static void
s_solver_fini(s_solver_t *solver)
{
    free(solver->cost);
    free(solver->participant_dual);
    free(solver->table_dual);
    free(solver->seat_start);
    free(solver->members);
    free(solver->load);
    free(solver->member_slot);
    free(solver->distance);
    free(solver->reached_by);
    free(solver->done);
    free(solver->popped);
    free(solver->visited);
    free(solver->visited_distance);
    memset(solver, 0, sizeof *solver);
}

static int
s_solver_init(s_solver_t *solver, const match_table_participant_t *participants, size_t n,
              const uint32_t *capacities, size_t table_count)
{
    memset(solver, 0, sizeof *solver);
    solver->participant_count = n;
    solver->table_count = table_count;
    solver->capacities = capacities;
    solver->cost = malloc(n * table_count * sizeof *solver->cost);
    solver->participant_dual = malloc(n * sizeof *solver->participant_dual);
    solver->table_dual = malloc(table_count * sizeof *solver->table_dual);
    solver->seat_start = malloc((table_count + 1) * sizeof *solver->seat_start);
    /* members never exceed n per table: bound each table's slice by min(capacity, n) */
    size_t slots = 0;
    for (size_t t = 0; t < table_count; t++)
        slots += capacities[t] < n ? capacities[t] : n;
    solver->members = malloc((slots + 1) * sizeof *solver->members);
    solver->load = malloc(table_count * sizeof *solver->load);
    solver->member_slot = malloc(n * sizeof *solver->member_slot);
    solver->distance = malloc(table_count * sizeof *solver->distance);
    solver->reached_by = malloc(table_count * sizeof *solver->reached_by);
    solver->done = malloc(table_count);
    solver->popped = malloc(table_count * sizeof *solver->popped);
    solver->visited = malloc(n * sizeof *solver->visited);
    solver->visited_distance = malloc(n * sizeof *solver->visited_distance);
    if (!solver->cost || !solver->participant_dual || !solver->table_dual ||
        !solver->seat_start || !solver->members || !solver->load || !solver->member_slot ||
        !solver->distance || !solver->reached_by || !solver->done || !solver->popped ||
        !solver->visited || !solver->visited_distance) {
        s_solver_fini(solver);
        return -1;
    }
    uint32_t start = 0;
    for (size_t t = 0; t < table_count; t++) {
        solver->seat_start[t] = start;
        start += capacities[t] < n ? capacities[t] : (uint32_t) n;
    }
    for (size_t p = 0; p < n; p++) {
        int32_t *row = &solver->cost[p * table_count];
        for (size_t t = 0; t < table_count; t++)
            row[t] = MATCH_TABLE_UNRANKED_COST;
        for (size_t rank = 0; rank < participants[p].ranked_count; rank++)
            row[participants[p].ranked_tables[rank]] = (int32_t) rank;
    }
    return 0;
}

static void
s_seat(s_solver_t *solver, uint32_t *table_of, uint32_t p, uint32_t table)
{
    uint32_t slot = solver->seat_start[table] + solver->load[table]++;
    solver->members[slot] = p;
    solver->member_slot[p] = slot;
    table_of[p] = table;
}

static void
s_unseat(s_solver_t *solver, uint32_t *table_of, uint32_t p)
{
    uint32_t table = table_of[p];
    uint32_t last_slot = solver->seat_start[table] + --solver->load[table];
    uint32_t moved = solver->members[last_slot];
    solver->members[solver->member_slot[p]] = moved;
    solver->member_slot[moved] = solver->member_slot[p];
    table_of[p] = UINT32_MAX;
}

/* One optimal round. -1 when some participant cannot reach a free allowed seat: the index of
 * that participant is stored in *stuck. */
static int
s_solve_round(s_solver_t *solver, const uint8_t *forbidden, uint32_t *table_of, size_t *stuck)
{
    size_t n = solver->participant_count, tables = solver->table_count;
    const int32_t *cost = solver->cost;
    int64_t *u = solver->participant_dual, *w = solver->table_dual, *distance = solver->distance;
    memset(solver->load, 0, tables * sizeof *solver->load);
    memset(w, 0, tables * sizeof *w);
    for (size_t p = 0; p < n; p++)
        table_of[p] = UINT32_MAX;

    for (uint32_t s = 0; s < n; s++) {
        const int32_t *row = &cost[(size_t) s * tables];
        const uint8_t *barred = forbidden ? &forbidden[(size_t) s * tables] : NULL;
        for (size_t t = 0; t < tables; t++) {
            distance[t] = barred && barred[t] ? S_INFINITY : row[t] + w[t];
            solver->reached_by[t] = s;
        }
        memset(solver->done, 0, tables);
        u[s] = 0;
        size_t popped_count = 0, visited_count = 0;
        uint32_t end = UINT32_MAX;
        int64_t shortest = 0;
        for (;;) {
            uint32_t next = UINT32_MAX;
            int64_t next_distance = S_INFINITY;
            for (uint32_t t = 0; t < tables; t++)
                if (!solver->done[t] && distance[t] < next_distance) {
                    next = t;
                    next_distance = distance[t];
                }
            if (next == UINT32_MAX)
                break; /* no free allowed seat is reachable */
            solver->done[next] = 1;
            solver->popped[popped_count++] = next;
            if (solver->load[next] < solver->capacities[next]) {
                end = next;
                shortest = next_distance;
                break;
            }
            /* a full table: each member may move on to any table it is allowed at */
            for (uint32_t slot = solver->seat_start[next];
                 slot < solver->seat_start[next] + solver->load[next]; slot++) {
                uint32_t q = solver->members[slot];
                const int32_t *q_row = &cost[(size_t) q * tables];
                const uint8_t *q_barred = forbidden ? &forbidden[(size_t) q * tables] : NULL;
                /* the edge q -> next is tight, so q is as far as its table */
                int64_t q_distance = next_distance + u[q] - w[next] - q_row[next];
                solver->visited[visited_count] = q;
                solver->visited_distance[visited_count++] = q_distance;
                int64_t base = q_distance - u[q];
                for (uint32_t t = 0; t < tables; t++) {
                    if (solver->done[t] || (q_barred && q_barred[t]))
                        continue;
                    int64_t candidate = base + q_row[t] + w[t];
                    if (candidate < distance[t]) {
                        distance[t] = candidate;
                        solver->reached_by[t] = q;
                    }
                }
            }
        }
        if (end == UINT32_MAX) {
            *stuck = s;
            return -1;
        }
        /* dual update: keeps reduced costs >= 0 and the new path tight */
        for (size_t i = 0; i < popped_count; i++)
            w[solver->popped[i]] += shortest - distance[solver->popped[i]];
        for (size_t i = 0; i < visited_count; i++)
            u[solver->visited[i]] += shortest - solver->visited_distance[i];
        u[s] = shortest;
        /* augment: each participant on the path moves to the table it reached */
        uint32_t table = end;
        for (;;) {
            uint32_t q = solver->reached_by[table];
            if (q == s) {
                s_seat(solver, table_of, s, table);
                break;
            }
            uint32_t left = table_of[q];
            s_unseat(solver, table_of, q);
            s_seat(solver, table_of, q, table);
            table = left;
        }
    }
    return 0;
}

static int64_t
s_round_cost(const s_solver_t *solver, const uint32_t *table_of)
{
    int64_t total = 0;
    for (size_t p = 0; p < solver->participant_count; p++)
        total += solver->cost[p * solver->table_count + table_of[p]];
    return total;
}

vb_status_t
match_table_round(const match_table_participant_t *participants, size_t participant_count,
                  const uint32_t *capacities, size_t table_count, const uint8_t *forbidden,
                  uint32_t *table_of, int64_t *total_cost, match_error_t *error)
{
    if (!table_of)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "table_of", "NULL output");
    vb_status_t status =
        s_check_tables(participants, participant_count, capacities, table_count, error);
    if (status != VB_STATUS_OK)
        return status;
    s_solver_t solver;
    if (s_solver_init(&solver, participants, participant_count, capacities, table_count) != 0)
        return match_fail(error, VB_STATUS_INTERNAL, "participants", "out of memory");
    size_t stuck = 0;
    if (s_solve_round(&solver, forbidden, table_of, &stuck) != 0)
        status = match_fail(error, VB_STATUS_UNPROCESSABLE, "participants",
                            "participant '%.64s' cannot be seated at an allowed table",
                            participants[stuck].id);
    else if (total_cost)
        *total_cost = s_round_cost(&solver, table_of);
    s_solver_fini(&solver);
    return status;
}

vb_status_t
match_table_assignment(const match_table_participant_t *participants, size_t participant_count,
                       const uint32_t *capacities, size_t table_count, size_t rounds,
                       uint32_t *assignment, int64_t *round_costs, match_error_t *error)
{
    if (!assignment)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "assignment", "NULL output");
    vb_status_t status =
        s_check_tables(participants, participant_count, capacities, table_count, error);
    if (status != VB_STATUS_OK)
        return status;
    if (rounds < 1 || rounds > MATCH_ROUNDS_MAX)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "rounds", "between 1 and %d rounds",
                          MATCH_ROUNDS_MAX);
    if (rounds > table_count)
        return match_fail(error, VB_STATUS_UNPROCESSABLE, "rounds",
                          "%zu rounds need at least %zu tables (a new table each round), there "
                          "are %zu",
                          rounds, rounds, table_count);
    s_solver_t solver;
    uint8_t *forbidden = calloc(participant_count * table_count, 1);
    if (!forbidden ||
        s_solver_init(&solver, participants, participant_count, capacities, table_count) != 0) {
        free(forbidden);
        return match_fail(error, VB_STATUS_INTERNAL, "participants", "out of memory");
    }
    for (size_t round = 0; round < rounds && status == VB_STATUS_OK; round++) {
        uint32_t *table_of = &assignment[round * participant_count];
        size_t stuck = 0;
        if (s_solve_round(&solver, forbidden, table_of, &stuck) != 0) {
            status = match_fail(error, VB_STATUS_UNPROCESSABLE, "rounds",
                                "round %zu: participant '%.64s' cannot be seated at a table "
                                "they have not sat at (too few seats at the remaining tables)",
                                round + 1, participants[stuck].id);
            break;
        }
        if (round_costs)
            round_costs[round] = s_round_cost(&solver, table_of);
        for (size_t p = 0; p < participant_count; p++)
            forbidden[p * table_count + table_of[p]] = 1;
    }
    free(forbidden);
    s_solver_fini(&solver);
    return status;
}

/* ---- the reference ------------------------------------------------------------------- */

vb_status_t
match_assignment_hungarian_reference(const int64_t *cost, size_t rows, size_t cols,
                                     uint32_t *row_to_col, int64_t *total_cost,
                                     match_error_t *error)
{
    if (!cost || !row_to_col || rows < 1 || rows > cols || cols > 100000)
        return match_fail(error, VB_STATUS_BAD_REQUEST, "cost",
                          "need 1 <= rows <= cols <= 100000 and a cost matrix");
    /* bounded costs keep the potentials far from overflow (n * 1e12 < 2^62) */
    for (size_t i = 0; i < rows * cols; i++)
        if (cost[i] > 1000000000000LL || cost[i] < -1000000000000LL)
            return match_fail(error, VB_STATUS_BAD_REQUEST, "cost", "costs must be within +-1e12");
    size_t n = rows, m = cols;
    int64_t *u = calloc(n + 1, sizeof *u), *v = calloc(m + 1, sizeof *v);
    int64_t *min_value = malloc((m + 1) * sizeof *min_value);
    size_t *row_of = calloc(m + 1, sizeof *row_of), *way = calloc(m + 1, sizeof *way);
    uint8_t *used = malloc(m + 1);
    if (!u || !v || !min_value || !row_of || !way || !used) {
        free(u), free(v), free(min_value), free(row_of), free(way), free(used);
        return match_fail(error, VB_STATUS_INTERNAL, "cost", "out of memory");
    }
    /* 1-based rows and columns; column 0 is the virtual start (the classic formulation) */
    for (size_t i = 1; i <= n; i++) {
        row_of[0] = i;
        size_t column = 0;
        for (size_t j = 0; j <= m; j++)
            min_value[j] = S_INFINITY;
        memset(used, 0, m + 1);
        do {
            used[column] = 1;
            size_t row = row_of[column], next = 0;
            int64_t delta = S_INFINITY;
            for (size_t j = 1; j <= m; j++) {
                if (used[j])
                    continue;
                int64_t reduced = cost[(row - 1) * m + (j - 1)] - u[row] - v[j];
                if (reduced < min_value[j]) {
                    min_value[j] = reduced;
                    way[j] = column;
                }
                if (min_value[j] < delta) {
                    delta = min_value[j];
                    next = j;
                }
            }
            for (size_t j = 0; j <= m; j++) {
                if (used[j]) {
                    u[row_of[j]] += delta;
                    v[j] -= delta;
                } else {
                    min_value[j] -= delta;
                }
            }
            column = next;
        } while (row_of[column] != 0);
        do {
            size_t previous = way[column];
            row_of[column] = row_of[previous];
            column = previous;
        } while (column != 0);
    }
    int64_t total = 0;
    for (size_t j = 1; j <= m; j++)
        if (row_of[j] != 0) {
            row_to_col[row_of[j] - 1] = (uint32_t) (j - 1);
            total += cost[(row_of[j] - 1) * m + (j - 1)];
        }
    if (total_cost)
        *total_cost = total;
    free(u), free(v), free(min_value), free(row_of), free(way), free(used);
    return VB_STATUS_OK;
}
