resource "kubernetes_service_v1" "this" {
  metadata {
    name      = var.name
    namespace = local.namespace
    labels    = local.labels
  }
  spec {
    type     = "ClusterIP"
    selector = local.selector_labels
    port {
      name        = "http"
      port        = 3000
      target_port = "http"
      protocol    = "TCP"
    }
    port {
      name        = "metrics"
      port        = var.metrics_port
      target_port = "metrics"
      protocol    = "TCP"
    }
  }
}

resource "kubernetes_ingress_v1" "this" {
  count = var.ingress == null ? 0 : 1

  metadata {
    name        = var.name
    namespace   = local.namespace
    labels      = local.labels
    annotations = var.ingress.annotations
  }
  spec {
    ingress_class_name = var.ingress.class
    rule {
      host = var.ingress.host
      http {
        path {
          path      = "/"
          path_type = "Prefix"
          backend {
            service {
              name = kubernetes_service_v1.this.metadata[0].name
              port {
                name = "http"
              }
            }
          }
        }
      }
    }
    dynamic "tls" {
      for_each = var.ingress.tls_secret == null ? [] : [var.ingress.tls_secret]
      content {
        hosts       = [var.ingress.host]
        secret_name = tls.value
      }
    }
  }
}
