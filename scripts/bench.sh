#!/usr/bin/env bash
# `make bench`: every speed and memory claim of proctor, measured in one run side by side with
# what a user would otherwise run, printed as one table and saved as JSON under bench/results/.
# Method and targets: docs/benchmarks.md.
#
#   BENCH_QUICK=1     a smoke run in about two minutes (short media, short RSS run, small bundle)
#   BENCH_KEEP=1      keep the work directory (recordings, bundles, logs) for inspection
#   BENCH_OUT=DIR     where the JSON result goes (default bench/results)
#   BENCH_ONLY="recording fullexam sealing faces preview export rss stages screen server"   run only these groups (default: all;
#                     `review`, the review app's browser media and class view on 2 hours, runs only when named
#                     (`review-class`: the class view alone);
#                     `stages` counts instructions per stage under callgrind: scripts/bench/stages.sh;
#                     `server` loads `proctor serve` on SQLite and PostgreSQL: scripts/bench/server.sh)
#
# Rows whose command is not available print "not measured: <reason>" instead of a number.
set -euo pipefail
cd "$(dirname "$0")/.."
PROCTOR=${PROCTOR:-.build/release/proctor}
source scripts/lib/common.sh
source scripts/bench/stages.sh
source scripts/bench/fullexam.sh
source scripts/bench/screen.sh
source scripts/bench/server.sh

QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
    MEDIA_SECONDS=8 RSS_SECONDS=60 RSS_EARLY=10 EXPORT_SECONDS=900 EXPORT_SMALL_SECONDS=120 REPEAT=1
else
    MEDIA_SECONDS=60 RSS_SECONDS=600 RSS_EARLY=60 EXPORT_SECONDS=7200 EXPORT_SMALL_SECONDS=600 REPEAT=5
fi
# BENCH_RSS_SECONDS shortens the RSS recording alone (e.g. 120 for a quicker full run);
# BENCH_MEDIA_SECONDS sets the length of the recording CPU rows, BENCH_REPEAT how many rounds
# of them are run (default 5; the rows are medians of per-round ratios, with their spread).
RSS_SECONDS=${BENCH_RSS_SECONDS:-$RSS_SECONDS}
PREVIEW_SECONDS=$([ "$QUICK" = 1 ] && echo 10 || echo 30)
MEDIA_SECONDS=${BENCH_MEDIA_SECONDS:-$MEDIA_SECONDS}
REPEAT=${BENCH_REPEAT:-$REPEAT}

EXPORT_HOURS=$(awk -v s="$EXPORT_SECONDS" 'BEGIN { printf "%g", s / 3600 }')
WORK=$(mktemp -d "${TMPDIR:-/tmp}/proctor-bench.XXXXXX")
[ "${BENCH_KEEP:-0}" = 1 ] && log "work directory: $WORK" || trap 'rm -rf "$WORK"' EXIT
ROWS=$WORK/rows.tsv
: >"$ROWS"
# The bench's own model cache (docs/detectors.md), so a run never depends on an earlier one.
export PROCTOR_CACHE_DIR=$WORK/model-cache

# row ID NAME UNIT MEASURED BASELINE RATIO TARGET VERDICT NOTE — one line of the table.
# Fields are separated by US (0x1f): tabs would let `read` merge empty fields.
row() { local IFS=$'\x1f'; printf '%s\n' "$*" >>"$ROWS"; }
not_measured() { row "$1" "$2" "" "" "" "" "$3" "NOT MEASURED" "not measured: $4"; log "$1: not measured: $4"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "" }'; }
# meets VALUE OP LIMIT -> PASS/FAIL
meets() { awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN { ok = (op == "<=") ? v <= t : (op == ">=") ? v >= t : (op == "<") ? v < t : v > t; print ok ? "PASS" : "FAIL" }'; }

# --- 1. recording CPU per second of media: proctor begin vs the ffmpeg CLI ------------------------

# The same lavfi sources as `--camera test --mic test`, paced in real time with -re, to the same
# codecs and bitrates, into a plain Matroska file.
ffmpeg_record_command() {
    FFMPEG_RECORD=(ffmpeg -nostdin -hide_banner -loglevel error
        -re -f lavfi -i "$LAVFI_CAMERA" -re -f lavfi -i "$LAVFI_MIC" -t "$1"
        -map 0:v -map 1:a "${FFMPEG_VIDEO_ARGS[@]}" "${FFMPEG_AUDIO_ARGS[@]}" -y "$2")
}

# Steady-state window of each recording: from STEADY_FROM seconds after the start to 2 s before
# the end, so the rate leaves out the one-off start-up (loading models, opening devices) and the
# ending (flushing encoders, sealing the final record).
steady_window() { awk -v m="$MEDIA_SECONDS" 'BEGIN { a = (m / 3 < 10) ? m / 3 : 10; printf "%g %g", a, m - 2 }'; }

# median: the middle of the numbers on stdin (the mean of the two middle ones for an even count).
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.4f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# record_cpu NAME TIMEFILE: appends one run's whole-run and steady rates to NAME.whole / NAME.steady.
record_cpu() {
    awk -v c="$(cpu_seconds "$2")" -v s="$MEDIA_SECONDS" 'BEGIN { printf "%.4f\n", c / s }' >>"$WORK/$1.whole"
    local rate; rate=$(rate_per_second "$2.rate")
    [ -z "$rate" ] || echo "$rate" >>"$WORK/$1.steady"
}

# Every recording run is pinned to one core (taskset), proctor's and ffmpeg's alike, so the
# scheduler and the core's clock treat both the same; BENCH_CORE picks it (default: the last).
BENCH_CORE=${BENCH_CORE:-$(($(nproc) - 1))}
PIN=()
command -v taskset >/dev/null && PIN=(taskset -c "$BENCH_CORE")
# A round in which the hypervisor took more than this share of the CPU (steal time) is run again.
MAX_STEAL=${BENCH_MAX_STEAL:-0.03}

# steal_ticks: the machine's steal and total clock ticks so far, from /proc/stat.
steal_ticks() { awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print $9, t; exit }' /proc/stat; }

# ratio_verdict TARGET RATIO...: PASS when every round's ratio is at or under the target, FAIL
# when every one is over it, INCONCLUSIVE when the rounds fall on both sides.
ratio_verdict() {
    local target=$1; shift
    printf '%s\n' "$@" | awk -v t="$target" '{ if ($1 <= t) under++; else over++ }
        END { print (over == 0) ? "PASS" : (under == 0) ? "FAIL" : "INCONCLUSIVE" }'
}

# poll_preview LOG: the student page's client, as student.js does it: waits for the page address
# `proctor begin` prints into LOG, then long-polls GET /api/preview, one request per frame,
# until the recording ends (410 or the server gone). Each frame's number goes to LOG.frames, so
# the row can say how many were served.
poll_preview() {
    local log=$1 url="" base token seq=0
    for _ in $(seq 300); do
        url=$(grep -o 'http://127\.0\.0\.1:[0-9]*/?token=[0-9a-f]*' "$log" 2>/dev/null | head -1 || true)
        [ -n "$url" ] && break
        sleep 0.1
    done
    [ -n "$url" ] || return 0
    base=${url%%/\?token=*} token=${url##*token=}
    local status
    while :; do
        # Not -f: a 503 before the first frame is waited out; 410 (the exam ended) or no server ends it.
        status=$(curl -s -o /dev/null -D "$log.headers" -w '%{http_code}' -H "Authorization: Bearer $token" \
                 "$base/api/preview?after=$seq") || return 0
        case $status in
            200) seq=$(tr -d '\r' <"$log.headers" | awk -F': ' 'tolower($1) == "x-preview-sequence" { print $2 }')
                 echo "$seq" >>"$log.frames" ;;
            410) return 0 ;;
            *) sleep 0.2 ;;
        esac
    done
}

bench_recording_cpu() {
    local name="recording CPU s per media s" window
    window=$(steady_window)
    # A student's first session on a machine prepares dlib's models once and keeps them in the
    # model cache (docs/detectors.md); `proctor precheck` does it before the exam. A short
    # session does it here, so the rows measure every later session.
    if setup_exam "$WORK/warm-up" on; then
        record_command 3
        run_timed "$WORK/warm-up.time" "${RECORD[@]}" >"$WORK/warm-up.log" 2>&1 || true
    fi
    # The three recordings take turns, REPEAT times; each round gives one ratio per row (proctor
    # and ffmpeg in the same round, under the same conditions), and the row reports the median
    # ratio with the spread of the rounds (docs/benchmarks.md, Method).
    : >"$WORK/ffmpeg.whole"
    : >"$WORK/rounds.tsv"
    local i detectors try steal
    local -A failed=()
    for ((i = 1; i <= REPEAT; i++)); do
        for ((try = 1; try <= 3; try++)); do
            log "recording: round $i of $REPEAT (try $try): ffmpeg, proctor with and without detectors, ${MEDIA_SECONDS} s each, on core $BENCH_CORE"
            local before after
            before=$(steal_ticks)
            ffmpeg_record_command "$MEDIA_SECONDS" "$WORK/ffmpeg-$i.mkv"
            # shellcheck disable=SC2086
            run_sampled "$WORK/ffmpeg-$i.time" $window "${PIN[@]}" "${FFMPEG_RECORD[@]}"
            # "page": detectors on, with the student page's preview polled as a browser would.
            for detectors in on off page; do
                local dir=$WORK/rec-$detectors poller=""
                [ -z "${failed[$detectors]:-}" ] || continue
                if ! setup_exam "$dir" "${detectors/page/on}"; then
                    failed[$detectors]=$SETUP_ERROR
                    continue
                fi
                STUDENT=s$i-$try record_command "$MEDIA_SECONDS" --no-browser
                rm -f "$dir/begin-$i.log" "$dir/begin-$i.log.frames"
                if [ "$detectors" = page ]; then
                    : >"$dir/begin-$i.log"
                    poll_preview "$dir/begin-$i.log" &
                    poller=$!
                fi
                # shellcheck disable=SC2086
                if ! run_sampled "$dir/begin-$i.time" $window "${PIN[@]}" "${RECORD[@]}" >>"$dir/begin-$i.log" 2>&1; then
                    failed[$detectors]="proctor begin failed: $(first_error "$dir/begin-$i.log")"
                fi
                [ -z "$poller" ] || wait "$poller" 2>/dev/null || true
            done
            after=$(steal_ticks)
            steal=$(awk -v b="$before" -v a="$after" 'BEGIN { split(b, x, " "); split(a, y, " "); d = y[2] - x[2]; printf "%.4f", (d > 0 ? (y[1] - x[1]) / d : 0) }')
            awk -v s="$steal" -v m="$MAX_STEAL" 'BEGIN { exit !(s <= m) }' && break
            log "recording: round $i lost ${steal} of the CPU to steal (over $MAX_STEAL): running it again"
        done
        record_cpu ffmpeg "$WORK/ffmpeg-$i.time"
        for detectors in on off page; do
            [ -z "${failed[$detectors]:-}" ] && record_cpu "proctor-$detectors" "$WORK/rec-$detectors/begin-$i.time"
        done
        printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(tail -1 "$WORK/ffmpeg.whole")" "$(tail -1 "$WORK/proctor-on.whole" 2>/dev/null)" \
            "$(tail -1 "$WORK/proctor-off.whole" 2>/dev/null)" "$steal" "$(tail -1 "$WORK/proctor-page.whole" 2>/dev/null)" \
            "$(cat "$WORK/rec-page/begin-$i.log.frames" 2>/dev/null | wc -l)" >>"$WORK/rounds.tsv"
    done
    FFMPEG_CPU=$(median <"$WORK/ffmpeg.whole")
    local ffmpeg_rate=""
    [ -s "$WORK/ffmpeg.steady" ] && ffmpeg_rate=$(median <"$WORK/ffmpeg.steady")
    local steals; steals=$(cut -f4 "$WORK/rounds.tsv" | awk '{ printf "%s%.1f%%", (NR > 1 ? " " : ""), 100 * $1 }')
    local frames; frames=$(cut -f6 "$WORK/rounds.tsv" | paste -sd' ')
    for detectors in on off page; do
        local id=recording_cpu_detectors_$detectors label="$name (detectors $detectors)" column
        case $detectors in on) column=2 ;; off) column=3 ;; page) column=5
            id=recording_cpu_student_page label="$name (detectors on, student page open: preview frames fetched per round $frames)" ;; esac
        if [ -n "${failed[$detectors]:-}" ]; then
            not_measured "$id" "$label" "ratio <= 1.25" "${failed[$detectors]}"
            continue
        fi
        local cpu r ratios spread verdict
        cpu=$(median <"$WORK/proctor-$detectors.whole")
        mapfile -t ratios < <(awk -F'\t' -v c="$column" '$1 > 0 { printf "%.3f\n", $c / $1 }' "$WORK/rounds.tsv")
        r=$(printf '%s\n' "${ratios[@]}" | median | awk '{ printf "%.3f", $1 }')
        spread=$(printf '%s\n' "${ratios[@]}" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f-%.3f", lo, hi }')
        verdict=$(ratio_verdict 1.25 "${ratios[@]}")
        row "$id" "$label" "CPU s/s" "$cpu" "$FFMPEG_CPU" "$r" "ratio <= 1.25" "$verdict" \
            "baseline: ffmpeg CLI, same sources/codecs/bitrates; whole ${MEDIA_SECONDS} s runs, start-up included, pinned to core $BENCH_CORE; median of $REPEAT per-round ratios, spread $spread (rounds: ${ratios[*]}); steal per round: $steals$([ "$verdict" = INCONCLUSIVE ] && echo "; INCONCLUSIVE: the rounds fall on both sides of the target")"
        eval "PROCTOR_CPU_$detectors=$cpu"
        if [ -s "$WORK/proctor-$detectors.steady" ] && [ -n "$ffmpeg_rate" ]; then
            local rate once base
            rate=$(median <"$WORK/proctor-$detectors.steady")
            row "${id}_steady" "  the same, steady state only" "CPU s/s" "$rate" "$ffmpeg_rate" "$(ratio "$rate" "$ffmpeg_rate")" "none (for the record)" "INFO" "CPU between ${window% *} s and ${window#* } s of each run, read from /proc: start-up and ending left out; medians"
            # The one-off cost, in CPU seconds: the whole run minus its steady rate times its length.
            once=$(awk -v c="$cpu" -v r="$rate" -v s="$MEDIA_SECONDS" 'BEGIN { printf "%.2f", (c - r) * s }')
            base=$(awk -v c="$FFMPEG_CPU" -v r="$ffmpeg_rate" -v s="$MEDIA_SECONDS" 'BEGIN { printf "%.2f", (c - r) * s }')
            row "${id}_once" "  start-up and ending, once per session" "CPU s" "$once" "$base" "" "none (for the record)" "INFO" "whole run minus steady rate x length (medians); model cache warm"
        fi
    done
    # Issue 5: all detectors together cost at most 10% of one core. Per round (on minus off in
    # the same round), median and spread.
    if [ -n "${PROCTOR_CPU_on:-}" ] && [ -n "${PROCTOR_CPU_off:-}" ]; then
        local share shares
        mapfile -t shares < <(awk -F'\t' '{ printf "%.4f\n", $2 - $3 }' "$WORK/rounds.tsv")
        share=$(printf '%s\n' "${shares[@]}" | median | awk '{ printf "%.4f", $1 }')
        row detectors_cpu "detectors' share of one core" "cores" "$share" "$PROCTOR_CPU_off" "" "<= 0.10 core" \
            "$(printf '%s\n' "${shares[@]}" | awk '{ if ($1 <= 0.10) u++; else o++ } END { print (o == 0) ? "PASS" : (u == 0) ? "FAIL" : "INCONCLUSIVE" }')" \
            "recording with minus without detectors, per round: ${shares[*]}"
    else
        not_measured detectors_cpu "detectors' share of one core" "<= 0.10 core" "needs both recording rows"
    fi
}

# --- 2. sealing throughput vs raw libsodium AES-256-GCM ---------------------------------------------

bench_sealing() {
    local id=sealing name="sealing throughput (1 MiB records)"
    log "sealing: proctor bench-seal, 1 MiB records"
    if ! "$PROCTOR" bench-seal --record-bytes 1048576 >"$WORK/seal.json" 2>"$WORK/seal.err" || ! jq -e '.sealMBps' "$WORK/seal.json" >/dev/null 2>&1; then
        not_measured "$id" "$name" "ratio >= 0.80" "proctor bench-seal: $(first_error "$WORK/seal.err")"
        return
    fi
    SEAL_MBPS=$(jq -r '.sealMBps' "$WORK/seal.json" | awk '{ printf "%.1f", $1 }')
    RAW_MBPS=$(jq -r '.rawMBps' "$WORK/seal.json" | awk '{ printf "%.1f", $1 }')
    local r; r=$(ratio "$SEAL_MBPS" "$RAW_MBPS")
    row "$id" "$name" "MB/s" "$SEAL_MBPS" "$RAW_MBPS" "$r" "ratio >= 0.80" "$(meets "$r" ">=" 0.80)" "baseline: raw crypto_aead_aes256gcm_encrypt on the same data"
    # For the record, not a target: a recording seals a quarter second of media per record (tens
    # of KiB), where handing each record to the writer's core costs a larger share
    # (docs/benchmarks.md, Sealing). A recording seals about 70 kB/s, so this bounds nothing.
    if "$PROCTOR" bench-seal --record-bytes 65536 >"$WORK/seal-64k.json" 2>"$WORK/seal-64k.err"; then
        local small raw
        small=$(jq -r '.sealMBps' "$WORK/seal-64k.json" | awk '{ printf "%.1f", $1 }')
        raw=$(jq -r '.rawMBps' "$WORK/seal-64k.json" | awk '{ printf "%.1f", $1 }')
        row sealing_64k "sealing throughput (64 KiB records)" "MB/s" "$small" "$raw" "$(ratio "$small" "$raw")" "none (for the record)" "INFO" "a recording's records are this size; see docs/benchmarks.md"
    fi
}

# --- 2b. face detectors' CPU per sample (issue 14) ---------------------------------------------------

# Thread CPU per 1/s face sample on a fixture portrait: the detector as a recording runs it (CNN
# first where AVX2 and libfacedetection are there) against HOG alone, the detector before issue 14.
bench_faces() {
    log "faces: proctor bench-faces, 200 samples"
    if ! "$PROCTOR" bench-faces --picture Tests/Fixtures/faces/grace_hopper.jpg --samples 200 >"$WORK/faces.json" 2>"$WORK/faces.err"; then
        not_measured faces_cpu "face detector CPU per sample" "<= 20 ms" "proctor bench-faces: $(first_error "$WORK/faces.err")"
        return
    fi
    local hog cnn net raw
    hog=$(jq -r '.hogDetectorMs' "$WORK/faces.json" | awk '{ printf "%.1f", $1 }')
    raw=$(jq -r '.hogMs' "$WORK/faces.json" | awk '{ printf "%.1f", $1 }')
    if jq -e '.detectorMs' "$WORK/faces.json" >/dev/null; then
        cnn=$(jq -r '.detectorMs' "$WORK/faces.json" | awk '{ printf "%.1f", $1 }')
        net=$(jq -r '.networkMs' "$WORK/faces.json" | awk '{ printf "%.1f", $1 }')
        # 20 ms a sample at 1 sample/s is 0.02 of a core: a fifth of the detectors' 0.10 budget.
        row faces_cpu "face detector CPU per sample (CNN first)" "ms" "$cnn" "$hog" "$(ratio "$cnn" "$hog")" "<= 20 ms" "$(meets "$cnn" "<=" 20)" "baseline: the same detector with HOG alone; engine: $(jq -r '.engine' "$WORK/faces.json")"
        row faces_cnn_call "libfacedetection call at 320x240" "ms" "$net" "$raw" "$(ratio "$net" "$raw")" "none (for the record)" "INFO" "baseline: one dlib HOG call at 384x288"
    else
        not_measured faces_cpu "face detector CPU per sample (CNN first)" "<= 20 ms" "CNN not available: $(jq -r '.engine' "$WORK/faces.json")"
        row faces_hog_cpu "face detector CPU per sample (HOG only)" "ms" "$hog" "$raw" "$(ratio "$hog" "$raw")" "<= 20 ms" "$(meets "$hog" "<=" 20)" "baseline: one dlib HOG call"
    fi
}

# --- 2c. the student page's camera preview (issue 18) -------------------------------------------------

# Process CPU per wall second while `proctor bench-preview` serves analysis frames (384x288 gray,
# offered twice a second as a 640x480 camera's are) to a client polling as the page does: the
# feed, one JPEG per frame, the HTTP answer, and the client itself, so an upper bound.
bench_preview() {
    log "preview: proctor bench-preview, ${PREVIEW_SECONDS}s"
    if ! "$PROCTOR" bench-preview --picture Tests/Fixtures/faces/grace_hopper.jpg --seconds "$PREVIEW_SECONDS" >"$WORK/preview.json" 2>"$WORK/preview.err"; then
        not_measured preview_cpu "camera preview CPU (student page)" "<= 0.03 cores" "proctor bench-preview: $(first_error "$WORK/preview.err")"
        return
    fi
    local cores rate bytes
    cores=$(jq -r '.cores' "$WORK/preview.json" | awk '{ printf "%.4f", $1 }')
    rate=$(jq -r '.rate' "$WORK/preview.json" | awk '{ printf "%.2f", $1 }')
    bytes=$(jq -r '.jpegBytes' "$WORK/preview.json")
    row preview_cpu "camera preview CPU (student page, default rate)" "cores" "$cores" "" "" "<= 0.03 cores" "$(meets "$cores" "<=" 0.03)" "${rate} frames/s served, ${bytes} B a JPEG; server, encoding and a polling client in one process"
}

# --- 3 and 4b. export of a generated long bundle -------------------------------------------------------

# A pre-encoded minute of the same media, looped losslessly (-c copy) to the bundle's length;
# `proctor bench-bundle` (hidden) seals it as a recording of that length would be sealed.
generate_bundle() {
    local seconds=$1 out=$2
    [ -f "$WORK/minute.mkv" ] || ffmpeg -nostdin -hide_banner -loglevel error \
        -f lavfi -i "$LAVFI_CAMERA" -f lavfi -i "$LAVFI_MIC" -t 60 \
        -map 0:v -map 1:a "${FFMPEG_VIDEO_ARGS[@]}" "${FFMPEG_AUDIO_ARGS[@]}" \
        -metadata:s:v:0 title=camera -metadata:s:a:0 title=microphone -y "$WORK/minute.mkv"
    ffmpeg -nostdin -hide_banner -loglevel error -stream_loop $(( (seconds + 59) / 60 - 1 )) \
        -i "$WORK/minute.mkv" -t "$seconds" -c copy -y "$WORK/media-$seconds.mkv"
    "$PROCTOR" bench-bundle --exam "$EXAM" --media "$WORK/media-$seconds.mkv" --seconds "$seconds" --output "$out"
}

bench_export() {
    local dir=$WORK/export
    if ! setup_exam "$dir" on; then
        not_measured export_pdf "export: ${EXPORT_HOURS} h bundle to PDF" "< 10 s" "$SETUP_ERROR"
        not_measured verify_throughput "decrypt-and-verify throughput" "(none set)" "$SETUP_ERROR"
        not_measured export_rss "peak RSS, ${EXPORT_HOURS} h export" "< 150 MB, flat" "$SETUP_ERROR"
        return
    fi
    local long=$dir/long.proctor short=$dir/short.proctor hours=$EXPORT_HOURS
    log "export: generating a ${hours} h bundle"
    local started=$SECONDS
    if ! generate_bundle "$EXPORT_SECONDS" "$long" >"$dir/gen.log" 2>&1; then
        local why="bundle generator failed: $(first_error "$dir/gen.log")"
        not_measured export_pdf "export: ${hours} h bundle to PDF" "< 10 s" "$why"
        not_measured verify_throughput "decrypt-and-verify throughput" "(none set)" "$why"
        not_measured export_rss "peak RSS, ${hours} h export" "< 150 MB, flat" "$why"
        return
    fi
    local mb; mb=$(awk -v b="$(stat -c %s "$long")" 'BEGIN { printf "%.1f", b / 1e6 }')
    log "export: generated $mb MB in $((SECONDS - started)) s"

    log "export: proctor verify --key"
    local verify_ok=0
    if run_timed "$dir/verify.time" "$PROCTOR" verify "$long" --key "$KEY" >"$dir/verify.log" 2>&1; then
        verify_ok=1
        local mbps; mbps=$(awk -v m="$mb" -v w="$(wall_seconds "$dir/verify.time")" 'BEGIN { printf "%.1f", m / w }')
        local r=""; [ -n "${RAW_MBPS:-}" ] && r=$(ratio "$mbps" "$RAW_MBPS")
        row verify_throughput "decrypt-and-verify throughput" "MB/s" "$mbps" "${RAW_MBPS:-}" "$r" "(none set)" "INFO" "$mb MB bundle; baseline: raw AES-256-GCM"
    else
        not_measured verify_throughput "decrypt-and-verify throughput" "(none set)" "proctor verify --key failed: $(first_error "$dir/verify.log")"
    fi

    log "export: proctor export --pdf (${hours} h)"
    if ! run_timed "$dir/export.time" "$PROCTOR" export "$long" --key "$KEY" --pdf --output "$dir/out-long" >"$dir/export.log" 2>&1; then
        not_measured export_pdf "export: ${hours} h bundle to PDF" "< 10 s" "proctor export failed: $(first_error "$dir/export.log")"
        not_measured export_rss "peak RSS, ${hours} h export" "< 150 MB, flat" "proctor export failed"
        return
    fi
    local seconds baseline="" r=""; seconds=$(wall_seconds "$dir/export.time")
    if [ "$verify_ok" = 1 ]; then baseline=$(wall_seconds "$dir/verify.time"); r=$(ratio "$seconds" "$baseline"); fi
    row export_pdf "export: ${hours} h bundle to PDF" "s" "$seconds" "$baseline" "$r" "< 10 s" "$(meets "$seconds" "<" 10)" "baseline: verify --key of the same bundle (the floor export pays)"

    # Flat memory: the long export against a short one from the same generator.
    local small_minutes=$((EXPORT_SMALL_SECONDS / 60))
    log "export: ${small_minutes}-minute bundle for the RSS comparison"
    if generate_bundle "$EXPORT_SMALL_SECONDS" "$short" >"$dir/gen-short.log" 2>&1 &&
        run_timed "$dir/export-short.time" "$PROCTOR" export "$short" --key "$KEY" --pdf --output "$dir/out-short" >"$dir/export-short.log" 2>&1; then
        local big small; big=$(maxrss_mb "$dir/export.time"); small=$(maxrss_mb "$dir/export-short.time")
        r=$(ratio "$big" "$small")
        local verdict=FAIL
        [ "$(meets "$big" "<" 150)" = PASS ] && [ "$(meets "$r" "<=" 1.25)" = PASS ] && verdict=PASS
        row export_rss "peak RSS, ${hours} h export" "MB" "$big" "$small" "$r" "< 150 MB, ratio <= 1.25" "$verdict" "baseline: export of a ${small_minutes}-minute bundle"
    else
        not_measured export_rss "peak RSS, ${hours} h export" "< 150 MB, flat" "short export failed: $(first_error "$dir/export-short.log")"
    fi
}

# --- 4a. RSS of a long recording: peak, and the trend from minute one to the end -------------------

bench_recording_rss() {
    local id=recording_rss name="peak RSS, $((RSS_SECONDS / 60))-minute recording" dir=$WORK/rss
    if ! setup_exam "$dir" on; then
        not_measured "$id" "$name" "< 150 MB, flat" "$SETUP_ERROR"
        return
    fi
    log "memory: ${RSS_SECONDS} s recording, sampling RSS every 5 s"
    record_command "$RSS_SECONDS"
    "${RECORD[@]}" >"$dir/begin.log" 2>&1 &
    local pid=$! start=$SECONDS
    : >"$dir/rss.tsv"
    while kill -0 "$pid" 2>/dev/null; do
        # VmRSS now, VmHWM the peak so far; read from /proc, so sampling costs no process.
        local rss hwm
        rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        hwm=$(awk '/^VmHWM:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
        [ -n "$rss" ] && printf '%s\t%s\t%s\n' $((SECONDS - start)) "$rss" "$hwm" >>"$dir/rss.tsv"
        sleep 5
    done
    if ! wait "$pid"; then
        not_measured "$id" "$name" "< 150 MB, flat" "proctor begin failed: $(first_error "$dir/begin.log")"
        return
    fi
    local early end peak
    early=$(awk -v t="$RSS_EARLY" '$1 >= t { printf "%.1f", $2 / 1024; exit }' "$dir/rss.tsv")
    end=$(awk 'END { printf "%.1f", $2 / 1024 }' "$dir/rss.tsv")
    peak=$(awk 'END { printf "%.1f", $3 / 1024 }' "$dir/rss.tsv")
    if [ -z "$early" ]; then
        not_measured "$id" "$name" "< 150 MB, flat" "no RSS sample after ${RSS_EARLY} s"
        return
    fi
    local r; r=$(ratio "$end" "$early")
    local verdict=FAIL
    [ "$(meets "$peak" "<" 150)" = PASS ] && [ "$(meets "$r" "<=" 1.10)" = PASS ] && verdict=PASS
    row "$id" "$name" "MB" "$peak" "$early" "$r" "< 150 MB, end/early <= 1.10" "$verdict" "baseline: RSS at ${RSS_EARLY} s; ratio: RSS at the end ($end MB) / baseline"
    cp "$dir/rss.tsv" "$WORK/rss-trend.tsv"
}

# --- the run ---------------------------------------------------------------------------------------

machine_json() {
    jq -n \
        --arg kernel "$(uname -srm)" \
        --arg cpu "$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)" \
        --argjson cores "$(nproc)" \
        --arg memory "$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)" \
        --arg os "$(. /etc/os-release && echo "$PRETTY_NAME")" \
        --arg swift "$(swift --version 2>/dev/null | head -1 || echo unknown)" \
        --arg ffmpeg "$(ffmpeg -version | head -1)" \
        --arg libsodium "$(pkg-config --modversion libsodium 2>/dev/null || echo unknown)" \
        --arg aesni "$(grep -qw aes /proc/cpuinfo && echo yes || echo no)" \
        --arg load "$(cut -d' ' -f1-3 /proc/loadavg)" \
        '{kernel: $kernel, cpu: $cpu, cores: $cores, memory: $memory, os: $os, swift: $swift,
          ffmpeg: $ffmpeg, libsodium: $libsodium, aesni: $aesni, loadAverageAtStart: $load}'
}

print_table() {
    printf '\n%-44s %-8s %10s %10s %7s  %-28s %s\n' "measurement" "unit" "measured" "baseline" "ratio" "target" "result"
    printf '%s\n' "$(printf '%.0s-' {1..120})"
    while IFS=$'\x1f' read -r id name unit measured baseline r target verdict note; do
        if [ "$verdict" = "NOT MEASURED" ]; then
            printf '%-44s %-8s %10s %10s %7s  %-28s %s\n' "$name" "" "-" "-" "-" "$target" "$note"
        else
            printf '%-44s %-8s %10s %10s %7s  %-28s %s\n' "$name" "$unit" "$measured" "${baseline:--}" "${r:--}" "$target" "$verdict"
        fi
    done <"$ROWS"
    echo
}

save_json() {
    local out_dir=${BENCH_OUT:-bench/results} stamp commit
    stamp=$(date -u +%Y%m%dT%H%M%SZ)
    commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
    mkdir -p "$out_dir"
    local file=$out_dir/$stamp-$commit$([ "$QUICK" = 1 ] && echo -quick).json
    jq -R -s --argjson machine "$MACHINE" --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg commit "$commit" \
        --argjson quick "$([ "$QUICK" = 1 ] && echo true || echo false)" \
        --argjson media "$MEDIA_SECONDS" --argjson rss "$RSS_SECONDS" --argjson export "$EXPORT_SECONDS" \
        --slurpfile trend <(awk 'BEGIN { printf "[" } { printf "%s[%s,%.1f]", (NR > 1 ? "," : ""), $1, $2 / 1024 } END { print "]" }' "$WORK/rss-trend.tsv" 2>/dev/null || echo '[]') '
        def num: if . == "" then null else tonumber end;
        { date: $date, commit: $commit, quick: $quick, machine: $machine,
          lengths: { recordingSeconds: $media, rssRecordingSeconds: $rss, exportBundleSeconds: $export },
          rssTrendMB: $trend[0],
          rows: [ split("\n")[] | select(length > 0) | split("\u001f") |
                  { id: .[0], name: .[1], unit: .[2], measured: (.[3] | num), baseline: (.[4] | num),
                    ratio: (.[5] | num), target: .[6], result: .[7], note: .[8] } ] }' "$ROWS" >"$file"
    log "saved $file"
}

# --- 7. review app: browser media for a 2-hour recording (issue 16, docs/review.md) ---------------

# A 2-hour session recording at the default settings (camera 640x480 at 15 fps and 500 kbit/s,
# screen 1280x720 at 2 fps and 300 kbit/s, keyframes every 2 s, Opus 32 kbit/s), made by encoding
# ten minutes once and copying them twelve times, then `proctor bench-media`: opening its camera and
# screen as fragmented MP4 and the segment a seek to 1:45:00 asks for.
bench_review() {
    local id=review_seek name="review: media segment for a seek to 1:45:00 (2-hour recording)"
    local piece=$WORK/review-10min.mkv recording=$WORK/review-2h.mkv
    log "review: a 2-hour session recording (ten minutes encoded, copied 12 times), proctor bench-media --at 6300"
    if ! ffmpeg -nostdin -loglevel error -y -f lavfi -i testsrc=size=640x480:rate=15:duration=600 \
            -f lavfi -i testsrc2=size=1280x720:rate=2:duration=600 -f lavfi -i sine=frequency=440:sample_rate=48000:duration=600 \
            -map 0:v -map 1:v -map 2:a -c:v libx264 -preset ultrafast -bf 0 -sc_threshold 0 -pix_fmt yuv420p \
            -b:v:0 500k -b:v:1 300k -g:v:0 30 -g:v:1 4 -c:a libopus -b:a 32k \
            -metadata:s:v:0 title=camera -metadata:s:v:1 title=screen -metadata:s:a:0 title=microphone \
            -f matroska "$piece" 2>"$WORK/review-gen.err" \
        || ! for _ in $(seq 12); do echo "file '$piece'"; done >"$WORK/review-list.txt" \
        || ! ffmpeg -nostdin -loglevel error -y -f concat -safe 0 -i "$WORK/review-list.txt" -map 0 -c copy -live 1 \
            -f matroska "$recording" 2>>"$WORK/review-gen.err"; then
        not_measured "$id" "$name" "< 500 ms" "the 2-hour recording could not be made: $(first_error "$WORK/review-gen.err")"
        return
    fi
    if ! "$PROCTOR" bench-media "$recording" --at 6300 >"$WORK/review.json" 2>"$WORK/review.err" || ! jq -e '.tracks' "$WORK/review.json" >/dev/null 2>&1; then
        not_measured "$id" "$name" "< 500 ms" "proctor bench-media: $(first_error "$WORK/review.err")"
        return
    fi
    local seek open rss
    seek=$(jq -r '[.tracks[].seekSeconds] | max * 1000' "$WORK/review.json" | awk '{ printf "%.1f", $1 }')
    open=$(jq -r '[.tracks[].openSeconds] | add' "$WORK/review.json" | awk '{ printf "%.2f", $1 }')
    rss=$(jq -r '.peakRSSMiB' "$WORK/review.json" | awk '{ printf "%.0f", $1 }')
    row "$id" "$name" "ms" "$seek" "" "" "< 500 ms" "$(meets "$seek" "<" 500)" "slowest of camera+microphone and screen; the browser then decodes at most one GOP (2 s)"
    row review_open "review: opening a 2-hour recording's camera and screen for the browser" "s" "$open" "" "" "none (for the record)" "INFO" "one pass over every packet per track, no decoding"
    row review_media_rss "review: peak RSS serving a 2-hour recording's media" "MiB" "$rss" "" "" "< 200 MiB" "$(meets "$rss" "<" 200)" "the whole process (VmHWM); the same command on 30 s peaks at 77 MiB"
    rm -f "$piece" "$recording"
}

# A class for `proctor review`: BENCH_REVIEW_BUNDLES bundles (default 100) of BENCH_REVIEW_SECONDS
# each (default 7200: two hours), each with its own number of flags. A class of real two-hour
# bundles is ~70 GB, more than this machine's disk allows for a bench, so the media is a cheap
# stand-in made once and kept under .build/bench-cache: 320x240 video and Opus at ~130 kbit/s,
# which `bench-bundle` seals in records of a quarter second of media, as a live recording's are
# (~4 KiB each here: 28,800 media records per bundle, ~120 MB). The first look walks the
# records' frame headers, reading one page per record, so its cost is that of a real two-hour
# bundle sealed at the same cadence; the background verification reads every byte, so its
# time is for these bytes, not for 70 GB.
# Cold: no summary cache and no memo; once with the bundles in the page cache, once with them
# evicted from it (`dd iflag=nocache`, only these files). Warm: the next start. Each is timed
# from the start of `proctor review` to the class list's JSON answered; RSS is read from /proc
# then. BENCH_REVIEW_BEFORE=PATH also times a cold start of another proctor binary (the
# baseline column: e.g. a build of the commit before).
REVIEW_CACHE=${BENCH_CACHE:-.build/bench-cache}
review_class_run() {
    local dir=$1 out=$2 binary=${3:-$PROCTOR} deadline pid url token port start
    start=$(date +%s.%N)
    "$binary" review "$dir/class" --key "$KEY" --no-browser --exams "$dir" >"$out.out" 2>"$out.err" &
    pid=$!
    deadline=$(( $(date +%s) + 1800 ))
    while ! grep -q 'http://' "$out.out" 2>/dev/null; do
        if ! kill -0 "$pid" 2>/dev/null || [ "$(date +%s)" -gt "$deadline" ]; then kill "$pid" 2>/dev/null || true; return 1; fi
        sleep 0.05
    done
    url=$(grep -o 'http://[^ ]*' "$out.out" | head -1)
    token=${url##*token=}
    port=${url#http://127.0.0.1:}; port=${port%%/*}
    curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/attempts" -o "$out.json" || { kill "$pid"; return 1; }
    REVIEW_SECONDS=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
    REVIEW_RSS_MB=$(awk '/^VmRSS:/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
    REVIEW_ROWS=$(jq length "$out.json")
    REVIEW_UNCHECKED=$(jq '[.[] | select(.integrity == "not yet checked")] | length' "$out.json")
    # Until the background verification has given every row its real integrity result.
    REVIEW_CHECKED_SECONDS= REVIEW_CHECKED_RSS_MB= REVIEW_VERIFIED=
    while [ "${REVIEW_WAIT_CHECKED:-0}" = 1 ] && [ "$(date +%s)" -le "$deadline" ]; do
        curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/attempts" -o "$out.checked.json" || break
        if [ "$(jq '[.[] | select(.integrity == "not yet checked")] | length' "$out.checked.json")" = 0 ]; then
            REVIEW_CHECKED_SECONDS=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
            REVIEW_CHECKED_RSS_MB=$(awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")
            REVIEW_VERIFIED=$(jq '[.[] | select(.integrity == "verified")] | length' "$out.checked.json")
            break
        fi
        sleep 0.5
    done
    kill "$pid"
    wait "$pid" 2>/dev/null || true
}

# review_class_media SECONDS: the cheap stand-in recording, made once (REVIEW_MEDIA).
review_class_media() {
    local seconds=$1 minute=$REVIEW_CACHE/review-class-minute-320x240-100k.mkv
    REVIEW_MEDIA=$REVIEW_CACHE/review-class-${seconds}s-320x240-100k.mkv
    [ -s "$REVIEW_MEDIA" ] && return 0
    mkdir -p "$REVIEW_CACHE"
    if [ ! -s "$minute" ]; then
        ffmpeg -nostdin -hide_banner -loglevel error -f lavfi -i "testsrc2=size=320x240:rate=15" -f lavfi -i "$LAVFI_MIC" -t 60 \
            -map 0:v -map 1:a -c:v libx264 -preset veryfast -g 30 -bf 0 -b:v 100k -pix_fmt yuv420p -c:a libopus -b:a 24k -ac 1 -ar 48000 \
            -metadata:s:v:0 title=camera -metadata:s:a:0 title=microphone -y "$minute.tmp.mkv" || return 1
        mv "$minute.tmp.mkv" "$minute"
    fi
    ffmpeg -nostdin -hide_banner -loglevel error -stream_loop $(( (seconds + 59) / 60 - 1 )) -i "$minute" -t "$seconds" -c copy \
        -y "$REVIEW_MEDIA.tmp.mkv" && mv "$REVIEW_MEDIA.tmp.mkv" "$REVIEW_MEDIA"
}

# evict DIR: drops DIR's bundles from the page cache (only those files), so the next start reads them from disk.
evict() { local f; for f in "$1"/*.proctor; do dd if="$f" iflag=nocache count=0 status=none; done; }

bench_review_class() {
    local dir=$WORK/review-class n=${BENCH_REVIEW_BUNDLES:-100} seconds=${BENCH_REVIEW_SECONDS:-7200} i
    local what="$n bundles of $(awk -v s="$seconds" 'BEGIN { printf "%g", s / 3600 }') h"
    if ! setup_exam "$dir" on; then
        not_measured review_class_cold "review: class view, $what, cold" "< 20 s" "$SETUP_ERROR"
        return
    fi
    if ! review_class_media "$seconds"; then
        not_measured review_class_cold "review: class view, $what, cold" "< 20 s" "the stand-in recording could not be made"
        return
    fi
    log "review: $what for the class view (media $(du -h "$REVIEW_MEDIA" | cut -f1) each)"
    mkdir -p "$dir/class"
    seq 0 $((n - 1)) | xargs -P 2 -I{} sh -c '"$1" bench-bundle --exam "$2" --media "$3" --seconds "$4" --events-per-hour $(( ($5 * 37) % 120 )) \
        --student "$(printf "s%03d" "$5")" --output "$6/class/$(printf "s%03d" "$5").proctor" >/dev/null' _ "$PROCTOR" "$EXAM" "$REVIEW_MEDIA" "$seconds" {} "$dir"
    local bytes; bytes=$(du -cb "$dir"/class/*.proctor | tail -1 | cut -f1)
    local size; size=$(awk -v b="$bytes" 'BEGIN { printf "%.1f GB", b / 1e9 }')
    local before="" before_ratio=""
    if [ -n "${BENCH_REVIEW_BEFORE:-}" ]; then
        export XDG_CACHE_HOME=$dir/cache-before
        if review_class_run "$dir" "$dir/before" "$BENCH_REVIEW_BEFORE"; then before=$REVIEW_SECONDS; fi
    fi
    export XDG_CACHE_HOME=$dir/cache
    if ! REVIEW_WAIT_CHECKED=1 review_class_run "$dir" "$dir/cold"; then
        not_measured review_class_cold "review: class view, $what, cold" "< 20 s" "proctor review: $(first_error "$dir/cold.err")"
        return
    fi
    local cold=$REVIEW_SECONDS cold_rss=$REVIEW_RSS_MB rows=$REVIEW_ROWS unchecked=$REVIEW_UNCHECKED
    local checked=$REVIEW_CHECKED_SECONDS checked_rss=$REVIEW_CHECKED_RSS_MB verified=$REVIEW_VERIFIED
    [ -n "$before" ] && before_ratio=$(ratio "$cold" "$before")
    row review_class_cold "review: class view, $what, cold (no summary cache; bundles in the page cache)" "s" "$cold" "$before" "$before_ratio" "< 20 s" "$(meets "$cold" "<" 20)" "$rows rows, $unchecked of them 'not yet checked' (first look: timeline read, media skipped); $size of bundles; baseline: ${BENCH_REVIEW_BEFORE:-none}"
    row review_rss "review: RSS with $n bundles open" "MB" "$cold_rss" "" "" "< 200 MB" "$(meets "$cold_rss" "<" 200)" "when the class list is answered; peak (VmHWM) once every bundle is verified: ${checked_rss:-?} MB"
    if [ -n "$checked" ]; then
        row review_class_checked "review: every bundle verified in the background, $what" "s" "$checked" "" "" "none (for the record)" "INFO" "$verified of $rows verified; from the start; every byte decrypted, authenticated and hashed ($size)"
    else
        not_measured review_class_checked "review: every bundle verified in the background" "none" "not finished within 30 minutes"
    fi
    if review_class_run "$dir" "$dir/warm"; then
        row review_class_warm "review: class view, $what, warm (summaries cached)" "s" "$REVIEW_SECONDS" "" "" "< 2 s" "$(meets "$REVIEW_SECONDS" "<" 2)" "no bundle read: SHA-256 from the memo, summaries from the cache (RSS $REVIEW_RSS_MB MB)"
    else
        not_measured review_class_warm "review: class view, $what, warm" "< 2 s" "proctor review: $(first_error "$dir/warm.err")"
    fi
    export XDG_CACHE_HOME=$dir/cache-disk
    evict "$dir/class"
    if review_class_run "$dir" "$dir/disk"; then
        row review_class_cold_disk "review: class view, $what, cold, bundles read from disk (evicted from the page cache)" "s" "$REVIEW_SECONDS" "" "" "< 20 s" "$(meets "$REVIEW_SECONDS" "<" 20)" "the same first look, its pages read from the disk"
    else
        not_measured review_class_cold_disk "review: class view, $what, cold from disk" "< 20 s" "proctor review: $(first_error "$dir/disk.err")"
    fi
    unset XDG_CACHE_HOME
    rm -rf "$dir/class"
}

MACHINE=$(machine_json)
log "proctor bench: $([ "$QUICK" = 1 ] && echo quick || echo full) run on $(jq -r '.cpu + ", " + (.cores|tostring) + " cores, load " + .loadAverageAtStart' <<<"$MACHINE")"
: >"$WORK/rss-trend.tsv"
ONLY=" ${BENCH_ONLY:-recording fullexam sealing faces preview export rss stages screen server} "
[[ $ONLY == *" recording "* ]] && bench_recording_cpu
[[ $ONLY == *" fullexam "* ]] && bench_fullexam
[[ $ONLY == *" sealing "* ]] && bench_sealing
[[ $ONLY == *" faces "* ]] && bench_faces
[[ $ONLY == *" preview "* ]] && bench_preview
[[ $ONLY == *" export "* ]] && bench_export
[[ $ONLY == *" rss "* ]] && bench_recording_rss
[[ $ONLY == *" stages "* ]] && bench_stages
[[ $ONLY == *" screen "* ]] && bench_screen
[[ $ONLY == *" server "* ]] && bench_server
[[ $ONLY == *" review "* ]] && bench_review
[[ $ONLY == *" review "* || $ONLY == *" review-class "* ]] && bench_review_class
print_table
save_json
! grep -q $'\x1fFAIL\x1f' "$ROWS"
