/* test_communities_logic.c - the communities service's pure logic without servers: the whole
 * community lifecycle table (every allowed and every refused (status, action) pair, who may,
 * the required decline reason), the join rule (open, approval, capacity, inactive
 * communities), input validation with field paths and enum names.
 * Does not: touch PostgreSQL or ZeroMQ (tests/integration/test_communities_*.c do). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "vb/ids.h"
#include "vb/taxonomy.h"
#include "communities_lifecycle.h"
#include "communities_validate.h"

static vb_taxonomy_t *s_taxonomy;

static int
s_setup(void **state)
{
    (void)state;
    s_taxonomy = vb_taxonomy_new();
    assert_non_null(s_taxonomy);
    assert_int_equal(vb_taxonomy_add(s_taxonomy, "fs.peer_learning", "future_skills",
                                     "Peer-Learning", "Peer learning"),
                     0);
    assert_int_equal(
        vb_taxonomy_add(s_taxonomy, "dc.2.4", "digcomp", "Zusammenarbeiten", "Collaborating"), 0);
    return 0;
}

static int
s_teardown(void **state)
{
    (void)state;
    vb_taxonomy_destroy(&s_taxonomy);
    return 0;
}

static const vb_handler_field_error_t *
s_find_error(const communities_errors_t *errors, const char *field)
{
    for (int i = 0; i < errors->count && i < COMMUNITIES_MAX_FIELD_ERRORS; i++)
        if (strcmp(errors->items[i].field, field) == 0)
            return &errors->items[i];
    return NULL;
}

#define assert_field_error(errors, field)                                                          \
    do {                                                                                           \
        if (!s_find_error((errors), (field)))                                                      \
            fail_msg("expected a field error for %s (have %d)", (field), (errors)->count);         \
    } while (0)

/* Usage: a proposal starts as proposed; staff approve it, and it is active. */
static void
test_lifecycle_usage(void **state)
{
    (void)state;
    communities_community_t c = VERBUND__COMMUNITIES__V1__COMMUNITY__INIT;
    communities_lifecycle_start(&c, "2026-01-01T00:00:00Z");
    assert_int_equal(c.status, COMMUNITIES_STATUS_PROPOSED);
    const communities_transition_t *row = NULL;
    bool reason_missing = true;
    char err[128];
    assert_int_equal(communities_lifecycle_apply(&c, COMMUNITIES_ACTION_APPROVE,
                                                 COMMUNITIES_WHO_STAFF, "", "2026-01-02T00:00:00Z",
                                                 &row, &reason_missing, err, sizeof err),
                     VB_STATUS_OK);
    assert_int_equal(c.status, COMMUNITIES_STATUS_ACTIVE);
    assert_false(reason_missing);
    assert_non_null(row);
    assert_string_equal(row->event, "verbund.communities.community.approved.v1");
    assert_string_equal(c.status_changed_at, "2026-01-02T00:00:00Z");
}

/* Every (status, action) pair: in the table it succeeds for its "who" and is refused with
 * FORBIDDEN for everybody else; outside the table it is UNPROCESSABLE for everybody. */
static void
test_lifecycle_walks_the_whole_table(void **state)
{
    (void)state;
    static const communities_status_t statuses[] = {
        COMMUNITIES_STATUS_PROPOSED, COMMUNITIES_STATUS_ACTIVE, COMMUNITIES_STATUS_DECLINED,
        COMMUNITIES_STATUS_ARCHIVED};
    static const communities_action_t actions[] = {
        COMMUNITIES_ACTION_APPROVE, COMMUNITIES_ACTION_DECLINE, COMMUNITIES_ACTION_ARCHIVE};
    static const unsigned whos[] = {0u, COMMUNITIES_WHO_STAFF, COMMUNITIES_WHO_HOST,
                                    COMMUNITIES_WHO_PROPOSER,
                                    COMMUNITIES_WHO_STAFF | COMMUNITIES_WHO_HOST};
    size_t table_size = 0;
    const communities_transition_t *table = communities_lifecycle_table(&table_size);
    assert_int_equal(table_size, 3);
    size_t allowed_pairs = 0;
    for (size_t s = 0; s < VB_ARRAY_SIZE(statuses); s++) {
        for (size_t a = 0; a < VB_ARRAY_SIZE(actions); a++) {
            const communities_transition_t *row =
                communities_lifecycle_find(statuses[s], actions[a]);
            if (row)
                allowed_pairs++;
            for (size_t w = 0; w < VB_ARRAY_SIZE(whos); w++) {
                communities_community_t c = VERBUND__COMMUNITIES__V1__COMMUNITY__INIT;
                c.status = statuses[s];
                c.status_reason = (char *)"before";
                const communities_transition_t *applied = NULL;
                bool missing = false;
                char err[128];
                vb_status_t got =
                    communities_lifecycle_apply(&c, actions[a], whos[w], "a good reason", "now",
                                                &applied, &missing, err, sizeof err);
                if (!row) {
                    assert_int_equal(got, VB_STATUS_UNPROCESSABLE);
                    assert_int_equal(c.status, statuses[s]);
                    assert_true(err[0] != '\0');
                } else if ((row->who & whos[w]) == 0) {
                    assert_int_equal(got, VB_STATUS_FORBIDDEN);
                    assert_int_equal(c.status, statuses[s]);
                    assert_string_equal(c.status_reason, "before");
                } else {
                    assert_int_equal(got, VB_STATUS_OK);
                    assert_int_equal(c.status, row->to);
                    assert_ptr_equal(applied, row);
                    assert_string_equal(c.status_reason, "a good reason");
                }
            }
        }
    }
    assert_int_equal(allowed_pairs, table_size);
    /* every row names an event of the community entity and a reason text */
    for (size_t i = 0; i < table_size; i++) {
        assert_non_null(strstr(table[i].event, "verbund.communities.community."));
        assert_non_null(table[i].why);
    }
    /* the proposer alone decides nothing: only staff approve */
    assert_int_equal(
        communities_lifecycle_find(COMMUNITIES_STATUS_PROPOSED, COMMUNITIES_ACTION_APPROVE)->who,
        COMMUNITIES_WHO_STAFF);
}

static void
test_decline_needs_a_reason(void **state)
{
    (void)state;
    const char *empty_reasons[] = {NULL, "", " \t\n"};
    for (size_t i = 0; i < 3; i++) {
        communities_community_t c = VERBUND__COMMUNITIES__V1__COMMUNITY__INIT;
        c.status = COMMUNITIES_STATUS_PROPOSED;
        const communities_transition_t *row = NULL;
        bool missing = false;
        char err[128];
        assert_int_equal(communities_lifecycle_apply(&c, COMMUNITIES_ACTION_DECLINE,
                                                     COMMUNITIES_WHO_STAFF, empty_reasons[i], "now",
                                                     &row, &missing, err, sizeof err),
                         VB_STATUS_UNPROCESSABLE);
        assert_true(missing);
        assert_null(row);
        assert_int_equal(c.status, COMMUNITIES_STATUS_PROPOSED);
    }
    /* an unknown action is a bad request, not a refused transition */
    communities_community_t c = VERBUND__COMMUNITIES__V1__COMMUNITY__INIT;
    c.status = COMMUNITIES_STATUS_PROPOSED;
    const communities_transition_t *row = NULL;
    bool missing = false;
    char err[128];
    assert_int_equal(communities_lifecycle_apply(&c, (communities_action_t)42,
                                                 COMMUNITIES_WHO_STAFF, "x", "now", &row, &missing,
                                                 err, sizeof err),
                     VB_STATUS_BAD_REQUEST);
    assert_int_equal(communities_lifecycle_apply(&c, COMMUNITIES_ACTION_UNSPECIFIED,
                                                 COMMUNITIES_WHO_STAFF, "x", "now", &row, &missing,
                                                 err, sizeof err),
                     VB_STATUS_BAD_REQUEST);
}

/* The join rule as a table: input -> expected outcome. */
static void
test_join_rule_table(void **state)
{
    (void)state;
    static const struct {
        communities_join_input_t input;
        vb_status_t status;
        communities_member_status_t member_status;
        const char *why;
    } cases[] = {
        {{COMMUNITIES_STATUS_ACTIVE, COMMUNITIES_JOIN_OPEN, 0, 500, false},
         VB_STATUS_OK,
         COMMUNITIES_MEMBER_ACTIVE,
         "open and unlimited"},
        {{COMMUNITIES_STATUS_ACTIVE, COMMUNITIES_JOIN_OPEN, 3, 2, false},
         VB_STATUS_OK,
         COMMUNITIES_MEMBER_ACTIVE,
         "the last seat"},
        {{COMMUNITIES_STATUS_ACTIVE, COMMUNITIES_JOIN_OPEN, 3, 3, false},
         VB_STATUS_UNPROCESSABLE,
         0,
         "full"},
        {{COMMUNITIES_STATUS_ACTIVE, COMMUNITIES_JOIN_OPEN, 3, 3, true},
         VB_STATUS_UNPROCESSABLE,
         0,
         "full also for hosts and staff"},
        {{COMMUNITIES_STATUS_ACTIVE, COMMUNITIES_JOIN_APPROVAL, 0, 0, false},
         VB_STATUS_OK,
         COMMUNITIES_MEMBER_PENDING,
         "approval: a request"},
        {{COMMUNITIES_STATUS_ACTIVE, COMMUNITIES_JOIN_APPROVAL, 1, 1, false},
         VB_STATUS_OK,
         COMMUNITIES_MEMBER_PENDING,
         "a request takes no seat"},
        {{COMMUNITIES_STATUS_ACTIVE, COMMUNITIES_JOIN_APPROVAL, 0, 0, true},
         VB_STATUS_OK,
         COMMUNITIES_MEMBER_ACTIVE,
         "a host adding someone needs no approval"},
        {{COMMUNITIES_STATUS_PROPOSED, COMMUNITIES_JOIN_OPEN, 0, 0, true},
         VB_STATUS_UNPROCESSABLE,
         0,
         "not yet approved"},
        {{COMMUNITIES_STATUS_ARCHIVED, COMMUNITIES_JOIN_OPEN, 0, 0, false},
         VB_STATUS_UNPROCESSABLE,
         0,
         "archived"},
        {{COMMUNITIES_STATUS_DECLINED, COMMUNITIES_JOIN_APPROVAL, 0, 0, false},
         VB_STATUS_UNPROCESSABLE,
         0,
         "declined"},
    };
    for (size_t i = 0; i < VB_ARRAY_SIZE(cases); i++) {
        communities_member_status_t status = COMMUNITIES_MEMBER_UNSPECIFIED;
        char err[160];
        vb_status_t got = communities_join_decide(&cases[i].input, &status, err, sizeof err);
        if (got != cases[i].status)
            fail_msg("case %zu (%s): expected %s, got %s", i, cases[i].why,
                     vb_status_name(cases[i].status), vb_status_name(got));
        if (got == VB_STATUS_OK)
            assert_int_equal(status, cases[i].member_status);
        else
            assert_true(err[0] != '\0');
    }
    assert_true(communities_capacity_allows(0, 1000000));
    assert_true(communities_capacity_allows(2, 1));
    assert_false(communities_capacity_allows(2, 2));
}

static communities_community_t
s_valid_community(void)
{
    static char *topics[] = {(char *)"fs.peer_learning", (char *)"dc.2.4"};
    static char *tags[] = {(char *)"Peer-Calls", (char *)"Ruhr"};
    communities_community_t c = VERBUND__COMMUNITIES__V1__COMMUNITY__INIT;
    c.name = (char *)"Peer-Circle Zollverein";
    c.purpose = (char *)"Wöchentliche Peer-Calls";
    c.kind = COMMUNITIES_KIND_PEER_CIRCLE;
    c.topics = topics;
    c.n_topics = 2;
    c.tags = tags;
    c.n_tags = 2;
    c.region = (char *)"DE-NW";
    return c;
}

static void
test_validate_community(void **state)
{
    (void)state;
    communities_community_t c = s_valid_community();
    communities_errors_t errors = {.count = 0};
    communities_validate_community(&c, s_taxonomy, "community", &errors);
    assert_int_equal(errors.count, 0);

    /* every rule at once: each adds its own field error */
    char long_name[COMMUNITIES_NAME_MAX + 2];
    memset(long_name, 'x', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = '\0';
    char *bad_topics[] = {(char *)"fs.unknown", (char *)"dc.2.4", (char *)"dc.2.4"};
    char *bad_tags[] = {(char *)"", (char *)"ok"};
    c.name = long_name;
    c.kind = COMMUNITIES_KIND_UNSPECIFIED;
    c.topics = bad_topics;
    c.n_topics = 3;
    c.tags = bad_tags;
    c.capacity = -1;
    c.visibility = (communities_visibility_t)9;
    c.join_policy = (communities_join_policy_t)7;
    c.region = (char *)"bad\x01region";
    c.proposed_by = (char *)"not-a-uuid";
    communities_validate_community(&c, s_taxonomy, "community", &errors);
    assert_field_error(&errors, "community.name");
    assert_field_error(&errors, "community.kind");
    assert_field_error(&errors, "community.topics[0]");
    assert_field_error(&errors, "community.topics[2]");
    assert_null(s_find_error(&errors, "community.topics[1]"));
    assert_field_error(&errors, "community.tags[0]");
    assert_field_error(&errors, "community.capacity");
    assert_field_error(&errors, "community.visibility");
    assert_field_error(&errors, "community.join_policy");
    assert_field_error(&errors, "community.region");
    assert_field_error(&errors, "community.proposed_by");

    /* empty and blank names, invalid UTF-8 */
    const char *names[] = {"", "   ", "\xff\xfe"};
    for (size_t i = 0; i < 3; i++) {
        communities_community_t n = s_valid_community();
        n.name = (char *)names[i];
        communities_errors_t e = {.count = 0};
        communities_validate_community(&n, s_taxonomy, "community", &e);
        assert_int_equal(e.count, 1);
        assert_field_error(&e, "community.name");
    }
    /* exactly the maximum is fine (in characters, not bytes: "ä" is two bytes) */
    char max_name[COMMUNITIES_NAME_MAX * 2 + 1] = "";
    for (int i = 0; i < COMMUNITIES_NAME_MAX; i++)
        strcat(max_name, "ä");
    communities_community_t m = s_valid_community();
    m.name = max_name;
    communities_errors_t e = {.count = 0};
    communities_validate_community(&m, s_taxonomy, "community", &e);
    assert_int_equal(e.count, 0);
    /* SQL-looking text is just text */
    m.name = (char *)"'; DROP TABLE communities; --";
    communities_validate_community(&m, s_taxonomy, "community", &e);
    assert_int_equal(e.count, 0);
    communities_errors_t none = {.count = 0};
    communities_validate_community(NULL, s_taxonomy, "community", &none);
    assert_field_error(&none, "community");
}

static void
test_validate_result(void **state)
{
    (void)state;
    communities_link_t recording = VERBUND__COMMUNITIES__V1__LINK__INIT;
    recording.url = (char *)"https://media.example/peer-call-12";
    recording.label = (char *)"Aufzeichnung";
    recording.kind = COMMUNITIES_LINK_RECORDING;
    communities_link_t *links[] = {&recording};
    char author[VB_UUID_STRING_SIZE];
    vb_uuid7(author);
    char *authors[] = {author};
    communities_result_t r = VERBUND__COMMUNITIES__V1__RESULT__INIT;
    r.title = (char *)"Peer-Call 12: KI im Weiterbildungsalltag";
    r.summary = (char *)"Ergebnisse\nund offene Fragen";
    r.links = links;
    r.n_links = 1;
    r.author_ids = authors;
    r.n_author_ids = 1;
    communities_errors_t errors = {.count = 0};
    communities_validate_result(&r, "result", &errors);
    assert_int_equal(errors.count, 0);

    communities_link_t bad = VERBUND__COMMUNITIES__V1__LINK__INIT;
    bad.url = (char *)"javascript:alert(1)";
    bad.label = (char *)"";
    bad.kind = (communities_link_kind_t)12;
    communities_link_t *bad_links[] = {&recording, &bad};
    char *bad_authors[] = {(char *)"nobody"};
    r.title = (char *)"";
    r.links = bad_links;
    r.n_links = 2;
    r.author_ids = bad_authors;
    r.event_id = (char *)"event-1";
    r.visibility = (communities_visibility_t)5;
    communities_validate_result(&r, "result", &errors);
    assert_field_error(&errors, "result.title");
    assert_field_error(&errors, "result.links[1].url");
    assert_field_error(&errors, "result.links[1].kind");
    assert_null(s_find_error(&errors, "result.links[0].url"));
    assert_field_error(&errors, "result.author_ids[0]");
    assert_field_error(&errors, "result.event_id");
    assert_field_error(&errors, "result.visibility");

    assert_true(communities_validate_url("http://a.example/x?y=1"));
    assert_false(communities_validate_url("https://"));
    assert_false(communities_validate_url("https:///path"));
    assert_false(communities_validate_url("ftp://a.example"));
    assert_false(communities_validate_url("https://a.example/with space"));
}

static void
test_enum_names_round_trip(void **state)
{
    (void)state;
    static const char *const kinds[] = {"community", "think_do_team", "peer_circle",
                                        "training_network", "consortium"};
    for (size_t i = 0; i < VB_ARRAY_SIZE(kinds); i++) {
        communities_kind_t kind;
        assert_int_equal(communities_kind_parse(kinds[i], &kind), 0);
        assert_string_equal(communities_kind_name(kind), kinds[i]);
    }
    communities_kind_t kind;
    assert_int_equal(communities_kind_parse("choir", &kind), -1);
    assert_int_equal(communities_kind_parse("", &kind), -1);
    assert_int_equal(communities_kind_parse(NULL, &kind), -1);
    assert_null(communities_kind_name(COMMUNITIES_KIND_UNSPECIFIED));
    assert_null(communities_kind_name((communities_kind_t)99));
    communities_member_role_t role;
    assert_int_equal(communities_member_role_parse("advisor", &role), 0);
    assert_int_equal(role, COMMUNITIES_ROLE_ADVISOR);
    communities_visibility_t visibility;
    assert_int_equal(communities_visibility_parse("federated", &visibility), 0);
    assert_int_equal(visibility, COMMUNITIES_VISIBILITY_FEDERATED);
    assert_string_equal(communities_status_name(COMMUNITIES_STATUS_ARCHIVED), "archived");
    assert_string_equal(communities_action_name(COMMUNITIES_ACTION_DECLINE), "decline");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifecycle_usage),
        cmocka_unit_test(test_lifecycle_walks_the_whole_table),
        cmocka_unit_test(test_decline_needs_a_reason),
        cmocka_unit_test(test_join_rule_table),
        cmocka_unit_test(test_validate_community),
        cmocka_unit_test(test_validate_result),
        cmocka_unit_test(test_enum_names_round_trip),
    };
    return cmocka_run_group_tests(tests, s_setup, s_teardown);
}
