locals {
  # The app's HTTP port. The image and the app both default to 3000; the Service,
  # probes and PORT env below all use this one number.
  http_port = 3000

  # Environment variables the app reads from Secrets (ENV_VARS entries marked secret
  # in src/lib/server/config/env.ts). Other secret_env keys must be named by config_yaml.
  app_secret_env = ["DATABASE_URL", "SESSION_SECRET"]

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
  # The pod reads Kubernetes (runners, scale sets, its Lease) with this identity.
  automount_service_account_token = true
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
