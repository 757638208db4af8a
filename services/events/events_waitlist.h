/* events_waitlist.h - who gets a seat: the decision for a new registration (confirmed while
 * seats remain and nobody waits, else waitlisted) and, after a seat is freed, which waitlisted
 * registrations are promoted, in waitlist order. Seats are counted per occurrence: a
 * registration for the whole event (or series) takes a seat in every occurrence, one for an
 * occurrence only in that one.
 * Does not: read or lock anything (the store counts under the event's row lock). */
#ifndef EVENTS_WAITLIST_H
#define EVENTS_WAITLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Confirmed seats of one occurrence taken by occurrence-only registrations. */
typedef struct {
    const char *occurrence_id;
    int64_t confirmed;
} events_seat_count_t;

/* The seats as the store counted them. */
typedef struct {
    int64_t capacity;
    int64_t confirmed_whole;          /* confirmed registrations for the whole event */
    events_seat_count_t *occurrences; /* borrowed; updated by events_waitlist_promote */
    size_t occurrence_count;
} events_seats_t;

/* A waitlisted registration, in waitlist order. */
typedef struct {
    const char *registration_id;
    const char *occurrence_id; /* "" = the whole event */
} events_waiting_t;

/* Seats taken for a registration in scope occurrence_id ("" = whole event: its fullest
 * occurrence counts). */
int64_t events_waitlist_taken(const events_seats_t *seats, const char *occurrence_id);

/* True when a new registration is confirmed: a seat is free in its scope and nobody waits in
 * that scope (waiting_in_scope), so the waitlist is never overtaken. */
bool events_waitlist_admit(int64_t capacity, int64_t taken, int64_t waiting_in_scope);

/* Marks promote[i] for each waiting registration that now fits, walking the waitlist in order
 * and counting each promotion's seat before looking at the next. Returns how many. */
size_t events_waitlist_promote(events_seats_t *seats, const events_waiting_t *waiting, size_t count,
                               bool *promote);

#endif
