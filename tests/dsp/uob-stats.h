/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Timing helpers shared by the userspace benchmark tools (uob-dsp's QMI
 * round trips and uob-alsa-floor's plain-ALSA floor), so both report in
 * exactly the same form ("bench: <what> over N cycles: median ...").
 */
#ifndef UOB_STATS_H
#define UOB_STATS_H

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Sorts @v (n >= 1 samples, ms) and prints median, p99, min and max, then
 * every sample in us ("bench-samples: <what>: ..."), so that a report can
 * pool the samples of several boots.
 */
static inline void stats(const char *what, double *v, int n)
{
	int i;

	if (n < 1)
		return;
	qsort(v, n, sizeof(*v), cmp_double);
	printf("bench: %s over %d cycles: median %.3f ms p99 %.3f ms min %.3f ms max %.3f ms\n",
	       what, n, v[n / 2], v[(n * 99) / 100], v[0], v[n - 1]);
	printf("bench-samples: %s:", what);
	for (i = 0; i < n; i++)
		printf(" %.0f", v[i] * 1e3);
	printf("\n");
}

#endif /* UOB_STATS_H */
