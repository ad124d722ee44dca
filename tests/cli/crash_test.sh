#!/usr/bin/env bash
# Crash safety of `mtc ca serve` (docs/design.md §5, "Durability: one commit
# point"). The CA runs under concurrent `mtc ca issue` load while its
# checkpoint is fetched and saved over and over; it is killed with SIGKILL
# after a random delay (some trials also kill it while it starts and
# reconciles) and restarted, TRIALS times. Then, and after every restart for
# what the trial before saw:
#   - every certificate `mtc ca issue` returned verifies (`mtc verify`), and
#     the entry at its index in the entry bundles is the entry it commits to
#     (`mtc log verify --entry-of`);
#   - no index (serial number) was handed out twice;
#   - every checkpoint the log ever served is consistent with the current one,
#     and so with every other (`mtc log verify --consistent-with`);
#   - the log verifies as a whole, its landmarks against its checkpoint
#     (`mtc landmarks fetch`), and the CA still stops cleanly on SIGTERM.
# Certificates `mtc ca issue` returned after the kill (it then opens the
# directory itself, docs/design.md §8) are held to the same rules.
#
# Usage: crash_test.sh MTC_BINARY OPENSSL_BINARY [TRIALS] [SEED]
# SEED makes the kill delays repeatable (the scheduling is not); a failure
# prints it.
set -Eeuo pipefail
mtc="$1" openssl="$2" trials="${3:-40}" seed="${4:-$(($(date +%s%N) / 1000 % 32768))}"
RANDOM=$seed
workers=4

work=$(mktemp -d)
ca="$work/ca"
serve_pid="" serve_wrapper="" serve_log="" monitor_pid="" url="" trial=0 starts=0
issuer_pids=()
# On the way out the issuer loops and the monitor see the stop and done
# files and end after their current request (each `mtc ca issue` is bounded
# by timeout).
cleanup() {
  trap - ERR
  touch "$work/stop" "$work/done"
  # While its wrapper lives, the CA is not yet reaped: its PID is still its.
  [ -n "$serve_wrapper" ] && kill -0 "$serve_wrapper" 2>/dev/null &&
    kill -9 "$serve_pid" 2>/dev/null
  wait 2>/dev/null
  [ -n "${MTC_KEEP_WORK:-}" ] && echo "kept $work" >&2 || rm -rf "$work"
}
trap cleanup EXIT
trap 'fail "command failed at line $LINENO"' ERR
fail() {
  echo "FAIL (seed $seed, trial $trial): $*" >&2
  if [ -n "$serve_log" ] && [ -f "$serve_log" ]; then
    echo "--- $serve_log" >&2
    tail -n 20 "$serve_log" >&2
  fi
  [ -s "$work/issue.err" ] && { echo "--- mtc ca issue errors (last 10)" >&2; tail -n 10 "$work/issue.err" >&2; }
  exit 1
}

# Sleeps $1 milliseconds.
sleep_ms() { sleep "$(($1 / 1000)).$(printf '%03d' $(($1 % 1000)))"; }

# Every listener on a free port: other tests run at the same time.
"$mtc" ca init --dir "$ca" --log-listen 127.0.0.1:0 --acme-listen 127.0.0.1:0 \
  --checkpoint-period 50ms --landmark-interval 2s --max-cert-lifetime 1h \
  >/dev/null || fail "ca init"
mkdir -p "$work/certs" "$work/checkpoints"
# One key and request per issuer, so that their entries differ.
for w in $(seq 1 $workers); do
  "$openssl" req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$work/key$w.pem" -subj "/CN=w$w.example" \
    -addext "subjectAltName=DNS:w$w.example" -out "$work/req$w.pem" 2>/dev/null ||
    fail "openssl req"
done

# Starts `mtc ca serve` in a wrapper that waits for it (so that bash does
# not report its death on stderr) and writes its exit status to
# $work/serve.status.
start_serve() {
  starts=$((starts + 1))
  serve_log="$work/serve-$starts.log"
  rm -f "$work/serve.pid" "$work/serve.status"
  (
    "$mtc" ca serve --dir "$ca" >"$serve_log" 2>&1 &
    echo $! >"$work/serve.pid.tmp" && mv "$work/serve.pid.tmp" "$work/serve.pid"
    rc=0
    wait $! 2>/dev/null || rc=$?
    echo $rc >"$work/serve.status"
  ) &
  serve_wrapper=$!
  for _ in $(seq 1 500); do [ -e "$work/serve.pid" ] && break; sleep 0.002; done
  serve_pid=$(cat "$work/serve.pid")
}

# Waits until the CA prints its log URL; a CA that exits or stays silent
# refused to restart.
wait_ready() {
  url=""
  for _ in $(seq 1 500); do
    url=$(sed -n 's/^log 1: //p' "$serve_log" 2>/dev/null || true)
    [ -n "$url" ] && return 0
    kill -0 "$serve_pid" 2>/dev/null || fail "ca serve exited while starting"
    sleep 0.02
  done
  fail "ca serve printed no 'log 1: URL' line within 10 s"
}

# SIGKILL, sent by the monitor at the moment $1 (see crash_test_monitor.py),
# which also reports where the kill left the commit protocol. The CA must
# have been running until then (exit status 128 + 9). request_kill returns
# once the monitor watches for the moment.
request_kill() {
  rm -f "$work/killed-state" "$work/armed"
  echo "$1" >"$work/kill.tmp" && mv "$work/kill.tmp" "$work/kill"
  for _ in $(seq 1 500); do [ -e "$work/armed" ] && break; sleep 0.002; done
  [ -e "$work/armed" ] || fail "the monitor did not take the kill request"
}
last_kill=""
await_kill() {
  # The monitor reports once the CA has exited.
  for _ in $(seq 1 500); do [ -e "$work/killed-state" ] && break; sleep 0.01; done
  [ -e "$work/killed-state" ] || fail "the monitor did not report on the kill"
  wait "$serve_wrapper"
  serve_wrapper="" serve_pid=""
  local rc
  rc=$(cat "$work/serve.status")
  [ "$rc" = 137 ] || fail "ca serve exited with status $rc before it was killed"
  last_kill=$(cat "$work/killed-state")
  case "${last_kill#* }" in
    staging | staged | committed | published | busy)
      echo "$last_kill" >>"$work/kills" ;;
    *) fail "the monitor's kill: $last_kill" ;;
  esac
}
kill_serve() {
  request_kill "$1"
  await_kill
}
# The monitor keeps the CA directory's lock after a kill that left the
# checkpoint behind the head; the next start needs it.
release_lock() {
  rm -f "$work/released"
  touch "$work/release"
  for _ in $(seq 1 500); do [ -e "$work/released" ] && break; sleep 0.002; done
  [ -e "$work/released" ] || fail "the monitor did not release the lock"
}

# Issuer $1 of trial $2: `mtc ca issue` in a loop until $work/stop exists.
# Each certificate returned is listed in $work/returned-t$2, with "before" or
# "after" the kill.
issuer() {
  local k=0 out when
  while [ ! -e "$work/stop" ]; do
    k=$((k + 1))
    out="$work/certs/t$2-w$1-$k"
    if timeout 30 "$mtc" ca issue --dir "$ca" --csr "$work/req$1.pem" \
      --out "$out" >/dev/null 2>>"$work/issue.err"; then
      when=before
      [ -e "$work/killed" ] && when=after
      echo "$out $when" >>"$work/returned-t$2"
    fi
  done
}

# `mtc log verify` of the running CA's log with the checkpoints and
# certificates of trials matching $1 (a glob: "t7" or "t*").
check_log() {
  local args=() f line
  for f in "$work"/checkpoints/$1-*; do
    [ -e "$f" ] && args+=(--consistent-with "$f")
  done
  for f in "$work"/returned-$1; do
    [ -e "$f" ] || continue
    while read -r line; do args+=(--entry-of "${line%% *}/cert.pem"); done <"$f"
  done
  "$mtc" log verify --url "$url" --ca-cert "$ca/ca-cert.pem" "${args[@]}" \
    >"$work/verify.txt" 2>&1 || { cat "$work/verify.txt" >&2; fail "log verify ($1)"; }
}

# Saves the checkpoints, kills the CA and inspects what the kill left.
python3 "$(dirname "$0")/crash_test_monitor.py" "$work" "$ca" &
monitor_pid=$!
for _ in $(seq 1 500); do [ -e "$work/monitoring" ] && break; sleep 0.02; done
[ -e "$work/monitoring" ] || fail "the monitor did not start"

begin=$(date +%s)
early_kills=0
for trial in $(seq 1 "$trials"); do
  release_lock
  # A kill after the commit point leaves the checkpoint behind the head:
  # kill the restart as it republishes it. Otherwise, one trial in three
  # first kills the CA while it starts: loading, opening the state store,
  # reconciling the tiles and checkpoint with the head.
  if [ "${last_kill#* }" = committed ] && [ "${last_kill% *}" != reconciling ]; then
    request_kill reconciling
    start_serve
    await_kill
    early_kills=$((early_kills + 1))
    release_lock
  elif [ $((RANDOM % 3)) = 0 ]; then
    start_serve
    sleep_ms $((RANDOM % 40))
    kill_serve starting
    early_kills=$((early_kills + 1))
  fi
  start_serve
  wait_ready
  # What the previous trial saw holds after this restart.
  [ "$trial" -gt 1 ] && check_log "t$((trial - 1))"

  rm -f "$work/stop" "$work/killed"
  echo "$trial" >"$work/trial.tmp" && mv "$work/trial.tmp" "$work/trial"
  echo "$url" >"$work/url.tmp" && mv "$work/url.tmp" "$work/url"
  issuer_pids=()
  for w in $(seq 1 $workers); do
    issuer "$w" "$trial" &
    issuer_pids+=($!)
  done
  # Sometimes at the first commits, mostly after a few; at once, or at a
  # moment of the commit protocol (crash_test_monitor.py).
  case $((RANDOM % 4)) in
    0) delay=$((RANDOM % 100)) ;;
    *) delay=$((100 + RANDOM % 1000)) ;;
  esac
  sleep_ms "$delay"
  modes=(now staging staged committed published)
  kill_serve "${modes[$((RANDOM % 5))]}"
  touch "$work/killed" "$work/stop"
  rm -f "$work/url"
  for p in "${issuer_pids[@]}"; do wait "$p" || fail "issuer loop failed"; done
  issuer_pids=()
  [ $(($(date +%s) - begin)) -lt 150 ] || fail "trials take too long"
done
trial=final
release_lock
touch "$work/done"
wait "$monitor_pid" || fail "the monitor failed"
monitor_pid=""

start_serve
wait_ready
cat "$work"/returned-t* >"$work/returned" 2>/dev/null || true
returned=$(wc -l <"$work/returned")
after=$(grep -c ' after$' "$work/returned" || true)
saved=$(find "$work/checkpoints" -name 't*-[0-9]*' | wc -l)
[ "$returned" -gt 0 ] || fail "no certificate was issued"
[ "$saved" -gt 0 ] || fail "no checkpoint was fetched"

# Every returned certificate verifies; its serial's index was handed out once.
cut -d' ' -f1 "$work/returned" | sed 's|$|/cert.pem|' |
  xargs -P 2 -n 1 "$mtc" verify --ca-cert "$ca/ca-cert.pem" >"$work/verified.txt" ||
  fail "a returned certificate does not verify: $(grep -v ': OK:' "$work/verified.txt" | head -3)"
[ "$(grep -c ': OK: log 1 index ' "$work/verified.txt")" = "$returned" ] ||
  fail "not every returned certificate verified"
dups=$(sed -n 's/.*: OK: log 1 index \([0-9]*\),.*/\1/p' "$work/verified.txt" | sort -n | uniq -d)
[ -z "$dups" ] || fail "indices handed out twice: $(echo $dups)"

# Every checkpoint ever served is consistent with the final one, every
# returned certificate's entry is in the tiles at its index, and the log
# verifies as a whole.
check_log "t*"
grep -q "consistent with $saved earlier checkpoints" "$work/verify.txt" ||
  fail "not all $saved checkpoints were checked: $(cat "$work/verify.txt")"
grep -q "certificates:   $returned whose entries are in the log" "$work/verify.txt" ||
  fail "not all $returned certificates were found: $(cat "$work/verify.txt")"
size=$(sed -n 's/^  tree size: *//p' "$work/verify.txt")

# The landmarks the CA allocated across the restarts agree with the log.
"$mtc" landmarks fetch --url "$url" --ca-cert "$ca/ca-cert.pem" \
  --out "$work/subtrees" >/dev/null || fail "landmarks fetch"

kill -TERM "$serve_pid"
wait "$serve_wrapper"
serve_wrapper="" serve_pid=""
rc=$(cat "$work/serve.status")
[ "$rc" = 0 ] || fail "ca serve exited with status $rc on SIGTERM"

# Temporary files of writes the kills interrupted (DirectoryTileStore names
# them .<name>.tmp-XXXXXX); nothing removes them.
leftovers=$(find "$ca/logs" -name '.*.tmp-*' | wc -l)
echo "crash checks passed (seed $seed) in $(($(date +%s) - begin)) s: $trials" \
  "trials, $early_kills more kills while starting; $returned certificates" \
  "($after returned after the kill), $saved checkpoints consistent, tree size" \
  "$size ($((size - returned)) entries without a returned certificate)," \
  "$leftovers temporary files left. Kills by moment aimed at (rows) and state" \
  "left (columns):"
printf '%11s' ''
for state in staging staged committed published busy; do
  printf ' %10s' "$state"
done
echo
for mode in starting reconciling now staging staged committed published; do
  printf '%-11s' "$mode"
  for state in staging staged committed published busy; do
    printf ' %10s' "$(grep -c "^$mode $state\$" "$work/kills" || true)"
  done
  echo
done
