#!/bin/sh
# make check: python under the LD_PRELOAD shim (see shim_programs.sh).
exec "$(dirname "$0")/shim_programs.sh" python
