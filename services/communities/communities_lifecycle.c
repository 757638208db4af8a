/* communities_lifecycle.c - the community transition table, its one writer, and the join rule.
 * Does not: persist anything; the store saves what these functions decided. */
#include "communities_lifecycle.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "communities_validate.h"

#define STAFF COMMUNITIES_WHO_STAFF
#define HOST COMMUNITIES_WHO_HOST
#define EVENT(what) "verbund.communities.community." what ".v1"

static const communities_transition_t s_table[] = {
    /* the office accepts a proposal; the proposer becomes its host */
    {COMMUNITIES_STATUS_PROPOSED, COMMUNITIES_ACTION_APPROVE, COMMUNITIES_STATUS_ACTIVE, STAFF,
     false, EVENT("approved"), "proposal accepted"},
    /* the office declines a proposal and says why */
    {COMMUNITIES_STATUS_PROPOSED, COMMUNITIES_ACTION_DECLINE, COMMUNITIES_STATUS_DECLINED, STAFF,
     true, EVENT("declined"), "proposal declined"},
    /* a community has done its work: its hosts or the office archive it */
    {COMMUNITIES_STATUS_ACTIVE, COMMUNITIES_ACTION_ARCHIVE, COMMUNITIES_STATUS_ARCHIVED,
     STAFF | HOST, false, EVENT("archived"), "community archived"},
};

const communities_transition_t *
communities_lifecycle_table(size_t *count)
{
    *count = VB_ARRAY_SIZE(s_table);
    return s_table;
}

const communities_transition_t *
communities_lifecycle_find(communities_status_t from, communities_action_t action)
{
    for (size_t i = 0; i < VB_ARRAY_SIZE(s_table); i++)
        if (s_table[i].from == from && s_table[i].action == action)
            return &s_table[i];
    return NULL;
}

void
communities_lifecycle_start(communities_community_t *c, const char *now)
{
    c->status = COMMUNITIES_STATUS_PROPOSED;
    c->status_reason = (char *)"";
    c->status_changed_at = (char *)now;
}

/* True when reason says nothing (absent, empty or only white space). */
static bool
s_blank(const char *reason)
{
    for (const unsigned char *p = (const unsigned char *)reason; p && *p; p++)
        if (!isspace(*p))
            return false;
    return true;
}

vb_status_t
communities_lifecycle_apply(communities_community_t *c, communities_action_t action, unsigned who,
                            const char *reason, const char *now,
                            const communities_transition_t **row, bool *reason_missing, char *err,
                            size_t err_size)
{
    VB_ASSERT(c && now && row && reason_missing && err && err_size > 0);
    *row = NULL;
    *reason_missing = false;
    const char *action_name = communities_action_name(action);
    if (!action_name) {
        snprintf(err, err_size, "action must be approve, decline or archive");
        return VB_STATUS_BAD_REQUEST;
    }
    const communities_transition_t *found = communities_lifecycle_find(c->status, action);
    if (!found) {
        snprintf(err, err_size, "a %s community cannot be %sd", communities_status_name(c->status),
                 action_name);
        return VB_STATUS_UNPROCESSABLE;
    }
    if ((found->who & who) == 0) {
        snprintf(err, err_size, "only %s may %s a community",
                 found->who & HOST ? "staff or a host" : "staff", action_name);
        return VB_STATUS_FORBIDDEN;
    }
    if (found->reason_required && s_blank(reason)) {
        *reason_missing = true;
        snprintf(err, err_size, "a reason is required to %s a community", action_name);
        return VB_STATUS_UNPROCESSABLE;
    }
    c->status = found->to;
    c->status_reason = (char *)(reason ? reason : "");
    c->status_changed_at = (char *)now;
    *row = found;
    err[0] = '\0';
    return VB_STATUS_OK;
}

bool
communities_capacity_allows(int32_t capacity, int64_t active_count)
{
    return capacity <= 0 || active_count < (int64_t)capacity;
}

vb_status_t
communities_join_decide(const communities_join_input_t *input, communities_member_status_t *status,
                        char *err, size_t err_size)
{
    VB_ASSERT(input && status && err && err_size > 0);
    err[0] = '\0';
    if (input->community_status != COMMUNITIES_STATUS_ACTIVE) {
        snprintf(err, err_size, "the community is %s; only an active community takes members",
                 communities_status_name(input->community_status));
        return VB_STATUS_UNPROCESSABLE;
    }
    bool needs_approval = input->policy == COMMUNITIES_JOIN_APPROVAL && !input->added_by_manager;
    if (needs_approval) {
        /* a request takes no seat; the approval checks the capacity */
        *status = COMMUNITIES_MEMBER_PENDING;
        return VB_STATUS_OK;
    }
    if (!communities_capacity_allows(input->capacity, input->active_count)) {
        snprintf(err, err_size, "the community is full (capacity %d)", (int)input->capacity);
        return VB_STATUS_UNPROCESSABLE;
    }
    *status = COMMUNITIES_MEMBER_ACTIVE;
    return VB_STATUS_OK;
}
