/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: the module (qc_audio_offload.c): init, exit, system
 * sleep, debugfs.
 */
#ifndef _UOB_QC_AUDIO_OFFLOAD_H
#define _UOB_QC_AUDIO_OFFLOAD_H

void uob_qc_pm_event(unsigned long action);
void uob_qc_pm_sync(void);

#if IS_ENABLED(CONFIG_KUNIT)
/* KUnit: system sleep's stop, and where it is queued (a static stub) */
void uob_qc_sleep_stop(void);
void uob_qc_sleep_queue(void);
#endif

#if IS_ENABLED(CONFIG_KUNIT)
/* what module exit does first: stop every stream, telling the DSP */
void uob_qc_shutdown(void);
#endif

#endif /* _UOB_QC_AUDIO_OFFLOAD_H */
