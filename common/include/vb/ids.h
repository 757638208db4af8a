/* vb/ids.h - UUIDv7 identifiers (RFC 9562): time-ordered, 74 random bits from libsodium,
 * formatted by hand (canonical hex, or compact Crockford base32). Monotone within one process
 * even inside the same millisecond. */
#ifndef VB_IDS_H
#define VB_IDS_H

#include <stdbool.h>
#include <stdint.h>

#define VB_UUID_STRING_SIZE 37 /* 36 characters and NUL */

/* Writes a new UUIDv7 in lower-case canonical form to out. Thread-safe. */
void vb_uuid7(char out[VB_UUID_STRING_SIZE]);
/* vb_uuid7 for a caller that has just read the wall clock (vb_clock_now_ms) for something else
 * too, such as a deadline: saves the second clock read on a hot path. */
void vb_uuid7_at(char out[VB_UUID_STRING_SIZE], int64_t now_ms);

/* The same UUIDv7 written in Crockford base32: 26 characters instead of 36, as time-ordered
 * (string order is creation order; the first ten characters are the millisecond as a ULID
 * writes it). For ids that travel with every request: an RPC reply that echoes a 36-character
 * id no longer fits a ZeroMQ message inline and costs a malloc on the server. */
#define VB_COMPACT_ID_SIZE 27 /* 26 characters and NUL */
void vb_compact_id_at(char out[VB_COMPACT_ID_SIZE], int64_t now_ms);

/* True when s has the form vb_compact_id_at writes. */
bool vb_compact_id_valid(const char *s);

/* True when s is a canonical UUID string (any version, either case). */
bool vb_uuid_valid(const char *s);

#endif
