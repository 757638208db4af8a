/* membership_validate.c - the input rules of persons, organisations, memberships and expert
 * profiles. Does not: allocate, or look anything up beyond the in-memory taxonomy. */
#include "membership_validate.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "vb/ids.h"
#include "vb/text.h"

/* ISO 639-1, sorted, three characters per entry ("aa ab ..."). */
static const char s_languages[] =
    "aa ab ae af ak am an ar as av ay az ba be bg bh bi bm bn bo br bs ca ce ch co cr cs cu cv "
    "cy da de dv dz ee el en eo es et eu fa ff fi fj fo fr fy ga gd gl gn gu gv ha he hi ho hr "
    "ht hu hy hz ia id ie ig ii ik io is it iu ja jv ka kg ki kj kk kl km kn ko kr ks ku kv kw "
    "ky la lb lg li ln lo lt lu lv mg mh mi mk ml mn mr ms mt my na nb nd ne ng nl nn no nr nv "
    "ny oc oj om or os pa pi pl ps pt qu rm rn ro ru rw sa sc sd se sg si sk sl sm sn so sq sr "
    "ss st su sv sw ta te tg th ti tk tl tn to tr ts tt tw ty ug uk ur uz ve vi vo wa wo xh yi "
    "yo za zh zu ";

static const char *const s_type_names[] = {
    [MEMBERSHIP_TYPE_SUPPORTING] = "supporting",
    [MEMBERSHIP_TYPE_COMMUNITY] = "community",
    [MEMBERSHIP_TYPE_PARTNER] = "partner",
    [MEMBERSHIP_TYPE_EXPERT] = "expert",
};

static const char *const s_kind_names[] = {
    [VERBUND__MEMBERSHIP__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_COMPANY] = "company",
    [VERBUND__MEMBERSHIP__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_NONPROFIT] = "nonprofit",
    [VERBUND__MEMBERSHIP__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_PUBLIC_BODY] = "public_body",
    [VERBUND__MEMBERSHIP__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_EDUCATION_PROVIDER] =
        "education_provider",
    [VERBUND__MEMBERSHIP__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_SOCIAL_ENTERPRISE] =
        "social_enterprise",
    [VERBUND__MEMBERSHIP__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_ASSOCIATION] = "association",
};

/* ---- single rules ---- */

bool
membership_validate_utf8(const char *s)
{
    return vb_text_utf8_valid(s);
}

size_t
membership_utf8_length(const char *s)
{
    return vb_text_length(s);
}

static bool
s_atext(int c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

bool
membership_validate_email(const char *email)
{
    if (!email)
        return false;
    size_t length = strlen(email);
    const char *at = strrchr(email, '@');
    if (length > MEMBERSHIP_EMAIL_MAX || !at || at == email || at - email > 64)
        return false;
    /* local part: dot-atoms, no leading, trailing or double dot */
    for (const char *p = email; p < at; p++) {
        if (*p == '.') {
            if (p == email || p + 1 == at || p[1] == '.')
                return false;
        } else if (!s_atext((unsigned char)*p)) {
            return false;
        }
    }
    /* domain: at least two labels of letters, digits and inner hyphens; a letter TLD */
    const char *domain = at + 1;
    int labels = 0;
    const char *label = domain;
    for (const char *p = domain;; p++) {
        if (*p == '.' || *p == '\0') {
            size_t label_length = (size_t)(p - label);
            if (label_length == 0 || label_length > 63 || label[0] == '-' || p[-1] == '-')
                return false;
            labels++;
            if (*p == '\0')
                break;
            label = p + 1;
        } else if (!isalnum((unsigned char)*p) && *p != '-') {
            return false;
        }
    }
    if (labels < 2 || strlen(label) < 2)
        return false;
    for (const char *p = label; *p; p++)
        if (!isalpha((unsigned char)*p))
            return false;
    return true;
}

bool
membership_validate_language(const char *code)
{
    if (!code || strlen(code) != 2 || !islower((unsigned char)code[0]) ||
        !islower((unsigned char)code[1]))
        return false;
    size_t low = 0, high = (sizeof s_languages - 1) / 3;
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        int cmp = strncmp(&s_languages[mid * 3], code, 2);
        if (cmp == 0)
            return true;
        if (cmp < 0)
            low = mid + 1;
        else
            high = mid;
    }
    return false;
}

bool
membership_validate_vat_id(const char *vat_id)
{
    if (!vat_id || !vat_id[0])
        return true;
    /* EU VAT numbers: a two-letter country prefix and 2..13 digits, capitals, '+' or '*'
     * (e.g. DE123456789, ATU12345678, FRXX999999999, IE1234567FA) */
    size_t length = strlen(vat_id);
    if (length < 4 || length > 15)
        return false;
    if (!isupper((unsigned char)vat_id[0]) || !isupper((unsigned char)vat_id[1]))
        return false;
    for (size_t i = 2; i < length; i++) {
        unsigned char c = (unsigned char)vat_id[i];
        if (!isdigit(c) && !isupper(c) && c != '+' && c != '*')
            return false;
    }
    return true;
}

/* ---- helpers for whole messages ---- */

/* Appends ".name" or "[i]" paths into a buffer. */
static const char *
s_path(char *out, size_t size, const char *prefix, const char *name)
{
    snprintf(out, size, "%s%s%s", prefix, prefix[0] ? "." : "", name);
    return out;
}

static void
s_check_text(const char *value, const char *field, bool required, membership_errors_t *errors)
{
    if (!value || !value[0]) {
        if (required)
            vb_handler_errors_add(errors, field, "is required");
        return;
    }
    if (!vb_text_utf8_valid(value)) {
        vb_handler_errors_add(errors, field, "is not valid UTF-8");
        return;
    }
    if (vb_text_length(value) > MEMBERSHIP_NAME_MAX) {
        vb_handler_errors_add(errors, field, "is longer than %d characters", MEMBERSHIP_NAME_MAX);
        return;
    }
    if (required) {
        bool blank = true;
        for (const char *p = value; *p && blank; p++)
            blank = (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r');
        if (blank)
            vb_handler_errors_add(errors, field, "must not be blank");
    }
}

static void
s_check_uuid(const char *value, const char *field, membership_errors_t *errors)
{
    if (value && value[0] && !vb_uuid_valid(value))
        vb_handler_errors_add(errors, field, "is not a UUID");
}

static void
s_check_languages(char **items, size_t count, const char *field, membership_errors_t *errors)
{
    char path[128];
    if (count > MEMBERSHIP_MAX_LIST_ITEMS)
        vb_handler_errors_add(errors, field, "has more than %d entries", MEMBERSHIP_MAX_LIST_ITEMS);
    for (size_t i = 0; i < count && i < MEMBERSHIP_MAX_LIST_ITEMS; i++) {
        snprintf(path, sizeof path, "%s[%zu]", field, i);
        if (!membership_validate_language(items[i]))
            vb_handler_errors_add(errors, path, "is not an ISO 639-1 language code");
        for (size_t j = 0; j < i; j++)
            if (strcmp(items[i], items[j]) == 0) {
                vb_handler_errors_add(errors, path, "repeats %s", field);
                break;
            }
    }
}

static void
s_check_texts(char **items, size_t count, const char *field, membership_errors_t *errors)
{
    char path[128];
    if (count > MEMBERSHIP_MAX_LIST_ITEMS)
        vb_handler_errors_add(errors, field, "has more than %d entries", MEMBERSHIP_MAX_LIST_ITEMS);
    for (size_t i = 0; i < count && i < MEMBERSHIP_MAX_LIST_ITEMS; i++) {
        snprintf(path, sizeof path, "%s[%zu]", field, i);
        s_check_text(items[i], path, true, errors);
    }
}

static void
s_check_skills(membership_skill_t **skills, size_t count, const vb_taxonomy_t *taxonomy,
               const char *field, membership_errors_t *errors)
{
    char path[160];
    if (count > MEMBERSHIP_MAX_SKILLS) {
        vb_handler_errors_add(errors, field, "has more than %d entries", MEMBERSHIP_MAX_SKILLS);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        const membership_skill_t *skill = skills[i];
        snprintf(path, sizeof path, "%s[%zu].code", field, i);
        if (!skill->code || !skill->code[0])
            vb_handler_errors_add(errors, path, "is required");
        else if (!vb_taxonomy_contains(taxonomy, skill->code))
            vb_handler_errors_add(errors, path, "is not in the competence taxonomy");
        else {
            for (size_t j = 0; j < i; j++)
                if (skills[j]->code && strcmp(skills[j]->code, skill->code) == 0) {
                    vb_handler_errors_add(errors, path, "duplicates %s[%zu].code", field, j);
                    break;
                }
        }
        if (skill->level < 0 || skill->level > MEMBERSHIP_SKILL_LEVEL_MAX) {
            snprintf(path, sizeof path, "%s[%zu].level", field, i);
            vb_handler_errors_add(errors, path, "must be between 0 and %d",
                                  MEMBERSHIP_SKILL_LEVEL_MAX);
        }
    }
}

static bool
s_currency_valid(const char *currency)
{
    return currency && strlen(currency) == 3 && isupper((unsigned char)currency[0]) &&
           isupper((unsigned char)currency[1]) && isupper((unsigned char)currency[2]);
}

static void
s_check_rate(const membership_money_t *money, const char *field, membership_errors_t *errors)
{
    char path[160];
    if (!money)
        return;
    if (money->cents < 0) {
        snprintf(path, sizeof path, "%s.cents", field);
        vb_handler_errors_add(errors, path, "must not be negative");
    }
    if (!s_currency_valid(money->currency)) {
        snprintf(path, sizeof path, "%s.currency", field);
        vb_handler_errors_add(errors, path, "must be an ISO 4217 code such as EUR");
    }
}

/* ---- whole messages ---- */

void
membership_validate_person(const membership_person_t *person, const vb_taxonomy_t *taxonomy,
                           const char *prefix, membership_errors_t *errors)
{
    char path[128];
    if (!person) {
        vb_handler_errors_add(errors, prefix, "is required");
        return;
    }
    s_check_text(person->name, s_path(path, sizeof path, prefix, "name"), true, errors);
    s_path(path, sizeof path, prefix, "email");
    if (!person->email || !person->email[0])
        vb_handler_errors_add(errors, path, "is required");
    else if (!membership_validate_email(person->email))
        vb_handler_errors_add(errors, path, "is not a valid email address");
    s_check_uuid(person->organization_id, s_path(path, sizeof path, prefix, "organization_id"),
                 errors);
    s_check_text(person->region, s_path(path, sizeof path, prefix, "region"), false, errors);
    s_check_text(person->sector, s_path(path, sizeof path, prefix, "sector"), false, errors);
    s_check_languages(person->languages, person->n_languages,
                      s_path(path, sizeof path, prefix, "languages"), errors);
    s_check_skills(person->skills, person->n_skills, taxonomy,
                   s_path(path, sizeof path, prefix, "skills"), errors);
    s_check_texts(person->interests, person->n_interests,
                  s_path(path, sizeof path, prefix, "interests"), errors);
}

void
membership_validate_organization(const membership_organization_t *organization, const char *prefix,
                                 membership_errors_t *errors)
{
    char path[128];
    if (!organization) {
        vb_handler_errors_add(errors, prefix, "is required");
        return;
    }
    s_check_text(organization->name, s_path(path, sizeof path, prefix, "name"), true, errors);
    if (!membership_kind_name(organization->kind))
        vb_handler_errors_add(errors, s_path(path, sizeof path, prefix, "kind"),
                              "must be one of company, nonprofit, public_body, "
                              "education_provider, social_enterprise, association");
    s_check_text(organization->region, s_path(path, sizeof path, prefix, "region"), false, errors);
    s_check_text(organization->sector, s_path(path, sizeof path, prefix, "sector"), false, errors);
    if (!membership_validate_vat_id(organization->vat_id))
        vb_handler_errors_add(errors, s_path(path, sizeof path, prefix, "vat_id"),
                              "is not a VAT id (country prefix and 2 to 13 characters, "
                              "e.g. DE123456789)");
}

void
membership_validate_membership(const membership_record_t *membership,
                               int64_t minimum_supporting_cents, const char *prefix,
                               membership_errors_t *errors)
{
    char path[128];
    if (!membership) {
        vb_handler_errors_add(errors, prefix, "is required");
        return;
    }
    bool has_person = membership->holder_person_id && membership->holder_person_id[0];
    bool has_organization =
        membership->holder_organization_id && membership->holder_organization_id[0];
    if (has_person == has_organization)
        vb_handler_errors_add(errors, s_path(path, sizeof path, prefix, "holder_person_id"),
                              "exactly one of holder_person_id and holder_organization_id "
                              "must be set");
    s_check_uuid(membership->holder_person_id,
                 s_path(path, sizeof path, prefix, "holder_person_id"), errors);
    s_check_uuid(membership->holder_organization_id,
                 s_path(path, sizeof path, prefix, "holder_organization_id"), errors);
    if (!membership_type_name(membership->type))
        vb_handler_errors_add(errors, s_path(path, sizeof path, prefix, "type"),
                              "must be one of supporting, community, partner, expert");
    const membership_money_t *money = membership->yearly_contribution;
    s_path(path, sizeof path, prefix, "yearly_contribution");
    if (membership->type == MEMBERSHIP_TYPE_SUPPORTING) {
        char field[160];
        if (!money) {
            vb_handler_errors_add(errors, path, "is required for a supporting membership");
        } else {
            if (!money->currency || strcmp(money->currency, "EUR") != 0) {
                snprintf(field, sizeof field, "%s.currency", path);
                vb_handler_errors_add(errors, field, "must be EUR");
            }
            if (money->cents < minimum_supporting_cents) {
                snprintf(field, sizeof field, "%s.cents", path);
                vb_handler_errors_add(errors, field,
                                      "must be at least %lld (the node's minimum yearly "
                                      "contribution of %lld.%02lld EUR)",
                                      (long long)minimum_supporting_cents,
                                      (long long)(minimum_supporting_cents / 100),
                                      (long long)(minimum_supporting_cents % 100));
            }
        }
    } else {
        s_check_rate(money, path, errors);
    }
}

void
membership_validate_expert_profile(const membership_expert_profile_t *profile,
                                   const vb_taxonomy_t *taxonomy, const char *prefix,
                                   membership_errors_t *errors)
{
    char path[128];
    if (!profile) {
        vb_handler_errors_add(errors, prefix, "is required");
        return;
    }
    s_check_skills(profile->competences, profile->n_competences, taxonomy,
                   s_path(path, sizeof path, prefix, "competences"), errors);
    s_check_rate(profile->hourly_rate, s_path(path, sizeof path, prefix, "hourly_rate"), errors);
    s_check_rate(profile->day_rate, s_path(path, sizeof path, prefix, "day_rate"), errors);
    s_check_languages(profile->languages, profile->n_languages,
                      s_path(path, sizeof path, prefix, "languages"), errors);
    s_check_texts(profile->regions, profile->n_regions,
                  s_path(path, sizeof path, prefix, "regions"), errors);
    if (profile->hours_per_month < 0 || profile->hours_per_month > MEMBERSHIP_HOURS_PER_MONTH_MAX)
        vb_handler_errors_add(errors, s_path(path, sizeof path, prefix, "hours_per_month"),
                              "must be between 0 and %d", MEMBERSHIP_HOURS_PER_MONTH_MAX);
}

/* ---- enum names ---- */

const char *
membership_type_name(membership_type_t type)
{
    if ((int)type <= 0 || (size_t)type >= VB_ARRAY_SIZE(s_type_names))
        return NULL;
    return s_type_names[type];
}

int
membership_type_parse(const char *name, membership_type_t *type)
{
    for (size_t i = 1; i < VB_ARRAY_SIZE(s_type_names); i++)
        if (name && strcmp(name, s_type_names[i]) == 0) {
            *type = (membership_type_t)i;
            return 0;
        }
    return -1;
}

const char *
membership_kind_name(membership_kind_t kind)
{
    if ((int)kind <= 0 || (size_t)kind >= VB_ARRAY_SIZE(s_kind_names))
        return NULL;
    return s_kind_names[kind];
}

int
membership_kind_parse(const char *name, membership_kind_t *kind)
{
    for (size_t i = 1; i < VB_ARRAY_SIZE(s_kind_names); i++)
        if (name && strcmp(name, s_kind_names[i]) == 0) {
            *kind = (membership_kind_t)i;
            return 0;
        }
    return -1;
}
