# Sourced by scripts/bench.sh: `BENCH_ONLY=fullexam`, the full exam as a student records it —
# camera, microphone and screen together, every detector on — against the ffmpeg CLI recording
# the same three sources with the same settings in one process (issue 19).
#
# The screen is a real X display (Xvfb, 1920x1080) whose whole picture changes colour once a
# second (xsetroot from another process), read through x11grab by both programs and scaled to
# the exam's screen size; the camera and microphone are the lavfi test sources paced in real
# time. Each round records ffmpeg, then proctor, pinned to the same core; the row is the median
# of the per-round ratios with their spread, PASS/FAIL only when every round is on one side of
# the target (docs/benchmarks.md, Method).

FULLEXAM_TARGET=1.10

# fullexam_ffmpeg SECONDS OUT W H FPS KBPS: FULLEXAM_RECORD, ffmpeg recording camera, screen and
# microphone into one Matroska file with the encoder settings of Sources/Encode/Pipeline.
fullexam_ffmpeg() {
    local seconds=$1 out=$2 w=$3 h=$4 fps=$5 kbps=$6
    FULLEXAM_RECORD=(ffmpeg -nostdin -hide_banner -loglevel error
        -re -f lavfi -i "$LAVFI_CAMERA" -re -f lavfi -i "$LAVFI_MIC"
        -f x11grab -framerate "$fps" -draw_mouse 1 -i "$BENCH_DISPLAY" -t "$seconds"
        -map 0:v -map 2:v -map 1:a
        -c:v libx264 -preset veryfast -tune zerolatency -bf 0 -pix_fmt yuv420p
        -b:v:0 500k -g:v:0 $((2 * CAMERA_FPS)) -b:v:1 "${kbps}k" -g:v:1 $((2 * fps)) -filter:v:1 "scale=$w:$h"
        "${FFMPEG_AUDIO_ARGS[@]}" -y "$out")
}

bench_fullexam() {
    if ! start_display 1920x1080 changing; then
        not_measured fullexam_720 "full exam recording CPU" "ratio <= $FULLEXAM_TARGET" "$DISPLAY_ERROR"
        return
    fi
    local config
    for config in "1280 720 2 300" "1920 1080 5 1000"; do
        bench_fullexam_config $config
    done
    stop_display
}

# bench_fullexam_config W H FPS KBPS: one row, the exam's camera and microphone plus the screen
# at W x H, FPS, KBPS.
bench_fullexam_config() {
    local w=$1 h=$2 fps=$3 kbps=$4 id=fullexam_$2 dir=$WORK/fullexam-$2 i
    # The example exam's camera (docs/examples/chem101-midterm.toml), for this group only; the
    # dynamic scope carries it into setup_exam's settings.
    local CAMERA_FPS=15 LAVFI_CAMERA="testsrc2=size=${CAMERA_SIZE}:rate=15"
    local name="full exam CPU s per media s (camera ${CAMERA_SIZE}@${CAMERA_FPS} + mic + screen ${w}x${h}@${fps}, detectors on)"
    SCREEN_SETTINGS="enabled = true
width = $w
height = $h
fps = $fps
bitrate_kbps = $kbps" setup_exam "$dir" on || { not_measured "$id" "$name" "ratio <= $FULLEXAM_TARGET" "$SETUP_ERROR"; return; }
    : >"$dir/rounds.tsv"
    for ((i = 1; i <= REPEAT; i++)); do
        log "full exam ${w}x${h}@${fps}: round $i of $REPEAT, ffmpeg then proctor, ${MEDIA_SECONDS} s each, on core $BENCH_CORE"
        fullexam_ffmpeg "$MEDIA_SECONDS" "$dir/ffmpeg-$i.mkv" "$w" "$h" "$fps" "$kbps"
        if ! run_timed "$dir/ffmpeg-$i.time" "${PIN[@]}" "${FULLEXAM_RECORD[@]}" >"$dir/ffmpeg-$i.log" 2>&1; then
            not_measured "$id" "$name" "ratio <= $FULLEXAM_TARGET" "ffmpeg failed: $(first_error "$dir/ffmpeg-$i.log")"
            return
        fi
        SCREEN=x11:$BENCH_DISPLAY STUDENT=full$i record_command "$MEDIA_SECONDS" --no-browser
        if ! run_timed "$dir/begin-$i.time" "${PIN[@]}" "${RECORD[@]}" >"$dir/begin-$i.log" 2>&1; then
            not_measured "$id" "$name" "ratio <= $FULLEXAM_TARGET" "proctor begin failed: $(first_error "$dir/begin-$i.log")"
            return
        fi
        printf '%s\t%s\n' "$(cpu_seconds "$dir/ffmpeg-$i.time")" "$(cpu_seconds "$dir/begin-$i.time")" >>"$dir/rounds.tsv"
    done
    local ratios r spread cpu base
    mapfile -t ratios < <(awk -F'\t' '$1 > 0 { printf "%.3f\n", $2 / $1 }' "$dir/rounds.tsv")
    r=$(printf '%s\n' "${ratios[@]}" | median | awk '{ printf "%.3f", $1 }')
    spread=$(printf '%s\n' "${ratios[@]}" | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END { printf "%.3f-%.3f", lo, hi }')
    cpu=$(cut -f2 "$dir/rounds.tsv" | median | awk -v s="$MEDIA_SECONDS" '{ printf "%.4f", $1 / s }')
    base=$(cut -f1 "$dir/rounds.tsv" | median | awk -v s="$MEDIA_SECONDS" '{ printf "%.4f", $1 / s }')
    row "$id" "$name" "CPU s/s" "$cpu" "$base" "$r" "ratio <= $FULLEXAM_TARGET" "$(ratio_verdict "$FULLEXAM_TARGET" "${ratios[@]}")" \
        "baseline: one ffmpeg CLI recording the same lavfi camera and mic and the same Xvfb display by x11grab, same codecs, bitrates and GOPs; whole ${MEDIA_SECONDS} s runs, start-up included, pinned to core $BENCH_CORE; median of $REPEAT per-round ratios, spread $spread (rounds: ${ratios[*]})"
}
