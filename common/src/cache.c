/* cache.c - versioned values in Redis over hiredis (blocking, with connect and command
 * timeouts). A key holds one string "<version>:<flag>:<bytes>", flag 'd' for data and 'f' for a
 * version floor; the compare-and-set runs as a Lua script so it is atomic in Redis.
 * Does not: retry a command, pipeline, or hold anything Redis is the only copy of. */
#include "vb/cache.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <hiredis/hiredis.h>

#include "vb/assert.h"
#include "vb/log.h"

#define S_DEFAULT_CONNECT_TIMEOUT_MS 100
#define S_DEFAULT_COMMAND_TIMEOUT_MS 100
#define S_DEFAULT_RETRY_INTERVAL_MS 1000
/* A floor outlives any reader that could still hold an older row. */
#define S_FLOOR_TTL_SECONDS 86400

struct vb_cache {
    redisContext *context;  /* NULL while disconnected */
    char *host;             /* NULL when the cache is disabled */
    int port;
    int connect_timeout_ms;
    int command_timeout_ms;
    int retry_interval_ms;
    char *key_prefix;       /* "" when none */
    int64_t last_attempt_us; /* monotonic time of the last connect attempt; 0 = never */
    bool available;         /* the last command reached Redis */
};

/* Versions are compared as decimal strings (exact beyond 2^53, where Lua numbers are not):
 * a longer string is larger, equal lengths compare bytewise. Returns -1, 0, 1. */
#define S_LUA_COMPARE                                                                       \
    "local function cmp(a, b)\n"                                                            \
    "  if #a ~= #b then return #a < #b and -1 or 1 end\n"                                   \
    "  if a == b then return 0 end\n"                                                       \
    "  return a < b and -1 or 1\n"                                                          \
    "end\n"                                                                                 \
    "local cur = redis.call('GET', KEYS[1])\n"                                              \
    "local cur_version, cur_flag\n"                                                         \
    "if cur then\n"                                                                         \
    "  local sep = string.find(cur, ':', 1, true)\n"                                        \
    "  if sep then\n"                                                                       \
    "    cur_version = string.sub(cur, 1, sep - 1)\n"                                       \
    "    cur_flag = string.sub(cur, sep + 1, sep + 1)\n"                                    \
    "  end\n"                                                                               \
    "end\n"

/* KEYS[1] key, ARGV[1] version, ARGV[2] bytes, ARGV[3] ttl seconds (0 = none).
 * Refuses (1) when the stored version is newer, or equal and holds data; stores (0) otherwise. */
static const char s_put_script[] =
    S_LUA_COMPARE
    "if cur_version then\n"
    "  local c = cmp(cur_version, ARGV[1])\n"
    "  if c > 0 or (c == 0 and cur_flag == 'd') then return 1 end\n"
    "end\n"
    "local value = ARGV[1] .. ':d:' .. ARGV[2]\n"
    "if tonumber(ARGV[3]) > 0 then\n"
    "  redis.call('SET', KEYS[1], value, 'EX', ARGV[3])\n"
    "else\n"
    "  redis.call('SET', KEYS[1], value)\n"
    "end\n"
    "return 0\n";

/* KEYS[1] key, ARGV[1] floor version, ARGV[2] floor ttl. Keeps a newer entry (or data at the
 * floor version itself, which is current); otherwise writes the floor. */
static const char s_invalidate_script[] =
    S_LUA_COMPARE
    "if cur_version then\n"
    "  local c = cmp(cur_version, ARGV[1])\n"
    "  if c > 0 or (c == 0 and cur_flag == 'd') then return 1 end\n"
    "end\n"
    "redis.call('SET', KEYS[1], ARGV[1] .. ':f:', 'EX', ARGV[2])\n"
    "return 0\n";

static int64_t
s_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct timeval
s_timeval(int ms)
{
    struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (ms % 1000) * 1000};
    return tv;
}

/* Drops the connection after any error; the next call may reconnect after the interval. */
static void
s_disconnect(vb_cache_t *self, const char *what)
{
    if (self->available)
        vb_log_warn("redis %s:%d unavailable (%s); serving without the cache", self->host,
                    self->port, what);
    self->available = false;
    if (self->context) {
        redisFree(self->context);
        self->context = NULL;
    }
}

/* 0 with self->context connected, or -1 (disabled, down, or too soon to try again). */
static int
s_connect(vb_cache_t *self)
{
    if (self->context)
        return 0;
    if (!self->host)
        return -1;
    int64_t now_us = s_monotonic_us();
    if (self->last_attempt_us != 0 &&
        now_us - self->last_attempt_us < (int64_t) self->retry_interval_ms * 1000)
        return -1;
    self->last_attempt_us = now_us;
    redisContext *context =
        redisConnectWithTimeout(self->host, self->port, s_timeval(self->connect_timeout_ms));
    if (!context || context->err) {
        vb_log_debug("redis connect %s:%d: %s", self->host, self->port,
                         context ? context->errstr : "out of memory");
        redisFree(context);
        self->available = false;
        return -1;
    }
    if (redisSetTimeout(context, s_timeval(self->command_timeout_ms)) != REDIS_OK) {
        redisFree(context);
        self->available = false;
        return -1;
    }
    self->context = context;
    if (!self->available)
        vb_log_info("redis %s:%d connected", self->host, self->port);
    return 0;
}

/* Runs a command; the reply (never an error reply) or NULL after dropping the connection. */
static redisReply *
s_command(vb_cache_t *self, int argc, const char **argv, const size_t *argvlen)
{
    if (s_connect(self) != 0)
        return NULL;
    redisReply *reply = redisCommandArgv(self->context, argc, argv, argvlen);
    if (!reply) {
        s_disconnect(self, self->context->errstr);
        return NULL;
    }
    if (reply->type == REDIS_REPLY_ERROR) {
        char what[160];
        snprintf(what, sizeof what, "error reply: %.*s", (int) reply->len, reply->str);
        freeReplyObject(reply);
        s_disconnect(self, what);
        return NULL;
    }
    self->available = true;
    return reply;
}

/* prefix + key in a malloc'd buffer. */
static char *
s_full_key(const vb_cache_t *self, const char *key, size_t *length)
{
    size_t prefix_length = strlen(self->key_prefix), key_length = strlen(key);
    char *full = malloc(prefix_length + key_length + 1);
    if (!full)
        return NULL;
    memcpy(full, self->key_prefix, prefix_length);
    memcpy(full + prefix_length, key, key_length + 1);
    *length = prefix_length + key_length;
    return full;
}

vb_cache_t *
vb_cache_new(const vb_cache_options_t *options)
{
    VB_ASSERT(options);
    vb_cache_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->port = options->port;
    self->connect_timeout_ms =
        options->connect_timeout_ms > 0 ? options->connect_timeout_ms : S_DEFAULT_CONNECT_TIMEOUT_MS;
    self->command_timeout_ms =
        options->command_timeout_ms > 0 ? options->command_timeout_ms : S_DEFAULT_COMMAND_TIMEOUT_MS;
    self->retry_interval_ms =
        options->retry_interval_ms > 0 ? options->retry_interval_ms : S_DEFAULT_RETRY_INTERVAL_MS;
    self->key_prefix = strdup(options->key_prefix ? options->key_prefix : "");
    if (options->host && *options->host)
        self->host = strdup(options->host);
    if (!self->key_prefix || (options->host && *options->host && !self->host)) {
        vb_cache_destroy(&self);
        return NULL;
    }
    if (self->host && s_connect(self) == 0)
        self->available = true;
    else if (self->host)
        vb_log_warn("redis %s:%d not reachable at start; serving without the cache", self->host,
                    self->port);
    return self;
}

void
vb_cache_destroy(vb_cache_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vb_cache_t *self = *self_p;
    if (self->context)
        redisFree(self->context);
    free(self->host);
    free(self->key_prefix);
    free(self);
    *self_p = NULL;
}

int
vb_cache_get(vb_cache_t *self, const char *key, int64_t *version, char **value, size_t *length)
{
    VB_ASSERT(self && key && version && value && length);
    *value = NULL;
    *length = 0;
    *version = 0;
    size_t key_length;
    char *full_key = s_full_key(self, key, &key_length);
    if (!full_key)
        return -1;
    const char *argv[] = {"GET", full_key};
    size_t argvlen[] = {3, key_length};
    redisReply *reply = s_command(self, 2, argv, argvlen);
    free(full_key);
    if (!reply)
        return -1;
    int rc = 0;
    if (reply->type == REDIS_REPLY_STRING) {
        /* "<version>:<flag>:<bytes>"; anything else is not ours and counts as a miss. */
        char *end = NULL;
        errno = 0;
        long long stored = strtoll(reply->str, &end, 10);
        bool well_formed = errno == 0 && end != reply->str && stored >= 0 &&
                           (size_t) (end - reply->str) + 3 <= reply->len && end[0] == ':' &&
                           end[2] == ':';
        if (well_formed && end[1] == 'd') {
            size_t offset = (size_t) (end - reply->str) + 3;
            size_t data_length = reply->len - offset;
            char *copy = malloc(data_length + 1);
            if (!copy) {
                rc = -1;
            } else {
                memcpy(copy, reply->str + offset, data_length);
                copy[data_length] = '\0';
                *value = copy;
                *length = data_length;
                *version = stored;
                rc = 1;
            }
        }
    }
    freeReplyObject(reply);
    return rc;
}

int
vb_cache_put(vb_cache_t *self, const char *key, int64_t version, const void *value,
             size_t length, int ttl_seconds)
{
    VB_ASSERT(self && key && version >= 0 && (value || length == 0));
    size_t key_length;
    char *full_key = s_full_key(self, key, &key_length);
    if (!full_key)
        return -1;
    char version_text[24], ttl_text[16];
    snprintf(version_text, sizeof version_text, "%lld", (long long) version);
    snprintf(ttl_text, sizeof ttl_text, "%d", ttl_seconds > 0 ? ttl_seconds : 0);
    const char *argv[] = {"EVAL", s_put_script, "1", full_key, version_text,
                          value ? value : "", ttl_text};
    size_t argvlen[] = {4, sizeof s_put_script - 1, 1, key_length, strlen(version_text),
                        length, strlen(ttl_text)};
    redisReply *reply = s_command(self, 7, argv, argvlen);
    free(full_key);
    if (!reply)
        return -1;
    int rc = reply->type == REDIS_REPLY_INTEGER && reply->integer == 0 ? 0 : 1;
    freeReplyObject(reply);
    return rc;
}

int
vb_cache_invalidate(vb_cache_t *self, const char *key, int64_t floor_version)
{
    VB_ASSERT(self && key && floor_version >= 0);
    size_t key_length;
    char *full_key = s_full_key(self, key, &key_length);
    if (!full_key)
        return -1;
    char version_text[24], ttl_text[16];
    snprintf(version_text, sizeof version_text, "%lld", (long long) floor_version);
    snprintf(ttl_text, sizeof ttl_text, "%d", S_FLOOR_TTL_SECONDS);
    const char *argv[] = {"EVAL", s_invalidate_script, "1", full_key, version_text, ttl_text};
    size_t argvlen[] = {4, sizeof s_invalidate_script - 1, 1, key_length, strlen(version_text),
                        strlen(ttl_text)};
    redisReply *reply = s_command(self, 6, argv, argvlen);
    free(full_key);
    if (!reply)
        return -1;
    freeReplyObject(reply);
    return 0;
}

int
vb_cache_delete(vb_cache_t *self, const char *key)
{
    VB_ASSERT(self && key);
    size_t key_length;
    char *full_key = s_full_key(self, key, &key_length);
    if (!full_key)
        return -1;
    const char *argv[] = {"DEL", full_key};
    size_t argvlen[] = {3, key_length};
    redisReply *reply = s_command(self, 2, argv, argvlen);
    free(full_key);
    if (!reply)
        return -1;
    freeReplyObject(reply);
    return 0;
}

bool
vb_cache_available(const vb_cache_t *self)
{
    VB_ASSERT(self);
    return self->available;
}
