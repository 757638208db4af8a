/* metrics.c - the Prometheus registry of vb/metrics.h: families of counter, gauge and histogram
 * series under one mutex, rendered as text exposition format 0.0.4.
 * Does not: escape label values (callers pass well-formed label text), expire series or keep
 * summaries. */
#include "vb/metrics.h"

#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb/assert.h"

typedef enum {
    METRIC_COUNTER,
    METRIC_GAUGE,
    METRIC_HISTOGRAM,
} metric_type_t;

static const char *const s_type_names[] = {
    [METRIC_COUNTER] = "counter",
    [METRIC_GAUGE] = "gauge",
    [METRIC_HISTOGRAM] = "histogram",
};

/* Upper bounds (seconds) of the latency buckets; +Inf is implicit. */
static const double s_buckets[] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};
#define BUCKET_COUNT (sizeof(s_buckets) / sizeof(s_buckets[0]))

typedef struct metric_series {
    struct metric_series *next;      /* next series of the family, in creation order */
    char *labels;                    /* inside of the braces; "" for none */
    double value;                    /* counter or gauge value */
    uint64_t buckets[BUCKET_COUNT];  /* histogram: observations per bucket (not cumulative) */
    uint64_t count;                  /* histogram: all observations, i.e. the +Inf bucket */
    double sum;                      /* histogram: sum of observations */
} metric_series_t;

typedef struct metric_family {
    struct metric_family *next;      /* next family, in creation order */
    char *name;                      /* metric name without suffixes */
    char *help;                      /* help text as given the first time */
    metric_type_t type;              /* fixed by the first use of the name */
    metric_series_t *series;         /* first series */
    metric_series_t *last_series;    /* append point */
} metric_family_t;

struct vb_metrics {
    pthread_mutex_t mutex;           /* guards everything below */
    metric_family_t *families;       /* first family */
    metric_family_t *last_family;    /* append point */
};

vb_metrics_t *
vb_metrics_new(void)
{
    vb_metrics_t *self = calloc(1, sizeof(*self));
    if (!self)
        return NULL;
    pthread_mutex_init(&self->mutex, NULL);
    return self;
}

void
vb_metrics_destroy(vb_metrics_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    vb_metrics_t *self = *self_p;
    metric_family_t *family = self->families;
    while (family) {
        metric_family_t *next_family = family->next;
        metric_series_t *series = family->series;
        while (series) {
            metric_series_t *next_series = series->next;
            free(series->labels);
            free(series);
            series = next_series;
        }
        free(family->name);
        free(family->help);
        free(family);
        family = next_family;
    }
    pthread_mutex_destroy(&self->mutex);
    free(self);
    *self_p = NULL;
}

/* Metric names match [a-zA-Z_:][a-zA-Z0-9_:]*; anything else is a bug in the caller. */
static bool
s_name_valid(const char *name)
{
    if (!name || !*name)
        return false;
    for (const char *p = name; *p; p++) {
        bool letter = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_' ||
                      *p == ':';
        bool digit = *p >= '0' && *p <= '9';
        if (!letter && !(digit && p != name))
            return false;
    }
    return true;
}

/* The series name{labels} of the given type; created on first use. NULL when out of memory.
 * Called with the mutex held. */
static metric_series_t *
s_series(vb_metrics_t *self, const char *name, const char *help, const char *labels,
         metric_type_t type)
{
    VB_ASSERT(s_name_valid(name));
    if (!labels)
        labels = "";
    metric_family_t *family = self->families;
    while (family && strcmp(family->name, name) != 0)
        family = family->next;
    if (family) {
        /* One name, one type: a mismatch is a bug in the caller. */
        VB_ASSERT(family->type == type);
    }
    else {
        family = calloc(1, sizeof(*family));
        if (!family)
            return NULL;
        family->name = strdup(name);
        family->help = strdup(help ? help : "");
        if (!family->name || !family->help) {
            free(family->name);
            free(family->help);
            free(family);
            return NULL;
        }
        family->type = type;
        if (self->last_family)
            self->last_family->next = family;
        else
            self->families = family;
        self->last_family = family;
    }

    metric_series_t *series = family->series;
    while (series && strcmp(series->labels, labels) != 0)
        series = series->next;
    if (series)
        return series;
    series = calloc(1, sizeof(*series));
    if (!series)
        return NULL;
    series->labels = strdup(labels);
    if (!series->labels) {
        free(series);
        return NULL;
    }
    if (family->last_series)
        family->last_series->next = series;
    else
        family->series = series;
    family->last_series = series;
    return series;
}

void
vb_metrics_counter_add(vb_metrics_t *self, const char *name, const char *help,
                       const char *labels, double delta)
{
    VB_ASSERT(self);
    VB_ASSERT(delta >= 0); /* counters only go up; NaN fails too */
    pthread_mutex_lock(&self->mutex);
    metric_series_t *series = s_series(self, name, help, labels, METRIC_COUNTER);
    if (series)
        series->value += delta;
    pthread_mutex_unlock(&self->mutex);
}

void
vb_metrics_gauge_set(vb_metrics_t *self, const char *name, const char *help, const char *labels,
                     double value)
{
    VB_ASSERT(self);
    pthread_mutex_lock(&self->mutex);
    metric_series_t *series = s_series(self, name, help, labels, METRIC_GAUGE);
    if (series)
        series->value = value;
    pthread_mutex_unlock(&self->mutex);
}

void
vb_metrics_observe(vb_metrics_t *self, const char *name, const char *help, const char *labels,
                   double value)
{
    VB_ASSERT(self);
    pthread_mutex_lock(&self->mutex);
    metric_series_t *series = s_series(self, name, help, labels, METRIC_HISTOGRAM);
    if (series) {
        /* Stored per bucket; render makes them cumulative. NaN lands only in +Inf. */
        for (size_t i = 0; i < BUCKET_COUNT; i++) {
            if (value <= s_buckets[i]) {
                series->buckets[i]++;
                break;
            }
        }
        series->count++;
        series->sum += value;
    }
    pthread_mutex_unlock(&self->mutex);
}

/* Shortest text that reads back as the same double; Prometheus spellings for the specials. */
static void
s_format_value(double value, char *out, size_t size)
{
    if (isnan(value)) {
        snprintf(out, size, "NaN");
        return;
    }
    if (isinf(value)) {
        snprintf(out, size, value > 0 ? "+Inf" : "-Inf");
        return;
    }
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(out, size, "%.*g", precision, value);
        if (strtod(out, NULL) == value)
            return;
    }
}

/* HELP text escapes backslash and newline. */
static void
s_write_help(FILE *out, const char *help)
{
    for (const char *p = help; *p; p++) {
        if (*p == '\\')
            fputs("\\\\", out);
        else if (*p == '\n')
            fputs("\\n", out);
        else
            fputc(*p, out);
    }
}

/* name{labels} value, without braces when there are no labels. */
static void
s_write_sample(FILE *out, const char *name, const char *suffix, const char *labels, double value)
{
    char number[64];
    s_format_value(value, number, sizeof(number));
    if (*labels)
        fprintf(out, "%s%s{%s} %s\n", name, suffix, labels, number);
    else
        fprintf(out, "%s%s %s\n", name, suffix, number);
}

static void
s_write_bucket(FILE *out, const char *name, const char *labels, const char *le, uint64_t count)
{
    /* le joins the series' own labels. */
    fprintf(out, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels, *labels ? "," : "", le,
            (unsigned long long) count);
}

static void
s_write_family(FILE *out, const metric_family_t *family)
{
    fprintf(out, "# HELP %s ", family->name);
    s_write_help(out, family->help);
    fprintf(out, "\n# TYPE %s %s\n", family->name, s_type_names[family->type]);
    for (const metric_series_t *series = family->series; series; series = series->next) {
        if (family->type != METRIC_HISTOGRAM) {
            s_write_sample(out, family->name, "", series->labels, series->value);
            continue;
        }
        uint64_t cumulative = 0;
        for (size_t i = 0; i < BUCKET_COUNT; i++) {
            char le[64];
            cumulative += series->buckets[i];
            s_format_value(s_buckets[i], le, sizeof(le));
            s_write_bucket(out, family->name, series->labels, le, cumulative);
        }
        s_write_bucket(out, family->name, series->labels, "+Inf", series->count);
        s_write_sample(out, family->name, "_sum", series->labels, series->sum);
        s_write_sample(out, family->name, "_count", series->labels, (double) series->count);
    }
}

char *
vb_metrics_render(vb_metrics_t *self)
{
    VB_ASSERT(self);
    char *text = NULL;
    size_t length = 0;
    FILE *out = open_memstream(&text, &length);
    if (!out)
        return NULL;
    pthread_mutex_lock(&self->mutex);
    for (const metric_family_t *family = self->families; family; family = family->next)
        s_write_family(out, family);
    pthread_mutex_unlock(&self->mutex);
    bool failed = ferror(out) != 0;
    if (fclose(out) != 0 || failed) {
        free(text);
        return NULL;
    }
    return text;
}
