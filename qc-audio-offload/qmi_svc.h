/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: the UAUDIO stream service (qmi_svc.c): who may ask,
 * what is asked, and the answer.
 */
#ifndef _UOB_QC_QMI_SVC_H
#define _UOB_QC_QMI_SVC_H

#include <linux/qrtr.h>
#include <linux/soc/qcom/qmi.h>

#include "usb_audio_qmi_v01.h"

struct seq_file;
struct usb_device;

extern const struct qmi_ops uob_qc_svc_ops;

void uob_qc_svc_show(struct seq_file *m);

#if IS_ENABLED(CONFIG_KUNIT)
/* the KUnit suite's client is local (allow_local); its requests run here */
extern bool uob_qc_allow_local;
int uob_qc_serve(struct sockaddr_qrtr *sq, u16 txn_id, struct uob_uaudio_req *req);
/* KUnit static stub: between a request's udev unlock and its return */
void uob_qc_req_unlocked(struct usb_device *udev);
#endif

#endif /* _UOB_QC_QMI_SVC_H */
