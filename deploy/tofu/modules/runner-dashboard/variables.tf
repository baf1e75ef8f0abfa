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
  description = "Namespace the dashboard runs in (Deployment, Service, ConfigMap, ServiceAccount, its Lease)."
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
    error_message = "name must be a DNS label of at most 40 characters (room for the -leader-election suffix)."
  }
}

variable "replicas" {
  description = "Number of dashboard pods. More than 1 needs PostgreSQL (secret_env.DATABASE_URL) and storage.type = \"emptyDir\"; one replica runs the pollers, elected through a Lease."
  type        = number
  default     = 1
  nullable    = false

  validation {
    condition     = var.replicas >= 1 && floor(var.replicas) == var.replicas
    error_message = "replicas must be a whole number >= 1."
  }
}

variable "resources" {
  description = "Container resource requests and limits (Kubernetes quantities)."
  type = object({
    requests = optional(map(string), { cpu = "100m", memory = "256Mi" })
    limits   = optional(map(string), { memory = "512Mi" })
  })
  default  = {}
  nullable = false
}

variable "max_heap_mb" {
  description = "Node's heap limit in MiB (--max-old-space-size, through NODE_OPTIONS). Without it Node grows its heap lazily up to the memory limit; with it the garbage collector works within this budget. 256 serves a fleet of ~12 000 runners (docs/performance.md); raise it with the fleet and keep it below the memory limit, leaving ~100 MiB for code and buffers."
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
    condition     = length(setintersection(keys(var.secret_env), ["PORT", "HOST", "ORIGIN", "METRICS_PORT", "LOG_LEVEL", "RUNNER_DASHBOARD_CONFIG", "RUNNER_DASHBOARD_DATA_DIR", "RUNNER_DASHBOARD_SANDBOX_URL", "SANDBOX_PORT"])) == 0
    error_message = "secret_env must not set variables the module manages itself or that are not secrets (PORT, HOST, ORIGIN, METRICS_PORT, LOG_LEVEL, RUNNER_DASHBOARD_*, SANDBOX_PORT)."
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
  description = "Namespaces holding GitLab runner managers and their job pods. The dashboard gets read-only access (pods, deployments, replicasets, events, configmaps, HPAs) in each, through a Role and RoleBinding per namespace; nothing cluster-wide."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "arc_namespaces" {
  description = "Namespaces holding ARC (actions.github.com) runner scale sets. Read access to AutoscalingRunnerSets, EphemeralRunnerSets and EphemeralRunners, plus patch on AutoscalingRunnerSets for drain."
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
