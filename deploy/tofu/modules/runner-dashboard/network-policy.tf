# Who may reach the dashboard and what it may reach. The metrics listener has no
# authentication, so only Prometheus's namespace gets to it; the HTTP port only from the
# ingress controller. Egress is what the sources need, by port: a compromised process
# cannot reach internal services on other ports (a cloud metadata endpoint on 80, caches,
# other databases). Kubelet probes come from the pod's own node, which common CNIs
# (Calico, Cilium) let through regardless of the policy.

resource "kubernetes_network_policy_v1" "this" {
  count = var.network_policy.enabled ? 1 : 0

  metadata {
    name      = var.name
    namespace = local.namespace
    labels    = local.labels
  }

  spec {
    pod_selector {
      match_labels = local.selector_labels
    }
    policy_types = ["Ingress", "Egress"]

    # Port => namespaces allowed to reach it. A rule without `from` would admit everyone,
    # so a port whose list is empty gets no rule at all.
    dynamic "ingress" {
      for_each = {
        for port, namespaces in {
          (tostring(local.http_port))  = var.network_policy.http_from_namespaces
          (tostring(var.metrics_port)) = var.network_policy.metrics_from_namespaces
        } : port => namespaces if length(namespaces) > 0
      }
      content {
        ports {
          port     = ingress.key
          protocol = "TCP"
        }
        from {
          namespace_selector {
            match_expressions {
              key      = "kubernetes.io/metadata.name"
              operator = "In"
              values   = ingress.value
            }
          }
        }
      }
    }

    # DNS to any address: cluster DNS runs as pods in kube-system under various labels, or as
    # a node-local cache on a link-local address.
    egress {
      ports {
        port     = "53"
        protocol = "UDP"
      }
      ports {
        port     = "53"
        protocol = "TCP"
      }
    }

    dynamic "egress" {
      for_each = var.network_policy.egress
      content {
        dynamic "ports" {
          for_each = egress.value.ports
          content {
            port     = tostring(ports.value)
            protocol = "TCP"
          }
        }
        dynamic "to" {
          for_each = egress.value.cidrs == null ? [] : egress.value.cidrs
          content {
            ip_block {
              cidr = to.value
            }
          }
        }
        dynamic "to" {
          for_each = egress.value.namespaces == null ? [] : [egress.value.namespaces]
          content {
            namespace_selector {
              match_expressions {
                key      = "kubernetes.io/metadata.name"
                operator = "In"
                values   = to.value
              }
            }
          }
        }
      }
    }
  }
}
