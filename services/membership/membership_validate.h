/* membership_validate.h - input rules of the membership service as pure functions: email
 * syntax, name lengths, ISO 639-1 languages, VAT id format, skills against the taxonomy,
 * money and hour ranges, membership holders and the supporting minimum. Every rule that fails
 * adds a field error with a path like "person.skills[1].code"; nothing stops at the first.
 * Does not: check existence in the database (holders, organisations) or authorisation. */
#ifndef MEMBERSHIP_VALIDATE_H
#define MEMBERSHIP_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vb/assert.h"
#include "vb/handler.h"
#include "membership_proto.h"
#include "vb/taxonomy.h"

#define MEMBERSHIP_MAX_FIELD_ERRORS VB_HANDLER_MAX_FIELD_ERRORS
#define MEMBERSHIP_NAME_MAX 200 /* characters (code points) of names and short texts */
#define MEMBERSHIP_EMAIL_MAX 254
#define MEMBERSHIP_MAX_LIST_ITEMS 50 /* languages, interests, regions */
#define MEMBERSHIP_MAX_SKILLS 100
#define MEMBERSHIP_SKILL_LEVEL_MAX 5
#define MEMBERSHIP_HOURS_PER_MONTH_MAX 744 /* 31 days * 24 hours */

/* Validation errors (vb/handler.h): field paths and messages, the first
 * MEMBERSHIP_MAX_FIELD_ERRORS kept. */
typedef vb_handler_errors_t membership_errors_t;

/* Single rules. */
bool membership_validate_email(const char *email);
bool membership_validate_language(const char *code); /* ISO 639-1, lower case */
bool membership_validate_vat_id(const char *vat_id); /* "" is valid (none) */
/* vb/text.h's checks under membership's names (membership_handlers.c checks labels). */
bool membership_validate_utf8(const char *s);
size_t membership_utf8_length(const char *s); /* code points of valid UTF-8 */

/* Whole messages; prefix is the path of the message ("person", "profile"). */
void membership_validate_person(const membership_person_t *person, const vb_taxonomy_t *taxonomy,
                                const char *prefix, membership_errors_t *errors);
void membership_validate_organization(const membership_organization_t *organization,
                                      const char *prefix, membership_errors_t *errors);
void membership_validate_membership(const membership_record_t *membership,
                                    int64_t minimum_supporting_cents, const char *prefix,
                                    membership_errors_t *errors);
void membership_validate_expert_profile(const membership_expert_profile_t *profile,
                                        const vb_taxonomy_t *taxonomy, const char *prefix,
                                        membership_errors_t *errors);

/* Lower-case enum names ("supporting", "education_provider"); NULL when unknown/unspecified. */
const char *membership_type_name(membership_type_t type);
int membership_type_parse(const char *name, membership_type_t *type);
const char *membership_kind_name(membership_kind_t kind);
int membership_kind_parse(const char *name, membership_kind_t *kind);

#endif
