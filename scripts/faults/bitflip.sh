#!/usr/bin/env bash
# Byte-flip campaign: real bundles (a finished recording, and one killed with SIGKILL, resumed
# and finished) have one byte XORed with a random non-zero mask at a random offset, and
# `proctor verify --key` must fail with exit 65 naming the unit that holds the byte: the header,
# a part header, a record (part and index) or the final record, at that unit's byte offset.
#
#   bash scripts/faults/bitflip.sh [TRIALS]     default 10000 (make faults); `make test` runs a few hundred
#   FAULT_SEED=N      reproduce a run (printed at the start)
#   FAULT_JOBS=N      parallel workers (default 2)
#
# Last stdout line: "bitflip: trials=N detected=D located=L undetected=U mislocated=M seed=S".
# Exit 0 only when every flip was detected and located.
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/common.sh

TRIALS=${1:-10000}
JOBS=${FAULT_JOBS:-2}
SEED=${FAULT_SEED:-$(( (RANDOM << 15) | RANDOM ))}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/proctor-bitflip.XXXXXX")
[ "${FAULT_KEEP:-0}" = 1 ] && log "work directory: $WORK" || trap 'rm -rf "$WORK"' EXIT
log "bitflip: $TRIALS trials, seed $SEED, $JOBS workers"

# --- the real bundles ------------------------------------------------------------------------------
setup_exam "$WORK" on || { echo "bitflip: cannot set up an exam: $SETUP_ERROR" >&2; exit 69; }
STUDENT=flip-finished record_command 3
"${RECORD[@]}" >"$WORK/rec1.log" 2>&1 || { echo "bitflip: proctor begin failed: $(first_error "$WORK/rec1.log")" >&2; exit 70; }
STUDENT=flip-resumed record_command 30
"${RECORD[@]}" >"$WORK/rec2.log" 2>&1 &
sleep 3
kill -KILL $! && wait $! 2>/dev/null || true
STUDENT=flip-resumed record_command 2 --resume
"${RECORD[@]}" >"$WORK/rec3.log" 2>&1 || { echo "bitflip: proctor begin --resume failed: $(first_error "$WORK/rec3.log")" >&2; exit 70; }
mapfile -t BUNDLES < <(find "$PROCTOR_DATA_DIR" -name '*.proctor' | sort)
[ "${#BUNDLES[@]}" = 2 ] || { echo "bitflip: expected 2 bundles, found ${#BUNDLES[@]}" >&2; exit 70; }

# layout BUNDLE: one line per unit, "start end label", from the format (docs/bundle-format.md):
# session header (14 + body length), part headers (72 + 80 per recipient + 16, starting with
# 0x50), records (10-byte frame + sealed length) and the final record (type 0x7F).
layout() {
    od -An -v -tu1 -w1 "$1" | awk '
        { b[n++] = $1 }
        function u16(o) { return b[o] + 256 * b[o + 1] }
        function u32(o) { return b[o] + 256 * b[o + 1] + 65536 * b[o + 2] + 16777216 * b[o + 3] }
        END {
            end = 14 + u32(10)
            o = 18; o += 2 + u16(o); o += 32; o += 2 + u16(o); o += 2 + u16(o); o += 8
            recipients = b[o]
            print 0, end, "header"
            part = -1
            for (o = end; o < n; o += len) {
                if (b[o] == 80) { part++; index_ = 0; len = 72 + 80 * recipients + 16; label = "part " part " header" }
                else if (b[o] == 127) { len = 10 + u32(o + 2); label = "final" }
                else { len = 10 + u32(o + 2); label = "part " part " record " index_; index_++ }
                print o, o + len, label
            }
        }'
}

SIZES=()
for i in "${!BUNDLES[@]}"; do
    bundle=${BUNDLES[$i]}
    "$PROCTOR" verify "$bundle" --key "$KEY" >"$WORK/good$i.log" 2>&1 ||
        { echo "bitflip: the unaltered bundle $bundle does not verify: $(first_error "$WORK/good$i.log")" >&2; exit 70; }
    layout "$bundle" >"$WORK/layout$i"
    SIZES[$i]=$(stat -c %s "$bundle")
    covered=$(awk 'END { print $2 }' "$WORK/layout$i")
    [ "$covered" = "${SIZES[$i]}" ] || { echo "bitflip: layout of $bundle covers $covered of ${SIZES[$i]} bytes" >&2; exit 70; }
    log "bundle $i: ${SIZES[$i]} bytes, $(wc -l <"$WORK/layout$i") units ($(basename "$bundle"))"
done

# --- the trials ------------------------------------------------------------------------------------
# byte VALUE: the raw byte, for dd.
byte() { printf "\\$(printf '%03o' "$1")"; }

# worker ID COUNT: flips, verifies, restores; one result line per trial:
# "bundle offset mask status failure-offset failure-location".
worker() {
    local id=$1 count=$2 i
    RANDOM=$((SEED + id))
    local copies=()
    for i in "${!BUNDLES[@]}"; do copies[$i]=$WORK/w$id-$i.proctor; cp "${BUNDLES[$i]}" "${copies[$i]}"; done
    for ((i = 0; i < count; i++)); do
        local b=$((RANDOM % ${#BUNDLES[@]}))
        local file=${copies[$b]} offset=$(( ((RANDOM << 15) | RANDOM) % ${SIZES[$b]} )) mask=$((RANDOM % 255 + 1))
        local original; original=$(od -An -tu1 -j "$offset" -N1 "$file" | tr -d ' ')
        byte $((original ^ mask)) | dd of="$file" bs=1 seek="$offset" conv=notrunc status=none
        local status=0
        "$PROCTOR" verify "$file" --key "$KEY" --json >"$WORK/w$id.json" 2>"$WORK/w$id.err" || status=$?
        byte "$original" | dd of="$file" bs=1 seek="$offset" conv=notrunc status=none
        local failure
        failure=$(jq -r '"\(.failure.offset // "-") \(.failure.location // "-")"' "$WORK/w$id.json" 2>/dev/null || echo "- -")
        printf '%s %s %s %s %s\n' "$b" "$offset" "$mask" "$status" "$failure" >>"$WORK/results$id"
    done
}

for ((job = 0; job < JOBS; job++)); do
    worker "$job" $(( TRIALS / JOBS + (job < TRIALS % JOBS ? 1 : 0) )) &
done
wait

# --- the verdict -----------------------------------------------------------------------------------
# Joins each trial with the layout of its bundle: detected = exit 65; located = the reported
# byte offset is the start of the unit holding the flipped byte.
cat "$WORK"/results* | awk -v layouts="$WORK/layout" -v bundles="${#BUNDLES[@]}" -v seed="$SEED" '
    BEGIN {
        for (i = 0; i < bundles; i++) {
            file = layouts i
            while ((getline line < file) > 0) { split(line, f, " "); units[i] = units[i] f[1] " " f[2] ";"; }
        }
    }
    function unit_start(b, offset,    list, k, parts, range) {
        k = split(units[b], list, ";")
        for (j = 1; j < k; j++) { split(list[j], range, " "); if (offset >= range[1] + 0 && offset < range[2] + 0) return range[1] }
        return -1
    }
    {
        trials++
        if ($4 != 65) { undetected++; if (shown++ < 5) print "undetected: bundle " $1 " byte " $2 " xor " $3 " -> exit " $4 > "/dev/stderr"; next }
        detected++
        start = unit_start($1, $2)
        if ($5 == start) located++
        else { mislocated++; if (shown++ < 5) print "mislocated: bundle " $1 " byte " $2 " (unit at " start ") reported at " $5 " (" substr($0, index($0, $6)) ")" > "/dev/stderr" }
    }
    END {
        printf "bitflip: trials=%d detected=%d located=%d undetected=%d mislocated=%d seed=%s\n", trials, detected, located, undetected + 0, mislocated + 0, seed
        exit (trials > 0 && undetected + mislocated == 0) ? 0 : 1
    }'
