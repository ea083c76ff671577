/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit suite "qc_audio_offload": what its files share.
 *
 * An in-kernel QMI client on the local QRTR node talks to the service
 * about the real snd-usb-audio cards of the emulated board (qemu-xhci,
 * usb-audio on a root port and behind a hub; kunit/qemu-args).  Every
 * response field is checked against what usbcore, xhci-hcd and ALSA hold;
 * every failure path against the counters of what a session holds.
 *
 *   rig.c        the client, the rig, request builders, snapshots
 *   session.c    enable, disable and refused requests; clients
 *   dsp.c        the DSP behind an IOMMU domain (a fake paging domain)
 *   lifecycle.c  unbind, reset, system sleep, refused puts
 *   order.c      lock orders lockdep cannot see, the PCM lookup, the
 *                streaming interface a PCM's open selected
 *   parse.c      the request parser
 *   suite.c      the suite, refused requests and a failure at every
 *                setup step (KUnit static stubs) as parameter tables
 */
#ifndef _UOB_QC_KUNIT_H
#define _UOB_QC_KUNIT_H

#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/qrtr.h>
#include <linux/soc/qcom/qmi.h>
#include <linux/usb.h>

#include <uob/kunit_usb.h>

#include "../usb_audio_qmi_v01.h"

#define UOB_QC_WAIT		(10 * HZ)

struct xhci_hcd;

/* an in-kernel QMI client of the service, as the DSP is */
struct uob_cli {
	struct qmi_handle qmi;
	/* its own address (qmi.sq has port 0: it is read before the bind) */
	struct sockaddr_qrtr addr;
	struct sockaddr_qrtr svc;
	struct completion found;
	struct completion ind;
	struct uob_uaudio_ind last_ind;
	atomic_t inds;
	/* arrival order: messages counted from 1; the last answer and indication */
	atomic_t seq;
	int ind_seq;
	int resp_seq;
	/* an answer to a transaction made without a destination */
	struct uob_uaudio_resp last_resp;
};

struct uob_qc_rig {
	struct usb_device *udev;
	struct xhci_hcd *xhci;
	struct uob_cli *cli;
	int card;
};

/*
 * What a session holds; compared before and after every failing request.
 * @rpm: the device's runtime-PM usage count (an idle share holds one).
 */
struct uob_qc_snap {
	int usage;
	int rpm;
	int streams, devs, mappings, xfer_bufs;
	unsigned long interrupters;
};

struct uob_cli *uob_cli_start(struct kunit *test);
int uob_cli_req(struct uob_cli *c, const struct uob_uaudio_req *req,
		struct uob_uaudio_resp *resp);
int uob_cli_raw_len(struct uob_cli *c, const u8 *body, size_t blen, u16 msg_len,
		    struct uob_uaudio_resp *resp);
int uob_cli_raw(struct uob_cli *c, const u8 *body, size_t blen,
		struct uob_uaudio_resp *resp);
int uob_qc_card_of(struct kunit *test, struct usb_device *udev);
struct uob_qc_rig *uob_qc_rig(struct kunit *test, enum uob_kunit_where where);
void uob_qc_req_enable(struct uob_uaudio_req *req, int card, int dir);
void uob_qc_req_disable(struct uob_uaudio_req *req, int card);
void uob_qc_snap(struct uob_qc_rig *r, struct uob_qc_snap *s);
void uob_qc_expect_same(struct kunit *test, struct uob_qc_rig *r,
			const struct uob_qc_snap *a);
struct usb_host_interface *uob_qc_active_as(struct usb_device *udev);
void uob_qc_expect_fail(struct kunit *test, struct uob_qc_rig *r,
			const struct uob_uaudio_req *req, int err);
int uob_qc_call(struct uob_qc_rig *r, struct uob_uaudio_req *req,
		struct uob_uaudio_resp *resp);
void uob_qc_enable_ok(struct kunit *test, struct uob_qc_rig *r,
		      struct uob_uaudio_resp *resp);
void uob_qc_enable_here(struct kunit *test, struct uob_qc_rig *r,
			struct uob_uaudio_resp *resp);
void uob_qc_disable_ok(struct kunit *test, struct uob_qc_rig *r);
bool uob_qc_wait_count(atomic_t *count, int want, unsigned int ms);

/* order.c: which streaming interface a stream gets (a param table in suite.c) */
#define UOB_FAKE_IFS	3	/* control, playback A (1), playback B (2) */
struct uob_qc_pick {
	const char *name;
	u8 before[UOB_FAKE_IFS - 1];	/* altsettings of interfaces 1, 2 before the open */
	u8 after[UOB_FAKE_IFS - 1];	/* and after HW_PARAMS + PREPARE */
	int dir;
	int err;
	int want;			/* the interface the stream gets */
};

/* the cases, by file */
void uob_qc_enable_reports_what_the_kernel_holds(struct kunit *test);
void uob_qc_second_enable_refused(struct kunit *test);
void uob_qc_disable_of_nothing(struct kunit *test);
void uob_qc_malformed_request(struct kunit *test);
void uob_qc_two_cards_balance(struct kunit *test);
void uob_qc_local_client_refused_by_default(struct kunit *test);
void uob_qc_two_clients_one_wins(struct kunit *test);
void uob_qc_client_gone_stops_session(struct kunit *test);
void uob_qc_state_read_while_disabling(struct kunit *test);

void uob_qc_dsp_domain_maps_every_region(struct kunit *test);
void uob_qc_dsp_domain_map_failure_unwinds(struct kunit *test);
void uob_qc_dsp_domain_maps_sub_page_segments(struct kunit *test);

void uob_qc_forced_unbind_while_streaming(struct kunit *test);
void uob_qc_answer_before_disconnect(struct kunit *test);
void uob_qc_reset_while_streaming(struct kunit *test);
void uob_qc_streaming_intf_unbind_while_streaming(struct kunit *test);
void uob_qc_disable_after_unbind_disconnect(struct kunit *test);
void uob_qc_sleep_stops_streams(struct kunit *test);
void uob_qc_disable_after_sleep_disconnect(struct kunit *test);
void uob_qc_refused_put_is_kept(struct kunit *test);
void uob_qc_stream_end_during_controller_removal(struct kunit *test);
void uob_qc_unload_tells_the_dsp(struct kunit *test);
void uob_qc_answer_sent_by_its_handler(struct kunit *test);
void uob_qc_idle_share_reused(struct kunit *test);
void uob_qc_idle_short_after_long(struct kunit *test);
void uob_qc_idle_needs_active_device(struct kunit *test);
void uob_qc_unbind_ends_idle_share(struct kunit *test);
void uob_qc_reset_ends_idle_share(struct kunit *test);
void uob_qc_sleep_ends_idle_share(struct kunit *test);
void uob_qc_unload_ends_idle_share(struct kunit *test);

void uob_qc_sleep_notifier_takes_no_udev_lock(struct kunit *test);
void uob_qc_request_waits_without_card_ref(struct kunit *test);
void uob_qc_pcm_found_on_request(struct kunit *test);
void uob_qc_stream_intf_is_this_pcms(struct kunit *test);

void uob_qc_duplicate_tlv_malformed(struct kunit *test);
void uob_qc_oversized_datagram_malformed(struct kunit *test);
void uob_qc_parse_property(struct kunit *test);

#endif /* _UOB_QC_KUNIT_H */
