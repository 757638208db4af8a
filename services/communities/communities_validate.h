/* communities_validate.h - input rules of the communities service as pure functions: names and
 * text lengths (in characters of valid UTF-8), kinds, visibilities, topics against the
 * competence taxonomy, free tags, capacity, result links and authors; the lower-case names of
 * the enums as stored and filtered.
 * Every rule that fails adds a field error ("community.topics[1]"); nothing stops at the first.
 * Does not: look anything up beyond the in-memory taxonomy, or authorise. */
#ifndef COMMUNITIES_VALIDATE_H
#define COMMUNITIES_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/assert.h"
#include "vb/handler.h"
#include "vb/ids.h"
#include "vb/taxonomy.h"
#include "communities_proto.h"

#define COMMUNITIES_MAX_FIELD_ERRORS VB_HANDLER_MAX_FIELD_ERRORS
#define COMMUNITIES_NAME_MAX 200      /* characters of names, titles, labels, regions */
#define COMMUNITIES_PURPOSE_MAX 4000  /* characters of a purpose */
#define COMMUNITIES_SUMMARY_MAX 20000 /* characters of a result summary */
#define COMMUNITIES_REASON_MAX 1000
#define COMMUNITIES_TAG_MAX 50 /* characters of one free tag */
#define COMMUNITIES_MAX_TOPICS 20
#define COMMUNITIES_MAX_TAGS 20
#define COMMUNITIES_MAX_LINKS 20
#define COMMUNITIES_MAX_AUTHORS 50
#define COMMUNITIES_URL_MAX 2000 /* bytes */
#define COMMUNITIES_CAPACITY_MAX 100000

/* Validation errors (vb/handler.h): field paths and messages, the first
 * COMMUNITIES_MAX_FIELD_ERRORS kept. */
typedef vb_handler_errors_t communities_errors_t;

/* Valid UTF-8 of at most max characters; and at least one non-space when required. */
bool communities_text_ok(const char *s, size_t max, bool required);
/* An absolute http:// or https:// URL without spaces or control characters. */
bool communities_validate_url(const char *url);

/* A proposal (prefix "community"): name, purpose, kind, topics in taxonomy, tags, region,
 * visibility, join policy, capacity. Fields the service sets (id, status, ...) are ignored. */
void communities_validate_community(const communities_community_t *community,
                                    const vb_taxonomy_t *taxonomy, const char *prefix,
                                    communities_errors_t *errors);
/* A result (prefix "result"): title, summary, links, authors (UUIDs), event id, visibility. */
void communities_validate_result(const communities_result_t *result, const char *prefix,
                                 communities_errors_t *errors);

/* Lower-case names ("think_do_team"); NULL for UNSPECIFIED and values outside the enum.
 * The parse functions return 0 and set *out, or -1 for an unknown name. */
const char *communities_kind_name(communities_kind_t kind);
int communities_kind_parse(const char *name, communities_kind_t *out);
const char *communities_visibility_name(communities_visibility_t visibility);
int communities_visibility_parse(const char *name, communities_visibility_t *out);
const char *communities_status_name(communities_status_t status);
int communities_status_parse(const char *name, communities_status_t *out);
const char *communities_join_policy_name(communities_join_policy_t policy);
int communities_join_policy_parse(const char *name, communities_join_policy_t *out);
const char *communities_member_role_name(communities_member_role_t role);
int communities_member_role_parse(const char *name, communities_member_role_t *out);
const char *communities_member_status_name(communities_member_status_t status);
int communities_member_status_parse(const char *name, communities_member_status_t *out);
const char *communities_action_name(communities_action_t action);
const char *communities_link_kind_name(communities_link_kind_t kind);
int communities_link_kind_parse(const char *name, communities_link_kind_t *out);

#endif
