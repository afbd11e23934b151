#!/bin/sh
# A CI job for a git repository of ryax actions and workflows: lint, push,
# run. It relies only on exit codes and `-o json` (read with python3), so a
# failure stops the job with ryax's exit code:
#   2 usage, 3 not found, 5 invalid (an action, a workflow), 6 the run ended
#   in error, 7 ryaxd or the git remote unavailable, 124 timeout.
#
#   examples/ci/ryax-ci.sh WORKFLOW_FILE [NAME=VALUE...]
#
# Run it from the top of the repository, with ryax on PATH and a daemon to
# talk to (RYAX_SOCKET, or `ryax login` / --server for a remote one).
# $RYAX_CI_REPO names the registered repository (default: ci); $RYAX_CI_URL
# is the URL ryaxd fetches (default: this directory).
set -eu
workflow=$1
shift
repo=${RYAX_CI_REPO:-ci}
url=${RYAX_CI_URL:-$(pwd)}
json_field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

# 1. Before anything reaches the daemon: the actions and the workflow.
ryax -q action lint .
ryax -q workflow validate --offline "$workflow" --actions .

# 2. Register the repository once, scan it (exit 5 on an invalid action) and
#    build every action it holds.
if ! ryax -q repo show "$repo" -o json > /dev/null 2>&1; then
  ryax -q repo add "$repo" "$url"
fi
ryax repo scan "$repo" --strict -o json > scan.json
ryax action build --repo "$repo" --all --wait -o json > build.json

# 3. Push and deploy the workflow, then run it once and wait for its end.
id=$(ryax workflow push "$workflow" --deploy -o json | json_field id)
inputs=
for pair in "$@"; do
  inputs="$inputs --input $pair"
done
# shellcheck disable=SC2086 # one word per --input and NAME=VALUE
ryax run "$id" $inputs --wait -o json > run.json
echo "run of $id: $(json_field state < run.json)"
