/* ids.c - UUIDv7 generation (RFC 9562): 48-bit unix milliseconds, version 7, 74 random bits
 * from libsodium, monotone within the process under one mutex. Does not: parse UUIDs into bytes
 * or generate other versions. */
#include "vb/ids.h"

#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>
#include <uuid/uuid.h>

#include "vb/assert.h"
#include "vb/clock.h"

#define RAND_A_MASK 0xFFFu                   /* 12 bits after the version nibble */
#define RAND_B_LIMIT ((uint64_t) 1 << 62)    /* 62 bits after the variant */

static pthread_once_t s_sodium_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t s_mutex = PTHREAD_MUTEX_INITIALIZER;
/* The last id handed out: its millisecond and its 74 "random" bits, split as in the layout. */
static int64_t s_last_ms = -1;
static uint32_t s_last_rand_a;
static uint64_t s_last_rand_b;

static void
s_sodium_init(void)
{
    /* -1 means libsodium cannot get entropy; ids without randomness would be our bug. */
    int rc = sodium_init();
    VB_ASSERT(rc >= 0);
}

/* Random bytes from a per-thread pool refilled 512 bytes at a time: one getrandom(2) per id
 * cost more than the rest of an RPC round trip. */
static __thread unsigned char s_pool[512];
static __thread size_t s_pool_used = sizeof(s_pool);

static void
s_random_bytes(void *out, size_t size)
{
    VB_ASSERT(size <= sizeof(s_pool));
    if (s_pool_used + size > sizeof(s_pool)) {
        randombytes_buf(s_pool, sizeof(s_pool));
        s_pool_used = 0;
    }
    /* The bytes handed out are not wiped: they become ids, which are public anyway. */
    memcpy(out, s_pool + s_pool_used, size);
    s_pool_used += size;
}

/* Fresh random bits for a new millisecond. */
static void
s_randomize(uint32_t *rand_a, uint64_t *rand_b)
{
    uint64_t bits[2];
    s_random_bytes(bits, sizeof(bits));
    *rand_a = (uint32_t) bits[0] & RAND_A_MASK;
    *rand_b = bits[1] & (RAND_B_LIMIT - 1);
}

/* Two lower-case hex digits per byte value. */
static const char s_hex_pairs[513] =
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
    "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
    "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
    "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
    "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
    "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
    "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
    "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

/* 8-4-4-4-12 lower-case hex, as uuid_unparse_lower writes it, without its sprintf: every RPC
 * call makes an id. */
static void
s_format(const uuid_t bytes, char out[VB_UUID_STRING_SIZE])
{
    /* where each byte's two digits go; the dashes sit at 8, 13, 18 and 23 */
    static const unsigned char offsets[16] = {0,  2,  4,  6,  9,  11, 14, 16,
                                              19, 21, 24, 26, 28, 30, 32, 34};
    for (int i = 0; i < 16; i++)
        memcpy(out + offsets[i], &s_hex_pairs[2 * bytes[i]], 2);
    out[8] = out[13] = out[18] = out[23] = '-';
    out[36] = '\0';
}

void
vb_uuid7(char out[VB_UUID_STRING_SIZE])
{
    vb_uuid7_at(out, vb_clock_now_ms());
}

/* The fields of the next UUIDv7 at now_ms (ordered after every earlier one): its millisecond
 * (*ms) and its 12 + 62 random bits. */
static void
s_uuid7_next(int64_t now_ms, uint64_t *ms_out, uint32_t *rand_a_out, uint64_t *rand_b_out)
{
    pthread_once(&s_sodium_once, s_sodium_init);

    uint32_t rand_a;
    uint64_t rand_b;

    pthread_mutex_lock(&s_mutex);
    if (now_ms > s_last_ms) {
        s_randomize(&rand_a, &rand_b);
    }
    else {
        /* Same millisecond (or the clock stepped back): stay on the last millisecond and add a
         * random positive step to the 74 bits, so ids stay ordered and hard to guess. */
        now_ms = s_last_ms;
        uint32_t random_step;
        s_random_bytes(&random_step, sizeof(random_step));
        uint64_t step = (uint64_t) random_step + 1;
        rand_a = s_last_rand_a;
        rand_b = s_last_rand_b + step;
        if (rand_b >= RAND_B_LIMIT) {
            rand_b -= RAND_B_LIMIT;
            rand_a++;
        }
        if (rand_a > RAND_A_MASK) {
            /* 74 bits exhausted within a millisecond: borrow the next millisecond. */
            now_ms++;
            s_randomize(&rand_a, &rand_b);
        }
    }
    s_last_ms = now_ms;
    s_last_rand_a = rand_a;
    s_last_rand_b = rand_b;
    pthread_mutex_unlock(&s_mutex);
    *ms_out = (uint64_t) now_ms;
    *rand_a_out = rand_a;
    *rand_b_out = rand_b;
}

/* The 16 bytes of the next UUIDv7 at now_ms. */
static void
s_uuid7_bytes(uuid_t bytes, int64_t now_ms)
{
    uint64_t ms;
    uint32_t rand_a;
    uint64_t rand_b;
    s_uuid7_next(now_ms, &ms, &rand_a, &rand_b);
    for (int i = 0; i < 6; i++)
        bytes[i] = (unsigned char) (ms >> (40 - 8 * i));
    bytes[6] = (unsigned char) (0x70 | ((rand_a >> 8) & 0x0F));
    bytes[7] = (unsigned char) (rand_a & 0xFF);
    bytes[8] = (unsigned char) (0x80 | ((rand_b >> 56) & 0x3F));
    for (int i = 9; i < 16; i++)
        bytes[i] = (unsigned char) (rand_b >> (8 * (15 - i)));
}

void
vb_uuid7_at(char out[VB_UUID_STRING_SIZE], int64_t now_ms)
{
    uuid_t bytes;
    s_uuid7_bytes(bytes, now_ms);
    s_format(bytes, out);
}

/* Crockford's base32: digits and upper-case letters without I, L, O and U, in ASCII order, so
 * string order is numeric order. */
static const char s_crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

void
vb_compact_id_at(char out[VB_COMPACT_ID_SIZE], int64_t now_ms)
{
    uint64_t ms;
    uint32_t rand_a;
    uint64_t rand_b;
    s_uuid7_next(now_ms, &ms, &rand_a, &rand_b);
    /* 26 digits of 5 bits carry 130: two leading zero bits and the 48 of the millisecond (the
     * first ten digits, exactly as a ULID writes them), then the other 80 bits of the UUID:
     * version 7, rand_a, variant 10, rand_b. */
    for (int digit = 0; digit < 10; digit++)
        out[digit] = s_crockford[(ms >> (45 - 5 * digit)) & 31];
    unsigned __int128 rest = (unsigned __int128) (0x7000u | (rand_a & RAND_A_MASK)) << 64 |
                             ((uint64_t) 2 << 62 | rand_b);
    for (int digit = 0; digit < 16; digit++)
        out[10 + digit] = s_crockford[(unsigned) (rest >> (75 - 5 * digit)) & 31];
    out[26] = '\0';
}

bool
vb_compact_id_valid(const char *s)
{
    if (!s || strlen(s) != VB_COMPACT_ID_SIZE - 1 || s[0] > '7')
        return false;
    for (const char *at = s; *at; at++)
        if (!strchr(s_crockford, *at))
            return false;
    return true;
}



bool
vb_uuid_valid(const char *s)
{
    if (!s || strlen(s) != VB_UUID_STRING_SIZE - 1)
        return false;
    for (int i = 0; i < VB_UUID_STRING_SIZE - 1; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return false;
        }
        else if (!isxdigit((unsigned char) s[i])) {
            return false;
        }
    }
    return true;
}
