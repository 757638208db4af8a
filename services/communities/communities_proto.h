/* communities_proto.h - short names for the generated verbund.communities.v1 types and enum
 * values used across the communities service. Aliases only: no functions, no state. */
#ifndef COMMUNITIES_PROTO_H
#define COMMUNITIES_PROTO_H

#include "verbund/communities/v1/communities.pb-c.h"
#include "verbund/rpc/v1/rpc.pb-c.h"

typedef Verbund__Communities__V1__Community communities_community_t;
typedef Verbund__Communities__V1__Member communities_member_t;
typedef Verbund__Communities__V1__Result communities_result_t;
typedef Verbund__Communities__V1__Link communities_link_t;
typedef Verbund__Rpc__V1__Caller communities_caller_t;

typedef Verbund__Communities__V1__CommunityKind communities_kind_t;
typedef Verbund__Communities__V1__Visibility communities_visibility_t;
typedef Verbund__Communities__V1__CommunityStatus communities_status_t;
typedef Verbund__Communities__V1__JoinPolicy communities_join_policy_t;
typedef Verbund__Communities__V1__MemberRole communities_member_role_t;
typedef Verbund__Communities__V1__MemberStatus communities_member_status_t;
typedef Verbund__Communities__V1__CommunityAction communities_action_t;
typedef Verbund__Communities__V1__LinkKind communities_link_kind_t;
typedef Verbund__Rpc__V1__Role communities_role_t;

#define COMMUNITIES_KIND_UNSPECIFIED                                                               \
    VERBUND__COMMUNITIES__V1__COMMUNITY_KIND__COMMUNITY_KIND_UNSPECIFIED
#define COMMUNITIES_KIND_COMMUNITY                                                                 \
    VERBUND__COMMUNITIES__V1__COMMUNITY_KIND__COMMUNITY_KIND_COMMUNITY
#define COMMUNITIES_KIND_THINK_DO_TEAM                                                             \
    VERBUND__COMMUNITIES__V1__COMMUNITY_KIND__COMMUNITY_KIND_THINK_DO_TEAM
#define COMMUNITIES_KIND_PEER_CIRCLE                                                               \
    VERBUND__COMMUNITIES__V1__COMMUNITY_KIND__COMMUNITY_KIND_PEER_CIRCLE
#define COMMUNITIES_KIND_TRAINING_NETWORK                                                          \
    VERBUND__COMMUNITIES__V1__COMMUNITY_KIND__COMMUNITY_KIND_TRAINING_NETWORK
#define COMMUNITIES_KIND_CONSORTIUM                                                                \
    VERBUND__COMMUNITIES__V1__COMMUNITY_KIND__COMMUNITY_KIND_CONSORTIUM

#define COMMUNITIES_VISIBILITY_UNSPECIFIED                                                         \
    VERBUND__COMMUNITIES__V1__VISIBILITY__VISIBILITY_UNSPECIFIED
#define COMMUNITIES_VISIBILITY_PRIVATE VERBUND__COMMUNITIES__V1__VISIBILITY__VISIBILITY_PRIVATE
#define COMMUNITIES_VISIBILITY_NODE VERBUND__COMMUNITIES__V1__VISIBILITY__VISIBILITY_NODE
#define COMMUNITIES_VISIBILITY_FEDERATED VERBUND__COMMUNITIES__V1__VISIBILITY__VISIBILITY_FEDERATED

#define COMMUNITIES_STATUS_UNSPECIFIED                                                             \
    VERBUND__COMMUNITIES__V1__COMMUNITY_STATUS__COMMUNITY_STATUS_UNSPECIFIED
#define COMMUNITIES_STATUS_PROPOSED                                                                \
    VERBUND__COMMUNITIES__V1__COMMUNITY_STATUS__COMMUNITY_STATUS_PROPOSED
#define COMMUNITIES_STATUS_ACTIVE                                                                  \
    VERBUND__COMMUNITIES__V1__COMMUNITY_STATUS__COMMUNITY_STATUS_ACTIVE
#define COMMUNITIES_STATUS_DECLINED                                                                \
    VERBUND__COMMUNITIES__V1__COMMUNITY_STATUS__COMMUNITY_STATUS_DECLINED
#define COMMUNITIES_STATUS_ARCHIVED                                                                \
    VERBUND__COMMUNITIES__V1__COMMUNITY_STATUS__COMMUNITY_STATUS_ARCHIVED

#define COMMUNITIES_JOIN_UNSPECIFIED VERBUND__COMMUNITIES__V1__JOIN_POLICY__JOIN_POLICY_UNSPECIFIED
#define COMMUNITIES_JOIN_OPEN VERBUND__COMMUNITIES__V1__JOIN_POLICY__JOIN_POLICY_OPEN
#define COMMUNITIES_JOIN_APPROVAL VERBUND__COMMUNITIES__V1__JOIN_POLICY__JOIN_POLICY_APPROVAL

#define COMMUNITIES_ROLE_UNSPECIFIED VERBUND__COMMUNITIES__V1__MEMBER_ROLE__MEMBER_ROLE_UNSPECIFIED
#define COMMUNITIES_ROLE_HOST VERBUND__COMMUNITIES__V1__MEMBER_ROLE__MEMBER_ROLE_HOST
#define COMMUNITIES_ROLE_MODERATOR VERBUND__COMMUNITIES__V1__MEMBER_ROLE__MEMBER_ROLE_MODERATOR
#define COMMUNITIES_ROLE_MEMBER VERBUND__COMMUNITIES__V1__MEMBER_ROLE__MEMBER_ROLE_MEMBER
#define COMMUNITIES_ROLE_ADVISOR VERBUND__COMMUNITIES__V1__MEMBER_ROLE__MEMBER_ROLE_ADVISOR

#define COMMUNITIES_MEMBER_UNSPECIFIED                                                             \
    VERBUND__COMMUNITIES__V1__MEMBER_STATUS__MEMBER_STATUS_UNSPECIFIED
#define COMMUNITIES_MEMBER_PENDING VERBUND__COMMUNITIES__V1__MEMBER_STATUS__MEMBER_STATUS_PENDING
#define COMMUNITIES_MEMBER_ACTIVE VERBUND__COMMUNITIES__V1__MEMBER_STATUS__MEMBER_STATUS_ACTIVE

#define COMMUNITIES_ACTION_UNSPECIFIED                                                             \
    VERBUND__COMMUNITIES__V1__COMMUNITY_ACTION__COMMUNITY_ACTION_UNSPECIFIED
#define COMMUNITIES_ACTION_APPROVE                                                                 \
    VERBUND__COMMUNITIES__V1__COMMUNITY_ACTION__COMMUNITY_ACTION_APPROVE
#define COMMUNITIES_ACTION_DECLINE                                                                 \
    VERBUND__COMMUNITIES__V1__COMMUNITY_ACTION__COMMUNITY_ACTION_DECLINE
#define COMMUNITIES_ACTION_ARCHIVE                                                                 \
    VERBUND__COMMUNITIES__V1__COMMUNITY_ACTION__COMMUNITY_ACTION_ARCHIVE

#define COMMUNITIES_LINK_UNSPECIFIED VERBUND__COMMUNITIES__V1__LINK_KIND__LINK_KIND_UNSPECIFIED
#define COMMUNITIES_LINK_RECORDING VERBUND__COMMUNITIES__V1__LINK_KIND__LINK_KIND_RECORDING
#define COMMUNITIES_LINK_SLIDES VERBUND__COMMUNITIES__V1__LINK_KIND__LINK_KIND_SLIDES
#define COMMUNITIES_LINK_OTHER VERBUND__COMMUNITIES__V1__LINK_KIND__LINK_KIND_OTHER

#define COMMUNITIES_CALLER_UNSPECIFIED VERBUND__RPC__V1__ROLE__ROLE_UNSPECIFIED
#define COMMUNITIES_CALLER_ADMIN VERBUND__RPC__V1__ROLE__ROLE_ADMIN
#define COMMUNITIES_CALLER_STAFF VERBUND__RPC__V1__ROLE__ROLE_STAFF
#define COMMUNITIES_CALLER_MEMBER VERBUND__RPC__V1__ROLE__ROLE_MEMBER
#define COMMUNITIES_CALLER_SERVICE VERBUND__RPC__V1__ROLE__ROLE_SERVICE

#endif
