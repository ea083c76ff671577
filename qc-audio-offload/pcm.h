/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: the ALSA side (pcm.c).
 *
 * Everything the driver asks of ALSA and snd-usb-audio goes through this
 * interface: which PCMs belong to USB audio cards, the news that one is
 * disconnected, and opening a PCM substream so that snd-usb-audio selects
 * the altsetting and rate of a stream.  On 6.12 that is done with public
 * interfaces only (snd_pcm_notify(), a file of our own, HW_PARAMS and
 * PREPARE); kernels with snd-usb-audio's offload platform ops (6.16+) can
 * implement the same interface with those.  Calls nothing else of the
 * driver: the disconnect news goes to the function given at init.
 */
#ifndef _UOB_QC_PCM_H
#define _UOB_QC_PCM_H

#include <sound/pcm.h>

struct file;
struct usb_device;

/**
 * struct uob_qc_pcm_stream - a PCM substream opened for the DSP
 * @pcm: the PCM
 * @file: the file it is opened through
 * @substream: the open substream (altsetting and rate chosen by snd-usb-audio)
 */
struct uob_qc_pcm_stream {
	struct snd_pcm *pcm;
	struct file *file;
	struct snd_pcm_substream *substream;
};

/**
 * struct uob_qc_pcm_ops - what the ALSA side tells the driver
 * @disconnect: @pcm of a USB audio card, whose device is @udev, is being
 *	disconnected.  Called with @udev's device lock held (by the USB core)
 *	and @pcm->open_mutex held (by ALSA); must not take either or wait
 *	for the DSP.
 */
struct uob_qc_pcm_ops {
	void (*disconnect)(struct snd_pcm *pcm, struct usb_device *udev);
};

int uob_qc_pcm_init(const struct uob_qc_pcm_ops *ops);
void uob_qc_pcm_exit(void);
struct snd_pcm *uob_qc_pcm_find(int card, int device);
struct usb_device *uob_qc_pcm_card_udev(struct snd_card *card);
int uob_qc_pcm_open(struct uob_qc_pcm_stream *ps, struct snd_pcm *pcm, int stream,
		    snd_pcm_format_t format, unsigned int channels, unsigned int rate);
void uob_qc_pcm_close(struct uob_qc_pcm_stream *ps, bool in_disconnect);

#endif /* _UOB_QC_PCM_H */
