// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit suite "qc_audio_offload": the suite.
 */
#include <kunit/test.h>

#include "../qmi_svc.h"
#include "qc_kunit.h"

static bool uob_qc_allow_local_was;

/*
 * Cases that need the emulated board (kunit/qemu-args) are skipped, with
 * the reason, without it (uob_kunit_get_usb()); the parser's run anywhere.
 */

/* The suite's client is on the local node: allow_local=1, as on the rigs. */
static int uob_qc_suite_init(struct kunit_suite *suite)
{
	uob_qc_allow_local_was = READ_ONCE(uob_qc_allow_local);
	WRITE_ONCE(uob_qc_allow_local, true);
	return 0;
}

static void uob_qc_suite_exit(struct kunit_suite *suite)
{
	WRITE_ONCE(uob_qc_allow_local, uob_qc_allow_local_was);
}

static struct kunit_case uob_qc_cases[] = {
	KUNIT_CASE(uob_qc_enable_reports_what_the_kernel_holds),
	KUNIT_CASE(uob_qc_second_enable_refused),
	KUNIT_CASE(uob_qc_disable_of_nothing),
	KUNIT_CASE_PARAM(uob_qc_bad_request, uob_qc_bad_params),
	KUNIT_CASE(uob_qc_malformed_request),
	KUNIT_CASE_PARAM(uob_qc_setup_step_fails, uob_qc_step_params),
	KUNIT_CASE(uob_qc_two_cards_balance),
	KUNIT_CASE(uob_qc_dsp_domain_maps_every_region),
	KUNIT_CASE(uob_qc_dsp_domain_map_failure_unwinds),
	KUNIT_CASE(uob_qc_local_client_refused_by_default),
	KUNIT_CASE(uob_qc_two_clients_one_wins),
	KUNIT_CASE(uob_qc_client_gone_stops_session),
	KUNIT_CASE_SLOW(uob_qc_forced_unbind_while_streaming),
	KUNIT_CASE_SLOW(uob_qc_reset_while_streaming),
	KUNIT_CASE_SLOW(uob_qc_streaming_intf_unbind_while_streaming),
	KUNIT_CASE(uob_qc_sleep_stops_streams),
	KUNIT_CASE(uob_qc_refused_put_is_kept),
	KUNIT_CASE(uob_qc_duplicate_tlv_malformed),
	KUNIT_CASE(uob_qc_oversized_datagram_malformed),
	KUNIT_CASE(uob_qc_parse_property),
	{}
};

static struct kunit_suite uob_qc_suite = {
	.name = "qc_audio_offload",
	.suite_init = uob_qc_suite_init,
	.suite_exit = uob_qc_suite_exit,
	.test_cases = uob_qc_cases,
};

kunit_test_suite(uob_qc_suite);
