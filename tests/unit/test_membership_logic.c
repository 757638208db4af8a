/* test_membership_logic.c - the membership service's pure logic without servers: the whole
 * lifecycle table (every allowed and every refused pair), input validation with field paths,
 * the taxonomy set and the token rules (cursors: tests/unit/test_handler.c).
 * Does not: touch PostgreSQL, Redis or ZeroMQ (tests/integration/test_membership_*.c do). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vb/ids.h"
#include "membership_lifecycle.h"
#include "vb/taxonomy.h"
#include "membership_tokens.h"
#include "membership_validate.h"

static vb_taxonomy_t *s_taxonomy;

static int
s_setup(void **state)
{
    (void)state;
    s_taxonomy = vb_taxonomy_new();
    assert_non_null(s_taxonomy);
    /* deliberately out of order: the set sorts itself */
    assert_int_equal(vb_taxonomy_add(s_taxonomy, "fs.collaboration", "future_skills",
                                     "Kollaboration", "Collaboration"),
                     0);
    assert_int_equal(vb_taxonomy_add(s_taxonomy, "dc.2.4", "digcomp",
                                     "Zusammenarbeiten mithilfe digitaler Technologien",
                                     "Collaborating through digital technologies"),
                     0);
    assert_int_equal(
        vb_taxonomy_add(s_taxonomy, "fs.agility", "future_skills", "Agilität", "Agility"), 0);
    assert_int_equal(membership_tokens_init(), 0);
    return 0;
}

static int
s_teardown(void **state)
{
    (void)state;
    vb_taxonomy_destroy(&s_taxonomy);
    assert_null(s_taxonomy);
    return 0;
}

/* The field error with this path, or NULL. */
static const vb_handler_field_error_t *
s_find_error(const membership_errors_t *errors, const char *field)
{
    for (int i = 0; i < errors->count && i < MEMBERSHIP_MAX_FIELD_ERRORS; i++)
        if (strcmp(errors->items[i].field, field) == 0)
            return &errors->items[i];
    return NULL;
}

#define assert_field_error(errs, path)                                                             \
    do {                                                                                           \
        if (!s_find_error((errs), (path))) {                                                       \
            for (int i_ = 0; i_ < (errs)->count && i_ < MEMBERSHIP_MAX_FIELD_ERRORS; i_++)         \
                print_message("  have %s: %s\n", (errs)->items[i_].field,                          \
                              (errs)->items[i_].message);                                          \
            fail_msg("expected a field error at %s", (path));                                      \
        }                                                                                          \
    } while (0)

/* ---- usage example: apply for a supporting membership and approve it ---- */

static void
test_usage_example(void **state)
{
    (void)state;
    membership_record_t m = VERBUND__MEMBERSHIP__V1__MEMBERSHIP__INIT;
    membership_money_t fee = VERBUND__COMMON__V1__MONEY__INIT;
    char person[VB_UUID_STRING_SIZE];
    vb_uuid7(person);
    fee.cents = 12000;
    fee.currency = (char *)"EUR";
    m.holder_person_id = person;
    m.type = MEMBERSHIP_TYPE_SUPPORTING;
    m.yearly_contribution = &fee;

    membership_errors_t errors = {.count = 0};
    membership_validate_membership(&m, 6000, "membership", &errors);
    assert_int_equal(errors.count, 0);

    membership_lifecycle_start(&m, "2026-01-02T03:04:05.000000Z");
    assert_int_equal(m.status, MEMBERSHIP_STATUS_APPLIED);

    char err[256];
    assert_int_equal(membership_lifecycle_apply(
                         &m, MEMBERSHIP_ACTION_APPROVE, MEMBERSHIP_ROLE_STAFF, false, "welcome",
                         "2026-01-03", "2026-01-03T10:00:00.000000Z", err, sizeof err),
                     VB_STATUS_OK);
    assert_int_equal(m.status, MEMBERSHIP_STATUS_ACTIVE);
    assert_string_equal(m.started_on, "2026-01-03");
    assert_string_equal(m.status_reason, "welcome");
    assert_string_equal(m.ends_on, "");
}

/* ---- lifecycle: every (from, action) pair ---- */

static void
test_lifecycle_walks_every_pair(void **state)
{
    (void)state;
    size_t count = 0;
    const membership_transition_t *table = membership_lifecycle_table(&count);
    assert_int_equal(count, 8);
    int allowed = 0, refused = 0;
    for (int from = MEMBERSHIP_STATUS_APPLIED; from <= MEMBERSHIP_STATUS_LAPSED; from++) {
        for (int action = MEMBERSHIP_ACTION_APPROVE; action <= MEMBERSHIP_ACTION_LAPSE; action++) {
            const membership_transition_t *row = NULL;
            for (size_t i = 0; i < count; i++)
                if ((int)table[i].from == from && (int)table[i].action == action)
                    row = &table[i];
            assert_ptr_equal(row, membership_lifecycle_find((membership_status_t)from,
                                                            (membership_action_t)action));
            membership_record_t m = VERBUND__MEMBERSHIP__V1__MEMBERSHIP__INIT;
            m.status = (membership_status_t)from;
            char err[256];
            vb_status_t status = membership_lifecycle_apply(
                &m, (membership_action_t)action, MEMBERSHIP_ROLE_ADMIN, false, "r", "2026-02-01",
                "2026-02-01T00:00:00.000000Z", err, sizeof err);
            if (row) {
                allowed++;
                assert_int_equal(status, VB_STATUS_OK);
                assert_int_equal(m.status, row->to);
            } else {
                refused++;
                assert_int_equal(status, VB_STATUS_UNPROCESSABLE);
                assert_int_equal(m.status, from); /* unchanged */
                /* the message names both ends of the refused transition */
                char expected[96];
                snprintf(expected, sizeof expected, "%s -> %s",
                         membership_status_name((membership_status_t)from),
                         membership_status_name(
                             membership_lifecycle_target((membership_action_t)action)));
                if (!strstr(err, expected))
                    fail_msg("message '%s' does not name '%s'", err, expected);
            }
        }
    }
    assert_int_equal(allowed, 8);
    assert_int_equal(refused, 25 - 8);
}

static void
test_lifecycle_expected_transitions(void **state)
{
    (void)state;
    /* the documented machine, spelled out */
    static const struct {
        membership_status_t from;
        membership_action_t action;
        membership_status_t to;
    } expected[] = {
        {MEMBERSHIP_STATUS_APPLIED, MEMBERSHIP_ACTION_APPROVE, MEMBERSHIP_STATUS_ACTIVE},
        {MEMBERSHIP_STATUS_ACTIVE, MEMBERSHIP_ACTION_SUSPEND, MEMBERSHIP_STATUS_SUSPENDED},
        {MEMBERSHIP_STATUS_SUSPENDED, MEMBERSHIP_ACTION_RESUME, MEMBERSHIP_STATUS_ACTIVE},
        {MEMBERSHIP_STATUS_APPLIED, MEMBERSHIP_ACTION_TERMINATE, MEMBERSHIP_STATUS_TERMINATED},
        {MEMBERSHIP_STATUS_ACTIVE, MEMBERSHIP_ACTION_TERMINATE, MEMBERSHIP_STATUS_TERMINATED},
        {MEMBERSHIP_STATUS_SUSPENDED, MEMBERSHIP_ACTION_TERMINATE, MEMBERSHIP_STATUS_TERMINATED},
        {MEMBERSHIP_STATUS_ACTIVE, MEMBERSHIP_ACTION_LAPSE, MEMBERSHIP_STATUS_LAPSED},
        {MEMBERSHIP_STATUS_SUSPENDED, MEMBERSHIP_ACTION_LAPSE, MEMBERSHIP_STATUS_LAPSED},
    };
    for (size_t i = 0; i < sizeof expected / sizeof expected[0]; i++) {
        const membership_transition_t *row =
            membership_lifecycle_find(expected[i].from, expected[i].action);
        assert_non_null(row);
        assert_int_equal(row->to, expected[i].to);
        assert_non_null(row->why);
    }
    /* terminal states have no way out */
    for (int action = MEMBERSHIP_ACTION_APPROVE; action <= MEMBERSHIP_ACTION_LAPSE; action++) {
        assert_null(
            membership_lifecycle_find(MEMBERSHIP_STATUS_TERMINATED, (membership_action_t)action));
        assert_null(
            membership_lifecycle_find(MEMBERSHIP_STATUS_LAPSED, (membership_action_t)action));
    }
}

static void
test_lifecycle_roles_and_dates(void **state)
{
    (void)state;
    char err[256];
    membership_record_t m = VERBUND__MEMBERSHIP__V1__MEMBERSHIP__INIT;
    m.status = MEMBERSHIP_STATUS_APPLIED;
    /* a member may not approve, even its own application */
    assert_int_equal(membership_lifecycle_apply(&m, MEMBERSHIP_ACTION_APPROVE,
                                                MEMBERSHIP_ROLE_MEMBER, true, "", "2026-03-01",
                                                "2026-03-01T00:00:00Z", err, sizeof err),
                     VB_STATUS_FORBIDDEN);
    assert_int_equal(m.status, MEMBERSHIP_STATUS_APPLIED);
    /* nobody without a role */
    assert_int_equal(membership_lifecycle_apply(
                         &m, MEMBERSHIP_ACTION_APPROVE, MEMBERSHIP_ROLE_UNSPECIFIED, false, "",
                         "2026-03-01", "2026-03-01T00:00:00Z", err, sizeof err),
                     VB_STATUS_FORBIDDEN);
    assert_int_equal(membership_lifecycle_apply(&m, MEMBERSHIP_ACTION_APPROVE,
                                                MEMBERSHIP_ROLE_SERVICE, false, "", "2026-03-01",
                                                "2026-03-01T00:00:00Z", err, sizeof err),
                     VB_STATUS_OK);
    assert_string_equal(m.started_on, "2026-03-01");
    /* a member may end its own membership, not somebody else's */
    assert_int_equal(membership_lifecycle_apply(&m, MEMBERSHIP_ACTION_TERMINATE,
                                                MEMBERSHIP_ROLE_MEMBER, false, "", "2026-04-01",
                                                "2026-04-01T00:00:00Z", err, sizeof err),
                     VB_STATUS_FORBIDDEN);
    assert_int_equal(membership_lifecycle_apply(
                         &m, MEMBERSHIP_ACTION_TERMINATE, MEMBERSHIP_ROLE_MEMBER, true,
                         "moving away", "2026-04-01", "2026-04-01T00:00:00Z", err, sizeof err),
                     VB_STATUS_OK);
    assert_int_equal(m.status, MEMBERSHIP_STATUS_TERMINATED);
    assert_string_equal(m.ends_on, "2026-04-01");
    assert_string_equal(m.started_on, "2026-03-01");
    /* unknown actions are malformed, not refused by the machine */
    assert_int_equal(membership_lifecycle_apply(&m, (membership_action_t)99, MEMBERSHIP_ROLE_ADMIN,
                                                false, "", "2026-04-01", "2026-04-01T00:00:00Z",
                                                err, sizeof err),
                     VB_STATUS_BAD_REQUEST);
    assert_int_equal(membership_lifecycle_apply(&m, MEMBERSHIP_ACTION_UNSPECIFIED,
                                                MEMBERSHIP_ROLE_ADMIN, false, "", "2026-04-01",
                                                "2026-04-01T00:00:00Z", err, sizeof err),
                     VB_STATUS_BAD_REQUEST);
    /* names round trip */
    membership_status_t parsed;
    assert_int_equal(membership_status_parse("suspended", &parsed), 0);
    assert_int_equal(parsed, MEMBERSHIP_STATUS_SUSPENDED);
    assert_int_equal(membership_status_parse("Suspended", &parsed), -1);
    assert_int_equal(membership_status_parse("unspecified", &parsed), -1);
}

/* ---- validation ---- */

static void
test_validate_email(void **state)
{
    (void)state;
    static const char *const good[] = {
        "a@b.de",
        "s.theune@vediso.de",
        "hartmut.kopf@kopf.consulting",
        "x+tag@sub.example.org",
        "O'Brien@example.com",
    };
    static const char *const bad[] = {
        "",
        "plain",
        "@example.com",
        "a@",
        "a@b",
        "a@b.c",
        "a..b@example.com",
        ".a@example.com",
        "a.@example.com",
        "a@-example.com",
        "a@example-.com",
        "a@exa_mple.com",
        "a b@example.com",
        "a@example.c0m",
        "a@@example.com",
        "a@example..com",
        "a\x01@example.com",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        if (!membership_validate_email(good[i]))
            fail_msg("'%s' should be valid", good[i]);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (membership_validate_email(bad[i]))
            fail_msg("'%s' should be invalid", bad[i]);
    char long_local[80];
    memset(long_local, 'a', 65);
    strcpy(long_local + 65, "@example.com");
    assert_false(membership_validate_email(long_local));
}

static void
test_validate_language_and_vat(void **state)
{
    (void)state;
    assert_true(membership_validate_language("de"));
    assert_true(membership_validate_language("en"));
    assert_true(membership_validate_language("aa"));
    assert_true(membership_validate_language("zu"));
    assert_false(membership_validate_language("DE"));
    assert_false(membership_validate_language("xx"));
    assert_false(membership_validate_language("deu"));
    assert_false(membership_validate_language(""));
    assert_true(membership_validate_vat_id(""));
    assert_true(membership_validate_vat_id("DE123456789"));
    assert_true(membership_validate_vat_id("ATU12345678"));
    assert_false(membership_validate_vat_id("de123456789"));
    assert_false(membership_validate_vat_id("DE 123456789"));
    assert_false(membership_validate_vat_id("123456789"));
    assert_false(membership_validate_vat_id("DE1"));
}

static void
test_validate_person_field_paths(void **state)
{
    (void)state;
    membership_person_t p = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    membership_skill_t s0 = VERBUND__MEMBERSHIP__V1__SKILL__INIT;
    membership_skill_t s1 = VERBUND__MEMBERSHIP__V1__SKILL__INIT;
    membership_skill_t s2 = VERBUND__MEMBERSHIP__V1__SKILL__INIT;
    membership_skill_t *skills[] = {&s0, &s1, &s2};
    char *languages[] = {(char *)"de", (char *)"klingon", (char *)"de"};
    s0.code = (char *)"fs.collaboration";
    s0.level = 5;
    s1.code = (char *)"fs.telepathy";
    s1.level = 6;
    s2.code = (char *)"fs.collaboration";
    s2.level = 0;
    p.name = (char *)"";
    p.email = (char *)"not-an-address";
    p.organization_id = (char *)"not-a-uuid";
    p.skills = skills;
    p.n_skills = 3;
    p.languages = languages;
    p.n_languages = 3;

    membership_errors_t errors = {.count = 0};
    membership_validate_person(&p, s_taxonomy, "person", &errors);
    assert_field_error(&errors, "person.name");
    assert_field_error(&errors, "person.email");
    assert_field_error(&errors, "person.organization_id");
    assert_field_error(&errors, "person.skills[1].code");
    assert_field_error(&errors, "person.skills[1].level");
    assert_field_error(&errors, "person.skills[2].code"); /* duplicate */
    assert_field_error(&errors, "person.languages[1]");
    assert_field_error(&errors, "person.languages[2]"); /* duplicate */
    assert_null(s_find_error(&errors, "person.skills[0].code"));
    assert_null(s_find_error(&errors, "person.languages[0]"));

    /* names: 200 characters (not bytes) pass, 201 fail, blanks fail */
    char name[1024] = "";
    for (int i = 0; i < 200; i++)
        strcat(name, "ü");
    membership_person_t ok = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    ok.name = name;
    ok.email = (char *)"ue@example.org";
    errors.count = 0;
    membership_validate_person(&ok, s_taxonomy, "person", &errors);
    assert_int_equal(errors.count, 0);
    strcat(name, "x");
    membership_validate_person(&ok, s_taxonomy, "person", &errors);
    assert_field_error(&errors, "person.name");
    errors.count = 0;
    ok.name = (char *)"  \t";
    membership_validate_person(&ok, s_taxonomy, "person", &errors);
    assert_field_error(&errors, "person.name");
    /* SQL and control characters are data, not errors */
    errors.count = 0;
    ok.name = (char *)"Robert'); DROP TABLE persons;-- \x01\x1f";
    membership_validate_person(&ok, s_taxonomy, "person", &errors);
    assert_int_equal(errors.count, 0);
    /* invalid UTF-8 is refused with a path */
    ok.name = (char *)"bad \xc3\x28";
    membership_validate_person(&ok, s_taxonomy, "person", &errors);
    assert_field_error(&errors, "person.name");
    errors.count = 0;
    membership_validate_person(NULL, s_taxonomy, "person", &errors);
    assert_field_error(&errors, "person");
}

static void
test_validate_membership_rules(void **state)
{
    (void)state;
    char person[VB_UUID_STRING_SIZE], organization[VB_UUID_STRING_SIZE];
    vb_uuid7(person);
    vb_uuid7(organization);
    membership_money_t fee = VERBUND__COMMON__V1__MONEY__INIT;
    membership_record_t m = VERBUND__MEMBERSHIP__V1__MEMBERSHIP__INIT;
    membership_errors_t errors = {.count = 0};

    /* both holders, no type */
    m.holder_person_id = person;
    m.holder_organization_id = organization;
    membership_validate_membership(&m, 6000, "membership", &errors);
    assert_field_error(&errors, "membership.holder_person_id");
    assert_field_error(&errors, "membership.type");
    /* no holder */
    errors.count = 0;
    m.holder_person_id = (char *)"";
    m.holder_organization_id = (char *)"";
    m.type = MEMBERSHIP_TYPE_COMMUNITY;
    membership_validate_membership(&m, 6000, "membership", &errors);
    assert_field_error(&errors, "membership.holder_person_id");
    /* supporting: contribution required, at least the minimum, in EUR */
    errors.count = 0;
    m.holder_organization_id = organization;
    m.type = MEMBERSHIP_TYPE_SUPPORTING;
    membership_validate_membership(&m, 6000, "membership", &errors);
    assert_field_error(&errors, "membership.yearly_contribution");
    errors.count = 0;
    fee.cents = 5999;
    fee.currency = (char *)"USD";
    m.yearly_contribution = &fee;
    membership_validate_membership(&m, 6000, "membership", &errors);
    assert_field_error(&errors, "membership.yearly_contribution.cents");
    assert_field_error(&errors, "membership.yearly_contribution.currency");
    errors.count = 0;
    fee.cents = 6000;
    fee.currency = (char *)"EUR";
    membership_validate_membership(&m, 6000, "membership", &errors);
    assert_int_equal(errors.count, 0);
    /* the minimum is the node's setting */
    membership_validate_membership(&m, 10000, "membership", &errors);
    assert_field_error(&errors, "membership.yearly_contribution.cents");
}

static void
test_validate_profile_and_organization(void **state)
{
    (void)state;
    membership_expert_profile_t e = VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE__INIT;
    membership_money_t hourly = VERBUND__COMMON__V1__MONEY__INIT;
    membership_skill_t s0 = VERBUND__MEMBERSHIP__V1__SKILL__INIT;
    membership_skill_t *competences[] = {&s0};
    s0.code = (char *)"dc.9.9";
    s0.level = 3;
    hourly.cents = -1;
    hourly.currency = (char *)"EUR";
    e.competences = competences;
    e.n_competences = 1;
    e.hourly_rate = &hourly;
    e.hours_per_month = 745;
    membership_errors_t errors = {.count = 0};
    membership_validate_expert_profile(&e, s_taxonomy, "profile", &errors);
    assert_field_error(&errors, "profile.competences[0].code");
    assert_field_error(&errors, "profile.hourly_rate.cents");
    assert_field_error(&errors, "profile.hours_per_month");
    errors.count = 0;
    s0.code = (char *)"dc.2.4";
    hourly.cents = 9500;
    e.hours_per_month = 744;
    membership_validate_expert_profile(&e, s_taxonomy, "profile", &errors);
    assert_int_equal(errors.count, 0);
    e.hours_per_month = -1;
    membership_validate_expert_profile(&e, s_taxonomy, "profile", &errors);
    assert_field_error(&errors, "profile.hours_per_month");

    membership_organization_t o = VERBUND__MEMBERSHIP__V1__ORGANIZATION__INIT;
    o.name = (char *)"Weiterbildungsverbund Ruhr";
    o.vat_id = (char *)"DE12";
    errors.count = 0;
    membership_validate_organization(&o, "organization", &errors);
    assert_field_error(&errors, "organization.kind");
    assert_null(s_find_error(&errors, "organization.vat_id"));
    o.kind = MEMBERSHIP_KIND_ASSOCIATION;
    o.vat_id = (char *)"XX";
    errors.count = 0;
    membership_validate_organization(&o, "organization", &errors);
    assert_field_error(&errors, "organization.vat_id");
    membership_kind_t kind;
    assert_int_equal(membership_kind_parse("education_provider", &kind), 0);
    assert_string_equal(membership_kind_name(kind), "education_provider");
    assert_int_equal(membership_kind_parse("school", &kind), -1);
    membership_type_t type;
    assert_int_equal(membership_type_parse("supporting", &type), 0);
    assert_int_equal(type, MEMBERSHIP_TYPE_SUPPORTING);
}

static void
test_errors_are_bounded(void **state)
{
    (void)state;
    membership_errors_t errors = {.count = 0};
    for (int i = 0; i < MEMBERSHIP_MAX_FIELD_ERRORS + 10; i++)
        vb_handler_errors_add(&errors, "x", "error %d", i);
    assert_int_equal(errors.count, MEMBERSHIP_MAX_FIELD_ERRORS + 10);
    assert_string_equal(errors.items[MEMBERSHIP_MAX_FIELD_ERRORS - 1].message, "error 31");
}

/* ---- taxonomy ---- */

static void
test_taxonomy_lookup(void **state)
{
    (void)state;
    assert_int_equal(vb_taxonomy_size(s_taxonomy), 3);
    assert_string_equal(vb_taxonomy_at(s_taxonomy, 0)->code, "dc.2.4");
    assert_string_equal(vb_taxonomy_at(s_taxonomy, 1)->code, "fs.agility");
    assert_string_equal(vb_taxonomy_at(s_taxonomy, 2)->code, "fs.collaboration");
    assert_string_equal(vb_taxonomy_at(s_taxonomy, 1)->label_de, "Agilität");
    assert_true(vb_taxonomy_contains(s_taxonomy, "fs.agility"));
    assert_true(vb_taxonomy_contains(s_taxonomy, "dc.2.4"));
    assert_false(vb_taxonomy_contains(s_taxonomy, "fs.agilit"));
    assert_false(vb_taxonomy_contains(s_taxonomy, "fs.agilityx"));
    assert_false(vb_taxonomy_contains(s_taxonomy, ""));
    assert_false(vb_taxonomy_contains(s_taxonomy, NULL));
    assert_int_equal(vb_taxonomy_add(s_taxonomy, "fs.agility", "future_skills", "", ""), -1);
    assert_int_equal(vb_taxonomy_add(s_taxonomy, "", "future_skills", "", ""), -1);
    assert_int_equal(vb_taxonomy_size(s_taxonomy), 3);
}

/* ---- tokens ---- */

static void
test_tokens(void **state)
{
    (void)state;
    char a[MEMBERSHIP_TOKEN_SIZE], b[MEMBERSHIP_TOKEN_SIZE];
    char hash_a[MEMBERSHIP_TOKEN_HASH_SIZE], hash_again[MEMBERSHIP_TOKEN_HASH_SIZE];
    membership_tokens_generate(a);
    membership_tokens_generate(b);
    assert_int_equal(strlen(a), 64);
    assert_int_equal(strspn(a, "0123456789abcdef"), 64);
    assert_string_not_equal(a, b);
    assert_int_equal(membership_tokens_hash(a, hash_a), 0);
    assert_int_equal(membership_tokens_hash(a, hash_again), 0);
    assert_string_equal(hash_a, hash_again);
    assert_string_not_equal(hash_a, a);
    assert_int_equal(membership_tokens_hash("", hash_a), -1);
    char huge[MEMBERSHIP_TOKEN_MAX_LENGTH + 2];
    memset(huge, 'x', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    assert_int_equal(membership_tokens_hash(huge, hash_a), -1);

    membership_caller_t caller = VERBUND__RPC__V1__CALLER__INIT;
    membership_token_row_t row = {.id = "tok-1", .role = "member", .person_id = "p-1"};
    assert_int_equal(membership_tokens_check(&row, &caller), VB_STATUS_OK);
    assert_int_equal(caller.role, MEMBERSHIP_ROLE_MEMBER);
    assert_string_equal(caller.id, "p-1");
    assert_string_equal(caller.person_id, "p-1");
    row.role = "staff";
    row.person_id = "";
    assert_int_equal(membership_tokens_check(&row, &caller), VB_STATUS_OK);
    assert_string_equal(caller.id, "tok-1");
    row.expired = true;
    assert_int_equal(membership_tokens_check(&row, &caller), VB_STATUS_UNAUTHENTICATED);
    row.expired = false;
    row.revoked = true;
    assert_int_equal(membership_tokens_check(&row, &caller), VB_STATUS_UNAUTHENTICATED);
    row.revoked = false;
    row.role = "member"; /* a member token without a person */
    assert_int_equal(membership_tokens_check(&row, &caller), VB_STATUS_UNAUTHENTICATED);
    row.role = "root";
    assert_int_equal(membership_tokens_check(&row, &caller), VB_STATUS_UNAUTHENTICATED);
    membership_role_t role;
    assert_int_equal(membership_role_parse("admin", &role), 0);
    assert_int_equal(role, MEMBERSHIP_ROLE_ADMIN);
    assert_null(membership_role_name(MEMBERSHIP_ROLE_UNSPECIFIED));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage_example),
        cmocka_unit_test(test_lifecycle_walks_every_pair),
        cmocka_unit_test(test_lifecycle_expected_transitions),
        cmocka_unit_test(test_lifecycle_roles_and_dates),
        cmocka_unit_test(test_validate_email),
        cmocka_unit_test(test_validate_language_and_vat),
        cmocka_unit_test(test_validate_person_field_paths),
        cmocka_unit_test(test_validate_membership_rules),
        cmocka_unit_test(test_validate_profile_and_organization),
        cmocka_unit_test(test_errors_are_bounded),
        cmocka_unit_test(test_taxonomy_lookup),
        cmocka_unit_test(test_tokens),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
