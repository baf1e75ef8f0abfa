// /_sandbox/gitops/*: commit a file to the GitOps repo's main branch, replace a state's
// text verbatim (even with something unparsable), and apply a stack like `tofu apply`.

import { z } from 'zod';
import type { Ctx, Router } from '../http/router.js';
import { sendJson } from '../http/respond.js';
import type { World } from '../sim/world.js';
import { applyStack } from './apply.js';
import { GitOpsError } from './gitops.js';
import { RepoError } from './repo.js';
import { ENVIRONMENTS, STACKS } from './stacks.js';

type ReadBody = <T>(ctx: Ctx, schema: z.ZodType<T>) => Promise<T>;

const CommitBody = z.strictObject({
	file: z.string({ error: 'file is required (a path in the repository)' }).min(1, 'file must not be empty'),
	content: z.string({ error: 'content is required (the whole new file as text)' }),
	message: z.string({ error: 'message must be a string' }).min(1, 'message must not be empty').optional()
});

const StateBody = z.strictObject({
	name: z.string({ error: 'name is required' }).regex(/^[A-Za-z0-9._-]{1,255}$/, 'name may use letters, digits, ".", "_" and "-"'),
	content: z.string({ error: 'content is required (the raw state text)' })
});

const ApplyBody = z.strictObject({
	stack: z.enum(STACKS, { error: `stack must be one of ${STACKS.join(', ')}` }),
	env: z.enum(ENVIRONMENTS, { error: `env must be one of ${ENVIRONMENTS.join(', ')}` }).optional()
});

export function gitopsControlRoutes(router: Router, world: World, body: ReadBody): void {
	router.post('/gitops/commit', async (ctx) => {
		const b = await body(ctx, CommitBody);
		try {
			const c = world.gitops.commitFile(b.file, b.content, b.message);
			sendJson(ctx.res, 200, { id: c.id, short_id: c.id.slice(0, 8), branch: world.gitops.repo.defaultBranch, file: b.file, message: c.message });
		} catch (err) {
			if (err instanceof RepoError) throw new GitOpsError(err.status, err.message);
			throw err;
		}
	});
	router.post('/gitops/state', async (ctx) => {
		const b = await body(ctx, StateBody);
		world.gitops.replaceState(b.name, b.content);
		sendJson(ctx.res, 200, { name: b.name, bytes: Buffer.byteLength(b.content, 'utf8'), serial: world.gitops.stateSerial(b.name) });
	});
	router.post('/gitops/apply', async (ctx) => {
		const b = await body(ctx, ApplyBody);
		sendJson(ctx.res, 200, await applyStack(world, b.stack, b.env ?? 'dev'));
	});
}
