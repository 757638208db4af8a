/* test_events_logic.c - the events service's pure modules without servers: seat decisions and
 * waitlist promotion (whole-event and per-occurrence seats), knowledge-café assignment rules and
 * merging, input validation of events, tables, booths and agenda items, RFC 3339 parsing, and
 * calendar tokens and feed items (no online URL unless allowed).
 * Does not: test time zones or iCalendar text (test_events_recurrence.c, test_events_ical.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "vb/taxonomy.h"
#include "events_cafe.h"
#include "events_feed.h"
#include "events_validate.h"
#include "events_waitlist.h"

/* ---- waitlist ---- */

static void
test_waitlist_usage(void **state)
{
    (void)state;
    /* a single event with 2 seats: one taken, nobody waiting -> confirmed */
    events_seats_t seats = {.capacity = 2, .confirmed_whole = 1};
    assert_int_equal(events_waitlist_taken(&seats, ""), 1);
    assert_true(events_waitlist_admit(2, 1, 0));
    assert_false(events_waitlist_admit(2, 2, 0));
    /* a free seat is not taken past somebody waiting for it */
    assert_false(events_waitlist_admit(2, 1, 1));
}

static void
test_waitlist_promotes_in_order_until_full(void **state)
{
    (void)state;
    events_seats_t seats = {.capacity = 3, .confirmed_whole = 1};
    events_waiting_t waiting[] = {{"r1", ""}, {"r2", ""}, {"r3", ""}};
    bool promote[3];
    assert_int_equal(events_waitlist_promote(&seats, waiting, 3, promote), 2);
    assert_true(promote[0]);
    assert_true(promote[1]);
    assert_false(promote[2]);
    assert_int_equal(seats.confirmed_whole, 3);
}

static void
test_waitlist_counts_seats_per_occurrence(void **state)
{
    (void)state;
    events_seat_count_t occurrences[] = {{"o1", 1}, {"o2", 0}};
    events_seats_t seats = {
        .capacity = 2, .confirmed_whole = 1, .occurrences = occurrences, .occurrence_count = 2};
    /* the whole series needs a seat in its fullest occurrence */
    assert_int_equal(events_waitlist_taken(&seats, ""), 2);
    assert_int_equal(events_waitlist_taken(&seats, "o1"), 2);
    assert_int_equal(events_waitlist_taken(&seats, "o2"), 1);
    assert_int_equal(events_waitlist_taken(&seats, "unknown"), 1);
    events_waiting_t waiting[] = {{"a", ""}, {"b", "o1"}, {"c", "o2"}, {"d", "o2"}};
    bool promote[4];
    /* the series waiter and o1 stay waiting (o1 full); o2 has one seat: c, not d */
    assert_int_equal(events_waitlist_promote(&seats, waiting, 4, promote), 1);
    assert_false(promote[0]);
    assert_false(promote[1]);
    assert_true(promote[2]);
    assert_false(promote[3]);
    assert_int_equal(occurrences[1].confirmed, 1);
}

/* ---- knowledge café ---- */

static events_table_t *
s_table(const char *id, int32_t capacity)
{
    static events_table_t tables[8];
    static int next;
    events_table_t *t = &tables[next++ % 8];
    verbund__events__v1__table__init(t);
    t->id = (char *)id;
    t->capacity = capacity;
    return t;
}

static events_assignment_t *
s_seat(int32_t round, const char *table, const char *person)
{
    static events_assignment_t items[32];
    static int next;
    events_assignment_t *a = &items[next++ % 32];
    verbund__events__v1__table_assignment__init(a);
    a->round = round;
    a->table_id = (char *)table;
    a->person_id = (char *)person;
    return a;
}

static bool
s_has(const events_errors_t *errors, const char *field)
{
    for (int i = 0; i < errors->count && i < EVENTS_MAX_FIELD_ERRORS; i++)
        if (strcmp(errors->items[i].field, field) == 0)
            return true;
    return false;
}

static void
test_cafe_rules(void **state)
{
    (void)state;
    events_table_t *tables[] = {s_table("t1", 2), s_table("t2", 1)};
    events_assignment_t *good[] = {s_seat(1, "t1", "p1"), s_seat(1, "t1", "p2"),
                                   s_seat(1, "t2", "p3"), s_seat(2, "t2", "p1")};
    events_errors_t errors = {.count = 0};
    events_cafe_validate(good, 4, tables, 2, 2, NULL, 0, &errors);
    assert_int_equal(errors.count, 0);
    events_assignment_t *bad[] = {s_seat(1, "t2", "p1"), s_seat(1, "t2", "p2"),
                                  s_seat(1, "t1", "p1"), s_seat(3, "t1", "p4"),
                                  s_seat(1, "t9", "p5")};
    events_cafe_validate(bad, 5, tables, 2, 2, NULL, 0, &errors);
    assert_true(s_has(&errors, "assignments[1].table_id"));  /* t2 holds one */
    assert_true(s_has(&errors, "assignments[2].person_id")); /* p1 twice in round 1 */
    assert_true(s_has(&errors, "assignments[3].round"));
    assert_true(s_has(&errors, "assignments[4].table_id"));
    char *registered[] = {(char *)"p1"};
    errors.count = 0;
    events_cafe_validate(good, 2, tables, 2, 2, registered, 1, &errors);
    assert_true(s_has(&errors, "assignments[1].person_id"));
}

static void
test_cafe_merge_replaces_a_persons_seat_in_a_round(void **state)
{
    (void)state;
    events_assignment_t *existing[] = {s_seat(1, "t1", "p1"), s_seat(2, "t1", "p1")};
    events_assignment_t *incoming[] = {s_seat(1, "t2", "p1")};
    events_assignment_t *out[3];
    assert_int_equal(events_cafe_merge(existing, 2, incoming, 1, out), 2);
    assert_int_equal(out[0]->round, 2);
    assert_string_equal(out[1]->table_id, "t2");
}

/* ---- validation ---- */

static vb_taxonomy_t *
s_taxonomy(void)
{
    vb_taxonomy_t *taxonomy = vb_taxonomy_new();
    assert_non_null(taxonomy);
    assert_int_equal(vb_taxonomy_add(taxonomy, "fs.collaboration", "future_skills", "Kollaboration",
                                     "Collaboration"),
                     0);
    return taxonomy;
}

static events_event_t
s_valid_event(void)
{
    static events_venue_t venue = VERBUND__EVENTS__V1__VENUE__INIT;
    static char *topics[] = {(char *)"fs.collaboration"};
    venue.name = (char *)"Future Campus Zollverein";
    events_event_t event = VERBUND__EVENTS__V1__EVENT__INIT;
    event.title = (char *)"Workshopreihe";
    event.kind = VERBUND__EVENTS__V1__EVENT_KIND__EVENT_KIND_WORKSHOP;
    event.organiser_person_id = (char *)"01900000-0000-7000-8000-000000000001";
    event.start_local = (char *)"2030-10-15T17:00:00";
    event.end_local = (char *)"2030-10-15T19:00:00";
    event.time_zone = (char *)"Europe/Berlin";
    event.venue = &venue;
    event.capacity = 25;
    event.topics = topics;
    event.n_topics = 1;
    return event;
}

static void
test_validate_event(void **state)
{
    (void)state;
    vb_taxonomy_t *taxonomy = s_taxonomy();
    events_event_t event = s_valid_event();
    events_errors_t errors = {.count = 0};
    events_validate_event(&event, taxonomy, "event", &errors);
    assert_int_equal(errors.count, 0);
    static char *unknown[] = {(char *)"fs.collaboration", (char *)"fs.collaboration",
                              (char *)"dc.9.9"};
    event.topics = unknown;
    event.n_topics = 3;
    event.capacity = 0;
    event.venue = NULL;
    event.language = (char *)"deu";
    event.rrule = (char *)"FREQ=DAILY\r\nX:1";
    event.registration_opens_at = (char *)"tomorrow";
    event.title = (char *)"\xc3\x28";
    events_validate_event(&event, taxonomy, "event", &errors);
    assert_true(s_has(&errors, "event.topics[1]"));
    assert_true(s_has(&errors, "event.topics[2]"));
    assert_true(s_has(&errors, "event.capacity"));
    assert_true(s_has(&errors, "event.online_url"));
    assert_true(s_has(&errors, "event.language"));
    assert_true(s_has(&errors, "event.rrule"));
    assert_true(s_has(&errors, "event.registration_opens_at"));
    assert_true(s_has(&errors, "event.title"));
    errors.count = 0;
    events_validate_event(NULL, taxonomy, "event", &errors);
    assert_true(s_has(&errors, "event"));
    vb_taxonomy_destroy(&taxonomy);
}

static void
test_validate_parts_and_names(void **state)
{
    (void)state;
    assert_true(events_local_time_valid("2028-02-29T23:59:59"));
    assert_false(events_local_time_valid("2027-02-29T10:00:00"));
    assert_false(events_local_time_valid("2027-01-01 10:00:00"));
    assert_false(events_local_time_valid("2027-01-01T10:00:00Z"));
    assert_true(events_validate_url("https://meet.example.org/a?b=c"));
    assert_false(events_validate_url("https://"));
    assert_false(events_validate_url("ftp://x.example"));
    assert_false(events_validate_url("https://x.example/\"><script>"));
    events_kind_t kind;
    assert_int_equal(events_kind_parse("market_of_possibilities", &kind), 0);
    assert_string_equal(events_kind_name(kind), "market_of_possibilities");
    assert_int_equal(events_kind_parse("party", &kind), -1);
    assert_null(events_kind_name(EVENTS_KIND_UNSPECIFIED));
    events_registration_status_t status;
    assert_int_equal(events_registration_status_parse("waitlisted", &status), 0);
    assert_int_equal(events_registration_status_parse("", &status), -1);
    events_booth_t booth = VERBUND__EVENTS__V1__BOOTH__INIT;
    booth.pitch_start_local = (char *)"2023-08-17T10:00:00";
    events_errors_t errors = {.count = 0};
    events_validate_booth(&booth, "booth", &errors);
    assert_true(s_has(&errors, "booth.project_name"));
    assert_true(s_has(&errors, "booth.pitch_end_local"));
    events_agenda_item_t item = VERBUND__EVENTS__V1__AGENDA_ITEM__INIT;
    char *speakers[] = {(char *)"not-a-uuid"};
    item.speaker_person_ids = speakers;
    item.n_speaker_person_ids = 1;
    errors.count = 0;
    events_validate_agenda_item(&item, "item", &errors);
    assert_true(s_has(&errors, "item.kind"));
    assert_true(s_has(&errors, "item.title"));
    assert_true(s_has(&errors, "item.speaker_person_ids[0]"));
}

static void
test_rfc3339(void **state)
{
    (void)state;
    int64_t seconds = 0;
    assert_int_equal(events_time_parse("2023-08-17T08:00:00Z", &seconds), 0);
    assert_int_equal(seconds, 1692259200);
    assert_int_equal(events_time_parse("2023-08-17T10:00:00.123+02:00", &seconds), 0);
    assert_int_equal(seconds, 1692259200);
    assert_int_equal(events_time_parse("2023-08-17T10:00:00", &seconds), -1);
    assert_int_equal(events_time_parse("2023-08-17T10:00:00+2:00", &seconds), -1);
    assert_int_equal(events_time_parse("2023-08-17T10:00:00Zjunk", &seconds), -1);
    char text[EVENTS_RFC3339_SIZE];
    events_time_format(1692259200, text);
    assert_string_equal(text, "2023-08-17T08:00:00Z");
}

/* ---- calendar feed ---- */

static void
test_feed_tokens_and_items(void **state)
{
    (void)state;
    assert_int_equal(events_feed_init(), 0);
    char token[EVENTS_FEED_TOKEN_SIZE], other[EVENTS_FEED_TOKEN_SIZE];
    events_feed_token_generate(token);
    events_feed_token_generate(other);
    assert_int_equal(strlen(token), 64);
    assert_string_not_equal(token, other);
    char hash[EVENTS_FEED_HASH_SIZE], again[EVENTS_FEED_HASH_SIZE];
    assert_int_equal(events_feed_token_hash(token, hash), 0);
    assert_int_equal(events_feed_token_hash(token, again), 0);
    assert_string_equal(hash, again);
    assert_string_not_equal(hash, token);
    assert_int_equal(events_feed_token_hash("../../etc/passwd", hash), -1);
    assert_int_equal(events_feed_token_hash("", hash), -1);

    events_feed_item_t rows[1] = {{.uid_id = "0190",
                                   .sequence = 3,
                                   .title = "Kick-off",
                                   .description = "",
                                   .venue_name = "Zeche",
                                   .venue_address = "Essen",
                                   .online_url = "https://x.example",
                                   .time_zone = "Europe/Berlin",
                                   .kind = "kickoff",
                                   .start_at = 100,
                                   .end_at = 200,
                                   .updated_at = 50,
                                   .cancelled = true}};
    vb_arena_t *arena = vb_arena_new();
    events_ical_event_t *items = events_feed_items(arena, rows, 1, "koeln", false);
    assert_string_equal(items[0].uid, "0190@koeln");
    assert_null(items[0].url);
    assert_string_equal(items[0].location, "Zeche, Essen");
    assert_true(items[0].cancelled);
    items = events_feed_items(arena, rows, 1, "koeln", true);
    assert_string_equal(items[0].url, "https://x.example");
    vb_arena_destroy(&arena);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_waitlist_usage),
        cmocka_unit_test(test_waitlist_promotes_in_order_until_full),
        cmocka_unit_test(test_waitlist_counts_seats_per_occurrence),
        cmocka_unit_test(test_cafe_rules),
        cmocka_unit_test(test_cafe_merge_replaces_a_persons_seat_in_a_round),
        cmocka_unit_test(test_validate_event),
        cmocka_unit_test(test_validate_parts_and_names),
        cmocka_unit_test(test_rfc3339),
        cmocka_unit_test(test_feed_tokens_and_items),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
