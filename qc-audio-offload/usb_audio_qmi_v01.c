// SPDX-License-Identifier: GPL-2.0
/*
 * qc-audio-offload: QMI element tables for the UAUDIO stream messages.
 *
 * Written with a few table macros: each line is one TLV field (or one
 * member of a nested structure), in wire order.
 */
#include <linux/stddef.h>

#include "usb_audio_qmi_v01.h"

#define UOB_EI(_dt, _tlv, _st, _f) {					\
	.data_type = (_dt), .elem_len = 1,				\
	.elem_size = sizeof_field(_st, _f), .array_type = NO_ARRAY,	\
	.tlv_type = (_tlv), .offset = offsetof(_st, _f) }
#define UOB_EI_OPT(_tlv, _st, _f)	UOB_EI(QMI_OPT_FLAG, _tlv, _st, _f##_valid)
#define UOB_EI_STRUCT(_tlv, _st, _f, _ei) {				\
	.data_type = QMI_STRUCT, .elem_len = 1,				\
	.elem_size = sizeof_field(_st, _f), .array_type = NO_ARRAY,	\
	.tlv_type = (_tlv), .offset = offsetof(_st, _f), .ei_array = (_ei) }
#define UOB_EI_END { .data_type = QMI_EOTI, .array_type = NO_ARRAY,	\
		     .tlv_type = QMI_COMMON_TLV_TYPE }

/* An optional TLV is two entries: its presence flag, then its value. */

static const struct qmi_elem_info uob_mem_info_ei[] = {
	UOB_EI(QMI_UNSIGNED_8_BYTE, 0, struct uob_uaudio_mem_info, iova),
	UOB_EI(QMI_UNSIGNED_8_BYTE, 0, struct uob_uaudio_mem_info, dma),
	UOB_EI(QMI_UNSIGNED_4_BYTE, 0, struct uob_uaudio_mem_info, size),
	UOB_EI_END
};

static const struct qmi_elem_info uob_xhci_mem_ei[] = {
	UOB_EI_STRUCT(0, struct uob_uaudio_xhci_mem, evt_ring, uob_mem_info_ei),
	UOB_EI_STRUCT(0, struct uob_uaudio_xhci_mem, tr_data, uob_mem_info_ei),
	UOB_EI_STRUCT(0, struct uob_uaudio_xhci_mem, tr_sync, uob_mem_info_ei),
	UOB_EI_STRUCT(0, struct uob_uaudio_xhci_mem, xfer_buff, uob_mem_info_ei),
	UOB_EI_STRUCT(0, struct uob_uaudio_xhci_mem, dcba, uob_mem_info_ei),
	UOB_EI_END
};

#define UOB_EP(_f) UOB_EI(QMI_UNSIGNED_1_BYTE, 0, struct uob_uaudio_ep_desc, _f)

static const struct qmi_elem_info uob_ep_desc_ei[] = {
	UOB_EP(bLength), UOB_EP(bDescriptorType), UOB_EP(bEndpointAddress),
	UOB_EP(bmAttributes),
	UOB_EI(QMI_UNSIGNED_2_BYTE, 0, struct uob_uaudio_ep_desc, wMaxPacketSize),
	UOB_EP(bInterval), UOB_EP(bRefresh), UOB_EP(bSynchAddress),
	UOB_EI_END
};

#define UOB_IF(_f) UOB_EI(QMI_UNSIGNED_1_BYTE, 0, struct uob_uaudio_intf_desc, _f)

static const struct qmi_elem_info uob_intf_desc_ei[] = {
	UOB_IF(bLength), UOB_IF(bDescriptorType), UOB_IF(bInterfaceNumber),
	UOB_IF(bAlternateSetting), UOB_IF(bNumEndpoints), UOB_IF(bInterfaceClass),
	UOB_IF(bInterfaceSubClass), UOB_IF(bInterfaceProtocol), UOB_IF(iInterface),
	UOB_EI_END
};

#define REQ struct uob_uaudio_req

const struct qmi_elem_info uob_uaudio_req_ei[] = {
	UOB_EI(QMI_UNSIGNED_1_BYTE, 0x01, REQ, enable),
	UOB_EI(QMI_UNSIGNED_4_BYTE, 0x02, REQ, usb_token),
	UOB_EI_OPT(0x10, REQ, audio_format),
	UOB_EI(QMI_UNSIGNED_4_BYTE, 0x10, REQ, audio_format),
	UOB_EI_OPT(0x11, REQ, number_of_ch),
	UOB_EI(QMI_UNSIGNED_4_BYTE, 0x11, REQ, number_of_ch),
	UOB_EI_OPT(0x12, REQ, bit_rate),
	UOB_EI(QMI_UNSIGNED_4_BYTE, 0x12, REQ, bit_rate),
	UOB_EI_OPT(0x13, REQ, xfer_buff_size),
	UOB_EI(QMI_UNSIGNED_4_BYTE, 0x13, REQ, xfer_buff_size),
	UOB_EI_OPT(0x14, REQ, service_interval),
	UOB_EI(QMI_UNSIGNED_4_BYTE, 0x14, REQ, service_interval),
	UOB_EI_END
};

#undef REQ

#define RESP struct uob_uaudio_resp

const struct qmi_elem_info uob_uaudio_resp_ei[] = {
	UOB_EI_STRUCT(0x02, RESP, resp, qmi_response_type_v01_ei),
	UOB_EI_OPT(0x10, RESP, status),
	UOB_EI(QMI_SIGNED_4_BYTE_ENUM, 0x10, RESP, status),
	UOB_EI_OPT(0x11, RESP, internal_status),
	UOB_EI(QMI_UNSIGNED_4_BYTE, 0x11, RESP, internal_status),
	UOB_EI_OPT(0x12, RESP, slot_id),
	UOB_EI(QMI_UNSIGNED_4_BYTE, 0x12, RESP, slot_id),
	UOB_EI_OPT(0x13, RESP, usb_token),
	UOB_EI(QMI_UNSIGNED_4_BYTE, 0x13, RESP, usb_token),
	UOB_EI_OPT(0x14, RESP, std_as_opr_intf_desc),
	UOB_EI_STRUCT(0x14, RESP, std_as_opr_intf_desc, uob_intf_desc_ei),
	UOB_EI_OPT(0x15, RESP, std_as_data_ep_desc),
	UOB_EI_STRUCT(0x15, RESP, std_as_data_ep_desc, uob_ep_desc_ei),
	UOB_EI_OPT(0x16, RESP, std_as_sync_ep_desc),
	UOB_EI_STRUCT(0x16, RESP, std_as_sync_ep_desc, uob_ep_desc_ei),
	UOB_EI_OPT(0x17, RESP, usb_audio_spec_revision),
	UOB_EI(QMI_UNSIGNED_2_BYTE, 0x17, RESP, usb_audio_spec_revision),
	UOB_EI_OPT(0x18, RESP, data_path_delay),
	UOB_EI(QMI_UNSIGNED_1_BYTE, 0x18, RESP, data_path_delay),
	UOB_EI_OPT(0x19, RESP, usb_audio_subslot_size),
	UOB_EI(QMI_UNSIGNED_1_BYTE, 0x19, RESP, usb_audio_subslot_size),
	UOB_EI_OPT(0x1A, RESP, xhci_mem_info),
	UOB_EI_STRUCT(0x1A, RESP, xhci_mem_info, uob_xhci_mem_ei),
	UOB_EI_OPT(0x1B, RESP, interrupter_num),
	UOB_EI(QMI_UNSIGNED_1_BYTE, 0x1B, RESP, interrupter_num),
	UOB_EI_OPT(0x1C, RESP, speed_info),
	UOB_EI(QMI_SIGNED_4_BYTE_ENUM, 0x1C, RESP, speed_info),
	UOB_EI_OPT(0x1D, RESP, controller_num),
	UOB_EI(QMI_UNSIGNED_1_BYTE, 0x1D, RESP, controller_num),
	UOB_EI_END
};

#undef RESP

#define IND struct uob_uaudio_ind

const struct qmi_elem_info uob_uaudio_ind_ei[] = {
	UOB_EI(QMI_SIGNED_4_BYTE_ENUM, 0x01, IND, dev_event),
	UOB_EI(QMI_UNSIGNED_4_BYTE, 0x02, IND, slot_id),
	UOB_EI_OPT(0x10, IND, usb_token),
	UOB_EI(QMI_UNSIGNED_4_BYTE, 0x10, IND, usb_token),
	UOB_EI_OPT(0x11, IND, std_as_opr_intf_desc),
	UOB_EI_STRUCT(0x11, IND, std_as_opr_intf_desc, uob_intf_desc_ei),
	UOB_EI_OPT(0x12, IND, std_as_data_ep_desc),
	UOB_EI_STRUCT(0x12, IND, std_as_data_ep_desc, uob_ep_desc_ei),
	UOB_EI_OPT(0x13, IND, std_as_sync_ep_desc),
	UOB_EI_STRUCT(0x13, IND, std_as_sync_ep_desc, uob_ep_desc_ei),
	UOB_EI_OPT(0x14, IND, usb_audio_spec_revision),
	UOB_EI(QMI_UNSIGNED_2_BYTE, 0x14, IND, usb_audio_spec_revision),
	UOB_EI_OPT(0x15, IND, data_path_delay),
	UOB_EI(QMI_UNSIGNED_1_BYTE, 0x15, IND, data_path_delay),
	UOB_EI_OPT(0x16, IND, usb_audio_subslot_size),
	UOB_EI(QMI_UNSIGNED_1_BYTE, 0x16, IND, usb_audio_subslot_size),
	UOB_EI_OPT(0x17, IND, xhci_mem_info),
	UOB_EI_STRUCT(0x17, IND, xhci_mem_info, uob_xhci_mem_ei),
	UOB_EI_OPT(0x18, IND, interrupter_num),
	UOB_EI(QMI_UNSIGNED_1_BYTE, 0x18, IND, interrupter_num),
	UOB_EI_OPT(0x19, IND, controller_num),
	UOB_EI(QMI_UNSIGNED_1_BYTE, 0x19, IND, controller_num),
	UOB_EI_END
};

#undef IND
