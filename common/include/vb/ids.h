/* vb/ids.h - UUIDv7 identifiers (RFC 9562): time-ordered, 74 random bits from libsodium,
 * formatted by libuuid. Monotone within one process even inside the same millisecond. */
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

/* True when s is a canonical UUID string (any version, either case). */
bool vb_uuid_valid(const char *s);

#endif
