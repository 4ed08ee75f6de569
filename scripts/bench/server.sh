# Sourced by scripts/bench.sh: `BENCH_ONLY=server`, the collection server under load (issue 15).
#
# A real `proctor serve` (the release build) on loopback, once with its embedded SQLite and once
# with a private PostgreSQL cluster, each with PostgreSQL's and SQLite's own durability settings.
# For each: an exam naming the server, a roster of LIVE + UPLOADS students published with
# `proctor exam roster` / `exam publish`, then `proctor bench-server-load`: every student's
# ticket with their enrolment code; UPLOADS sealed bundles of UPLOAD_MB bound to their tickets,
# with a checkpoint every 10 s of media time (sent before the run); then the run: LIVE students
# each sealing and sending a checkpoint every 10 s for RUN seconds while the UPLOADS bundles go
# up at once through `proctor submit`'s tus client. Lost = sent but not in the server's
# database; an upload counts only with a receipt that verifies under the exam's pinned key, names
# the bundle's SHA-256 and every checkpoint sent for it. Method: docs/benchmarks.md, "Server load".

# The camera and microphone bitrates of the default settings: what a bundle of this size stands for.
SERVER_MEDIA_BYTES_PER_SECOND=66500

# server_db STORE DIR SQL: one value from the server's metadata database.
server_db() {
    if [ "$1" = postgres ]; then
        PGPASSWORD=$PG_PASSWORD PGCONNECT_TIMEOUT=10 psql -X -q -t -A -h 127.0.0.1 -p "$PG_PORT" -U proctor -d proctor -c "$3"
    else
        sqlite3 "$2/data/proctor.sqlite" "$3"
    fi
}

# pg_start DIR / pg_stop: a private cluster as the test helper makes one (Tests/Support/Postgres):
# initdb in its own folder under /tmp (owned by the `postgres` user when run as root, since
# PostgreSQL refuses root), password logins, a free loopback port, its socket in the folder.
pg_start() {
    local bin version
    version=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
    [ -n "$version" ] || { PG_ERROR="PostgreSQL is not installed (Debian's postgresql package, make setup)"; return 1; }
    bin=/usr/lib/postgresql/$version/bin PG_BIN=$bin
    PG_DIR=$(mktemp -d /tmp/proctor-bench-pg.XXXXXX)
    PG_PASSWORD=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
    PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf '%s' "$PG_PASSWORD" >"$PG_DIR/pwfile"
    PG_AS=()
    if [ "$(id -u)" = 0 ]; then chown -R postgres "$PG_DIR"; PG_AS=(runuser -u postgres --); fi
    if ! "${PG_AS[@]}" "$bin/initdb" -D "$PG_DIR/data" -U proctor --pwfile "$PG_DIR/pwfile" --auth scram-sha-256 -E UTF8 >"$PG_DIR/initdb.log" 2>&1; then
        PG_ERROR="initdb: $(first_error "$PG_DIR/initdb.log")"; return 1
    fi
    if ! "${PG_AS[@]}" "$bin/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
            -o "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1" start >"$PG_DIR/pg_ctl.log" 2>&1; then
        PG_ERROR="pg_ctl start: $(first_error "$PG_DIR/server.log")"; return 1
    fi
    PGPASSWORD=$PG_PASSWORD psql -X -q -h 127.0.0.1 -p "$PG_PORT" -U proctor -d postgres -c "CREATE DATABASE proctor" >"$PG_DIR/createdb.log" 2>&1 \
        || { PG_ERROR="CREATE DATABASE: $(first_error "$PG_DIR/createdb.log")"; return 1; }
}
pg_stop() {
    [ -n "${PG_DIR:-}" ] || return 0
    "${PG_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 || true
    rm -rf "$PG_DIR"
    PG_DIR=
}

# server_not_measured STORE REASON: every row of one store says why it has no number.
server_not_measured() {
    local what="$SERVER_LIVE checking in + $SERVER_UPLOADS uploading"
    not_measured "server_$1_lost" "server ($1): checkpoints and uploads lost, $what" "0" "$2"
    not_measured "server_$1_p50" "server ($1): checkpoint latency p50" "none (for the record)" "$2"
    not_measured "server_$1_p99" "server ($1): checkpoint latency p99" "none (for the record)" "$2"
    not_measured "server_$1_uploads" "server ($1): uploads of ${SERVER_UPLOAD_MB} MB per second" "none (for the record)" "$2"
    not_measured "server_$1_cpu" "server ($1): CPU during the run" "none (for the record)" "$2"
    not_measured "server_$1_rss" "server ($1): peak RSS" "none (for the record)" "$2"
}

# bench_server_store STORE: one server, one exam, one load run, its rows.
bench_server_store() {
    local store=$1 d=$WORK/server/$1 metadata="" pid url key
    mkdir -p "$d"
    if [ "$store" = postgres ]; then
        if ! pg_start; then pg_stop; server_not_measured "$store" "$PG_ERROR"; return; fi
        metadata=$(printf '\n[metadata]\nstore = "postgres"\nurl = "postgres://proctor@127.0.0.1:%s/proctor"\npassword_env = "PROCTOR_DB_PASSWORD"\ntls = "disable"\n' "$PG_PORT")
    fi
    printf '[listen]\nport = 0\n\n[storage]\ndata_dir = "data"\n\n[trust]\ninstructors = ["%s"]\n%s\n' "$(cat "$INSTRUCTOR_PUB")" "$metadata" >"$d/serve.toml"
    PROCTOR_DB_PASSWORD=${PG_PASSWORD:-} "$PROCTOR" serve --config "$d/serve.toml" >"$d/stdout" 2>"$d/serve.log" &
    pid=$!
    for _ in $(seq 300); do [ "$(wc -l <"$d/stdout")" -ge 2 ] && break; kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    url=$(sed -n 's|.*listening on \(http://[^ ]*\) .*|\1|p' "$d/stdout")
    key=$(sed -n 2p "$d/stdout")
    if [ -z "$url" ]; then
        kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pg_stop
        server_not_measured "$store" "proctor serve: $(first_error "$d/serve.log")"; return
    fi
    log "server ($store): $url; exam, roster of $((SERVER_LIVE + SERVER_UPLOADS)), publish"
    write_settings "$d/exam.toml" "bench-served-$store" off
    printf '\n[server]\nurl = "%s"\nkey = "%s"\ncheckpoint_seconds = 10\n' "$url" "$key" >>"$d/exam.toml"
    if ! "$PROCTOR" exam create --settings "$d/exam.toml" --key "$INSTRUCTOR_KEY" --out "$d/exam.exam" --force >"$d/setup.log" 2>&1 \
        || ! "$PROCTOR" exam roster "$d/exam.exam" --students-file "$WORK/server/students.txt" --out "$d/roster.json" >"$d/codes.tsv" 2>>"$d/setup.log" \
        || ! "$PROCTOR" exam publish "$d/exam.exam" --key "$INSTRUCTOR_KEY" --roster "$d/roster.json" >>"$d/setup.log" 2>&1; then
        kill "$pid"; wait "$pid" 2>/dev/null || true; pg_stop
        server_not_measured "$store" "setup: $(first_error "$d/setup.log")"; return
    fi
    log "server ($store): $SERVER_UPLOADS bundles of $SERVER_UPLOAD_MB MB, then $SERVER_LIVE students checking in every 10 s for ${SERVER_SECONDS} s while they upload"
    local status=0
    "$PROCTOR" bench-server-load --exam "$d/exam.exam" --codes "$d/codes.tsv" --media "$WORK/server/media.bin" \
        --media-seconds "$((SERVER_UPLOAD_MB * 1000000 / SERVER_MEDIA_BYTES_PER_SECOND))" --work "$d/clients" \
        --live "$SERVER_LIVE" --uploads "$SERVER_UPLOADS" --seconds "$SERVER_SECONDS" --server-pid "$pid" \
        >"$d/load.json" 2>"$d/load.err" || status=$?
    local held receipts
    held=$(server_db "$store" "$d" "SELECT COUNT(*) FROM checkpoints" 2>>"$d/load.err" || echo "")
    receipts=$(server_db "$store" "$d" "SELECT COUNT(*) FROM receipts" 2>>"$d/load.err" || echo "")
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pg_stop
    rm -rf "$d/clients" "$d/data/bundles"
    if [ "$status" != 0 ] || ! jq -e '.runSeconds' "$d/load.json" >/dev/null 2>&1 || [ -z "$held" ]; then
        server_not_measured "$store" "proctor bench-server-load: $(grep -v -e '^bench-server-load:' -e '^\[swscaler' "$d/load.err" | head -1 | cut -c1-160)"; return
    fi
    cp "$d/load.json" "$WORK/server-$store.json"
    local j=$d/load.json sent lost uploads_lost
    sent=$(jq '.setupCheckpoints + .liveCheckpointsMade' "$j")
    lost=$(( sent - held ))
    uploads_lost=$(( SERVER_UPLOADS - $(jq '.uploadsAllContained' "$j") ))
    receipts=${receipts:-0}
    [ "$receipts" -ge "$SERVER_UPLOADS" ] || uploads_lost=$(( SERVER_UPLOADS - receipts ))
    local verdict=PASS
    [ "$lost" = 0 ] && [ "$uploads_lost" = 0 ] && [ "$(jq '.liveCheckpointsRefused' "$j")" = 0 ] || verdict=FAIL
    row "server_${store}_lost" "server ($store): checkpoints and uploads lost, $SERVER_LIVE checking in + $SERVER_UPLOADS uploading" "count" \
        "$(( lost + uploads_lost ))" "" "" "0" "$verdict" \
        "$held of $sent checkpoints in the database ($(jq '.liveCheckpointsMade' "$j") live over $(jq '.runSeconds | floor' "$j") s, $(jq '.setupCheckpoints' "$j") of the uploaded bundles), $(jq '.uploadsAllContained' "$j") of $SERVER_UPLOADS receipts valid and naming every checkpoint; $(jq '.failedSends' "$j") sends retried$(jq -r 'if .firstProblem then "; first problem: " + .firstProblem else "" end' "$j" | cut -c1-120)"
    row "server_${store}_p50" "server ($store): checkpoint latency p50" "ms" "$(jq '.latencyP50Ms * 10 | round / 10' "$j")" "" "" "none (for the record)" "INFO" \
        "$(jq '.liveCheckpointsAccepted' "$j") POSTs through ServerClient (URLSession); $(jq '.duringUploadsP50Ms | round' "$j") ms while uploads ran ($(jq '.duringUploadsCount' "$j")), $(jq '.afterUploadsP50Ms * 10 | round / 10' "$j") ms after ($(jq '.afterUploadsCount' "$j"))"
    row "server_${store}_p99" "server ($store): checkpoint latency p99" "ms" "$(jq '.latencyP99Ms * 10 | round / 10' "$j")" "" "" "none (for the record)" "INFO" \
        "$(jq '.duringUploadsP99Ms | round' "$j") ms while uploads ran, $(jq '.afterUploadsP99Ms | round' "$j") ms after; max $(jq '.latencyMaxMs | round' "$j") ms; $(jq '.failedSends' "$j") requests unanswered after the client's 5 s (not counted here) went again with the next tick: signed to accepted p99 $(jq '.deliveryP99Ms | round' "$j") ms, max $(jq '.deliveryMaxMs | round' "$j") ms"
    row "server_${store}_uploads" "server ($store): uploads of ${SERVER_UPLOAD_MB} MB per second" "1/s" "$(jq '.uploadsPerSecond * 100 | round / 100' "$j")" "" "" "none (for the record)" "INFO" \
        "$SERVER_UPLOADS at once, tus PATCHes of 8 MiB: last receipt after $(jq '.uploadSeconds | round' "$j") s, $(jq '.uploadMBps | round' "$j") MB/s, one upload $(jq '.uploadP50Seconds | round' "$j") s median"
    row "server_${store}_cpu" "server ($store): CPU during the run" "cores" "$(jq '.serverCPUCores * 100 | round / 100' "$j")" "" "" "none (for the record)" "INFO" \
        "$(jq '.serverCPUSeconds | round' "$j") CPU s of the serve process over $(jq '.runSeconds | round' "$j") s (/proc/PID/stat); the load generator used $(jq '.generatorCPUSeconds | round' "$j") CPU s on the same 2 cores"
    row "server_${store}_rss" "server ($store): peak RSS" "MiB" "$(jq '.serverPeakRSSMiB | round' "$j")" "" "" "none (for the record)" "INFO" \
        "VmHWM of the serve process, setup and run"
}

bench_server() {
    local dir=$WORK/server
    mkdir -p "$dir"
    if [ "$QUICK" = 1 ]; then
        SERVER_LIVE=50 SERVER_UPLOADS=10 SERVER_UPLOAD_MB=5 SERVER_SECONDS=20
    else
        SERVER_LIVE=500 SERVER_UPLOADS=100 SERVER_UPLOAD_MB=50 SERVER_SECONDS=60
    fi
    SERVER_LIVE=${BENCH_SERVER_LIVE:-$SERVER_LIVE}
    SERVER_UPLOADS=${BENCH_SERVER_UPLOADS:-$SERVER_UPLOADS}
    SERVER_UPLOAD_MB=${BENCH_SERVER_MB:-$SERVER_UPLOAD_MB}
    SERVER_SECONDS=${BENCH_SERVER_SECONDS:-$SERVER_SECONDS}
    INSTRUCTOR_KEY=$dir/instructor.key INSTRUCTOR_PUB=$dir/instructor.pub
    if ! "$PROCTOR" keygen --name instructor --no-passphrase --out "$dir" >"$dir/keygen.log" 2>&1; then
        server_not_measured sqlite "proctor keygen: $(first_error "$dir/keygen.log")"
        server_not_measured postgres "proctor keygen: $(first_error "$dir/keygen.log")"; return
    fi
    for ((i = 0; i < SERVER_LIVE + SERVER_UPLOADS; i++)); do printf 's%04d\n' "$i"; done >"$dir/students.txt"
    # Random bytes: the server's arrival check reads framing, hashes and signatures, never media.
    head -c "$((SERVER_UPLOAD_MB * 1000000))" /dev/urandom >"$dir/media.bin"
    # Each student holds a connection and two open bundle files; the server a connection each.
    ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
    # An interrupted bench leaves no PostgreSQL running.
    trap 'pg_stop; exit 130' INT TERM
    bench_server_store sqlite
    bench_server_store postgres
    trap - INT TERM
}
