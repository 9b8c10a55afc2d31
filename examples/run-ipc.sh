#!/bin/sh
# Runs lesson 10's WinMap and WinRead as two processes: WinMap writes a
# message through a named mapping of C:\tmp\map.dat and waits for a key;
# WinRead, a separate process, opens the mapping by name and prints the
# message; then WinMap gets its key and exits, leaving nothing behind.
# Drive C: is mapped to a scratch directory (W32MEM_DRIVES, see lib/path.h).
set -e
examples=${1:-$(dirname "$0")}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir "$scratch/tmp"
W32MEM_DRIVES="C=$scratch"; export W32MEM_DRIVES
fifo="$scratch/key"
mkfifo "$fifo"
"$examples/WinMap" <"$fifo" >"$scratch/winmap.out" &
winmap=$!
exec 3>"$fifo"
# WinMap is ready once it has said what it wrote.
tries=0
until grep -q 'Press any key' "$scratch/winmap.out"; do
    tries=$((tries + 1)); [ $tries -lt 100 ] || { echo "WinMap did not start"; exit 1; }
    sleep 0.05
done
cat "$scratch/winmap.out"
"$examples/WinRead" | tee "$scratch/winread.out"
printf 'x' >&3
exec 3>&-
wait $winmap
grep -q 'Hello File Mapping!' "$scratch/winread.out"
echo "The message crossed from WinMap (pid $winmap) to WinRead."
