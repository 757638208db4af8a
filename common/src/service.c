/* service.c - the loop of a service process: a zloop with the RPC socket as reader, named timers,
 * and SIGTERM/SIGINT through a self-pipe; on a signal it drains what is queued and returns 0.
 * Does not: open databases or caches, or fork/daemonise (main.c and the supervisor do). */
#include "vb/service.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "vb/clock.h"
#include "vb/log.h"

#define S_DEFAULT_DRAIN_MS 5000
#define S_MAX_PASSES_PER_WAKEUP 16 /* then timers and the signal pipe get their turn */
#define S_DRAIN_QUIET_MS 100       /* a drain ends after this long without a request */

/* The self-pipe: written by the signal handler, read on the loop thread. Process-wide because
 * signal dispositions are; created once by the first vb_service_new. */
static int s_signal_pipe[2] = {-1, -1};

/* One named timer. */
typedef struct {
    vb_service_t *service; /* owner, for vb_service_stop from inside fn */
    char *name;            /* for logs */
    void (*fn)(void *context);
    void *context;
} s_timer_t;

struct vb_service {
    vb_rpc_server_t *rpc; /* the ROUTER and its method table */
    zloop_t *loop;        /* readers, the signal poller and timers */
    int drain_ms;         /* how long queued requests are still answered after a signal */
    bool stop_requested;  /* leave the loop after the current callback */
    bool signalled;       /* SIGTERM/SIGINT arrived: drain before returning */
    s_timer_t **timers;   /* owned, for destroy */
    size_t timer_count;
};

static void
s_signal_handler(int signo)
{
    int saved_errno = errno;
    unsigned char byte = (unsigned char)signo;
    ssize_t written = write(s_signal_pipe[1], &byte, 1);
    (void)written; /* a full pipe already holds a wake-up */
    errno = saved_errno;
}

static int
s_signal_pipe_open(void)
{
    if (s_signal_pipe[0] != -1)
        return 0;
    if (pipe2(s_signal_pipe, O_NONBLOCK | O_CLOEXEC) == -1) {
        vb_log_error("service: cannot create the signal pipe: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Empties the pipe; true when a signal was in it. */
static bool
s_signal_pipe_drain(int *signo)
{
    unsigned char bytes[64];
    bool any = false;
    ssize_t n;
    while ((n = read(s_signal_pipe[0], bytes, sizeof(bytes))) > 0) {
        any = true;
        *signo = bytes[n - 1];
    }
    return any;
}

static void
s_signal_received(vb_service_t *self, int signo)
{
    if (!self->signalled)
        vb_log_info("service: received %s, draining for up to %d ms",
                    signo == SIGINT ? "SIGINT" : "SIGTERM", self->drain_ms);
    self->signalled = true;
    self->stop_requested = true;
}

static int
s_on_signal(zloop_t *loop, zmq_pollitem_t *item, void *arg)
{
    (void)loop;
    (void)item;
    vb_service_t *self = arg;
    int signo = SIGTERM;
    if (s_signal_pipe_drain(&signo))
        s_signal_received(self, signo);
    return self->stop_requested ? -1 : 0;
}

static int
s_on_request(zloop_t *loop, zsock_t *socket, void *arg)
{
    (void)loop;
    (void)socket;
    vb_service_t *self = arg;
    for (int pass = 0; pass < S_MAX_PASSES_PER_WAKEUP && !self->stop_requested; pass++)
        if (vb_rpc_server_process(self->rpc) == 0)
            break;
    return self->stop_requested ? -1 : 0;
}

static int
s_on_timer(zloop_t *loop, int timer_id, void *arg)
{
    (void)loop;
    (void)timer_id;
    s_timer_t *timer = arg;
    timer->fn(timer->context);
    return timer->service->stop_requested ? -1 : 0;
}

vb_service_t *
vb_service_new(const vb_service_options_t *options)
{
    VB_ASSERT(options);
    /* Before the first socket: CZMQ must not install its own SIGINT/SIGTERM handler. */
    zsys_handler_set(NULL);
    if (s_signal_pipe_open() == -1)
        return NULL;

    vb_service_t *self = zmalloc(sizeof(*self));
    self->drain_ms = options->drain_ms > 0 ? options->drain_ms : S_DEFAULT_DRAIN_MS;
    self->rpc = vb_rpc_server_new(&options->rpc);
    if (!self->rpc)
        goto failed;
    self->loop = zloop_new();
    if (!self->loop)
        goto failed;
    zloop_set_nonstop(self->loop, true);
    if (zloop_reader(self->loop, vb_rpc_server_socket(self->rpc), s_on_request, self) == -1)
        goto failed;
    zloop_reader_set_tolerant(self->loop, vb_rpc_server_socket(self->rpc));
    zmq_pollitem_t item = {NULL, s_signal_pipe[0], ZMQ_POLLIN, 0};
    if (zloop_poller(self->loop, &item, s_on_signal, self) == -1)
        goto failed;
    return self;

failed:
    vb_log_error("service %s: cannot start", options->rpc.service ? options->rpc.service : "");
    vb_service_destroy(&self);
    return NULL;
}

void
vb_service_destroy(vb_service_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vb_service_t *self = *self_p;
    zloop_destroy(&self->loop);
    vb_rpc_server_destroy(&self->rpc);
    for (size_t i = 0; i < self->timer_count; i++) {
        free(self->timers[i]->name);
        free(self->timers[i]);
    }
    free(self->timers);
    free(self);
    *self_p = NULL;
}

int
vb_service_add_timer(vb_service_t *self, const char *name, int interval_ms,
                     void (*fn)(void *context), void *context)
{
    VB_ASSERT(self && name && fn && interval_ms > 0);
    s_timer_t *timer = zmalloc(sizeof(*timer));
    timer->service = self;
    timer->name = strdup(name);
    timer->fn = fn;
    timer->context = context;
    s_timer_t **timers = realloc(self->timers, (self->timer_count + 1) * sizeof(*timers));
    if (!timer->name || !timers ||
        zloop_timer(self->loop, (size_t)interval_ms, 0, s_on_timer, timer) == -1) {
        vb_log_error("service: cannot add timer %s", name);
        if (timers)
            self->timers = timers;
        free(timer->name);
        free(timer);
        return -1;
    }
    self->timers = timers;
    self->timers[self->timer_count++] = timer;
    return 0;
}

/* Answers what is queued or still arriving on the socket until it has been quiet for
 * S_DRAIN_QUIET_MS (requests sent just before the signal may still be in the network), for at
 * most drain_ms; then stops taking requests. */
static void
s_drain(vb_service_t *self)
{
    int64_t end_us = vb_clock_monotonic_us() + (int64_t)self->drain_ms * 1000;
    zmq_pollitem_t item = {zsock_resolve(vb_rpc_server_socket(self->rpc)), 0, ZMQ_POLLIN, 0};
    long answered = 0;
    for (;;) {
        int64_t now_us = vb_clock_monotonic_us();
        if (now_us >= end_us)
            break;
        int handled = vb_rpc_server_process(self->rpc);
        answered += handled;
        if (handled > 0)
            continue;
        int64_t wait_ms = (end_us - now_us) / 1000;
        if (wait_ms > S_DRAIN_QUIET_MS)
            wait_ms = S_DRAIN_QUIET_MS;
        if (zmq_poll(&item, 1, (long)wait_ms) <= 0)
            break; /* quiet (or interrupted by another signal: stop now) */
    }
    vb_rpc_server_set_accepting(self->rpc, false);
    vb_log_info("service: drained %ld requests", answered);
}

int
vb_service_run(vb_service_t *self)
{
    VB_ASSERT(self);
    int stale_signo;
    s_signal_pipe_drain(&stale_signo); /* left over from an earlier run's second signal */
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = s_signal_handler;
    sigemptyset(&action.sa_mask);
    struct sigaction previous_term, previous_int;
    sigaction(SIGTERM, &action, &previous_term);
    sigaction(SIGINT, &action, &previous_int);

    self->stop_requested = false;
    self->signalled = false;
    vb_rpc_server_set_accepting(self->rpc, true);
    int result = 0;
    while (!self->stop_requested) {
        int rc = zloop_start(self->loop);
        int error = zmq_errno();
        int signo = SIGTERM;
        /* A signal on this thread interrupts zmq_poll before the pipe poller runs. */
        if (s_signal_pipe_drain(&signo))
            s_signal_received(self, signo);
        if (self->stop_requested)
            break;
        if (rc == 0 && error == EINTR)
            continue; /* another signal interrupted the poll */
        vb_log_error("service: the loop ended: %s", zmq_strerror(error));
        result = -1;
        break;
    }
    if (self->signalled)
        s_drain(self);

    sigaction(SIGTERM, &previous_term, NULL);
    sigaction(SIGINT, &previous_int, NULL);
    vb_log_info("service: stopped");
    return result;
}

void
vb_service_stop(vb_service_t *self)
{
    VB_ASSERT(self);
    self->stop_requested = true;
}

vb_rpc_server_t *
vb_service_rpc(vb_service_t *self)
{
    VB_ASSERT(self);
    return self->rpc;
}
