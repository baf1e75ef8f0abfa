// The replicas as viewers see them (GET /api/v1/replicas): each replica's heartbeat row
// with the lease's holder and term. On SQLite the one process is the only replica.
import { z } from 'zod';
import type { Leadership } from './leadership';
import { REPLICA_GONE_MS, type ReplicaFeed } from './feed';
import { Replication } from '../store/replication';
import type { Store } from '../store';

export const replicaSchema = z
	.object({
		id: z.string().meta({ description: 'Host name (the pod name in Kubernetes) and a suffix per process start.' }),
		leader: z.boolean(),
		term: z.number().int().meta({ description: 'The leadership term the replica leads in or last saw; 0 on SQLite.' }),
		lag_s: z.number().meta({ description: 'How far behind the replica feed the replica was at its last heartbeat (0: caught up).' }),
		last_seen: z.string()
	})
	.meta({ id: 'Replica' });

export type ReplicaView = z.infer<typeof replicaSchema>;

export async function listReplicas(deps: { store: Store; leadership: Leadership; feed: ReplicaFeed | null }, now = Date.now()): Promise<ReplicaView[]> {
	const { store, leadership, feed } = deps;
	if (!feed) return [{ id: leadership.id, leader: true, term: leadership.term, lag_s: 0, last_seen: new Date(now).toISOString() }];
	const replication = new Replication(store.conn.db);
	const [lease, rows] = await Promise.all([replication.lease(), replication.replicas(new Date(now - REPLICA_GONE_MS).toISOString())]);
	const holder = lease && lease.expiresAt > lease.now ? lease.holder : null;
	return rows.map((r) => ({
		id: r.id,
		leader: r.id === holder,
		term: r.id === holder ? lease!.term : r.term,
		lag_s: Math.round(r.lag_ms / 100) / 10,
		last_seen: r.last_seen
	}));
}
