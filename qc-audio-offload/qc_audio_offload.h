/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: the module (qc_audio_offload.c): init, exit, system
 * sleep, debugfs.
 */
#ifndef _UOB_QC_AUDIO_OFFLOAD_H
#define _UOB_QC_AUDIO_OFFLOAD_H

void uob_qc_pm_event(unsigned long action);

#if IS_ENABLED(CONFIG_KUNIT)
/* what module exit does first: stop every stream, telling the DSP */
void uob_qc_shutdown(void);
#endif

#endif /* _UOB_QC_AUDIO_OFFLOAD_H */
