// Every GitHub workflow validates against the workflow schema (@action-validator/core)
// and pins every third-party action to a full commit SHA with a version comment.
import { validateWorkflow } from '@action-validator/core';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';

const DIR = join(import.meta.dirname, '..', '.github', 'workflows');
const files = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f)).sort();

// @action-validator/core 0.6.0 (the newest release) bundles a workflow schema from before
// GitHub added the `attestations` permission (2024), which actions/attest-build-provenance
// needs. We check that key ourselves and hand the validator a copy without it; every
// other key is validated as written.
const PERMISSION_SCOPES_UNKNOWN_TO_VALIDATOR = ['attestations'];

function forValidator(src: string): string {
	const doc = YAML.parse(src);
	const strip = (perms: unknown) => {
		if (perms && typeof perms === 'object') {
			for (const k of PERMISSION_SCOPES_UNKNOWN_TO_VALIDATOR) {
				const v = (perms as Record<string, unknown>)[k];
				if (v !== undefined) {
					expect(['read', 'write', 'none']).toContain(v);
					delete (perms as Record<string, unknown>)[k];
				}
			}
		}
	};
	strip(doc.permissions);
	for (const job of Object.values<Record<string, unknown>>(doc.jobs ?? {})) strip(job.permissions);
	return YAML.stringify(doc);
}

type Step = { uses?: string; run?: string; name?: string; with?: Record<string, unknown> };
type Job = { uses?: string; steps?: Step[]; permissions?: unknown; 'runs-on'?: unknown; needs?: unknown; if?: string; container?: { image?: string; options?: string } };
type Workflow = { on: unknown; permissions?: unknown; jobs: Record<string, Job> };

function load(f: string): { src: string; doc: Workflow } {
	const src = readFileSync(join(DIR, f), 'utf8');
	return { src, doc: YAML.parse(src) as Workflow };
}

/** Every `uses:` line with its trailing comment, straight from the text. */
function usesLines(src: string): { ref: string; comment: string }[] {
	return [...src.matchAll(/^\s*(?:-\s*)?uses:\s*(\S+)[ \t]*(#.*)?$/gm)].map((m) => ({ ref: m[1] ?? '', comment: m[2] ?? '' }));
}

describe('.github/workflows', () => {
	it('has ci.yml, build-image.yml and release.yml', () => {
		expect(files).toEqual(expect.arrayContaining(['ci.yml', 'build-image.yml', 'release.yml']));
	});

	it('the validator does reject a broken workflow (control)', () => {
		const broken = validateWorkflow('on: push\njobs:\n  x:\n    runs_on: ubuntu-24.04\n    steps: 3\n');
		expect(broken.errors.length).toBeGreaterThan(0);
		const withAttestations = validateWorkflow(
			'on: push\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    permissions:\n      attestations: write\n    steps:\n      - run: "true"\n'
		);
		// If this starts passing, the validator learned the scope and the workaround can go.
		expect(withAttestations.errors.length).toBeGreaterThan(0);
	});

	describe.each(files)('%s', (f) => {
		const { src, doc } = load(f);

		it('validates against the GitHub workflow schema', () => {
			const state = validateWorkflow(forValidator(src));
			expect(state.actionType).toBe('workflow');
			expect(state.errors).toEqual([]);
		});

		it('pins every non-local action to a 40-hex commit SHA with a # vX.Y.Z comment', () => {
			const lines = usesLines(src);
			expect(lines.length).toBeGreaterThan(0);
			for (const { ref, comment } of lines) {
				if (ref.startsWith('./')) continue; // a workflow or action in this repository
				expect(ref, `${f}: ${ref}`).toMatch(/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_./-]+@[0-9a-f]{40}$/);
				expect(comment, `${f}: ${ref} needs a version comment`).toMatch(/^# v\d+\.\d+\.\d+\b/);
			}
			// The text scan and the parsed YAML agree on what is used.
			const parsed = Object.values(doc.jobs).flatMap((j) => [j.uses, ...(j.steps ?? []).map((s) => s.uses)]).filter(Boolean);
			expect(parsed.sort()).toEqual(lines.map((l) => l.ref).sort());
		});

		it('declares least-privilege permissions: none by default at the top, per job where needed', () => {
			const top = doc.permissions;
			expect(top === undefined ? 'missing' : top).not.toBe('missing');
			expect(['write-all', 'read-all']).not.toContain(top);
			if (top && typeof top === 'object') {
				for (const v of Object.values(top as Record<string, string>)) expect(v).not.toBe('write');
			}
			for (const [name, job] of Object.entries(doc.jobs)) {
				if (typeof job.permissions === 'string') expect(job.permissions, `${f}:${name}`).not.toBe('write-all');
			}
		});

		it('never interpolates event data straight into a shell script', () => {
			for (const job of Object.values(doc.jobs)) {
				for (const step of job.steps ?? []) {
					if (!step.run) continue;
					expect(step.run, `${f}: ${step.name ?? step.run.slice(0, 40)}`).not.toMatch(/\$\{\{\s*(github\.(event|head_ref|ref_name)|inputs\.)/);
				}
			}
		});
	});

	it('ci.yml runs every test on Node 20 with chromium, postgresql, prometheus and buildah, privileged only for the image test', () => {
		const { doc } = load('ci.yml');
		expect(Object.keys(doc.on as object).sort()).toEqual(['pull_request', 'push', 'workflow_call']);
		const { test, image } = doc.jobs;
		for (const job of [test!, image!]) {
			const steps = job.steps ?? [];
			expect(steps.find((s) => s.uses?.startsWith('actions/setup-node@'))?.with?.['node-version']).toBe(20);
			expect(steps.map((s) => s.run ?? '')).toContain('node scripts/npm-ci.mjs');
			expect(String(job['runs-on'])).toMatch(/^ubuntu-/);
		}
		const runs = (job: Job) => (job.steps ?? []).map((s) => s.run ?? '').join('\n');
		// Between them the two jobs run the whole suite: everything but the image test, and the image test.
		expect(runs(test!)).toMatch(/^npm test -- --exclude tests\/image\.test\.ts$/m);
		expect(runs(image!)).toMatch(/^npx vitest run tests\/image\.test\.ts$/m);
		for (const pkg of ['chromium', 'postgresql', 'prometheus']) expect(runs(test!)).toMatch(new RegExp(`apt-get install[^\\n]*\\b${pkg}\\b`));
		for (const pkg of ['buildah', 'umoci']) expect(runs(image!)).toMatch(new RegExp(`apt-get install[^\\n]*\\b${pkg}\\b`));
		// Both containers are the packaging image, by digest; only the buildah job is privileged.
		const packager = (load('build-image.yml').doc.jobs.build as Job & { env: Record<string, string> }).env.PACKAGER_IMAGE;
		expect(packager).toMatch(/^docker\.io\/library\/node:22-bookworm@sha256:[0-9a-f]{64}$/);
		expect(test!.container).toEqual({ image: packager });
		expect(image!.container).toEqual({ image: packager, options: '--privileged' });
	});

	it('installs dependencies through scripts/npm-ci.mjs everywhere, never with a bare npm ci or npm install', () => {
		for (const f of files) {
			for (const job of Object.values(load(f).doc.jobs)) {
				for (const step of job.steps ?? []) {
					const text = (step.run ?? '').replace(/node scripts\/npm-ci\.mjs/g, '');
					expect(text, `${f}: ${step.name ?? ''}`).not.toMatch(/\bnpm (ci|install|i)\b/);
				}
			}
		}
	});

	it('build-image.yml builds natively per arch from `npm run package`, merges, attests and signs by digest', () => {
		const { src, doc } = load('build-image.yml');
		const build = doc.jobs.build as Job & { strategy: { matrix: { include: { platform: string; runner: string }[] } } };
		expect(build.strategy.matrix.include).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ platform: 'linux/amd64', runner: 'ubuntu-24.04' }),
				expect.objectContaining({ platform: 'linux/arm64', runner: 'ubuntu-24.04-arm' })
			])
		);
		const buildRuns = (build.steps ?? []).map((s) => s.run ?? '').join('\n');
		expect(buildRuns).toMatch(/^node scripts\/npm-ci\.mjs && npm run package$/m);
		// A manual run publishes only from the default branch or a tag; release.yml's call is a push.
		const guard = "github.event_name != 'workflow_dispatch' || github.ref == format('refs/heads/{0}', github.event.repository.default_branch) || startsWith(github.ref, 'refs/tags/')";
		expect(build.if).toBe(guard);
		expect(doc.jobs.merge!.if).toBe(guard);
		expect(Object.keys(doc.on as object)).toContain('workflow_dispatch');
		const push = (build.steps ?? []).find((s) => s.uses?.startsWith('docker/build-push-action@'));
		expect(push?.with).toMatchObject({ file: 'Dockerfile', sbom: true, provenance: 'mode=max' });
		expect(String(push?.with?.outputs)).toContain('push-by-digest=true');
		const merge = doc.jobs.merge!;
		expect(merge.needs).toBe('build');
		expect(merge.permissions).toMatchObject({ 'id-token': 'write', attestations: 'write', packages: 'write' });
		const mergeUses = (merge.steps ?? []).map((s) => s.uses ?? '');
		expect(mergeUses.some((u) => u.startsWith('actions/attest-build-provenance@'))).toBe(true);
		expect(mergeUses.some((u) => u.startsWith('sigstore/cosign-installer@'))).toBe(true);
		const mergeRuns = (merge.steps ?? []).map((s) => s.run ?? '').join('\n');
		expect(mergeRuns).toContain('cosign sign --yes "$REF"');
		expect(mergeRuns).toContain('docker buildx imagetools create');
		expect(mergeRuns).toContain('GITHUB_STEP_SUMMARY');
		expect(src).toContain('type=sha,prefix=sha-,format=short');
		expect(src).toContain('type=raw,value=edge');
		expect(src).toContain('ghcr.io/${OWNER,,}/runner-dashboard');
	});

	it('release.yml gates on the version check and the test suite, reuses build-image.yml and publishes X.Y.Z, X.Y and X', () => {
		const { src, doc } = load('release.yml');
		expect(doc.on).toEqual({ push: { tags: ['v*.*.*'] } });
		const check = doc.jobs.check!;
		expect((check.steps ?? []).map((s) => s.run)).toContain('node scripts/release/check-version.mjs "$GITHUB_REF_NAME"');
		// The tagged commit passes the whole suite before anything is built or published.
		expect(doc.jobs.ci).toMatchObject({ uses: './.github/workflows/ci.yml', needs: 'check', permissions: { contents: 'read' } });
		const image = doc.jobs.image as Job & { with: { tags: string } };
		expect(image.uses).toBe('./.github/workflows/build-image.yml');
		expect(image.needs).toEqual(['check', 'ci']);
		expect(doc.jobs.publish!.needs).toBe('image');
		expect(image.with.tags.trim().split('\n')).toEqual([
			'type=semver,pattern={{version}}',
			'type=semver,pattern={{major}}.{{minor}}',
			'type=semver,pattern={{major}}'
		]);
		const publish = doc.jobs.publish!;
		const runs = (publish.steps ?? []).map((s) => s.run ?? '').join('\n');
		expect(runs).toContain('node scripts/release/notes.mjs --tag "$GITHUB_REF_NAME" --image "${IMAGE}@${DIGEST}"');
		expect(runs).toContain('sha256sum');
		expect(runs).toContain('.SBOM');
		const gh = (publish.steps ?? []).find((s) => s.uses?.startsWith('softprops/action-gh-release@'));
		expect(String(gh?.with?.files)).toMatch(/\*\.tgz[\s\S]*SHA256SUMS[\s\S]*sbom/);
		expect(gh?.with?.body_path).toBe('release/NOTES.md');
		expect(src).not.toMatch(/:latest\b/);
	});
});
