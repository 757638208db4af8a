/* communities_validate.c - the input rules of communities and results and the enum name
 * tables. Does not: allocate, or look anything up beyond the in-memory taxonomy. */
#include "communities_validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "vb/text.h"

/* ---- enum names: one table per enum, indexed by value; the stored and filtered names.
 * communities_<enum>_name and communities_<enum>_parse are defined by S_ENUM below. ---- */

static const char *const s_kind_names[] = {
    [COMMUNITIES_KIND_COMMUNITY] = "community",
    [COMMUNITIES_KIND_THINK_DO_TEAM] = "think_do_team",
    [COMMUNITIES_KIND_PEER_CIRCLE] = "peer_circle",
    [COMMUNITIES_KIND_TRAINING_NETWORK] = "training_network",
    [COMMUNITIES_KIND_CONSORTIUM] = "consortium",
};
static const char *const s_visibility_names[] = {
    [COMMUNITIES_VISIBILITY_PRIVATE] = "private",
    [COMMUNITIES_VISIBILITY_NODE] = "node",
    [COMMUNITIES_VISIBILITY_FEDERATED] = "federated",
};
static const char *const s_status_names[] = {
    [COMMUNITIES_STATUS_PROPOSED] = "proposed",
    [COMMUNITIES_STATUS_ACTIVE] = "active",
    [COMMUNITIES_STATUS_DECLINED] = "declined",
    [COMMUNITIES_STATUS_ARCHIVED] = "archived",
};
static const char *const s_join_names[] = {
    [COMMUNITIES_JOIN_OPEN] = "open",
    [COMMUNITIES_JOIN_APPROVAL] = "approval",
};
static const char *const s_role_names[] = {
    [COMMUNITIES_ROLE_HOST] = "host",
    [COMMUNITIES_ROLE_MODERATOR] = "moderator",
    [COMMUNITIES_ROLE_MEMBER] = "member",
    [COMMUNITIES_ROLE_ADVISOR] = "advisor",
};
static const char *const s_member_status_names[] = {
    [COMMUNITIES_MEMBER_PENDING] = "pending",
    [COMMUNITIES_MEMBER_ACTIVE] = "active",
};
static const char *const s_action_names[] = {
    [COMMUNITIES_ACTION_APPROVE] = "approve",
    [COMMUNITIES_ACTION_DECLINE] = "decline",
    [COMMUNITIES_ACTION_ARCHIVE] = "archive",
};
static const char *const s_link_names[] = {
    [COMMUNITIES_LINK_RECORDING] = "recording",
    [COMMUNITIES_LINK_SLIDES] = "slides",
    [COMMUNITIES_LINK_OTHER] = "other",
};

static const char *
s_name(const char *const *names, size_t count, int value)
{
    if (value <= 0 || (size_t)value >= count)
        return NULL;
    return names[value];
}

static int
s_parse(const char *const *names, size_t count, const char *name, int *out)
{
    if (!name)
        return -1;
    for (size_t i = 1; i < count; i++) {
        if (names[i] && strcmp(names[i], name) == 0) {
            *out = (int)i;
            return 0;
        }
    }
    return -1;
}

#define S_ENUM(prefix, table, type)                                                                \
    const char *communities_##prefix##_name(type value)                                            \
    {                                                                                              \
        return s_name(table, VB_ARRAY_SIZE(table), (int)value);                                    \
    }                                                                                              \
    int communities_##prefix##_parse(const char *name, type *out)                                  \
    {                                                                                              \
        int value = 0;                                                                             \
        if (s_parse(table, VB_ARRAY_SIZE(table), name, &value) != 0)                               \
            return -1;                                                                             \
        *out = (type)value;                                                                        \
        return 0;                                                                                  \
    }

S_ENUM(kind, s_kind_names, communities_kind_t)
S_ENUM(visibility, s_visibility_names, communities_visibility_t)
S_ENUM(status, s_status_names, communities_status_t)
S_ENUM(join_policy, s_join_names, communities_join_policy_t)
S_ENUM(member_role, s_role_names, communities_member_role_t)
S_ENUM(member_status, s_member_status_names, communities_member_status_t)
S_ENUM(link_kind, s_link_names, communities_link_kind_t)

const char *
communities_action_name(communities_action_t action)
{
    return s_name(s_action_names, VB_ARRAY_SIZE(s_action_names), (int)action);
}

/* ---- single rules ---- */

bool
communities_text_ok(const char *s, size_t max, bool required)
{
    if (!s || !vb_text_utf8_valid(s) || vb_text_length(s) > max)
        return false;
    bool visible = false;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        /* control characters other than line breaks and tabs have no place in shown text */
        if (*p < 0x20 && *p != '\n' && *p != '\r' && *p != '\t')
            return false;
        if (*p == 0x7f)
            return false;
        if (!isspace(*p))
            visible = true;
    }
    return visible || !required;
}

bool
communities_validate_url(const char *url)
{
    if (!url)
        return false;
    size_t length = strlen(url);
    const char *rest = NULL;
    if (strncmp(url, "https://", 8) == 0)
        rest = url + 8;
    else if (strncmp(url, "http://", 7) == 0)
        rest = url + 7;
    if (!rest || length > COMMUNITIES_URL_MAX || !*rest || *rest == '/')
        return false;
    for (const unsigned char *p = (const unsigned char *)url; *p; p++)
        if (*p <= 0x20 || *p == 0x7f)
            return false;
    return vb_text_utf8_valid(url);
}

/* ---- whole messages ---- */

static void
s_text_rule(communities_errors_t *errors, const char *prefix, const char *name, const char *value,
            size_t max, bool required)
{
    if (communities_text_ok(value, max, required))
        return;
    char field[128];
    snprintf(field, sizeof field, "%s.%s", prefix, name);
    if (required && (!value || !value[0]))
        vb_handler_errors_add(errors, field, "is required");
    else
        vb_handler_errors_add(errors, field,
                              "must be valid UTF-8 text of %s%zu characters without control "
                              "characters",
                              required ? "1 to " : "at most ", max);
}

void
communities_validate_community(const communities_community_t *community,
                               const vb_taxonomy_t *taxonomy, const char *prefix,
                               communities_errors_t *errors)
{
    if (!community) {
        vb_handler_errors_add(errors, prefix, "is required");
        return;
    }
    char field[128];
    s_text_rule(errors, prefix, "name", community->name, COMMUNITIES_NAME_MAX, true);
    s_text_rule(errors, prefix, "purpose", community->purpose, COMMUNITIES_PURPOSE_MAX, false);
    s_text_rule(errors, prefix, "region", community->region, COMMUNITIES_NAME_MAX, false);
    if (!communities_kind_name(community->kind)) {
        snprintf(field, sizeof field, "%s.kind", prefix);
        vb_handler_errors_add(errors, field,
                              "must be community, think_do_team, peer_circle, training_network "
                              "or consortium");
    }
    if (community->visibility != COMMUNITIES_VISIBILITY_UNSPECIFIED &&
        !communities_visibility_name(community->visibility)) {
        snprintf(field, sizeof field, "%s.visibility", prefix);
        vb_handler_errors_add(errors, field, "must be private, node or federated");
    }
    if (community->join_policy != COMMUNITIES_JOIN_UNSPECIFIED &&
        !communities_join_policy_name(community->join_policy)) {
        snprintf(field, sizeof field, "%s.join_policy", prefix);
        vb_handler_errors_add(errors, field, "must be open or approval");
    }
    if (community->capacity < 0 || community->capacity > COMMUNITIES_CAPACITY_MAX) {
        snprintf(field, sizeof field, "%s.capacity", prefix);
        vb_handler_errors_add(errors, field, "must be between 0 (unlimited) and %d",
                              COMMUNITIES_CAPACITY_MAX);
    }
    if (community->n_topics > COMMUNITIES_MAX_TOPICS) {
        snprintf(field, sizeof field, "%s.topics", prefix);
        vb_handler_errors_add(errors, field, "must have at most %d entries",
                              COMMUNITIES_MAX_TOPICS);
    }
    for (size_t i = 0; i < community->n_topics && i < COMMUNITIES_MAX_TOPICS; i++) {
        if (!vb_taxonomy_contains(taxonomy, community->topics[i])) {
            snprintf(field, sizeof field, "%s.topics[%zu]", prefix, i);
            vb_handler_errors_add(errors, field, "is not in the competence taxonomy");
            continue;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(community->topics[j], community->topics[i]) == 0) {
                snprintf(field, sizeof field, "%s.topics[%zu]", prefix, i);
                vb_handler_errors_add(errors, field, "is listed twice");
                break;
            }
        }
    }
    if (community->n_tags > COMMUNITIES_MAX_TAGS) {
        snprintf(field, sizeof field, "%s.tags", prefix);
        vb_handler_errors_add(errors, field, "must have at most %d entries", COMMUNITIES_MAX_TAGS);
    }
    for (size_t i = 0; i < community->n_tags && i < COMMUNITIES_MAX_TAGS; i++) {
        if (!communities_text_ok(community->tags[i], COMMUNITIES_TAG_MAX, true)) {
            snprintf(field, sizeof field, "%s.tags[%zu]", prefix, i);
            vb_handler_errors_add(errors, field, "must be 1 to %d characters of text",
                                  COMMUNITIES_TAG_MAX);
        }
    }
    if (community->proposed_by && community->proposed_by[0] &&
        !vb_uuid_valid(community->proposed_by)) {
        snprintf(field, sizeof field, "%s.proposed_by", prefix);
        vb_handler_errors_add(errors, field, "is not a UUID");
    }
}

void
communities_validate_result(const communities_result_t *result, const char *prefix,
                            communities_errors_t *errors)
{
    if (!result) {
        vb_handler_errors_add(errors, prefix, "is required");
        return;
    }
    char field[128];
    s_text_rule(errors, prefix, "title", result->title, COMMUNITIES_NAME_MAX, true);
    s_text_rule(errors, prefix, "summary", result->summary, COMMUNITIES_SUMMARY_MAX, false);
    if (result->event_id && result->event_id[0] && !vb_uuid_valid(result->event_id)) {
        snprintf(field, sizeof field, "%s.event_id", prefix);
        vb_handler_errors_add(errors, field, "is not a UUID");
    }
    if (result->visibility != COMMUNITIES_VISIBILITY_UNSPECIFIED &&
        !communities_visibility_name(result->visibility)) {
        snprintf(field, sizeof field, "%s.visibility", prefix);
        vb_handler_errors_add(errors, field, "must be private, node or federated");
    }
    if (result->n_links > COMMUNITIES_MAX_LINKS) {
        snprintf(field, sizeof field, "%s.links", prefix);
        vb_handler_errors_add(errors, field, "must have at most %d entries", COMMUNITIES_MAX_LINKS);
    }
    for (size_t i = 0; i < result->n_links && i < COMMUNITIES_MAX_LINKS; i++) {
        const communities_link_t *link = result->links[i];
        if (!communities_validate_url(link->url)) {
            snprintf(field, sizeof field, "%s.links[%zu].url", prefix, i);
            vb_handler_errors_add(errors, field, "must be an http or https URL of at most %d bytes",
                                  COMMUNITIES_URL_MAX);
        }
        if (!communities_text_ok(link->label, COMMUNITIES_NAME_MAX, false)) {
            snprintf(field, sizeof field, "%s.links[%zu].label", prefix, i);
            vb_handler_errors_add(errors, field, "must be text of at most %d characters",
                                  COMMUNITIES_NAME_MAX);
        }
        if (link->kind != COMMUNITIES_LINK_UNSPECIFIED && !communities_link_kind_name(link->kind)) {
            snprintf(field, sizeof field, "%s.links[%zu].kind", prefix, i);
            vb_handler_errors_add(errors, field, "must be recording, slides or other");
        }
    }
    if (result->n_author_ids > COMMUNITIES_MAX_AUTHORS) {
        snprintf(field, sizeof field, "%s.author_ids", prefix);
        vb_handler_errors_add(errors, field, "must have at most %d entries",
                              COMMUNITIES_MAX_AUTHORS);
    }
    for (size_t i = 0; i < result->n_author_ids && i < COMMUNITIES_MAX_AUTHORS; i++) {
        if (!vb_uuid_valid(result->author_ids[i])) {
            snprintf(field, sizeof field, "%s.author_ids[%zu]", prefix, i);
            vb_handler_errors_add(errors, field, "is not a person id (UUID)");
        }
    }
}
