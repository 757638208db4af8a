/* communities_follow.c - erasing a person's traces from communities when the stream says it
 * was erased (see the header). */
#include "communities_follow.h"

#include <string.h>

#include "vb/log.h"
#include "communities_proto.h"
#include "communities_store.h"

#define S_EVENT_TYPE(what) "verbund.communities." what ".v1"

vb_status_t
communities_erase_person(communities_t *self, vb_arena_t *arena, const char *person_id,
                         communities_erase_counts_t *counts)
{
    communities_erase_counts_t local = {0};
    communities_member_t **members = NULL;
    size_t member_count = 0;
    vb_status_t status = communities_store_erase_members(self->db, arena, person_id, &members,
                                                         &member_count);
    for (size_t i = 0; status == VB_STATUS_OK && i < member_count; i++) {
        Verbund__Communities__V1__MemberEvent event = VERBUND__COMMUNITIES__V1__MEMBER_EVENT__INIT;
        event.member = members[i];
        status = vb_outbox_append(self->outbox, S_EVENT_TYPE("member.left"),
                                  members[i]->community_id, &event.base);
        local.members++;
    }
    communities_community_t **communities = NULL;
    size_t community_count = 0;
    if (status == VB_STATUS_OK)
        status = communities_store_erase_proposer(self->db, arena, person_id, &communities,
                                                  &community_count);
    for (size_t i = 0; status == VB_STATUS_OK && i < community_count; i++) {
        Verbund__Communities__V1__CommunityEvent event =
            VERBUND__COMMUNITIES__V1__COMMUNITY_EVENT__INIT;
        event.community = communities[i];
        status = vb_outbox_append(self->outbox, S_EVENT_TYPE("community.updated"),
                                  communities[i]->id, &event.base);
        local.communities++;
    }
    if (status == VB_STATUS_OK)
        status = communities_store_erase_results(self->db, person_id, &local.results);
    if (counts)
        *counts = local;
    return status;
}

static vb_status_t
s_apply(void *arg, const vb_cloudevent_t *event)
{
    communities_t *self = arg;
    char person_id[40];
    if (vb_stream_follow_erased_person(event, person_id, sizeof person_id) != 1)
        return VB_STATUS_OK; /* another type, or undecodable (logged): nothing to do */
    vb_arena_t *arena = vb_arena_new();
    if (!arena)
        return VB_STATUS_INTERNAL;
    communities_erase_counts_t counts;
    vb_status_t status = communities_erase_person(self, arena, person_id, &counts);
    vb_arena_destroy(&arena);
    if (status == VB_STATUS_OK)
        vb_log_info("erasure of person %s applied: %zu memberships deleted, %zu communities' "
                    "proposer cleared, %lld results' authors changed",
                    person_id, counts.members, counts.communities, (long long)counts.results);
    return status;
}

vb_stream_follow_t *
communities_follow_new(communities_t *communities, const char *pub_endpoint,
                       const char *replay_endpoint)
{
    return vb_stream_follow_erasure_new(pub_endpoint, replay_endpoint, communities->db, s_apply,
                                        communities);
}
