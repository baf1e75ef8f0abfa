locals {
  # The app's HTTP port. The image and the app both default to 3000; the Service,
  # probes and PORT env below all use this one number.
  http_port = 3000

  # Environment variables the app reads from Secrets (ENV_VARS entries marked secret
  # in src/lib/server/config/env.ts). Other secret_env keys must be named by config_yaml.
  app_secret_env = ["DATABASE_URL", "SESSION_SECRET"]

  # Several pods share one PostgreSQL (DATABASE_URL from a Secret): one leads and polls,
  # every pod serves. With SQLite the store is one pod's file, so one pod.
  postgres = contains(keys(var.secret_env), "DATABASE_URL")
  replicas = var.replicas != null ? var.replicas : (local.postgres ? 2 : 1)

  config_dir  = "/etc/runner-dashboard"
  config_path = "/etc/runner-dashboard/config.yaml"

  namespace = var.create_namespace ? kubernetes_namespace_v1.this[0].metadata[0].name : var.namespace

  selector_labels = {
    "app.kubernetes.io/name"     = "runner-dashboard"
    "app.kubernetes.io/instance" = var.name
  }
  labels = merge(var.labels, local.selector_labels, {
    "app.kubernetes.io/managed-by" = "opentofu"
    "app.kubernetes.io/component"  = "dashboard"
  })

  origin = var.origin != null ? var.origin : (
    var.ingress == null ? null : "${var.ingress.tls_secret == null ? "http" : "https"}://${var.ingress.host}"
  )

  config_yaml_text = var.config_yaml == null ? "" : var.config_yaml

  # The ServiceAccount token is what a Kubernetes source with `in_cluster: true` signs in
  # with, and nothing else reads it: a kubeconfig or a server URL brings its own
  # credentials. So the token is mounted only when config_yaml has such a source.
  kubernetes_in_cluster = anytrue([
    for k in try(yamldecode(local.config_yaml_text).sources.kubernetes, []) : try(k.in_cluster, false) == true
  ])

  # Behind the module's Ingress every connection comes from the ingress controller, so the
  # client address (sign-in throttling, audit) must come from a header the controller
  # sets. X-Forwarded-For at depth 1 is the entry the controller itself wrote or appended,
  # which ingress-nginx, Traefik, HAProxy and Envoy-based controllers all do; X-Real-IP is
  # set by some of them only. Without an Ingress no header is trusted unless one is named.
  address_header = var.address_header != null ? lower(var.address_header) : (var.ingress == null ? null : "x-forwarded-for")
  xff_depth      = local.address_header == "x-forwarded-for" ? var.xff_depth : null
}

resource "kubernetes_namespace_v1" "this" {
  count = var.create_namespace ? 1 : 0

  metadata {
    name = var.namespace
    labels = merge(var.labels, {
      "pod-security.kubernetes.io/enforce" = "restricted"
      "pod-security.kubernetes.io/warn"    = "restricted"
    })
  }
}

resource "kubernetes_service_account_v1" "this" {
  metadata {
    name      = var.name
    namespace = local.namespace
    labels    = local.labels
  }
  # The pod reads runner workloads and patches scale sets with this identity, through
  # the Roles in rbac.tf, when a Kubernetes source uses in-cluster auth.
  automount_service_account_token = local.kubernetes_in_cluster
}

resource "kubernetes_config_map_v1" "config" {
  count = var.config_yaml == null ? 0 : 1

  metadata {
    name      = "${var.name}-config"
    namespace = local.namespace
    labels    = local.labels
  }
  data = {
    "config.yaml" = var.config_yaml
  }
}

resource "kubernetes_persistent_volume_claim_v1" "data" {
  count = var.storage.type == "pvc" ? 1 : 0

  metadata {
    name      = "${var.name}-data"
    namespace = local.namespace
    labels    = local.labels
  }
  spec {
    access_modes       = ["ReadWriteOnce"]
    storage_class_name = var.storage.storage_class
    resources {
      requests = {
        storage = var.storage.size
      }
    }
  }
  # WaitForFirstConsumer storage classes bind only once the pod is scheduled.
  wait_until_bound = false
}
