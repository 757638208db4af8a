/* membership_cursor.h - opaque page cursors for keyset paging: the base64url (no padding) of
 * the 16 bytes of the last UUIDv7 id of a page. Does not: sign cursors (they only name a
 * position; a forged one just starts the page elsewhere). */
#ifndef MEMBERSHIP_CURSOR_H
#define MEMBERSHIP_CURSOR_H

#include "vb/assert.h"
#include "vb/ids.h"

#define MEMBERSHIP_CURSOR_SIZE 24 /* 22 characters and NUL */

/* Encodes a canonical UUID string. 0, or -1 when uuid is not a UUID. */
int membership_cursor_encode(const char *uuid, char out[MEMBERSHIP_CURSOR_SIZE]) VB_MUSTCHECK;

/* Decodes a cursor into a lower-case canonical UUIDv7 string. 0, or -1 when the cursor is
 * not one this service produced (wrong length, alphabet, or not a version 7 UUID). */
int membership_cursor_decode(const char *cursor, char out[VB_UUID_STRING_SIZE]) VB_MUSTCHECK;

#endif
