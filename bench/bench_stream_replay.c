/* bench_stream_replay.c - replay of 1,000,000 stored events to one subscriber (stream.Read
 * through vb_rpc_client, a few reads in flight) against XRANGE ... COUNT 500 over 1,000,000
 * entries of a Redis stream with the same payload size, in the fixture's Redis (hiredis);
 * rounds interleaved, medians. The events are loaded straight into stream.log with
 * generate_series (the shape the relay writes: columns plus the packed CloudEvent, each with its
 * own id and sequence attribute). The subscriber splits every reply into its events' CloudEvent
 * bytes (what XRANGE hands out: one opaque value per entry) and checks the count and the order;
 * a report-only line shows the rate with every page fully decoded as vb_subscriber decodes it
 * (vb_stream_read_reply_unpack into an arena). The
 * node's own stream followers are stopped first, so the subscriber is the only reader.
 * Does not: measure the live PUB path (bench_stream_fanout.c). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "bench_node.h"
#include "bench_report.h"
#include "verbund/stream/v1/stream.pb-c.h"
#include "vb/cloudevent.h"
#include "vb/cloudevent_wire.h"
#include "vb/db.h"
#include "vb/log.h"
#include "vb/rpc_client.h"

#define EVENTS 1000000
#define ROUNDS 3
#define READ_LIMIT 5000
#define IN_FLIGHT 4
#define XRANGE_COUNT 500
#define S_ID_PLACEHOLDER "00000000-0000-7000-8000-000000000000"
#define S_SEQUENCE_PLACEHOLDER "10000000000000000000"

static void
s_die(const char *what)
{
    fprintf(stderr, "bench: %s\n", what);
    exit(1);
}

/* The packed CloudEvent of a typical person.created event with placeholder id and sequence
 * (both fixed width), and its payload. */
static uint8_t *
s_template(vb_arena_t *arena, size_t *length, uint8_t **data, size_t *data_length)
{
    bench_person_t person;
    bench_person_fill(&person, "replay", 1);
    person.person.id = (char *) "0190a0b0-c0d0-7e0f-8a1b-2c3d4e5f6a7b";
    Verbund__Membership__V1__PersonEvent event = VERBUND__MEMBERSHIP__V1__PERSON_EVENT__INIT;
    event.person = &person.person;
    *data_length = verbund__membership__v1__person_event__get_packed_size(&event);
    *data = vb_arena_alloc(arena, *data_length);
    verbund__membership__v1__person_event__pack(&event, *data);
    vb_cloudevent_fields_t fields = {
        .id = S_ID_PLACEHOLDER,
        .source = "//verbund/local/membership",
        .type = "verbund.membership.person.created.v1",
        .subject = "0190a0b0-c0d0-7e0f-8a1b-2c3d4e5f6a7b",
        .time_unix_us = (int64_t) time(NULL) * 1000000,
        .sequence = UINT64_C(10000000000000000000),
        .dataschema = "verbund.membership.v1.PersonEvent",
        .data = *data,
        .data_length = *data_length,
    };
    vb_cloudevent_t *cloudevent = vb_cloudevent_build(arena, &fields);
    *length = protobuf_c_message_get_packed_size(&cloudevent->base);
    uint8_t *bytes = vb_arena_alloc(arena, *length);
    protobuf_c_message_pack(&cloudevent->base, bytes);
    return bytes;
}

static size_t
s_find(const uint8_t *bytes, size_t length, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= length; i++)
        if (memcmp(bytes + i, needle, n) == 0)
            return i;
    s_die("placeholder not found in the template");
    return 0;
}

static char *
s_hex(const uint8_t *bytes, size_t length)
{
    char *text = malloc(2 * length + 3);
    strcpy(text, "\\x");
    for (size_t i = 0; i < length; i++)
        sprintf(text + 2 + 2 * i, "%02x", bytes[i]);
    return text;
}

/* Loads EVENTS rows into stream.log: the template with each row's id and sequence spliced in. */
static void
s_load_log(const uint8_t *cloudevent, size_t length, const uint8_t *data, size_t data_length)
{
    size_t id_at = s_find(cloudevent, length, S_ID_PLACEHOLDER);
    size_t sequence_at = s_find(cloudevent, length, S_SEQUENCE_PLACEHOLDER);
    if (id_at > sequence_at)
        s_die("template layout: id after sequence");
    size_t id_end = id_at + strlen(S_ID_PLACEHOLDER);
    size_t sequence_end = sequence_at + strlen(S_SEQUENCE_PLACEHOLDER);
    char *head = s_hex(cloudevent, id_at);
    char *middle = s_hex(cloudevent + id_end, sequence_at - id_end);
    char *tail = s_hex(cloudevent + sequence_end, length - sequence_end);
    char *payload = s_hex(data, data_length);
    char events_text[24];
    snprintf(events_text, sizeof events_text, "%d", EVENTS);
    vb_db_options_t options = {.conninfo = getenv("VERBUND_DATABASE_URL"), .schema = "stream"};
    char err[512];
    vb_db_t *db = vb_db_new(&options, err, sizeof err);
    if (!db)
        s_die(err);
    /* ids: a UUIDv7-shaped text per row (md5 of the sequence); times one microsecond apart from
     * now (inside the retention) */
    const char *sql =
        "WITH g AS (SELECT n, overlay(md5(n::text)::uuid::text PLACING '7' FROM 15 FOR 1) AS id"
        "  FROM generate_series(1, $1::int8) n)"
        " INSERT INTO log (sequence, id, source, type, subject, time, dataschema, data, cloudevent)"
        " SELECT n, id::uuid, '//verbund/local/membership', 'verbund.membership.person.created.v1',"
        "  '0190a0b0-c0d0-7e0f-8a1b-2c3d4e5f6a7b',"
        "  timestamptz 'epoch' + ($6::int8 + n) * interval '1 microsecond',"
        "  'verbund.membership.v1.PersonEvent', $5::bytea,"
        "  $2::bytea || convert_to(id, 'UTF8') || $3::bytea"
        "   || convert_to(lpad(n::text, 20, '0'), 'UTF8') || $4::bytea"
        " FROM g";
    char now_text[24];
    snprintf(now_text, sizeof now_text, "%lld", (long long) time(NULL) * 1000000);
    const char *params[] = {events_text, head, middle, tail, payload, now_text};
    vb_status_t status = vb_db_exec(db, sql, params, 6, NULL, NULL, NULL);
    if (status != VB_STATUS_OK)
        s_die(vb_db_error(db));
    const char *state_params[] = {events_text};
    status = vb_db_exec(db, "UPDATE state SET newest_sequence = $1::int8", state_params, 1, NULL,
                        NULL, NULL);
    if (status == VB_STATUS_OK)
        status = vb_db_exec(db, "VACUUM ANALYZE log", NULL, 0, NULL, NULL, NULL);
    if (status != VB_STATUS_OK)
        s_die(vb_db_error(db));
    vb_db_destroy(&db);
    free(head);
    free(middle);
    free(tail);
    free(payload);
}

/* EVENTS entries of one field, value the size of a CloudEvent, pipelined XADDs. */
static void
s_load_redis(redisContext *redis, size_t length)
{
    char *value = malloc(length);
    memset(value, 'x', length);
    redisReply *reply = redisCommand(redis, "DEL bench:replay");
    freeReplyObject(reply);
    for (int i = 0; i < EVENTS; i += 1000) {
        for (int j = 0; j < 1000; j++)
            redisAppendCommand(redis, "XADD bench:replay * e %b", value, length);
        for (int j = 0; j < 1000; j++) {
            if (redisGetReply(redis, (void **) &reply) != REDIS_OK)
                s_die("XADD failed");
            freeReplyObject(reply);
        }
    }
    free(value);
}

/* One full XRANGE pass over the stream, COUNT XRANGE_COUNT; entries per second. */
static double
s_run_redis(redisContext *redis)
{
    double start = bench_now_seconds();
    long entries = 0;
    char from[64] = "-";
    for (;;) {
        redisReply *reply = redisCommand(redis, "XRANGE bench:replay %s + COUNT %d", from,
                                         XRANGE_COUNT);
        if (!reply || reply->type != REDIS_REPLY_ARRAY)
            s_die("XRANGE failed");
        size_t n = reply->elements;
        entries += (long) n;
        if (n > 0) {
            redisReply *last = reply->element[n - 1]->element[0];
            snprintf(from, sizeof from, "(%s", last->str); /* exclusive start (Redis >= 6.2) */
        }
        freeReplyObject(reply);
        if (n < XRANGE_COUNT)
            break;
    }
    double elapsed = bench_now_seconds() - start;
    if (entries != EVENTS)
        s_die("XRANGE did not return every entry");
    return entries / elapsed;
}

/* Walks a ReadReply's wire bytes: each field-1 entry is one CloudEvent. Returns the count. */
static long
s_split(const uint8_t *p, size_t length, uint64_t *scanned_through)
{
    const uint8_t *end = p + length;
    long count = 0;
    while (p < end) {
        uint8_t tag = *p++;
        uint64_t value = 0;
        for (int shift = 0; p < end; shift += 7) {
            uint8_t byte = *p++;
            value |= (uint64_t) (byte & 0x7f) << shift;
            if (!(byte & 0x80))
                break;
        }
        if (tag == 0x0a) {
            p += value; /* one CloudEvent: value bytes at p */
            count++;
        } else if (tag == 0x10) {
            *scanned_through = value;
        } else if ((tag & 7) != 0) {
            s_die("unexpected field in ReadReply");
        }
    }
    return count;
}

/* One replay of the whole log, IN_FLIGHT reads at a time; events per second. decode: unpack
 * every CloudEvent with protobuf-c and check its sequence. */
static double
s_run_verbund(vb_rpc_client_t *client, bool decode)
{
    Verbund__Stream__V1__ReadRequest request = VERBUND__STREAM__V1__READ_REQUEST__INIT;
    request.limit = READ_LIMIT;
    vb_rpc_call_options_t options = {.deadline_ms = 30000, .caller = bench_admin_caller()};
    uint64_t after_of[64] = {0};
    uint64_t next_after = 0;
    long events = 0;
    vb_arena_t *page_arena = vb_arena_new(); /* one page decoded at a time */
    double start = bench_now_seconds();
    while (events < EVENTS) {
        while (next_after < EVENTS && vb_rpc_client_pending(client) < IN_FLIGHT) {
            request.after = next_after;
            uint64_t ticket = 0;
            if (vb_rpc_client_send(client, "stream.Read", &request.base, &options, &ticket) != 0)
                s_die("stream.Read send failed");
            after_of[ticket % 64] = next_after;
            next_after += READ_LIMIT;
        }
        uint64_t ticket = 0;
        vb_status_t status = VB_STATUS_OK;
        Verbund__Rpc__V1__Reply *reply = NULL;
        if (vb_rpc_client_receive(client, -1, &ticket, &status, &reply) != 1)
            s_die("stream.Read: no reply");
        if (status != VB_STATUS_OK || !reply) {
            fprintf(stderr, "bench: stream.Read: %s %s\n", vb_status_name(status),
                    reply && reply->message ? reply->message : "");
            exit(1);
        }
        uint64_t after = after_of[ticket % 64];
        long count = 0;
        if (decode) {
            vb_arena_reset(page_arena);
            Verbund__Stream__V1__ReadReply *read =
                vb_stream_read_reply_unpack(page_arena, reply->body.data, reply->body.len);
            if (!read)
                s_die("ReadReply does not decode");
            count = (long) read->n_events;
            for (size_t i = 0; i < read->n_events; i++)
                if (vb_cloudevent_sequence(read->events[i]) != after + 1 + i)
                    s_die("replay out of order");
        } else {
            uint64_t scanned = 0;
            count = s_split(reply->body.data, reply->body.len, &scanned);
            if (scanned != after + (uint64_t) count)
                s_die("replay: scanned_through does not follow the events");
        }
        uint64_t expected = EVENTS - after < READ_LIMIT ? EVENTS - after : READ_LIMIT;
        if ((uint64_t) count != expected)
            s_die("replay: a page is short");
        events += count;
        vb_rpc_reply_free(reply);
    }
    double rate = events / (bench_now_seconds() - start);
    vb_arena_destroy(&page_arena);
    return rate;
}

int
main(void)
{
    vb_log_set_service("bench");
    vb_log_set_level(VB_LOG_WARN);
    bench_node_start();
    vb_arena_t *arena = vb_arena_new();
    size_t length = 0, data_length = 0;
    uint8_t *data = NULL;
    uint8_t *cloudevent = s_template(arena, &length, &data, &data_length);

    redisContext *redis = redisConnect(getenv("VERBUND_REDIS_HOST"),
                                       atoi(getenv("VERBUND_REDIS_PORT")));
    if (!redis || redis->err)
        s_die("cannot connect to Redis");
    double load_start = bench_now_seconds();
    s_load_log(cloudevent, length, data, data_length);
    s_load_redis(redis, length);
    printf("info stream_replay: %d events of %zu bytes (payload %zu) loaded in %.1f s\n", EVENTS,
           length, data_length, bench_now_seconds() - load_start);
    fflush(stdout);
    /* One subscriber: the services that follow the stream (matchmaking's read model, the
     * erasure followers of communities and events) would otherwise replay the loaded log
     * through the same stream service during the rounds, about a second reader's worth of
     * work on the two sides' shared CPUs. Nothing else here needs them. */
    static const char *const followers[] = {"matchmaking", "events", "communities"};
    for (size_t i = 0; i < sizeof followers / sizeof followers[0]; i++)
        if (bench_node_script("kill-service", followers[i]) != 0)
            exit(1);
    bench_node_restart("stream"); /* its relay would otherwise publish the loaded rows */

    vb_rpc_client_options_t client_options = {
        .endpoint = getenv("VERBUND_STREAM_REPLAY_ENDPOINT"), .attempt_timeout_ms = 30000,
        .max_attempts = 1};
    vb_rpc_client_t *client = vb_rpc_client_new(&client_options);
    if (!client)
        s_die("cannot create the RPC client");
    (void) s_run_verbund(client, false); /* warm the cache of both */
    (void) s_run_redis(redis);
    double verbund[ROUNDS], reference[ROUNDS], decoded[ROUNDS];
    for (int round = 0; round < ROUNDS; round++) {
        reference[round] = s_run_redis(redis);
        verbund[round] = s_run_verbund(client, false);
        decoded[round] = s_run_verbund(client, true);
        printf("info stream_replay round %d: verbund %.0f events/s (fully decoded %.0f), "
               "XRANGE %.0f entries/s\n",
               round + 1, verbund[round], decoded[round], reference[round]);
        fflush(stdout);
    }
    double redis_median = bench_median(reference, ROUNDS);
    bench_report("stream_replay_decoded", "events/s", bench_median(decoded, ROUNDS),
                 "XRANGE COUNT 500, hiredis", redis_median, 0);
    bench_report("stream_replay", "events/s", bench_median(verbund, ROUNDS),
                 "XRANGE COUNT 500, hiredis", redis_median, 0.5);
    vb_rpc_client_destroy(&client);
    redisFree(redis);
    vb_arena_destroy(&arena);
    bench_node_stop();
    return 0;
}
