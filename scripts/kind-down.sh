#!/usr/bin/env bash
# Deletes the kind cluster that scripts/kind-up.sh created (and everything in it).
set -euo pipefail
cluster="${PARLEY_KIND_CLUSTER:-parley}"
if kind get clusters 2>/dev/null | grep -qx "$cluster"; then
  kind delete cluster --name "$cluster"
else
  echo "kind-down: no kind cluster named ${cluster}"
fi
