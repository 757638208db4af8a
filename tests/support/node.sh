#!/usr/bin/env bash
# tests/support/node.sh - the "node" test fixture: a throw-away PostgreSQL, Redis and every
# service binary already built, on free loopback ports, with DIR/env describing them.
# Does not: build anything, keep data between starts (start wipes DIR's node files), or bind
# anything but 127.0.0.1.
#
#   node.sh start DIR BUILD_DIR                   fresh node; writes DIR/env, DIR/<name>.pid
#   node.sh stop DIR BUILD_DIR                    stops everything by pid (dead ones are fine)
#   node.sh restart-service DIR BUILD_DIR NAME    SIGTERM, wait, start again, wait until ready
#   node.sh kill-service DIR BUILD_DIR NAME       SIGKILL and wait until it is gone
#   node.sh stop-redis DIR BUILD_DIR / start-redis DIR BUILD_DIR   (same port as before)
# NAME is one of SERVICES below (binary BUILD_DIR/bin/verbund-NAME; one not built is skipped).
set -u

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=scripts/lib/servers.sh
. "$REPO_DIR/scripts/lib/servers.sh"

# Services in start order; stop goes the other way.
# matchmaking loads its read model from the others and follows the stream, so it comes after them.
SERVICES=(membership communities events stream matchmaking gateway)
READY_TIMEOUT_TENTHS=600
STOP_TIMEOUT_TENTHS=150

die() {
    echo "node.sh: $*" >&2
    exit 1
}

usage() {
    echo "usage: node.sh start|stop|restart-service|kill-service|stop-redis|start-redis DIR BUILD_DIR [NAME]" >&2
    exit 2
}

# 0 when something accepts TCP connections on 127.0.0.1:$1 or any address listens on it.
port_in_use() {
    local port=$1
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        return 0
    fi
    [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ]
}

PICKED_PORTS=" "
# Sets the variable named $1 to a free loopback port not handed out before in this run. Ports
# come from below the kernel's ephemeral range (ip_local_port_range), so a port picked here
# cannot be taken by an outgoing connection or a test binding port 0 before the service binds.
pick_port() {
    local port tries low=32768 range
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    range=$((low - 20000))
    [ "$range" -ge 1000 ] || die "ip_local_port_range starts below 21000; cannot pick ports"
    for ((tries = 0; tries < 200; tries++)); do
        port=$((20000 + RANDOM % range))
        case "$PICKED_PORTS" in
            *" $port "*) continue ;;
        esac
        if ! port_in_use "$port"; then
            PICKED_PORTS="$PICKED_PORTS$port "
            printf -v "$1" '%s' "$port"
            return 0
        fi
    done
    die "no free loopback port found"
}

load_env() {
    [ -f "$DIR/env" ] || die "$DIR/env is missing; run node.sh start first"
    set -a
    # shellcheck disable=SC1091
    . "$DIR/env"
    set +a
}

service_binary() {
    echo "$BUILD_DIR/bin/verbund-$1"
}

# Prints the pid of service $1 when it is running and really is that binary.
service_pid() {
    local name=$1 pid
    [ -f "$DIR/$name.pid" ] || return 0
    pid=$(cat "$DIR/$name.pid" 2>/dev/null)
    case "$pid" in
        ''|*[!0-9]*) return 0 ;;
    esac
    case "$(ps -p "$pid" -o args= 2>/dev/null)" in
        *"verbund-$name"*) echo "$pid" ;;
    esac
}

# 0 once service $1 answers; the log offset $2 is where this start's output begins.
service_ready() {
    local name=$1 log_offset=$2
    case "$name" in
        membership)
            if tail -c "+$((log_offset + 1))" "$DIR/$name.log" 2>/dev/null |
                grep -q '"msg":"ready"'; then
                return 0
            fi
            local port=${VERBUND_MEMBERSHIP_ENDPOINT##*:}
            (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
            ;;
        gateway)
            curl -sf -o /dev/null --max-time 1 "http://127.0.0.1:$VERBUND_HTTP_PORT/livez"
            ;;
        *)
            tail -c "+$((log_offset + 1))" "$DIR/$name.log" 2>/dev/null | grep -q '"msg":"ready"'
            ;;
    esac
}

start_service() {
    local name=$1 binary pid log_offset i
    binary=$(service_binary "$name")
    if [ ! -x "$binary" ]; then
        echo "node.sh: $binary not built; skipping $name"
        return 0
    fi
    [ -z "$(service_pid "$name")" ] || die "$name is already running"
    log_offset=$(stat -c %s "$DIR/$name.log" 2>/dev/null || echo 0)
    VERBUND_MIGRATIONS_DIR="$REPO_DIR/services/$name/migrations" \
        "$binary" </dev/null >>"$DIR/$name.log" 2>&1 &
    pid=$!
    echo "$pid" >"$DIR/$name.pid"
    for ((i = 0; i < READY_TIMEOUT_TENTHS; i++)); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "node.sh: $name exited during start; last lines of $DIR/$name.log:" >&2
            tail -n 30 "$DIR/$name.log" >&2
            return 1
        fi
        if service_ready "$name" "$log_offset"; then
            echo "node.sh: $name ready (pid $pid)"
            return 0
        fi
        sleep 0.1
    done
    echo "node.sh: $name not ready after $((READY_TIMEOUT_TENTHS / 10)) s; see $DIR/$name.log" >&2
    tail -n 30 "$DIR/$name.log" >&2
    return 1
}

stop_service() {
    local name=$1 pid
    pid=$(service_pid "$name")
    if [ -n "$pid" ]; then
        kill -TERM "$pid" 2>/dev/null
        if ! vb_wait_pid_gone "$pid" "$STOP_TIMEOUT_TENTHS"; then
            echo "node.sh: $name (pid $pid) ignored SIGTERM for $((STOP_TIMEOUT_TENTHS / 10)) s; killing" >&2
            kill -KILL "$pid" 2>/dev/null
            vb_wait_pid_gone "$pid" 50
        fi
    fi
    rm -f "$DIR/$name.pid"
}

kill_service() {
    local name=$1 pid
    pid=$(service_pid "$name")
    [ -n "$pid" ] || die "$name is not running"
    kill -KILL "$pid" 2>/dev/null
    vb_wait_pid_gone "$pid" 100 || die "$name (pid $pid) survived SIGKILL"
    rm -f "$DIR/$name.pid"
}

start_redis() {
    vb_redis_start "$DIR" "$VERBUND_REDIS_PORT" || die "Redis did not start"
}

stop_all() {
    local i
    for ((i = ${#SERVICES[@]} - 1; i >= 0; i--)); do
        stop_service "${SERVICES[$i]}"
    done
    vb_redis_stop "$DIR"
    vb_pg_stop "$DIR/pg"
    rm -f "$DIR/postgres.pid"
}

cmd_start() {
    local pg_port redis_port membership_port communities_port events_port matchmaking_port
    local http_port stream_pub_port stream_replay_port token name
    mkdir -p "$DIR" || die "cannot create $DIR"
    DIR=$(cd "$DIR" && pwd)
    stop_all
    # A fresh node every time: only the files this script creates are removed.
    vb_pg_remove "$DIR/pg"
    rm -rf "$DIR/run"
    rm -f "$DIR"/*.log "$DIR"/*.pid "$DIR/env" "$DIR/admin.token"

    pick_port pg_port
    pick_port redis_port
    pick_port membership_port
    pick_port communities_port
    pick_port events_port
    pick_port matchmaking_port
    pick_port http_port
    pick_port stream_pub_port
    pick_port stream_replay_port

    vb_pg_start "$DIR/pg" "$pg_port" || die "PostgreSQL did not start"
    vb_pg_pid "$DIR/pg" >"$DIR/postgres.pid"
    vb_redis_start "$DIR" "$redis_port" || die "Redis did not start"

    token=$(head -c 32 /dev/urandom | od -An -tx1 -v | tr -d ' \n')
    (umask 077 && printf '%s\n' "$token" >"$DIR/admin.token")

    cat >"$DIR/env" <<ENV
VERBUND_NODE_ID=test
VERBUND_DATABASE_URL=postgresql://verbund@127.0.0.1:$pg_port/verbund
VERBUND_REDIS_HOST=127.0.0.1
VERBUND_REDIS_PORT=$redis_port
VERBUND_MEMBERSHIP_ENDPOINT=tcp://127.0.0.1:$membership_port
VERBUND_COMMUNITIES_ENDPOINT=tcp://127.0.0.1:$communities_port
VERBUND_EVENTS_ENDPOINT=tcp://127.0.0.1:$events_port
VERBUND_MATCHMAKING_ENDPOINT=tcp://127.0.0.1:$matchmaking_port
VERBUND_STREAM_PUB_ENDPOINT=tcp://127.0.0.1:$stream_pub_port
VERBUND_STREAM_REPLAY_ENDPOINT=tcp://127.0.0.1:$stream_replay_port
VERBUND_STREAM_SOURCES=membership,communities,events,matchmaking
VERBUND_STREAM_SWEEP_INTERVAL_MS=500
VERBUND_STREAM_SEND_QUEUE=${VB_TEST_STREAM_SEND_QUEUE:-1000}
VERBUND_HTTP_HOST=127.0.0.1
VERBUND_HTTP_PORT=$http_port
VERBUND_ADMIN_TOKEN_FILE=$DIR/admin.token
VB_TEST_HTTP_URL=http://127.0.0.1:$http_port
VB_TEST_ADMIN_TOKEN=$token
VB_TEST_PG_PORT=$pg_port
ENV
    load_env
    for name in "${SERVICES[@]}"; do
        start_service "$name" || {
            stop_all
            exit 1
        }
    done
    echo "node.sh: node up in $DIR (PostgreSQL $pg_port, Redis $redis_port)"
}

check_service_name() {
    local name
    for name in "${SERVICES[@]}"; do
        [ "$name" = "$1" ] && return 0
    done
    die "unknown service '$1' (one of: ${SERVICES[*]})"
}

[ $# -ge 3 ] || usage
COMMAND=$1
DIR=$2
BUILD_DIR=$3
NAME=${4:-}

case "$COMMAND" in
    start)
        cmd_start
        ;;
    stop)
        [ -d "$DIR" ] || exit 0
        stop_all
        # Relocated PostgreSQL data (see vb_pg_relocate_if_unreachable) must not pile up.
        [ -L "$DIR/pg" ] && vb_pg_remove "$DIR/pg"
        echo "node.sh: node in $DIR stopped"
        ;;
    restart-service)
        check_service_name "$NAME"
        load_env
        stop_service "$NAME"
        start_service "$NAME" || exit 1
        ;;
    kill-service)
        check_service_name "$NAME"
        load_env
        kill_service "$NAME"
        ;;
    stop-redis)
        load_env
        vb_redis_stop "$DIR"
        ;;
    start-redis)
        load_env
        start_redis
        ;;
    *)
        usage
        ;;
esac
