/* bench_gateway_http.c - POST /v1/persons through the gateway with 16 kept-alive HTTP
 * connections (libcurl multi, 16 easy handles) against the same PersonCreate through the RPC
 * client alone with 16 in flight; interleaved rounds, median of each. Goal from issue 2:
 * ratio >= 0.5. Does not: measure reads or TLS. */
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "bench_node.h"
#include "bench_report.h"
#include "vb/log.h"
#include "vb/rpc_client.h"

#define ROUNDS 3
#define SECONDS_PER_RUN 4
#define WINDOW 16

static size_t
s_discard(char *data, size_t size, size_t count, void *arg)
{
    (void) data;
    (void) arg;
    return size * count;
}

typedef struct {
    CURL *easy;
    char body[512];
} s_conn_t;

static void
s_conn_start(CURLM *multi, s_conn_t *conn, const char *run_id, long counter)
{
    snprintf(conn->body, sizeof conn->body,
             "{\"name\": \"Bench Person %ld\", \"email\": \"h%s.%ld@example.org\","
             " \"region\": \"NRW\", \"sector\": \"education\", \"languages\": [\"de\", \"en\"],"
             " \"skills\": [{\"code\": \"fs.collaboration\", \"level\": 3}],"
             " \"interests\": [\"digital education\", \"open source\"],"
             " \"consents\": {\"visible_in_network\": true}}",
             counter, run_id, counter);
    curl_easy_setopt(conn->easy, CURLOPT_POSTFIELDS, conn->body);
    curl_multi_add_handle(multi, conn->easy);
}

static double
s_run_http(CURLM *multi, s_conn_t *conns, const char *run_id, long *counter)
{
    double start = bench_now_seconds(), now = start;
    long done = 0;
    int running = 0;
    for (int i = 0; i < WINDOW; i++)
        s_conn_start(multi, &conns[i], run_id, (*counter)++);
    int active = WINDOW;
    while (active > 0) {
        curl_multi_perform(multi, &running);
        CURLMsg *message;
        int left;
        while ((message = curl_multi_info_read(multi, &left))) {
            if (message->msg != CURLMSG_DONE)
                continue;
            CURL *easy = message->easy_handle;
            long code = 0;
            curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &code);
            if (message->data.result != CURLE_OK || code != 201) {
                fprintf(stderr, "bench: POST /v1/persons: curl %d, HTTP %ld\n",
                        (int) message->data.result, code);
                exit(1);
            }
            curl_multi_remove_handle(multi, easy);
            done++;
            active--;
            now = bench_now_seconds();
            if (now - start < SECONDS_PER_RUN) {
                for (int i = 0; i < WINDOW; i++)
                    if (conns[i].easy == easy)
                        s_conn_start(multi, &conns[i], run_id, (*counter)++);
                active++;
            }
        }
        if (active > 0)
            curl_multi_poll(multi, NULL, 0, 100, NULL);
    }
    return done / (bench_now_seconds() - start);
}

int
main(void)
{
    vb_log_set_service("bench");
    vb_log_set_level(VB_LOG_WARN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
        return 1;
    bench_node_start();
    char run_id[32];
    bench_run_id(run_id, sizeof run_id);

    char url[256], authorization[256];
    snprintf(url, sizeof url, "%s/v1/persons", getenv("VB_TEST_HTTP_URL"));
    snprintf(authorization, sizeof authorization, "Authorization: Bearer %s",
             getenv("VB_TEST_ADMIN_TOKEN"));
    struct curl_slist *headers = curl_slist_append(NULL, authorization);
    headers = curl_slist_append(headers, "Content-Type: application/json");
    CURLM *multi = curl_multi_init();
    curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) WINDOW);
    s_conn_t conns[WINDOW];
    for (int i = 0; i < WINDOW; i++) {
        conns[i].easy = curl_easy_init();
        curl_easy_setopt(conns[i].easy, CURLOPT_URL, url);
        curl_easy_setopt(conns[i].easy, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(conns[i].easy, CURLOPT_WRITEFUNCTION, s_discard);
        curl_easy_setopt(conns[i].easy, CURLOPT_TCP_NODELAY, 1L);
        curl_easy_setopt(conns[i].easy, CURLOPT_TIMEOUT_MS, 10000L);
    }

    long counter = 0;
    double http[ROUNDS], rpc[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        rpc[round] = bench_person_create_rpc(run_id, &counter, WINDOW, SECONDS_PER_RUN);
        http[round] = s_run_http(multi, conns, run_id, &counter);
        printf("info gateway_http round %d: HTTP %.0f creates/s, RPC client %.0f creates/s\n",
               round + 1, http[round], rpc[round]);
        fflush(stdout);
    }
    for (int i = 0; i < WINDOW; i++)
        curl_easy_cleanup(conns[i].easy);
    curl_multi_cleanup(multi);
    curl_slist_free_all(headers);
    curl_global_cleanup();
    bench_report("gateway_http_create_person", "creates/s", bench_median(http, ROUNDS),
                 "RPC client alone, 16 in flight", bench_median(rpc, ROUNDS), 0.5);
    bench_node_stop();
    return 0;
}
