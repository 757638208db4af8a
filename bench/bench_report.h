/* bench_report.h - timing and the one-line result format every verbund benchmark prints:
 *   bench <name>: verbund <rate> <unit>, reference (<what>) <rate> <unit>, ratio <r> (goal >= <g>)
 * Benchmarks interleave their runs with the reference's and report the median of each, because
 * the machines they run on are noisy. Does not: decide pass/fail for CI (benchmarks are not tests). */
#ifndef BENCH_REPORT_H
#define BENCH_REPORT_H

#include <stdio.h>
#include <time.h>

static inline double
bench_now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* The median of count rates (sorts the array in place). Benchmarks report medians of
 * interleaved rounds: the best round of a noisy 2-core machine mostly measures luck in where
 * the scheduler put the threads. */
static inline double
bench_median(double *rates, int count)
{
    for (int i = 1; i < count; i++)
        for (int j = i; j > 0 && rates[j - 1] > rates[j]; j--) {
            double swap = rates[j];
            rates[j] = rates[j - 1];
            rates[j - 1] = swap;
        }
    return count % 2 ? rates[count / 2] : (rates[count / 2 - 1] + rates[count / 2]) / 2;
}

/* Prints the result line; goal <= 0 means "report only". Returns the ratio. */
static inline double
bench_report(const char *name, const char *unit, double verbund_rate, const char *reference,
             double reference_rate, double goal)
{
    double ratio = reference_rate > 0 ? verbund_rate / reference_rate : 0.0;
    if (goal > 0)
        printf("bench %s: verbund %.0f %s, reference (%s) %.0f %s, ratio %.2f (goal >= %.2f: %s)\n",
               name, verbund_rate, unit, reference, reference_rate, unit, ratio, goal,
               ratio >= goal ? "met" : "NOT met");
    else
        printf("bench %s: verbund %.0f %s, reference (%s) %.0f %s, ratio %.2f (report only)\n",
               name, verbund_rate, unit, reference, reference_rate, unit, ratio);
    fflush(stdout);
    return ratio;
}

#endif
