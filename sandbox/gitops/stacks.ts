// The GitOps project's two OpenTofu stacks, generated from the same specs the
// simulated cluster is installed from (sim/cluster/stacks.ts): per stack the variables
// (type, module default, description) and the value the `dev` environment runs. A
// variable lands in dev.tfvars only when dev differs from its default (or is pinned
// there on purpose, like the deploy switches), so the files read like a real repo and
// defaults + tfvars resolve to exactly what the cluster runs: a fresh sandbox has no drift.

import { GITHUB_CONFIG_URL } from '../sim/github/catalog.js';
import {
	ACTIONS_RUNNER_IMAGE,
	ARC_CONTROLLER_NAMESPACE,
	ARC_RUNNER_GROUP,
	ARC_RUNNER_NAMESPACE,
	ARC_SECRET,
	ARC_VERSION,
	BASE_SCALE_SETS,
	GITLAB_RUNNER_IMAGE,
	GITLAB_RUNNER_NAMESPACE,
	GITLAB_RUNNER_STACK,
	MANAGER_RESOURCES,
	RUNNER_TYPES,
	scaleSetSpec,
	type RunnerType
} from '../sim/cluster/stacks.js';
import { attributes, hclString, hclValue, type HclValue } from './hcl.js';

export const STACKS = ['gitlab-runners', 'arc-runners'] as const;
export type StackName = (typeof STACKS)[number];
export const ENVIRONMENTS = ['dev'] as const;
export type EnvName = (typeof ENVIRONMENTS)[number];

/** The GitLab URL the runner managers register with (config.toml `url`). */
export const GITLAB_URL = 'https://gitlab.sandbox.invalid/';

export interface Variable {
	name: string;
	/** HCL type constraint, e.g. `number`, `list(object({ ... }))`. */
	type: string;
	description: string;
	default: HclValue;
	/** What the dev environment runs. */
	dev: HclValue;
	/** Written to dev.tfvars even when equal to the default. */
	pin?: boolean;
}

export interface Section {
	/** Comment above the section in variables.tf and dev.tfvars. */
	title: string;
	vars: Variable[];
}

const v = (name: string, type: string, description: string, def: HclValue, dev: HclValue = def, pin = false): Variable => ({ name, type, description, default: def, dev, pin });

/** HPA scaleUp policies as the stack declares them (and the HPAs carry). */
const SCALE_UP_POLICY_TYPE = 'list(object({ type = string, value = number, period_seconds = number }))';

function gitlabRunnerSections(): Section[] {
	const shared: Section = {
		title: 'Shared by every runner type',
		vars: [
			v('namespace', 'string', 'Namespace the runner managers run in', GITLAB_RUNNER_NAMESPACE),
			v('gitlab_url', 'string', 'GitLab instance the runners register with', 'https://gitlab.com/', GITLAB_URL),
			v('runner_image', 'string', 'GitLab Runner image of the manager pods', 'registry.gitlab.com/gitlab-org/gitlab-runner:alpine-v17.4.0', GITLAB_RUNNER_IMAGE),
			v('manager_cpu_request', 'string', 'CPU request of a runner manager pod', '100m', MANAGER_RESOURCES.requests.cpu),
			v('manager_memory_request', 'string', 'Memory request of a runner manager pod', '128Mi', MANAGER_RESOURCES.requests.memory),
			v('manager_cpu_limit', 'string', 'CPU limit of a runner manager pod', '1', MANAGER_RESOURCES.limits.cpu),
			v('manager_memory_limit', 'string', 'Memory limit of a runner manager pod', '512Mi', MANAGER_RESOURCES.limits.memory),
			v(
				'hpa_scale_up_policies',
				SCALE_UP_POLICY_TYPE,
				'Scale-up policies of every runner HPA (behavior.scaleUp.policies)',
				[{ type: 'Pods', value: 2, period_seconds: 60 }],
				[
					{ type: 'Pods', value: 4, period_seconds: 15 },
					{ type: 'Percent', value: 100, period_seconds: 15 }
				]
			),
			v('hpa_scale_down_stabilization_seconds', 'number', 'Seconds the HPAs wait before scaling runner managers down', 300)
		]
	};
	const perType = RUNNER_TYPES.map((t): Section => {
		const s = GITLAB_RUNNER_STACK[t];
		return {
			title: `${t} runner`,
			vars: [
				v(`deploy_${t}_runner`, 'bool', `Deploy the ${t} runner`, t === 'docker', true, true),
				v(`${t}_runner_name`, 'string', `Name of the ${t} runner Deployment (its HPA is <name>-hpa)`, `${t}-runner`, s.name),
				v(`${t}_concurrent_jobs`, 'number', `Jobs one ${t} runner manager runs at once (also the HPA's per-pod target)`, 10, s.concurrent),
				v(`${t}_job_image`, 'string', `Default image of ${t} jobs`, s.jobImage),
				v(`${t}_privileged`, 'bool', `Run ${t} job pods privileged`, false, s.privileged),
				v(`${t}_job_cpu_request`, 'string', `CPU request of a ${t} job pod`, '500m', s.job.requests.cpu),
				v(`${t}_job_memory_request`, 'string', `Memory request of a ${t} job pod`, '1Gi', s.job.requests.memory),
				v(`${t}_job_cpu_limit`, 'string', `CPU limit of a ${t} job pod`, '2', s.job.limits.cpu),
				v(`${t}_job_memory_limit`, 'string', `Memory limit of a ${t} job pod`, '4Gi', s.job.limits.memory),
				v(`${t}_hpa_enabled`, 'bool', `Autoscale the ${t} runner managers`, true),
				v(`${t}_hpa_min_replicas`, 'number', `Fewest ${t} runner manager pods`, 1, s.hpa.min),
				v(`${t}_hpa_max_replicas`, 'number', `Most ${t} runner manager pods`, 5, s.hpa.max)
			]
		};
	});
	return [shared, ...perType];
}

/** ARC stack runner types, in the order of BASE_SCALE_SETS (gh-nix, gh-docker, gh-dind). */
export const ARC_TYPES = ['nix', 'docker', 'dind'] as const;
export type ArcType = (typeof ARC_TYPES)[number];

const EXTRA_SET_TYPE = 'map(object({ min_runners = number, max_runners = number, cpu_request = string, memory_request = string, cpu_limit = string, memory_limit = string }))';

/** `scaleSets`: how many AutoscalingRunnerSets the cluster was installed with (the first three are the typed ones). */
function arcRunnerSections(scaleSets: number): Section[] {
	const shared: Section = {
		title: 'Shared by every scale set',
		vars: [
			v('controller_namespace', 'string', 'Namespace of the ARC controller', ARC_CONTROLLER_NAMESPACE),
			v('runner_namespace', 'string', 'Namespace of the AutoscalingRunnerSets and their runners', ARC_RUNNER_NAMESPACE),
			v('arc_version', 'string', 'gha-runner-scale-set chart version', ARC_VERSION),
			v('github_config_url', 'string', 'GitHub organisation the scale sets register with', '', GITHUB_CONFIG_URL),
			v('github_config_secret', 'string', 'Secret holding the GitHub App credentials', 'github-app', ARC_SECRET),
			v('runner_group', 'string', 'GitHub runner group of the scale sets', 'default', ARC_RUNNER_GROUP),
			v('runner_image', 'string', 'Actions runner image', 'ghcr.io/actions/actions-runner:latest', ACTIONS_RUNNER_IMAGE)
		]
	};
	const perType = ARC_TYPES.map((t, i): Section => {
		const s = BASE_SCALE_SETS[i] ?? scaleSetSpec(i);
		return {
			title: `${t} scale set`,
			vars: [
				v(`deploy_${t}_runner`, 'bool', `Deploy the ${t} scale set`, true, i < scaleSets, true),
				v(`${t}_runner_name`, 'string', `Name of the ${t} AutoscalingRunnerSet (and GitHub scale set)`, `gh-${t}`, s.name),
				v(`${t}_min_runners`, 'number', `Idle ${t} runners kept warm`, 0, s.minRunners),
				v(`${t}_max_runners`, 'number', `Most ${t} runners at once`, 10, s.maxRunners),
				v(`${t}_cpu_request`, 'string', `CPU request of a ${t} runner pod`, '500m', s.resources.requests.cpu),
				v(`${t}_memory_request`, 'string', `Memory request of a ${t} runner pod`, '1Gi', s.resources.requests.memory),
				v(`${t}_cpu_limit`, 'string', `CPU limit of a ${t} runner pod`, '2', s.resources.limits.cpu),
				v(`${t}_memory_limit`, 'string', `Memory limit of a ${t} runner pod`, '4Gi', s.resources.limits.memory)
			]
		};
	});
	const extras: Record<string, HclValue> = {};
	for (let i = ARC_TYPES.length; i < scaleSets; i++) {
		const s = scaleSetSpec(i);
		extras[s.name] = {
			min_runners: s.minRunners,
			max_runners: s.maxRunners,
			cpu_request: s.resources.requests.cpu,
			memory_request: s.resources.requests.memory,
			cpu_limit: s.resources.limits.cpu,
			memory_limit: s.resources.limits.memory
		};
	}
	const more: Section = {
		title: 'More scale sets',
		vars: [v('extra_runner_sets', EXTRA_SET_TYPE, 'Further scale sets by name, beyond the typed ones', {}, extras)]
	};
	return [shared, ...perType, more];
}

/** Every variable section of a stack, for a cluster installed with `scaleSets` scale sets. */
export function stackSections(stack: StackName, scaleSets: number): Section[] {
	return stack === 'gitlab-runners' ? gitlabRunnerSections() : arcRunnerSections(scaleSets);
}

/** What the dev environment resolves each variable to (defaults, then dev.tfvars). */
export function devValues(stack: StackName, scaleSets: number): Record<string, HclValue> {
	const out: Record<string, HclValue> = {};
	for (const s of stackSections(stack, scaleSets)) for (const x of s.vars) out[x.name] = x.dev;
	return out;
}

function same(a: HclValue, b: HclValue): boolean {
	return JSON.stringify(a) === JSON.stringify(b);
}

function rule(title: string): string {
	return `# --- ${title} ${'-'.repeat(Math.max(3, 72 - title.length))}`;
}

export function variablesTf(stack: StackName, scaleSets: number): string {
	const out: string[] = [`# Inputs of the ${stack} stack. Environments set them in <env>.tfvars; unset ones take these defaults.`, ''];
	for (const s of stackSections(stack, scaleSets)) {
		out.push(rule(s.title), '');
		for (const x of s.vars) {
			out.push(`variable "${x.name}" {`);
			out.push(attributes([['description', x.description]], '  '));
			// The type is an expression, not a string: written as is.
			out.push(`  type        = ${x.type}`);
			out.push(`  default     = ${hclValue(x.default, '  ')}`);
			out.push('}', '');
		}
	}
	return out.join('\n');
}

export function devTfvars(stack: StackName, scaleSets: number): string {
	const out: string[] = [`# ${stack}, dev environment. Only what differs from the defaults in variables.tf (plus the deploy switches).`];
	for (const s of stackSections(stack, scaleSets)) {
		const set = s.vars.filter((x) => x.pin || !same(x.dev, x.default));
		if (set.length === 0) continue;
		out.push('', `# ${s.title}`);
		out.push(attributes(set.map((x) => [x.name, x.dev] as const)));
	}
	out.push('');
	return out.join('\n');
}

const q = hclString;

function gitlabRunnersMain(): string {
	const types = RUNNER_TYPES.map(
		(t: RunnerType) =>
			`    ${t} = {\n      enabled     = var.deploy_${t}_runner\n      name        = var.${t}_runner_name\n      concurrent  = var.${t}_concurrent_jobs\n      image       = var.${t}_job_image\n      privileged  = var.${t}_privileged\n      cpu_request = var.${t}_job_cpu_request\n      mem_request = var.${t}_job_memory_request\n      cpu_limit   = var.${t}_job_cpu_limit\n      mem_limit   = var.${t}_job_memory_limit\n      hpa         = var.${t}_hpa_enabled\n      hpa_min     = var.${t}_hpa_min_replicas\n      hpa_max     = var.${t}_hpa_max_replicas\n    }`
	);
	return `# GitLab runner managers on Kubernetes: per runner type a Deployment, its
# config.toml ConfigMap, an HPA on the pending + running job count, and a PDB.

terraform {
  required_version = ">= 1.6.0"
  backend "http" {}
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.35"
    }
  }
}

locals {
  all_runners = {
${types.join('\n')}
  }
  runners = { for k, r in local.all_runners : k => r if r.enabled }
}

resource "kubernetes_config_map_v1" "runner" {
  for_each = local.runners
  metadata {
    name      = "\${each.value.name}-config"
    namespace = var.namespace
    labels    = local.labels[each.key]
  }
  data = {
    "config.toml" = templatefile("\${path.module}/config.toml.tftpl", { runner = each.value, url = var.gitlab_url, namespace = var.namespace })
  }
}

resource "kubernetes_deployment_v1" "runner" {
  for_each = local.runners
  metadata {
    name      = each.value.name
    namespace = var.namespace
    labels    = local.labels[each.key]
  }
  spec {
    replicas = each.value.hpa_min
    selector {
      match_labels = { "app.kubernetes.io/name" = each.value.name, "app.kubernetes.io/instance" = each.value.name }
    }
    template {
      metadata {
        labels      = local.pod_labels[each.key]
        annotations = { "prometheus.io/scrape" = "true", "prometheus.io/port" = "9252" }
      }
      spec {
        service_account_name             = "gitlab-runner"
        termination_grace_period_seconds = 3600
        container {
          name  = "gitlab-runner"
          image = var.runner_image
          args  = ["run"]
          port {
            name           = "metrics"
            container_port = 9252
          }
          resources {
            requests = { cpu = var.manager_cpu_request, memory = var.manager_memory_request }
            limits   = { cpu = var.manager_cpu_limit, memory = var.manager_memory_limit }
          }
          volume_mount {
            name       = "config"
            mount_path = "/etc/gitlab-runner"
          }
        }
        volume {
          name = "config"
          config_map {
            name = kubernetes_config_map_v1.runner[each.key].metadata[0].name
          }
        }
      }
    }
  }
  lifecycle {
    # The HPA owns the replica count.
    ignore_changes = [spec[0].replicas]
  }
}

resource "kubernetes_horizontal_pod_autoscaler_v2" "runner" {
  for_each = { for k, r in local.runners : k => r if r.hpa }
  metadata {
    name      = "\${each.value.name}-hpa"
    namespace = var.namespace
    labels    = local.labels[each.key]
  }
  spec {
    min_replicas = each.value.hpa_min
    max_replicas = each.value.hpa_max
    scale_target_ref {
      api_version = "apps/v1"
      kind        = "Deployment"
      name        = kubernetes_deployment_v1.runner[each.key].metadata[0].name
    }
    metric {
      type = "External"
      external {
        metric {
          name = ${q('gitlab_ci_jobs')}
          selector {
            match_labels = { runner_type = each.key }
          }
        }
        target {
          type          = "AverageValue"
          average_value = each.value.concurrent
        }
      }
    }
    behavior {
      scale_up {
        stabilization_window_seconds = 0
        select_policy                = "Max"
        dynamic "policy" {
          for_each = var.hpa_scale_up_policies
          content {
            type           = policy.value.type
            value          = policy.value.value
            period_seconds = policy.value.period_seconds
          }
        }
      }
      scale_down {
        stabilization_window_seconds = var.hpa_scale_down_stabilization_seconds
        select_policy                = "Max"
        policy {
          type           = "Percent"
          value          = 100
          period_seconds = 15
        }
      }
    }
  }
}

resource "kubernetes_pod_disruption_budget_v1" "runner" {
  for_each = local.runners
  metadata {
    name      = "\${each.value.name}-pdb"
    namespace = var.namespace
    labels    = local.labels[each.key]
  }
  spec {
    min_available = "1"
    selector {
      match_labels = { "app.kubernetes.io/name" = each.value.name, "app.kubernetes.io/instance" = each.value.name }
    }
  }
}

locals {
  pod_labels = { for k, r in local.runners : k => {
    "app.kubernetes.io/name"      = r.name
    "app.kubernetes.io/instance"  = r.name
    "app.kubernetes.io/component" = "runner-manager"
    "app.kubernetes.io/part-of"   = "gitlab-runners"
    "runner-type"                 = k
  } }
  labels = { for k, l in local.pod_labels : k => merge(l, { "app.kubernetes.io/managed-by" = "opentofu" }) }
}

output "runner_deployments" {
  value = [for r in kubernetes_deployment_v1.runner : r.metadata[0].name]
}
`;
}

function arcRunnersMain(): string {
	const types = ARC_TYPES.map(
		(t) =>
			`    (var.${t}_runner_name) = {\n      enabled        = var.deploy_${t}_runner\n      min_runners    = var.${t}_min_runners\n      max_runners    = var.${t}_max_runners\n      cpu_request    = var.${t}_cpu_request\n      memory_request = var.${t}_memory_request\n      cpu_limit      = var.${t}_cpu_limit\n      memory_limit   = var.${t}_memory_limit\n    }`
	);
	return `# ARC runner scale sets: one AutoscalingRunnerSet per runner type (and per extra set)
# in the runner namespace; the controller itself is installed by the platform stack.

terraform {
  required_version = ">= 1.6.0"
  backend "http" {}
  required_providers {
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 2.35"
    }
  }
}

locals {
  typed = {
${types.join('\n')}
  }
  scale_sets = merge(
    { for name, s in local.typed : name => s if s.enabled },
    { for name, s in var.extra_runner_sets : name => merge(s, { enabled = true }) },
  )
}

resource "kubernetes_manifest" "runner_set" {
  for_each = local.scale_sets
  manifest = {
    apiVersion = "actions.github.com/v1alpha1"
    kind       = "AutoscalingRunnerSet"
    metadata = {
      name      = each.key
      namespace = var.runner_namespace
      labels = {
        "app.kubernetes.io/name"                 = each.key
        "app.kubernetes.io/instance"             = each.key
        "app.kubernetes.io/component"            = "autoscaling-runner-set"
        "app.kubernetes.io/part-of"              = "gha-rs"
        "app.kubernetes.io/version"              = var.arc_version
        "app.kubernetes.io/managed-by"           = "Helm"
        "actions.github.com/scale-set-name"      = each.key
        "actions.github.com/scale-set-namespace" = var.runner_namespace
      }
      annotations = {
        "actions.github.com/cleanup-manager-role-name" = "\${each.key}-gha-rs-manager"
        "actions.github.com/runner-group-name"         = var.runner_group
      }
    }
    spec = {
      githubConfigUrl    = var.github_config_url
      githubConfigSecret = var.github_config_secret
      runnerGroup        = var.runner_group
      runnerScaleSetName = each.key
      minRunners         = each.value.min_runners
      maxRunners         = each.value.max_runners
      template = {
        spec = {
          restartPolicy      = "Never"
          serviceAccountName = "\${each.key}-gha-rs-no-permission"
          containers = [{
            name    = "runner"
            image   = var.runner_image
            command = ["/home/runner/run.sh"]
            resources = {
              requests = { cpu = each.value.cpu_request, memory = each.value.memory_request }
              limits   = { cpu = each.value.cpu_limit, memory = each.value.memory_limit }
            }
          }]
        }
      }
    }
  }
}

output "scale_sets" {
  value = keys(local.scale_sets)
}
`;
}

export function mainTf(stack: StackName): string {
	return stack === 'gitlab-runners' ? gitlabRunnersMain() : arcRunnersMain();
}

const CONFIG_TEMPLATE = `concurrent = \${runner.concurrent}
check_interval = 3
log_level = "info"
listen_address = ":9252"

[[runners]]
  name = "\${runner.name}"
  url = "\${url}"
  executor = "kubernetes"
  limit = \${runner.concurrent}
  [runners.kubernetes]
    namespace = "\${namespace}"
    image = "\${runner.image}"
    privileged = \${runner.privileged}
    cpu_request = "\${runner.cpu_request}"
    memory_request = "\${runner.mem_request}"
    cpu_limit = "\${runner.cpu_limit}"
    memory_limit = "\${runner.mem_limit}"
`;

const README = `# gitops

OpenTofu stacks of the CI runner platform.

| Stack | What it manages | State (GitLab-managed) |
| --- | --- | --- |
| \`tofu/stacks/gitlab-runners\` | GitLab runner managers: Deployment, config.toml ConfigMap, HPA, PDB per runner type | \`gitlab-runners-<env>\` |
| \`tofu/stacks/arc-runners\` | ARC AutoscalingRunnerSets per runner type | \`arc-runners-<env>\` |

Change a value in \`<env>.tfvars\`, open a merge request, and the pipeline plans and applies it.
`;

/** Every file of the repository's current tree, by path. */
export function repositoryFiles(scaleSets: number): Map<string, string> {
	const files = new Map<string, string>();
	files.set('README.md', README);
	for (const stack of STACKS) {
		const dir = `tofu/stacks/${stack}`;
		files.set(`${dir}/main.tf`, mainTf(stack));
		files.set(`${dir}/variables.tf`, variablesTf(stack, scaleSets));
		for (const env of ENVIRONMENTS) files.set(`${dir}/${env}.tfvars`, devTfvars(stack, scaleSets));
	}
	files.set('tofu/stacks/gitlab-runners/config.toml.tftpl', CONFIG_TEMPLATE);
	return files;
}
