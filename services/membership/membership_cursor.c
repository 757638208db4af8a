/* membership_cursor.c - cursor <-> UUID with libsodium base64url and libuuid.
 * Does not: know about any table; the store pages with "id > $cursor ORDER BY id". */
#include "membership_cursor.h"

#include <string.h>

#include <sodium.h>
#include <uuid/uuid.h>

int
membership_cursor_encode(const char *uuid, char out[MEMBERSHIP_CURSOR_SIZE])
{
    uuid_t bytes;
    if (!uuid || !vb_uuid_valid(uuid) || uuid_parse(uuid, bytes) != 0)
        return -1;
    sodium_bin2base64(out, MEMBERSHIP_CURSOR_SIZE, bytes, sizeof bytes,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return 0;
}

int
membership_cursor_decode(const char *cursor, char out[VB_UUID_STRING_SIZE])
{
    uuid_t bytes;
    size_t length = 0;
    const char *end = NULL;
    if (!cursor || strlen(cursor) != 22)
        return -1;
    if (sodium_base642bin(bytes, sizeof bytes, cursor, 22, NULL, &length, &end,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return -1;
    if (length != sizeof bytes || !end || *end != '\0')
        return -1;
    /* version 7 in the high nibble of byte 6, RFC 9562 variant in byte 8 */
    if ((bytes[6] >> 4) != 7 || (bytes[8] & 0xc0) != 0x80)
        return -1;
    uuid_unparse_lower(bytes, out);
    return 0;
}
