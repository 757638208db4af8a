/* vb/clock.h - wall-clock and monotonic time in integer units, and RFC 3339 formatting (UTC). */
#ifndef VB_CLOCK_H
#define VB_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Unix time in milliseconds / microseconds (CLOCK_REALTIME). */
int64_t vb_clock_now_ms(void);
int64_t vb_clock_now_us(void);

/* Monotonic microseconds, for durations and deadlines inside one process. */
int64_t vb_clock_monotonic_us(void);

/* The same clocks at the kernel tick's resolution (CLOCK_*_COARSE, a few milliseconds behind
 * at most), read for a fifth of the cost: for per-request stamps where a few milliseconds do not
 * matter and a precise read showed in profiles. Not for timers that must not fire early. */
int64_t vb_clock_coarse_now_ms(void);
int64_t vb_clock_coarse_monotonic_us(void);

#define VB_RFC3339_SIZE 32
/* Formats unix microseconds as "2026-11-26T07:05:35.123456Z". */
void vb_clock_format_rfc3339(int64_t unix_us, char out[VB_RFC3339_SIZE]);

#endif
