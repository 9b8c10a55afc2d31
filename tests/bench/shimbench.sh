#!/bin/sh
# make bench, shim part: wall time and peak RSS of three real workloads --
# gcc compiling six of this project's C files, a python3 allocation-heavy script, sort of a large
# file -- with the C library's malloc, with w32mem's LD_PRELOAD shim, and with
# jemalloc and mimalloc preloaded, in the same run (median of 7).
# Targets (issue 7): never slower than glibc, within 1.1x of the best, peak
# RSS within 1.2x of glibc.
top=$(cd "${1:-.}" && pwd)
src=$(cd "${2:-$top}" && pwd)
shim="$top/.libs/libw32mem-preload.so"
[ -f "$shim" ] || { echo "shimbench: $shim not built"; exit 0; }
[ -x /usr/bin/time ] || { echo "shimbench: /usr/bin/time (Debian package time) is needed"; exit 0; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cat >"$work/alloc.py" <<'PY'
import random
random.seed(7)
live = []
for round in range(40):
    table = {("k%d" % i): [str(i)] * (i % 13) for i in range(60000)}
    live.append(table)
    if len(live) > 4:
        live.pop(random.randrange(len(live)))
    text = "".join(str(x) for x in range(20000))
print(len(live), len(text))
PY
awk 'BEGIN { srand(42); for (i = 0; i < 1000000; i++) printf "%08d %d\n", int(rand() * 1e8), i }' >"$work/lines.txt"

preload_for() {
    case $1 in
    glibc) echo "" ;;
    w32mem) echo "$shim" ;;
    jemalloc) for f in /usr/lib/*/libjemalloc.so.2 /usr/lib/libjemalloc.so.2; do [ -f "$f" ] && echo "$f" && return; done ;;
    mimalloc) for f in /usr/lib/*/libmimalloc.so.2 /usr/lib/libmimalloc.so.2; do [ -f "$f" ] && echo "$f" && return; done ;;
    esac
}

allocators=glibc
for allocator in w32mem jemalloc mimalloc; do
    [ -n "$(preload_for $allocator)" ] && allocators="$allocators $allocator"
done

# once ALLOCATOR COMMAND...: appends "seconds peak_kb" of one run to
# $work/ALLOCATOR.  The time is taken to the nanosecond around the run:
# time(1)'s own figure has 10 ms steps, over 1% of the sort.
once() {
    allocator=$1; shift
    start=$(date +%s%N)
    LD_LIBRARY_PATH="$top/.libs" LD_PRELOAD="$(preload_for "$allocator")" /usr/bin/time -f "%M" -o "$work/t" \
        "$@" >/dev/null 2>&1
    end=$(date +%s%N)
    echo "$(( (end - start) / 1000000 )) $(cat "$work/t")" >>"$work/$allocator"
}

# The runs of the allocators take turns, so that whatever else the machine
# is doing falls on all of them alike; each figure is the median of 7.
printf '%-10s %-9s %9s %9s %8s %8s\n' workload allocator seconds peak_MB "vs glibc" "RSS/glibc"
for workload in gcc python sort; do
    case $workload in
    gcc) set -- sh -c "cd '$work' && gcc -O2 -c -DHAVE_CONFIG_H -I'$top' -I'$src/include' -I'$src/lib' \
                 -I'$src/compat' '$src/lib/heap.c' '$src/lib/heap_segment.c' '$src/lib/mapping.c' \
                 '$src/lib/region.c' '$src/lib/virtual.c' '$src/lib/file.c'" ;;
    python) set -- python3 "$work/alloc.py" ;;
    sort) set -- sort -k1,1 "$work/lines.txt" ;;
    esac
    for allocator in $allocators; do : >"$work/$allocator"; done
    for repetition in 1 2 3 4 5 6 7; do
        for allocator in $allocators; do once "$allocator" "$@"; done
    done
    base_time= base_rss=
    for allocator in glibc w32mem jemalloc mimalloc; do
        case " $allocators " in
        *" $allocator "*) ;;
        *) printf '%-10s %-9s %s\n' "$workload" "$allocator" "(not installed)"; continue ;;
        esac
        milliseconds=$(cut -d' ' -f1 "$work/$allocator" | sort -n | sed -n 4p)
        seconds=$(awk -v ms="$milliseconds" 'BEGIN { printf "%.3f", ms / 1000 }')
        kb=$(cut -d' ' -f2 "$work/$allocator" | sort -n | sed -n 4p)
        [ -n "$base_time" ] || { base_time=$seconds; base_rss=$kb; }
        awk -v w="$workload" -v a="$allocator" -v s="$seconds" -v k="$kb" -v bs="$base_time" -v bk="$base_rss" \
            'BEGIN { printf "%-10s %-9s %9.3f %9.1f %7.3fx %7.2fx\n", w, a, s, k / 1024, (bs > 0 ? s / bs : 1), k / bk }'
    done
done
