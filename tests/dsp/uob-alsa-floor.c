// SPDX-License-Identifier: GPL-2.0
/*
 * uob-alsa-floor: the floor for the QMI enable round trip - the same
 * stream's HW_PARAMS + PREPARE (and HW_FREE + close) through plain ALSA
 * from userspace, no offload.  Same format as uob-dsp's requests.
 *   uob-alsa-floor CARD N
 */
#include <alsa/asoundlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "uob-stats.h"

int main(int argc, char **argv)
{
	int card = argc > 1 ? atoi(argv[1]) : 0, n = argc > 2 ? atoi(argv[2]) : 200, i;
	double *up = calloc(n, sizeof(double)), *down = calloc(n, sizeof(double));
	snd_pcm_hw_params_t *hw;
	snd_pcm_t *pcm;
	char name[32];
	double t0;

	snprintf(name, sizeof(name), "hw:%d,0", card);
	snd_pcm_hw_params_alloca(&hw);
	for (i = 0; i < n; i++) {
		t0 = now_ms();
		if (snd_pcm_open(&pcm, name, SND_PCM_STREAM_PLAYBACK, 0) < 0 ||
		    snd_pcm_hw_params_any(pcm, hw) < 0 ||
		    snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED) < 0 ||
		    snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE) < 0 ||
		    snd_pcm_hw_params_set_channels(pcm, hw, 2) < 0 ||
		    snd_pcm_hw_params_set_rate(pcm, hw, 48000, 0) < 0 ||
		    snd_pcm_hw_params(pcm, hw) < 0 || snd_pcm_prepare(pcm) < 0) {
			printf("bench: ALSA open/hw_params/prepare failed at cycle %d\n", i);
			return 1;
		}
		up[i] = now_ms() - t0;
		t0 = now_ms();
		snd_pcm_hw_free(pcm);
		snd_pcm_close(pcm);
		down[i] = now_ms() - t0;
	}
	stats("ALSA open+HW_PARAMS+PREPARE (floor for enable)", up, n);
	stats("ALSA HW_FREE+close (floor for disable)", down, n);
	return 0;
}
