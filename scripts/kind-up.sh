#!/usr/bin/env bash
# Parley on a local kind cluster, end to end:
#   1. a kind cluster whose node port 30080 (the gateway) is this machine's port $PARLEY_PORT;
#   2. pinned cert-manager, Knative Serving + Kourier, Knative Eventing, the RabbitMQ cluster and
#      messaging-topology operators, and eventing-rabbitmq (the RabbitMQ Broker);
#   3. the six function images, built (scripts/build-images.sh) and loaded into the node;
#   4. the Secret parley-secrets, then knative/overlays/dev, then a wait for every part to be ready;
#   5. a smoke dialogue through the gateway: characters, start, a message (JSON and SSE), end, analytics.
# Needs docker, kind (v0.30+), kubectl, node, curl, openssl. Re-running it is safe. scripts/kind-down.sh
# deletes the cluster.
set -euo pipefail
cd "$(dirname "$0")/.."

# ---- pinned versions (docs/deploy.md lists what a cluster needs) ----
KIND_NODE_IMAGE="kindest/node:v1.34.0"
CERT_MANAGER_VERSION="v1.18.2"
KNATIVE_SERVING_VERSION="knative-v1.23.0"
KNATIVE_KOURIER_VERSION="knative-v1.23.0"
KNATIVE_EVENTING_VERSION="knative-v1.22.2"
RABBITMQ_CLUSTER_OPERATOR_VERSION="v2.22.3"
RABBITMQ_TOPOLOGY_OPERATOR_VERSION="v1.17.4"
EVENTING_RABBITMQ_VERSION="knative-v1.22.1"

CLUSTER="${PARLEY_KIND_CLUSTER:-parley}"
PORT="${PARLEY_PORT:-8080}"
NAMESPACE="parley"
# knative/overlays/dev names the images kind.local/parley/<function>:dev; kind.local/ is in Knative's
# registries-skipping-tag-resolving, so Knative uses the loaded image without asking a registry.
IMAGE_PREFIX="kind.local/parley"
IMAGE_TAG="dev"
GATEWAY="http://127.0.0.1:${PORT}"

usage() {
  cat <<USAGE
Usage: scripts/kind-up.sh [--help]

Creates (or reuses) the kind cluster \$PARLEY_KIND_CLUSTER (default parley), installs the pinned Knative,
RabbitMQ and cert-manager releases, builds and loads the six function images, creates the Secret
parley-secrets, applies knative/overlays/dev, waits until everything is ready and plays a smoke
dialogue through the gateway at http://127.0.0.1:\$PARLEY_PORT (default 8080).

Needs: docker, kind (v0.30+), kubectl, node, curl, openssl.
Environment: PARLEY_PORT, PARLEY_KIND_CLUSTER, OPENAI_API_KEY (copied into parley-secrets when set).
Re-running it is safe; scripts/kind-down.sh deletes the cluster.
USAGE
}
case "${1:-}" in
  -h | --help) usage; exit 0 ;;
  '') ;;
  *) echo "kind-up: unknown argument $1" >&2; usage >&2; exit 2 ;;
esac

log() { printf '\n==> %s\n' "$*"; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "kind-up: $1 is required" >&2; exit 1; }; }
for tool in docker kind kubectl node curl openssl; do need "$tool"; done

gh_release() { # repo, version, file
  printf 'https://github.com/%s/releases/download/%s/%s' "$1" "$2" "$3"
}
wait_deployments() { # namespace
  kubectl wait deployment --all --namespace "$1" --for=condition=Available --timeout=300s
}

# ---- 1. cluster ----
if kind get clusters 2>/dev/null | grep -qx "$CLUSTER"; then
  log "kind cluster ${CLUSTER} exists; reusing it"
else
  log "creating kind cluster ${CLUSTER} (gateway on ${GATEWAY})"
  kind create cluster --name "$CLUSTER" --image "$KIND_NODE_IMAGE" --wait 120s --config - <<KIND
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
    extraPortMappings:
      - containerPort: 30080
        hostPort: ${PORT}
        listenAddress: "127.0.0.1"
KIND
fi
kubectl config use-context "kind-${CLUSTER}" >/dev/null

# ---- 2. platform ----
log "cert-manager ${CERT_MANAGER_VERSION}"
kubectl apply -f "$(gh_release cert-manager/cert-manager "$CERT_MANAGER_VERSION" cert-manager.yaml)"
wait_deployments cert-manager

log "Knative Serving ${KNATIVE_SERVING_VERSION} with Kourier ${KNATIVE_KOURIER_VERSION}"
kubectl apply -f "$(gh_release knative/serving "$KNATIVE_SERVING_VERSION" serving-crds.yaml)"
kubectl apply -f "$(gh_release knative/serving "$KNATIVE_SERVING_VERSION" serving-core.yaml)"
kubectl apply -f "$(gh_release knative/net-kourier "$KNATIVE_KOURIER_VERSION" kourier.yaml)"
kubectl patch configmap/config-network --namespace knative-serving --type merge \
  --patch '{"data":{"ingress-class":"kourier.ingress.networking.knative.dev"}}'
wait_deployments knative-serving
wait_deployments kourier-system

log "Knative Eventing ${KNATIVE_EVENTING_VERSION}"
kubectl apply -f "$(gh_release knative/eventing "$KNATIVE_EVENTING_VERSION" eventing-crds.yaml)"
kubectl apply -f "$(gh_release knative/eventing "$KNATIVE_EVENTING_VERSION" eventing-core.yaml)"
wait_deployments knative-eventing

log "RabbitMQ cluster operator ${RABBITMQ_CLUSTER_OPERATOR_VERSION}, topology operator ${RABBITMQ_TOPOLOGY_OPERATOR_VERSION}"
kubectl apply -f "$(gh_release rabbitmq/cluster-operator "$RABBITMQ_CLUSTER_OPERATOR_VERSION" cluster-operator.yml)"
kubectl apply -f "$(gh_release rabbitmq/messaging-topology-operator "$RABBITMQ_TOPOLOGY_OPERATOR_VERSION" messaging-topology-operator-with-certmanager.yaml)"
wait_deployments rabbitmq-system

log "eventing-rabbitmq ${EVENTING_RABBITMQ_VERSION} (RabbitMQ Broker)"
kubectl apply -f "$(gh_release knative-extensions/eventing-rabbitmq "$EVENTING_RABBITMQ_VERSION" rabbitmq-broker.yaml)"
wait_deployments knative-eventing

# ---- 3. images ----
log "building and loading images ${IMAGE_PREFIX}/<function>:${IMAGE_TAG}"
PARLEY_IMAGE_PREFIX="$IMAGE_PREFIX" PARLEY_IMAGE_TAG="$IMAGE_TAG" scripts/build-images.sh
mapfile -t functions < <(node -e 'for (const f of Object.keys(require("./deploy/functions.json").functions)) console.log(f)')
for fn in "${functions[@]}"; do
  kind load docker-image --name "$CLUSTER" "${IMAGE_PREFIX}/${fn}:${IMAGE_TAG}"
done

# ---- 4. Parley ----
log "namespace ${NAMESPACE} and Secret parley-secrets"
kubectl create namespace "$NAMESPACE" --dry-run=client --output yaml | kubectl apply -f -
# Keep the JWT secret across re-runs, so tokens minted earlier stay valid.
AUTH_JWT_SECRET="$(kubectl get secret parley-secrets --namespace "$NAMESPACE" --output 'jsonpath={.data.AUTH_JWT_SECRET}' 2>/dev/null | base64 -d || true)"
if [[ -z "$AUTH_JWT_SECRET" ]]; then AUTH_JWT_SECRET="$(openssl rand -hex 32)"; fi
# ai-generate requires it and the dialogue functions send it: one value, read by all four from this Secret.
AI_SERVICE_TOKEN="$(kubectl get secret parley-secrets --namespace "$NAMESPACE" --output 'jsonpath={.data.AI_SERVICE_TOKEN}' 2>/dev/null | base64 -d || true)"
if [[ -z "$AI_SERVICE_TOKEN" ]]; then AI_SERVICE_TOKEN="$(openssl rand -hex 32)"; fi
kubectl create secret generic parley-secrets --namespace "$NAMESPACE" \
  --from-literal=AUTH_JWT_SECRET="$AUTH_JWT_SECRET" \
  --from-literal=AI_SERVICE_TOKEN="$AI_SERVICE_TOKEN" \
  --from-literal=OPENAI_API_KEY="${OPENAI_API_KEY:-}" \
  --dry-run=client --output yaml | kubectl apply -f -

log "applying knative/overlays/dev"
kubectl apply -k knative/overlays/dev
kubectl wait rabbitmqcluster/parley-rabbitmq --namespace "$NAMESPACE" --for=condition=AllReplicasReady --timeout=600s
kubectl rollout status statefulset/redis --namespace "$NAMESPACE" --timeout=300s
kubectl wait broker/parley --namespace "$NAMESPACE" --for=condition=Ready --timeout=300s
kubectl wait ksvc --all --namespace "$NAMESPACE" --for=condition=Ready --timeout=600s
kubectl wait trigger --all --namespace "$NAMESPACE" --for=condition=Ready --timeout=300s
kubectl rollout status deployment/parley-gateway --namespace "$NAMESPACE" --timeout=300s

# ---- 5. smoke dialogue through the gateway ----
b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }
now="$(date +%s)"
header="$(printf '{"alg":"HS256","typ":"JWT"}' | b64url)"
payload="$(printf '{"sub":"kind-smoke","iat":%d,"exp":%d}' "$now" "$((now + 600))" | b64url)"
signature="$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -hmac "$AUTH_JWT_SECRET" -binary | b64url)"
TOKEN="${header}.${payload}.${signature}"

call() { # method, path, [json body] -> prints the body; fails on a non-2xx answer
  local args=(--silent --show-error --fail-with-body --max-time 60 -X "$1" -H "Authorization: Bearer ${TOKEN}")
  if [[ $# -ge 3 ]]; then args+=(-H 'Content-Type: application/json' --data "$3"); fi
  curl "${args[@]}" "${GATEWAY}$2"
}
field() { # JSON on stdin, a JavaScript expression over `j`
  node -e 'let s="";process.stdin.on("data",(d)=>(s+=d)).on("end",()=>{const j=JSON.parse(s);console.log(eval(process.argv[1]))})' "$1"
}

log "smoke: GET /v1/characters"
characters="$(call GET /v1/characters)"
pick="$(printf '%s' "$characters" | field '(() => { const list = Array.isArray(j) ? j : j.characters; const c = list[0]; const g = c.goals[0]; return JSON.stringify({ characterId: c.id, goalId: g.id, strategyId: g.strategies[0].id ?? g.strategies[0] }); })()')"
echo "$pick"

log "smoke: POST /v1/dialogues"
dialogue_id="$(call POST /v1/dialogues "$pick" | field 'j.dialogue.id')"
echo "dialogue ${dialogue_id}"

log "smoke: POST /v1/dialogues/${dialogue_id}/messages (JSON)"
call POST "/v1/dialogues/${dialogue_id}/messages" '{"messageId":"smoke-1","text":"Good evening. May I ask you something?"}' | field 'j.reply.text'

log "smoke: POST /v1/dialogues/${dialogue_id}/messages (Server-Sent Events through the gateway)"
stream="$(curl --silent --show-error --no-buffer --max-time 60 -X POST -H "Authorization: Bearer ${TOKEN}" \
  -H 'Accept: text/event-stream' -H 'Content-Type: application/json' \
  --data '{"messageId":"smoke-2","text":"Tell me more."}' "${GATEWAY}/v1/dialogues/${dialogue_id}/messages")"
grep -q '^event: done' <<<"$stream" || { echo "kind-up: the stream did not end with a done event:" >&2; echo "$stream" >&2; exit 1; }

log "smoke: POST /v1/dialogues/${dialogue_id}/end"
call POST "/v1/dialogues/${dialogue_id}/end" '{}' | field 'JSON.stringify(j.outcome)'

log "smoke: GET /v1/analytics (fed by the Broker's Triggers)"
call GET /v1/analytics
echo

log "Parley is up: ${GATEWAY}/v1/characters  (token for this cluster: kubectl get secret parley-secrets -n ${NAMESPACE})"
