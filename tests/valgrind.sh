#!/bin/sh
# make check-valgrind: the log compiler that runs one test program under
# valgrind memcheck.  Any invalid access, use of uninitialised memory or
# memory definitely or indirectly lost (still reachable is fine) fails the
# test; Check's forked children report through their exit status, which
# Check turns into a failed test.
#
# W32MEM_UNDER_VALGRIND tells tests/check_main.h (when valgrind.h is missing)
# to skip the few tests valgrind cannot run; each such skip says why.
# W32MEM_WRITE_WATCH=faults: valgrind 3.19 does not emulate userfaultfd's
# write protection, so write watch uses the library's fault-based fallback.
# CK_TIMEOUT_MULTIPLIER: everything runs 20-50 times slower under memcheck.
# System programs the tests start (sh, rm, sort) run natively.
case "$1" in
*/shim_*)
    # They run themselves again under LD_PRELOAD through /proc/self/exe,
    # which under valgrind is valgrind itself; tests/shim_valgrind.sh (in
    # make check) runs the shim under memcheck instead.
    echo "SKIP: the shim's own programs cannot run under valgrind"; exit 77 ;;
esac
W32MEM_UNDER_VALGRIND=1
W32MEM_WRITE_WATCH=faults
CK_TIMEOUT_MULTIPLIER=${CK_TIMEOUT_MULTIPLIER:-40}
export W32MEM_UNDER_VALGRIND W32MEM_WRITE_WATCH CK_TIMEOUT_MULTIPLIER
src=$(dirname "$0")
exec "${top_builddir:-.}/libtool" --mode=execute valgrind --quiet --error-exitcode=86 \
    --leak-check=full --show-leak-kinds=definite,indirect \
    --errors-for-leak-kinds=definite,indirect --track-origins=yes \
    --vex-iropt-register-updates=allregs-at-mem-access --vgdb=no \
    --trace-children=yes --trace-children-skip='/bin/*,/usr/bin/*,/usr/local/bin/*' \
    --suppressions="$src/valgrind.supp" "$@"
