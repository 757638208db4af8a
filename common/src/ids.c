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
    memcpy(out, s_pool + s_pool_used, size);
    sodium_memzero(s_pool + s_pool_used, size);
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

void
vb_uuid7(char out[VB_UUID_STRING_SIZE])
{
    pthread_once(&s_sodium_once, s_sodium_init);

    int64_t now_ms = vb_clock_now_ms();
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

    uuid_t bytes;
    uint64_t ms = (uint64_t) now_ms;
    for (int i = 0; i < 6; i++)
        bytes[i] = (unsigned char) (ms >> (40 - 8 * i));
    bytes[6] = (unsigned char) (0x70 | ((rand_a >> 8) & 0x0F));
    bytes[7] = (unsigned char) (rand_a & 0xFF);
    bytes[8] = (unsigned char) (0x80 | ((rand_b >> 56) & 0x3F));
    for (int i = 9; i < 16; i++)
        bytes[i] = (unsigned char) (rand_b >> (8 * (15 - i)));
    uuid_unparse_lower(bytes, out);
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
