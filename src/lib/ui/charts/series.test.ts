import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import TimeSeriesChart from './TimeSeriesChart.svelte';
import { alignSeries, colourVar, dashOf, formatValue, latestPoint } from './series';

describe('alignSeries', () => {
	it('puts every series on the union of timestamps, null (a gap) where a series has no point', () => {
		expect(
			alignSeries([
				{ key: 'a', label: 'a', points: [[30, 1], [10, 2]] },
				{ key: 'b', label: 'b', points: [[20, 5], [30, null], [40, Number.NaN]] }
			])
		).toEqual([[10, 20, 30, 40], [2, null, 1, null], [null, 5, null, null]]);
	});
	it('is empty for no series', () => expect(alignSeries([])).toEqual([[]]));
});

describe('latestPoint', () => {
	it('skips trailing gaps', () => expect(latestPoint([[1, 3], [2, 4], [3, null]])).toEqual([2, 4]));
	it('is null without values', () => expect(latestPoint([[1, null]])).toBeNull());
});

describe('formatValue', () => {
	it('writes every value with its unit', () => {
		expect(formatValue(12, 'jobs')).toBe('12 jobs');
		expect(formatValue(1, 'jobs')).toBe('1 job');
		expect(formatValue(2.25, 'jobs')).toBe('2.3 jobs');
		expect(formatValue(4.2, 'seconds')).toBe('4.2 s');
		expect(formatValue(42, 'seconds')).toBe('42 s');
		expect(formatValue(210, 'seconds')).toBe('3.5 min');
		expect(formatValue(7200, 'seconds')).toBe('2 h');
		expect(formatValue(0.734, 'ratio')).toBe('73 %');
		expect(formatValue(0.05, 'ratio')).toBe('5 %');
		expect(formatValue(3.456, 'jobs/min')).toBe('3.46 jobs/min');
		expect(formatValue(7, 'replicas')).toBe('7');
		expect(formatValue(null, 'jobs')).toBe('—');
		expect(formatValue(Number.POSITIVE_INFINITY, 'seconds')).toBe('—');
	});
});

describe('series styles', () => {
	it('never gives two of the first 16 series the same colour and dash', () => {
		const seen = new Set(Array.from({ length: 16 }, (_, i) => `${colourVar(i)}|${dashOf(i).join(',')}`));
		expect(seen.size).toBe(16);
	});
});

describe('TimeSeriesChart on the server', () => {
	it('renders each series’ latest value as text and data attributes, with a labelled chart area', () => {
		const { body } = render(TimeSeriesChart, {
			props: {
				title: 'Pending jobs',
				panel: 'pending',
				unit: 'jobs',
				series: [
					{ key: 'gitlab/docker', label: 'docker', points: [[100, 3], [115, 12], [130, null]] },
					{ key: 'gitlab/nix', label: 'nix', points: [[100, null]] }
				]
			}
		});
		expect(body).toContain('data-panel="pending" data-series="gitlab/docker" data-value="12" data-at="115"');
		expect(body).toContain('data-series="gitlab/nix" data-value=""');
		expect(body).toContain('12 jobs');
		expect(body).toMatch(/aria-label="Pending jobs: 2 series/);
		expect(body).toContain('Chart loads in the browser');
	});

	it('says so when there is nothing to draw', () => {
		const { body } = render(TimeSeriesChart, { props: { title: 'Wait', panel: 'wait_p50_s', unit: 'seconds', series: [], empty: 'No jobs started in this window.' } });
		expect(body).toContain('No jobs started in this window.');
		expect(body).not.toContain('data-series');
	});
});
