/* events_cafe.h - the knowledge café's table assignments checked as a whole: every round is
 * within the event's rounds, every table is one of the event's, a person sits at one table per
 * round, no table holds more than its capacity in a round, and (when given) every person has a
 * confirmed registration. Also merges new assignments into existing ones (a person's new seat
 * in a round replaces the old one).
 * Does not: compute assignments (matchmaking does) or touch the database. */
#ifndef EVENTS_CAFE_H
#define EVENTS_CAFE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "events_proto.h"
#include "events_validate.h"

/* Adds a field error "assignments[i]..." for each broken rule. tables/registered are borrowed;
 * registered may be NULL (not checked). */
void events_cafe_validate(events_assignment_t *const *assignments, size_t count,
                          events_table_t *const *tables, size_t table_count, int32_t rounds,
                          char *const *registered, size_t registered_count,
                          events_errors_t *errors);

/* existing + incoming, where an incoming (round, person) replaces an existing one. Writes at
 * most count_existing + count_incoming pointers to out (borrowed from the inputs); returns the
 * count. */
size_t events_cafe_merge(events_assignment_t *const *existing, size_t count_existing,
                         events_assignment_t *const *incoming, size_t count_incoming,
                         events_assignment_t **out);

#endif
