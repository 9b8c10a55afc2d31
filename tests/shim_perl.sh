#!/bin/sh
# make check: perl under the LD_PRELOAD shim (see shim_programs.sh).
exec "$(dirname "$0")/shim_programs.sh" perl
