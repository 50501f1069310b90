#!/bin/bash
# keys.sh: boot l4test on mnemo and feed a key sequence; each key is followed by a pause (seconds) given as KEY:PAUSE.
# usage: keys.sh LOG KEY:PAUSE ... ; the run ends (QEMU killed) after the last pause.
LOG=$1; shift
"$(dirname "$0")/run.sh" ${ELF:-$(cd "$(dirname "$0")/../.." && pwd)/build/pistachio/l4test.elf} "$LOG" $QEXTRA
sleep ${BOOTWAIT:-4}
for kp in "$@"; do printf '%s' "${kp%%:*}" > /tmp/pista.in; sleep "${kp##*:}"; done
pkill -P $(cat /tmp/pista.pid) 2>/dev/null; sleep 0.5
