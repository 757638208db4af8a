/* test_log.c - unit tests of vb/log.h: captures stderr through a pipe and parses every line
 * with jansson (fields, escaping, levels, timestamps, whole lines under threads).
 * Does not: test behaviour when stderr is closed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "vb/clock.h"
#include "vb/log.h"

/* stderr redirected into a pipe; a thread drains it so writers never block. */
typedef struct {
    int saved_stderr; /* the real stderr, restored by s_capture_end */
    int read_fd;      /* pipe end the drain thread reads */
    pthread_t drain;  /* reads until EOF into text */
    char *text;       /* everything written while captured, NUL-terminated */
    size_t length;    /* bytes in text */
} capture_t;

static void *
s_drain(void *arg)
{
    capture_t *capture = arg;
    size_t capacity = 4096;
    capture->text = malloc(capacity);
    for (;;) {
        if (capture->length + 4096 + 1 > capacity) {
            capacity *= 2;
            capture->text = realloc(capture->text, capacity);
        }
        ssize_t n = read(capture->read_fd, capture->text + capture->length, 4096);
        if (n <= 0)
            break;
        capture->length += (size_t) n;
    }
    capture->text[capture->length] = '\0';
    return NULL;
}

static void
s_capture_begin(capture_t *capture)
{
    memset(capture, 0, sizeof(*capture));
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stderr);
    capture->saved_stderr = dup(STDERR_FILENO);
    assert_true(capture->saved_stderr >= 0);
    assert_true(dup2(fds[1], STDERR_FILENO) >= 0);
    close(fds[1]);
    capture->read_fd = fds[0];
    assert_int_equal(pthread_create(&capture->drain, NULL, s_drain, capture), 0);
}

/* Restores stderr and returns what was written (owned by capture; free with s_capture_free). */
static const char *
s_capture_end(capture_t *capture)
{
    fflush(stderr);
    dup2(capture->saved_stderr, STDERR_FILENO); /* closes the last write end: drain sees EOF */
    close(capture->saved_stderr);
    pthread_join(capture->drain, NULL);
    close(capture->read_fd);
    return capture->text;
}

static void
s_capture_free(capture_t *capture)
{
    free(capture->text);
    capture->text = NULL;
}

/* Parses text that must be exactly one JSON line; the caller decrefs. */
static json_t *
s_parse_one_line(const char *text)
{
    size_t length = strlen(text);
    assert_true(length > 0);
    assert_int_equal(text[length - 1], '\n');
    assert_ptr_equal(strchr(text, '\n'), text + length - 1); /* one line only */
    json_error_t error;
    json_t *line = json_loads(text, 0, &error);
    if (!line)
        fail_msg("not JSON (%s): %s", error.text, text);
    assert_true(json_is_object(line));
    return line;
}

static const char *
s_string(json_t *object, const char *key)
{
    json_t *value = json_object_get(object, key);
    if (!json_is_string(value))
        fail_msg("\"%s\" is not a string member", key);
    return json_string_value(value);
}

/* Usage: name the service once, then log one event per line with optional context and fields. */
static void
test_log_usage_example(void **state)
{
    (void) state;
    vb_log_set_service("membership");
    vb_log_set_level(VB_LOG_INFO);

    capture_t capture;
    s_capture_begin(&capture);
    vb_log_context_t context = {.request_id = "req-1", .trace_id = "trace-9"};
    vb_log_field_t fields[] = {
        {.key = "method", .string_value = "membership.PersonGet"},
        {.key = "duration_us", .int_value = 1234, .is_int = 1},
    };
    vb_log_fields(VB_LOG_INFO, &context, fields, 2, "handled %s", "request");
    const char *text = s_capture_end(&capture);

    json_t *line = s_parse_one_line(text);
    assert_string_equal(s_string(line, "level"), "info");
    assert_string_equal(s_string(line, "service"), "membership");
    assert_string_equal(s_string(line, "msg"), "handled request");
    assert_string_equal(s_string(line, "request_id"), "req-1");
    assert_string_equal(s_string(line, "trace_id"), "trace-9");
    assert_string_equal(s_string(line, "method"), "membership.PersonGet");
    assert_int_equal(json_integer_value(json_object_get(line, "duration_us")), 1234);
    json_decref(line);
    s_capture_free(&capture);
}

static void
test_log_escaping(void **state)
{
    (void) state;
    vb_log_set_level(VB_LOG_DEBUG);
    static const struct {
        const char *raw;      /* what the caller logs */
        const char *decoded;  /* what a JSON reader must get back */
    } cases[] = {
        {"say \"hi\"", "say \"hi\""},
        {"back\\slash", "back\\slash"},
        {"two\nlines\r\n", "two\nlines\r\n"},
        {"tab\there", "tab\there"},
        {"bell\a esc\x1b unit\x1f del\x7f", "bell\a esc\x1b unit\x1f del\x7f"},
        {"\b\f", "\b\f"},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
        /* Invalid UTF-8 (stray byte, overlong, truncated, surrogate) becomes U+FFFD. */
        {"bad\xff!", "bad\xef\xbf\xbd!"},
        {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},
        {"cut\xe2\x82", "cut\xef\xbf\xbd\xef\xbf\xbd"},
        {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        capture_t capture;
        s_capture_begin(&capture);
        /* The same text as message, context, field key and field value. */
        vb_log_context_t context = {.request_id = cases[i].raw};
        vb_log_field_t field = {.key = "value", .string_value = cases[i].raw};
        vb_log_fields(VB_LOG_WARN, &context, &field, 1, "%s", cases[i].raw);
        const char *text = s_capture_end(&capture);

        json_t *line = s_parse_one_line(text);
        assert_string_equal(s_string(line, "msg"), cases[i].decoded);
        assert_string_equal(s_string(line, "request_id"), cases[i].decoded);
        assert_string_equal(s_string(line, "value"), cases[i].decoded);
        json_decref(line);
        s_capture_free(&capture);
    }
}

static void
test_log_levels(void **state)
{
    (void) state;
    static const struct {
        const char *name;
        int result;
        vb_log_level_t level;
    } cases[] = {
        {"debug", 0, VB_LOG_DEBUG}, {"info", 0, VB_LOG_INFO},   {"warn", 0, VB_LOG_WARN},
        {"error", 0, VB_LOG_ERROR}, {"WARN", 0, VB_LOG_WARN},   {"warning", 0, VB_LOG_WARN},
        {"trace", -1, VB_LOG_INFO}, {"", -1, VB_LOG_INFO},      {"infox", -1, VB_LOG_INFO},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        vb_log_level_t level = VB_LOG_INFO;
        assert_int_equal(vb_log_level_parse(cases[i].name, &level), cases[i].result);
        assert_int_equal(level, cases[i].level);
    }

    vb_log_set_level(VB_LOG_WARN);
    capture_t capture;
    s_capture_begin(&capture);
    vb_log_debug("dropped debug");
    vb_log_info("dropped info");
    vb_log_warn("kept warn");
    vb_log_error("kept error");
    const char *text = s_capture_end(&capture);
    vb_log_set_level(VB_LOG_INFO);

    assert_null(strstr(text, "dropped"));
    const char *second = strchr(text, '\n');
    assert_non_null(second);
    second++;
    char *first_line = strndup(text, (size_t) (second - text));
    json_t *warn = s_parse_one_line(first_line);
    json_t *error = s_parse_one_line(second);
    assert_string_equal(s_string(warn, "level"), "warn");
    assert_string_equal(s_string(warn, "msg"), "kept warn");
    assert_string_equal(s_string(error, "level"), "error");
    json_decref(warn);
    json_decref(error);
    free(first_line);
    s_capture_free(&capture);
}

static void
test_log_timestamp_and_null_values(void **state)
{
    (void) state;
    int64_t before_ms = vb_clock_now_ms();
    capture_t capture;
    s_capture_begin(&capture);
    vb_log_field_t field = {.key = "absent", .string_value = NULL};
    vb_log_fields(VB_LOG_ERROR, NULL, &field, 1, "plain");
    const char *text = s_capture_end(&capture);
    int64_t after_ms = vb_clock_now_ms();

    json_t *line = s_parse_one_line(text);
    const char *ts = s_string(line, "ts");
    /* 2026-11-26T07:05:35.123Z: RFC 3339, UTC, milliseconds. */
    assert_int_equal(strlen(ts), 24);
    assert_int_equal(ts[10], 'T');
    assert_int_equal(ts[19], '.');
    assert_int_equal(ts[23], 'Z');
    char low[VB_RFC3339_SIZE], high[VB_RFC3339_SIZE];
    vb_clock_format_rfc3339(before_ms * 1000, low);
    vb_clock_format_rfc3339(after_ms * 1000, high);
    low[23] = high[23] = 'Z';
    low[24] = high[24] = '\0';
    assert_true(strcmp(ts, low) >= 0);
    assert_true(strcmp(ts, high) <= 0);
    assert_true(json_is_null(json_object_get(line, "absent")));
    assert_null(json_object_get(line, "request_id")); /* no context, no member */
    json_decref(line);
    s_capture_free(&capture);
}

static void
test_log_long_message(void **state)
{
    (void) state;
    size_t length = 20000;
    char *long_text = malloc(length + 1);
    for (size_t i = 0; i < length; i++)
        long_text[i] = (char) ('a' + i % 26);
    long_text[length - 1] = '"'; /* escaping at the very end */
    long_text[length] = '\0';

    capture_t capture;
    s_capture_begin(&capture);
    vb_log_info("%s", long_text);
    const char *text = s_capture_end(&capture);
    json_t *line = s_parse_one_line(text);
    assert_string_equal(s_string(line, "msg"), long_text);
    json_decref(line);
    s_capture_free(&capture);
    free(long_text);
}

#define LOG_THREADS 4
#define LOG_LINES 500

static void *
s_log_lines(void *arg)
{
    long thread = (long) (intptr_t) arg;
    /* Lines longer than the stack buffer: one write each keeps them whole. */
    char padding[3000];
    memset(padding, 'x', sizeof(padding) - 1);
    padding[sizeof(padding) - 1] = '\0';
    for (int i = 0; i < LOG_LINES; i++) {
        vb_log_field_t fields[] = {
            {.key = "thread", .int_value = thread, .is_int = 1},
            {.key = "i", .int_value = i, .is_int = 1},
        };
        vb_log_fields(VB_LOG_INFO, NULL, fields, 2, "%s", padding);
    }
    return NULL;
}

static void
test_log_threads_whole_lines(void **state)
{
    (void) state;
    capture_t capture;
    s_capture_begin(&capture);
    pthread_t threads[LOG_THREADS];
    for (long t = 0; t < LOG_THREADS; t++)
        pthread_create(&threads[t], NULL, s_log_lines, (void *) (intptr_t) t);
    for (int t = 0; t < LOG_THREADS; t++)
        pthread_join(threads[t], NULL);
    char *text = (char *) s_capture_end(&capture);

    int next[LOG_THREADS] = {0};
    int count = 0;
    char *save = NULL;
    for (char *row = strtok_r(text, "\n", &save); row; row = strtok_r(NULL, "\n", &save)) {
        json_error_t error;
        json_t *line = json_loads(row, 0, &error);
        if (!line)
            fail_msg("line %d is not JSON: %s", count, error.text);
        json_int_t thread = json_integer_value(json_object_get(line, "thread"));
        json_int_t i = json_integer_value(json_object_get(line, "i"));
        assert_true(thread >= 0 && thread < LOG_THREADS);
        assert_int_equal(i, next[thread]); /* each thread's lines in its order */
        next[thread]++;
        json_decref(line);
        count++;
    }
    assert_int_equal(count, LOG_THREADS * LOG_LINES);
    s_capture_free(&capture);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_log_usage_example),
        cmocka_unit_test(test_log_escaping),
        cmocka_unit_test(test_log_levels),
        cmocka_unit_test(test_log_timestamp_and_null_values),
        cmocka_unit_test(test_log_long_message),
        cmocka_unit_test(test_log_threads_whole_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
