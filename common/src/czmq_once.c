/* czmq_once.c - zsys_init() behind pthread_once (see vb/czmq_once.h). */
#include "vb/czmq_once.h"

#include <pthread.h>

#include <czmq.h>

static pthread_once_t s_once = PTHREAD_ONCE_INIT;

static void
s_init(void)
{
    zsys_init();
}

void
vb_czmq_init_once(void)
{
    pthread_once(&s_once, s_init);
}
