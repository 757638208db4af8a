/* vb/czmq_once.h - CZMQ's process-wide state, initialised exactly once and thread-safely.
 * CZMQ initialises itself lazily on the first socket, and two threads creating their first
 * sockets at once race inside that lazy init (seen in the gateway: an abort in
 * zsys_set_thread_name_prefix). Every verbund module that creates CZMQ sockets calls this
 * first. Does not: configure CZMQ (zsys_handler_set and friends stay with main.c). */
#ifndef VB_CZMQ_ONCE_H
#define VB_CZMQ_ONCE_H

/* Runs zsys_init() once per process; other callers wait until it has finished. */
void vb_czmq_init_once(void);

#endif
