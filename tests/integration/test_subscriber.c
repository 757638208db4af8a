/* test_subscriber.c - the subscriber library (vb/subscriber.h) against the node's real stream
 * service: a stalled subscriber with a receive high-water mark of 10 under 2,000 writes still gets
 * every event once in order (gaps filled from replay); a stopped and restarted subscriber resumes
 * from its position file; a topic filter delivers only its topics but moves past the others;
 * 10,000 writes through the gateway while the stream service is SIGKILLed and restarted three
 * times reach a subscriber complete after deduplication; a position older than the retention
 * gets SNAPSHOT_REQUIRED (last: it ages and sweeps the start of the log).
 * Does not: test CURVE, HTTP streaming or the stream service's own rules (their tests do). */
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>
#include <czmq.h>
#include <jansson.h>
#include <libpq-fe.h>

#include "verbund/membership/v1/membership.pb-c.h"
#include "verbund/stream/v1/stream.pb-c.h"
#include "vb/clock.h"
#include "vb/cloudevent.h"
#include "vb/ids.h"
#include "vb/rpc_client.h"
#include "vb/subscriber.h"
#include "vb_test_node.h"

#define S_PERSON_CREATED "verbund.membership.person.created.v1"
#define S_ORGANIZATION_PREFIX "verbund.membership.organization."
#define S_SLOW_WRITES 6000
#define S_LOAD_WRITES 10000
#define S_LOAD_CONNECTIONS 32
#define S_RPC_WINDOW 64

static const char *s_pub;
static const char *s_replay;
static char s_tag[16];
static Verbund__Rpc__V1__Caller s_admin = {
    PROTOBUF_C_MESSAGE_INIT(&verbund__rpc__v1__caller__descriptor),
    (char *)"subscriber-test", VERBUND__RPC__V1__ROLE__ROLE_ADMIN, (char *)"", 0, NULL};

/* --- events as a subscriber or stream.Read saw them --- */

typedef struct {
    uint64_t sequence;
    char *key; /* "source id": what consumers deduplicate on */
    char *type;
    char *subject;
} s_seen_t;

typedef struct {
    s_seen_t *items;
    size_t count;
    size_t capacity;
    pthread_mutex_t lock; /* the load test reads the count from another thread */
    int stop_after;       /* the callback returns 1 once count reaches it; 0 = never */
} s_events_t;

static void
s_events_init(s_events_t *events)
{
    memset(events, 0, sizeof *events);
    pthread_mutex_init(&events->lock, NULL);
}

static void
s_events_add(s_events_t *events, const vb_cloudevent_t *event)
{
    pthread_mutex_lock(&events->lock);
    if (events->count == events->capacity) {
        events->capacity = events->capacity ? events->capacity * 2 : 1024;
        events->items = realloc(events->items, events->capacity * sizeof *events->items);
        assert_non_null(events->items);
    }
    const char *subject = vb_cloudevent_attribute(event, "subject");
    s_seen_t *seen = &events->items[events->count++];
    seen->sequence = vb_cloudevent_sequence(event);
    seen->key = zsys_sprintf("%s %s", event->source, event->id);
    seen->type = strdup(event->type);
    seen->subject = strdup(subject ? subject : "");
    pthread_mutex_unlock(&events->lock);
}

static void
s_events_free(s_events_t *events)
{
    for (size_t i = 0; i < events->count; i++) {
        zstr_free(&events->items[i].key);
        free(events->items[i].type);
        free(events->items[i].subject);
    }
    free(events->items);
    pthread_mutex_destroy(&events->lock);
    memset(events, 0, sizeof *events);
}

static int
s_collect(void *arg, const vb_cloudevent_t *event)
{
    s_events_t *events = arg;
    s_events_add(events, event);
    return events->stop_after > 0 && (int)events->count >= events->stop_after;
}

/* --- the replay socket, as a plain client --- */

static vb_rpc_client_t *
s_client(const char *endpoint)
{
    vb_rpc_client_options_t options = {.endpoint = endpoint, .attempt_timeout_ms = 2000};
    vb_rpc_client_t *client = vb_rpc_client_new(&options);
    assert_non_null(client);
    return client;
}

/* stream.Head, retried for up to 30 s (the service may be restarting). */
static void
s_head(uint64_t *oldest, uint64_t *newest)
{
    vb_rpc_client_t *client = s_client(s_replay);
    int64_t deadline = vb_clock_monotonic_us() + 30 * 1000000LL;
    for (;;) {
        Verbund__Stream__V1__HeadRequest request = VERBUND__STREAM__V1__HEAD_REQUEST__INIT;
        vb_rpc_call_options_t options = {.caller = &s_admin};
        Verbund__Rpc__V1__Reply *reply = NULL;
        vb_status_t status =
            vb_rpc_client_call(client, "stream.Head", &request.base, &options, &reply);
        if (status == VB_STATUS_OK) {
            Verbund__Stream__V1__HeadReply *head = (Verbund__Stream__V1__HeadReply *)
                vb_rpc_reply_unpack(reply, &verbund__stream__v1__head_reply__descriptor);
            assert_non_null(head);
            *oldest = head->oldest_sequence;
            *newest = head->newest_sequence;
            protobuf_c_message_free_unpacked(&head->base, NULL);
            vb_rpc_reply_free(reply);
            break;
        }
        if (reply)
            vb_rpc_reply_free(reply);
        if (vb_clock_monotonic_us() > deadline)
            fail_msg("stream.Head: %s for 30 s", vb_status_name(status));
    }
    vb_rpc_client_destroy(&client);
}

/* A short pause between two polls of a condition (never a wait for the condition itself). */
static void
s_pause_ms(int ms)
{
    zpoller_t *idle = zpoller_new(NULL);
    zpoller_wait(idle, ms);
    zpoller_destroy(&idle);
}

static void
s_pause_between_polls(void)
{
    s_pause_ms(50);
}

/* Polls stream.Head until newest >= want (the relay has moved the outbox); returns newest. */
static uint64_t
s_wait_newest(uint64_t want, int seconds)
{
    int64_t deadline = vb_clock_monotonic_us() + (int64_t)seconds * 1000000;
    uint64_t oldest = 0, newest = 0;
    for (;;) {
        s_head(&oldest, &newest);
        if (newest >= want)
            return newest;
        if (vb_clock_monotonic_us() > deadline)
            fail_msg("the stream's newest sequence is %" PRIu64 ", not %" PRIu64 " after %d s",
                     newest, want, seconds);
        s_pause_between_polls();
    }
}

/* Every event in (after, upto] by stream.Read, in order. */
static void
s_read_log(uint64_t after, uint64_t upto, s_events_t *out)
{
    vb_rpc_client_t *client = s_client(s_replay);
    while (after < upto) {
        Verbund__Stream__V1__ReadRequest request = VERBUND__STREAM__V1__READ_REQUEST__INIT;
        request.after = after;
        request.limit = 5000;
        vb_rpc_call_options_t options = {.caller = &s_admin, .deadline_ms = 20000};
        Verbund__Rpc__V1__Reply *reply = NULL;
        vb_status_t status =
            vb_rpc_client_call(client, "stream.Read", &request.base, &options, &reply);
        if (status != VB_STATUS_OK)
            fail_msg("stream.Read after %" PRIu64 ": %s %s", after, vb_status_name(status),
                     reply && reply->message ? reply->message : "");
        Verbund__Stream__V1__ReadReply *read = (Verbund__Stream__V1__ReadReply *)
            vb_rpc_reply_unpack(reply, &verbund__stream__v1__read_reply__descriptor);
        assert_non_null(read);
        for (size_t i = 0; i < read->n_events; i++)
            if (vb_cloudevent_sequence(read->events[i]) <= upto)
                s_events_add(out, read->events[i]);
        assert_true(read->scanned_through > after);
        after = read->scanned_through;
        protobuf_c_message_free_unpacked(&read->base, NULL);
        vb_rpc_reply_free(reply);
    }
    vb_rpc_client_destroy(&client);
}

/* got, after deduplication on (source, id) (first delivery kept), is exactly the log: same
 * events, same order, each sequence once. Returns the number of duplicates dropped. */
static size_t
s_assert_matches_log(const s_events_t *got, const s_events_t *log)
{
    zhashx_t *seen = zhashx_new();
    size_t duplicates = 0, next = 0;
    for (size_t i = 0; i < got->count; i++) {
        const s_seen_t *item = &got->items[i];
        if (zhashx_insert(seen, item->key, (void *)item) != 0) {
            duplicates++;
            continue;
        }
        if (next >= log->count)
            fail_msg("delivered sequence %" PRIu64 " beyond the log's %zu events", item->sequence,
                     log->count);
        const s_seen_t *want = &log->items[next++];
        if (item->sequence != want->sequence || strcmp(item->key, want->key) != 0)
            fail_msg("delivery %zu: sequence %" PRIu64 " (%s) where the log has %" PRIu64 " (%s)",
                     next, item->sequence, item->key, want->sequence, want->key);
    }
    if (next != log->count)
        fail_msg("delivered %zu distinct events, the log has %zu (first missing: %" PRIu64 ")",
                 next, log->count, log->items[next].sequence);
    zhashx_destroy(&seen);
    return duplicates;
}

/* --- writers --- */

static void
s_person_request(Verbund__Membership__V1__Person *person,
                 Verbund__Membership__V1__PersonCreateRequest *request, char *name, char *email,
                 size_t size, const char *label, int i)
{
    snprintf(name, size, "Sub %s %s %d", s_tag, label, i);
    snprintf(email, size, "%s.%s.%d@example.org", s_tag, label, i);
    verbund__membership__v1__person__init(person);
    person->name = name;
    person->email = email;
    verbund__membership__v1__person_create_request__init(request);
    request->person = person;
}

/* Creates count persons over RPC with up to S_RPC_WINDOW calls in flight; each must succeed.
 * every_other_organization interleaves an organisation after each person. */
static void
s_create_rpc(const char *label, int count, bool with_organizations, atomic_int *done)
{
    vb_rpc_client_t *client = s_client(vb_test_env("VERBUND_MEMBERSHIP_ENDPOINT"));
    int sent = 0, finished = 0, total = with_organizations ? count * 2 : count;
    while (finished < total) {
        while (sent < total && sent - finished < S_RPC_WINDOW) {
            char name[96], email[96];
            vb_rpc_call_options_t options = {.caller = &s_admin, .write = true,
                                             .deadline_ms = 30000};
            uint64_t ticket;
            int i = with_organizations ? sent / 2 : sent;
            if (with_organizations && sent % 2 == 1) {
                Verbund__Membership__V1__Organization organization =
                    VERBUND__MEMBERSHIP__V1__ORGANIZATION__INIT;
                snprintf(name, sizeof name, "Org %s %s %d", s_tag, label, i);
                organization.name = name;
                organization.kind = VERBUND__MEMBERSHIP__V1__ORGANIZATION_KIND__ORGANIZATION_KIND_NONPROFIT;
                Verbund__Membership__V1__OrganizationCreateRequest request =
                    VERBUND__MEMBERSHIP__V1__ORGANIZATION_CREATE_REQUEST__INIT;
                request.organization = &organization;
                assert_int_equal(vb_rpc_client_send(client, "membership.OrganizationCreate",
                                                    &request.base, &options, &ticket),
                                 0);
            } else {
                Verbund__Membership__V1__Person person;
                Verbund__Membership__V1__PersonCreateRequest request;
                s_person_request(&person, &request, name, email, sizeof name, label, i);
                assert_int_equal(vb_rpc_client_send(client, "membership.PersonCreate",
                                                    &request.base, &options, &ticket),
                                 0);
            }
            sent++;
        }
        uint64_t ticket;
        vb_status_t status;
        Verbund__Rpc__V1__Reply *reply = NULL;
        int rc = vb_rpc_client_receive(client, -1, &ticket, &status, &reply);
        assert_int_equal(rc, 1);
        if (status != VB_STATUS_CREATED)
            fail_msg("create %s: %s %s", label, vb_status_name(status),
                     reply && reply->message ? reply->message : "");
        if (reply)
            vb_rpc_reply_free(reply);
        finished++;
        if (done)
            atomic_store(done, finished);
    }
    vb_rpc_client_destroy(&client);
}

typedef struct {
    const char *label;
    int count;
    atomic_int done;
} s_writer_t;

static void *
s_writer_rpc(void *arg)
{
    s_writer_t *writer = arg;
    s_create_rpc(writer->label, writer->count, false, &writer->done);
    return NULL;
}

/* --- subscribers --- */

static vb_subscriber_t *
s_subscriber(const char *const *prefixes, size_t prefix_count, const char *position_file,
             uint64_t after, int high_water_mark, s_events_t *events)
{
    vb_subscriber_options_t options = {
        .pub_endpoint = s_pub,
        .replay_endpoint = s_replay,
        .topic_prefixes = prefixes,
        .topic_prefix_count = prefix_count,
        .position_file = position_file,
        .start_after = after,
        .receive_high_water_mark = high_water_mark,
        .on_event = s_collect,
        .arg = events,
    };
    vb_subscriber_t *subscriber = vb_subscriber_new(&options);
    assert_non_null(subscriber);
    return subscriber;
}

/* Processes until the position reaches target; UNAVAILABLE is retried, other failures fail. */
static void
s_process_until(vb_subscriber_t *subscriber, uint64_t target, int seconds)
{
    int64_t deadline = vb_clock_monotonic_us() + (int64_t)seconds * 1000000;
    while (vb_subscriber_position(subscriber) < target) {
        if (vb_clock_monotonic_us() > deadline)
            fail_msg("subscriber at %" PRIu64 ", not %" PRIu64 " after %d s",
                     vb_subscriber_position(subscriber), target, seconds);
        if (vb_subscriber_process(subscriber, 100) == -1 &&
            vb_subscriber_status(subscriber) != VB_STATUS_UNAVAILABLE)
            fail_msg("subscriber: %s", vb_subscriber_error(subscriber));
    }
}

static char *
s_position_path(const char *name)
{
    char *path = zsys_sprintf("%s/sub-%s-%s.pos", getenv("VB_TEST_NODE_DIR"), s_tag, name);
    unlink(path);
    return path;
}

/* --- tests --- */

static int
s_setup(void **state)
{
    (void)state;
    s_pub = vb_test_env("VERBUND_STREAM_PUB_ENDPOINT");
    s_replay = vb_test_env("VERBUND_STREAM_REPLAY_ENDPOINT");
    if (!s_pub || !s_replay || !vb_test_env("VERBUND_MEMBERSHIP_ENDPOINT"))
        return -1;
    char id[VB_UUID_STRING_SIZE];
    vb_uuid7(id);
    snprintf(s_tag, sizeof s_tag, "s%.4s%.4s", id + 24, id + 28);
    return 0;
}

/* (a) A subscriber that barely reads while 6,000 events are published (more than the
 * publisher queue of 1,000 that tests/support/node.sh sets plus both TCP buffers hold), with a
 * receive high-water mark of 10: the publisher drops what does not fit, and the subscriber
 * still ends with every event exactly once, in order. */
static void
test_slow_subscriber_fills_gaps(void **state)
{
    (void)state;
    uint64_t oldest, start;
    s_head(&oldest, &start);
    s_events_t got;
    s_events_init(&got);
    vb_subscriber_t *subscriber = s_subscriber(NULL, 0, NULL, start, 10, &got);
    /* Whatever the SUB socket misses while it is still connecting is a gap like any other. */
    assert_int_equal(vb_subscriber_process(subscriber, 0), 0);

    s_writer_t writer = {.label = "slow", .count = S_SLOW_WRITES};
    pthread_t thread;
    assert_int_equal(pthread_create(&thread, NULL, s_writer_rpc, &writer), 0);
    /* Read slowly: one process call whenever another 250 writes have been acknowledged, and the
     * consumer stops after each event, so the subscriber falls far behind the publisher. */
    got.stop_after = 0;
    int processed_at = 0;
    while (atomic_load(&writer.done) < S_SLOW_WRITES) {
        int done = atomic_load(&writer.done);
        if (done - processed_at >= 250) {
            processed_at = done;
            got.stop_after = (int)got.count + 1;
            assert_true(vb_subscriber_process(subscriber, 0) >= 0);
        }
        s_pause_ms(2);
    }
    pthread_join(thread, NULL);
    got.stop_after = 0;
    uint64_t newest = s_wait_newest(start + S_SLOW_WRITES, 60);
    s_process_until(subscriber, newest, 60);

    s_events_t log;
    s_events_init(&log);
    s_read_log(start, newest, &log);
    assert_int_equal(log.count, S_SLOW_WRITES);
    assert_int_equal(s_assert_matches_log(&got, &log), 0); /* exactly once, no duplicate */
    vb_subscriber_stats_t stats = vb_subscriber_stats(subscriber);
    printf("slow subscriber: live %" PRIu64 ", replayed %" PRIu64 ", gaps %" PRIu64
           ", duplicates skipped %" PRIu64 "\n",
           stats.live, stats.replayed, stats.gaps, stats.duplicates_skipped);
    assert_true(stats.gaps > 0);
    assert_true(stats.replayed > 0);
    vb_subscriber_destroy(&subscriber);
    s_events_free(&got);
    s_events_free(&log);
}

/* (b) Stopped after 100 of 300 events and started again with the same position file, the
 * subscriber goes on right after the last event it delivered. */
static void
test_restart_resumes_from_position_file(void **state)
{
    (void)state;
    uint64_t oldest, start;
    s_head(&oldest, &start);
    char *position_file = s_position_path("restart");
    s_create_rpc("restart1", 200, false, NULL);

    s_events_t got;
    s_events_init(&got);
    got.stop_after = 100;
    vb_subscriber_t *subscriber = s_subscriber(NULL, 0, position_file, start, 0, &got);
    s_process_until(subscriber, start + 100, 30);
    assert_int_equal(vb_subscriber_position(subscriber), start + 100);
    assert_int_equal(got.count, 100);
    vb_subscriber_destroy(&subscriber);

    FILE *file = fopen(position_file, "r");
    assert_non_null(file);
    unsigned long long persisted = 0;
    assert_int_equal(fscanf(file, "%llu", &persisted), 1);
    fclose(file);
    assert_int_equal(persisted, start + 100);

    s_create_rpc("restart2", 100, false, NULL);
    uint64_t newest = s_wait_newest(start + 300, 60);
    got.stop_after = 0;
    size_t before = got.count;
    /* start_after 0 must not matter: the file wins. */
    subscriber = s_subscriber(NULL, 0, position_file, 0, 0, &got);
    assert_int_equal(vb_subscriber_position(subscriber), start + 100);
    s_process_until(subscriber, newest, 30);
    assert_true(got.count > before);
    assert_int_equal(got.items[before].sequence, start + 101);
    vb_subscriber_destroy(&subscriber);

    s_events_t log;
    s_events_init(&log);
    s_read_log(start, newest, &log);
    assert_int_equal(s_assert_matches_log(&got, &log), 0);
    s_events_free(&got);
    s_events_free(&log);
    unlink(position_file);
    zstr_free(&position_file);
}

/* (d) A topic filter: only organisation events are delivered, and the position moves past the
 * person events between and after them. */
static void
test_topic_filter(void **state)
{
    (void)state;
    uint64_t oldest, start;
    s_head(&oldest, &start);
    s_events_t got;
    s_events_init(&got);
    const char *prefixes[] = {S_ORGANIZATION_PREFIX};
    vb_subscriber_t *subscriber = s_subscriber(prefixes, 1, NULL, start, 0, &got);
    assert_int_equal(vb_subscriber_process(subscriber, 0), 0);

    s_create_rpc("filter", 50, true, NULL);         /* person, organisation, person, ... */
    s_create_rpc("filter-tail", 3, false, NULL);    /* the newest events are not ours */
    uint64_t newest = s_wait_newest(start + 103, 60);
    s_process_until(subscriber, newest, 30);
    assert_int_equal(vb_subscriber_position(subscriber), newest);

    s_events_t log, filtered;
    s_events_init(&log);
    s_events_init(&filtered);
    s_read_log(start, newest, &log);
    for (size_t i = 0; i < log.count; i++) {
        if (strncmp(log.items[i].type, S_ORGANIZATION_PREFIX, strlen(S_ORGANIZATION_PREFIX)))
            continue;
        filtered.items = realloc(filtered.items, (filtered.count + 1) * sizeof *filtered.items);
        filtered.items[filtered.count] = log.items[i];
        filtered.items[filtered.count].key = strdup(log.items[i].key);
        filtered.items[filtered.count].type = strdup(log.items[i].type);
        filtered.items[filtered.count].subject = strdup(log.items[i].subject);
        filtered.count++;
    }
    assert_int_equal(filtered.count, 50);
    assert_int_equal(s_assert_matches_log(&got, &filtered), 0);
    for (size_t i = 0; i < got.count; i++)
        assert_int_equal(strncmp(got.items[i].type, S_ORGANIZATION_PREFIX,
                                 strlen(S_ORGANIZATION_PREFIX)),
                         0);
    vb_subscriber_destroy(&subscriber);
    s_events_free(&got);
    s_events_free(&log);
    s_events_free(&filtered);
}

/* --- (e) 10,000 writes through the gateway while the stream service is killed --- */

typedef struct {
    char *data;
    size_t size;
} s_buffer_t;

static size_t
s_buffer_write(char *ptr, size_t size, size_t nmemb, void *arg)
{
    s_buffer_t *buffer = arg;
    size_t n = size * nmemb;
    buffer->data = realloc(buffer->data, buffer->size + n + 1);
    assert_non_null(buffer->data);
    memcpy(buffer->data + buffer->size, ptr, n);
    buffer->size += n;
    buffer->data[buffer->size] = '\0';
    return n;
}

typedef struct {
    CURL *easy;
    int index;            /* the person this request creates; -1 = idle */
    char body[256];
    struct curl_slist *headers;
    s_buffer_t response;
} s_slot_t;

typedef struct {
    int count;
    atomic_int done;     /* acknowledged (201) */
    char **ids;          /* the created person ids by index */
    int *attempts;       /* requests sent per index */
    atomic_int failures; /* persons whose create never succeeded */
    atomic_int gate;     /* persons with an index below it may be sent */
} s_http_writer_t;

static void
s_slot_start(s_http_writer_t *writer, s_slot_t *slot, CURLM *multi, const char *url, int index)
{
    slot->index = index;
    writer->attempts[index]++;
    free(slot->response.data);
    slot->response = (s_buffer_t){0};
    snprintf(slot->body, sizeof slot->body,
             "{\"name\": \"Load %s %d\", \"email\": \"%s.load.%d@example.org\"}", s_tag, index,
             s_tag, index);
    curl_slist_free_all(slot->headers);
    char line[256];
    snprintf(line, sizeof line, "Authorization: Bearer %s", vb_test_env("VB_TEST_ADMIN_TOKEN"));
    slot->headers = curl_slist_append(NULL, line);
    slot->headers = curl_slist_append(slot->headers, "Content-Type: application/json");
    snprintf(line, sizeof line, "Idempotency-Key: %s-load-%d", s_tag, index);
    slot->headers = curl_slist_append(slot->headers, line);
    curl_easy_setopt(slot->easy, CURLOPT_URL, url);
    curl_easy_setopt(slot->easy, CURLOPT_POSTFIELDS, slot->body);
    curl_easy_setopt(slot->easy, CURLOPT_HTTPHEADER, slot->headers);
    curl_easy_setopt(slot->easy, CURLOPT_WRITEFUNCTION, s_buffer_write);
    curl_easy_setopt(slot->easy, CURLOPT_WRITEDATA, &slot->response);
    curl_easy_setopt(slot->easy, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(slot->easy, CURLOPT_PRIVATE, slot);
    curl_multi_add_handle(multi, slot->easy);
}

static void *
s_writer_http(void *arg)
{
    s_http_writer_t *writer = arg;
    char *url = zsys_sprintf("%s/v1/persons", vb_test_env("VB_TEST_HTTP_URL"));
    CURLM *multi = curl_multi_init();
    s_slot_t slots[S_LOAD_CONNECTIONS] = {0};
    int next = 0;
    int *retry = calloc((size_t)writer->count, sizeof *retry);
    int retry_count = 0;
    for (int i = 0; i < S_LOAD_CONNECTIONS; i++) {
        slots[i].easy = curl_easy_init();
        slots[i].index = -1;
    }
    while (atomic_load(&writer->done) + atomic_load(&writer->failures) < writer->count) {
        /* Idle connections take retries first, then new persons up to the gate. */
        for (int i = 0; i < S_LOAD_CONNECTIONS; i++) {
            if (slots[i].index >= 0)
                continue;
            int index = -1;
            if (retry_count > 0)
                index = retry[--retry_count];
            else if (next < writer->count && next < atomic_load(&writer->gate))
                index = next++;
            if (index < 0)
                break;
            s_slot_start(writer, &slots[i], multi, url, index);
        }
        int running = 0;
        curl_multi_perform(multi, &running);
        CURLMsg *message;
        int left;
        while ((message = curl_multi_info_read(multi, &left))) {
            if (message->msg != CURLMSG_DONE)
                continue;
            s_slot_t *slot = NULL;
            curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, (char **)&slot);
            long status = 0;
            curl_easy_getinfo(slot->easy, CURLINFO_RESPONSE_CODE, &status);
            CURLcode result = message->data.result;
            curl_multi_remove_handle(multi, slot->easy);
            if (result == CURLE_OK && status == 201) {
                json_t *json = json_loads(slot->response.data ? slot->response.data : "", 0,
                                          NULL);
                const char *id = json_string_value(json_object_get(json, "id"));
                writer->ids[slot->index] = id ? strdup(id) : NULL;
                json_decref(json);
                atomic_fetch_add(&writer->done, 1);
            } else if (writer->attempts[slot->index] < 5) {
                /* Same idempotency key: a retried create is applied once. */
                retry[retry_count++] = slot->index;
            } else {
                fprintf(stderr, "create %d: curl %d, HTTP %ld: %s\n", slot->index, result,
                        status, slot->response.data ? slot->response.data : "");
                atomic_fetch_add(&writer->failures, 1);
            }
            slot->index = -1;
        }
        curl_multi_poll(multi, NULL, 0, 20, NULL);
    }
    for (int i = 0; i < S_LOAD_CONNECTIONS; i++) {
        curl_easy_cleanup(slots[i].easy);
        curl_slist_free_all(slots[i].headers);
        free(slots[i].response.data);
    }
    curl_multi_cleanup(multi);
    free(retry);
    zstr_free(&url);
    return NULL;
}

typedef struct {
    uint64_t start;
    _Atomic uint64_t target; /* 0 until the main thread knows the final newest sequence */
    s_events_t events;
    vb_subscriber_stats_t stats;
    char *position_file;
    int failures;            /* process calls that failed (UNAVAILABLE while the stream is down) */
    char error[256];         /* a failure other than UNAVAILABLE */
} s_follower_t;

static void *
s_follower(void *arg)
{
    s_follower_t *follower = arg;
    vb_subscriber_t *subscriber =
        s_subscriber(NULL, 0, follower->position_file, follower->start, 0, &follower->events);
    int64_t deadline = vb_clock_monotonic_us() + 200 * 1000000LL;
    for (;;) {
        uint64_t target = atomic_load(&follower->target);
        if (target > 0 && vb_subscriber_position(subscriber) >= target)
            break;
        if (vb_clock_monotonic_us() > deadline) {
            snprintf(follower->error, sizeof follower->error, "still at %" PRIu64 " after 200 s",
                     vb_subscriber_position(subscriber));
            break;
        }
        if (vb_subscriber_process(subscriber, 200) == -1) {
            follower->failures++;
            if (vb_subscriber_status(subscriber) != VB_STATUS_UNAVAILABLE) {
                snprintf(follower->error, sizeof follower->error, "%s",
                         vb_subscriber_error(subscriber));
                break;
            }
        }
    }
    follower->stats = vb_subscriber_stats(subscriber);
    vb_subscriber_destroy(&subscriber);
    return NULL;
}

static void
test_ten_thousand_writes_with_stream_kills(void **state)
{
    (void)state;
    assert_int_equal(curl_global_init(CURL_GLOBAL_DEFAULT), 0);
    uint64_t oldest, start;
    s_head(&oldest, &start);
    int64_t began = vb_clock_monotonic_us();

    s_follower_t follower = {.start = start, .position_file = s_position_path("load")};
    s_events_init(&follower.events);
    pthread_t follower_thread;
    assert_int_equal(pthread_create(&follower_thread, NULL, s_follower, &follower), 0);

    /* Three SIGKILLs of the stream service, each after kill_at acknowledged writes; the writer
     * waits at the gate until the stream is back, so every kill falls into the writes. */
    static const int kill_at[] = {1500, 4000, 6500};
    static const int gate_after[] = {5000, 7500, S_LOAD_WRITES};
    s_http_writer_t writer = {.count = S_LOAD_WRITES, .gate = 2500};
    writer.ids = calloc(S_LOAD_WRITES, sizeof *writer.ids);
    writer.attempts = calloc(S_LOAD_WRITES, sizeof *writer.attempts);
    pthread_t writer_thread;
    assert_int_equal(pthread_create(&writer_thread, NULL, s_writer_http, &writer), 0);

    for (size_t k = 0; k < VB_ARRAY_SIZE(kill_at); k++) {
        while (atomic_load(&writer.done) < kill_at[k] &&
               atomic_load(&writer.done) + atomic_load(&writer.failures) < S_LOAD_WRITES)
            s_pause_ms(2);
        int killed_at = atomic_load(&writer.done);
        assert_int_equal(vb_test_node_cmd("kill-service", "stream"), 0);
        assert_int_equal(vb_test_node_cmd("restart-service", "stream"), 0);
        printf("stream killed at %d writes, back at %d\n", killed_at, atomic_load(&writer.done));
        atomic_store(&writer.gate, gate_after[k]);
    }
    pthread_join(writer_thread, NULL);
    assert_int_equal(atomic_load(&writer.failures), 0);
    assert_int_equal(atomic_load(&writer.done), S_LOAD_WRITES);

    uint64_t newest = s_wait_newest(start + S_LOAD_WRITES, 90);
    atomic_store(&follower.target, newest);
    pthread_join(follower_thread, NULL);
    if (follower.error[0])
        fail_msg("subscriber: %s", follower.error);

    s_events_t log;
    s_events_init(&log);
    s_read_log(start, newest, &log);
    assert_int_equal(log.count, newest - start);
    size_t duplicates = s_assert_matches_log(&follower.events, &log);

    /* Every acknowledged person has its person.created event in the log. */
    zhashx_t *created = zhashx_new();
    for (size_t i = 0; i < log.count; i++)
        if (strcmp(log.items[i].type, S_PERSON_CREATED) == 0)
            zhashx_insert(created, log.items[i].subject, log.items + i);
    for (int i = 0; i < S_LOAD_WRITES; i++) {
        assert_non_null(writer.ids[i]);
        if (!zhashx_lookup(created, writer.ids[i]))
            fail_msg("no person.created event for person %d (%s)", i, writer.ids[i]);
        free(writer.ids[i]);
    }
    zhashx_destroy(&created);
    free(writer.ids);
    free(writer.attempts);
    printf("10,000 writes: %zu events in %.1f s; subscriber: live %" PRIu64 ", replayed %" PRIu64
           ", gaps %" PRIu64 ", duplicates delivered %zu, failed process calls %d\n",
           log.count, (double)(vb_clock_monotonic_us() - began) / 1e6, follower.stats.live,
           follower.stats.replayed, follower.stats.gaps, duplicates, follower.failures);
    s_events_free(&follower.events);
    s_events_free(&log);
    unlink(follower.position_file);
    zstr_free(&follower.position_file);
    curl_global_cleanup();
}

/* (c) Runs last: ages the first events by 40 days, waits for the sweep, and a subscriber whose
 * position lies before the retained range gets SNAPSHOT_REQUIRED; reset to the oldest retained
 * position, it goes on. */
static void
test_position_older_than_retention(void **state)
{
    (void)state;
    uint64_t oldest, newest;
    s_head(&oldest, &newest);
    s_create_rpc("retention", 10, false, NULL);
    newest = s_wait_newest(newest + 10, 60);
    assert_true(newest >= oldest + 5);
    uint64_t aged_upto = oldest + 4;

    PGconn *db = PQconnectdb(vb_test_env("VERBUND_DATABASE_URL"));
    assert_int_equal(PQstatus(db), CONNECTION_OK);
    char upto[32];
    snprintf(upto, sizeof upto, "%" PRIu64, aged_upto);
    const char *values[] = {upto};
    PGresult *result = PQexecParams(
        db, "UPDATE stream.log SET time = time - interval '40 days' WHERE sequence <= $1::int8",
        1, NULL, values, NULL, NULL, 0);
    if (PQresultStatus(result) != PGRES_COMMAND_OK)
        fail_msg("aging the log: %s", PQerrorMessage(db));
    assert_int_equal(atoi(PQcmdTuples(result)), 5);
    PQclear(result);
    PQfinish(db);

    /* The sweep runs every 500 ms in the fixture. */
    int64_t deadline = vb_clock_monotonic_us() + 30 * 1000000LL;
    uint64_t now_oldest = oldest;
    while (now_oldest <= aged_upto) {
        if (vb_clock_monotonic_us() > deadline)
            fail_msg("the sweep did not remove sequences <= %" PRIu64 " in 30 s", aged_upto);
        uint64_t ignored;
        s_pause_between_polls();
        s_head(&now_oldest, &ignored);
    }
    assert_int_equal(now_oldest, aged_upto + 1);

    s_events_t got;
    s_events_init(&got);
    char *position_file = s_position_path("retention");
    vb_subscriber_t *subscriber = s_subscriber(NULL, 0, position_file, oldest - 1, 0, &got);
    assert_int_equal(vb_subscriber_process(subscriber, 100), -1);
    assert_int_equal(vb_subscriber_status(subscriber), VB_STATUS_SNAPSHOT_REQUIRED);
    assert_int_equal(got.count, 0);
    assert_int_equal(vb_subscriber_position(subscriber), oldest - 1); /* never a silent skip */
    /* It stays that way until the consumer resets. */
    assert_int_equal(vb_subscriber_process(subscriber, 100), -1);
    assert_int_equal(vb_subscriber_status(subscriber), VB_STATUS_SNAPSHOT_REQUIRED);

    vb_subscriber_reset(subscriber, now_oldest - 1);
    s_process_until(subscriber, newest, 30);
    assert_int_equal(got.items[0].sequence, now_oldest);
    assert_int_equal(got.count, vb_subscriber_position(subscriber) - now_oldest + 1);
    vb_subscriber_destroy(&subscriber);
    s_events_free(&got);
    unlink(position_file);
    zstr_free(&position_file);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slow_subscriber_fills_gaps),
        cmocka_unit_test(test_restart_resumes_from_position_file),
        cmocka_unit_test(test_topic_filter),
        cmocka_unit_test(test_ten_thousand_writes_with_stream_kills),
        cmocka_unit_test(test_position_older_than_retention),
    };
    return cmocka_run_group_tests(tests, s_setup, NULL);
}
