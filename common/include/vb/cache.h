/* vb/cache.h - Redis as a cache of versioned values, never the source of truth.
 * Each value is stored with the row version it was read at; a put only replaces an older
 * version, and vb_cache_invalidate writes a version floor so a slow reader cannot put back an
 * older row after a write. When Redis is down every call returns -1 quickly (connect and
 * command timeouts, reconnect at most once per retry interval) and the caller serves from
 * PostgreSQL. Does not: share a connection across threads, use TLS or RESP3 (hiredis 0.14). */
#ifndef VB_CACHE_H
#define VB_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct vb_cache vb_cache_t;

typedef struct {
    const char *host;          /* "127.0.0.1"; NULL or "" disables the cache (every call -1) */
    int port;
    int connect_timeout_ms;    /* default 100 */
    int command_timeout_ms;    /* default 100 */
    int retry_interval_ms;     /* minimum time between reconnect attempts; default 1000 */
    const char *key_prefix;    /* "vb:membership:" prepended to every key */
} vb_cache_options_t;

/* Never NULL unless out of memory: an unreachable Redis gives an object that reports -1. */
vb_cache_t *vb_cache_new(const vb_cache_options_t *options);
void vb_cache_destroy(vb_cache_t **self_p);

/* 1 hit (*value malloc'd, caller frees; *version set), 0 miss (or only a version floor),
 * -1 unavailable. */
int vb_cache_get(vb_cache_t *self, const char *key, int64_t *version, char **value, size_t *length);

/* Stores value at version unless the stored version is newer (or equal with data).
 * ttl_seconds > 0 sets an expiry. 0 stored, 1 refused as older, -1 unavailable. */
int vb_cache_put(vb_cache_t *self, const char *key, int64_t version, const void *value,
                 size_t length, int ttl_seconds);

/* Writes a floor: from now on only puts of version >= floor_version are accepted and no older
 * value is served. Call it in the write path. 0 or -1 unavailable. */
int vb_cache_invalidate(vb_cache_t *self, const char *key, int64_t floor_version);

/* Deletes the key outright (erasure). 0 or -1. */
int vb_cache_delete(vb_cache_t *self, const char *key);

/* True when the last command reached Redis. */
bool vb_cache_available(const vb_cache_t *self);

#endif
