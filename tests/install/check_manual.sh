#!/bin/sh
# shmsim(3) documents every public function (issue 17): each function
# the headers declare has its .Fn entry in the SYNOPSIS.
#
# usage: check_manual.sh SHMSIM_3 HEADER...
set -eu
man=$1
shift
fail=0
n=0
for f in $(sed -n 's/^SHMSIM_EXTERN[^(]*[ *]\(shmsim_[a-z0-9_]*\)(.*/\1/p' "$@"); do
	n=$((n + 1))
	grep -q "^\.Fn $f\( \|$\)" "$man" || { echo "shmsim.3 lacks $f"; fail=1; }
done
echo "shmsim.3: $n functions checked"
exit $fail
