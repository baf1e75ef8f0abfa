# Inputs of the runner-dashboard module. The only required input is `image`.

variable "image" {
  description = <<-EOT
    The runner-dashboard OCI image to run, by digest (ghcr.io/OWNER/runner-dashboard@sha256:<64 hex>,
    optionally with a tag before the digest) or by an exact release tag (ghcr.io/OWNER/runner-dashboard:1.2.3,
    optionally v-prefixed, with a -prerelease and/or _build suffix; OCI tags cannot contain "+").
    Mutable tags such as `latest`, `edge` or a branch name are refused unless allow_mutable_tag = true.
  EOT
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]+(([.]|_{1,2}|-+)[a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+(([.]|_{1,2}|-+)[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$", var.image))
    error_message = "image must be an OCI reference: lowercase repository path, optional :tag (letters, digits, _ . -; no \"+\"), optional @sha256:<64 lowercase hex>."
  }
}

variable "allow_mutable_tag" {
  description = "Accept an image tag that is neither a digest nor an exact semver release (e.g. :latest, :edge). For throwaway test installs only: a mutable tag makes rollbacks and audits guesswork."
  type        = bool
  default     = false
  nullable    = false
}

variable "namespace" {
  description = "Namespace the dashboard runs in (Deployment, Service, ConfigMap, ServiceAccount, NetworkPolicy)."
  type        = string
  default     = "runner-dashboard"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.namespace))
    error_message = "namespace must be a DNS label (lowercase letters, digits, dashes; at most 63 characters)."
  }
}

variable "create_namespace" {
  description = "Create `namespace` (labelled for the restricted Pod Security Standard). Leave false when it already exists."
  type        = bool
  default     = false
  nullable    = false
}

variable "name" {
  description = "Name of the Deployment, Service, ServiceAccount and prefix of the other objects."
  type        = string
  default     = "runner-dashboard"
  nullable    = false

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$", var.name))
    error_message = "name must be a DNS label of at most 40 characters (room for suffixes such as -runners and -config)."
  }
}

variable "replicas" {
  description = "Number of dashboard pods. null: 2 with PostgreSQL (secret_env.DATABASE_URL), else 1. More than 1 needs PostgreSQL and storage.type = \"emptyDir\" (a precondition refuses SQLite): one pod leads (polls GitLab and GitHub, checks drift, records history) and every pod serves, with a PodDisruptionBudget and the pods spread over zones and nodes."
  type        = number
  default     = null

  validation {
    condition     = var.replicas == null || (var.replicas >= 1 && floor(var.replicas) == var.replicas)
    error_message = "replicas must be null or a whole number >= 1."
  }
}

variable "resources" {
  description = "Container resource requests and limits (Kubernetes quantities)."
  type = object({
    requests = optional(map(string), { cpu = "100m", memory = "384Mi" })
    limits   = optional(map(string), { memory = "768Mi" })
  })
  default  = {}
  nullable = false
}

variable "max_heap_mb" {
  description = "Node's heap limit in MiB (--max-old-space-size, through NODE_OPTIONS), for each thread's old space: the API thread's and each background reader's (docs/architecture.md, Threads). Without it Node grows its heaps lazily up to the memory limit; with it the garbage collector works within this budget. 256 serves a fleet of ~12 000 runners (docs/performance.md); raise it with the fleet, and size the memory limit for all three threads: at that fleet the process peaks at about 540 MB with the built-in scraper (768Mi by default)."
  type        = number
  default     = 256
  nullable    = false

  validation {
    condition     = var.max_heap_mb >= 128 && floor(var.max_heap_mb) == var.max_heap_mb
    error_message = "max_heap_mb must be a whole number of MiB, at least 128."
  }
}

variable "config_yaml" {
  description = "The dashboard's YAML configuration file (sources, auth). Rendered into a ConfigMap mounted at /etc/runner-dashboard/config.yaml and named by RUNNER_DASHBOARD_CONFIG. Reference secrets from it with `{ env: NAME }` and pass NAME through secret_env; never put a token in it. null: no configuration file."
  type        = string
  default     = null

  validation {
    condition     = var.config_yaml == null || can(yamldecode(var.config_yaml))
    error_message = "config_yaml must be valid YAML."
  }
}

variable "secret_env" {
  description = <<-EOT
    Environment variables taken from existing Kubernetes Secrets, by reference only:
    { ENV_NAME = { secret_name = "...", key = "..." } }. Use it for DATABASE_URL and SESSION_SECRET,
    and for source tokens that config_yaml names with `{ env: ENV_NAME }`.
  EOT
  type = map(object({
    secret_name = string
    key         = string
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for k in keys(var.secret_env) : can(regex("^[A-Z_][A-Z0-9_]*$", k))])
    error_message = "secret_env keys must be environment variable names (A-Z, 0-9, _)."
  }

  validation {
    condition     = length(setintersection(keys(var.secret_env), ["PORT", "HOST", "ORIGIN", "METRICS_PORT", "LOG_LEVEL", "ADDRESS_HEADER", "XFF_DEPTH", "RUNNER_DASHBOARD_CONFIG", "RUNNER_DASHBOARD_DATA_DIR", "RUNNER_DASHBOARD_SANDBOX_URL", "SANDBOX_PORT"])) == 0
    error_message = "secret_env must not set variables the module manages itself or that are not secrets (PORT, HOST, ORIGIN, METRICS_PORT, LOG_LEVEL, ADDRESS_HEADER, XFF_DEPTH, RUNNER_DASHBOARD_*, SANDBOX_PORT)."
  }
}

variable "origin" {
  description = "Public URL of the dashboard (ORIGIN), e.g. https://runners.example.com. Defaults to https://<ingress.host> (http:// without tls_secret) when an ingress is configured."
  type        = string
  default     = null

  validation {
    condition     = var.origin == null || can(regex("^https?://[^/?#]+$", var.origin))
    error_message = "origin must be scheme://host[:port] with no path, e.g. https://runners.example.com."
  }
}

variable "runner_namespaces" {
  description = "Namespaces holding GitLab runner managers and their job pods: the configuration's gitlab_runner_namespaces. The dashboard gets list/watch on pods, configmaps, deployments and horizontalpodautoscalers in each, through a Role and RoleBinding per namespace; nothing cluster-wide."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "arc_namespaces" {
  description = "Namespaces holding ARC (actions.github.com) runner scale sets and their runner pods: the configuration's arc_runner_namespaces. list/watch on pods, AutoscalingRunnerSets, EphemeralRunnerSets and EphemeralRunners, plus patch on AutoscalingRunnerSets for drain."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "arc_controller_namespaces" {
  description = "Namespaces holding the ARC controller and its listener pods: the configuration's arc_controller_namespaces (arc-systems in ARC's install guide). list/watch on pods only, to tell whether the controller and each scale set's listener are up."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "ingress" {
  description = "Expose the dashboard through an Ingress: { host, class (IngressClass name), tls_secret (existing TLS Secret), annotations }. null: no Ingress."
  type = object({
    host        = string
    class       = optional(string)
    tls_secret  = optional(string)
    annotations = optional(map(string), {})
  })
  default = null
}

variable "address_header" {
  description = <<-EOT
    Request header that carries the client's address (ADDRESS_HEADER), for sign-in throttling by
    address and the audit log, e.g. "x-forwarded-for" or "x-real-ip". null (the default): "x-forwarded-for"
    when the module creates an Ingress (every ingress controller in common use writes or appends it), none
    without one. Name a header only when every request passes a proxy that sets it: a client could
    otherwise write it itself.
  EOT
  type        = string
  default     = null

  validation {
    condition     = var.address_header == null || can(regex("^[A-Za-z0-9][A-Za-z0-9-]*$", var.address_header))
    error_message = "address_header must be an HTTP header name (letters, digits, dashes), e.g. x-forwarded-for."
  }
}

variable "xff_depth" {
  description = "With X-Forwarded-For as the address header: how many trusted proxies append to it (XFF_DEPTH); the client address is that many entries from the right. 1 (the default) is the ingress controller alone; 2 when a load balancer that appends as well sits in front of it."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.xff_depth >= 1 && var.xff_depth <= 10 && floor(var.xff_depth) == var.xff_depth
    error_message = "xff_depth must be a whole number from 1 to 10."
  }
}

variable "network_policy" {
  description = <<-EOT
    A NetworkPolicy for the dashboard's pods. enabled (default true). Ingress: the HTTP port (3000)
    only from pods in http_from_namespaces (the ingress controller's namespace, default ["ingress-nginx"]),
    the metrics port only from metrics_from_namespaces (Prometheus, default ["monitoring"]); an empty list
    admits nobody on that port. Egress: DNS (port 53, UDP and TCP) to anywhere, plus each rule of egress:
    TCP `ports` to `cidrs` and/or pods in `namespaces`, or to any address when neither is given. The default
    egress, TCP 443, 5432, 6443 and 9090 to any address, reaches GitLab and GitHub (443), the Kubernetes API
    server (443 or 6443), PostgreSQL (5432) and Prometheus (9090), and no other port (e.g. not a cloud
    metadata service on port 80).
  EOT
  type = object({
    enabled                 = optional(bool, true)
    http_from_namespaces    = optional(list(string), ["ingress-nginx"])
    metrics_from_namespaces = optional(list(string), ["monitoring"])
    egress = optional(list(object({
      ports      = list(number)
      cidrs      = optional(list(string))
      namespaces = optional(list(string))
    })), [{ ports = [443, 5432, 6443, 9090] }])
  })
  default  = {}
  nullable = false

  validation {
    condition = alltrue(flatten([for e in var.network_policy.egress : [
      length(e.ports) > 0,
      [for p in e.ports : p >= 1 && p <= 65535 && floor(p) == p],
      try(length(e.cidrs) > 0 && alltrue([for c in e.cidrs : can(cidrhost(c, 0))]), e.cidrs == null),
      try(length(e.namespaces) > 0, e.namespaces == null),
    ]]))
    error_message = "network_policy.egress: each rule needs ports (1-65535); cidrs, when given, must be a non-empty list of CIDRs and namespaces a non-empty list (leave both out for any address)."
  }
}

variable "storage" {
  description = "Volume for /data (the SQLite database and the initial admin password). type = \"pvc\" (a PersistentVolumeClaim of `size` in `storage_class`, the cluster default when null) or \"emptyDir\" (lost on restart; use with PostgreSQL)."
  type = object({
    type          = optional(string, "pvc")
    size          = optional(string, "1Gi")
    storage_class = optional(string)
  })
  default  = {}
  nullable = false

  validation {
    condition     = contains(["pvc", "emptyDir"], var.storage.type)
    error_message = "storage.type must be \"pvc\" or \"emptyDir\"."
  }
}

variable "metrics_port" {
  description = "Port of the unauthenticated Prometheus listener (METRICS_PORT) that serves only GET /metrics; the scrape annotations point at it."
  type        = number
  default     = 9464
  nullable    = false

  validation {
    condition     = var.metrics_port >= 1024 && var.metrics_port <= 65535 && var.metrics_port != 3000 && floor(var.metrics_port) == var.metrics_port
    error_message = "metrics_port must be a port in 1024-65535 other than 3000 (the HTTP port)."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of the dashboard (pino)."
  type        = string
  default     = "info"
  nullable    = false

  validation {
    condition     = contains(["fatal", "error", "warn", "info", "debug", "trace", "silent"], var.log_level)
    error_message = "log_level must be one of fatal, error, warn, info, debug, trace, silent."
  }
}

variable "image_pull_secrets" {
  description = "Names of existing docker-registry Secrets in `namespace` for pulling a private image."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "labels" {
  description = "Extra labels for every object the module creates."
  type        = map(string)
  default     = {}
  nullable    = false
}

variable "prometheus_rule_enabled" {
  description = "Create the dashboard's alerting rules (deploy/prometheus/rules.yaml) as a monitoring.coreos.com/v1 PrometheusRule in `namespace`; needs the Prometheus Operator's CRD in the cluster."
  type        = bool
  default     = false
  nullable    = false
}

variable "prometheus_rule_labels" {
  description = "Labels on the PrometheusRule, so the Prometheus Operator's ruleSelector picks it up (e.g. { release = \"kube-prometheus-stack\" })."
  type        = map(string)
  default     = {}
  nullable    = false
}
