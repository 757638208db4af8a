/* main.c - verbund-stream: reads its configuration, checks the endpoints (loopback only unless
 * CURVE is configured; then a zauth actor checks client keys), migrates the "stream" schema,
 * starts the relay actor (relay, PUB socket, retention, heartbeat) and serves replay requests.
 * Wiring only: behaviour lives in stream_relay.c, stream_publisher.c and stream_handlers.c.
 *
 * Exit codes: 0 clean shutdown (SIGTERM/SIGINT, or --print-config), 1 unexpected failure,
 * 2 bad configuration (also: a non-loopback endpoint without CURVE), 3 database unavailable or
 * refused (connect, migration, prepare), 4 cannot bind an endpoint. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb/config.h"
#include "vb/db.h"
#include "vb/log.h"
#include "vb/service.h"
#include "vb/service_main.h"
#include "stream.h"

#ifndef STREAM_MIGRATIONS_DIR
#define STREAM_MIGRATIONS_DIR "services/stream/migrations"
#endif

#define S_TEXT_(x) #x
#define S_TEXT(x) S_TEXT_(x) /* a numeric macro as a config default */
#define S_MAX_SOURCES 16
#define S_FALLBACK_MS 200 /* a relay pass at least this often without a NOTIFY */
#define S_RELAY_BATCH 5000 /* outbox rows per source and pass */

typedef struct {
    char *node_id;
    char *database_url;
    char *pub_endpoint;
    char *replay_endpoint;
    char *sources;
    int64_t retention_seconds;
    int64_t sweep_interval_ms;
    int64_t heartbeat_ms;
    int64_t send_queue;
    char *curve_secret_file;
    char *curve_clients_dir;
    char *migrations_dir;
    char *log_level;
} s_config_t;

#define S_FIELD(name) offsetof(s_config_t, name)
static const vb_config_entry_t s_config_table[] = {
    {"VERBUND_NODE_ID", VB_CONFIG_STRING, S_FIELD(node_id), "local", 0, 0, 0,
     "name of this node: CloudEvent source //verbund/<node-id>/<service>"},
    VB_SERVICE_MAIN_ROW_DATABASE_URL(s_config_t, database_url),
    {"VERBUND_STREAM_PUB_ENDPOINT", VB_CONFIG_STRING, S_FIELD(pub_endpoint),
     "tcp://127.0.0.1:7201", 0, 0, 0, "ZeroMQ endpoint of the live events (XPUB)"},
    {"VERBUND_STREAM_REPLAY_ENDPOINT", VB_CONFIG_STRING, S_FIELD(replay_endpoint),
     "tcp://127.0.0.1:7202", 0, 0, 0, "ZeroMQ endpoint of stream.Read / stream.Head (ROUTER)"},
    {"VERBUND_STREAM_SOURCES", VB_CONFIG_STRING, S_FIELD(sources), "membership", 0, 0, 0,
     "comma-separated schemas whose outbox is relayed"},
    {"VERBUND_STREAM_RETENTION_SECONDS", VB_CONFIG_INT, S_FIELD(retention_seconds), "2592000", 1,
     INT64_C(3153600000), 0, "events older than this are deleted from the log"},
    {"VERBUND_STREAM_SWEEP_INTERVAL_MS", VB_CONFIG_INT, S_FIELD(sweep_interval_ms), "60000", 10,
     INT64_C(86400000), 0, "how often retention runs"},
    {"VERBUND_STREAM_HEARTBEAT_MS", VB_CONFIG_INT, S_FIELD(heartbeat_ms), "1000", 10, 600000, 0,
     "heartbeat interval on the PUB socket"},
    {"VERBUND_STREAM_SEND_QUEUE", VB_CONFIG_INT, S_FIELD(send_queue),
     S_TEXT(STREAM_DEFAULT_SEND_QUEUE), 100, 10000000, 0,
     "live events queued per subscriber before it is dropped to replay"},
    {"VERBUND_STREAM_CURVE_SECRET_FILE", VB_CONFIG_STRING, S_FIELD(curve_secret_file), NULL, 0, 0,
     0, "server certificate (zcert secret file); set: both endpoints require CURVE"},
    {"VERBUND_STREAM_CURVE_CLIENTS_DIR", VB_CONFIG_STRING, S_FIELD(curve_clients_dir), NULL, 0, 0,
     0, "allowed client certificates; metadata \"topics\" = allowed topic prefixes"},
    VB_SERVICE_MAIN_ROW_MIGRATIONS_DIR(STREAM_MIGRATIONS_DIR, s_config_t, migrations_dir),
    VB_SERVICE_MAIN_ROW_LOG_LEVEL(s_config_t, log_level),
};

/* True for endpoints only this host can reach. */
static bool
s_endpoint_local(const char *endpoint)
{
    static const char *const local[] = {"tcp://127.0.0.1:", "tcp://[::1]:", "tcp://localhost:",
                                        "ipc://", "inproc://"};
    for (size_t i = 0; i < VB_ARRAY_SIZE(local); i++)
        if (strncmp(endpoint, local[i], strlen(local[i])) == 0)
            return true;
    return false;
}

/* Splits the comma-separated sources in place. Returns the count, or -1 when one is invalid. */
static int
s_sources_split(char *list, const char **out, int capacity)
{
    int count = 0;
    for (char *save = NULL, *item = strtok_r(list, ", ", &save); item;
         item = strtok_r(NULL, ", ", &save)) {
        for (const char *c = item; *c; c++)
            if (!((*c >= 'a' && *c <= 'z') || *c == '_'))
                return -1;
        if (count == capacity)
            return -1;
        out[count++] = item;
    }
    return count;
}

int
main(int argc, char **argv)
{
    s_config_t config = {0};
    int exit_code = VB_EXIT_FAILURE;
    if (!vb_service_main_configure(STREAM_SERVICE, argc, argv, s_config_table,
                                   VB_ARRAY_SIZE(s_config_table), &config,
                                   offsetof(s_config_t, log_level), &exit_code))
        return exit_code;
    zactor_t *auth = NULL;
    zactor_t *relay = NULL;
    zcert_t *certificate = NULL;
    vb_db_t *db = NULL;
    vb_service_t *service = NULL;
    stream_t stream = {0};
    char *sources_copy = NULL;
    const char *sources[S_MAX_SOURCES];
    int source_count = 0;
    sources_copy = strdup(config.sources);
    if (!sources_copy)
        goto cleanup;
    source_count = s_sources_split(sources_copy, sources, S_MAX_SOURCES);
    if (source_count < 0) {
        vb_log_error("configuration: VERBUND_STREAM_SOURCES: \"%s\" is not a comma-separated "
                     "list of up to %d schema names ([a-z_]+)",
                     config.sources, S_MAX_SOURCES);
        exit_code = VB_EXIT_CONFIG;
        goto cleanup;
    }

    /* Before the first socket: CZMQ must not install its own signal handler. */
    zsys_handler_set(NULL);
    if (config.curve_secret_file && config.curve_secret_file[0]) {
        if (!config.curve_clients_dir || !zsys_file_exists(config.curve_clients_dir)) {
            vb_log_error("configuration: VERBUND_STREAM_CURVE_CLIENTS_DIR must name a directory "
                         "of client certificates when VERBUND_STREAM_CURVE_SECRET_FILE is set");
            exit_code = VB_EXIT_CONFIG;
            goto cleanup;
        }
        certificate = zcert_load(config.curve_secret_file);
        if (!certificate ||
            strcmp(zcert_secret_txt(certificate), "0000000000000000000000000000000000000000") ==
                0) {
            vb_log_error("configuration: VERBUND_STREAM_CURVE_SECRET_FILE: %s is not a zcert "
                         "secret certificate",
                         config.curve_secret_file);
            exit_code = VB_EXIT_CONFIG;
            goto cleanup;
        }
        auth = zactor_new(zauth, NULL);
        if (!auth)
            goto cleanup;
        zstr_sendx(auth, "CURVE", config.curve_clients_dir, NULL);
        zsock_wait(auth);
        stream.clients = zcertstore_new(config.curve_clients_dir);
        if (!stream.clients)
            goto cleanup;
    } else if (!s_endpoint_local(config.pub_endpoint) ||
               !s_endpoint_local(config.replay_endpoint)) {
        vb_log_error("configuration: VERBUND_STREAM_PUB_ENDPOINT %s / "
                     "VERBUND_STREAM_REPLAY_ENDPOINT %s: an endpoint beyond loopback needs "
                     "CURVE (set VERBUND_STREAM_CURVE_SECRET_FILE)",
                     config.pub_endpoint, config.replay_endpoint);
        exit_code = VB_EXIT_CONFIG;
        goto cleanup;
    }

    size_t statement_count = 0;
    const vb_db_statement_t *statements = stream_store_statements(&statement_count);
    db = vb_service_main_open_db(config.database_url, STREAM_SERVICE, config.migrations_dir,
                                 statements, statement_count);
    if (!db) {
        exit_code = VB_EXIT_DATABASE;
        goto cleanup;
    }
    stream.db = db;

    stream_relay_options_t relay_options = {
        .conninfo = config.database_url,
        .node_id = config.node_id,
        .sources = sources,
        .source_count = (size_t)source_count,
        .pub_endpoint = config.pub_endpoint,
        .send_queue = (int)config.send_queue,
        .curve_certificate = certificate,
        .clients_dir = config.curve_clients_dir,
        .heartbeat_ms = (int)config.heartbeat_ms,
        .sweep_interval_ms = (int)config.sweep_interval_ms,
        .retention_seconds = config.retention_seconds,
        .fallback_ms = S_FALLBACK_MS,
        .batch = S_RELAY_BATCH,
    };
    relay = zactor_new(stream_relay_actor, &relay_options);
    if (!relay)
        goto cleanup;
    if (relay_options.startup_status != 0) {
        exit_code = relay_options.startup_status;
        goto cleanup;
    }

    size_t method_count = 0;
    const vb_rpc_method_t *methods = stream_methods(&method_count);
    vb_service_options_t service_options = {
        .rpc =
            {
                .service = STREAM_SERVICE,
                .endpoint = config.replay_endpoint,
                .methods = methods,
                .method_count = method_count,
                .handler_context = &stream,
                .curve_server_certificate = certificate,
            },
    };
    service = vb_service_new(&service_options);
    if (!service) {
        vb_log_error("cannot bind VERBUND_STREAM_REPLAY_ENDPOINT %s", config.replay_endpoint);
        exit_code = VB_EXIT_BIND;
        goto cleanup;
    }

    vb_log_field_t fields[] = {
        {.key = "pub", .string_value = config.pub_endpoint},
        {.key = "replay", .string_value = config.replay_endpoint},
        {.key = "sources", .string_value = config.sources},
        {.key = "curve", .string_value = certificate ? "on" : "off"},
    };
    vb_log_fields(VB_LOG_INFO, NULL, fields, (int)VB_ARRAY_SIZE(fields), "ready");
    exit_code = vb_service_run(service) == 0 ? VB_EXIT_OK : VB_EXIT_FAILURE;

cleanup:
    vb_service_destroy(&service);
    zactor_destroy(&relay);
    zactor_destroy(&auth);
    zcertstore_destroy(&stream.clients);
    zcert_destroy(&certificate);
    vb_db_destroy(&db);
    free(sources_copy);
    vb_config_free(s_config_table, VB_ARRAY_SIZE(s_config_table), &config);
    return exit_code;
}
