output "service_name" {
  description = "Name of the ClusterIP Service (port http = 3000, port metrics = metrics_port)."
  value       = kubernetes_service_v1.this.metadata[0].name
}

output "namespace" {
  description = "Namespace the dashboard runs in."
  value       = local.namespace
}

output "service_account" {
  description = "ServiceAccount the dashboard pods run as (bind extra Roles to it if needed)."
  value       = kubernetes_service_account_v1.this.metadata[0].name
}

output "url" {
  description = "Where to reach the dashboard: ORIGIN when known (origin or ingress), else the in-cluster Service URL."
  value       = local.origin != null ? local.origin : "http://${kubernetes_service_v1.this.metadata[0].name}.${local.namespace}.svc:3000"
}

output "metrics_url" {
  description = "In-cluster URL of the unauthenticated Prometheus endpoint."
  value       = "http://${kubernetes_service_v1.this.metadata[0].name}.${local.namespace}.svc:${var.metrics_port}/metrics"
}

output "image" {
  description = "The image the Deployment runs."
  value       = var.image
}
