#!/bin/sh
# compare.sh NAME W32MEM-OUTPUT WINE-OUTPUT SRCDIR
#
# Compares the check lines of one conformance program. The reference line
# of a check is Wine's, unless NAME.windows records that Wine differs from
# Windows there:
#   # why Wine differs
#   = the line Windows prints
#   ~ the line Wine prints
# Then w32mem must print the Windows line and Wine its recorded line (so a
# Wine upgrade that fixes the difference shows up). "NAME: (absent)" stands
# for a check that the program does not print on that system. NAME.known lists w32mem
# lines that are known to differ from the reference, with the reason:
#   # why, and what it would take
#   ! the line w32mem prints
# A check is a line "what: result"; lines starting with "#" are headings.
# Prints one summary line; exits non-zero on any unexplained difference.
name=$1 ours=$2 wine=$3 srcdir=$4
overrides=$srcdir/$name.windows
known=$srcdir/$name.known
[ -f "$overrides" ] || overrides=/dev/null
[ -f "$known" ] || known=/dev/null

awk -v name="$name" -v overrides="$overrides" -v known="$known" -v wine_file="$wine" '
function key(line) { return substr(line, 1, index(line, ": ") - 1) }
function check(line) { return line !~ /^#/ && index(line, ": ") > 0 }
BEGIN {
    while ((getline line < overrides) > 0) {
        if (line ~ /^= /) windows[key(substr(line, 3))] = substr(line, 3)
        else if (line ~ /^~ /) wine_expected[key(substr(line, 3))] = substr(line, 3)
    }
    while ((getline line < known) > 0)
        if (line ~ /^! /) { known_line[substr(line, 3)] = 1; known_count++ }
    while ((getline line < wine_file) > 0) {
        if (!check(line)) continue
        k = key(line)
        if (k in seen_wine) { print name ": duplicate check name: " k; bad++ }
        seen_wine[k] = line
        order[++n] = k
    }
    for (k in windows)
        if (!(k in seen_wine)) { seen_wine[k] = k ": (absent)"; order[++n] = k }
    for (i = 1; i <= n; i++) {
        k = order[i]
        reference[k] = seen_wine[k]
        if (!(k in windows)) continue
        if (seen_wine[k] != wine_expected[k]) {
            print name ": Wine no longer prints its recorded line for \"" k "\":"
            print "  recorded: " wine_expected[k]
            print "  now:      " seen_wine[k]
            bad++
        }
        reference[k] = windows[k]
    }
}
check($0) {
    k = key($0)
    ours[k] = $0
    if (!(k in reference)) { print name ": only w32mem prints: " $0; bad++ }
}
END {
    for (i = 1; i <= n; i++) {
        k = order[i]
        line = k in ours ? ours[k] : k ": (absent)"
        checks++
        if (line == reference[k]) { matched++; windows_matched += k in windows; continue }
        if (line in known_line) { explained++; used[line] = 1; continue }
        print name ": w32mem differs from the reference:"
        print "  reference: " reference[k]
        print "  w32mem:    " line
        bad++
    }
    for (line in known_line)
        if (!(line in used)) { print name ": known difference no longer seen: " line; bad++ }
    printf "%s: %d checks, %d match the reference (%d with a recorded Windows line), %d known differences\n",
        name, checks, matched, windows_matched + 0, explained + 0
    exit bad > 0
}' "$ours"
