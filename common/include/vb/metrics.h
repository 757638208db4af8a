/* vb/metrics.h - Prometheus counters, gauges and histograms in one registry, rendered in the
 * text exposition format 0.0.4. Thread-safe (one mutex; updates are short).
 * Does not: expire series, or support summaries. */
#ifndef VB_METRICS_H
#define VB_METRICS_H

#include <stdint.h>

typedef struct vb_metrics vb_metrics_t;

/* A new empty registry, or NULL when out of memory. */
vb_metrics_t *vb_metrics_new(void);

/* Frees the registry; accepts NULL and a pointer to NULL; nulls *self_p. */
void vb_metrics_destroy(vb_metrics_t **self_p);

/* Adds delta to the counter series name{labels}; labels is the inside of the braces,
 * e.g. "method=\"membership.PersonCreate\",status=\"ok\"" or "" for none. help is used the
 * first time the name is seen. Names and labels are copied. */
void vb_metrics_counter_add(vb_metrics_t *self, const char *name, const char *help,
                            const char *labels, double delta);

/* Sets a gauge series. */
void vb_metrics_gauge_set(vb_metrics_t *self, const char *name, const char *help,
                          const char *labels, double value);

/* Records one observation (seconds) in a histogram series with fixed latency buckets
 * 0.0005 .. 10 s. */
void vb_metrics_observe(vb_metrics_t *self, const char *name, const char *help, const char *labels,
                        double value);

/* Renders every series; the caller frees the returned string. NULL when out of memory. */
char *vb_metrics_render(vb_metrics_t *self);

#endif
