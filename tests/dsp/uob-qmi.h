/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The UAUDIO stream service as the userspace DSP tools (uob-dsp, uob-fuzz,
 * uob-tun-dsp) see it: service id, the request, response and indication and
 * their element tables for libqrtr's QMI decoder, written from mainline's
 * usb_audio_qmi_v01 definitions, and the service lookup.
 * One translation unit per tool includes it.
 */
#ifndef UOB_QMI_H
#define UOB_QMI_H

#include <libqrtr.h>
#include <stddef.h>
#include <stdint.h>

#define SVC_ID		0x41D
#define SVC_VERS	1

struct mem_info { uint64_t iova, dma; uint32_t size; };

struct xhci_mem { struct mem_info evt, data, sync, xfer, dcba; };

struct ep_desc {
	uint8_t bLength, bDescriptorType, bEndpointAddress, bmAttributes;
	uint16_t wMaxPacketSize;
	uint8_t bInterval, bRefresh, bSynchAddress;
};

struct intf_desc {
	uint8_t bLength, bDescriptorType, bInterfaceNumber, bAlternateSetting,
		bNumEndpoints, bInterfaceClass, bInterfaceSubClass,
		bInterfaceProtocol, iInterface;
};

struct resp {
	struct qmi_response_type_v01 resp;
	uint8_t status_valid; uint32_t status;
	uint8_t istatus_valid; uint32_t istatus;
	uint8_t slot_valid; uint32_t slot;
	uint8_t token_valid; uint32_t token;
	uint8_t intf_valid; struct intf_desc intf;
	uint8_t data_ep_valid; struct ep_desc data_ep;
	uint8_t sync_ep_valid; struct ep_desc sync_ep;
	uint8_t rev_valid; uint16_t rev;
	uint8_t delay_valid; uint8_t delay;
	uint8_t subslot_valid; uint8_t subslot;
	uint8_t mem_valid; struct xhci_mem mem;
	uint8_t intr_valid; uint8_t intr;
	uint8_t speed_valid; uint32_t speed;
	uint8_t ctrl_valid; uint8_t ctrl;
};

#define FSZ(st, f) sizeof(((st *)0)->f)
#define E(t, tlv, st, f) { t, 1, FSZ(st, f), NO_ARRAY, tlv, offsetof(st, f), NULL }
#define ES(tlv, st, f, ei) { QMI_STRUCT, 1, FSZ(st, f), NO_ARRAY, tlv, offsetof(st, f), ei }
#define END { QMI_EOTI, 0, 0, NO_ARRAY, QMI_COMMON_TLV_TYPE, 0, NULL }

static struct qmi_elem_info mem_ei[] = {
	E(QMI_UNSIGNED_8_BYTE, 0, struct mem_info, iova),
	E(QMI_UNSIGNED_8_BYTE, 0, struct mem_info, dma),
	E(QMI_UNSIGNED_4_BYTE, 0, struct mem_info, size), END };
static struct qmi_elem_info xmem_ei[] = {
	ES(0, struct xhci_mem, evt, mem_ei), ES(0, struct xhci_mem, data, mem_ei),
	ES(0, struct xhci_mem, sync, mem_ei), ES(0, struct xhci_mem, xfer, mem_ei),
	ES(0, struct xhci_mem, dcba, mem_ei), END };
static struct qmi_elem_info ep_ei[] = {
	E(QMI_UNSIGNED_1_BYTE, 0, struct ep_desc, bLength),
	E(QMI_UNSIGNED_1_BYTE, 0, struct ep_desc, bDescriptorType),
	E(QMI_UNSIGNED_1_BYTE, 0, struct ep_desc, bEndpointAddress),
	E(QMI_UNSIGNED_1_BYTE, 0, struct ep_desc, bmAttributes),
	E(QMI_UNSIGNED_2_BYTE, 0, struct ep_desc, wMaxPacketSize),
	E(QMI_UNSIGNED_1_BYTE, 0, struct ep_desc, bInterval),
	E(QMI_UNSIGNED_1_BYTE, 0, struct ep_desc, bRefresh),
	E(QMI_UNSIGNED_1_BYTE, 0, struct ep_desc, bSynchAddress), END };
static struct qmi_elem_info intf_ei[] = {
	E(QMI_UNSIGNED_1_BYTE, 0, struct intf_desc, bLength),
	E(QMI_UNSIGNED_1_BYTE, 0, struct intf_desc, bDescriptorType),
	E(QMI_UNSIGNED_1_BYTE, 0, struct intf_desc, bInterfaceNumber),
	E(QMI_UNSIGNED_1_BYTE, 0, struct intf_desc, bAlternateSetting),
	E(QMI_UNSIGNED_1_BYTE, 0, struct intf_desc, bNumEndpoints),
	E(QMI_UNSIGNED_1_BYTE, 0, struct intf_desc, bInterfaceClass),
	E(QMI_UNSIGNED_1_BYTE, 0, struct intf_desc, bInterfaceSubClass),
	E(QMI_UNSIGNED_1_BYTE, 0, struct intf_desc, bInterfaceProtocol),
	E(QMI_UNSIGNED_1_BYTE, 0, struct intf_desc, iInterface), END };

static struct qmi_elem_info resp_ei[] = {
	ES(0x02, struct resp, resp, qmi_response_type_v01_ei),
	E(QMI_OPT_FLAG, 0x10, struct resp, status_valid),
	E(QMI_SIGNED_4_BYTE_ENUM, 0x10, struct resp, status),
	E(QMI_OPT_FLAG, 0x11, struct resp, istatus_valid),
	E(QMI_UNSIGNED_4_BYTE, 0x11, struct resp, istatus),
	E(QMI_OPT_FLAG, 0x12, struct resp, slot_valid),
	E(QMI_UNSIGNED_4_BYTE, 0x12, struct resp, slot),
	E(QMI_OPT_FLAG, 0x13, struct resp, token_valid),
	E(QMI_UNSIGNED_4_BYTE, 0x13, struct resp, token),
	E(QMI_OPT_FLAG, 0x14, struct resp, intf_valid),
	ES(0x14, struct resp, intf, intf_ei),
	E(QMI_OPT_FLAG, 0x15, struct resp, data_ep_valid),
	ES(0x15, struct resp, data_ep, ep_ei),
	E(QMI_OPT_FLAG, 0x16, struct resp, sync_ep_valid),
	ES(0x16, struct resp, sync_ep, ep_ei),
	E(QMI_OPT_FLAG, 0x17, struct resp, rev_valid),
	E(QMI_UNSIGNED_2_BYTE, 0x17, struct resp, rev),
	E(QMI_OPT_FLAG, 0x18, struct resp, delay_valid),
	E(QMI_UNSIGNED_1_BYTE, 0x18, struct resp, delay),
	E(QMI_OPT_FLAG, 0x19, struct resp, subslot_valid),
	E(QMI_UNSIGNED_1_BYTE, 0x19, struct resp, subslot),
	E(QMI_OPT_FLAG, 0x1A, struct resp, mem_valid),
	ES(0x1A, struct resp, mem, xmem_ei),
	E(QMI_OPT_FLAG, 0x1B, struct resp, intr_valid),
	E(QMI_UNSIGNED_1_BYTE, 0x1B, struct resp, intr),
	E(QMI_OPT_FLAG, 0x1C, struct resp, speed_valid),
	E(QMI_SIGNED_4_BYTE_ENUM, 0x1C, struct resp, speed),
	E(QMI_OPT_FLAG, 0x1D, struct resp, ctrl_valid),
	E(QMI_UNSIGNED_1_BYTE, 0x1D, struct resp, ctrl),
	END };

/*
 * The stream request and the indication (its other optional TLVs skipped).
 * Not static: uob-fuzz encodes its requests by hand and uses neither.
 */
struct req {
	uint8_t enable;
	uint32_t token;
	uint8_t fmt_valid; uint32_t fmt;
	uint8_t ch_valid; uint32_t ch;
	uint8_t rate_valid; uint32_t rate;
	uint8_t buf_valid; uint32_t buf;
	uint8_t si_valid; uint32_t si;
};

struct ind {
	uint32_t event;
	uint32_t slot;
	uint8_t token_valid; uint32_t token;
	uint8_t ctrl_valid; uint8_t ctrl;
};

struct qmi_elem_info req_ei[] = {
	E(QMI_UNSIGNED_1_BYTE, 0x01, struct req, enable),
	E(QMI_UNSIGNED_4_BYTE, 0x02, struct req, token),
	E(QMI_OPT_FLAG, 0x10, struct req, fmt_valid),
	E(QMI_UNSIGNED_4_BYTE, 0x10, struct req, fmt),
	E(QMI_OPT_FLAG, 0x11, struct req, ch_valid),
	E(QMI_UNSIGNED_4_BYTE, 0x11, struct req, ch),
	E(QMI_OPT_FLAG, 0x12, struct req, rate_valid),
	E(QMI_UNSIGNED_4_BYTE, 0x12, struct req, rate),
	E(QMI_OPT_FLAG, 0x13, struct req, buf_valid),
	E(QMI_UNSIGNED_4_BYTE, 0x13, struct req, buf),
	E(QMI_OPT_FLAG, 0x14, struct req, si_valid),
	E(QMI_UNSIGNED_4_BYTE, 0x14, struct req, si),
	END };

struct qmi_elem_info ind_ei[] = {
	E(QMI_SIGNED_4_BYTE_ENUM, 0x01, struct ind, event),
	E(QMI_UNSIGNED_4_BYTE, 0x02, struct ind, slot),
	E(QMI_OPT_FLAG, 0x10, struct ind, token_valid),
	E(QMI_UNSIGNED_4_BYTE, 0x10, struct ind, token),
	E(QMI_OPT_FLAG, 0x19, struct ind, ctrl_valid),
	E(QMI_UNSIGNED_1_BYTE, 0x19, struct ind, ctrl),
	END };

/*
 * uob_lookup(): ask the name service for 0x41D v1 and wait (5 s) for the
 * first server on a node; its address (and version, instance) out.
 */
static inline int uob_lookup(int sock, uint32_t *node_out, uint32_t *port_out,
			     uint32_t *vers_out, uint32_t *inst_out)
{
	struct sockaddr_qrtr sq = { .sq_family = AF_QIPCRTR };
	char buf[256];
	struct qrtr_packet pkt;
	uint32_t node, port;
	int n;

	if (qrtr_new_lookup(sock, SVC_ID, SVC_VERS, 0) < 0)
		return -1;
	while (qrtr_poll(sock, 5000) > 0) {
		n = qrtr_recvfrom(sock, buf, sizeof(buf), &node, &port);
		if (n < 0 || port != QRTR_PORT_CTRL)
			continue;
		sq.sq_node = node;
		sq.sq_port = port;
		if (qrtr_decode(&pkt, buf, n, &sq) < 0 || pkt.type != QRTR_TYPE_NEW_SERVER)
			continue;
		if (pkt.service == SVC_ID && pkt.node) {
			*node_out = pkt.node;
			*port_out = pkt.port;
			if (vers_out)
				*vers_out = pkt.version;
			if (inst_out)
				*inst_out = pkt.instance;
			return 0;
		}
	}
	return -1;
}

#endif /* UOB_QMI_H */
