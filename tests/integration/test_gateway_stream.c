/* test_gateway_stream.c - the gateway's event stream over HTTP on a running node (gateway,
 * membership, stream service, PostgreSQL, Redis from the "node" fixture): GET /v1/stream as a
 * CloudEvents JSON batch with long poll, GET /v1/stream/sse with Last-Event-ID, tokens with
 * topic prefixes, 401/403/400. A second, private gateway in front of a fake stream service (in
 * this process) covers what the real node cannot show on demand: 410 for a position older than
 * the retention, the Caller the gateway sends, SSE keepalives, and SSE ending on shutdown.
 * Does not: test the stream service's own sequencing or retention (its tests do). */
#include <setjmp.h>
#include <sys/prctl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <czmq.h>
#include <jansson.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include "verbund/stream/v1/stream.pb-c.h"
#include "vb/rpc_server.h"
#include "vb_test_db.h"
#include "vb_test_http.h"
#include "vb_test_node.h"
#include "vb_test_stream.h"

#define PERSON_TOPIC "verbund.membership.person."
#define CREATED_TYPE "verbund.membership.person.created.v1"
#define WAIT_MS 20000 /* deadline for an event to reach the stream */

static const char *s_admin; /* the node's admin token */
static const char *s_url;   /* the node's gateway */

/* --- helpers --- */

static const char *
s_unique(char *text, size_t size)
{
    static atomic_uint counter;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(text, size, "%ld%06ld%u", (long)ts.tv_sec % 100000, (long)(ts.tv_nsec / 1000),
             atomic_fetch_add(&counter, 1));
    return text;
}

/* One HTTP response. */
typedef struct {
    long status;
    char *body; /* NUL-terminated */
    size_t size;
    char content_type[128];
    char next_after[32]; /* Verbund-Next-After */
    json_t *json;        /* body parsed, or NULL */
} http_t;

static void
s_http_clear(http_t *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

static size_t
s_body_cb(char *data, size_t size, size_t count, void *arg)
{
    http_t *r = arg;
    size_t n = size * count;
    char *grown = realloc(r->body, r->size + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + r->size, data, n);
    r->body = grown;
    r->size += n;
    r->body[r->size] = '\0';
    return n;
}

/* Copies the value of header "name: value" in line (length n) into out when it matches. */
static void
s_header_value(const char *line, size_t n, const char *name, char *out, size_t out_size)
{
    size_t length = strlen(name);
    if (n <= length + 1 || strncasecmp(line, name, length) != 0 || line[length] != ':')
        return;
    const char *value = line + length + 1;
    size_t left = n - length - 1;
    while (left > 0 && (*value == ' ' || *value == '\t'))
        value++, left--;
    while (left > 0 &&
           (value[left - 1] == '\r' || value[left - 1] == '\n' || value[left - 1] == ' '))
        left--;
    snprintf(out, out_size, "%.*s", (int)left, value);
}

static size_t
s_header_cb(char *data, size_t size, size_t count, void *arg)
{
    http_t *r = arg;
    size_t n = size * count;
    s_header_value(data, n, "Content-Type", r->content_type, sizeof(r->content_type));
    s_header_value(data, n, "Verbund-Next-After", r->next_after, sizeof(r->next_after));
    return n;
}

/* method base+path with an optional bearer token and JSON body; thread-safe. Fails the test
 * when no HTTP answer arrives. */
static void
s_http(const char *base, const char *method, const char *path, const char *token, const char *body,
       http_t *r)
{
    memset(r, 0, sizeof(*r));
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    char url[2048], auth[512];
    snprintf(url, sizeof(url), "%s%s", base, path);
    struct curl_slist *headers = NULL;
    if (token) {
        snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
        headers = curl_slist_append(headers, auth);
    }
    if (body)
        headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 60000L);
    if (body)
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_body_cb);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, s_header_cb);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, r);
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r->status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (rc != CURLE_OK)
        fail_msg("%s %s: %s", method, url, curl_easy_strerror(rc));
    if (r->body)
        r->json = json_loads(r->body, JSON_DECODE_ANY, NULL);
}

#define assert_http(r, want)                                                                       \
    do {                                                                                           \
        if ((r)->status != (want))                                                                 \
            fail_msg("HTTP %ld, expected %d; body: %s", (r)->status, (want),                       \
                     (r)->body ? (r)->body : "");                                                  \
    } while (0)

static void
s_assert_problem(const http_t *r, long status, const char *type_name)
{
    assert_http(r, (int)status);
    assert_non_null(strstr(r->content_type, "application/problem+json"));
    char type[128];
    snprintf(type, sizeof(type), "https://verbund.example/problems/%s", type_name);
    assert_non_null(r->json);
    assert_string_equal(json_string_value(json_object_get(r->json, "type")), type);
}

/* Creates a person as admin; returns its id (caller frees). */
static char *
s_person_create(const char *name)
{
    char unique[64], body[512];
    snprintf(body, sizeof(body),
             "{\"name\": \"%s\", \"email\": \"s%s@example.org\", \"region\": \"NRW\","
             " \"languages\": [\"de\"], \"consents\": {\"visible_in_network\": true}}",
             name, s_unique(unique, sizeof(unique)));
    http_t r;
    s_http(s_url, "POST", "/v1/persons", s_admin, body, &r);
    assert_http(&r, 201);
    char *id = strdup(json_string_value(json_object_get(r.json, "id")));
    s_http_clear(&r);
    return id;
}

static char *
s_organization_create(void)
{
    char unique[64], body[512];
    snprintf(body, sizeof(body), "{\"name\": \"Stream Org %s\", \"kind\": \"association\"}",
             s_unique(unique, sizeof(unique)));
    http_t r;
    s_http(s_url, "POST", "/v1/organizations", s_admin, body, &r);
    assert_http(&r, 201);
    char *id = strdup(json_string_value(json_object_get(r.json, "id")));
    s_http_clear(&r);
    return id;
}

/* Creates a token; topics is a JSON array text or NULL. Returns it (caller frees). */
static char *
s_token_create(const char *role, const char *person_id, const char *topics)
{
    char body[1024];
    snprintf(body, sizeof(body),
             "{\"role\": \"%s\", \"person_id\": \"%s\", \"label\": \"test_gateway_stream\"%s%s}",
             role, person_id ? person_id : "", topics ? ", \"topic_prefixes\": " : "",
             topics ? topics : "");
    http_t r;
    s_http(s_url, "POST", "/v1/tokens", s_admin, body, &r);
    assert_http(&r, 201);
    if (topics) {
        json_t *want = json_loads(topics, 0, NULL);
        assert_true(json_equal(json_object_get(r.json, "topic_prefixes"), want));
        json_decref(want);
    }
    char *token = strdup(json_string_value(json_object_get(r.json, "token")));
    s_http_clear(&r);
    return token;
}

/* GET /v1/stream?<query> on the node. */
static void
s_read(const char *token, const char *query, http_t *r)
{
    char path[1024];
    snprintf(path, sizeof(path), "/v1/stream%s%s", query && query[0] ? "?" : "",
             query ? query : "");
    s_http(s_url, "GET", path, token, NULL, r);
}

static uint64_t
s_sequence_of(const json_t *event)
{
    const char *text = json_string_value(json_object_get(event, "sequence"));
    assert_non_null(text);
    assert_int_equal(strlen(text), 20);
    return strtoull(text, NULL, 10);
}

/* Reads to the end of the stream; returns the position to continue from. */
static uint64_t
s_catch_up(const char *token)
{
    uint64_t after = vb_test_stream_start();
    for (;;) {
        char query[64];
        snprintf(query, sizeof(query), "after=%llu&limit=5000", (unsigned long long)after);
        http_t r;
        s_read(token, query, &r);
        assert_http(&r, 200);
        assert_true(json_is_array(r.json));
        uint64_t next = strtoull(r.next_after, NULL, 10);
        assert_true(next >= after);
        size_t count = json_array_size(r.json);
        s_http_clear(&r);
        after = next;
        if (count == 0)
            return after;
    }
}

/* Events after `after` (for token) until every subject of want (count n) has an event of type,
 * or the deadline: returns a new array of all events read (caller decrefs). */
static json_t *
s_collect(const char *token, uint64_t after, const char *type, char *const *want, size_t n)
{
    json_t *all = json_array();
    int64_t deadline = vb_test_now_ms() + WAIT_MS;
    size_t found = 0;
    while (found < n && vb_test_now_ms() < deadline) {
        char query[64];
        snprintf(query, sizeof(query), "after=%llu&timeout=2", (unsigned long long)after);
        http_t r;
        s_read(token, query, &r);
        assert_http(&r, 200);
        size_t i;
        json_t *event;
        json_array_foreach(r.json, i, event)
        {
            json_array_append(all, event);
            const char *subject = json_string_value(json_object_get(event, "subject"));
            const char *event_type = json_string_value(json_object_get(event, "type"));
            for (size_t k = 0; k < n; k++)
                if (subject && strcmp(subject, want[k]) == 0 && strcmp(event_type, type) == 0)
                    found++;
        }
        after = strtoull(r.next_after, NULL, 10);
        s_http_clear(&r);
    }
    if (found < n)
        fail_msg("only %zu of %zu %s events reached the stream in %d ms", found, n, type, WAIT_MS);
    return all;
}

/* --- the node --- */

static void
test_tokens_and_errors(void **state)
{
    (void)state;
    http_t r;
    /* No token. */
    s_read(NULL, "after=0", &r);
    s_assert_problem(&r, 401, "unauthenticated");
    s_http_clear(&r);
    s_http(s_url, "GET", "/v1/stream/sse", NULL, NULL, &r);
    s_assert_problem(&r, 401, "unauthenticated");
    s_http_clear(&r);
    s_read("not-a-token", NULL, &r);
    s_assert_problem(&r, 401, "unauthenticated");
    s_http_clear(&r);

    /* A member token without topic prefixes has no stream rights. */
    char *person = s_person_create("Stream Member");
    char *member = s_token_create("member", person, NULL);
    s_read(member, "after=0", &r);
    s_assert_problem(&r, 403, "forbidden");
    s_http_clear(&r);
    s_http(s_url, "GET", "/v1/stream/sse", member, NULL, &r);
    s_assert_problem(&r, 403, "forbidden");
    s_http_clear(&r);

    /* With prefixes it may read, but not topics outside them. */
    char *limited = s_token_create("member", person, "[\"" PERSON_TOPIC "\"]");
    char from_start[64];
    snprintf(from_start, sizeof from_start, "after=%llu&limit=1",
             (unsigned long long)vb_test_stream_start());
    s_read(limited, from_start, &r);
    assert_http(&r, 200);
    s_http_clear(&r);
    s_read(limited, "topic=verbund.membership.organization.", &r);
    s_assert_problem(&r, 403, "forbidden");
    s_http_clear(&r);
    s_read(limited, "topic=verbund.membership.", &r); /* broader than the token's */
    s_assert_problem(&r, 403, "forbidden");
    s_http_clear(&r);
    char narrower[160];
    snprintf(narrower, sizeof narrower, "after=%llu&topic=" PERSON_TOPIC "created",
             (unsigned long long)vb_test_stream_start());
    s_read(limited, narrower, &r); /* narrower is fine */
    assert_http(&r, 200);
    s_http_clear(&r);

    /* Token creation refuses malformed prefixes (the membership service's rule: 422). */
    s_http(s_url, "POST", "/v1/tokens", s_admin,
           "{\"role\": \"staff\", \"topic_prefixes\": [\"bad topic\"]}", &r);
    s_assert_problem(&r, 422, "unprocessable");
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(r.json, "errors"), 0), "field")),
                        "topic_prefixes");
    s_http_clear(&r);

    /* Bad parameters: 400 naming each. */
    static const char *const bad[] = {"after=abc",  "after=-1",    "limit=5001",      "limit=x",
                                      "timeout=31", "topic=a%20b", "after=1&after=2", "nope=1"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        s_read(s_admin, bad[i], &r);
        if (r.status != 400)
            fail_msg("%s: HTTP %ld, expected 400", bad[i], r.status);
        s_assert_problem(&r, 400, "bad_request");
        assert_true(json_array_size(json_object_get(r.json, "errors")) >= 1);
        s_http_clear(&r);
    }
    s_http(s_url, "GET", "/v1/stream/sse?after=zz", s_admin, NULL, &r);
    s_assert_problem(&r, 400, "bad_request");
    s_http_clear(&r);
    s_http(s_url, "POST", "/v1/stream", s_admin, NULL, &r);
    assert_http(&r, 405);
    s_http_clear(&r);
    free(limited);
    free(member);
    free(person);
}

static void
test_batch_in_order(void **state)
{
    (void)state;
    uint64_t start = s_catch_up(s_admin);
    char *ids[3];
    for (int i = 0; i < 3; i++)
        ids[i] = s_person_create("Stream Batch");
    json_t *all = s_collect(s_admin, start, CREATED_TYPE, ids, 3);

    /* In sequence order, each once, our three created events in creation order. */
    uint64_t previous = start;
    int next_id = 0;
    size_t i;
    json_t *event;
    json_array_foreach(all, i, event)
    {
        uint64_t sequence = s_sequence_of(event);
        if (sequence <= previous)
            fail_msg("sequence %llu after %llu", (unsigned long long)sequence,
                     (unsigned long long)previous);
        previous = sequence;
        assert_string_equal(json_string_value(json_object_get(event, "specversion")), "1.0");
        assert_non_null(json_string_value(json_object_get(event, "id")));
        const char *source = json_string_value(json_object_get(event, "source"));
        assert_non_null(source);
        assert_int_equal(strncmp(source, "//verbund/", 10), 0);
        const char *subject = json_string_value(json_object_get(event, "subject"));
        if (next_id < 3 && subject && strcmp(subject, ids[next_id]) == 0 &&
            strcmp(json_string_value(json_object_get(event, "type")), CREATED_TYPE) == 0)
            next_id++;
    }
    assert_int_equal(next_id, 3);
    json_decref(all);

    /* The batch's media type, and limit. */
    char query[64];
    snprintf(query, sizeof(query), "after=%llu&limit=2", (unsigned long long)start);
    http_t r;
    s_read(s_admin, query, &r);
    assert_http(&r, 200);
    assert_non_null(strstr(r.content_type, "application/cloudevents-batch+json"));
    assert_int_equal(json_array_size(r.json), 2);
    assert_true(strtoull(r.next_after, NULL, 10) == s_sequence_of(json_array_get(r.json, 1)));
    s_http_clear(&r);

    /* Caught up: an empty array, at once, and the position does not move. */
    uint64_t end = s_catch_up(s_admin);
    assert_true(end >= previous);
    snprintf(query, sizeof(query), "after=%llu", (unsigned long long)end);
    int64_t began = vb_test_now_ms();
    s_read(s_admin, query, &r);
    assert_http(&r, 200);
    assert_true(json_is_array(r.json));
    assert_int_equal(json_array_size(r.json), 0);
    assert_string_equal(r.body, "[]");
    assert_true(strtoull(r.next_after, NULL, 10) == end);
    assert_true(vb_test_now_ms() - began < 2000);
    s_http_clear(&r);
    for (int k = 0; k < 3; k++)
        free(ids[k]);
}

/* Creates a person after a delay: the event that ends a long poll or reaches an SSE client. */
typedef struct {
    int delay_ms;
    char *id;
} writer_t;

static void *
s_writer(void *arg)
{
    writer_t *writer = arg;
    /* The delay is the stimulus (an event that comes later), not a wait for a condition. */
    vb_test_pause_ms(writer->delay_ms);
    writer->id = s_person_create("Stream Later");
    return NULL;
}

static void
test_long_poll(void **state)
{
    (void)state;
    uint64_t start = s_catch_up(s_admin);
    char query[64];
    http_t r;

    /* Nothing new: the poll waits for its timeout and answers an empty array. */
    snprintf(query, sizeof(query), "after=%llu&timeout=1", (unsigned long long)start);
    int64_t began = vb_test_now_ms();
    s_read(s_admin, query, &r);
    int64_t waited = vb_test_now_ms() - began;
    assert_http(&r, 200);
    assert_int_equal(json_array_size(r.json), 0);
    s_http_clear(&r);
    if (waited < 900 || waited > 5000)
        fail_msg("an idle long poll of 1 s answered after %lld ms", (long long)waited);

    /* An event written meanwhile ends the poll early, with that event. */
    writer_t writer = {.delay_ms = 700};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, s_writer, &writer), 0);
    snprintf(query, sizeof(query), "after=%llu&timeout=25", (unsigned long long)start);
    began = vb_test_now_ms();
    s_read(s_admin, query, &r);
    waited = vb_test_now_ms() - began;
    pthread_join(thread, NULL);
    assert_http(&r, 200);
    if (waited >= 15000)
        fail_msg("the long poll took %lld ms although an event arrived", (long long)waited);
    assert_true(json_array_size(r.json) >= 1);
    bool seen = false;
    size_t i;
    json_t *event;
    json_array_foreach(r.json, i, event)
    {
        const char *subject = json_string_value(json_object_get(event, "subject"));
        seen = seen || (subject && writer.id && strcmp(subject, writer.id) == 0);
    }
    if (!seen) {
        /* The poll may have ended on an earlier event of the same write; the next read has it. */
        char *want[] = {writer.id};
        json_decref(s_collect(s_admin, start, CREATED_TYPE, want, 1));
    }
    s_http_clear(&r);
    free(writer.id);
}

/* --- Server-Sent Events --- */

typedef struct {
    char *text; /* everything received */
    size_t size;
    int events;     /* complete "id:" events received */
    int want;       /* stop after this many events (0: never) */
    char *need;     /* stop once this text arrived (NULL: ignore) */
    pid_t kill_pid; /* SIGTERM this pid once the first bytes arrived (0: no) */
    int64_t killed_at_ms;
} sse_t;

static size_t
s_sse_cb(char *data, size_t size, size_t count, void *arg)
{
    sse_t *sse = arg;
    size_t n = size * count;
    char *grown = realloc(sse->text, sse->size + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + sse->size, data, n);
    sse->text = grown;
    sse->size += n;
    sse->text[sse->size] = '\0';
    sse->events = 0;
    for (const char *at = sse->text; (at = strstr(at, "id: ")) != NULL; at += 4)
        if ((at == sse->text || at[-1] == '\n') && strstr(at, "\n\n"))
            sse->events++;
    if (sse->kill_pid > 0 && !sse->killed_at_ms) {
        kill(sse->kill_pid, SIGTERM);
        sse->killed_at_ms = vb_test_now_ms();
    }
    if (sse->want > 0 && sse->events >= sse->want)
        return 0; /* enough: abort the transfer */
    if (sse->need && strstr(sse->text, sse->need))
        return 0;
    return n;
}

/* GET base/v1/stream/sse?query with Last-Event-ID (may be NULL) until sse's stop condition or
 * timeout_ms. Returns curl's code; *status the HTTP status. */
static CURLcode
s_sse(const char *base, const char *token, const char *query, const char *last_event_id,
      long timeout_ms, sse_t *sse, long *status, char *content_type, size_t content_type_size)
{
    CURL *curl = curl_easy_init();
    char url[1024], auth[512], last[128];
    snprintf(url, sizeof(url), "%s/v1/stream/sse%s%s", base, query ? "?" : "", query ? query : "");
    snprintf(auth, sizeof(auth), "Authorization: Bearer %s", token);
    struct curl_slist *headers = curl_slist_append(NULL, auth);
    if (last_event_id) {
        snprintf(last, sizeof(last), "Last-Event-ID: %s", last_event_id);
        headers = curl_slist_append(headers, last);
    }
    http_t head;
    memset(&head, 0, sizeof(head));
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, s_sse_cb);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, sse);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, s_header_cb);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &head);
    CURLcode rc = curl_easy_perform(curl);
    *status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    if (content_type)
        snprintf(content_type, content_type_size, "%s", head.content_type);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return rc;
}

/* The sequence (id) and parsed data of the index-th event in an SSE text; checks the id line,
 * the event line and that data is one JSON line. */
static json_t *
s_sse_event(const char *text, int index, uint64_t *id)
{
    const char *at = text;
    for (int seen = -1;; at += 4) {
        at = strstr(at, "id: ");
        assert_non_null(at);
        if (at != text && at[-1] != '\n')
            continue;
        if (++seen == index)
            break;
    }
    char *end = NULL;
    *id = strtoull(at + 4, &end, 10);
    assert_non_null(end);
    assert_int_equal(strncmp(end, "\nevent: ", 8), 0);
    const char *type = end + 8;
    size_t type_length = strcspn(type, "\n");
    const char *data = type + type_length;
    assert_int_equal(strncmp(data, "\ndata: ", 7), 0);
    data += 7;
    size_t data_length = strcspn(data, "\n");
    assert_int_equal(strncmp(data + data_length, "\n\n", 2), 0);
    json_t *json = json_loadb(data, data_length, 0, NULL);
    assert_non_null(json);
    /* id = the event's sequence, event = its type */
    assert_true(s_sequence_of(json) == *id);
    const char *json_type = json_string_value(json_object_get(json, "type"));
    assert_int_equal(strlen(json_type), type_length);
    assert_int_equal(strncmp(json_type, type, type_length), 0);
    return json;
}

/* Threads of the node's gateway (one per open HTTP connection plus a fixed few). */
static int
s_gateway_threads(void)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/gateway.pid", getenv("VB_TEST_NODE_DIR"));
    FILE *file = fopen(path, "r");
    assert_non_null(file);
    long pid = 0;
    assert_int_equal(fscanf(file, "%ld", &pid), 1);
    fclose(file);
    snprintf(path, sizeof(path), "/proc/%ld/status", pid);
    file = fopen(path, "r");
    assert_non_null(file);
    char line[256];
    int threads = -1;
    while (fgets(line, sizeof(line), file))
        if (sscanf(line, "Threads: %d", &threads) == 1)
            break;
    fclose(file);
    assert_true(threads > 0);
    return threads;
}

static void
test_sse(void **state)
{
    (void)state;
    uint64_t start = s_catch_up(s_admin);
    char *ids[2] = {s_person_create("Stream SSE"), s_person_create("Stream SSE")};
    json_t *all = s_collect(s_admin, start, CREATED_TYPE, ids, 2);
    size_t total = json_array_size(all);
    assert_true(total >= 2);
    uint64_t first = s_sequence_of(json_array_get(all, 0));
    uint64_t second = s_sequence_of(json_array_get(all, 1));

    /* From Last-Event-ID = start: every event after it, ids = sequences, in order. */
    char last[32];
    snprintf(last, sizeof(last), "%llu", (unsigned long long)start);
    sse_t sse = {.want = (int)total};
    long status = 0;
    char content_type[128];
    CURLcode rc =
        s_sse(s_url, s_admin, NULL, last, 15000, &sse, &status, content_type, sizeof(content_type));
    if (rc != CURLE_WRITE_ERROR) /* we abort once we have them */
        fail_msg("SSE ended with %s after %d events: %s", curl_easy_strerror(rc), sse.events,
                 sse.text ? sse.text : "");
    assert_int_equal(status, 200);
    assert_non_null(strstr(content_type, "text/event-stream"));
    for (int i = 0; i < (int)total; i++) {
        uint64_t id = 0;
        json_t *event = s_sse_event(sse.text, i, &id);
        assert_true(id == s_sequence_of(json_array_get(all, (size_t)i)));
        assert_true(json_equal(event, json_array_get(all, (size_t)i)));
        json_decref(event);
    }
    free(sse.text);

    /* Resuming from the first event's id starts at the second; ?after= works the same. */
    snprintf(last, sizeof(last), "%llu", (unsigned long long)first);
    memset(&sse, 0, sizeof(sse));
    sse.want = 1;
    rc = s_sse(s_url, s_admin, NULL, last, 15000, &sse, &status, NULL, 0);
    assert_int_equal(rc, CURLE_WRITE_ERROR);
    uint64_t id = 0;
    json_decref(s_sse_event(sse.text, 0, &id));
    assert_true(id == second);
    free(sse.text);
    char query[64];
    snprintf(query, sizeof(query), "after=%llu", (unsigned long long)first);
    memset(&sse, 0, sizeof(sse));
    sse.want = 1;
    rc = s_sse(s_url, s_admin, query, NULL, 15000, &sse, &status, NULL, 0);
    assert_int_equal(rc, CURLE_WRITE_ERROR);
    json_decref(s_sse_event(sse.text, 0, &id));
    assert_true(id == second);
    free(sse.text);

    /* Live: connected at the end of the stream, an event written later arrives. */
    uint64_t end = s_catch_up(s_admin);
    snprintf(last, sizeof(last), "%llu", (unsigned long long)end);
    writer_t writer = {.delay_ms = 700};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, s_writer, &writer), 0);
    memset(&sse, 0, sizeof(sse));
    sse.want = 1;
    rc = s_sse(s_url, s_admin, NULL, last, WAIT_MS, &sse, &status, NULL, 0);
    pthread_join(thread, NULL);
    if (rc != CURLE_WRITE_ERROR)
        fail_msg("no live SSE event: %s", curl_easy_strerror(rc));
    json_t *event = s_sse_event(sse.text, 0, &id);
    assert_true(id > end);
    json_decref(event);
    free(sse.text);
    free(writer.id);

    /* A client that goes away ends its stream within the poll interval, long before the next
     * keepalive (15 s) would notice: the connection's thread is gone again. */
    end = s_catch_up(s_admin);
    int baseline = s_gateway_threads();
    snprintf(last, sizeof(last), "%llu", (unsigned long long)end);
    memset(&sse, 0, sizeof(sse));
    sse.need = "retry: ";
    rc = s_sse(s_url, s_admin, NULL, last, 10000, &sse, &status, NULL, 0);
    assert_int_equal(rc, CURLE_WRITE_ERROR); /* we hung up after the first bytes */
    free(sse.text);
    int64_t deadline = vb_test_now_ms() + 5000;
    int threads = s_gateway_threads();
    while (threads > baseline && vb_test_now_ms() < deadline) {
        vb_test_pause_ms(20);
        threads = s_gateway_threads();
    }
    if (threads > baseline)
        fail_msg("the gateway still has %d threads (%d before) after the SSE client left", threads,
                 baseline);

    json_decref(all);
    free(ids[0]);
    free(ids[1]);
}

/* A token limited to persons never sees organisation or other membership events, over the
 * batch endpoint and SSE, even when it asks for everything. */
static void
test_topic_limit(void **state)
{
    (void)state;
    char *staff = s_token_create("staff", NULL, "[\"" PERSON_TOPIC "\"]");
    uint64_t start = s_catch_up(s_admin);
    char *organization = s_organization_create();
    char *person = s_person_create("Stream Topic");
    char *organization_2 = s_organization_create();

    /* The admin sees both kinds. */
    char *want_org[] = {organization_2};
    json_t *all =
        s_collect(s_admin, start, "verbund.membership.organization.created.v1", want_org, 1);
    uint64_t last_sequence = s_sequence_of(json_array_get(all, json_array_size(all) - 1));
    bool admin_saw_org = false;
    size_t i;
    json_t *event;
    json_array_foreach(all, i, event)
    {
        const char *type = json_string_value(json_object_get(event, "type"));
        admin_saw_org = admin_saw_org || strncmp(type, "verbund.membership.organization.", 32) == 0;
    }
    assert_true(admin_saw_org);
    json_decref(all);

    /* The limited token: only person events, including ours, and it can resume past the
     * organisation events it was not shown. */
    char query[96];
    snprintf(query, sizeof(query), "after=%llu&limit=5000", (unsigned long long)start);
    http_t r;
    s_read(staff, query, &r);
    assert_http(&r, 200);
    bool saw_person = false;
    json_array_foreach(r.json, i, event)
    {
        const char *type = json_string_value(json_object_get(event, "type"));
        if (strncmp(type, PERSON_TOPIC, strlen(PERSON_TOPIC)) != 0)
            fail_msg("a token limited to " PERSON_TOPIC " got %s", type);
        const char *subject = json_string_value(json_object_get(event, "subject"));
        saw_person = saw_person || (subject && strcmp(subject, person) == 0);
    }
    assert_true(saw_person);
    assert_true(strtoull(r.next_after, NULL, 10) >= last_sequence);

    /* Same over SSE: the same events (then we stop reading), none of another topic. */
    size_t expected = json_array_size(r.json);
    assert_true(expected >= 1);
    s_http_clear(&r);
    char last[32];
    snprintf(last, sizeof(last), "%llu", (unsigned long long)start);
    sse_t sse = {.want = (int)expected};
    long status = 0;
    CURLcode rc = s_sse(s_url, staff, NULL, last, 15000, &sse, &status, NULL, 0);
    assert_int_equal(rc, CURLE_WRITE_ERROR);
    assert_int_equal(status, 200);
    assert_true(sse.events >= 1);
    for (int k = 0; k < sse.events; k++) {
        uint64_t id = 0;
        json_t *json = s_sse_event(sse.text, k, &id);
        const char *type = json_string_value(json_object_get(json, "type"));
        if (strncmp(type, PERSON_TOPIC, strlen(PERSON_TOPIC)) != 0)
            fail_msg("SSE: a token limited to " PERSON_TOPIC " got %s", type);
        json_decref(json);
    }
    assert_null(strstr(sse.text, "verbund.membership.organization."));
    free(sse.text);

    /* Asking for an organisation topic is refused, not silently narrowed. */
    s_read(staff, "topic=verbund.membership.organization.", &r);
    s_assert_problem(&r, 403, "forbidden");
    s_http_clear(&r);

    /* The admin may narrow to organisations and sees no person then. */
    snprintf(query, sizeof(query), "after=%llu&topic=verbund.membership.organization.",
             (unsigned long long)start);
    s_read(s_admin, query, &r);
    assert_http(&r, 200);
    assert_true(json_array_size(r.json) >= 2);
    json_array_foreach(r.json, i, event)
    {
        const char *type = json_string_value(json_object_get(event, "type"));
        assert_int_equal(strncmp(type, "verbund.membership.organization.", 32), 0);
    }
    s_http_clear(&r);
    free(organization);
    free(organization_2);
    free(person);
    free(staff);
}

/* --- a private gateway in front of a fake stream service --- */

typedef struct {
    pthread_t thread;
    atomic_bool stop;
    char endpoint[128];
    pthread_mutex_t lock;
    pthread_cond_t ready;
    bool started;
    /* the last stream.Read seen, under lock */
    int reads;
    int role;
    char caller_topics[256]; /* Caller.topic_prefixes joined by ',' */
    char request_topics[256];
    uint64_t after;
} fake_stream_t;

static fake_stream_t s_fake;

static void
s_join(char *out, size_t size, char *const *items, size_t n)
{
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        size_t used = strlen(out);
        snprintf(out + used, size - used, "%s%s", i ? "," : "", items[i]);
    }
}

/* Answers like a stream service whose retention starts at sequence 1000 and has nothing new. */
static vb_status_t
s_fake_read(void *context, vb_rpc_call_t *call)
{
    fake_stream_t *fake = context;
    const Verbund__Stream__V1__ReadRequest *request = (const void *)call->request;
    const Verbund__Rpc__V1__Caller *caller = call->envelope->caller;
    pthread_mutex_lock(&fake->lock);
    fake->reads++;
    fake->after = request->after;
    fake->role = caller ? (int)caller->role : 0;
    s_join(fake->caller_topics, sizeof(fake->caller_topics), caller ? caller->topic_prefixes : NULL,
           caller ? caller->n_topic_prefixes : 0);
    s_join(fake->request_topics, sizeof(fake->request_topics), request->topic_prefixes,
           request->n_topic_prefixes);
    pthread_mutex_unlock(&fake->lock);
    if (request->after + 1 < 1000)
        return vb_rpc_fail(call, VB_STATUS_SNAPSHOT_REQUIRED,
                           "position %llu is older than the retention (oldest 1000)",
                           (unsigned long long)request->after);
    Verbund__Stream__V1__ReadReply *reply =
        vb_arena_message(call->arena, &verbund__stream__v1__read_reply__descriptor);
    reply->scanned_through = request->after;
    reply->newest_sequence = request->after;
    reply->oldest_sequence = 1000;
    call->reply = &reply->base;
    return VB_STATUS_OK;
}

static void *
s_fake_run(void *arg)
{
    fake_stream_t *fake = arg;
    static const vb_rpc_method_t methods[] = {
        {"stream.Read", &verbund__stream__v1__read_request__descriptor, s_fake_read, 0},
    };
    vb_rpc_server_options_t options = {
        .service = "fake-stream",
        .endpoint = "tcp://127.0.0.1:0",
        .methods = methods,
        .method_count = 1,
        .handler_context = fake,
    };
    vb_rpc_server_t *server = vb_rpc_server_new(&options);
    pthread_mutex_lock(&fake->lock);
    if (server)
        snprintf(fake->endpoint, sizeof(fake->endpoint), "%s", vb_rpc_server_endpoint(server));
    fake->started = true;
    pthread_cond_signal(&fake->ready);
    pthread_mutex_unlock(&fake->lock);
    if (!server)
        return NULL;
    zpoller_t *poller = zpoller_new(vb_rpc_server_socket(server), NULL);
    while (!atomic_load(&fake->stop)) {
        if (zpoller_wait(poller, 50))
            while (vb_rpc_server_process(server) > 0) {
            }
    }
    zpoller_destroy(&poller);
    vb_rpc_server_destroy(&server);
    return NULL;
}

/* A free loopback port (bound and released; the gateway binds it right after). */
static int
s_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = 0};
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    if (fd < 0 || bind(fd, (struct sockaddr *)&address, sizeof(address)) != 0 ||
        getsockname(fd, (struct sockaddr *)&address, &length) != 0)
        fail_msg("cannot find a free port");
    close(fd);
    return ntohs(address.sin_port);
}

/* Starts BUILD/bin/verbund-gateway on a free port against the fake stream service. Returns its
 * pid and writes its base URL. */
static pid_t
s_gateway_start(char *url, size_t url_size)
{
    const char *dir = getenv("VB_TEST_NODE_DIR");
    assert_non_null(dir);
    char binary[1024];
    snprintf(binary, sizeof(binary), "%s/../bin/verbund-gateway", dir);
    int port = s_free_port();
    snprintf(url, url_size, "http://127.0.0.1:%d", port);
    char port_text[16];
    snprintf(port_text, sizeof(port_text), "%d", port);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* A test killed on its timeout must not leave this server behind. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        setenv("VERBUND_HTTP_HOST", "127.0.0.1", 1);
        setenv("VERBUND_HTTP_PORT", port_text, 1);
        setenv("VERBUND_MEMBERSHIP_ENDPOINT", vb_test_env("VERBUND_MEMBERSHIP_ENDPOINT"), 1);
        setenv("VERBUND_STREAM_REPLAY_ENDPOINT", s_fake.endpoint, 1);
        setenv("VERBUND_GATEWAY_SSE_KEEPALIVE_MS", "300", 1);
        setenv("VERBUND_LOG_LEVEL", "warn", 1);
        execl(binary, binary, (char *)NULL);
        _exit(127);
    }
    /* Ready when /livez answers. */
    int64_t deadline = vb_test_now_ms() + 10000;
    for (;;) {
        CURL *curl = curl_easy_init();
        char livez[160];
        snprintf(livez, sizeof(livez), "%s/livez", url);
        curl_easy_setopt(curl, CURLOPT_URL, livez);
        curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
        curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 1000L);
        CURLcode rc = curl_easy_perform(curl);
        curl_easy_cleanup(curl);
        if (rc == CURLE_OK)
            return pid;
        if (vb_test_now_ms() > deadline || waitpid(pid, NULL, WNOHANG) == pid)
            fail_msg("the private gateway did not start on %s", url);
        vb_test_pause_ms(50);
    }
}

static void
test_private_gateway(void **state)
{
    (void)state;
    pthread_mutex_init(&s_fake.lock, NULL);
    pthread_cond_init(&s_fake.ready, NULL);
    assert_int_equal(pthread_create(&s_fake.thread, NULL, s_fake_run, &s_fake), 0);
    pthread_mutex_lock(&s_fake.lock);
    while (!s_fake.started)
        pthread_cond_wait(&s_fake.ready, &s_fake.lock);
    pthread_mutex_unlock(&s_fake.lock);
    assert_true(s_fake.endpoint[0] != '\0');
    char url[128];
    pid_t pid = s_gateway_start(url, sizeof(url));

    /* A position older than the retention: 410, for the batch and SSE. */
    http_t r;
    s_http(url, "GET", "/v1/stream?after=5", s_admin, NULL, &r);
    s_assert_problem(&r, 410, "snapshot_required");
    assert_non_null(strstr(json_string_value(json_object_get(r.json, "detail")), "retention"));
    s_http_clear(&r);
    s_http(url, "GET", "/v1/stream/sse?after=5", s_admin, NULL, &r);
    s_assert_problem(&r, 410, "snapshot_required");
    s_http_clear(&r);

    /* The Caller carries the token's topic prefixes; the requested topics travel separately. */
    char *limited = s_token_create("staff", NULL, "[\"" PERSON_TOPIC "\", \"verbund.x.\"]");
    s_http(url, "GET", "/v1/stream?after=2000&topic=" PERSON_TOPIC "created", limited, NULL, &r);
    assert_http(&r, 200);
    assert_string_equal(r.body, "[]");
    assert_string_equal(r.next_after, "2000");
    s_http_clear(&r);
    pthread_mutex_lock(&s_fake.lock);
    assert_int_equal(s_fake.role, VERBUND__RPC__V1__ROLE__ROLE_STAFF);
    assert_string_equal(s_fake.caller_topics, PERSON_TOPIC ",verbund.x.");
    assert_string_equal(s_fake.request_topics, PERSON_TOPIC "created");
    assert_true(s_fake.after == 2000);
    pthread_mutex_unlock(&s_fake.lock);
    /* An admin token has none (every topic). */
    s_http(url, "GET", "/v1/stream?after=2000", s_admin, NULL, &r);
    assert_http(&r, 200);
    s_http_clear(&r);
    pthread_mutex_lock(&s_fake.lock);
    assert_string_equal(s_fake.caller_topics, "");
    pthread_mutex_unlock(&s_fake.lock);

    /* SSE keeps an idle connection alive with comments (300 ms in this gateway). */
    sse_t sse = {.need = ": keepalive\n\n"};
    long status = 0;
    CURLcode rc = s_sse(url, s_admin, "after=2000", NULL, 10000, &sse, &status, NULL, 0);
    assert_int_equal(rc, CURLE_WRITE_ERROR);
    assert_int_equal(status, 200);
    assert_non_null(strstr(sse.text, "retry: "));
    free(sse.text);

    /* Shutting the gateway down ends open event streams cleanly, and the gateway exits 0 well
     * before its 8 s drain limit. */
    memset(&sse, 0, sizeof(sse));
    sse.kill_pid = pid;
    rc = s_sse(url, s_admin, "after=2000", NULL, 20000, &sse, &status, NULL, 0);
    int64_t ended_ms = vb_test_now_ms();
    if (rc != CURLE_OK)
        fail_msg("the event stream did not end cleanly on shutdown: %s", curl_easy_strerror(rc));
    assert_true(sse.killed_at_ms > 0);
    assert_true(ended_ms - sse.killed_at_ms < 5000);
    free(sse.text);
    int wstatus = 0;
    int64_t deadline = vb_test_now_ms() + 10000;
    pid_t done = 0;
    while ((done = waitpid(pid, &wstatus, WNOHANG)) == 0 && vb_test_now_ms() < deadline)
        vb_test_pause_ms(20);
    if (done != pid) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("the private gateway did not exit after SIGTERM");
    }
    assert_true(WIFEXITED(wstatus));
    assert_int_equal(WEXITSTATUS(wstatus), 0);

    atomic_store(&s_fake.stop, true);
    pthread_join(s_fake.thread, NULL);
    free(limited);
}

/* Without after (and without Last-Event-ID) a reader starts at the oldest retained event,
 * however much retention has deleted; an explicit position is taken as given. */
static void
test_no_after_starts_at_the_oldest_event(void **state)
{
    (void)state;
    free(s_person_create("Oldest Event")); /* at least one event is retained */
    uint64_t start = vb_test_stream_start();
    http_t r;
    s_read(s_admin, "limit=1", &r);
    assert_http(&r, 200);
    assert_int_equal(json_array_size(r.json), 1);
    assert_int_equal(s_sequence_of(json_array_get(r.json, 0)), start + 1);
    s_http_clear(&r);
}

int
main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    signal(SIGPIPE, SIG_IGN);
    s_admin = vb_test_env("VB_TEST_ADMIN_TOKEN");
    s_url = vb_test_env("VB_TEST_HTTP_URL");
    if (!s_admin || !s_url) {
        fprintf(stderr, "test_gateway_stream: no node (VB_TEST_NODE_DIR/env)\n");
        return 1;
    }
    if (!vb_test_env("VERBUND_STREAM_REPLAY_ENDPOINT")) {
        fprintf(stderr, "test_gateway_stream: the node runs no stream service "
                        "(VERBUND_STREAM_REPLAY_ENDPOINT is not in its env)\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tokens_and_errors), cmocka_unit_test(test_batch_in_order),
        cmocka_unit_test(test_long_poll),         cmocka_unit_test(test_sse),
        cmocka_unit_test(test_topic_limit),       cmocka_unit_test(test_private_gateway),
        cmocka_unit_test(test_no_after_starts_at_the_oldest_event),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    curl_global_cleanup();
    return failed;
}
