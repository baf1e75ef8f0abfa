// One configured cluster: informers over the runner namespaces, the source status
// they imply, live change events, and the scale-set drain lever.
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, VersionApi, type KubernetesObject, type RequestContext, type ResponseContext } from '@kubernetes/client-node';

// The same Observable stub client-node's own setHeaderOptions middleware returns.
import { of } from '@kubernetes/client-node/dist/gen/rxjsStub.js';

const PATCH_TIMEOUT_MS = 10_000;
import { ephemeralRunnersOf, PREVIOUS_MAX_ANNOTATION, scaleSetByRunnerId, scaleSets, type ArsObject, type ErObject, type ErsObject, type ScaleSet } from '$lib/core/scale-sets';
import { podView, type PodObject, type PodView } from '$lib/core/pods';
import { ClusterWatch } from '$lib/sources/kubernetes/cluster';
import { withTimeout, type ResourceKind } from '$lib/sources/kubernetes/resources';
import { kubeConfigFor, serverOf } from '$lib/sources/kubernetes/client';
import type { DeniedAccess } from '$lib/core/source-check';
import type { SourceConfig } from '../config';
import type { SourceDeps } from './runner-source';

// Watches are live; the source counts as fresh while they are, checked this often.
const HEALTH_EVERY_MS = 5_000;
// Bursts of object changes become one event per kind per this window.
const COALESCE_MS = 500;

export interface KubernetesSource {
	name: string;
	simulated: boolean;
	scaleSets(): ScaleSet[];
	ephemeralRunners(ss: ScaleSet): ReturnType<typeof ephemeralRunnersOf>;
	pods(): PodView[];
	runnerScaleSets(): Map<number, string>;
	/** Bumped by every change the watches see: a view built at one value holds until it moves. */
	version(): number;
	/** The configured namespaces of the ARC controller and its listeners. */
	arcControllerNamespaces: readonly string[];
	/** Every watched object of a kind, as the API server last sent it (the informers' cache; do not mutate). */
	objects<T = KubernetesObject>(kind: ResourceKind): T[];
	/** Why a kind's objects may be incomplete (its watch not listed yet or failing), or null. */
	unknown(kind: ResourceKind): string | null;
	/**
	 * The permissions the identity lacks (from the source check), so a watch they break is
	 * reported in words with its fix instead of as a failing watch.
	 */
	explainDenied(denied: DeniedAccess[]): void;
	/** Merge-patches an AutoscalingRunnerSet's spec and annotations. */
	patchScaleSet(namespace: string, name: string, patch: { maxRunners: number; previousMax: number | null }): Promise<void>;
	stop(): Promise<void>;
}

export function startKubernetesSource(cfg: Extract<SourceConfig, { kind: 'kubernetes' }>, deps: SourceDeps): KubernetesSource {
	const { sources, bus, metrics, logger } = deps;
	const kc = kubeConfigFor(cfg.kubernetes);
	const log = logger.child({ source: cfg.name });
	sources.register({ name: cfg.name, kind: 'kubernetes', url: serverOf(kc), simulated: cfg.simulated, intervalMs: HEALTH_EVERY_MS });
	let pending = new Set<string>();
	let flush: NodeJS.Timeout | undefined;
	// Bumped by every watch event: the views below are rebuilt from the informers only after one.
	let changes = 0;
	const watch = new ClusterWatch(
		kc,
		cfg.kubernetes,
		(change) => {
			changes++;
			metrics.upstreamRequests.inc({ source: cfg.name, outcome: 'ok' });
			pending.add(change.kind);
			flush ??= setTimeout(() => {
				bus.publish('cluster.delta', { source: cfg.name, kinds: [...pending] });
				pending = new Set();
				flush = undefined;
			}, COALESCE_MS);
		},
		() => void health()
	);
	let wasFailing = false;
	let denied: DeniedAccess[] = [];
	const watching = (d: DeniedAccess) => d.verbs.includes('list') || d.verbs.includes('watch');
	// A watch that hangs reports nothing, so the API server is also asked for its version each check.
	const version = kc.makeApiClient(VersionApi);
	const probe = withTimeout(() => version.getCode() as never, HEALTH_EVERY_MS - 500, 'GET /version');
	let probing = false;
	async function health() {
		if (probing) return;
		probing = true;
		const probeError = await probe().then(
			() => null,
			(e: Error) => e.message
		);
		probing = false;
		const failing = watch.failing().filter((w) => w.lastError);
		if (probeError) {
			sources.failed(cfg.name, `API server not answering: ${probeError}`);
			metrics.sourceUp.set({ source: cfg.name, kind: 'kubernetes' }, 0);
			if (!wasFailing) log.warn({ err: probeError }, 'cluster not answering; serving last objects');
			wasFailing = true;
		} else if (failing.length === 0) {
			// Every watch works; a permission only an action needs (the drain's patch) still degrades it, in words.
			const actions = denied.filter((d) => !watching(d));
			if (actions.length) sources.partlyFailed(cfg.name, actions.map((d) => d.sentence).join('; '));
			else sources.succeeded(cfg.name);
			metrics.sourceUp.set({ source: cfg.name, kind: 'kubernetes' }, 1);
			if (wasFailing) log.info('cluster watches recovered');
			wasFailing = false;
		} else if (failing.every((w) => denied.some((d) => watching(d) && d.namespace === w.namespace && d.group === w.group && d.resource === w.resource))) {
			// Only watches the identity may not make are failing: the rest of the cluster is live; say what to grant.
			const words = [...new Set(failing.flatMap((w) => denied.filter((d) => watching(d) && d.namespace === w.namespace && d.group === w.group && d.resource === w.resource).map((d) => d.sentence)))];
			sources.partlyFailed(cfg.name, words.join('; '));
			metrics.sourceUp.set({ source: cfg.name, kind: 'kubernetes' }, 1);
			if (!wasFailing) log.warn({ err: words[0] }, 'cluster watch refused: a permission is missing');
			wasFailing = true;
		} else {
			sources.failed(cfg.name, `${failing.length} of ${watch.watchCount} watches failing; ${failing[0]!.lastError}`);
			metrics.sourceUp.set({ source: cfg.name, kind: 'kubernetes' }, 0);
			if (!wasFailing) log.warn({ err: failing[0]!.lastError }, 'cluster watch failing; serving last objects');
			wasFailing = true;
		}
	}
	const timer = setInterval(() => void health(), HEALTH_EVERY_MS);
	timer.unref();
	watch.start();

	const custom = kc.makeApiClient(CustomObjectsApi);
	// The informers hold the API's JSON; the views read the fields they need from it.
	const objects = <T = KubernetesObject>(kind: ResourceKind) => watch.list(kind) as unknown as T[];
	// Every read of the pods or scale sets (each API request, each page) would otherwise
	// rebuild thousands of views from the informers; callers must not mutate what they get.
	const sinceLastChange = <T>(build: () => T): (() => T) => {
		let builtAt = -1;
		let value: T;
		return () => {
			if (builtAt !== changes) [value, builtAt] = [build(), changes];
			return value;
		};
	};
	return {
		name: cfg.name,
		simulated: cfg.simulated,
		scaleSets: sinceLastChange(() =>
			scaleSets(cfg.name, cfg.simulated, objects<ArsObject>('AutoscalingRunnerSet'), objects<ErsObject>('EphemeralRunnerSet'), objects<ErObject>('EphemeralRunner'))
		),
		ephemeralRunners: (ss) => ephemeralRunnersOf(ss, objects<ErObject>('EphemeralRunner')),
		pods: sinceLastChange(() => objects<PodObject>('Pod').map(podView).filter((p): p is PodView => p !== null)),
		runnerScaleSets: () => scaleSetByRunnerId(objects<ErObject>('EphemeralRunner')),
		version: () => changes,
		unknown: (kind) => watch.unknown(kind),
		arcControllerNamespaces: cfg.kubernetes.arc_controller_namespaces,
		objects,
		explainDenied(list) {
			denied = list;
			void health();
		},
		async patchScaleSet(namespace, name, patch) {
			const body = {
				metadata: { annotations: { [PREVIOUS_MAX_ANNOTATION]: patch.previousMax === null ? null : String(patch.previousMax) } },
				spec: { maxRunners: patch.maxRunners }
			};
			const options = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
			// client-node sets no timeout: a hung API server must fail the drain, not hold it open.
			const abortAfter = { pre: (ctx: RequestContext) => (ctx.setSignal(AbortSignal.timeout(PATCH_TIMEOUT_MS)), of(ctx)), post: (r: ResponseContext) => of(r) };
			await custom
				.patchNamespacedCustomObject(
					{ group: 'actions.github.com', version: 'v1alpha1', namespace, plural: 'autoscalingrunnersets', name, body },
					{ ...options, middleware: [...(options.middleware ?? []), abortAfter] } as typeof options
				)
				.catch((e: Error) => {
					throw e.name === 'AbortError' || e.name === 'TimeoutError' ? new Error(`the Kubernetes API did not answer the patch of ${namespace}/${name} within ${PATCH_TIMEOUT_MS / 1000} s`) : e;
				});
		},
		async stop() {
			clearInterval(timer);
			clearTimeout(flush);
			await watch.stop();
		}
	};
}
