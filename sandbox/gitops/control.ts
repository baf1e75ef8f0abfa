// /_sandbox/gitops/*: commit to the GitOps repo (a whole file, or variables set in an
// environment's tfvars; on main unless told), replace a state's text verbatim (even
// with something unparsable), and apply a stack like `tofu apply`. The change flow's
// controls (webhooks, faults, merges) are in changes-control.ts.

import { z } from 'zod';
import type { Ctx, Router } from '../http/router.js';
import { sendJson } from '../http/respond.js';
import type { World } from '../sim/world.js';
import { applyStack } from './apply.js';
import { GitOpsError } from './gitops.js';
import { changesControlRoutes } from './changes-control.js';
import type { HclValue } from './hcl.js';
import { HclReadError, loadHclParser } from './hcl-read.js';
import { RepoError } from './repo.js';
import { setTfvars } from './tfvars-edit.js';
import { ENVIRONMENTS, STACKS } from './stacks.js';

export type ReadBody = <T>(ctx: Ctx, schema: z.ZodType<T>) => Promise<T>;

const hclValue: z.ZodType<HclValue> = z.lazy(() =>
	z.union([z.string(), z.number().finite(), z.boolean(), z.array(hclValue), z.record(z.string(), hclValue)], { error: 'set values must be strings, numbers, booleans, lists or objects' })
);

const CommitBody = z
	.strictObject({
		file: z.string({ error: 'file must be a path in the repository' }).min(1, 'file must not be empty').optional(),
		stack: z.enum(STACKS, { error: `stack must be one of ${STACKS.join(', ')}` }).optional(),
		env: z.enum(ENVIRONMENTS, { error: `env must be one of ${ENVIRONMENTS.join(', ')}` }).optional(),
		content: z.string({ error: 'content must be the whole new file as text' }).optional(),
		set: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_-]*$/, 'set keys must be variable names'), hclValue, { error: 'set must be an object of variable: value' }).optional(),
		message: z.string({ error: 'message must be a string' }).min(1, 'message must not be empty').optional(),
		branch: z.string({ error: 'branch must be a string' }).min(1, 'branch must not be empty').optional(),
		/** Both forges serve the same repository; accepted for symmetry with the other controls. */
		forge: z.enum(['gitlab', 'github'], { error: 'forge must be gitlab or github' }).optional()
	})
	.refine((b) => (b.content === undefined) !== (b.set === undefined), { message: 'give content (the whole file) or set ({variable: value})' })
	.refine((b) => b.file !== undefined || (b.set !== undefined && b.stack !== undefined), { message: 'file is required (or stack, with set)' })
	.refine((b) => b.file === undefined || b.stack === undefined, { message: 'give file or stack, not both' });

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
		const file = b.file ?? `tofu/stacks/${b.stack}/${b.env ?? 'dev'}.tfvars`;
		const branch = b.branch ?? world.gitops.repo.defaultBranch;
		try {
			let content = b.content;
			if (b.set !== undefined) {
				await loadHclParser();
				const current = world.gitops.repo.resolve(branch)?.files.get(file);
				if (current === undefined) throw new GitOpsError(404, `${file} does not exist on ${branch}`);
				content = setTfvars(current, file, b.set);
			}
			const c = world.gitops.commitFile(file, content as string, b.message ?? (b.set ? `Set ${Object.keys(b.set).join(', ')} in ${file}` : undefined), undefined, branch);
			sendJson(ctx.res, 200, { id: c.id, short_id: c.id.slice(0, 8), branch, file, message: c.message });
		} catch (err) {
			if (err instanceof RepoError) throw new GitOpsError(err.status, err.message);
			if (err instanceof HclReadError) throw new GitOpsError(422, err.message);
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
	changesControlRoutes(router, world, body);
}
