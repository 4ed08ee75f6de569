#!/usr/bin/env bash
# Disk-full campaign: `proctor begin` records into a small file system that fills up.
#
#   1. "nearly full": a tmpfs of FAULT_DISK_MB (default 3) MB with the recorder's thresholds
#      set to warn at 2 MB free and stop at 1 MB free (PROCTOR_DISK_WARN_MB / _STOP_MB): the
#      session must end by itself well before its duration with exit 74 (docs/recording.md: the
#      exam did not run its course), and leave a finished bundle that verifies and exports.
#   2. "full": the same tmpfs with the stop threshold at 0, so writes fail with ENOSPC: proctor
#      must end with a one-line error and a documented exit code (74), never a crash, and the
#      bundle must still verify with the key (ended abruptly at worst), holding the media
#      written before the disk filled.
#
# Mounting needs root (CAP_SYS_ADMIN). Without it (or with FAULT_DISK_MODE=ulimit) the campaign uses RLIMIT_FSIZE
# (`ulimit -f`): the same ENOSPC-like failure (EFBIG) for case 2 only; case 1 is then reported
# as skipped, not passed.
# Last stdout line: "diskfull: trials=N clean=C verified=V exported=E lost=L mode=tmpfs|ulimit".
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/common.sh

SIZE_MB=${FAULT_DISK_MB:-3}
DURATION=${FAULT_DISK_DURATION:-120}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/proctor-diskfull.XXXXXX")
DISK=$WORK/disk
mkdir -p "$DISK"
MOUNTED=0
cleanup() { [ "$MOUNTED" = 1 ] && umount "$DISK" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
if [ "${FAULT_DISK_MODE:-tmpfs}" = tmpfs ] && [ "$(id -u)" = 0 ] && mount -t tmpfs -o "size=${SIZE_MB}m,mode=0700" proctor-diskfull "$DISK" 2>/dev/null; then
    MOUNTED=1 MODE=tmpfs
else
    MODE=ulimit
fi
log "diskfull: ${SIZE_MB} MB $MODE"
# A higher camera bitrate fills the small disk sooner; what is tested does not depend on it.
CAMERA_KBPS=${FAULT_DISK_KBPS:-2000} setup_exam "$WORK/exam" on || { echo "diskfull: cannot set up an exam: $SETUP_ERROR" >&2; exit 69; }

trials=0 clean=0 verified=0 exported=0 lost=0
# trial NAME WARN_MB STOP_MB EXPECTED_STATUS finished|any: one recording into the small disk.
trial() {
    local name=$1 warn=$2 stop=$3 expected=$4 finish=$5 dir=$WORK/$1
    mkdir -p "$dir"
    rm -rf "${DISK:?}"/*
    export PROCTOR_DATA_DIR=$DISK/sessions
    STUDENT=$name record_command "$DURATION"
    trials=$((trials + 1))
    local status=0 started=$SECONDS
    if [ "$MODE" = tmpfs ]; then
        PROCTOR_DISK_WARN_MB=$warn PROCTOR_DISK_STOP_MB=$stop "${RECORD[@]}" >"$dir/begin.log" 2>&1 || status=$?
    else
        # SIGXFSZ is ignored so that the write fails with EFBIG, as a full disk fails with ENOSPC.
        (ulimit -f $((SIZE_MB * 1024)); trap '' XFSZ; exec "${RECORD[@]}") >"$dir/begin.log" 2>&1 || status=$?
    fi
    local took=$((SECONDS - started)) bundle; bundle=$(newest_bundle "$DISK")
    log "$name: exit $status after ${took} s: $(tail -1 "$dir/begin.log")"
    if [ "$status" = "$expected" ] && [ "$took" -lt "$DURATION" ] && [ -n "$bundle" ] && [ "$(grep -c . "$dir/begin.log")" -ge 1 ]; then
        clean=$((clean + 1))
    else
        echo "diskfull: $name: expected exit $expected before ${DURATION} s, got $status after ${took} s: $(tail -1 "$dir/begin.log")" >&2
    fi
    [ -n "$bundle" ] || { lost=$((lost + 1)); return; }
    # Copy out of the full disk: verify and export need no space there.
    cp "$bundle" "$dir/bundle.proctor"
    if "$PROCTOR" verify "$dir/bundle.proctor" --key "$KEY" --json >"$dir/verify.json" 2>"$dir/verify.err"; then
        verified=$((verified + 1))
        # What was sealed must be there: media up to within 2 s of what the disk could hold.
        local media; media=$(jq -r '.mediaDuration // .abruptEnds[0].mediaTime // 0' "$dir/verify.json")
        log "$name: bundle $(stat -c %s "$dir/bundle.proctor") bytes, ${media} s of media, finished $(jq -r .finished "$dir/verify.json")"
        if [ "$finish" = finished ] && [ "$(jq -r .finished "$dir/verify.json")" != true ]; then
            echo "diskfull: $name: the bundle was not finished by the clean end" >&2; lost=$((lost + 1))
        fi
        if [ "$(awk -v m="$media" 'BEGIN { print (m >= 1) }')" != 1 ]; then
            echo "diskfull: $name: only ${media} s of media survived" >&2; lost=$((lost + 1))
        fi
    else
        echo "diskfull: $name: the bundle does not verify: $(first_error "$dir/verify.err")" >&2
        lost=$((lost + 1))
    fi
    if "$PROCTOR" export "$dir/bundle.proctor" --key "$KEY" --pdf --output "$dir/export" >"$dir/export.log" 2>&1 ||
        [ -s "$(find "$dir/export" -name '*.pdf' 2>/dev/null | head -1)" ]; then
        exported=$((exported + 1))
    else
        echo "diskfull: $name: export failed: $(first_error "$dir/export.log")" >&2
    fi
}

skipped=""
if [ "$MODE" = tmpfs ]; then
    trial nearly-full 2 1 74 finished
    trial full 0 0 74 any
else
    skipped=" skipped=nearly-full(no-mount)"
    trial full 0 0 74 any
fi
echo "diskfull: trials=$trials clean=$clean verified=$verified exported=$exported lost=$lost mode=$MODE$skipped"
[ "$clean" = "$trials" ] && [ "$verified" = "$trials" ] && [ "$exported" = "$trials" ] && [ "$lost" = 0 ]
