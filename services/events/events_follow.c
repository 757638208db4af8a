/* events_follow.c - erasing a person's traces from the events service when the stream says it
 * was erased (see the header). */
#include "events_follow.h"

#include "verbund/rpc/v1/rpc.pb-c.h"
#include "vb/arena.h"
#include "vb/log.h"

static vb_status_t
s_apply(void *arg, const vb_cloudevent_t *event)
{
    events_t *self = arg;
    char person_id[40];
    if (vb_stream_follow_erased_person(event, person_id, sizeof person_id) != 1)
        return VB_STATUS_OK; /* another type, or undecodable (logged): nothing to do */
    Verbund__Rpc__V1__Caller caller = VERBUND__RPC__V1__CALLER__INIT;
    caller.id = (char *)"erasure";
    caller.role = VERBUND__RPC__V1__ROLE__ROLE_SERVICE;
    Verbund__Rpc__V1__Envelope envelope = VERBUND__RPC__V1__ENVELOPE__INIT;
    envelope.method = (char *)"events.Erasure";
    envelope.caller = &caller;
    vb_rpc_call_t call = {.envelope = &envelope, .in_batch = true, .arena = vb_arena_new()};
    if (!call.arena)
        return VB_STATUS_INTERNAL;
    events_erase_counts_t counts;
    vb_status_t status = events_erase_person(self, &call, person_id, &counts);
    if (status == VB_STATUS_OK)
        vb_log_info("erasure of person %s applied: %zu registrations cancelled, %zu promoted "
                    "from the waitlist, %lld registrations anonymised, %lld calendar tokens "
                    "deleted, %zu events' table assignments and %zu events' organiser changed",
                    person_id, counts.registrations_cancelled, counts.promoted,
                    (long long)counts.registrations_anonymised, (long long)counts.calendar_tokens,
                    counts.assignment_events, counts.events_organised);
    else if (call.message)
        vb_log_warn("erasure of person %s: %s", person_id, call.message);
    vb_arena_destroy(&call.arena);
    return status;
}

vb_stream_follow_t *
events_follow_new(events_t *events, const char *pub_endpoint, const char *replay_endpoint)
{
    return vb_stream_follow_erasure_new(pub_endpoint, replay_endpoint, events->db, s_apply,
                                        events);
}
