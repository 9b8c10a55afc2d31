#!/bin/sh
# The shared library exports the Win32 API and the CRT console helpers, and
# nothing of its internals.
lib="${top_builddir:-.}/.libs/libw32mem.so"
[ -f "$lib" ] || { echo "SKIP: $lib not built"; exit 77; }
leaked=$(nm -D --defined-only "$lib" | awk '{print $3}' |
         grep -Ev '^([A-Z][A-Za-z0-9]*|_getch|_getche|_kbhit|_putch)$' |
         grep -Ev '^(_init|_fini|_edata|_end|__bss_start)$')
# A --enable-coverage build links gcc's gcov runtime, which exports these.
if nm -D --defined-only "$lib" | grep -q ' __gcov_master$'; then
    leaked=$(printf '%s\n' "$leaked" | grep -Ev '^(__gcov_[a-z_]+|mangle_path)$' || true)
fi
if [ -n "$leaked" ]; then
    echo "internal symbols exported from $lib:"; echo "$leaked"; exit 1
fi
count=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -c '^[A-Z]')
echo "$count Win32 functions exported"
[ "$count" -gt 0 ]
