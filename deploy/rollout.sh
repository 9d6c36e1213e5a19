#!/usr/bin/env bash
# Apply an overlay in three stages so that no new pod starts before its schema is migrated:
#   infra   namespace, config, Kafka + topics, PostgreSQL clusters, alerts, dashboard → wait Ready
#   migrate one alembic Job per service                                               → wait Complete
#   app     Deployments, Services, HPAs, PDBs, ServiceMonitors                        → wait rolled out
# Usage: deploy/rollout.sh dev|prod   (kubectl pointed at the target cluster; operators installed)
# Argo CD users get the same order from the sync-wave annotations and the Jobs' Sync hook.
set -euo pipefail
overlay="$(cd "$(dirname "$0")" && pwd)/k8s/overlays/${1:?usage: rollout.sh dev|prod}"
ns=future-community
timeout="${FC_ROLLOUT_TIMEOUT:-15m}"

kubectl apply -k "$overlay" -l fc.platform/stage=infra
kubectl -n "$ns" wait kafka/fc-kafka --for=condition=Ready --timeout="$timeout"
kubectl -n "$ns" wait kafkatopic -l strimzi.io/cluster=fc-kafka --for=condition=Ready --timeout="$timeout"
kubectl -n "$ns" wait cluster.postgresql.cnpg.io --all --for=condition=Ready --timeout="$timeout"

# A Job's pod template is immutable: replace last release's Jobs rather than patch them.
kubectl -n "$ns" delete job -l fc.platform/stage=migrate --ignore-not-found --wait=true
kubectl apply -k "$overlay" -l fc.platform/stage=migrate
kubectl -n "$ns" wait job -l fc.platform/stage=migrate --for=condition=Complete --timeout="$timeout"

kubectl apply -k "$overlay" -l fc.platform/stage=app
for deploy in $(kubectl -n "$ns" get deploy -l app.kubernetes.io/part-of=future-community -o name); do
  kubectl -n "$ns" rollout status "$deploy" --timeout="$timeout"
done
