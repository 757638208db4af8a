/* vb/ids.h - UUIDv7 identifiers (RFC 9562): time-ordered, 74 random bits from libsodium,
 * formatted by libuuid. Monotone within one process even inside the same millisecond. */
#ifndef VB_IDS_H
#define VB_IDS_H

#include <stdbool.h>

#define VB_UUID_STRING_SIZE 37 /* 36 characters and NUL */

/* Writes a new UUIDv7 in lower-case canonical form to out. Thread-safe. */
void vb_uuid7(char out[VB_UUID_STRING_SIZE]);

/* True when s is a canonical UUID string (any version, either case). */
bool vb_uuid_valid(const char *s);

#endif
