/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: the ALSA side (pcm.c, and one backend).
 *
 * Everything the driver asks of ALSA and snd-usb-audio goes through this
 * interface: which USB device a card belongs to, a card's PCM (pcm.c), and
 * opening a stream's PCM so that snd-usb-audio selects the altsetting and
 * rate (the backend).  Calls nothing else of the driver.  The backend is
 * chosen at build time (qc-audio-offload/Kbuild):
 *  - pcm_direct.c, where snd-usb-audio exports what mainline's driver
 *    calls (snd_usb_hw_params(), snd_usb_endpoint_prepare(), ...: 6.16+,
 *    probe snd_usb_hw_params.sym) and its private headers of exactly this
 *    kernel are at hand (a source tree: KSRC=, a full build tree, in tree);
 *  - pcm_ioctl.c otherwise: a PCM substream opened through ALSA's PCM core
 *    and driven with HW_PARAMS and PREPARE, on 6.12's public interfaces.
 * Both claim the substream, so user space cannot open it meanwhile.
 */
#ifndef _UOB_QC_PCM_H
#define _UOB_QC_PCM_H

#include <sound/pcm.h>

struct file;
struct snd_card;
struct snd_usb_substream;
struct usb_device;

/**
 * struct uob_qc_pcm_stream - a PCM substream opened for the DSP
 * @pcm: the PCM
 * @file: pcm_ioctl.c: the file it is opened through
 * @substream: pcm_ioctl.c: the open substream
 * @subs: pcm_direct.c: snd-usb-audio's substream, claimed
 */
struct uob_qc_pcm_stream {
	struct snd_pcm *pcm;
	struct file *file;
	struct snd_pcm_substream *substream;
	struct snd_usb_substream *subs;
};

struct usb_device *uob_qc_pcm_card_udev(struct snd_card *card);
struct usb_device *uob_qc_pcm_card_udev_get(int card);
struct snd_pcm *uob_qc_pcm_get(struct usb_device *udev, int card, int device);
void uob_qc_pcm_put(struct snd_pcm *pcm);
struct snd_pcm_hw_params *uob_qc_pcm_params(snd_pcm_format_t format, unsigned int channels,
					    unsigned int rate, unsigned int period);

/* the backend */
int uob_qc_pcm_open(struct uob_qc_pcm_stream *ps, struct snd_pcm *pcm, int stream,
		    snd_pcm_format_t format, unsigned int channels, unsigned int rate);
void uob_qc_pcm_close(struct uob_qc_pcm_stream *ps);

#endif /* _UOB_QC_PCM_H */
