import { describe, expect, it } from 'vitest';
import { PatchConflict, PatchMalformed, jsonPatch, mergePatch, strategicMergePatch } from './patch.js';

const deployment = {
	metadata: { name: 'd', labels: { a: '1', b: '2' }, finalizers: ['x'] },
	spec: {
		replicas: 2,
		template: {
			spec: {
				containers: [
					{ name: 'runner', image: 'r:1', env: [{ name: 'A', value: '1' }], ports: [{ containerPort: 80 }] },
					{ name: 'sidecar', image: 's:1' }
				],
				tolerations: [{ key: 'k' }]
			}
		}
	}
};

describe('merge patch (RFC 7386)', () => {
	it('merges objects, deletes on null, replaces lists, and leaves the input alone', () => {
		const before = structuredClone(deployment);
		const out = mergePatch(deployment, { metadata: { labels: { a: null, c: '3' } }, spec: { replicas: 5, template: { spec: { tolerations: [] } } } }) as any;
		expect(out.metadata.labels).toEqual({ b: '2', c: '3' });
		expect(out.spec.replicas).toBe(5);
		expect(out.spec.template.spec.tolerations).toEqual([]);
		expect(out.spec.template.spec.containers).toHaveLength(2);
		expect(deployment).toEqual(before);
	});

	it('replaces the whole document with a non-object patch', () => {
		expect(mergePatch({ a: 1 }, [1, 2])).toEqual([1, 2]);
	});
});

describe('strategic merge patch', () => {
	it('merges containers by name and env by name, keeping the others', () => {
		const out = strategicMergePatch(deployment, {
			spec: { template: { spec: { containers: [{ name: 'runner', image: 'r:2', env: [{ name: 'B', value: '2' }] }, { name: 'new', image: 'n:1' }] } } }
		}) as any;
		const cs = out.spec.template.spec.containers;
		expect(cs.map((c: any) => c.name)).toEqual(['runner', 'sidecar', 'new']);
		expect(cs[0].image).toBe('r:2');
		expect(cs[0].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '2' }]);
		expect(cs[0].ports).toEqual([{ containerPort: 80 }]);
	});

	it('honours $patch delete and replace, unions finalizers, replaces lists without a merge key', () => {
		const out = strategicMergePatch(deployment, {
			metadata: { finalizers: ['y', 'x'] },
			spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }], tolerations: [{ key: 'z' }] } } }
		}) as any;
		expect(out.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['runner']);
		expect(out.spec.template.spec.tolerations).toEqual([{ key: 'z' }]);
		expect(out.metadata.finalizers).toEqual(['x', 'y']);
		const replaced = strategicMergePatch(deployment, { spec: { template: { spec: { containers: [{ name: 'only', image: 'o' }, { $patch: 'replace' }] } } } }) as any;
		expect(replaced.spec.template.spec.containers).toEqual([{ name: 'only', image: 'o' }]);
		const whole = strategicMergePatch(deployment, { spec: { $patch: 'replace', replicas: 1 } }) as any;
		expect(whole.spec).toEqual({ replicas: 1 });
	});

	it('drops $setElementOrder directives and refuses list items without the merge key', () => {
		const out = strategicMergePatch(deployment, { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'runner' }], containers: [{ name: 'runner', image: 'r:3' }] } } } }) as any;
		expect(Object.keys(out.spec.template.spec)).not.toContain('$setElementOrder/containers');
		expect(() => strategicMergePatch(deployment, { spec: { template: { spec: { containers: [{ image: 'x' }] } } } })).toThrow(PatchConflict);
		expect(() => strategicMergePatch(deployment, { $patch: 'bogus' })).toThrow(PatchMalformed);
	});
});

describe('JSON patch (RFC 6902)', () => {
	it('applies add, replace, remove, move, copy and test in order', () => {
		const out = jsonPatch(deployment, [
			{ op: 'replace', path: '/spec/replicas', value: 7 },
			{ op: 'add', path: '/metadata/labels/app.kubernetes.io~1name', value: 'x' },
			{ op: 'remove', path: '/metadata/labels/a' },
			{ op: 'add', path: '/spec/template/spec/containers/-', value: { name: 'last' } },
			{ op: 'add', path: '/spec/template/spec/containers/0', value: { name: 'first' } },
			{ op: 'copy', from: '/spec/replicas', path: '/spec/copied' },
			{ op: 'move', from: '/spec/copied', path: '/spec/moved' },
			{ op: 'test', path: '/spec/moved', value: 7 }
		]) as any;
		expect(out.spec.replicas).toBe(7);
		expect(out.metadata.labels).toEqual({ b: '2', 'app.kubernetes.io/name': 'x' });
		expect(out.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['first', 'runner', 'sidecar', 'last']);
		expect(out.spec.moved).toBe(7);
		expect(out.spec).not.toHaveProperty('copied');
		expect(deployment.spec.replicas).toBe(2);
	});

	it('separates malformed patches (400) from ones that do not apply (422)', () => {
		expect(() => jsonPatch(deployment, { op: 'add' })).toThrow(PatchMalformed);
		expect(() => jsonPatch(deployment, [{ op: 'frob', path: '/a' }])).toThrow(PatchMalformed);
		expect(() => jsonPatch(deployment, [{ op: 'add', path: '/a' }])).toThrow(PatchMalformed);
		expect(() => jsonPatch(deployment, [{ op: 'remove', path: '/spec/nothing' }])).toThrow(PatchConflict);
		expect(() => jsonPatch(deployment, [{ op: 'replace', path: '/spec/nothing', value: 1 }])).toThrow(PatchConflict);
		expect(() => jsonPatch(deployment, [{ op: 'add', path: '/no/such/parent', value: 1 }])).toThrow(PatchConflict);
		expect(() => jsonPatch(deployment, [{ op: 'add', path: '/spec/template/spec/containers/9', value: 1 }])).toThrow(PatchConflict);
		expect(() => jsonPatch(deployment, [{ op: 'test', path: '/spec/replicas', value: 3 }])).toThrow(/test failed/);
	});
});
