/* test_metrics.c - unit tests of vb/metrics.h: the exact exposition text of a small registry,
 * cumulative buckets, label merging with le, help escaping, threads, and promtool when installed.
 * Does not: scrape over HTTP (the gateway's tests do). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <unistd.h>

#include <cmocka.h>

#include "vb/metrics.h"

/* Usage: one registry per process; update from any thread; render for /metrics. */
static void
test_metrics_usage_example(void **state)
{
    (void) state;
    vb_metrics_t *metrics = vb_metrics_new();
    assert_non_null(metrics);
    vb_metrics_counter_add(metrics, "vb_rpc_requests_total", "RPC requests by method and status.",
                           "method=\"membership.PersonGet\",status=\"ok\"", 1);
    vb_metrics_counter_add(metrics, "vb_rpc_requests_total", NULL,
                           "method=\"membership.PersonGet\",status=\"ok\"", 2);
    vb_metrics_gauge_set(metrics, "vb_db_connections", "Open database connections.", "", 4);
    vb_metrics_gauge_set(metrics, "vb_db_connections", NULL, "", 3);

    char *text = vb_metrics_render(metrics);
    assert_string_equal(text,
                        "# HELP vb_rpc_requests_total RPC requests by method and status.\n"
                        "# TYPE vb_rpc_requests_total counter\n"
                        "vb_rpc_requests_total{method=\"membership.PersonGet\",status=\"ok\"} 3\n"
                        "# HELP vb_db_connections Open database connections.\n"
                        "# TYPE vb_db_connections gauge\n"
                        "vb_db_connections 3\n");
    free(text);
    vb_metrics_destroy(&metrics);
    assert_null(metrics);
    vb_metrics_destroy(&metrics); /* NULL and pointer to NULL are accepted */
    vb_metrics_destroy(NULL);
}

static void
test_metrics_empty_registry(void **state)
{
    (void) state;
    vb_metrics_t *metrics = vb_metrics_new();
    char *text = vb_metrics_render(metrics);
    assert_non_null(text);
    assert_string_equal(text, "");
    free(text);
    vb_metrics_destroy(&metrics);
}

static void
test_metrics_histogram_exact_text(void **state)
{
    (void) state;
    vb_metrics_t *metrics = vb_metrics_new();
    const char *labels = "method=\"rpc.Ping\"";
    vb_metrics_observe(metrics, "vb_rpc_duration_seconds", "RPC latency.", labels, 0.0005);
    vb_metrics_observe(metrics, "vb_rpc_duration_seconds", "RPC latency.", labels, 0.003);
    vb_metrics_observe(metrics, "vb_rpc_duration_seconds", "RPC latency.", labels, 0.75);
    vb_metrics_observe(metrics, "vb_rpc_duration_seconds", "RPC latency.", labels, 30);
    vb_metrics_observe(metrics, "vb_rpc_duration_seconds", "RPC latency.", "", 10);

    char *text = vb_metrics_render(metrics);
    assert_string_equal(
        text,
        "# HELP vb_rpc_duration_seconds RPC latency.\n"
        "# TYPE vb_rpc_duration_seconds histogram\n"
        /* le merged after the series' labels; counts cumulative; bounds are inclusive */
        "vb_rpc_duration_seconds_bucket{method=\"rpc.Ping\",le=\"0.0005\"} 1\n"
        "vb_rpc_duration_seconds_bucket{method=\"rpc.Ping\",le=\"0.001\"} 1\n"
        "vb_rpc_duration_seconds_bucket{method=\"rpc.Ping\",le=\"0.0025\"} 1\n"
        "vb_rpc_duration_seconds_bucket{method=\"rpc.Ping\",le=\"0.005\"} 2\n"
        "vb_rpc_duration_seconds_bucket{method=\"rpc.Ping\",le=\"0.01\"} 2\n"
        "vb_rpc_duration_seconds_bucket{method=\"rpc.Ping\",le=\"0.025\"} 2\n"
        "vb_rpc_duration_seconds_bucket{method=\"rpc.Ping\",le=\"0.05\"} 2\n"
        "vb_rpc_duration_seconds_bucket{method=\"rpc.Ping\",le=\"0.1\"} 2\n"
        "vb_rpc_duration_seconds_bucket{method=\"rpc.Ping\",le=\"0.25\"} 2\n"
        "vb_rpc_duration_seconds_bucket{method=\"rpc.Ping\",le=\"0.5\"} 2\n"
        "vb_rpc_duration_seconds_bucket{method=\"rpc.Ping\",le=\"1\"} 3\n"
        "vb_rpc_duration_seconds_bucket{method=\"rpc.Ping\",le=\"2.5\"} 3\n"
        "vb_rpc_duration_seconds_bucket{method=\"rpc.Ping\",le=\"5\"} 3\n"
        "vb_rpc_duration_seconds_bucket{method=\"rpc.Ping\",le=\"10\"} 3\n"
        "vb_rpc_duration_seconds_bucket{method=\"rpc.Ping\",le=\"+Inf\"} 4\n"
        "vb_rpc_duration_seconds_sum{method=\"rpc.Ping\"} 30.7535\n"
        "vb_rpc_duration_seconds_count{method=\"rpc.Ping\"} 4\n"
        /* no labels: le alone */
        "vb_rpc_duration_seconds_bucket{le=\"0.0005\"} 0\n"
        "vb_rpc_duration_seconds_bucket{le=\"0.001\"} 0\n"
        "vb_rpc_duration_seconds_bucket{le=\"0.0025\"} 0\n"
        "vb_rpc_duration_seconds_bucket{le=\"0.005\"} 0\n"
        "vb_rpc_duration_seconds_bucket{le=\"0.01\"} 0\n"
        "vb_rpc_duration_seconds_bucket{le=\"0.025\"} 0\n"
        "vb_rpc_duration_seconds_bucket{le=\"0.05\"} 0\n"
        "vb_rpc_duration_seconds_bucket{le=\"0.1\"} 0\n"
        "vb_rpc_duration_seconds_bucket{le=\"0.25\"} 0\n"
        "vb_rpc_duration_seconds_bucket{le=\"0.5\"} 0\n"
        "vb_rpc_duration_seconds_bucket{le=\"1\"} 0\n"
        "vb_rpc_duration_seconds_bucket{le=\"2.5\"} 0\n"
        "vb_rpc_duration_seconds_bucket{le=\"5\"} 0\n"
        "vb_rpc_duration_seconds_bucket{le=\"10\"} 1\n"
        "vb_rpc_duration_seconds_bucket{le=\"+Inf\"} 1\n"
        "vb_rpc_duration_seconds_sum 10\n"
        "vb_rpc_duration_seconds_count 1\n");
    free(text);
    vb_metrics_destroy(&metrics);
}

static void
test_metrics_values_and_help_escaping(void **state)
{
    (void) state;
    vb_metrics_t *metrics = vb_metrics_new();
    vb_metrics_counter_add(metrics, "vb_bytes_total", "Line one\nback\\slash.", "", 0.1);
    vb_metrics_counter_add(metrics, "vb_bytes_total", "ignored: help is kept from first use", "",
                           0.2);
    vb_metrics_gauge_set(metrics, "vb_ratio", "Ratios.", "kind=\"third\"", 1.0 / 3.0);
    vb_metrics_gauge_set(metrics, "vb_ratio", "Ratios.", "kind=\"big\"", 1e21);
    vb_metrics_gauge_set(metrics, "vb_ratio", "Ratios.", "kind=\"negative\"", -2.5);
    vb_metrics_gauge_set(metrics, "vb_ratio", "Ratios.", "kind=\"infinite\"", 1.0 / 0.0);

    char *text = vb_metrics_render(metrics);
    assert_string_equal(text,
                        "# HELP vb_bytes_total Line one\\nback\\\\slash.\n"
                        "# TYPE vb_bytes_total counter\n"
                        "vb_bytes_total 0.30000000000000004\n" /* exact: reads back the same */
                        "# HELP vb_ratio Ratios.\n"
                        "# TYPE vb_ratio gauge\n"
                        "vb_ratio{kind=\"third\"} 0.3333333333333333\n"
                        "vb_ratio{kind=\"big\"} 1e+21\n"
                        "vb_ratio{kind=\"negative\"} -2.5\n"
                        "vb_ratio{kind=\"infinite\"} +Inf\n");
    free(text);
    vb_metrics_destroy(&metrics);
}

#define METRIC_THREADS 4
#define METRIC_UPDATES 10000

static void *
s_update(void *arg)
{
    vb_metrics_t *metrics = arg;
    for (int i = 0; i < METRIC_UPDATES; i++) {
        vb_metrics_counter_add(metrics, "vb_events_total", "Events.", "", 1);
        vb_metrics_observe(metrics, "vb_wait_seconds", "Waits.", "", 0.002);
    }
    return NULL;
}

static void
test_metrics_threads(void **state)
{
    (void) state;
    vb_metrics_t *metrics = vb_metrics_new();
    pthread_t threads[METRIC_THREADS];
    for (int t = 0; t < METRIC_THREADS; t++)
        assert_int_equal(pthread_create(&threads[t], NULL, s_update, metrics), 0);
    for (int t = 0; t < METRIC_THREADS; t++)
        assert_int_equal(pthread_join(threads[t], NULL), 0);

    char *text = vb_metrics_render(metrics);
    assert_non_null(strstr(text, "\nvb_events_total 40000\n"));
    assert_non_null(strstr(text, "\nvb_wait_seconds_bucket{le=\"0.001\"} 0\n"));
    assert_non_null(strstr(text, "\nvb_wait_seconds_bucket{le=\"0.0025\"} 40000\n"));
    assert_non_null(strstr(text, "\nvb_wait_seconds_count 40000\n"));
    free(text);
    vb_metrics_destroy(&metrics);
}

static void
test_metrics_promtool_accepts(void **state)
{
    (void) state;
    if (access("/usr/bin/promtool", X_OK) != 0)
        skip(); /* the Debian package prometheus provides it */
    vb_metrics_t *metrics = vb_metrics_new();
    vb_metrics_counter_add(metrics, "vb_rpc_requests_total", "RPC requests.",
                           "method=\"membership.PersonCreate\",status=\"created\"", 1);
    vb_metrics_gauge_set(metrics, "vb_up", "1 when serving.", "", 1);
    vb_metrics_observe(metrics, "vb_rpc_duration_seconds", "RPC latency.",
                       "method=\"membership.PersonCreate\"", 0.02);
    vb_metrics_observe(metrics, "vb_rpc_duration_seconds", "RPC latency.", "", 0.02);
    char *text = vb_metrics_render(metrics);

    char path[] = "/tmp/test_metrics_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
    char command[128];
    snprintf(command, sizeof(command), "/usr/bin/promtool check metrics < %s 2>&1", path);
    FILE *pipe = popen(command, "r");
    assert_non_null(pipe);
    char output[1024] = "";
    size_t length = fread(output, 1, sizeof(output) - 1, pipe);
    output[length] = '\0';
    int status = pclose(pipe);
    unlink(path);
    if (status != 0)
        fail_msg("promtool rejected the text (%d): %s\n%s", status, output, text);
    free(text);
    vb_metrics_destroy(&metrics);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_metrics_usage_example),
        cmocka_unit_test(test_metrics_empty_registry),
        cmocka_unit_test(test_metrics_histogram_exact_text),
        cmocka_unit_test(test_metrics_values_and_help_escaping),
        cmocka_unit_test(test_metrics_threads),
        cmocka_unit_test(test_metrics_promtool_accepts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
