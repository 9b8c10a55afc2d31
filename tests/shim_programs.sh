#!/bin/sh
# Real programs nobody here wrote run under the LD_PRELOAD shim with output
# identical to a run without it.  `shim_programs.sh WHICH` runs one of:
# python (python3 with threads), perl, git, gcc (compiling this project's
# sources), sort (a large file), suite (the project's own test programs),
# suite (the project's own make check, run by make under the shim), valgrind
# (the shim's stress program under memcheck).  Each has a wrapper
# script that make check runs; an absent program is skipped with a message.
which=${1:?which program}
if [ -n "$W32MEM_SHIM_INNER" ]; then
    echo "SKIP: already run by the make check that runs this one under the shim"; exit 77
fi
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
# The project's own make check with make, the shell, the compiler and every
# test program allocating from the w32mem heap: a fresh copy of this source
# tree, configured as this build was, built and checked under the shim.
# Inside it every shim test skips itself (they already ran here).
command -v make >/dev/null 2>&1 || { echo "SKIP suite: make not installed"; exit 77; }
ran=1
# This build's options, less the source directory (distcheck's is relative).
options=$("$top/config.status" --config | sed -e "s/'--srcdir=[^']*'//" -e "s/--srcdir=[^ ]*//")
cat >"$work/inner.sh" <<SH
set -e
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
mkdir build && cd build
eval "'$work/source/configure' $options --quiet"
make -s -j2
make -j2 check
SH
if make -s -C "$top" distdir distdir="$work/source" >"$work/suite.out" 2>&1 &&
   (cd "$work" && W32MEM_SHIM_INNER=1 under_shim sh inner.sh) >>"$work/suite.out" 2>&1 &&
   grep -q '^# FAIL: *0$' "$work/suite.out" && grep -q '^# ERROR: *0$' "$work/suite.out" &&
   [ "$(sed -n 's/^# PASS: *//p' "$work/suite.out")" -ge 10 ]; then
    grep -E '^# (TOTAL|PASS|SKIP)' "$work/suite.out" | sed 's/^/make check under the shim: /'
    echo "PASS make check under the shim"
else
    echo "FAIL make check under the shim"; grep -E '^(FAIL|ERROR|# )' "$work/suite.out" | head -20
    tail -20 "$work/suite.out"
    # The copy goes when this script ends: what failed, from the tests' own logs.
    grep -h -E ':[FE]:|^(FAIL|ERROR) ' "$work"/build/tests/*.log 2>/dev/null | head -20 || true
    failures=$((failures + 1))
fi ;;
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
