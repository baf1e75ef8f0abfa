// Ignore rules, like Argo CD's ignoreDifferences: per kind (and optionally name
// and namespace globs) the fields whose differences are expected — set by
// controllers, the API server or an autoscaler.
import { globMatch } from './glob';
import type { IgnoreRule } from './map';
import { parsePath, parsePointer, pathMatches, type Leaf, type Segment } from './paths';
import type { ObjectRef } from './types';

interface CompiledRule {
	kind: string;
	name?: string;
	namespace?: string;
	paths: Segment[][];
}

export interface IgnoreSet {
	/** True when the leaf of the object is ignored. */
	ignores(ref: ObjectRef, leaf: Pick<Leaf, 'segments' | 'indexes'>): boolean;
}

/** Compiles rules; `hpaTargets` (`namespace/name`) are Deployments whose spec.replicas an HPA owns. */
export function compileIgnores(rules: IgnoreRule[], hpaTargets: Set<string>): IgnoreSet {
	const compiled: CompiledRule[] = rules.map((r) => ({
		kind: r.kind,
		name: r.name,
		namespace: r.namespace,
		paths: r.paths.map((p) => (p.startsWith('/') ? parsePointer(p) : (parsePath(p) ?? [{ key: p }])))
	}));
	const replicas: Segment[] = [{ key: 'spec' }, { key: 'replicas' }];
	return {
		ignores(ref, leaf) {
			if (ref.kind === 'Deployment' && hpaTargets.has(`${ref.namespace ?? ''}/${ref.name}`) && pathMatches(replicas, leaf)) return true;
			for (const r of compiled) {
				if (!globMatch(r.kind, ref.kind)) continue;
				if (r.name !== undefined && !globMatch(r.name, ref.name)) continue;
				if (r.namespace !== undefined && !globMatch(r.namespace, ref.namespace ?? '')) continue;
				if (r.paths.some((p) => pathMatches(p, leaf))) return true;
			}
			return false;
		}
	};
}
