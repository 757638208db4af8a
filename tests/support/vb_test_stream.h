/* vb_test_stream.h - the node fixture's event stream as tests need it. */
#ifndef VB_TEST_STREAM_H
#define VB_TEST_STREAM_H

#include <stdint.h>

/* The position just before the oldest retained event (stream.Head): where a test reads "from
 * the start", since other tests of the shared fixture may have aged the start of the log away.
 * Fails the test (cmocka) when the stream does not answer. */
uint64_t vb_test_stream_start(void);

#endif
