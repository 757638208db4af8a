# scripts/lib/servers.sh - start and stop a throw-away or local PostgreSQL and Redis on 127.0.0.1.
# Sourced by scripts/run and tests/support/node.sh; defines functions only, never starts anything
# on its own. Does not: install packages, pick ports, or disable durability (fsync stays on).
#
#   vb_pg_start DATA_DIR PORT    initdb when DATA_DIR is empty, start, create database "verbund"
#   vb_pg_stop DATA_DIR          fast shutdown of the postmaster of DATA_DIR (by its pid)
#   vb_pg_pid DATA_DIR           prints the postmaster pid (empty when not running)
#   vb_redis_start DIR PORT      redis-server daemon, pid in DIR/redis.pid, no persistence
#   vb_redis_stop DIR            stops it by pid and waits until it is gone
# The superuser is "verbund"; connections are trusted from 127.0.0.1 only (and the Unix socket in
# <parent of DATA_DIR>/run, readable by the server's user only).
# shellcheck shell=bash

# Prints the bin directory of the highest installed PostgreSQL version.
vb_pg_bindir() {
    local dir best="" best_version=-1 version
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/pg_ctl" ] || continue
        version=$(basename "$(dirname "$dir")")
        version=${version%%.*}
        case "$version" in
            ''|*[!0-9]*) continue ;;
        esac
        if [ "$version" -gt "$best_version" ]; then
            best_version=$version
            best=$dir
        fi
    done
    if [ -z "$best" ]; then
        echo "servers.sh: no PostgreSQL under /usr/lib/postgresql (install postgresql)" >&2
        return 1
    fi
    echo "$best"
}

# Runs a command as the PostgreSQL user: "postgres" when we are root, ourselves otherwise.
vb_pg_as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# Prints the postmaster pid of DATA_DIR when one is running.
vb_pg_pid() {
    local data_dir=$1 pid
    [ -f "$data_dir/postmaster.pid" ] || return 0
    pid=$(head -n 1 "$data_dir/postmaster.pid" 2>/dev/null)
    case "$pid" in
        ''|*[!0-9]*) return 0 ;;
    esac
    if kill -0 "$pid" 2>/dev/null; then
        echo "$pid"
    fi
}

# True while pid runs. An exited process whose parent has not reaped it yet (a zombie: our
# services are orphans, reaped by PID 1 when it gets to it, which took ~2 s per process here)
# counts as gone: it holds no port, file or lock any more.
vb_pid_running() {
    local pid=$1 state
    kill -0 "$pid" 2>/dev/null || return 1
    state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -c1)
    [ "$state" != Z ]
}

# Waits until pid is gone, up to $2 tenths of a second. 0 when gone.
vb_wait_pid_gone() {
    local pid=$1 tenths=$2 i=0
    while vb_pid_running "$pid"; do
        [ "$i" -ge "$tenths" ] && return 1
        sleep 0.1
        i=$((i + 1))
    done
    return 0
}

# PostgreSQL runs as the user "postgres" when we are root. If that user cannot enter the
# directory that holds DATA_DIR (a checkout below /root, or in a `mktemp -d` directory), the data
# lives in a directory of its own under /var/tmp and DATA_DIR becomes a symbolic link to it.
vb_pg_relocate_if_unreachable() {
    local data_dir=$1 parent target
    [ "$(id -u)" -eq 0 ] && id postgres >/dev/null 2>&1 || return 0
    [ -L "$data_dir" ] && return 0
    parent=$(dirname "$(realpath -m "$data_dir")")
    mkdir -p "$parent" || return 1
    runuser -u postgres -- test -x "$parent" && return 0
    if [ -d "$data_dir" ] && [ -n "$(ls -A "$data_dir")" ]; then
        return 0 # existing data stays where it is; vb_pg_start explains what is wrong
    fi
    rmdir "$data_dir" 2>/dev/null
    target=$(mktemp -d /var/tmp/verbund-pg.XXXXXX) || return 1
    chmod 755 "$target"
    ln -s "$target/data" "$data_dir" || return 1
    echo "servers.sh: user postgres cannot enter $parent; PostgreSQL data is in $target" >&2
}

# Removes DATA_DIR, and the directory under /var/tmp it points to when it was relocated.
vb_pg_remove() {
    local data_dir=$1 target
    if [ -L "$data_dir" ]; then
        target=$(dirname "$(readlink "$data_dir")")
        case "$target" in /var/tmp/verbund-pg.*) rm -rf "$target" ;; esac
        rm -f "$data_dir"
    else
        rm -rf "$data_dir"
    fi
}

vb_pg_start() {
    local data_dir=$1 port=$2 bindir run_dir
    if [ -z "$data_dir" ] || [ -z "$port" ]; then
        echo "usage: vb_pg_start DATA_DIR PORT" >&2
        return 2
    fi
    bindir=$(vb_pg_bindir) || return 1
    vb_pg_relocate_if_unreachable "$data_dir" || return 1
    data_dir=$(realpath -m "$data_dir")
    run_dir=$(dirname "$data_dir")/run
    mkdir -p "$data_dir" "$run_dir" || return 1
    chmod 700 "$data_dir" "$run_dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$data_dir" "$run_dir" || return 1
        if ! runuser -u postgres -- test -w "$data_dir"; then
            echo "servers.sh: user postgres cannot reach $data_dir (a parent directory is" \
                "not searchable by others); put the data elsewhere or chmod o+x the parents" >&2
            return 1
        fi
    fi

    if [ ! -f "$data_dir/PG_VERSION" ]; then
        if [ -n "$(ls -A "$data_dir")" ]; then
            echo "servers.sh: $data_dir is neither empty nor a PostgreSQL data directory" >&2
            return 1
        fi
        vb_pg_as_owner "$bindir/initdb" -D "$data_dir" -U verbund -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=reject >"$run_dir/initdb.log" 2>&1 || {
            echo "servers.sh: initdb failed, see $run_dir/initdb.log" >&2
            cat "$run_dir/initdb.log" >&2
            return 1
        }
        # Only loopback TCP and the private socket directory; nothing else is accepted.
        vb_pg_as_owner tee "$data_dir/pg_hba.conf" >/dev/null <<'HBA'
# verbund: trust on loopback only (written by scripts/lib/servers.sh)
local   all   all                 trust
host    all   all   127.0.0.1/32  trust
HBA
        vb_pg_as_owner tee -a "$data_dir/postgresql.conf" >/dev/null <<'CONF'
# verbund (scripts/lib/servers.sh); port and socket directory are given at start
listen_addresses = '127.0.0.1'
fsync = on
synchronous_commit = on
CONF
    fi

    if [ -n "$(vb_pg_pid "$data_dir")" ]; then
        echo "servers.sh: PostgreSQL already running for $data_dir" >&2
    else
        vb_pg_as_owner "$bindir/pg_ctl" -D "$data_dir" -l "$run_dir/postgres.log" -w -t 60 \
            -o "-c listen_addresses=127.0.0.1 -p $port -k $run_dir" start >/dev/null || {
            echo "servers.sh: PostgreSQL did not start, see $run_dir/postgres.log" >&2
            tail -n 20 "$run_dir/postgres.log" >&2
            return 1
        }
    fi

    if [ "$("$bindir/psql" -h 127.0.0.1 -p "$port" -U verbund -d postgres -XtAq \
            -c "SELECT 1 FROM pg_database WHERE datname = 'verbund'")" != "1" ]; then
        "$bindir/psql" -h 127.0.0.1 -p "$port" -U verbund -d postgres -Xq \
            -c "CREATE DATABASE verbund" || return 1
    fi
}

vb_pg_stop() {
    local data_dir=$1 bindir pid
    pid=$(vb_pg_pid "$data_dir")
    [ -n "$pid" ] || return 0
    data_dir=$(realpath -m "$data_dir") # a relocated directory is reached through its link
    bindir=$(vb_pg_bindir) || return 1
    if ! vb_pg_as_owner "$bindir/pg_ctl" -D "$data_dir" -m fast -w -t 30 stop >/dev/null; then
        kill -TERM "$pid" 2>/dev/null
    fi
    vb_wait_pid_gone "$pid" 300 || {
        echo "servers.sh: PostgreSQL (pid $pid) did not stop; sending SIGQUIT" >&2
        kill -QUIT "$pid" 2>/dev/null
        vb_wait_pid_gone "$pid" 100
    }
}

vb_redis_start() {
    local dir=$1 port=$2 i pid
    if [ -z "$dir" ] || [ -z "$port" ]; then
        echo "usage: vb_redis_start DIR PORT" >&2
        return 2
    fi
    mkdir -p "$dir" || return 1
    dir=$(realpath "$dir")
    rm -f "$dir/redis.pid"
    redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --pidfile "$dir/redis.pid" \
        --dir "$dir" --logfile "$dir/redis.log" --save "" --appendonly no \
        </dev/null >/dev/null 2>&1 || {
        echo "servers.sh: redis-server failed, see $dir/redis.log" >&2
        return 1
    }
    for ((i = 0; i < 100; i++)); do
        if [ -s "$dir/redis.pid" ] &&
            [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = "PONG" ]; then
            return 0
        fi
        sleep 0.1
    done
    echo "servers.sh: Redis did not answer on 127.0.0.1:$port, see $dir/redis.log" >&2
    pid=$(cat "$dir/redis.pid" 2>/dev/null)
    [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
    return 1
}

vb_redis_stop() {
    local dir=$1 pid
    [ -f "$dir/redis.pid" ] || return 0
    pid=$(cat "$dir/redis.pid" 2>/dev/null)
    case "$pid" in
        ''|*[!0-9]*) rm -f "$dir/redis.pid"; return 0 ;;
    esac
    # A stale pid file may name a recycled pid: only signal a redis-server.
    case "$(ps -p "$pid" -o comm= 2>/dev/null)" in
        redis-server*) ;;
        *) rm -f "$dir/redis.pid"; return 0 ;;
    esac
    if kill -TERM "$pid" 2>/dev/null; then
        vb_wait_pid_gone "$pid" 100 || {
            kill -KILL "$pid" 2>/dev/null
            vb_wait_pid_gone "$pid" 50
        }
    fi
    rm -f "$dir/redis.pid"
}
