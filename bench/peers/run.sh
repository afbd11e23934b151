#!/usr/bin/env bash
# ryax beside its peers on the same machine, in one go: the harness of
# ../shared/bench-peers (the floors and Celery+Redis by default; PEERS to
# change) and bench/peers/ryax_peer.sh, REPS repetitions each, then the
# harness's table of medians and ryax's ratio to each peer (ryax's time
# over the peer's: below 1, ryax is faster).
#   bench/peers/run.sh [BUILD_DIR]
#   PEERS_DIR (default ../shared/bench-peers beside the checkout), PEERS
#   (default "floors celery"), REPS (default 3). Celery and Redis are
#   installed with the harness's celery/install when missing (apt: root).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
peers_dir=${PEERS_DIR:-$root/../shared/bench-peers}
peers=${PEERS:-floors celery}
export REPS=${REPS:-3}
[ -x "$peers_dir/run-all" ] || { echo "no peer harness in $peers_dir (set PEERS_DIR)" >&2; exit 1; }
if [[ " $peers " == *" celery "* ]] && ! python3 -c 'import celery' 2>/dev/null \
   && ! /usr/bin/python3 -c 'import celery' 2>/dev/null; then
  "$peers_dir/celery/install" >/dev/null
fi
log=$(mktemp /tmp/rxpeers.XXXXXX)
trap 'rm -f "$log"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for p in $peers; do
  echo "== $p" >&2
  "$peers_dir/$p/run" | tee -a "$log"
done
echo "== ryax" >&2
"$here/ryax_peer.sh" "${1:-}" | tee -a "$log"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "machine: $(nproc) cores, $(uname -sr); REPS=$REPS"
python3 "$peers_dir/aggregate.py" "$log"
echo
python3 - "$log" <<'PY'
import statistics, sys
data = {}
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) == 4 and p[0] == "RESULT":
        data.setdefault(p[1], {}).setdefault(p[2], []).append(float(p[3]))
med = {k: {b: statistics.median(v) for b, v in d.items()} for k, d in data.items()}
for mine in ("ryax", "ryax-one-run"):
    if mine not in med:
        continue
    for peer, benches in med.items():
        if peer.startswith("ryax"):
            continue
        cells = [f"{b} {med[mine][b] / benches[b]:.2f}x" for b in ("B1", "B2", "B3")
                 if b in med[mine] and b in benches]
        if cells:
            print(f"{mine} / {peer}: " + ", ".join(cells))
PY
