// Generates the plain self-hosted runners of the simulated organisation. Runner i
// depends only on (seed, i) and the time it was created at, so growing the fleet back
// after shrinking it gives the same runners and two sandboxes agree runner by runner.

import { DAY, HOUR, MINUTE } from '../clock.js';
import { Rng, mix32 } from '../rng.js';
import { DEFAULT_GROUP_ID, GPU_GROUP_ID, REPOS, RUNNER_VERSIONS, label, repoFullName } from './catalog.js';
import type { PlainRunner } from './model.js';

/** Mean time a connected runner stays up before a random disconnect. */
export const MEAN_UP_MS = 96 * HOUR;

/** How long a disconnected runner stays away. */
export function downtime(rng: Rng): number {
	return 30 * MINUTE + rng.exp(8 * HOUR);
}

/** Every 20th runner (offset 7) is registered at a repository instead of the organisation. */
export function isRepoRunner(index: number): boolean {
	return index % 20 === 7;
}

export function makePlainRunner(seed: number, index: number, now: number): PlainRunner {
	const rng = new Rng(mix32(seed ^ 0x6174, index + 1));
	const id = 1 + index;
	const arch = rng.chance(0.8) ? 'X64' : 'ARM64';
	const custom: string[] = [];
	if (rng.chance(0.6)) custom.push('docker');
	const gpu = arch === 'X64' && rng.chance(0.08);
	if (gpu) custom.push('gpu');
	if (rng.chance(0.15)) custom.push('large');
	if (rng.chance(0.1)) custom.push('nix');
	const repo = isRepoRunner(index) ? REPOS[Math.floor(index / 20) % REPOS.length] : undefined;
	const n = String(index + 1).padStart(4, '0');
	const name = repo ? `${repo.name}-runner-${n}` : `${gpu ? 'gpu' : 'linux'}-${arch.toLowerCase()}-${n}`;
	const labels = ['self-hosted', 'Linux', arch, ...custom].map((l) => label(l));
	const version = rng.weighted(RUNNER_VERSIONS);
	const connected = rng.chance(0.85);
	const createdAt = now - rng.range(2 * 24 * HOUR, 300 * 24 * HOUR);
	let nextChurnAt = now + (connected ? rng.exp(MEAN_UP_MS) : downtime(rng));
	// Drawn last, so everything above is as it always was for a given seed. About half
	// the runners offline at start are abandoned (a decommissioned VM, a lost
	// registration): offline for days or weeks and never coming back — dead weight.
	let offlineSince: number | null = null;
	if (!connected) {
		const abandoned = rng.chance(0.5);
		offlineSince = Math.max(createdAt + HOUR, abandoned ? now - rng.range(3 * DAY, 45 * DAY) : now - rng.range(0, 90 * MINUTE));
		if (abandoned) nextChurnAt = Infinity;
	}
	return {
		id,
		index,
		name,
		arch,
		labels,
		labelKeys: labels.map((l) => l.name.toLowerCase()),
		groupId: repo ? null : gpu ? GPU_GROUP_ID : DEFAULT_GROUP_ID,
		repo: repo ? repoFullName(repo) : null,
		version,
		createdAt,
		connected,
		offlineSince,
		heldOffline: false,
		heldBusy: false,
		job: null,
		nextChurnAt
	};
}
