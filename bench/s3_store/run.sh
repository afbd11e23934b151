#!/usr/bin/env bash
# A 1 GB file through the S3 run file store vs. plain curl, against the same
# s3rver on 127.0.0.1 (scripts/install-deps installs it under .test-tools/).
# Each of RUNS rounds times, from the program's start to its exit:
#   - store put: ryax_bench_s3 put (hash and copy into a fresh local tier,
#     HEAD, multipart upload in 16 MiB parts), under a new name each round;
#   - store get: ryax_bench_s3 get into a fresh, empty local tier (download
#     to a temp file, SHA-256 check, rename, copy out to the destination);
#   - curl put / curl get: one signed PUT and GET of the same file
#     (--aws-sigv4, UNSIGNED-PAYLOAD), no hashing, no local tier.
# Prints the median of each in ms and MB/s. Not part of the test suite.
#   bench/s3_store/run.sh [BUILD_DIR] [RUNS] [SIZE_MB]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
runs=${2:-3}
size_mb=${3:-1024}
bench_init "${1:-}" ryax_bench_s3

s3rver=$bench_root/.test-tools/node_modules/.bin/s3rver
[ -x "$s3rver" ] || { echo "s3rver is missing: run scripts/install-deps" >&2; exit 1; }
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$tmp/s3"
node "$s3rver" -d "$tmp/s3" -a 127.0.0.1 -p "$port" --silent >"$tmp/s3rver.log" 2>&1 &
s3pid=$!
trap 'kill $s3pid 2>/dev/null || true; "$build/ryax" -q daemon stop >/dev/null 2>&1 || true; rm -rf "$tmp"' EXIT
endpoint=http://127.0.0.1:$port
for _ in $(seq 1 100); do
  curl -s -o /dev/null "$endpoint" && break
  sleep 0.1
done
export RYAX_S3_SECRET_KEY=S3RVER
sig=(--aws-sigv4 "aws:amz:us-east-1:s3" -u S3RVER:S3RVER -H 'x-amz-content-sha256: UNSIGNED-PAYLOAD' -s -f)

head -c "$((size_mb * 1024 * 1024))" /dev/urandom >"$tmp/big.bin"
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

store_put=() store_get=() curl_put=() curl_get=()
curl "${sig[@]}" -X PUT "$endpoint/curl-bucket" >/dev/null
for r in $(seq 1 "$runs"); do
  # A new content each round: the store would skip an object already there.
  printf 'round %s' "$r" | dd of="$tmp/big.bin" conv=notrunc status=none
  t0=$(now_ms)
  read -r key _ < <("$build/ryax_bench_s3" put "$endpoint" store-bucket "$tmp/put-$r" "$tmp/big.bin")
  store_put+=("$(( $(now_ms) - t0 ))")
  rm -rf "$tmp/put-$r"
  mkdir -p "$tmp/out-$r"
  t0=$(now_ms)
  "$build/ryax_bench_s3" get "$endpoint" store-bucket "$tmp/get-$r" "$key" "$tmp/out-$r" >/dev/null
  store_get+=("$(( $(now_ms) - t0 ))")
  cmp -s "$tmp/big.bin" "$tmp/out-$r/big.bin" || { echo "store get: wrong bytes" >&2; exit 1; }
  rm -rf "$tmp/get-$r" "$tmp/out-$r"

  t0=$(now_ms)
  curl "${sig[@]}" -T "$tmp/big.bin" "$endpoint/curl-bucket/big-$r.bin" >/dev/null
  curl_put+=("$(( $(now_ms) - t0 ))")
  t0=$(now_ms)
  curl "${sig[@]}" -o "$tmp/curl-out" "$endpoint/curl-bucket/big-$r.bin"
  curl_get+=("$(( $(now_ms) - t0 ))")
  cmp -s "$tmp/big.bin" "$tmp/curl-out" || { echo "curl get: wrong bytes" >&2; exit 1; }
  rm -f "$tmp/curl-out"
done

report() { # report LABEL TIMES...
  local label=$1; shift
  local m; m=$(median "$@")
  printf '%-10s median %6s ms  %6s MB/s  runs (ms): %s\n' "$label" "$m" \
    "$(( size_mb * 1000 / (m > 0 ? m : 1) ))" "$*"
}
echo "file: $size_mb MiB, $runs runs"
report "store put" "${store_put[@]}"
report "store get" "${store_get[@]}"
report "curl put" "${curl_put[@]}"
report "curl get" "${curl_get[@]}"
