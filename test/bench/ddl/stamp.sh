#!/bin/sh
# DDL capture benchmark: called by psql's \! just before and just after a
# batch, while the backend waits for the next statement. Appends one line to
# $BENCH_OUT:
#   <$BENCH_LABEL> <mark> <wall ns> <backend on-CPU ns> <backend utime+stime ticks>
# on-CPU ns is the first field of /proc/<pid>/schedstat (the scheduler's
# sum_exec_runtime of the backend process); ticks are fields 14+15 of
# /proc/<pid>/stat, a coarser cross-check. With $BENCH_PERF_DATA set it also
# starts `perf record --call-graph dwarf` on the backend at "start" and stops
# it at "end" (before reading the times).
set -eu
mark=$1
pid=$BENCH_PID
if [ "$mark" = end ] && [ -n "${BENCH_PERF_DATA:-}" ] && [ -f "$BENCH_PERF_DATA.pid" ]; then
    perf_pid=$(cat "$BENCH_PERF_DATA.pid")
    kill -INT "$perf_pid" 2>/dev/null || true
    while kill -0 "$perf_pid" 2>/dev/null; do sleep 0.1; done
    rm -f "$BENCH_PERF_DATA.pid"
fi
now=$(date +%s%N)
read -r cpu_ns _rest < "/proc/$pid/schedstat"
ticks=$(sed 's/^.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')
echo "$BENCH_LABEL $mark $now $cpu_ns $ticks" >> "$BENCH_OUT"
if [ "$mark" = start ] && [ -n "${BENCH_PERF_DATA:-}" ]; then
    perf record -q --call-graph dwarf,16384 -F 1000 -e cpu-clock -p "$pid" -o "$BENCH_PERF_DATA" >/dev/null 2>&1 &
    echo $! > "$BENCH_PERF_DATA.pid"
    sleep 1   # let perf attach before the batch starts
fi
