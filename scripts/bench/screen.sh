# Sourced by scripts/bench.sh: `BENCH_ONLY=screen`, screen recording of a 1920x1080 desktop at
# the exam's default screen settings (1280x720, 2 fps, 300 kbit/s), proctor against the ffmpeg
# CLI recording the same display with the same encoder settings, in the same run (issue 17).
#
# x11grab: an Xvfb display. The portal path (headless sway, PipeWire, xdg-desktop-portal) is
# run by the tests as an unprivileged user (Tests/Support/Tools/HeadlessSway.swift); it is not
# scripted here yet, so its row says "not measured".

SCREEN_SIZE=1920x1080
SCREEN_RATE=2
SCREEN_ARGS=(-c:v libx264 -preset veryfast -tune zerolatency -g $((2 * SCREEN_RATE)) -bf 0 -b:v 300k -pix_fmt yuv420p)

# screen_exam DIR: an exam that records the screen only (camera and microphone off, detectors
# off: the row compares capture + encoding with ffmpeg's), at the default screen settings.
screen_exam() {
    setup_exam "$1" off || return 1
    local toml=$1/$EXAM_ID.toml
    sed -i -e '/^\[recording.screen\]/,/^$/ s/^enabled = false/enabled = true/' \
        -e 's/^\[recording.camera\]$/[recording.camera]\nenabled = false/' \
        -e 's/^\[recording.microphone\]$/[recording.microphone]\nenabled = false/' "$toml"
    if ! "$PROCTOR" exam create --settings "$toml" --key "$KEY" --out "$EXAM" --force >"$1/exam.log" 2>&1; then
        SETUP_ERROR="proctor exam create: $(first_error "$1/exam.log")"
        return 1
    fi
}

bench_screen() {
    local name="screen recording CPU s per media s, 1920x1080 X display (x11grab)" dir=$WORK/screen
    local rounds=$(( REPEAT < 3 ? REPEAT : 3 )) display i ratios=() target=1.25 window
    window=$(steady_window)
    if ! screen_exam "$dir"; then
        not_measured screen_x11grab_cpu "$name" "<= ${target}x" "$SETUP_ERROR"
    elif ! start_display "$SCREEN_SIZE"; then
        not_measured screen_x11grab_cpu "$name" "<= ${target}x" "$DISPLAY_ERROR"
    else
        # Something on screen (grey): x11grab's cost does not depend on it, the encoder's does a little.
        display=$BENCH_DISPLAY
        : >"$WORK/screen-ffmpeg.whole"; : >"$WORK/screen-proctor.whole"
        for i in $(seq 1 "$rounds"); do
            log "screen: round $i of $rounds: ffmpeg and proctor recording $display (x11grab), ${MEDIA_SECONDS} s each, on core $BENCH_CORE"
            run_sampled "$WORK/screen-ffmpeg-$i.time" $window "${PIN[@]}" ffmpeg -nostdin -hide_banner -loglevel error \
                -f x11grab -framerate "$SCREEN_RATE" -video_size "$SCREEN_SIZE" -draw_mouse 1 -i "$display" -t "$MEDIA_SECONDS" \
                -vf scale=1280:720 "${SCREEN_ARGS[@]}" -y "$WORK/screen-ffmpeg-$i.mkv" >"$WORK/screen-ffmpeg-$i.log" 2>&1 || true
            run_sampled "$WORK/screen-proctor-$i.time" $window "${PIN[@]}" "$PROCTOR" begin --exam "$EXAM_ID" --student "screen$i" \
                --camera none --mic none --screen "x11:$display" --duration "$MEDIA_SECONDS" --accept --no-browser \
                >"$WORK/screen-proctor-$i.log" 2>&1 || true
            record_cpu screen-ffmpeg "$WORK/screen-ffmpeg-$i.time"
            record_cpu screen-proctor "$WORK/screen-proctor-$i.time"
            ratios+=("$(ratio "$(tail -1 "$WORK/screen-proctor.whole")" "$(tail -1 "$WORK/screen-ffmpeg.whole")")")
        done
        stop_display
        if [ -z "$(newest_bundle "$dir/sessions")" ]; then
            not_measured screen_x11grab_cpu "$name" "<= ${target}x" "proctor begin: $(first_error "$WORK/screen-proctor-1.log")"
        else
            local measured baseline
            measured=$(median <"$WORK/screen-proctor.whole") baseline=$(median <"$WORK/screen-ffmpeg.whole")
            row screen_x11grab_cpu "$name" "CPU s/s" "$measured" "$baseline" "$(median < <(printf '%s\n' "${ratios[@]}"))" "<= ${target}x" \
                "$(ratio_verdict "$target" "${ratios[@]}")" \
                "baseline: ffmpeg -f x11grab, same display, scale and x264 settings; whole ${MEDIA_SECONDS} s runs pinned to core $BENCH_CORE; median of $rounds per-round ratios (${ratios[*]}); detectors off"
        fi
    fi
    not_measured screen_portal_cpu "screen recording CPU s per media s, 1920x1080 Wayland desktop (portal)" "<= ${target}x" \
        "the headless sway + PipeWire + portal stack runs in the tests only (HeadlessSway.swift); not scripted for make bench yet"
}
