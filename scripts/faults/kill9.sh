#!/usr/bin/env bash
# kill -9 campaign: `proctor begin` is killed with SIGKILL at a random moment of a recording;
# each time the bundle must verify (keyless and with the key, as "ended abruptly"), lose at most
# 1.5 s of media, resume with `begin --resume` into a second part, verify as finished, and export.
#
#   bash scripts/faults/kill9.sh [TRIALS]      default 50 (make faults); `make test` runs a few
#   FAULT_SEED=N          reproduce a run's kill moments
#   FAULT_KILL_MAX=S      latest kill, in seconds of recording (default 8; earliest 0.5)
#   FAULT_RESUME=S        seconds recorded after each resume (default 2)
#
# Media lost = the session clock at the kill (from begin --json status lines, stamped on arrival)
# minus where readable media ends (the bundle reader's media clock, from `verify --key --json`).
# Last stdout line: "kill9: trials=N verified=V resumed=R exported=E lost_max=Xs lost_mean=Ys over_limit=K seed=S".
set -euo pipefail
cd "$(dirname "$0")/../.."
source scripts/lib/common.sh

TRIALS=${1:-50}
SEED=${FAULT_SEED:-$(( (RANDOM << 15) | RANDOM ))}
KILL_MAX=${FAULT_KILL_MAX:-8}
RESUME=${FAULT_RESUME:-2}
LIMIT=1.5
WORK=$(mktemp -d "${TMPDIR:-/tmp}/proctor-kill9.XXXXXX")
[ "${FAULT_KEEP:-0}" = 1 ] && log "work directory: $WORK" || trap 'rm -rf "$WORK"' EXIT
RANDOM=$SEED
log "kill9: $TRIALS trials, kills between 0.5 and $KILL_MAX s, seed $SEED"
setup_exam "$WORK" on || { echo "kill9: cannot set up an exam: $SETUP_ERROR" >&2; exit 69; }

# Each status line gets the wall clock it arrived at ($EPOCHREALTIME: no process per line).
stamp() { while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done; }

verified=0 resumed=0 exported=0 over=0
: >"$WORK/lost"
for ((trial = 1; trial <= TRIALS; trial++)); do
    dir=$WORK/t$trial
    mkdir -p "$dir"
    export STUDENT=k$trial
    # Long enough never to end by itself before the kill.
    record_command $((KILL_MAX + 60)) --json
    "${RECORD[@]}" > >(stamp >"$dir/status") 2>"$dir/begin.err" &
    pid=$!
    # Wait for the session clock to run: the first status line.
    for ((wait = 0; wait < 200; wait++)); do
        grep -q '"elapsed"' "$dir/status" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    delay=$(awk -v r="$RANDOM" -v max="$KILL_MAX" 'BEGIN { printf "%.2f", 0.5 + (max - 0.5) * r / 32767 }')
    sleep "$delay"
    kill -KILL "$pid" 2>/dev/null || { echo "kill9: trial $trial: begin ended before the kill: $(first_error "$dir/begin.err")" >&2; continue; }
    killed_at=$EPOCHREALTIME
    wait "$pid" 2>/dev/null || true
    sleep 0.2  # let the stamping reader drain
    clock_at_kill=$(grep '"elapsed"' "$dir/status" | tail -1 |
        awk -v k="$killed_at" '{ t = $1; sub(/^[^ ]+ /, ""); match($0, /"elapsed":[0-9.eE+-]+/); e = substr($0, RSTART + 10, RLENGTH - 10); printf "%.3f", e + (k - t) }')
    bundle=$(newest_bundle "$PROCTOR_DATA_DIR")
    if [ -z "$bundle" ] || [ -z "$clock_at_kill" ]; then
        echo "kill9: trial $trial: no bundle or no status line after a kill at ${delay} s ($(first_error "$dir/begin.err"))" >&2
        continue
    fi

    # The crashed bundle: keyless and keyed verification pass, and report the abrupt end.
    if "$PROCTOR" verify "$bundle" >"$dir/verify0.log" 2>&1 &&
        "$PROCTOR" verify "$bundle" --key "$KEY" --json >"$dir/verify1.json" 2>"$dir/verify1.err" &&
        grep -q 'abruptly' "$dir/verify0.log"; then
        verified=$((verified + 1))
    else
        echo "kill9: trial $trial: the crashed bundle does not verify: $(first_error "$dir/verify0.log") $(first_error "$dir/verify1.err")" >&2
        continue
    fi
    readable=$(jq -r '.abruptEnds[0].mediaTime // 0' "$dir/verify1.json")
    lost=$(awk -v a="$clock_at_kill" -v r="$readable" 'BEGIN { printf "%.3f", a - r }')
    echo "$lost" >>"$WORK/lost"
    if [ "$(awk -v l="$lost" -v m="$LIMIT" 'BEGIN { print (l <= m) }')" != 1 ]; then
        over=$((over + 1))
        echo "kill9: trial $trial: killed at ${clock_at_kill} s of media, readable to ${readable} s: lost ${lost} s" >&2
    fi

    # Resume into a new part, finish, verify as finished with two parts, export.
    record_command "$RESUME" --resume
    if "${RECORD[@]}" >"$dir/resume.log" 2>&1 &&
        "$PROCTOR" verify "$bundle" --key "$KEY" --json >"$dir/verify2.json" 2>"$dir/verify2.err" &&
        [ "$(jq -r '.finished' "$dir/verify2.json")" = true ] && [ "$(jq -r '.parts | length' "$dir/verify2.json")" = 2 ]; then
        resumed=$((resumed + 1))
    else
        echo "kill9: trial $trial: resume failed: $(first_error "$dir/resume.log") $(first_error "$dir/verify2.err")" >&2
        continue
    fi
    if "$PROCTOR" export "$bundle" --key "$KEY" --pdf --output "$dir/export" >"$dir/export.log" 2>&1 &&
        [ -s "$(find "$dir/export" -name '*.pdf' | head -1)" ]; then
        exported=$((exported + 1))
    else
        echo "kill9: trial $trial: export failed: $(first_error "$dir/export.log")" >&2
    fi
    mv "$bundle" "$dir/"
    log "trial $trial: killed at ${clock_at_kill} s, readable to ${readable} s, lost ${lost} s"
done

awk -v n="$TRIALS" -v v="$verified" -v r="$resumed" -v e="$exported" -v o="$over" -v limit="$LIMIT" -v seed="$SEED" '
    { s += $1; if (NR == 1 || $1 > max) max = $1 }
    END {
        printf "kill9: trials=%d verified=%d resumed=%d exported=%d lost_max=%.2fs lost_mean=%.2fs over_%ss=%d seed=%s\n",
            n, v, r, e, max, NR ? s / NR : 0, limit, o, seed
        exit (v == n && r == n && e == n && o == 0) ? 0 : 1
    }' "$WORK/lost"
