/* cursor.c - page cursors <-> UUIDs with libsodium (base64url, BLAKE2b for the check byte) and
 * libuuid. Does not: keep state; every function is pure. */
#include "vb/cursor.h"

#include <string.h>

#include <sodium.h>
#include <uuid/uuid.h>

#define S_FORMAT 1  /* the first byte; another layout would take another value */
#define S_BYTES 18  /* format, 16 id bytes, check */
#define S_LENGTH 24 /* base64 of 18 bytes, no padding needed */

/* The check byte over the format byte and the id. */
static unsigned char
s_check(const unsigned char bytes[S_BYTES - 1])
{
    unsigned char hash[crypto_generichash_BYTES_MIN];
    crypto_generichash(hash, sizeof hash, bytes, S_BYTES - 1, NULL, 0);
    return hash[0];
}

int
vb_cursor_encode(const char *uuid, char out[VB_CURSOR_SIZE])
{
    unsigned char bytes[S_BYTES];
    if (!uuid || !vb_uuid_valid(uuid) || uuid_parse(uuid, &bytes[1]) != 0)
        return -1;
    bytes[0] = S_FORMAT;
    bytes[S_BYTES - 1] = s_check(bytes);
    sodium_bin2base64(out, VB_CURSOR_SIZE, bytes, sizeof bytes,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return 0;
}

int
vb_cursor_decode(const char *cursor, char out[VB_UUID_STRING_SIZE])
{
    unsigned char bytes[S_BYTES];
    size_t length = 0;
    const char *end = NULL;
    if (!cursor || strlen(cursor) != S_LENGTH)
        return -1;
    if (sodium_base642bin(bytes, sizeof bytes, cursor, S_LENGTH, NULL, &length, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return -1;
    if (length != sizeof bytes || !end || *end != '\0')
        return -1;
    if (bytes[0] != S_FORMAT || bytes[S_BYTES - 1] != s_check(bytes))
        return -1;
    uuid_unparse_lower(&bytes[1], out);
    return 0;
}
