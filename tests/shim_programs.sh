#!/bin/sh
# Real programs nobody here wrote run under the LD_PRELOAD shim with output
# identical to a run without it.  `shim_programs.sh WHICH` runs one of:
# python (python3 with threads), perl, git, gcc (compiling this project's
# sources), sort (a large file), suite (the project's own test programs),
# valgrind (the shim's stress program under memcheck).  Each has a wrapper
# script that make check runs; an absent program is skipped with a message.
which=${1:?which program}
if [ -n "$SANITIZED" ]; then
    echo "SKIP: a sanitizer owns malloc; the shim cannot replace it"; exit 77
fi
top=$(cd "${top_builddir:-.}" && pwd)
src=$(cd "${srcdir:-.}" && pwd)
libs="$top/.libs"
shim="$libs/libw32mem-preload.so"
[ -f "$shim" ] || { echo "SKIP: $shim not built"; exit 77; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0 ran=0

under_shim() {
    LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" LD_PRELOAD="$shim" "$@"
}

# same NAME COMMAND...: runs COMMAND plainly and under the shim in $work.
same() {
    name=$1; shift
    if ! command -v "$1" >/dev/null 2>&1; then
        echo "SKIP $name: $1 not installed"; return
    fi
    ran=$((ran + 1))
    (cd "$work" && "$@") >"$work/plain.out" 2>&1; plain_status=$?
    (cd "$work" && under_shim "$@") >"$work/shim.out" 2>&1; shim_status=$?
    if [ "$plain_status" = "$shim_status" ] && cmp -s "$work/plain.out" "$work/shim.out"; then
        echo "PASS $name"
    else
        echo "FAIL $name (status $plain_status plain, $shim_status under the shim)"
        diff "$work/plain.out" "$work/shim.out" | head -20
        failures=$((failures + 1))
    fi
}

# The shim really is mapped into a program it is preloaded into.
if under_shim sh -c 'exit 0' && LD_PRELOAD="$shim" LD_LIBRARY_PATH="$libs" \
        sh -c "grep -q libw32mem-preload /proc/\$\$/maps"; then
    echo "PASS shim is mapped into the program"
else
    echo "FAIL shim is not mapped into the program"; failures=$((failures + 1))
fi

case $which in
python)
cat >"$work/threads.py" <<'PY'
import hashlib, json, threading
results = {}
def work(n):
    table = {str(i): [i * n] * (i % 7 + 1) for i in range(30000)}
    text = json.dumps(table, sort_keys=True)
    results[n] = hashlib.sha256(text.encode()).hexdigest()
threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
for thread in threads: thread.start()
for thread in threads: thread.join()
for n in sorted(results): print(n, results[n])
print(sum(len(str(x)) for x in [list(range(i)) for i in range(2000)]))
PY
same python3 python3 "$work/threads.py" ;;
perl)
same perl perl -e 'my %h; $h{$_} = "x" x ($_ % 100) for 1..200000;
    my $n = 0; $n += length($h{$_}) for keys %h; print "$n\n";
    print join(",", (sort { $a <=> $b } keys %h)[0..9]), "\n";' ;;
git)
cat >"$work/git.sh" <<'SH'
set -e
export HOME="$PWD" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=w32mem GIT_AUTHOR_EMAIL=w32mem@invalid
export GIT_COMMITTER_NAME=w32mem GIT_COMMITTER_EMAIL=w32mem@invalid
export GIT_AUTHOR_DATE=2026-01-01T00:00:00Z GIT_COMMITTER_DATE=2026-01-01T00:00:00Z
rm -rf repo && git -c init.defaultBranch=main init -q repo && cd repo
for i in 1 2 3; do seq 1 $((i * 1000)) > file$i.txt; git add file$i.txt; git commit -q -m "commit $i"; done
git log --stat
git rev-parse HEAD
SH
same git sh "$work/git.sh" ;;
gcc)
cat >"$work/gcc.sh" <<SH
set -e
for source in region virtual handle; do
    gcc -O2 -c -DHAVE_CONFIG_H -I'$top' -I'$src/include' -I'$src/lib' -I'$src/compat' \
        '$src/lib/'\$source.c -o \$source.o
    cksum < \$source.o
done
SH
same gcc sh "$work/gcc.sh" ;;
sort)
awk 'BEGIN { srand(42); for (i = 0; i < 300000; i++) printf "%08d %s\n", int(rand() * 1e8), i }' \
    >"$work/lines.txt"
same sort sh -c 'sort lines.txt | cksum; sort -n -r -k2 lines.txt | cksum' ;;
suite)
# The project's own test programs, under the shim (they must pass).
for program in "$top"/tests/test_*; do
    [ -x "$program" ] && [ -f "$program" ] || continue
    case "$program" in *.o|*.log|*.trs) continue ;; esac
    # The fault-injection sweep compares mappings and malloc'ed bytes before
    # and after: under the shim malloc is the library, so the test's own
    # allocations move them (and the injected failures hit them).
    case "$program" in */test_inject) continue ;; esac
    ran=$((ran + 1))
    if (cd "$top" && under_shim "$program") >"$work/suite.out" 2>&1; then
        echo "PASS $(basename "$program") under the shim"
    else
        echo "FAIL $(basename "$program") under the shim"; tail -5 "$work/suite.out"
        failures=$((failures + 1))
    fi
done ;;
valgrind)
# memcheck over the stress program with the shim as its allocator
# (somalloc=NONE keeps valgrind from replacing malloc itself).
if ! command -v valgrind >/dev/null 2>&1; then
    echo "SKIP valgrind: not installed"
else
    ran=$((ran + 1))
    if under_shim valgrind -q --soname-synonyms=somalloc=NONE --error-exitcode=9 \
            "$top/tests/.libs/shim_stress" >"$work/valgrind.out" 2>&1 &&
       grep -q "heap valid" "$work/valgrind.out"; then
        echo "PASS shim stress under valgrind memcheck"
    else
        echo "FAIL shim stress under valgrind memcheck"; tail -20 "$work/valgrind.out"
        failures=$((failures + 1))
    fi
fi ;;
*)
    echo "unknown program: $which"; exit 99 ;;
esac

[ "$ran" -gt 0 ] || exit 77
[ "$failures" = 0 ]
