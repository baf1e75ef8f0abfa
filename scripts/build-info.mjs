// Version, git revision and build date, computed the same way for the app bundle,
// the CLI bundle and the packaged artifact. The date comes from SOURCE_DATE_EPOCH,
// else the commit time, so two builds of one commit are identical.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

function git(args) {
	try {
		return execFileSync('git', args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();
	} catch {
		return '';
	}
}

export function buildInfo() {
	const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
	const revision = git(['rev-parse', 'HEAD']) || 'unknown';
	const epoch = process.env.SOURCE_DATE_EPOCH || git(['log', '-1', '--format=%ct']) || '0';
	return {
		version: pkg.version,
		revision,
		built_at: new Date(Number(epoch) * 1000).toISOString(),
		node_abi: process.versions.modules
	};
}
