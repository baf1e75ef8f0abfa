import { describe, expect, it } from 'vitest';
import { displayQuantity, isQuantityPath, normaliseValue, parseQuantity, sameValue } from './quantity';

describe('parseQuantity', () => {
	it('parses decimal, binary and exponent suffixes to base units', () => {
		expect(parseQuantity('500m')).toBe(0.5);
		expect(parseQuantity('100m')).toBe(0.1);
		expect(parseQuantity('300m')).toBe(0.3);
		expect(parseQuantity('1')).toBe(1);
		expect(parseQuantity('2.5')).toBe(2.5);
		expect(parseQuantity('1Gi')).toBe(1073741824);
		expect(parseQuantity('1536Mi')).toBe(parseQuantity('1.5Gi'));
		expect(parseQuantity('1Ki')).toBe(1024);
		expect(parseQuantity('1G')).toBe(1e9);
		expect(parseQuantity('1k')).toBe(1000);
		expect(parseQuantity('1M')).toBe(1e6);
		expect(parseQuantity('1e3')).toBe(1000);
		expect(parseQuantity('1E3')).toBe(1000);
		expect(parseQuantity('1E')).toBe(1e18);
		expect(parseQuantity('250u')).toBe(0.00025);
		expect(parseQuantity('5n')).toBe(5e-9);
		expect(parseQuantity('-1')).toBe(-1);
		expect(parseQuantity(' 2Gi ')).toBe(2 * 2 ** 30);
		expect(parseQuantity(4)).toBe(4);
		// HPA metric targets and current values (autoscaler views) are read with the same parser.
		expect(parseQuantity('12')).toBe(12);
		expect(parseQuantity('1.5k')).toBe(1500);
		expect(parseQuantity('2e3')).toBe(2000);
		expect(parseQuantity(7)).toBe(7);
	});

	it('rejects what is not a quantity', () => {
		for (const s of ['', 'abc', '1Gb', '1 Gi', 'm', '1.2.3', '0x10']) expect(parseQuantity(s), s).toBeNull();
		expect(parseQuantity(Number.NaN)).toBeNull();
		for (const q of ['1x', undefined, null]) expect(parseQuantity(q)).toBeNull();
	});

	it('rounds to the decimal a quantity is, not to a binary floating-point neighbour', () => {
		expect(parseQuantity('300m')).toBe(0.3);
		expect(parseQuantity('700m')).toBe(0.7);
		expect(parseQuantity('1100m')).toBe(1.1);
		expect(parseQuantity('0.1k')).toBe(100);
		expect(parseQuantity('3e-1')).toBe(0.3);
	});
});

describe('normaliseValue', () => {
	it('normalises quantities only on cpu/memory/storage fields', () => {
		expect(normaliseValue('spec.template.spec.containers[name=runner].resources.requests.cpu', '500m')).toBe(0.5);
		expect(normaliseValue('resources.limits.memory', '1Gi')).toBe(2 ** 30);
		expect(normaliseValue('data["config.toml"]#runners.kubernetes.memory_request', '2Gi')).toBe(2 * 2 ** 30);
		expect(normaliseValue('resources.requests.ephemeral-storage', '1G')).toBe(1e9);
		expect(normaliseValue('metadata.name', '1G')).toBe('1G');
		expect(isQuantityPath('metadata.labels.team')).toBe(false);
	});

	it('treats numeric strings as numbers and "true"/"false" as booleans', () => {
		expect(normaliseValue('spec.replicas', '3')).toBe(3);
		expect(normaliseValue('spec.x', '0.50')).toBe(0.5);
		expect(normaliseValue('spec.flag', 'true')).toBe(true);
		expect(normaliseValue('spec.flag', 'false')).toBe(false);
		expect(normaliseValue('spec.flag', false)).toBe(false);
		expect(normaliseValue('spec.name', 'runner')).toBe('runner');
		expect(normaliseValue('spec.name', undefined)).toBeNull();
	});

	it('recurses into objects and lists with the nested path', () => {
		expect(normaliseValue('resources', { requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: 1 } })).toEqual({ requests: { cpu: 0.25, memory: 512 * 2 ** 20 }, limits: { cpu: 1 } });
		expect(normaliseValue('spec.args', ['1', 'x'])).toEqual([1, 'x']);
	});
});

describe('sameValue', () => {
	it('compares JSON deeply, ignoring key order', () => {
		expect(sameValue({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
		expect(sameValue({ a: 1 }, { a: 1, b: 2 })).toBe(false);
		expect(sameValue([1, 2], [2, 1])).toBe(false);
		expect(sameValue(null, 0)).toBe(false);
		expect(sameValue([], {})).toBe(false);
		expect(sameValue(normaliseValue('cpu', '1000m'), normaliseValue('cpu', 1))).toBe(true);
	});
});

describe('displayQuantity', () => {
	it.each([
		['spec.resources.limits.memory', 2 ** 30, '1Gi'],
		['spec.resources.requests.memory', 1536 * 2 ** 20, '1536Mi'],
		['spec.resources.requests.memory', 128 * 2 ** 20, '128Mi'],
		['spec.resources.requests.memory', 1e9, '1G'],
		['spec.resources.requests.memory', 1000, '1k'],
		['spec.resources.requests.memory', 1023, '1023'],
		['spec.resources.requests.cpu', 0.5, '500m'],
		['spec.resources.requests.cpu', 0.1, '100m'],
		['spec.resources.limits.cpu', 2, '2'],
		['data["config.toml"]#runners.kubernetes.cpu_request', 0.25, '250m']
	])('%s %d → %s, which parses back to the same value', (path, v, text) => {
		expect(displayQuantity(path, v)).toBe(text);
		expect(parseQuantity(text)).toBe(v);
	});

	it('leaves non-quantity fields and non-numbers alone', () => {
		expect(displayQuantity('spec.maxReplicas', 8)).toBe(8);
		expect(displayQuantity('spec.resources.limits.memory', '1Gi')).toBe('1Gi');
		expect(displayQuantity('spec.resources.limits.memory', null)).toBe(null);
	});
});
