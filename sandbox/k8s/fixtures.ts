// Fixture objects for the /k8s tests: a GitLab runner Deployment with its HPA, pods,
// ConfigMap and Events in gitlab-runners, and an ARC scale set with its
// EphemeralRunnerSet and EphemeralRunners in arc-runners. Shaped as the real
// controllers write them, so kubectl's typed describers decode them.
// Names carry a `fx-` prefix where the simulation might write the same object.

import type { K8sObject, NewObject, ObjectStore } from './store.js';

export const GL = 'gitlab-runners';
export const ARC = 'arc-runners';
const T0 = '2026-01-01T00:00:00Z';

export interface Fixture {
	deployment: K8sObject;
	hpa: K8sObject;
	pods: K8sObject[];
	scaleSet: K8sObject;
	runners: K8sObject[];
}

function namespace(name: string): NewObject {
	return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'kubernetes.io/metadata.name': name } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
}

function pod(name: string, app: string, ready: boolean, restarts: number): NewObject {
	return {
		apiVersion: 'v1',
		kind: 'Pod',
		metadata: { name, namespace: GL, labels: { app, 'pod-template-hash': '7c9d8f6b5d' }, creationTimestamp: T0 },
		spec: {
			containers: [{ name: 'runner', image: 'gitlab/gitlab-runner:v17.5.2', resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } } }],
			nodeName: 'node-a',
			restartPolicy: 'Always',
			serviceAccountName: 'default'
		},
		status: {
			phase: ready ? 'Running' : 'Pending',
			podIP: ready ? '10.42.0.17' : undefined,
			conditions: [{ type: 'Ready', status: ready ? 'True' : 'False', lastTransitionTime: T0 }],
			containerStatuses: [
				{
					name: 'runner',
					image: 'gitlab/gitlab-runner:v17.5.2',
					imageID: '',
					ready,
					restartCount: restarts,
					started: ready,
					state: ready ? { running: { startedAt: T0 } } : { waiting: { reason: 'ContainerCreating' } }
				}
			]
		}
	};
}

/** Writes the fixture into the store and returns the stored objects (with uids and versions). */
export function loadFixture(store: ObjectStore): Fixture {
	store.upsert(namespace(GL));
	store.upsert(namespace(ARC));
	const deployment = store.upsert({
		apiVersion: 'apps/v1',
		kind: 'Deployment',
		metadata: { name: 'fx-docker-runner', namespace: GL, labels: { app: 'fx-docker-runner', 'app.kubernetes.io/managed-by': 'opentofu' }, creationTimestamp: T0 },
		spec: {
			replicas: 2,
			selector: { matchLabels: { app: 'fx-docker-runner' } },
			template: {
				metadata: { labels: { app: 'fx-docker-runner' } },
				spec: { containers: [{ name: 'runner', image: 'gitlab/gitlab-runner:v17.5.2' }] }
			},
			strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }
		},
		status: { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 1, availableReplicas: 1 }
	});
	const hpa = store.upsert({
		apiVersion: 'autoscaling/v2',
		kind: 'HorizontalPodAutoscaler',
		metadata: { name: 'fx-docker-runner-hpa', namespace: GL, labels: { app: 'fx-docker-runner' }, creationTimestamp: T0 },
		spec: {
			scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'fx-docker-runner' },
			minReplicas: 1,
			maxReplicas: 8,
			metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }]
		},
		status: {
			currentReplicas: 2,
			desiredReplicas: 2,
			currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 45, averageValue: '45m' } } }],
			conditions: [{ type: 'AbleToScale', status: 'True', reason: 'ReadyForNewScale', message: 'recommended size matches current size', lastTransitionTime: T0 }]
		}
	});
	const pods = [store.upsert(pod('fx-docker-runner-7c9d8f6b5d-abcde', 'fx-docker-runner', true, 3)), store.upsert(pod('fx-docker-runner-7c9d8f6b5d-fghij', 'fx-docker-runner', false, 0))];
	store.upsert({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fx-docker-runner-config', namespace: GL, labels: { app: 'fx-docker-runner' } }, data: { 'config.toml': 'concurrent = 4\n', 'entrypoint': '#!/bin/sh\n' } });
	const scaleSet = store.upsert({
		apiVersion: 'actions.github.com/v1alpha1',
		kind: 'AutoscalingRunnerSet',
		metadata: { name: 'fx-gh-docker', namespace: ARC, labels: { 'app.kubernetes.io/component': 'autoscaling-runner-set', 'actions.github.com/scale-set-name': 'fx-gh-docker' }, creationTimestamp: T0 },
		spec: { githubConfigUrl: 'https://github.com/platform', githubConfigSecret: 'github-app', runnerScaleSetName: 'fx-gh-docker', minRunners: 0, maxRunners: 10, template: { spec: { containers: [{ name: 'runner', image: 'ghcr.io/actions/actions-runner:2.321.0' }] } } },
		status: { currentRunners: 2, phase: 'Running', pendingEphemeralRunners: 1, runningEphemeralRunners: 1, failedEphemeralRunners: 0 }
	});
	store.upsert({
		apiVersion: 'actions.github.com/v1alpha1',
		kind: 'EphemeralRunnerSet',
		metadata: { name: 'fx-gh-docker-x7k2p', namespace: ARC, labels: { 'actions.github.com/scale-set-name': 'fx-gh-docker' }, creationTimestamp: T0 },
		spec: { replicas: 2, ephemeralRunnerSpec: { githubConfigUrl: 'https://github.com/platform' } },
		status: { currentReplicas: 2, pendingEphemeralRunners: 1, runningEphemeralRunners: 1 }
	});
	const runners = ['r4m9q', 'z8w3n'].map((id, i) =>
		store.upsert({
			apiVersion: 'actions.github.com/v1alpha1',
			kind: 'EphemeralRunner',
			metadata: { name: `fx-gh-docker-x7k2p-runner-${id}`, namespace: ARC, labels: { 'actions.github.com/scale-set-name': 'fx-gh-docker' }, creationTimestamp: T0 },
			spec: { githubConfigUrl: 'https://github.com/platform' },
			status:
				i === 0
					? { phase: 'Running', ready: true, runnerId: 4101, runnerName: `fx-gh-docker-x7k2p-runner-${id}`, jobRepositoryName: 'platform/infra', jobWorkflowRef: 'platform/infra/.github/workflows/ci.yml@refs/heads/main', workflowRunId: 9001, jobDisplayName: 'build' }
					: { phase: 'Pending', ready: false }
		})
	);
	const event = (name: string, obj: K8sObject, reason: string, message: string, type = 'Normal'): NewObject => ({
		apiVersion: 'v1',
		kind: 'Event',
		metadata: { name, namespace: obj.metadata.namespace },
		involvedObject: { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion },
		reason,
		message,
		type,
		source: { component: 'sandbox' },
		firstTimestamp: T0,
		lastTimestamp: T0,
		count: 1
	});
	store.upsert(event('fx-docker-runner-hpa.1', hpa, 'SuccessfulRescale', 'New size: 2; reason: cpu resource utilization (percentage of request) above target'));
	store.upsert(event('fx-pod.1', pods[0] as K8sObject, 'Started', 'Started container runner'));
	store.upsert(event('fx-gh-docker.1', scaleSet, 'RunnerScaleSetReady', 'Listener fx-gh-docker-754b578d-listener is running'));
	store.upsert({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'fx-runner-dashboard', namespace: GL }, spec: { holderIdentity: 'dashboard-0', leaseDurationSeconds: 15 } });
	return { deployment, hpa, pods, scaleSet, runners };
}
