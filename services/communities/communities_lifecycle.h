/* communities_lifecycle.h - the community status machine and the join rule, as tables and pure
 * functions: a transition table {from, action, to, who may, reason required, event, why},
 * communities_lifecycle_apply (the only writer of Community.status, status_reason and
 * status_changed_at) and communities_join_decide (open/approval policy and capacity).
 * Does not: touch the database or find out who the caller is (the handler says whether the
 * caller is staff or a host of the community). */
#ifndef COMMUNITIES_LIFECYCLE_H
#define COMMUNITIES_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/assert.h"
#include "vb/status.h"
#include "communities_proto.h"

/* "Who may" bits: what the caller is with respect to one community. */
#define COMMUNITIES_WHO_STAFF (1u << 0)    /* role admin or staff */
#define COMMUNITIES_WHO_HOST (1u << 1)     /* an active host of this community */
#define COMMUNITIES_WHO_PROPOSER (1u << 2) /* the member who proposed it */

typedef struct {
    communities_status_t from;
    communities_action_t action;
    communities_status_t to;
    unsigned who;         /* COMMUNITIES_WHO_* bits; any one suffices */
    bool reason_required; /* a decline must say why */
    const char *event;    /* CloudEvent type written with the change */
    const char *why;      /* for readers of the table */
} communities_transition_t;

/* The whole table (static, borrowed) and its length; tests walk it. */
const communities_transition_t *communities_lifecycle_table(size_t *count);

/* The row for (from, action), or NULL when the transition is not allowed. */
const communities_transition_t *communities_lifecycle_find(communities_status_t from,
                                                           communities_action_t action);

/* Puts a new community into its first status (proposed) at now (borrowed: must outlive c). */
void communities_lifecycle_start(communities_community_t *c, const char *now);

/* Applies action to c for a caller that is `who` (COMMUNITIES_WHO_* bits). On OK sets
 * c->status, c->status_reason = reason, c->status_changed_at = now (borrowed strings) and
 * *row to the table row. Refusals (c unchanged, message in err, always NUL-terminated):
 * BAD_REQUEST for an unknown action, UNPROCESSABLE for a transition not in the table or a
 * missing reason (*reason_missing set), FORBIDDEN when the row exists but who may not. */
vb_status_t communities_lifecycle_apply(communities_community_t *c, communities_action_t action,
                                        unsigned who, const char *reason, const char *now,
                                        const communities_transition_t **row, bool *reason_missing,
                                        char *err, size_t err_size);

/* How a join is decided. */
typedef struct {
    communities_status_t community_status;
    communities_join_policy_t policy;
    int32_t capacity;      /* 0 = unlimited */
    int64_t active_count;  /* active members now */
    bool added_by_manager; /* a host or staff adds the person: no approval needed */
} communities_join_input_t;

/* The member status a join leads to (*status), or the refusal: UNPROCESSABLE when the
 * community is not active or is full (err says which). Full means active_count >= capacity for
 * a join that would be active at once; a pending request does not take a seat. */
vb_status_t communities_join_decide(const communities_join_input_t *input,
                                    communities_member_status_t *status, char *err,
                                    size_t err_size);

/* True when one more active member fits (for approving a pending one). */
bool communities_capacity_allows(int32_t capacity, int64_t active_count);

#endif
