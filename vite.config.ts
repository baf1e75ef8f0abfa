import { sveltekit } from '@sveltejs/kit/vite';
import { configDefaults, defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import { buildInfo } from './scripts/build-info.mjs';

const define = { __BUILD_INFO__: JSON.stringify(buildInfo()) };

/** Checks every API answer the other test files received against the OpenAPI document. */
const CONTRACT_CHECK = 'tests/api-responses.test.ts';

// The projects do not extend this file: a project that does takes its maxWorkers from
// here and ignores --maxWorkers on the command line; without it, they use the run's.
function project(test: NonNullable<TestProjectInlineConfiguration['test']>): TestProjectInlineConfiguration {
	return { plugins: [sveltekit()], define, test: { environment: 'node', testTimeout: 60_000, hookTimeout: 120_000, pool: 'forks', ...test } };
}

export default defineConfig({
	plugins: [sveltekit()],
	define,
	test: {
		// The JSON report lets .ci/run print a plain "N passed, N failed" line.
		reporters: ['default', 'json'],
		outputFile: { json: '.test-results/vitest.json' },
		maxWorkers: 2,
		projects: [
			project({
				name: 'dashboard',
				include: ['src/**/*.test.ts', 'sandbox/**/*.test.ts', 'tests/**/*.test.ts', 'scripts/**/*.test.ts'],
				exclude: [...configDefaults.exclude, CONTRACT_CHECK],
				// Every API answer a test's fetch receives is written down for the contract check.
				setupFiles: ['tests/contract/recorder.ts'],
				globalSetup: ['tests/contract/global-setup.ts'],
				sequence: { groupOrder: 1 }
			}),
			// A later group: it starts once every file of the project above has finished.
			project({ name: 'api-contract', include: [CONTRACT_CHECK], sequence: { groupOrder: 2 } })
		]
	}
});
