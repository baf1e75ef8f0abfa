// Who a GitLab token is and what it may do: GET /user, GET /personal_access_tokens/self
// (name, scopes, expiry), the version, and one page of the configured runner listing.
import type { GitlabFacts } from '$lib/core/source-check';
import { messageOf } from '$lib/core/errors';
import { mapLimit } from '$lib/core/map-limit';
import { UpstreamError } from '../errors';
import type { GitlabClient } from './client';
import type { GitlabScope } from './runners';

type Failure = { ok: false; error: string; status?: number; unreachable?: boolean };

function failure(e: unknown): Failure {
	if (e instanceof UpstreamError) return { ok: false, error: e.message, status: e.status, unreachable: e.kind === 'network' || e.kind === 'timeout' };
	return { ok: false, error: messageOf(e) };
}

/** The runner listings the configured scope makes, each as one page of one runner. */
function listings(scope: GitlabScope): { route: string; params: Record<string, unknown> }[] {
	if (scope === 'all') return [{ route: 'GET /runners/all', params: {} }];
	if ('groups' in scope) return scope.groups.map((groupId) => ({ route: `GET /groups/${groupId}/runners`, params: { groupId } }));
	return scope.projects.map((projectId) => ({ route: `GET /projects/${projectId}/runners`, params: { projectId } }));
}

export async function readGitlabIdentity(client: GitlabClient, url: string, scope: GitlabScope): Promise<GitlabFacts> {
	const [user, token, version, runners] = await Promise.all([
		client.Users.showCurrentUser().then(
			(u) => {
				const x = u as unknown as { username: string; is_admin?: boolean; is_auditor?: boolean; bot?: boolean };
				return { ok: true as const, username: x.username, admin: x.is_admin ?? null, auditor: x.is_auditor ?? null, bot: x.bot === true };
			},
			failure
		),
		client.PersonalAccessTokens.show().then(
			(t) => {
				const x = t as unknown as { name: string; scopes?: string[]; expires_at?: string | null };
				return { ok: true as const, name: x.name, scopes: x.scopes ?? [], expiresAt: x.expires_at ?? null };
			},
			failure
		),
		client.Metadata.show().then(
			(m) => (m as unknown as { version?: string }).version ?? null,
			() => null
		),
		// Every listed group or project, a page of one runner each; the first refusal is the answer.
		mapLimit(listings(scope), 4, async (l) => {
			try {
				await client.Runners.all({ ...l.params, perPage: 1, page: 1, maxPages: 1 } as never);
				return { ok: true as const, route: l.route };
			} catch (e) {
				return { ...failure(e), route: l.route };
			}
		}).then((all) => all.find((r) => !r.ok) ?? all[0]!)
	]);
	return { url, user, token, version, runners };
}
