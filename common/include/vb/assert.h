/* vb/assert.h - assertions on our own bugs (always on) and result-must-be-checked markers.
 * Never use VB_ASSERT on input from a peer: bad input gets an error reply instead. */
#ifndef VB_ASSERT_H
#define VB_ASSERT_H

#include <stdio.h>
#include <stdlib.h>

#define VB_MUSTCHECK __attribute__((warn_unused_result))
#define VB_PRINTF(fmt_index, args_index) __attribute__((format(printf, fmt_index, args_index)))

#define VB_ASSERT(expr)                                                                     \
    do {                                                                                    \
        if (!(expr)) {                                                                      \
            fprintf(stderr, "{\"level\":\"fatal\",\"msg\":\"assertion failed: %s\","         \
                            "\"file\":\"%s\",\"line\":%d}\n",                               \
                    #expr, __FILE__, __LINE__);                                             \
            abort();                                                                        \
        }                                                                                   \
    } while (0)

#define VB_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
