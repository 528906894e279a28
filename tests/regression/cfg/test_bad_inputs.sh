#!/bin/sh
# test_bad_inputs.sh: bad input gets a clear message, the documented exit
# code, and leaves nothing written.
#
# TIMEOUT: 300
#
# Corpus: tests/regression/cfg/bad/*.conf.  Each file starts with
#   # expect: TEXT      substring of the message (@FILE@ = the config path)
#   # args: ARGS        optional extra arguments (shell words, before CONFIG)
#   # code: N           optional exit code (default 2 = EMF_EXIT_CONFIG)
# Each case runs  $EMF_BIN ARGS -o FRESHDIR CONFIG  and must exit with the
# code, print the text, and leave FRESHDIR non-existent.  Then: cases
# without a file (missing, directory, empty, unreadable, usage errors, an
# unwritable -o), tasks not built in, one bad config under mpirun -np 2
# (every rank exits cleanly with the same code, one message), and the good
# paths (--help, --version, --check and its round trip, a real run whose
# summary.json is valid JSON).
set -u
. "${EMF_ROOT:-$(pwd)}/tests/lib/regress.sh"
reg_init emf_bad

# expect_run NAME CODE TEXT OUTDIR -- CMD...: run CMD, check code, text, and
# that OUTDIR does not exist afterwards.
expect_run() {
  name=$1; code=$2; text=$3; outdir=$4; shift 5
  log="$tmp/log.$name"
  "$@" >"$log" 2>&1 </dev/null
  rc=$?
  if [ "$rc" -eq "$code" ]; then ok "$name: exit $rc"
  else bad "$name: exit $rc, expected $code"; sed 's/^/     | /' "$log" | head -n 5; fi
  if grep -qF -- "$text" "$log"; then ok "$name: message"
  else bad "$name: message lacks '$text'"; sed 's/^/     | /' "$log" | head -n 5; fi
  if [ -n "$outdir" ] && [ -e "$outdir" ]; then bad "$name: $outdir was created"
  else ok "$name: nothing written"; fi
}

[ -x "$bin" ] || { echo "FAIL: $bin not built"; echo "0 passed, 1 failed"; exit 1; }

# --- corpus ---------------------------------------------------------------
n=0
for f in tests/regression/cfg/bad/*.conf; do
  name=$(basename "$f" .conf)
  text=$(sed -n '1,5s/^# expect: //p' "$f" | head -n 1)
  args=$(sed -n '1,5s/^# args: //p' "$f" | head -n 1)
  code=$(sed -n '1,5s/^# code: //p' "$f" | head -n 1)
  [ -n "$code" ] || code=2
  if [ -z "$text" ]; then bad "$name: no '# expect:' line"; continue; fi
  text=$(printf '%s' "$text" | sed "s|@FILE@|$f|g")
  out="$tmp/out.$name"
  eval "set -- $args"
  expect_run "$name" "$code" "$text" "$out" -- "$bin" "$@" -o "$out" "$f"
  n=$((n + 1))
done
[ "$n" -ge 20 ] && ok "corpus has $n cases" || bad "corpus has only $n cases"

# --- cases without a corpus file -------------------------------------------
good=input/su2.conf
expect_run missing_file 2 "$tmp/nonexistent.conf: cannot read the configuration file: No such file or directory" \
  "$tmp/o1" -- "$bin" -o "$tmp/o1" "$tmp/nonexistent.conf"
mkdir "$tmp/adir.conf"
expect_run directory 2 "$tmp/adir.conf: cannot read the configuration file: it is a directory" \
  "$tmp/o2" -- "$bin" -o "$tmp/o2" "$tmp/adir.conf"
: >"$tmp/empty.conf"
expect_run empty_file 2 "$tmp/empty.conf: lattice.N: required key is missing" \
  "$tmp/o3" -- "$bin" -o "$tmp/o3" "$tmp/empty.conf"
printf 'lattice = { N = 2; extent = [4, 4]; };\000junk' >"$tmp/nul.conf"
expect_run nul_byte 2 "$tmp/nul.conf: not a text file" \
  "$tmp/o4" -- "$bin" -o "$tmp/o4" "$tmp/nul.conf"
cp "$good" "$tmp/unreadable.conf"; chmod 000 "$tmp/unreadable.conf"
if cat "$tmp/unreadable.conf" >/dev/null 2>&1; then
  ok "unreadable: skipped (running as root, permissions do not apply)"
else
  expect_run unreadable 2 "$tmp/unreadable.conf: cannot read the configuration file: Permission denied" \
    "$tmp/o5" -- "$bin" -o "$tmp/o5" "$tmp/unreadable.conf"
fi
expect_run grid_vs_ranks 2 "$good: lattice.extent, lattice.grid:" "$tmp/o6" -- \
  "$bin" --set 'lattice.grid=[2,1]' -o "$tmp/o6" "$good"
expect_run missing_config 1 "missing the CONFIG argument" "" -- "$bin" --check
expect_run set_without_arg 1 "option --set needs an argument" "" -- "$bin" "$good" --set
expect_run o_without_arg 1 "option -o needs an argument" "" -- "$bin" "$good" -o
expect_run too_many_args 1 "too many arguments" "" -- "$bin" init "$good" "$good"
expect_run usage_hint 1 "Try 'emflow-lqft --help'" "" -- "$bin" --nope "$good"
: >"$tmp/plainfile"
expect_run outdir_unwritable 5 "cannot create the output directory $tmp/plainfile/sub" \
  "" -- "$bin" -o "$tmp/plainfile/sub/run" "$good"
[ -e "$tmp/plainfile/sub" ] && bad "outdir_unwritable: created something" || ok "outdir_unwritable: nothing created"

# tasks that are not built in are refused at validation (exit 2)
for t in init hmc train sample compare exact; do
  "$bin" --check "$t" "$good" >"$tmp/log.task_$t" 2>&1
  rc=$?
  if [ $rc -eq 0 ]; then ok "task $t: available"
  elif [ $rc -eq 2 ] && grep -qF "TASK argument '$t': run.tasks: task '$t' is not available in this build" "$tmp/log.task_$t"; then
    ok "task $t: refused as not available"
  else bad "task $t: exit $rc"; sed 's/^/     | /' "$tmp/log.task_$t" | head -n 3; fi
done

# --- np = 2: all ranks exit cleanly with the same code, one message ---------
if command -v mpirun >/dev/null 2>&1; then
  log="$tmp/log.np2"
  timeout -k 10 120 mpirun -np 2 "$bin" --set action.beta=-1 -o "$tmp/np2" "$good" >"$log" 2>&1 </dev/null
  rc=$?
  [ $rc -eq 2 ] && ok "np=2: exit 2" || { bad "np=2: exit $rc, expected 2"; sed 's/^/     | /' "$log" | head -n 8; }
  c=$(grep -c -- "--set action.beta: action.beta = -1: must be > 0" "$log")
  [ "$c" -eq 1 ] && ok "np=2: one message" || bad "np=2: message printed $c times"
  grep -q "MPI_ABORT\|Signal\|core dumped" "$log" && bad "np=2: abort or signal" || ok "np=2: clean exit"
  [ -e "$tmp/np2" ] && bad "np=2: output written" || ok "np=2: nothing written"
fi

# --- good paths -------------------------------------------------------------
expect_run help 0 "usage: emflow-lqft" "" -- "$bin" --help
expect_run version 0 "emflow-lqft $(cat VERSION)" "" -- "$bin" --version
expect_run check 0 "is valid" "$tmp/chk" -- "$bin" --check -o "$tmp/chk" "$good"
"$bin" --check --set action.beta=2.5 "$good" >"$tmp/c1.conf" 2>&1
"$bin" --check "$tmp/c1.conf" >"$tmp/c2.conf" 2>&1
rc=$?
if [ $rc -eq 0 ] && [ "$(sed 1d "$tmp/c1.conf")" = "$(sed 1d "$tmp/c2.conf")" ] &&
   grep -q "beta = 2.5;" "$tmp/c2.conf"; then ok "--check output reads back to itself"
else bad "--check round trip (exit $rc)"; diff "$tmp/c1.conf" "$tmp/c2.conf" | head -n 5; fi
log="$tmp/log.run"
# every task of the template, shortened (the full job is `make run`)
"$bin" --set train.steps=2 --set train.batch=4 --set sample.n=64 --set sample.ref_n=4 \
  --set hmc.trajectories=20 --set hmc.thermalization=2 -o "$tmp/run" "$good" >"$log" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "good run: exit 0" || { bad "good run: exit $rc"; sed 's/^/     | /' "$log" | head -n 8; }
for f in summary.json parameters.conf emflow-lqft.log; do
  [ -f "$tmp/run/$f" ] && ok "good run: $f" || bad "good run: no $f"
done
ls "$tmp/run" | grep -q '\.tmp$' && bad "good run: temporary file left" || ok "good run: no temporary left"
if /usr/bin/python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); r=d["run"]; assert r["status"]=="completed" and r["ranks"]==1 and r["tasks"] and all(t in d for t in r["tasks"]), d' \
   "$tmp/run/summary.json" >"$tmp/log.json" 2>&1; then ok "good run: summary.json is valid JSON"
else bad "good run: summary.json"; sed 's/^/     | /' "$tmp/log.json" | head -n 5; fi
"$bin" --check "$tmp/run/parameters.conf" >/dev/null 2>&1 && ok "parameters.conf is a valid config" ||
  bad "parameters.conf does not validate"

reg_finish test_bad_inputs
