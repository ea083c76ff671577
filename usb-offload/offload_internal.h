/* SPDX-License-Identifier: GPL-2.0 */
/* usb-offload: module-internal interfaces shared with the KUnit suite. */
#ifndef _UOB_OFFLOAD_INTERNAL_H
#define _UOB_OFFLOAD_INTERNAL_H

int uob_offload_lock_violations(void);

#endif /* _UOB_OFFLOAD_INTERNAL_H */
