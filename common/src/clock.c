/* clock.c - wall-clock and monotonic time as integers, and RFC 3339 UTC formatting.
 * Does not: parse timestamps or handle time zones other than UTC. */
#include "vb/clock.h"

#include <stdio.h>
#include <time.h>

#include "vb/assert.h"

static int64_t
s_read_us(clockid_t clock)
{
    struct timespec now;
    /* clock_gettime only fails for an invalid clock id, which would be our bug. */
    int rc = clock_gettime(clock, &now);
    VB_ASSERT(rc == 0);
    return (int64_t) now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

int64_t
vb_clock_now_ms(void)
{
    return s_read_us(CLOCK_REALTIME) / 1000;
}

int64_t
vb_clock_now_us(void)
{
    return s_read_us(CLOCK_REALTIME);
}

int64_t
vb_clock_monotonic_us(void)
{
    return s_read_us(CLOCK_MONOTONIC);
}

int64_t
vb_clock_coarse_now_ms(void)
{
    return s_read_us(CLOCK_REALTIME_COARSE) / 1000;
}

int64_t
vb_clock_coarse_monotonic_us(void)
{
    return s_read_us(CLOCK_MONOTONIC_COARSE);
}

void
vb_clock_format_rfc3339(int64_t unix_us, char out[VB_RFC3339_SIZE])
{
    /* Floor division so times before 1970 keep a non-negative fraction. */
    int64_t seconds = unix_us / 1000000;
    int64_t micros = unix_us % 1000000;
    if (micros < 0) {
        micros += 1000000;
        seconds -= 1;
    }
    time_t t = (time_t) seconds;
    struct tm tm;
    /* RFC 3339 has four-digit years only; anything else is a caller's bug upstream. */
    if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
        snprintf(out, VB_RFC3339_SIZE, "0000-00-00T00:00:00.000000Z");
        return;
    }
    size_t length = strftime(out, VB_RFC3339_SIZE, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + length, VB_RFC3339_SIZE - length, ".%06dZ", (int) micros);
}
