resource "kubernetes_deployment_v1" "this" {
  metadata {
    name      = var.name
    namespace = local.namespace
    labels    = local.labels
  }

  spec {
    replicas = local.replicas

    selector {
      match_labels = local.selector_labels
    }

    # A ReadWriteOnce volume with SQLite on it must never be mounted by two pods.
    strategy {
      type = var.storage.type == "pvc" ? "Recreate" : "RollingUpdate"
      dynamic "rolling_update" {
        for_each = var.storage.type == "pvc" ? [] : [1]
        content {
          max_unavailable = "0"
          max_surge       = "1"
        }
      }
    }

    template {
      metadata {
        labels = local.labels
        annotations = {
          # Unauthenticated /metrics exists only on METRICS_PORT; the main port wants a token.
          "prometheus.io/scrape" = "true"
          "prometheus.io/port"   = tostring(var.metrics_port)
          "prometheus.io/path"   = "/metrics"
          # Roll the pods when the configuration file changes.
          "runner-dashboard/config-sha256" = sha256(local.config_yaml_text)
        }
      }

      spec {
        service_account_name            = kubernetes_service_account_v1.this.metadata[0].name
        automount_service_account_token = local.kubernetes_in_cluster
        # Service links would inject RUNNER_DASHBOARD_PORT=tcp://... and friends for a
        # Service named runner-dashboard: variables the app does not read, under its prefix.
        enable_service_links = false

        dynamic "image_pull_secrets" {
          for_each = var.image_pull_secrets
          content {
            name = image_pull_secrets.value
          }
        }

        # Replicas apart: a zone or a node going away leaves the others serving (a preference,
        # so a small cluster still runs them all).
        dynamic "topology_spread_constraint" {
          for_each = local.replicas > 1 ? ["topology.kubernetes.io/zone", "kubernetes.io/hostname"] : []
          content {
            max_skew           = 1
            topology_key       = topology_spread_constraint.value
            when_unsatisfiable = "ScheduleAnyway"
            label_selector {
              match_labels = local.selector_labels
            }
          }
        }

        security_context {
          run_as_non_root = true
          run_as_user     = 10001
          run_as_group    = 10001
          fs_group        = 10001
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        container {
          name              = "runner-dashboard"
          image             = var.image
          image_pull_policy = "IfNotPresent"

          port {
            name           = "http"
            container_port = 3000
            protocol       = "TCP"
          }
          port {
            name           = "metrics"
            container_port = var.metrics_port
            protocol       = "TCP"
          }

          env {
            name  = "PORT"
            value = "3000"
          }
          env {
            name  = "HOST"
            value = "0.0.0.0"
          }
          env {
            name  = "RUNNER_DASHBOARD_DATA_DIR"
            value = "/data"
          }
          env {
            name  = "METRICS_PORT"
            value = tostring(var.metrics_port)
          }
          env {
            name  = "LOG_LEVEL"
            value = var.log_level
          }
          env {
            name  = "NODE_OPTIONS"
            value = "--max-old-space-size=${var.max_heap_mb}"
          }
          dynamic "env" {
            for_each = local.origin == null ? [] : [local.origin]
            content {
              name  = "ORIGIN"
              value = env.value
            }
          }
          dynamic "env" {
            for_each = local.address_header == null ? [] : [local.address_header]
            content {
              name  = "ADDRESS_HEADER"
              value = env.value
            }
          }
          dynamic "env" {
            for_each = local.xff_depth == null ? [] : [tostring(local.xff_depth)]
            content {
              name  = "XFF_DEPTH"
              value = env.value
            }
          }
          dynamic "env" {
            for_each = var.config_yaml == null ? [] : [local.config_path]
            content {
              name  = "RUNNER_DASHBOARD_CONFIG"
              value = env.value
            }
          }
          dynamic "env" {
            for_each = var.secret_env
            content {
              name = env.key
              value_from {
                secret_key_ref {
                  name = env.value.secret_name
                  key  = env.value.key
                }
              }
            }
          }

          startup_probe {
            http_get {
              path = "/healthz"
              port = "http"
            }
            period_seconds    = 2
            failure_threshold = 60
          }
          liveness_probe {
            http_get {
              path = "/healthz"
              port = "http"
            }
            period_seconds    = 10
            timeout_seconds   = 3
            failure_threshold = 3
          }
          readiness_probe {
            http_get {
              path = "/readyz"
              port = "http"
            }
            period_seconds    = 5
            timeout_seconds   = 3
            failure_threshold = 3
          }

          resources {
            requests = var.resources.requests
            limits   = var.resources.limits
          }

          security_context {
            run_as_non_root            = true
            run_as_user                = 10001
            run_as_group               = 10001
            read_only_root_filesystem  = true
            allow_privilege_escalation = false
            privileged                 = false
            capabilities {
              drop = ["ALL"]
            }
            seccomp_profile {
              type = "RuntimeDefault"
            }
          }

          volume_mount {
            name       = "data"
            mount_path = "/data"
          }
          volume_mount {
            name       = "tmp"
            mount_path = "/tmp"
          }
          dynamic "volume_mount" {
            for_each = var.config_yaml == null ? [] : [1]
            content {
              name       = "config"
              mount_path = local.config_dir
              read_only  = true
            }
          }
        }

        volume {
          name = "data"
          dynamic "persistent_volume_claim" {
            for_each = var.storage.type == "pvc" ? [1] : []
            content {
              claim_name = kubernetes_persistent_volume_claim_v1.data[0].metadata[0].name
            }
          }
          dynamic "empty_dir" {
            for_each = var.storage.type == "emptyDir" ? [1] : []
            content {}
          }
        }
        volume {
          name = "tmp"
          empty_dir {
            size_limit = "256Mi"
          }
        }
        dynamic "volume" {
          for_each = var.config_yaml == null ? [] : [1]
          content {
            name = "config"
            config_map {
              name = kubernetes_config_map_v1.config[0].metadata[0].name
            }
          }
        }
      }
    }
  }

  lifecycle {
    precondition {
      # Which image runs must be knowable from the plan: a digest, or a release tag.
      condition     = var.allow_mutable_tag || can(regex("@sha256:[a-f0-9]{64}$", var.image)) || can(regex(":v?(0|[1-9][0-9]*)[.](0|[1-9][0-9]*)[.](0|[1-9][0-9]*)(-[0-9A-Za-z-]+([.][0-9A-Za-z-]+)*)?(_[0-9A-Za-z-]+([.][0-9A-Za-z-]+)*)?$", var.image))
      error_message = "image must be pinned by digest (repo@sha256:...) or an exact release tag (repo:1.2.3); mutable tags such as :latest, :edge or a branch name need allow_mutable_tag = true."
    }
    precondition {
      condition     = local.replicas == 1 || (local.postgres && var.storage.type == "emptyDir")
      error_message = "replicas > 1 needs PostgreSQL: set secret_env.DATABASE_URL and storage.type = \"emptyDir\". With SQLite the store is one pod's file on a ReadWriteOnce volume, so only one pod can use it."
    }
    precondition {
      condition     = var.xff_depth == 1 || local.address_header == "x-forwarded-for"
      error_message = "xff_depth applies only when the address header is X-Forwarded-For (address_header, or the default with an ingress)."
    }
    precondition {
      condition     = alltrue([for k in keys(var.secret_env) : contains(local.app_secret_env, k) || can(regex("(?m)env:[ \t]*[\"']?${k}[\"']?[ \t]*(?:$|[,}#])", local.config_yaml_text))])
      error_message = "every secret_env key must be one the app reads (DATABASE_URL, SESSION_SECRET) or be named by config_yaml as { env: KEY }."
    }
  }
}
