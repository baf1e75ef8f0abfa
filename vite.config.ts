import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';
import { buildInfo } from './scripts/build-info.mjs';

export default defineConfig({
	plugins: [sveltekit()],
	define: {
		__BUILD_INFO__: JSON.stringify(buildInfo())
	},
	test: {
		include: ['src/**/*.test.ts', 'sandbox/**/*.test.ts', 'tests/**/*.test.ts', 'scripts/**/*.test.ts'],
		environment: 'node',
		testTimeout: 60_000,
		hookTimeout: 120_000,
		// The JSON report lets .ci/run print a plain "N passed, N failed" line.
		reporters: ['default', 'json'],
		outputFile: { json: '.test-results/vitest.json' },
		pool: 'forks',
		maxWorkers: 2
	}
});
