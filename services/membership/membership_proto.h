/* membership_proto.h - short names for the generated verbund.membership.v1 types and enum values
 * used across the membership service. Aliases only: no functions, no state. */
#ifndef MEMBERSHIP_PROTO_H
#define MEMBERSHIP_PROTO_H

#include "verbund/common/v1/types.pb-c.h"
#include "verbund/membership/v1/membership.pb-c.h"
#include "verbund/rpc/v1/rpc.pb-c.h"

typedef Verbund__Membership__V1__Person membership_person_t;
typedef Verbund__Membership__V1__Skill membership_skill_t;
typedef Verbund__Membership__V1__Consents membership_consents_t;
typedef Verbund__Membership__V1__Organization membership_organization_t;
typedef Verbund__Membership__V1__Membership membership_record_t; /* a Membership message */
typedef Verbund__Membership__V1__ExpertProfile membership_expert_profile_t;
typedef Verbund__Membership__V1__Competence membership_competence_t;
typedef Verbund__Membership__V1__AuditRecord membership_audit_t;
typedef Verbund__Common__V1__Money membership_money_t;
typedef Verbund__Rpc__V1__Caller membership_caller_t;

typedef Verbund__Membership__V1__MembershipStatus membership_status_t;
typedef Verbund__Membership__V1__MembershipAction membership_action_t;
typedef Verbund__Membership__V1__MembershipType membership_type_t;
typedef Verbund__Membership__V1__OrganizationKind membership_kind_t;
typedef Verbund__Rpc__V1__Role membership_role_t;

#define MEMBERSHIP_STATUS_UNSPECIFIED                                                              \
    VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_UNSPECIFIED
#define MEMBERSHIP_STATUS_APPLIED                                                                  \
    VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_APPLIED
#define MEMBERSHIP_STATUS_ACTIVE                                                                   \
    VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_ACTIVE
#define MEMBERSHIP_STATUS_SUSPENDED                                                                \
    VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_SUSPENDED
#define MEMBERSHIP_STATUS_TERMINATED                                                               \
    VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_TERMINATED
#define MEMBERSHIP_STATUS_LAPSED                                                                   \
    VERBUND__MEMBERSHIP__V1__MEMBERSHIP_STATUS__MEMBERSHIP_STATUS_LAPSED

#define MEMBERSHIP_ACTION_UNSPECIFIED                                                              \
    VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_UNSPECIFIED
#define MEMBERSHIP_ACTION_APPROVE                                                                  \
    VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_APPROVE
#define MEMBERSHIP_ACTION_SUSPEND                                                                  \
    VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_SUSPEND
#define MEMBERSHIP_ACTION_RESUME                                                                   \
    VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_RESUME
#define MEMBERSHIP_ACTION_TERMINATE                                                                \
    VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_TERMINATE
#define MEMBERSHIP_ACTION_LAPSE VERBUND__MEMBERSHIP__V1__MEMBERSHIP_ACTION__MEMBERSHIP_ACTION_LAPSE

#define MEMBERSHIP_TYPE_UNSPECIFIED                                                                \
    VERBUND__MEMBERSHIP__V1__MEMBERSHIP_TYPE__MEMBERSHIP_TYPE_UNSPECIFIED
#define MEMBERSHIP_TYPE_SUPPORTING                                                                 \
    VERBUND__MEMBERSHIP__V1__MEMBERSHIP_TYPE__MEMBERSHIP_TYPE_SUPPORTING
#define MEMBERSHIP_TYPE_COMMUNITY                                                                  \
    VERBUND__MEMBERSHIP__V1__MEMBERSHIP_TYPE__MEMBERSHIP_TYPE_COMMUNITY
#define MEMBERSHIP_TYPE_PARTNER VERBUND__MEMBERSHIP__V1__MEMBERSHIP_TYPE__MEMBERSHIP_TYPE_PARTNER
#define MEMBERSHIP_TYPE_EXPERT VERBUND__MEMBERSHIP__V1__MEMBERSHIP_TYPE__MEMBERSHIP_TYPE_EXPERT

#define MEMBERSHIP_KIND_UNSPECIFIED                                                                \
    VERBUND__MEMBERSHIP__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_UNSPECIFIED
#define MEMBERSHIP_KIND_ASSOCIATION                                                                \
    VERBUND__MEMBERSHIP__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_ASSOCIATION

#define MEMBERSHIP_ROLE_UNSPECIFIED VERBUND__RPC__V1__ROLE__ROLE_UNSPECIFIED
#define MEMBERSHIP_ROLE_ADMIN VERBUND__RPC__V1__ROLE__ROLE_ADMIN
#define MEMBERSHIP_ROLE_STAFF VERBUND__RPC__V1__ROLE__ROLE_STAFF
#define MEMBERSHIP_ROLE_MEMBER VERBUND__RPC__V1__ROLE__ROLE_MEMBER
#define MEMBERSHIP_ROLE_SERVICE VERBUND__RPC__V1__ROLE__ROLE_SERVICE

#endif
