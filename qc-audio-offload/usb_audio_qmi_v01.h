/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qc-audio-offload: the QMI "UAUDIO stream" service's messages (v01).
 *
 * The wire format is fixed by the audio DSP firmware; TLV numbers, element
 * types and order follow mainline's sound/usb/qcom/usb_audio_qmi_v01.h
 * (checked field by field; see docs/design.md "qc-audio-offload").
 * Names carry a uob_ prefix so nothing clashes with snd-usb-audio-qmi in
 * kernels that have it.
 */
#ifndef _UOB_USB_AUDIO_QMI_V01_H
#define _UOB_USB_AUDIO_QMI_V01_H

#include <linux/soc/qcom/qmi.h>
#include <linux/types.h>

#define UOB_UAUDIO_SERVICE_ID		0x41D
#define UOB_UAUDIO_SERVICE_VERS		0x01
#define UOB_UAUDIO_SERVICE_INSTANCE	0

#define UOB_QMI_UAUDIO_STREAM_REQ	0x0001
#define UOB_QMI_UAUDIO_STREAM_RESP	0x0001
#define UOB_QMI_UAUDIO_STREAM_IND	0x0001

#define UOB_UAUDIO_REQ_MAX_LEN		46
#define UOB_UAUDIO_RESP_MAX_LEN		202
#define UOB_UAUDIO_IND_MAX_LEN		181

/* usb_token = card << 16 | pcm device << 8 | direction */
#define UOB_TOKEN_CARD(t)	(((t) >> 16) & 0xff)
#define UOB_TOKEN_PCM(t)	(((t) >> 8) & 0xff)
#define UOB_TOKEN_DIR(t)	((t) & 0xff)
#define UOB_TOKEN(c, p, d)	(((u32)(c) << 16) | ((u32)(p) << 8) | (u32)(d))

enum uob_uaudio_status {
	UOB_UAUDIO_SUCCESS = 0,
	UOB_UAUDIO_FAILURE = 1,
	UOB_UAUDIO_NOT_FOUND = 2,
	UOB_UAUDIO_INVALID_PARAM = 3,
	UOB_UAUDIO_MEMALLOC = 4,
};

enum uob_uaudio_dev_event {
	UOB_UAUDIO_DEV_CONNECT = 0,
	UOB_UAUDIO_DEV_DISCONNECT = 1,
	UOB_UAUDIO_DEV_SUSPEND = 2,
	UOB_UAUDIO_DEV_RESUME = 3,
};

enum uob_uaudio_speed {
	UOB_UAUDIO_SPEED_INVALID = 0,
	UOB_UAUDIO_SPEED_LOW = 1,
	UOB_UAUDIO_SPEED_FULL = 2,
	UOB_UAUDIO_SPEED_HIGH = 3,
	UOB_UAUDIO_SPEED_SUPER = 4,
	UOB_UAUDIO_SPEED_SUPER_PLUS = 5,
};

/* audio_format: the DSP's enum, in ALSA order (18 values) */
enum uob_uaudio_format {
	UOB_UAUDIO_FMT_S8, UOB_UAUDIO_FMT_U8,
	UOB_UAUDIO_FMT_S16_LE, UOB_UAUDIO_FMT_S16_BE,
	UOB_UAUDIO_FMT_U16_LE, UOB_UAUDIO_FMT_U16_BE,
	UOB_UAUDIO_FMT_S24_LE, UOB_UAUDIO_FMT_S24_BE,
	UOB_UAUDIO_FMT_U24_LE, UOB_UAUDIO_FMT_U24_BE,
	UOB_UAUDIO_FMT_S24_3LE, UOB_UAUDIO_FMT_S24_3BE,
	UOB_UAUDIO_FMT_U24_3LE, UOB_UAUDIO_FMT_U24_3BE,
	UOB_UAUDIO_FMT_S32_LE, UOB_UAUDIO_FMT_S32_BE,
	UOB_UAUDIO_FMT_U32_LE, UOB_UAUDIO_FMT_U32_BE,
	UOB_UAUDIO_FMT_COUNT
};

struct uob_uaudio_mem_info {
	u64 iova;	/* address the DSP uses */
	u64 dma;	/* the controller's DMA address */
	u32 size;
};

/* 0x1A / 0x17: in this order on the wire */
struct uob_uaudio_xhci_mem {
	struct uob_uaudio_mem_info evt_ring;
	struct uob_uaudio_mem_info tr_data;
	struct uob_uaudio_mem_info tr_sync;
	struct uob_uaudio_mem_info xfer_buff;
	struct uob_uaudio_mem_info dcba;
};

struct uob_uaudio_ep_desc {
	u8 bLength;
	u8 bDescriptorType;
	u8 bEndpointAddress;
	u8 bmAttributes;
	u16 wMaxPacketSize;
	u8 bInterval;
	u8 bRefresh;
	u8 bSynchAddress;
};

struct uob_uaudio_intf_desc {
	u8 bLength;
	u8 bDescriptorType;
	u8 bInterfaceNumber;
	u8 bAlternateSetting;
	u8 bNumEndpoints;
	u8 bInterfaceClass;
	u8 bInterfaceSubClass;
	u8 bInterfaceProtocol;
	u8 iInterface;
};

struct uob_uaudio_req {
	u8 enable;				/* 0x01 */
	u32 usb_token;				/* 0x02 */
	u8 audio_format_valid;
	u32 audio_format;			/* 0x10 */
	u8 number_of_ch_valid;
	u32 number_of_ch;			/* 0x11 */
	u8 bit_rate_valid;
	u32 bit_rate;				/* 0x12, the sample rate */
	u8 xfer_buff_size_valid;
	u32 xfer_buff_size;			/* 0x13 */
	u8 service_interval_valid;
	u32 service_interval;			/* 0x14, microseconds */
};

struct uob_uaudio_resp {
	struct qmi_response_type_v01 resp;	/* 0x02 */
	u8 status_valid;
	u32 status;				/* 0x10, enum uob_uaudio_status */
	u8 internal_status_valid;
	u32 internal_status;			/* 0x11 */
	u8 slot_id_valid;
	u32 slot_id;				/* 0x12 */
	u8 usb_token_valid;
	u32 usb_token;				/* 0x13 */
	u8 std_as_opr_intf_desc_valid;
	struct uob_uaudio_intf_desc std_as_opr_intf_desc;	/* 0x14 */
	u8 std_as_data_ep_desc_valid;
	struct uob_uaudio_ep_desc std_as_data_ep_desc;	/* 0x15 */
	u8 std_as_sync_ep_desc_valid;
	struct uob_uaudio_ep_desc std_as_sync_ep_desc;	/* 0x16 */
	u8 usb_audio_spec_revision_valid;
	u16 usb_audio_spec_revision;		/* 0x17 */
	u8 data_path_delay_valid;
	u8 data_path_delay;			/* 0x18 */
	u8 usb_audio_subslot_size_valid;
	u8 usb_audio_subslot_size;		/* 0x19 */
	u8 xhci_mem_info_valid;
	struct uob_uaudio_xhci_mem xhci_mem_info;	/* 0x1A */
	u8 interrupter_num_valid;
	u8 interrupter_num;			/* 0x1B */
	u8 speed_info_valid;
	u32 speed_info;				/* 0x1C, enum uob_uaudio_speed */
	u8 controller_num_valid;
	u8 controller_num;			/* 0x1D */
};

struct uob_uaudio_ind {
	u32 dev_event;				/* 0x01, enum uob_uaudio_dev_event */
	u32 slot_id;				/* 0x02 */
	u8 usb_token_valid;
	u32 usb_token;				/* 0x10 */
	u8 std_as_opr_intf_desc_valid;
	struct uob_uaudio_intf_desc std_as_opr_intf_desc;	/* 0x11 */
	u8 std_as_data_ep_desc_valid;
	struct uob_uaudio_ep_desc std_as_data_ep_desc;	/* 0x12 */
	u8 std_as_sync_ep_desc_valid;
	struct uob_uaudio_ep_desc std_as_sync_ep_desc;	/* 0x13 */
	u8 usb_audio_spec_revision_valid;
	u16 usb_audio_spec_revision;		/* 0x14 */
	u8 data_path_delay_valid;
	u8 data_path_delay;			/* 0x15 */
	u8 usb_audio_subslot_size_valid;
	u8 usb_audio_subslot_size;		/* 0x16 */
	u8 xhci_mem_info_valid;
	struct uob_uaudio_xhci_mem xhci_mem_info;	/* 0x17 */
	u8 interrupter_num_valid;
	u8 interrupter_num;			/* 0x18 */
	u8 controller_num_valid;
	u8 controller_num;			/* 0x19 */
};

extern const struct qmi_elem_info uob_uaudio_req_ei[];
extern const struct qmi_elem_info uob_uaudio_resp_ei[];
extern const struct qmi_elem_info uob_uaudio_ind_ei[];

#endif /* _UOB_USB_AUDIO_QMI_V01_H */
