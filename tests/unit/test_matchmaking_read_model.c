/* test_matchmaking_read_model.c - the matchmaking service's pure modules without servers: the
 * read model (puts, versions, erasure, interning, indexes), applying stream events to it, the
 * expert index glue (rebuilt when the model changes) and the validation of needs, k and
 * targets.
 * Does not: test the algorithms (test_match_*.c) or anything over sockets
 * (tests/integration/test_matchmaking_http.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "verbund/matchmaking/v1/matchmaking.pb-c.h"
#include "verbund/membership/v1/membership.pb-c.h"
#include "vb/arena.h"
#include "vb/cloudevent.h"
#include "matchmaking_experts.h"
#include "matchmaking_follow.h"
#include "matchmaking_read_model.h"
#include "matchmaking_validate.h"

#define ALICE "01a20000-0000-7000-8000-0000000000a1"
#define BOB "01a20000-0000-7000-8000-0000000000b2"
#define ACME "01a20000-0000-7000-8000-0000000000c3"

static vb_taxonomy_t *
s_taxonomy(void)
{
    vb_taxonomy_t *taxonomy = vb_taxonomy_new();
    const char *codes[] = {"dc.1.1", "dc.2.4", "fs.collaboration", "fs.facilitation"};
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(vb_taxonomy_add(taxonomy, codes[i], "x", "x", "x"), 0);
    return taxonomy;
}

static int
s_setup(void **state)
{
    vb_taxonomy_t *taxonomy = s_taxonomy();
    *state = matchmaking_read_model_new(taxonomy);
    vb_taxonomy_destroy(&taxonomy);
    return *state ? 0 : -1;
}

static int
s_teardown(void **state)
{
    matchmaking_read_model_t *model = *state;
    matchmaking_read_model_destroy(&model);
    return 0;
}

static void
s_put_person(matchmaking_read_model_t *model, const char *id, const char *name, int64_t version,
             const char *organization, const char *code, int level)
{
    Verbund__Membership__V1__Skill skill = VERBUND__MEMBERSHIP__V1__SKILL__INIT;
    skill.code = (char *)code;
    skill.level = level;
    Verbund__Membership__V1__Skill *skills[] = {&skill};
    char *languages[] = {(char *)"DE", (char *)"en"};
    char *interests[] = {(char *)"KI", (char *)"Klima"};
    Verbund__Membership__V1__Person person = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    person.id = (char *)id;
    person.name = (char *)name;
    person.organization_id = (char *)(organization ? organization : "");
    person.region = (char *)"DE-NW";
    person.sector = (char *)"Bildung";
    person.languages = languages;
    person.n_languages = 2;
    person.interests = interests;
    person.n_interests = 2;
    person.skills = skills;
    person.n_skills = 1;
    person.version = version;
    assert_int_equal(matchmaking_read_model_person_put(model, &person), 0);
}

static void
s_put_profile(matchmaking_read_model_t *model, const char *id, int64_t version, const char *code,
              int level)
{
    Verbund__Membership__V1__Skill skill = VERBUND__MEMBERSHIP__V1__SKILL__INIT;
    skill.code = (char *)code;
    skill.level = level;
    Verbund__Membership__V1__Skill *skills[] = {&skill};
    char *languages[] = {(char *)"de"};
    Verbund__Membership__V1__ExpertProfile profile = VERBUND__MEMBERSHIP__V1__EXPERT_PROFILE__INIT;
    profile.person_id = (char *)id;
    profile.competences = skills;
    profile.n_competences = 1;
    profile.languages = languages;
    profile.n_languages = 1;
    profile.remote = true;
    profile.hours_per_month = 20;
    profile.version = version;
    assert_int_equal(matchmaking_read_model_profile_put(model, &profile), 0);
}

/* Usage: put a person, find it, read its interned attributes and levels. */
static void
test_person_put_and_find(void **state)
{
    matchmaking_read_model_t *model = *state;
    s_put_person(model, ALICE, "Alice", 1, ACME, "dc.2.4", 3);
    uint32_t index = matchmaking_read_model_person_find(model, ALICE);
    assert_int_not_equal(index, MATCHMAKING_NONE);
    const matchmaking_person_t *alice = matchmaking_read_model_person_at(model, index);
    assert_string_equal(alice->name, "Alice");
    assert_true(alice->alive);
    assert_int_equal(alice->levels[matchmaking_read_model_competence_index(model, "dc.2.4")], 3);
    assert_int_equal(alice->levels[matchmaking_read_model_competence_index(model, "dc.1.1")], 0);
    /* languages and regions are lower-cased; sectors and interests kept as given */
    assert_string_equal(matchmaking_read_model_symbol_text(model, alice->languages[0]), "de");
    assert_string_equal(matchmaking_read_model_symbol_text(model, alice->region), "de-nw");
    assert_int_equal(matchmaking_read_model_symbol_find(model, "de-NW", true), alice->region);
    assert_string_equal(matchmaking_read_model_symbol_text(model, alice->interests[0]), "KI");
    assert_int_equal(matchmaking_read_model_symbol_find(model, "never seen", false), 0);
    /* the organisation is known by reference before its own event arrives */
    assert_int_equal(alice->organization, matchmaking_read_model_organization_find(model, ACME));
    assert_int_equal(matchmaking_read_model_person_find(model, BOB), MATCHMAKING_NONE);
    assert_int_equal(matchmaking_read_model_person_find(model, "not-a-uuid"), MATCHMAKING_NONE);
    /* the same interned strings are shared */
    s_put_person(model, BOB, "Bob", 1, ACME, "dc.1.1", 2);
    const matchmaking_person_t *bob =
        matchmaking_read_model_person_at(model, matchmaking_read_model_person_find(model, BOB));
    assert_int_equal(bob->sector, matchmaking_read_model_person_at(model, index)->sector);
    assert_int_equal(matchmaking_read_model_person_count(model), 2);
}

/* Older versions (a replayed event after the load) never overwrite newer data. */
static void
test_versions_and_erasure(void **state)
{
    matchmaking_read_model_t *model = *state;
    s_put_person(model, ALICE, "Alice v2", 2, NULL, "dc.2.4", 4);
    s_put_person(model, ALICE, "Alice v1", 1, NULL, "dc.2.4", 1);
    uint32_t index = matchmaking_read_model_person_find(model, ALICE);
    assert_string_equal(matchmaking_read_model_person_at(model, index)->name, "Alice v2");
    s_put_profile(model, ALICE, 3, "fs.collaboration", 5);
    s_put_profile(model, ALICE, 2, "dc.1.1", 1);
    const matchmaking_person_t *alice = matchmaking_read_model_person_at(model, index);
    const matchmaking_profile_t *profile = matchmaking_read_model_profile_at(model, alice->profile);
    assert_true(profile->alive);
    assert_int_equal(
        profile->levels[matchmaking_read_model_competence_index(model, "fs.collaboration")], 5);
    assert_int_equal(profile->hourly_rate_cents, MATCHMAKING_NO_RATE);
    uint64_t generation = matchmaking_read_model_generation(model);
    /* erasure forgets everything, drops the profile, and late events cannot revive it */
    assert_int_equal(matchmaking_read_model_person_erase(model, ALICE), 0);
    assert_true(matchmaking_read_model_generation(model) != generation);
    alice = matchmaking_read_model_person_at(model, index);
    assert_false(alice->alive);
    assert_string_equal(alice->name, "");
    assert_false(matchmaking_read_model_profile_at(model, alice->profile)->alive);
    s_put_person(model, ALICE, "Alice v9", 9, NULL, "dc.2.4", 4);
    s_put_profile(model, ALICE, 9, "dc.2.4", 4);
    alice = matchmaking_read_model_person_at(model, index);
    assert_false(alice->alive);
    assert_false(matchmaking_read_model_profile_at(model, alice->profile)->alive);
    /* a profile whose person is not known yet still counts */
    s_put_profile(model, BOB, 1, "dc.2.4", 2);
    assert_int_equal(matchmaking_read_model_profile_count(model), 2);
}

static void
s_apply(matchmaking_read_model_t *model, const char *type, const ProtobufCMessage *payload)
{
    vb_arena_t *arena = vb_arena_new();
    size_t size = protobuf_c_message_get_packed_size(payload);
    uint8_t *data = vb_arena_alloc(arena, size ? size : 1);
    protobuf_c_message_pack(payload, data);
    vb_cloudevent_fields_t fields = {
        .id = "01a20000-0000-7000-8000-0000000000ff",
        .source = "//verbund/test/membership",
        .type = type,
        .subject = "x",
        .sequence = 1,
        .dataschema = payload->descriptor->name,
        .data = data,
        .data_length = size,
    };
    vb_cloudevent_t *event = vb_cloudevent_build(arena, &fields);
    assert_int_equal(matchmaking_follow_apply(model, event), 0);
    vb_arena_destroy(&arena);
}

/* Stream events reach the model by their payload type. */
static void
test_follow_apply(void **state)
{
    matchmaking_read_model_t *model = *state;
    Verbund__Membership__V1__Organization organization =
        VERBUND__MEMBERSHIP__V1__ORGANIZATION__INIT;
    organization.id = (char *)ACME;
    organization.name = (char *)"Acme Bildung";
    organization.kind =
        VERBUND__MEMBERSHIP__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_EDUCATION_PROVIDER;
    organization.region = (char *)"DE-NW";
    organization.version = 1;
    Verbund__Membership__V1__OrganizationEvent org_event =
        VERBUND__MEMBERSHIP__V1__ORGANIZATION_EVENT__INIT;
    org_event.organization = &organization;
    s_apply(model, "verbund.membership.organization.created.v1", &org_event.base);
    uint32_t index = matchmaking_read_model_organization_find(model, ACME);
    assert_int_not_equal(index, MATCHMAKING_NONE);
    assert_string_equal(matchmaking_read_model_organization_at(model, index)->name, "Acme Bildung");

    Verbund__Membership__V1__Person person = VERBUND__MEMBERSHIP__V1__PERSON__INIT;
    person.id = (char *)BOB;
    person.name = (char *)"Bob";
    person.version = 1;
    Verbund__Membership__V1__PersonEvent person_event = VERBUND__MEMBERSHIP__V1__PERSON_EVENT__INIT;
    person_event.person = &person;
    s_apply(model, "verbund.membership.person.created.v1", &person_event.base);
    assert_int_not_equal(matchmaking_read_model_person_find(model, BOB), MATCHMAKING_NONE);

    Verbund__Membership__V1__PersonErasedEvent erased =
        VERBUND__MEMBERSHIP__V1__PERSON_ERASED_EVENT__INIT;
    erased.id = (char *)BOB;
    erased.erased_at = (char *)"2027-01-01T00:00:00Z";
    s_apply(model, "verbund.membership.person.erased.v1", &erased.base);
    assert_false(
        matchmaking_read_model_person_at(model, matchmaking_read_model_person_find(model, BOB))
            ->alive);
    /* a payload the model does not keep is ignored */
    Verbund__Matchmaking__V1__NeedEvent other = VERBUND__MATCHMAKING__V1__NEED_EVENT__INIT;
    s_apply(model, "verbund.matchmaking.need.created.v1", &other.base);
}

/* The expert index follows the model: a new profile is found by the next build. */
static void
test_experts_rebuilt_when_stale(void **state)
{
    matchmaking_read_model_t *model = *state;
    matchmaking_experts_t *experts = matchmaking_experts_new();
    match_error_t error;
    const match_expert_index_t *index = matchmaking_experts_index(experts, model, &error);
    assert_non_null(index);
    assert_int_equal(match_expert_index_size(index), 0);
    assert_ptr_equal(matchmaking_experts_index(experts, model, &error), index);
    s_put_person(model, ALICE, "Alice", 1, NULL, "dc.2.4", 1);
    s_put_profile(model, ALICE, 1, "dc.2.4", 4);
    index = matchmaking_experts_index(experts, model, &error);
    assert_int_equal(match_expert_index_size(index), 1);
    match_requirement_t requirement = {
        .competence_id = (uint16_t)matchmaking_read_model_competence_index(model, "dc.2.4"),
        .target_level = 4,
        .weight = 1};
    char *german[] = {(char *)"DE"};
    char *french[] = {(char *)"fr"};
    match_need_t need = {
        .requirements = &requirement,
        .requirement_count = 1,
        .budget_cents = MATCH_NO_LIMIT,
        .language_mask = matchmaking_experts_language_mask(experts, model, german, 1),
        .region_id = MATCH_REGION_ANY,
    };
    match_expert_result_t results[2];
    size_t found = 0;
    assert_int_equal(match_experts_topk(index, &need, 2, results, &found, &error), VB_STATUS_OK);
    assert_int_equal(found, 1);
    assert_string_equal(results[0].expert_id, ALICE);
    assert_int_equal(matchmaking_experts_person(experts, results[0].expert_index),
                     matchmaking_read_model_person_find(model, ALICE));
    /* a language nobody speaks finds nobody */
    need.language_mask = matchmaking_experts_language_mask(experts, model, french, 1);
    assert_int_not_equal(need.language_mask, 0);
    assert_int_equal(match_experts_topk(index, &need, 2, results, &found, &error), VB_STATUS_OK);
    assert_int_equal(found, 0);
    /* erasure removes the expert from the next index */
    assert_int_equal(matchmaking_read_model_person_erase(model, ALICE), 0);
    index = matchmaking_experts_index(experts, model, &error);
    assert_int_equal(match_expert_index_size(index), 0);
    matchmaking_experts_destroy(&experts);
    assert_null(experts);
}

static void
test_validate_k_targets_dates(void **state)
{
    matchmaking_read_model_t *model = *state;
    matchmaking_errors_t errors = {.count = 0};
    assert_int_equal(matchmaking_validate_k(5, &errors), 5);
    assert_int_equal(matchmaking_validate_k(0, &errors), -1);
    assert_int_equal(matchmaking_validate_k(-3, &errors), -1);
    assert_int_equal(matchmaking_validate_k(MATCHMAKING_K_MAX + 1, &errors), -1);
    assert_int_equal(errors.count, 3);
    assert_string_equal(errors.items[0].field, "k");

    matchmaking_target_t targets[MATCHMAKING_TARGETS_MAX];
    errors.count = 0;
    assert_int_equal(
        matchmaking_targets_parse("dc.2.4:4,fs.collaboration:3,dc.2.4:5", model, targets, &errors),
        2);
    assert_int_equal(targets[0].level, 5); /* a code twice keeps the higher level */
    assert_int_equal(targets[1].competence,
                     matchmaking_read_model_competence_index(model, "fs.collaboration"));
    const char *bad[] = {"dc.2.4", "dc.2.4:0",      "dc.2.4:6", "xx:3",
                         ":3",     "dc.2.4:3,,x:1", "dc.2.4:3x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errors.count = 0;
        assert_int_equal(matchmaking_targets_parse(bad[i], model, targets, &errors), -1);
        assert_string_equal(errors.items[0].field, "targets");
    }
    assert_true(matchmaking_validate_date("2028-02-29", false));
    assert_false(matchmaking_validate_date("2027-02-29", false));
    assert_false(matchmaking_validate_date("2027-13-01", false));
    assert_true(matchmaking_validate_date("", true));
    assert_false(matchmaking_validate_date("", false));
    assert_int_equal(matchmaking_months_between("2027-01-01", "2027-03-31"), 3);
    assert_int_equal(matchmaking_months_between("2027-01-15", "2027-02-14"), 1);
    assert_int_equal(matchmaking_months_between("", "2027-02-14"), 1);
    assert_false(matchmaking_validate_text("\xff\xfe", 10));
    assert_false(matchmaking_validate_text("abc", 2));
}

static void
test_validate_need(void **state)
{
    matchmaking_read_model_t *model = *state;
    Verbund__Matchmaking__V1__CompetenceLevel a = VERBUND__MATCHMAKING__V1__COMPETENCE_LEVEL__INIT;
    a.code = (char *)"dc.2.4";
    a.level = 4;
    Verbund__Matchmaking__V1__CompetenceLevel *items[] = {&a, &a};
    Verbund__Matchmaking__V1__Need need = VERBUND__MATCHMAKING__V1__NEED__INIT;
    need.title = (char *)"Projekt";
    need.competences = items;
    need.n_competences = 1;
    matchmaking_errors_t errors = {.count = 0};
    matchmaking_validate_need(&need, model, &errors);
    assert_int_equal(errors.count, 0);
    need.n_competences = 2; /* the same code twice */
    need.hours = -1;
    need.starts_on = (char *)"2027-05-01";
    need.ends_on = (char *)"2027-04-01";
    matchmaking_validate_need(&need, model, &errors);
    assert_int_equal(errors.count, 3);
    assert_string_equal(errors.items[0].field, "need.competences[1]");
    assert_string_equal(errors.items[1].field, "need.hours");
    assert_string_equal(errors.items[2].field, "need.ends_on");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_person_put_and_find, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_versions_and_erasure, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_follow_apply, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_experts_rebuilt_when_stale, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_validate_k_targets_dates, s_setup, s_teardown),
        cmocka_unit_test_setup_teardown(test_validate_need, s_setup, s_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
