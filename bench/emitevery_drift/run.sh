#!/usr/bin/env bash
# emitevery drift: a workflow triggered by `emitevery` every PERIOD seconds
# (one fibo(1) step), deployed for DURATION seconds; each run's creation
# time is compared with its ideal tick (the first run's creation + n *
# PERIOD). Prints the largest lateness, the last tick's lateness (the drift
# accumulated over DURATION) and the count of runs against the ticks due.
# Long form (the issue's figure): 600 s at 1 s; short form: 30 s.
#   bench/emitevery_drift/run.sh [BUILD_DIR] [DURATION] [PERIOD]
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
duration=${2:-600}
period=${3:-1}
bench_init "${1:-}" ryax ryaxd ryax-wrapper
bench_fibo_repo "$tmp/actions"
cat > "$tmp/tick.yaml" <<YAML
apiVersion: ryax.tech/v2.0
kind: Workflow
spec:
  id: tick
  trigger: {id: start, from: emitevery, inputs_values: {seconds: $period}}
  actions:
  - {id: fibo, from: fibo, inputs_values: {n: 1}}
YAML
ryax daemon start -q >/dev/null
bench_deploy "$tmp/tick.yaml"
sleep "$duration"
ryax -q workflow undeploy tick >/dev/null
ryax runs list --workflow tick --limit 1000000 -o json | python3 -c "
import json, sys
created = sorted(r['created_ms'] for r in json.load(sys.stdin))
period_ms = float('$period') * 1000
late = [c - (created[0] + i * period_ms) for i, c in enumerate(created)]
print(f'emitevery every {float(\"$period\")} s for $duration s: {len(created)} runs '
      f'(ticks due: {int(float(\"$duration\") * 1000 // period_ms) + 1}); '
      f'lateness max {max(late):.0f} ms, min {min(late):.0f} ms, '
      f'last tick {late[-1]:.0f} ms')
"
