/* events_waitlist.c - seat counting and waitlist promotion (see events_waitlist.h).
 * Does not: allocate; the caller owns every array. */
#include "events_waitlist.h"

#include <string.h>

static int64_t
s_fullest_occurrence(const events_seats_t *seats)
{
    int64_t fullest = 0;
    for (size_t i = 0; i < seats->occurrence_count; i++)
        if (seats->occurrences[i].confirmed > fullest)
            fullest = seats->occurrences[i].confirmed;
    return fullest;
}

static events_seat_count_t *
s_find(const events_seats_t *seats, const char *occurrence_id)
{
    for (size_t i = 0; i < seats->occurrence_count; i++)
        if (strcmp(seats->occurrences[i].occurrence_id, occurrence_id) == 0)
            return &seats->occurrences[i];
    return NULL;
}

int64_t
events_waitlist_taken(const events_seats_t *seats, const char *occurrence_id)
{
    if (!occurrence_id || !occurrence_id[0])
        return seats->confirmed_whole + s_fullest_occurrence(seats);
    const events_seat_count_t *count = s_find(seats, occurrence_id);
    return seats->confirmed_whole + (count ? count->confirmed : 0);
}

bool
events_waitlist_admit(int64_t capacity, int64_t taken, int64_t waiting_in_scope)
{
    return taken < capacity && waiting_in_scope == 0;
}

size_t
events_waitlist_promote(events_seats_t *seats, const events_waiting_t *waiting, size_t count,
                        bool *promote)
{
    size_t promoted = 0;
    for (size_t i = 0; i < count; i++) {
        promote[i] = false;
        const char *scope = waiting[i].occurrence_id ? waiting[i].occurrence_id : "";
        if (events_waitlist_taken(seats, scope) >= seats->capacity)
            continue;
        if (!scope[0]) {
            seats->confirmed_whole++;
        } else {
            events_seat_count_t *seat = s_find(seats, scope);
            /* an occurrence nobody had a seat in yet: the caller passes every occurrence that
             * has waiting registrations, so this is always found */
            if (!seat)
                continue;
            seat->confirmed++;
        }
        promote[i] = true;
        promoted++;
    }
    return promoted;
}
