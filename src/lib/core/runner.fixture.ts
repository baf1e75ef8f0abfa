// A runner with plausible defaults, for tests of code that takes runners.
import type { Runner } from './runner';

export function makeRunner(p: Partial<Runner> = {}): Runner {
	const forge = p.forge ?? 'gitlab';
	const source = p.source ?? 'corp';
	const upstream_id = p.upstream_id ?? 1;
	return {
		id: `${forge}:${source}:${upstream_id}`,
		forge,
		source,
		upstream_id,
		name: `runner-${upstream_id}`,
		description: '',
		status: 'online',
		paused: false,
		busy: null,
		type: 'instance_type',
		tags: [],
		version: '17.5.0',
		ip_address: null,
		contacted_at: null,
		ephemeral: false,
		scale_set: null,
		run_untagged: forge === 'gitlab' ? true : null,
		scope: [],
		managers: [],
		simulated: false,
		...p
	};
}
