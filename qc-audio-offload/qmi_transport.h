/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: the QMI handle of the UAUDIO stream service and what
 * is sent on it (qmi_transport.c): responses and indications.  Used by
 * the service (qmi_svc.c) and by the teardown (indications); calls only
 * the kernel's QMI helpers.
 */
#ifndef _UOB_QC_QMI_TRANSPORT_H
#define _UOB_QC_QMI_TRANSPORT_H

#include <linux/atomic.h>
#include <linux/qrtr.h>
#include <linux/types.h>

#include "usb_audio_qmi_v01.h"

/* indications sent (debugfs) */
extern atomic_t uob_qc_indications;

int uob_qc_qmi_start(const struct qmi_ops *ops);
void uob_qc_qmi_stop(void);
bool uob_qc_qmi_local(const struct sockaddr_qrtr *sq);
void uob_qc_qmi_send_resp(struct sockaddr_qrtr *sq, u16 txn_id,
			  struct uob_uaudio_resp *resp);
void uob_qc_qmi_flush(void);
int uob_qc_qmi_send_ind(struct sockaddr_qrtr *sq, const struct uob_uaudio_ind *ind);

#if IS_ENABLED(CONFIG_KUNIT)
unsigned int uob_qc_qmi_queued(void);
void uob_qc_qmi_sender_lock(void);
void uob_qc_qmi_sender_unlock(void);
#endif

#endif /* _UOB_QC_QMI_TRANSPORT_H */
