import { fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { z } from 'zod';
import { app } from '$lib/server/app';
import { actorOf } from '$lib/server/http/actor';
import { domainFailure, zodMessage } from '$lib/server/http/errors';
import { newToken, newUser, userPatch } from '$lib/server/services/accounts';
import { DomainError } from '$lib/server/services/errors';

export const load: PageServerLoad = async (event) => {
	const { accounts, sources, fleet } = app();
	const sourceList = sources.list((s) => fleet.countBySource(s));
	if (event.locals.principal?.role !== 'admin') return { admin: false as const, sourceTable: sourceList };
	const actor = actorOf(event);
	const [users, tokens] = await Promise.all([accounts.listUsers(actor), accounts.listTokens(actor)]);
	return { admin: true as const, users, tokens, sourceTable: sourceList };
};

/** Runs a service call for a form; validation and service errors become form errors, nothing half-applied. */
async function run<T>(fn: () => Promise<T>) {
	try {
		return { ok: true as const, value: await fn() };
	} catch (e) {
		if (e instanceof DomainError) return { ok: false as const, failure: fail(domainFailure(e).status, { error: e.message }) };
		if (e instanceof z.ZodError) return { ok: false as const, failure: fail(400, { error: zodMessage(e) }) };
		throw e;
	}
}

const id = (form: FormData) => z.coerce.number().int().positive().parse(form.get('id'));

export const actions: Actions = {
	createUser: async (event) => {
		const f = await event.request.formData();
		const r = await run(() => app().accounts.createUser(actorOf(event), newUser.parse({ username: f.get('username'), password: f.get('password'), role: f.get('role') })));
		return r.ok ? { message: `Created user ${r.value.username}.` } : r.failure;
	},
	updateUser: async (event) => {
		const f = await event.request.formData();
		const patch: Record<string, unknown> = {};
		if (f.get('role')) patch.role = f.get('role');
		if (f.get('disabled')) patch.disabled = f.get('disabled') === 'true';
		if (f.get('password')) patch.password = f.get('password');
		const r = await run(() => app().accounts.updateUser(actorOf(event), id(f), userPatch.parse(patch)));
		return r.ok ? { message: `Updated ${r.value.username}.` } : r.failure;
	},
	deleteUser: async (event) => {
		const f = await event.request.formData();
		const r = await run(() => app().accounts.deleteUser(actorOf(event), id(f)));
		return r.ok ? { message: 'User deleted.' } : r.failure;
	},
	createToken: async (event) => {
		const f = await event.request.formData();
		const r = await run(() => app().accounts.createToken(actorOf(event), newToken.parse({ name: f.get('name'), role: f.get('role') })));
		return r.ok ? { message: `Created token ${r.value.token.name}. Copy it now: it is not shown again.`, secret: r.value.secret } : r.failure;
	},
	revokeToken: async (event) => {
		const f = await event.request.formData();
		const r = await run(() => app().accounts.revokeToken(actorOf(event), id(f)));
		return r.ok ? { message: `Revoked token ${r.value.name}.` } : r.failure;
	}
};
