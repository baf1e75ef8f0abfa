# Least privilege, namespaced only: read the runner workloads, read ARC scale sets
# and patch AutoscalingRunnerSets (drain), and hold a Lease for poller election in
# the dashboard's own namespace. No ClusterRole, and never Secrets.

resource "kubernetes_role_v1" "runners" {
  for_each = toset(var.runner_namespaces)

  metadata {
    name      = "${var.name}-runners"
    namespace = each.value
    labels    = local.labels
  }
  rule {
    api_groups = [""]
    resources  = ["pods", "events", "configmaps"]
    verbs      = ["get", "list", "watch"]
  }
  rule {
    api_groups = ["apps"]
    resources  = ["deployments", "replicasets"]
    verbs      = ["get", "list", "watch"]
  }
  rule {
    api_groups = ["autoscaling"]
    resources  = ["horizontalpodautoscalers"]
    verbs      = ["get", "list", "watch"]
  }
}

resource "kubernetes_role_binding_v1" "runners" {
  for_each = toset(var.runner_namespaces)

  metadata {
    name      = "${var.name}-runners"
    namespace = each.value
    labels    = local.labels
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "Role"
    name      = kubernetes_role_v1.runners[each.key].metadata[0].name
  }
  subject {
    kind      = "ServiceAccount"
    name      = kubernetes_service_account_v1.this.metadata[0].name
    namespace = local.namespace
  }
}

resource "kubernetes_role_v1" "arc" {
  for_each = toset(var.arc_namespaces)

  metadata {
    name      = "${var.name}-arc"
    namespace = each.value
    labels    = local.labels
  }
  rule {
    api_groups = ["actions.github.com"]
    resources  = ["autoscalingrunnersets", "ephemeralrunnersets", "ephemeralrunners"]
    verbs      = ["get", "list", "watch"]
  }
  rule {
    # Drain and undrain set the scale set's maxRunners.
    api_groups = ["actions.github.com"]
    resources  = ["autoscalingrunnersets"]
    verbs      = ["patch"]
  }
}

resource "kubernetes_role_binding_v1" "arc" {
  for_each = toset(var.arc_namespaces)

  metadata {
    name      = "${var.name}-arc"
    namespace = each.value
    labels    = local.labels
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "Role"
    name      = kubernetes_role_v1.arc[each.key].metadata[0].name
  }
  subject {
    kind      = "ServiceAccount"
    name      = kubernetes_service_account_v1.this.metadata[0].name
    namespace = local.namespace
  }
}

resource "kubernetes_role_v1" "leader_election" {
  metadata {
    name      = "${var.name}-leader-election"
    namespace = local.namespace
    labels    = local.labels
  }
  rule {
    api_groups = ["coordination.k8s.io"]
    resources  = ["leases"]
    verbs      = ["get", "create", "update"]
  }
}

resource "kubernetes_role_binding_v1" "leader_election" {
  metadata {
    name      = "${var.name}-leader-election"
    namespace = local.namespace
    labels    = local.labels
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "Role"
    name      = kubernetes_role_v1.leader_election.metadata[0].name
  }
  subject {
    kind      = "ServiceAccount"
    name      = kubernetes_service_account_v1.this.metadata[0].name
    namespace = local.namespace
  }
}
