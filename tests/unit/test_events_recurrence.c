/* test_events_recurrence.c - the events service's zones and series without servers: zone names,
 * local time <-> UTC on both sides of daylight-saving changes, the gap and repeated-hour rules,
 * RRULE expansion (every second Tuesday, COUNT, UNTIL, the cut at max, a weekly 17:00 series
 * across the end of summer time) and the rules refused.
 * Does not: render iCalendar (test_events_ical.c) or talk to the events service. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "events_recurrence.h"

#define S_BERLIN "Europe/Berlin"
#define S_HOUR 3600

/* The UTC hour of day of a UTC time. */
static int
s_utc_hour(int64_t utc)
{
    return (int)((utc % 86400 + 86400) % 86400 / S_HOUR);
}

static int64_t
s_utc(const char *tzid, const char *local)
{
    int64_t utc = 0;
    assert_int_equal(events_local_to_utc(tzid, local, &utc), 0);
    return utc;
}

/* Usage: a weekly workshop at 17:00 Berlin time that starts two weeks before summer time ends
 * on Sunday 25 October 2026 stays at 17:00 local; in UTC it moves from 15:00 to 16:00. */
static void
test_weekly_series_keeps_17_local_across_end_of_summer_time(void **state)
{
    (void)state;
    events_occurrence_t occurrences[10];
    char error[200];
    int count =
        events_recurrence_expand("FREQ=WEEKLY;BYDAY=TU;COUNT=6", S_BERLIN, "2026-10-13T17:00:00",
                                 2 * S_HOUR, 10, occurrences, error, sizeof error);
    assert_int_equal(count, 6);
    static const char *expected_local[] = {"2026-10-13T17:00:00", "2026-10-20T17:00:00",
                                           "2026-10-27T17:00:00", "2026-11-03T17:00:00",
                                           "2026-11-10T17:00:00", "2026-11-17T17:00:00"};
    static const int expected_utc_hour[] = {15, 15, 16, 16, 16, 16};
    for (int i = 0; i < count; i++) {
        assert_string_equal(occurrences[i].start_local, expected_local[i]);
        assert_int_equal(s_utc_hour(occurrences[i].start_utc), expected_utc_hour[i]);
        assert_int_equal(occurrences[i].end_utc - occurrences[i].start_utc, 2 * S_HOUR);
        assert_int_equal(occurrences[i].start_utc, s_utc(S_BERLIN, expected_local[i]));
    }
    /* one week is 7 days plus the hour given back in between */
    assert_int_equal(occurrences[2].start_utc - occurrences[1].start_utc, 7 * 86400 + S_HOUR);
}

static void
test_timezone_valid(void **state)
{
    (void)state;
    static const char *known[] = {"Europe/Berlin", "America/New_York", "UTC", "Asia/Kolkata",
                                  "America/Argentina/Buenos_Aires"};
    for (size_t i = 0; i < sizeof known / sizeof *known; i++)
        assert_true(events_timezone_valid(known[i]));
    char too_long[EVENTS_TZID_MAX + 10];
    memset(too_long, 'A', sizeof too_long - 1);
    too_long[sizeof too_long - 1] = '\0';
    static const char *unknown[] = {"",
                                    "Mars/Olympus",
                                    "Europe/Berlinx",
                                    "../../etc/passwd",
                                    "/usr/share/zoneinfo/UTC",
                                    "Europe/../UTC",
                                    "Europe/Berlin\n",
                                    "Europe/Berlin; DROP TABLE x",
                                    "+0100",
                                    "localtime",
                                    "posixrules",
                                    "Factory",
                                    "right/Europe/Berlin",
                                    "posix/Europe/Berlin",
                                    "zone.tab",
                                    "leapseconds"};
    for (size_t i = 0; i < sizeof unknown / sizeof *unknown; i++)
        assert_false(events_timezone_valid(unknown[i]));
    assert_false(events_timezone_valid(NULL));
    /* backward-compatible names are IANA names too */
    assert_true(events_timezone_valid("Europe/Kiev"));
    assert_true(events_timezone_valid("GMT"));
    assert_false(events_timezone_valid(too_long));
}

static void
test_local_to_utc_on_both_sides_of_dst(void **state)
{
    (void)state;
    /* 2026-07-01T10:00:00Z and 2026-12-01T11:00:00Z */
    assert_int_equal(s_utc(S_BERLIN, "2026-07-01T12:00:00"), 1782900000);
    assert_int_equal(s_utc(S_BERLIN, "2026-12-01T12:00:00"), 1796122800);
    /* New York: -4 in summer, -5 in winter */
    assert_int_equal(s_utc("America/New_York", "2026-07-01T12:00:00"), 1782921600);
    assert_int_equal(s_utc("America/New_York", "2026-12-01T12:00:00"), 1796144400);
    assert_int_equal(s_utc("UTC", "1970-01-01T00:00:00"), 0);
    /* the ends of the accepted range convert */
    assert_int_equal(s_utc("UTC", "9999-12-31T23:59:59"), 253402300799LL);
    assert_int_equal(s_utc("UTC", "1900-01-01T00:00:00"), -2208988800LL);
    int64_t edge = 0;
    assert_int_equal(events_local_to_utc(S_BERLIN, "9999-12-31T23:59:59", &edge), 0);
    assert_int_equal(events_local_to_utc(S_BERLIN, "1900-01-01T00:00:00", &edge), 0);
    /* the last second before and the first after the spring change */
    assert_int_equal(s_utc(S_BERLIN, "2026-03-29T01:59:59") + 1,
                     s_utc(S_BERLIN, "2026-03-29T03:00:00"));

    char local[EVENTS_LOCAL_TIME_SIZE];
    assert_int_equal(events_utc_to_local(S_BERLIN, 1782900000, local, sizeof local), 0);
    assert_string_equal(local, "2026-07-01T12:00:00");
    assert_int_equal(events_utc_to_local(S_BERLIN, 1796122800, local, sizeof local), 0);
    assert_string_equal(local, "2026-12-01T12:00:00");
    assert_int_equal(events_utc_to_local("America/New_York", 1796144400, local, sizeof local), 0);
    assert_string_equal(local, "2026-12-01T12:00:00");
    /* a round trip every 7 hours through a whole year, both zones */
    for (int64_t utc = 1767225600; utc < 1767225600 + 366 * 86400; utc += 7 * S_HOUR) {
        assert_int_equal(events_utc_to_local(S_BERLIN, utc, local, sizeof local), 0);
        int64_t back = 0;
        assert_int_equal(events_local_to_utc(S_BERLIN, local, &back), 0);
        /* only the repeated hour maps back to its first instance, an hour earlier */
        assert_true(back == utc || back == utc - S_HOUR);
    }
}

/* 02:30 on 29 March 2026 does not exist in Berlin: it is read with the offset before the gap,
 * i.e. shifted forward by the hour to 03:30 CEST. */
static void
test_spring_forward_gap_shifts_forward(void **state)
{
    (void)state;
    int64_t gap = s_utc(S_BERLIN, "2026-03-29T02:30:00");
    assert_int_equal(gap, 1774747800); /* 2026-03-29T01:30:00Z */
    assert_int_equal(gap, s_utc(S_BERLIN, "2026-03-29T03:30:00"));
    char local[EVENTS_LOCAL_TIME_SIZE];
    assert_int_equal(events_utc_to_local(S_BERLIN, gap, local, sizeof local), 0);
    assert_string_equal(local, "2026-03-29T03:30:00");
    /* the same rule in New York (02:30 on 8 March 2026 -> 03:30 EDT = 07:30Z) */
    assert_int_equal(s_utc("America/New_York", "2026-03-08T02:30:00"), 1772955000);
}

/* 02:30 on 25 October 2026 happens twice in Berlin: it means the first (CEST, 00:30Z). */
static void
test_repeated_hour_means_the_first(void **state)
{
    (void)state;
    int64_t repeated = s_utc(S_BERLIN, "2026-10-25T02:30:00");
    assert_int_equal(repeated, 1792888200); /* 2026-10-25T00:30:00Z */
    char local[EVENTS_LOCAL_TIME_SIZE];
    assert_int_equal(events_utc_to_local(S_BERLIN, repeated, local, sizeof local), 0);
    assert_string_equal(local, "2026-10-25T02:30:00");
    assert_int_equal(events_utc_to_local(S_BERLIN, repeated + S_HOUR, local, sizeof local), 0);
    assert_string_equal(local, "2026-10-25T02:30:00"); /* the second one, CET */
}

static void
test_local_to_utc_refuses_malformed_text(void **state)
{
    (void)state;
    static const char *malformed[] = {
        "",                     /* empty */
        "2026-10-13",           /* date only */
        "2026-10-13 17:00:00",  /* space instead of T */
        "2026-10-13T17:00",     /* no seconds */
        "2026-13-01T17:00:00",  /* month 13 */
        "2026-00-01T17:00:00",  /* month 0 */
        "2026-02-30T17:00:00",  /* 30 February */
        "2026-02-29T17:00:00",  /* 2026 is no leap year */
        "2026-04-31T17:00:00",  /* 31 April */
        "2026-10-13T24:00:00",  /* hour 24 */
        "2026-10-13T17:60:00",  /* minute 60 */
        "2026-10-13T17:00:60",  /* leap second */
        "2026-10-13T17:00:00Z", /* trailing junk */
        "2026-10-13T17:00:00+02:00",
        "2026-10-13T17:00:00 ",
        " 2026-10-13T17:00:00",
        "2026-1-13T17:00:00",  /* one-digit month */
        "+026-10-13T17:00:00", /* sign */
        "2026-10-1aT17:00:00", /* letter */
        "1899-12-31T23:59:59", /* before 1900 */
        "2026-10-13t17:00:00", /* lower-case t */
    };
    for (size_t i = 0; i < sizeof malformed / sizeof *malformed; i++) {
        int64_t utc = 42;
        assert_int_equal(events_local_to_utc(S_BERLIN, malformed[i], &utc), -1);
        assert_int_equal(utc, 42); /* untouched */
    }
    int64_t utc = 42;
    assert_int_equal(events_local_to_utc("Mars/Olympus", "2026-10-13T17:00:00", &utc), -1);
    assert_int_equal(events_local_to_utc(NULL, "2026-10-13T17:00:00", &utc), -1);
    assert_int_equal(events_local_to_utc(S_BERLIN, NULL, &utc), -1);
    assert_int_equal(utc, 42);
    /* leap day of a leap year is fine */
    assert_int_equal(events_local_to_utc(S_BERLIN, "2028-02-29T12:00:00", &utc), 0);

    char local[EVENTS_LOCAL_TIME_SIZE];
    assert_int_equal(events_utc_to_local("Mars/Olympus", 0, local, sizeof local), -1);
    assert_int_equal(events_utc_to_local(S_BERLIN, 0, local, EVENTS_LOCAL_TIME_SIZE - 1), -1);
    assert_int_equal(events_utc_to_local(S_BERLIN, INT64_MAX, local, sizeof local), -1);
    assert_int_equal(events_utc_to_local(S_BERLIN, INT64_MIN, local, sizeof local), -1);
}

static void
test_every_second_tuesday(void **state)
{
    (void)state;
    events_occurrence_t occurrences[20];
    char error[200];
    int count = events_recurrence_expand("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;COUNT=10", S_BERLIN,
                                         "2026-09-01T17:00:00", 3 * S_HOUR, 20, occurrences, error,
                                         sizeof error);
    assert_int_equal(count, 10);
    static const char *expected[] = {"2026-09-01", "2026-09-15", "2026-09-29", "2026-10-13",
                                     "2026-10-27", "2026-11-10", "2026-11-24", "2026-12-08",
                                     "2026-12-22", "2027-01-05"};
    for (int i = 0; i < count; i++) {
        assert_memory_equal(occurrences[i].start_local, expected[i], 10);
        assert_string_equal(occurrences[i].start_local + 10, "T17:00:00");
        assert_int_equal(occurrences[i].end_utc, occurrences[i].start_utc + 3 * S_HOUR);
    }
}

static void
test_count_and_until(void **state)
{
    (void)state;
    events_occurrence_t occurrences[20];
    char error[200];
    assert_int_equal(events_recurrence_expand("FREQ=DAILY;COUNT=3", S_BERLIN, "2026-10-13T17:00:00",
                                              0, 20, occurrences, error, sizeof error),
                     3);
    assert_string_equal(occurrences[2].start_local, "2026-10-15T17:00:00");
    assert_int_equal(occurrences[2].end_utc, occurrences[2].start_utc);

    /* UNTIL is inclusive and in UTC: the 27 October occurrence starts at 16:00Z */
    assert_int_equal(events_recurrence_expand("FREQ=WEEKLY;UNTIL=20261027T160000Z", S_BERLIN,
                                              "2026-10-13T17:00:00", S_HOUR, 20, occurrences, error,
                                              sizeof error),
                     3);
    assert_string_equal(occurrences[2].start_local, "2026-10-27T17:00:00");
    assert_int_equal(events_recurrence_expand("FREQ=WEEKLY;UNTIL=20261027T155959Z", S_BERLIN,
                                              "2026-10-13T17:00:00", S_HOUR, 20, occurrences, error,
                                              sizeof error),
                     2);
    /* a DATE means the whole local day */
    assert_int_equal(events_recurrence_expand("FREQ=WEEKLY;UNTIL=20261027", S_BERLIN,
                                              "2026-10-13T17:00:00", S_HOUR, 20, occurrences, error,
                                              sizeof error),
                     3);
    /* lower-case names are RFC 5545 too */
    assert_int_equal(events_recurrence_expand("freq=weekly;count=2", S_BERLIN,
                                              "2026-10-13T17:00:00", S_HOUR, 20, occurrences, error,
                                              sizeof error),
                     2);
    /* the last Friday of each month, monthly */
    assert_int_equal(events_recurrence_expand("FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", S_BERLIN,
                                              "2026-10-30T10:00:00", S_HOUR, 20, occurrences, error,
                                              sizeof error),
                     3);
    assert_string_equal(occurrences[1].start_local, "2026-11-27T10:00:00");
    assert_string_equal(occurrences[2].start_local, "2026-12-25T10:00:00");
}

static void
test_unbounded_rule_is_cut_at_max(void **state)
{
    (void)state;
    events_occurrence_t occurrences[8];
    memset(occurrences, 0x5A, sizeof occurrences);
    char error[200] = "";
    assert_int_equal(events_recurrence_expand("FREQ=WEEKLY", S_BERLIN, "2026-10-13T17:00:00",
                                              S_HOUR, 5, occurrences, error, sizeof error),
                     5);
    assert_string_equal(error, "");
    assert_string_equal(occurrences[4].start_local, "2026-11-10T17:00:00");
    assert_int_equal((unsigned char)occurrences[5].start_local[0], 0x5A); /* not written */
    /* so is a rule whose UNTIL is as late as iCalendar can write */
    assert_int_equal(events_recurrence_expand("FREQ=WEEKLY;UNTIL=99991231T235959Z", S_BERLIN,
                                              "2026-10-13T17:00:00", S_HOUR, 5, occurrences, error,
                                              sizeof error),
                     5);
    /* a COUNT beyond max is cut too */
    assert_int_equal(events_recurrence_expand("FREQ=DAILY;COUNT=1000", S_BERLIN,
                                              "2026-10-13T17:00:00", S_HOUR, 8, occurrences, error,
                                              sizeof error),
                     8);
    /* max 0 only validates */
    assert_int_equal(events_recurrence_expand("FREQ=DAILY", S_BERLIN, "2026-10-13T17:00:00", S_HOUR,
                                              0, NULL, error, sizeof error),
                     0);
    /* an unbounded yearly rule stops at the horizon */
    events_occurrence_t many[300];
    int count = events_recurrence_expand("FREQ=YEARLY", S_BERLIN, "2026-10-13T17:00:00", S_HOUR,
                                         300, many, error, sizeof error);
    assert_int_equal(count, EVENTS_RECURRENCE_HORIZON_YEARS + 1);
}

/* A daily series at 02:30: only the day of the gap is shifted to 03:30. */
static void
test_series_through_the_gap_is_shifted_that_day_only(void **state)
{
    (void)state;
    events_occurrence_t occurrences[4];
    char error[200];
    assert_int_equal(events_recurrence_expand("FREQ=DAILY;COUNT=4", S_BERLIN, "2026-03-27T02:30:00",
                                              S_HOUR, 4, occurrences, error, sizeof error),
                     4);
    assert_string_equal(occurrences[1].start_local, "2026-03-28T02:30:00");
    assert_string_equal(occurrences[2].start_local, "2026-03-29T03:30:00");
    assert_string_equal(occurrences[3].start_local, "2026-03-30T02:30:00");
    assert_int_equal(occurrences[2].start_utc, 1774747800);
}

static void
test_invalid_rules_are_refused(void **state)
{
    (void)state;
    char too_long[EVENTS_RRULE_MAX + 20] = "FREQ=WEEKLY;BYDAY=";
    while (strlen(too_long) + 3 < sizeof too_long - 1)
        strcat(too_long, "TU,");
    strcat(too_long, "TU");
    const char *invalid[] = {
        "garbage",
        "FREQ=SOMETIMES",
        "",
        "FREQ=WEEKLY;BYDAY=XX",
        "FREQ=WEEKLY;BYDAY=TU,,WE",
        "FREQ=WEEKLY;FOO=1",
        "FREQ=WEEKLY;X-FOO=1",
        "RRULE:FREQ=WEEKLY",
        "COUNT=3",                /* no FREQ */
        "FREQ=WEEKLY;FREQ=DAILY", /* repeated */
        "FREQ=WEEKLY;COUNT=3;COUNT=4",
        "FREQ=WEEKLY;", /* empty part */
        "FREQ=WEEKLY;;COUNT=2",
        " FREQ=WEEKLY",
        "FREQ=WEEKLY;COUNT=0", /* libical would read "no count" */
        "FREQ=WEEKLY;COUNT=-1",
        "FREQ=WEEKLY;COUNT=x",
        "FREQ=WEEKLY;COUNT=",
        "FREQ=WEEKLY;INTERVAL=0",
        "FREQ=WEEKLY;INTERVAL=-2",
        "FREQ=WEEKLY;COUNT=3;UNTIL=20261231T000000Z", /* both */
        "FREQ=WEEKLY;UNTIL=20261231T000000",          /* floating UNTIL */
        "FREQ=WEEKLY;UNTIL=tomorrow",
        "FREQ=HOURLY",
        "FREQ=MINUTELY",
        "FREQ=SECONDLY",
        "FREQ=DAILY;BYHOUR=10,14",
        "FREQ=DAILY;BYMINUTE=30",
        "FREQ=DAILY;BYMONTH=13",
        "FREQ=MONTHLY;BYMONTHDAY=32",
        "FREQ=MONTHLY;BYMONTHDAY=0",
        "FREQ=MONTHLY;BYWEEKNO=3", /* BYWEEKNO only with YEARLY */
        "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0",
        "FREQ=YEARLY;RSCALE=GREGORIAN",
        "FREQ=WEEKLY;BYDAY=MO",               /* the start (a Tuesday) is no occurrence */
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30", /* never */
        "FREQ=WEEKLY;UNTIL=20261001T000000Z", /* ends before it starts */
        "FREQ=WEEKLY;UNTIL=20261013T145959Z", /* a second before the first (15:00Z) */
        "FREQ=WEEKLY;UNTIL=18000101T000000Z", /* before 1900 */
        "FREQ=WEEKLY\r\nBEGIN:VEVENT",
        too_long,
    };
    for (size_t i = 0; i < sizeof invalid / sizeof *invalid; i++) {
        events_occurrence_t occurrences[4];
        memset(occurrences, 0x5A, sizeof occurrences);
        char error[200] = "";
        int count = events_recurrence_expand(invalid[i], S_BERLIN, "2026-10-13T17:00:00", S_HOUR, 4,
                                             occurrences, error, sizeof error);
        if (count != -1)
            fail_msg("rule %zu \"%s\" was accepted (%d occurrences)", i, invalid[i], count);
        if (error[0] == '\0')
            fail_msg("rule \"%s\" was refused without a message", invalid[i]);
        assert_int_equal((unsigned char)occurrences[0].start_local[0], 0x5A);
    }
    char error[200] = "";
    assert_int_equal(events_recurrence_expand(NULL, S_BERLIN, "2026-10-13T17:00:00", S_HOUR, 4,
                                              NULL, error, sizeof error),
                     -1);
    assert_non_null(strstr(error, "empty"));
    /* the message names what is wrong */
    assert_int_equal(events_recurrence_expand("FREQ=WEEKLY;BYDAY=MO", S_BERLIN,
                                              "2026-10-13T17:00:00", S_HOUR, 4, NULL, error,
                                              sizeof error),
                     -1);
    assert_non_null(strstr(error, "2026-10-19T17:00:00"));
    assert_int_equal(events_recurrence_expand("FREQ=WEEKLY;FOO=1", S_BERLIN, "2026-10-13T17:00:00",
                                              S_HOUR, 4, NULL, error, sizeof error),
                     -1);
    assert_non_null(strstr(error, "FOO"));
}

static void
test_expand_refuses_bad_arguments(void **state)
{
    (void)state;
    events_occurrence_t occurrences[4];
    char error[200];
    assert_int_equal(events_recurrence_expand("FREQ=WEEKLY", "Mars/Olympus", "2026-10-13T17:00:00",
                                              S_HOUR, 4, occurrences, error, sizeof error),
                     -1);
    assert_non_null(strstr(error, "time zone"));
    assert_int_equal(events_recurrence_expand("FREQ=WEEKLY", S_BERLIN, "2026-02-30T17:00:00",
                                              S_HOUR, 4, occurrences, error, sizeof error),
                     -1);
    assert_int_equal(events_recurrence_expand("FREQ=WEEKLY", S_BERLIN, "2026-10-13T17:00:00", -1, 4,
                                              occurrences, error, sizeof error),
                     -1);
    assert_int_equal(events_recurrence_expand("FREQ=WEEKLY", S_BERLIN, "2026-10-13T17:00:00",
                                              400LL * 86400, 4, occurrences, error, sizeof error),
                     -1);
    assert_int_equal(events_recurrence_expand("FREQ=YEARLY", S_BERLIN, "9990-01-01T10:00:00",
                                              S_HOUR, 4, occurrences, error, sizeof error),
                     -1);
    /* a tiny error buffer is still terminated */
    char tiny[8];
    assert_int_equal(events_recurrence_expand("garbage", S_BERLIN, "2026-10-13T17:00:00", S_HOUR, 4,
                                              occurrences, tiny, sizeof tiny),
                     -1);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weekly_series_keeps_17_local_across_end_of_summer_time),
        cmocka_unit_test(test_timezone_valid),
        cmocka_unit_test(test_local_to_utc_on_both_sides_of_dst),
        cmocka_unit_test(test_spring_forward_gap_shifts_forward),
        cmocka_unit_test(test_repeated_hour_means_the_first),
        cmocka_unit_test(test_local_to_utc_refuses_malformed_text),
        cmocka_unit_test(test_every_second_tuesday),
        cmocka_unit_test(test_count_and_until),
        cmocka_unit_test(test_unbounded_rule_is_cut_at_max),
        cmocka_unit_test(test_series_through_the_gap_is_shifted_that_day_only),
        cmocka_unit_test(test_invalid_rules_are_refused),
        cmocka_unit_test(test_expand_refuses_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
