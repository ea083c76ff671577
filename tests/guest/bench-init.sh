#!/bin/sh
# /init of the bench guest: the QMI round trip from the DSP client next to
# its floor (the same HW_PARAMS + PREPARE through plain ALSA), same guest.
. /lib/uob/guest-lib.sh
uob_load_stock
uob_load_ours
uob_wait_for 300 uob_have_card
N=${UOB_BENCH_N:-200}
uob-alsa-floor 0 $N 2>&1 | sed 's/^/uob-bench: /'
uob-dsp bench 0 $N 2>&1 | grep '^bench:' | sed 's/^/uob-bench: /'
echo "uob-bench: done"
poweroff -f
