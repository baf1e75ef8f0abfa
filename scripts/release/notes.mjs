#!/usr/bin/env node
// Release notes from conventional commits between the previous release tag and this one,
// grouped into features, fixes and other changes, with the deploy snippet for the
// OpenTofu module (image by digest) on top.
// Usage: node scripts/release/notes.mjs --tag vX.Y.Z [--previous vA.B.C] --image REPO@sha256:... [--cwd DIR]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CONVENTIONAL = /^(?<type>[a-zA-Z]+)(?:\((?<scope>[^)]*)\))?(?<bang>!)?:\s*(?<subject>.+)$/;

/** Parses one commit (hash, subject, body) into its conventional-commit parts. */
export function parseCommit({ hash, subject, body = '' }) {
	const m = CONVENTIONAL.exec(subject.trim());
	const breaking = Boolean(m?.groups.bang) || /^BREAKING[ -]CHANGE:/m.test(body);
	if (!m) return { hash, type: 'other', scope: null, subject: subject.trim(), breaking };
	const type = m.groups.type.toLowerCase();
	return {
		hash,
		type: type === 'feat' || type === 'fix' ? type : 'other',
		rawType: type,
		scope: m.groups.scope || null,
		subject: m.groups.subject.trim(),
		breaking
	};
}

/** Renders the notes markdown from parsed commits. */
export function renderNotes({ tag, previous, image, commits }) {
	const line = (c) =>
		`- ${c.scope ? `**${c.scope}:** ` : ''}${c.subject}${c.type === 'other' && c.rawType ? ` (${c.rawType})` : ''} (${c.hash.slice(0, 7)})`;
	const groups = [
		['Features', commits.filter((c) => c.type === 'feat')],
		['Fixes', commits.filter((c) => c.type === 'fix')],
		['Other changes', commits.filter((c) => c.type === 'other')]
	];
	const out = [`# runner-dashboard ${tag}`, ''];
	out.push('## Deploy', '', 'With the OpenTofu module `deploy/tofu/modules/runner-dashboard`:', '', '```hcl', `image = "${image}"`, '```', '');
	out.push('Verify the signature and provenance before deploying:', '', '```sh');
	out.push(`cosign verify ${image} --certificate-oidc-issuer https://token.actions.githubusercontent.com --certificate-identity-regexp '/\\.github/workflows/build-image\\.yml@'`);
	out.push(`gh attestation verify oci://${image} --owner ${ownerOf(image)}`, '```', '');
	const breaking = commits.filter((c) => c.breaking);
	if (breaking.length) out.push('## Breaking changes', '', ...breaking.map(line), '');
	for (const [title, list] of groups) if (list.length) out.push(`## ${title}`, '', ...list.map(line), '');
	if (!commits.length) out.push('No commits since the previous release.', '');
	out.push(previous ? `Changes since ${previous}.` : 'First release.', '');
	return out.join('\n');
}

function ownerOf(image) {
	const parts = image.split('@')[0].split('/');
	return parts.length >= 3 ? parts[1] : parts[0];
}

function git(cwd, args) {
	return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The newest v*.*.* tag reachable from tag's parent, or null for the first release. */
export function previousTag(cwd, tag) {
	try {
		return git(cwd, ['describe', '--tags', '--abbrev=0', '--match', 'v[0-9]*.[0-9]*.[0-9]*', `${tag}^`]).trim() || null;
	} catch {
		return null;
	}
}

/** Commits in (previous, tag], oldest last as git log prints them. */
export function commitsBetween(cwd, previous, tag) {
	const range = previous ? `${previous}..${tag}` : tag;
	const raw = git(cwd, ['log', '--no-merges', '--format=%H%x1f%s%x1f%b%x1e', range]);
	return raw
		.split('\x1e')
		.map((r) => r.replace(/^\n/, ''))
		.filter((r) => r.trim())
		.map((r) => {
			const [hash, subject, body] = r.split('\x1f');
			return parseCommit({ hash, subject, body });
		});
}

function main(argv) {
	const opts = {};
	for (let i = 0; i < argv.length; i += 2) {
		const k = argv[i];
		if (!['--tag', '--previous', '--image', '--cwd'].includes(k) || argv[i + 1] === undefined) {
			console.error('usage: notes.mjs --tag vX.Y.Z [--previous vA.B.C] --image REPO@sha256:<64 hex> [--cwd DIR]');
			return 2;
		}
		opts[k.slice(2)] = argv[i + 1];
	}
	if (!opts.tag || !opts.image) {
		console.error('notes.mjs: --tag and --image are required');
		return 2;
	}
	if (!/^[a-z0-9./_:-]+@sha256:[0-9a-f]{64}$/.test(opts.image)) {
		console.error(`notes.mjs: --image must be REPO@sha256:<64 hex>, got ${opts.image}`);
		return 2;
	}
	const cwd = opts.cwd ?? process.cwd();
	const previous = opts.previous ?? previousTag(cwd, opts.tag);
	const commits = commitsBetween(cwd, previous, opts.tag);
	process.stdout.write(renderNotes({ tag: opts.tag, previous, image: opts.image, commits }));
	return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	process.exitCode = main(process.argv.slice(2));
}
