/* vb_test_frames.c - see vb_test_frames.h. */
#include "vb_test_frames.h"

static uint64_t s_state = 0x9E3779B97F4A7C15u;

uint64_t
vb_test_random(void)
{
    s_state ^= s_state >> 12;
    s_state ^= s_state << 25;
    s_state ^= s_state >> 27;
    return s_state * 0x2545F4914F6CDD1Du;
}

void
vb_test_frames_damaged(uint8_t *frame, size_t size, size_t max_prefixes, int flips,
                       void (*check)(const uint8_t *data, size_t size))
{
    for (size_t prefix = 0; prefix < size && prefix < max_prefixes; prefix++)
        check(frame, prefix);
    for (int flip = 0; flip < flips && size > 0; flip++) {
        size_t at = vb_test_random() % size;
        uint8_t saved = frame[at];
        frame[at] ^= (uint8_t)(1 + vb_test_random() % 255);
        check(frame, size);
        frame[at] = saved;
    }
    uint8_t noise[96];
    for (size_t i = 0; i < sizeof noise; i++)
        noise[i] = (uint8_t)vb_test_random();
    check(noise, 1 + vb_test_random() % sizeof noise);
}
