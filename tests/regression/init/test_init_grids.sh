#!/bin/sh
# test_init_grids.sh: the init task gives the same plaquette digits and
# bit-identical link datasets at np = 1, 2, 4 and on different process
# grids, for D = 2 and D = 4 (SU(3), hot start).  Compares summary.json's
# plaquette strings and the links datasets with h5diff (exact comparison).
# TIMEOUT: 300
set -u
. "${EMF_ROOT:-$(pwd)}/tests/lib/regress.sh"
reg_init emf_init_grids

plaq() { sed -n 's/.*"plaquette": \([^,]*\),*/\1/p' "$1/summary.json" | head -n 1; }

run() {  # run NAME NP EXTENT GRID
  dir=$tmp/$1
  g=$4
  if [ "$g" = auto ]; then g=$(echo "$3" | sed 's/[0-9][0-9]*/0/g'); fi
  timeout -k 5 120 mpirun -np "$2" "$bin" --set "lattice.extent=$3" --set "lattice.grid=$g" \
    --set 'init.start="hot"' --set run.seed=4242 -o "$dir" init \
    "$root/input/su3.conf" >"$dir.log" 2>&1 || { bad "$1: exit $? ($(tail -n 2 "$dir.log"))"; return 1; }
  [ -f "$dir/ensemble.h5" ] && ok || bad "$1: no ensemble.h5"
}

compare() {  # compare REF NAME
  p1=$(plaq "$tmp/$1"); p2=$(plaq "$tmp/$2")
  [ -n "$p1" ] && [ "$p1" = "$p2" ] && ok || bad "$2: plaquette '$p2' != '$p1'"
  if h5diff "$tmp/$1/ensemble.h5" "$tmp/$2/ensemble.h5" \
       /configs/init/000000/links /configs/init/000000/links >/dev/null 2>&1; then ok
  else bad "$2: links differ from $1 (h5diff)"; fi
}

for case in "2d [8,12] 1:auto 2:auto 2:[1,2] 4:auto 4:[4,1] 4:[1,4]" \
            "4d [4,4,4,6] 1:auto 2:auto 2:[1,1,1,2] 4:auto 4:[2,1,2,1] 4:[1,1,2,2]"; do
  set -- $case
  name=$1; ext=$2; shift 2
  ref=""
  for spec in "$@"; do
    np=${spec%%:*}; grid=${spec#*:}
    tag="$name-np$np-$(echo "$grid" | tr -d '[],')"
    run "$tag" "$np" "$ext" "$grid" || continue
    if [ -z "$ref" ]; then ref=$tag; else compare "$ref" "$tag"; fi
  done
done
# the stored plaquette is verified on read by emflow-analyze --verify
"$root/bin/emflow-analyze" --verify "$tmp/4d-np1-auto/ensemble.h5" >"$tmp/verify.log" 2>&1 \
  && grep -q OK "$tmp/verify.log" && ok || bad "emflow-analyze --verify: $(cat "$tmp/verify.log")"
reg_finish test_init_grids
