#!/usr/bin/env node
// Fails a release unless its git tag is exactly "v" + package.json's version, so the
// version inside the artifact, the image tags and the release name can never disagree.
// Usage: node scripts/release/check-version.mjs <tag> [--package <path/to/package.json>]
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// SemVer 2.0.0 (semver.org), with the "v" prefix our tags carry.
const SEMVER_TAG =
	/^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/** Returns { ok: true, message } or { ok: false, message } for a tag against a package version. */
export function checkVersion(tag, version) {
	if (typeof tag !== 'string' || !SEMVER_TAG.test(tag)) {
		return {
			ok: false,
			message: `release tag ${JSON.stringify(tag)} is malformed: expected v<MAJOR>.<MINOR>.<PATCH>[-prerelease][+build], e.g. v1.2.3`
		};
	}
	if (`v${version}` !== tag) {
		return {
			ok: false,
			message:
				`release tag ${tag} does not match package.json version ${version}: ` +
				`set "version": "${tag.slice(1)}" in package.json (npm version ${tag.slice(1)} --no-git-tag-version) ` +
				`and tag that commit, or tag v${version} instead`
		};
	}
	return { ok: true, message: `release tag ${tag} matches package.json version ${version}` };
}

function main(argv) {
	const args = [...argv];
	let pkgPath = fileURLToPath(new URL('../../package.json', import.meta.url));
	const i = args.indexOf('--package');
	if (i !== -1) {
		pkgPath = args[i + 1];
		args.splice(i, 2);
	}
	if (args.length !== 1) {
		console.error('usage: check-version.mjs <tag> [--package path/to/package.json]');
		return 2;
	}
	let version;
	try {
		version = JSON.parse(readFileSync(pkgPath, 'utf8')).version;
	} catch (err) {
		console.error(`cannot read the version from ${pkgPath}: ${err.message}`);
		return 2;
	}
	const result = checkVersion(args[0], version);
	(result.ok ? console.log : console.error)(result.message);
	return result.ok ? 0 : 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
	process.exitCode = main(process.argv.slice(2));
}
