/* events_cafe.c - knowledge-café assignment rules (see events_cafe.h). Quadratic loops: an
 * event has tens of tables and a few hundred participants.
 * Does not: allocate beyond the stack. */
#include "events_cafe.h"

#include <stdio.h>
#include <string.h>

static const events_table_t *
s_table(events_table_t *const *tables, size_t count, const char *id)
{
    for (size_t i = 0; i < count; i++)
        if (strcmp(tables[i]->id, id) == 0)
            return tables[i];
    return NULL;
}

void
events_cafe_validate(events_assignment_t *const *assignments, size_t count,
                     events_table_t *const *tables, size_t table_count, int32_t rounds,
                     char *const *registered, size_t registered_count, events_errors_t *errors)
{
    char field[64];
    for (size_t i = 0; i < count; i++) {
        const events_assignment_t *a = assignments[i];
        if (a->round < 1 || a->round > rounds) {
            snprintf(field, sizeof field, "assignments[%zu].round", i);
            events_errors_add(errors, field, "must be between 1 and the event's rounds (%d)",
                              (int)rounds);
        }
        const events_table_t *table = s_table(tables, table_count, a->table_id);
        if (!table) {
            snprintf(field, sizeof field, "assignments[%zu].table_id", i);
            events_errors_add(errors, field, "is not a table of this event");
        }
        snprintf(field, sizeof field, "assignments[%zu].person_id", i);
        bool seen = false;
        int64_t seated = 0;
        for (size_t j = 0; j < i; j++) {
            const events_assignment_t *b = assignments[j];
            if (b->round != a->round)
                continue;
            if (strcmp(b->person_id, a->person_id) == 0 && !seen) {
                events_errors_add(errors, field, "already sits at a table in round %d",
                                  (int)a->round);
                seen = true;
            }
            if (strcmp(b->table_id, a->table_id) == 0)
                seated++;
        }
        if (table && seated + 1 > table->capacity && seated == table->capacity) {
            snprintf(field, sizeof field, "assignments[%zu].table_id", i);
            events_errors_add(errors, field, "table is full in round %d (capacity %d)",
                              (int)a->round, (int)table->capacity);
        }
        if (registered) {
            bool found = false;
            for (size_t r = 0; r < registered_count && !found; r++)
                found = strcmp(registered[r], a->person_id) == 0;
            if (!found) {
                snprintf(field, sizeof field, "assignments[%zu].person_id", i);
                events_errors_add(errors, field, "has no confirmed registration for this event");
            }
        }
    }
}

size_t
events_cafe_merge(events_assignment_t *const *existing, size_t count_existing,
                  events_assignment_t *const *incoming, size_t count_incoming,
                  events_assignment_t **out)
{
    size_t n = 0;
    for (size_t i = 0; i < count_existing; i++) {
        bool replaced = false;
        for (size_t j = 0; j < count_incoming && !replaced; j++)
            replaced = incoming[j]->round == existing[i]->round &&
                       strcmp(incoming[j]->person_id, existing[i]->person_id) == 0;
        if (!replaced)
            out[n++] = existing[i];
    }
    for (size_t j = 0; j < count_incoming; j++)
        out[n++] = incoming[j];
    return n;
}
