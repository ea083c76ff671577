/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: the ALSA side (pcm.c).
 *
 * Everything the driver asks of ALSA and snd-usb-audio goes through this
 * interface: which USB device a card belongs to, a card's PCM, and opening
 * a PCM substream so that snd-usb-audio selects the altsetting and rate of
 * a stream.  On 6.12 that is done with public interfaces only
 * (snd_card_ref(), the card's device list, a file of our own, HW_PARAMS
 * and PREPARE; no snd_pcm_notify(), which needs CONFIG_SND_PCM_OSS);
 * kernels with snd-usb-audio's offload platform ops (6.16+) can implement
 * the same interface with those.  Calls nothing else of the driver.
 */
#ifndef _UOB_QC_PCM_H
#define _UOB_QC_PCM_H

#include <sound/pcm.h>

struct file;
struct snd_card;
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

struct usb_device *uob_qc_pcm_card_udev(struct snd_card *card);
struct usb_device *uob_qc_pcm_card_udev_get(int card);
struct snd_pcm *uob_qc_pcm_get(struct usb_device *udev, int card, int device);
void uob_qc_pcm_put(struct snd_pcm *pcm);
int uob_qc_pcm_open(struct uob_qc_pcm_stream *ps, struct snd_pcm *pcm, int stream,
		    snd_pcm_format_t format, unsigned int channels, unsigned int rate);
void uob_qc_pcm_close(struct uob_qc_pcm_stream *ps);

#endif /* _UOB_QC_PCM_H */
