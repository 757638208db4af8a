/* vb_test_frames.h - reproducible random input for codec tests: a xorshift generator (a failure
 * names its round and happens again on the next run) and the damaged variants of a good frame
 * that every decoder must survive: each prefix, single flipped bytes, random noise.
 * Does not: know any message type (the tests build and check frames themselves). */
#ifndef VB_TEST_FRAMES_H
#define VB_TEST_FRAMES_H

#include <stddef.h>
#include <stdint.h>

/* The next pseudo-random number of this process's sequence (xorshift64*, fixed seed). */
uint64_t vb_test_random(void);

/* Calls check(data, size) for up to max_prefixes prefixes of frame, for flips copies of it
 * with one byte changed, and for one stretch of random bytes; frame is restored afterwards. */
void vb_test_frames_damaged(uint8_t *frame, size_t size, size_t max_prefixes, int flips,
                            void (*check)(const uint8_t *data, size_t size));

#endif
