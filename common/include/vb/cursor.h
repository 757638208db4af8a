/* vb/cursor.h - opaque page cursors for keyset paging ("id > $after ORDER BY id"): the base64url
 * (no padding) of a format byte, the 16 bytes of the last id of a page and one check byte, so
 * that a cursor a client mangled or made up is refused instead of paging from somewhere.
 * Does not: sign cursors (the check byte catches mistakes, not forgers; a forged cursor only
 * starts the page elsewhere) or know about any table. */
#ifndef VB_CURSOR_H
#define VB_CURSOR_H

#include "vb/assert.h"
#include "vb/ids.h"

#define VB_CURSOR_SIZE 25 /* 24 characters and NUL */

/* Encodes a canonical UUID string (any version, either case). 0, or -1 when uuid is not a
 * UUID (out is then untouched). */
int vb_cursor_encode(const char *uuid, char out[VB_CURSOR_SIZE]) VB_MUSTCHECK;

/* Decodes a cursor into the lower-case canonical UUID. 0, or -1 when cursor is NULL or not one
 * vb_cursor_encode produced (length, alphabet, format byte or check byte wrong). */
int vb_cursor_decode(const char *cursor, char out[VB_UUID_STRING_SIZE]) VB_MUSTCHECK;

#endif
