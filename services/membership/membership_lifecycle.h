/* membership_lifecycle.h - the membership status machine: a transition table
 * {from, action, to, who may, why} and membership_lifecycle_apply, the only writer of
 * Membership.status (and of the dates and reason that go with a status change).
 * Does not: touch the database or decide ownership (the handler says whether the caller owns
 * the membership). */
#ifndef MEMBERSHIP_LIFECYCLE_H
#define MEMBERSHIP_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>

#include "vb/assert.h"
#include "vb/status.h"
#include "membership_proto.h"

/* Role bits for the "who may" column. */
#define MEMBERSHIP_WHO(role) (1u << (unsigned)(role))
#define MEMBERSHIP_WHO_STAFF                                                                       \
    (MEMBERSHIP_WHO(MEMBERSHIP_ROLE_ADMIN) | MEMBERSHIP_WHO(MEMBERSHIP_ROLE_STAFF) |               \
     MEMBERSHIP_WHO(MEMBERSHIP_ROLE_SERVICE))
/* A member may take the row's action only on a membership it holds itself. */
#define MEMBERSHIP_WHO_HOLDER MEMBERSHIP_WHO(MEMBERSHIP_ROLE_MEMBER)

typedef struct {
    membership_status_t from;
    membership_action_t action;
    membership_status_t to;
    unsigned who; /* MEMBERSHIP_WHO bits */
    const char *why;
} membership_transition_t;

/* The whole table (borrowed, static) and its length; tests walk it. */
const membership_transition_t *membership_lifecycle_table(size_t *count);

/* The row for (from, action), or NULL when the transition is not allowed. */
const membership_transition_t *membership_lifecycle_find(membership_status_t from,
                                                         membership_action_t action);

/* The status an action leads to (for messages), UNSPECIFIED for an unknown action. */
membership_status_t membership_lifecycle_target(membership_action_t action);

/* Puts a new membership into its first status (applied) at now (borrowed, as below). */
void membership_lifecycle_start(membership_record_t *m, const char *now);

/* Applies action to m as role (is_holder: the caller is the member holding m).
 * On OK sets m->status, m->status_changed_at = now, m->status_reason = reason, and
 * m->started_on = today on the first approval, m->ends_on = today on terminate/lapse.
 * The strings are borrowed: now, today and reason must outlive m (put them in the arena).
 * Refusals: UNPROCESSABLE for a transition not in the table (message names from, to and the
 * action), FORBIDDEN when the row exists but role may not take it, BAD_REQUEST for an unknown
 * action. The message is written to err (always NUL-terminated) and m is unchanged. */
vb_status_t membership_lifecycle_apply(membership_record_t *m, membership_action_t action,
                                       membership_role_t role, bool is_holder, const char *reason,
                                       const char *today, const char *now, char *err,
                                       size_t err_size);

/* Lower-case names ("applied", "approve"); "unspecified" for values outside the enum. */
const char *membership_status_name(membership_status_t status);
const char *membership_action_name(membership_action_t action);

/* Parses a lower-case status name; 0 and *status set, or -1. */
int membership_status_parse(const char *name, membership_status_t *status);

#endif
