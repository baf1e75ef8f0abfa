# The alerting rules as a PrometheusRule for the Prometheus Operator, off by default (the
# CRD must exist before `tofu plan` can check this manifest). The rule groups are the same
# file Prometheus users load directly and promtool tests: deploy/prometheus/rules.yaml.
resource "kubernetes_manifest" "prometheus_rule" {
  count = var.prometheus_rule_enabled ? 1 : 0

  manifest = {
    apiVersion = "monitoring.coreos.com/v1"
    kind       = "PrometheusRule"
    metadata = {
      name      = var.name
      namespace = local.namespace
      labels    = merge(local.labels, var.prometheus_rule_labels)
    }
    spec = yamldecode(file("${path.module}/../../../prometheus/rules.yaml"))
  }
}
