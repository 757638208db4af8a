/* membership_lifecycle.c - the membership status transition table and its one writer.
 * Does not: persist anything; the store saves what this function decided. */
#include "membership_lifecycle.h"

#include <stdio.h>
#include <string.h>

#define STAFF MEMBERSHIP_WHO_STAFF
#define HOLDER MEMBERSHIP_WHO_HOLDER

static const membership_transition_t s_table[] = {
    /* an application is accepted by the office */
    {MEMBERSHIP_STATUS_APPLIED, MEMBERSHIP_ACTION_APPROVE, MEMBERSHIP_STATUS_ACTIVE, STAFF,
     "application accepted"},
    /* an application is withdrawn by the applicant or refused by the office */
    {MEMBERSHIP_STATUS_APPLIED, MEMBERSHIP_ACTION_TERMINATE, MEMBERSHIP_STATUS_TERMINATED,
     STAFF | HOLDER, "application withdrawn or refused"},
    /* rights paused, e.g. unpaid contribution under clarification */
    {MEMBERSHIP_STATUS_ACTIVE, MEMBERSHIP_ACTION_SUSPEND, MEMBERSHIP_STATUS_SUSPENDED, STAFF,
     "membership paused"},
    /* the member resigns or the office ends the membership */
    {MEMBERSHIP_STATUS_ACTIVE, MEMBERSHIP_ACTION_TERMINATE, MEMBERSHIP_STATUS_TERMINATED,
     STAFF | HOLDER, "membership ended"},
    /* the yearly contribution was not renewed */
    {MEMBERSHIP_STATUS_ACTIVE, MEMBERSHIP_ACTION_LAPSE, MEMBERSHIP_STATUS_LAPSED, STAFF,
     "not renewed"},
    /* the reason for the suspension is cleared */
    {MEMBERSHIP_STATUS_SUSPENDED, MEMBERSHIP_ACTION_RESUME, MEMBERSHIP_STATUS_ACTIVE, STAFF,
     "suspension lifted"},
    /* a suspended membership is ended */
    {MEMBERSHIP_STATUS_SUSPENDED, MEMBERSHIP_ACTION_TERMINATE, MEMBERSHIP_STATUS_TERMINATED,
     STAFF | HOLDER, "membership ended while suspended"},
    /* a suspended membership runs out */
    {MEMBERSHIP_STATUS_SUSPENDED, MEMBERSHIP_ACTION_LAPSE, MEMBERSHIP_STATUS_LAPSED, STAFF,
     "not renewed while suspended"},
};

static const char *const s_status_names[] = {
    [MEMBERSHIP_STATUS_UNSPECIFIED] = "unspecified", [MEMBERSHIP_STATUS_APPLIED] = "applied",
    [MEMBERSHIP_STATUS_ACTIVE] = "active",           [MEMBERSHIP_STATUS_SUSPENDED] = "suspended",
    [MEMBERSHIP_STATUS_TERMINATED] = "terminated",   [MEMBERSHIP_STATUS_LAPSED] = "lapsed",
};

static const char *const s_action_names[] = {
    [MEMBERSHIP_ACTION_UNSPECIFIED] = "unspecified", [MEMBERSHIP_ACTION_APPROVE] = "approve",
    [MEMBERSHIP_ACTION_SUSPEND] = "suspend",         [MEMBERSHIP_ACTION_RESUME] = "resume",
    [MEMBERSHIP_ACTION_TERMINATE] = "terminate",     [MEMBERSHIP_ACTION_LAPSE] = "lapse",
};

/* Where each action leads, independent of the starting state. */
static const membership_status_t s_targets[] = {
    [MEMBERSHIP_ACTION_UNSPECIFIED] = MEMBERSHIP_STATUS_UNSPECIFIED,
    [MEMBERSHIP_ACTION_APPROVE] = MEMBERSHIP_STATUS_ACTIVE,
    [MEMBERSHIP_ACTION_SUSPEND] = MEMBERSHIP_STATUS_SUSPENDED,
    [MEMBERSHIP_ACTION_RESUME] = MEMBERSHIP_STATUS_ACTIVE,
    [MEMBERSHIP_ACTION_TERMINATE] = MEMBERSHIP_STATUS_TERMINATED,
    [MEMBERSHIP_ACTION_LAPSE] = MEMBERSHIP_STATUS_LAPSED,
};

const membership_transition_t *
membership_lifecycle_table(size_t *count)
{
    *count = VB_ARRAY_SIZE(s_table);
    return s_table;
}

const membership_transition_t *
membership_lifecycle_find(membership_status_t from, membership_action_t action)
{
    for (size_t i = 0; i < VB_ARRAY_SIZE(s_table); i++)
        if (s_table[i].from == from && s_table[i].action == action)
            return &s_table[i];
    return NULL;
}

membership_status_t
membership_lifecycle_target(membership_action_t action)
{
    if ((int)action < 0 || (size_t)action >= VB_ARRAY_SIZE(s_targets))
        return MEMBERSHIP_STATUS_UNSPECIFIED;
    return s_targets[action];
}

const char *
membership_status_name(membership_status_t status)
{
    if ((int)status < 0 || (size_t)status >= VB_ARRAY_SIZE(s_status_names))
        return "unspecified";
    return s_status_names[status];
}

const char *
membership_action_name(membership_action_t action)
{
    if ((int)action < 0 || (size_t)action >= VB_ARRAY_SIZE(s_action_names))
        return "unspecified";
    return s_action_names[action];
}

int
membership_status_parse(const char *name, membership_status_t *status)
{
    for (size_t i = 1; i < VB_ARRAY_SIZE(s_status_names); i++) {
        if (strcmp(name, s_status_names[i]) == 0) {
            *status = (membership_status_t)i;
            return 0;
        }
    }
    return -1;
}

/* Lists the states from which action is allowed, for the refusal message. */
static void
s_allowed_from(membership_action_t action, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < VB_ARRAY_SIZE(s_table); i++) {
        if (s_table[i].action != action)
            continue;
        int n = snprintf(out + used, size - used, "%s%s", used ? ", " : "",
                         membership_status_name(s_table[i].from));
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
}

void
membership_lifecycle_start(membership_record_t *m, const char *now)
{
    VB_ASSERT(m && now);
    m->status = MEMBERSHIP_STATUS_APPLIED;
    m->status_changed_at = (char *)now;
    m->status_reason = (char *)"";
    m->started_on = (char *)"";
    m->ends_on = (char *)"";
}

vb_status_t
membership_lifecycle_apply(membership_record_t *m, membership_action_t action,
                           membership_role_t role, bool is_holder, const char *reason,
                           const char *today, const char *now, char *err, size_t err_size)
{
    VB_ASSERT(m && reason && today && now && err && err_size > 0);
    err[0] = '\0';
    membership_status_t to = membership_lifecycle_target(action);
    if (to == MEMBERSHIP_STATUS_UNSPECIFIED) {
        snprintf(err, err_size, "unknown action %d", (int)action);
        return VB_STATUS_BAD_REQUEST;
    }
    const membership_transition_t *row = membership_lifecycle_find(m->status, action);
    if (!row) {
        char allowed[128];
        s_allowed_from(action, allowed, sizeof allowed);
        snprintf(err, err_size, "illegal transition %s -> %s (%s): allowed only from %s",
                 membership_status_name(m->status), membership_status_name(to),
                 membership_action_name(action), allowed);
        return VB_STATUS_UNPROCESSABLE;
    }
    unsigned bit = ((int)role >= 0 && (int)role < 32) ? MEMBERSHIP_WHO(role) : 0;
    bool allowed = (row->who & bit) != 0;
    if (role == MEMBERSHIP_ROLE_MEMBER && !is_holder)
        allowed = false;
    if (!allowed) {
        snprintf(err, err_size, "this caller may not %s this membership (%s -> %s)",
                 membership_action_name(action), membership_status_name(row->from),
                 membership_status_name(row->to));
        return VB_STATUS_FORBIDDEN;
    }
    m->status = row->to;
    m->status_changed_at = (char *)now;
    m->status_reason = (char *)reason;
    if (action == MEMBERSHIP_ACTION_APPROVE && (!m->started_on || !m->started_on[0]))
        m->started_on = (char *)today;
    if (row->to == MEMBERSHIP_STATUS_TERMINATED || row->to == MEMBERSHIP_STATUS_LAPSED)
        m->ends_on = (char *)today;
    return VB_STATUS_OK;
}
