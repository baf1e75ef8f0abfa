# With several replicas, a voluntary disruption (a node drain, a cluster upgrade) takes one
# pod at a time; the others keep serving and one of them takes over the polling.
resource "kubernetes_pod_disruption_budget_v1" "this" {
  count = local.replicas > 1 ? 1 : 0

  metadata {
    name      = var.name
    namespace = local.namespace
    labels    = local.labels
  }

  spec {
    max_unavailable = "1"
    selector {
      match_labels = local.selector_labels
    }
  }
}
