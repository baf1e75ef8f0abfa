# Least privilege, namespaced only, and exactly what the app uses: the Kubernetes access
# table in src/lib/sources/kubernetes/access.ts lists every (group, resource, verb) per
# namespace class, and tests/deploy-module.test.ts holds these Roles equal to it. Informers
# list and watch (no single-object get); drain patches AutoscalingRunnerSets. No ClusterRole,
# never Secrets.

resource "kubernetes_role_v1" "runners" {
  for_each = toset(var.runner_namespaces)

  metadata {
    name      = "${var.name}-runners"
    namespace = each.value
    labels    = local.labels
  }
  rule {
    api_groups = [""]
    resources  = ["pods", "configmaps"]
    verbs      = ["list", "watch"]
  }
  rule {
    api_groups = ["apps"]
    resources  = ["deployments"]
    verbs      = ["list", "watch"]
  }
  rule {
    api_groups = ["autoscaling"]
    resources  = ["horizontalpodautoscalers"]
    verbs      = ["list", "watch"]
  }
  rule {
    # Why not scaling: the HPA's, scheduler's and kubelet's Events.
    api_groups = ["events.k8s.io"]
    resources  = ["events"]
    verbs      = ["list", "watch"]
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
    # The runner pods of the scale sets, on the Pods page.
    api_groups = [""]
    resources  = ["pods"]
    verbs      = ["list", "watch"]
  }
  rule {
    api_groups = ["actions.github.com"]
    resources  = ["autoscalingrunnersets", "ephemeralrunnersets", "ephemeralrunners"]
    verbs      = ["list", "watch"]
  }
  rule {
    # Drain and undrain set the scale set's maxRunners.
    api_groups = ["actions.github.com"]
    resources  = ["autoscalingrunnersets"]
    verbs      = ["patch"]
  }
  rule {
    # Why not scaling: ARC's, the scheduler's and the kubelet's Events.
    api_groups = ["events.k8s.io"]
    resources  = ["events"]
    verbs      = ["list", "watch"]
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

resource "kubernetes_role_v1" "arc_controller" {
  for_each = toset(var.arc_controller_namespaces)

  metadata {
    name      = "${var.name}-arc-controller"
    namespace = each.value
    labels    = local.labels
  }
  rule {
    # Whether the ARC controller and each scale set's listener are up: their pods.
    api_groups = [""]
    resources  = ["pods"]
    verbs      = ["list", "watch"]
  }
}

resource "kubernetes_role_binding_v1" "arc_controller" {
  for_each = toset(var.arc_controller_namespaces)

  metadata {
    name      = "${var.name}-arc-controller"
    namespace = each.value
    labels    = local.labels
  }
  role_ref {
    api_group = "rbac.authorization.k8s.io"
    kind      = "Role"
    name      = kubernetes_role_v1.arc_controller[each.key].metadata[0].name
  }
  subject {
    kind      = "ServiceAccount"
    name      = kubernetes_service_account_v1.this.metadata[0].name
    namespace = local.namespace
  }
}
