#!/usr/bin/env bash
# Builds one image per Parley function from the one Dockerfile: <prefix>/<function>:<tag>.
#   scripts/build-images.sh                      parley/<function>:dev, every function
#   scripts/build-images.sh dialogue-start       just that one
#   PARLEY_IMAGE_PREFIX=ghcr.io/parley-game PARLEY_IMAGE_TAG=0.1.0 scripts/build-images.sh --push
# The functions are the keys of deploy/functions.json (the same list compose and knative/ use).
set -euo pipefail
cd "$(dirname "$0")/.."

prefix="${PARLEY_IMAGE_PREFIX:-parley}"
tag="${PARLEY_IMAGE_TAG:-dev}"
docker="${DOCKER:-docker}"
push=false
only=()
for arg in "$@"; do
  case "$arg" in
    --push) push=true ;;
    -h | --help) sed -n '2,6p' "$0"; exit 0 ;;
    *) only+=("$arg") ;;
  esac
done

mapfile -t all < <(node -e 'for (const f of Object.keys(require("./deploy/functions.json").functions)) console.log(f)')
if ((${#only[@]} == 0)); then only=("${all[@]}"); fi

for fn in "${only[@]}"; do
  if [[ ! " ${all[*]} " =~ [[:space:]]${fn}[[:space:]] ]]; then
    echo "build-images: unknown function '${fn}' (known: ${all[*]})" >&2
    exit 2
  fi
  image="${prefix}/${fn}:${tag}"
  echo "build-images: ${image}"
  "$docker" build --build-arg "FUNCTION=${fn}" --tag "${image}" .
  if [[ "$push" == true ]]; then "$docker" push "${image}"; fi
done
