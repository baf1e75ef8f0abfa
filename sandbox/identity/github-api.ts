// The GitHub API's side of identity: which token is calling, the X-OAuth-Scopes
// headers GitHub adds for classic and OAuth tokens, scope checks, and the endpoints of
// the authenticated user — /user, /user/orgs, /user/teams, /user/emails.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../http/respond.js';
import type { Ctx, Router } from '../http/router.js';
import { iso } from '../sim/clock.js';
import { ORG, type Org } from '../sim/github/catalog.js';
import { DOCS, JSON_TYPE, errorBody, ok } from '../github/context.js';
import { nodeId, orgEntity, orgSimpleEntity, simpleUserEntity, type Bases } from '../github/entities.js';
import { linkHeader, pageOf, readPaging } from '../github/pagination.js';
import type { GitHubTeamRef, User } from './directory.js';
import type { Identity } from './identity.js';
import { githubAllows, githubNeeds } from './scopes.js';
import type { AccessGrant } from './tokens.js';

/** The admin service account that owns the configured token. */
export const GITHUB_SERVICE_USER = { login: 'sandbox-admin', id: 9001, name: 'Sandbox Admin', email: 'sandbox-admin@sandbox.invalid' };
/** When the directory's organisations and teams were made, for their timestamps. */
const CREATED = '2023-02-01T10:00:00Z';

const grants = new WeakMap<IncomingMessage, AccessGrant>();

function jsonError(res: ServerResponse, status: number, message: string, docs = DOCS): void {
	sendJson(res, status, errorBody(status, message, docs), { 'Content-Type': JSON_TYPE });
}

function privateUserEntity(b: Bases, p: { login: string; id: number; name: string; email: string; createdAt: string; siteAdmin: boolean }) {
	return {
		...simpleUserEntity(b, p.login, p.id, 'User', p.siteAdmin),
		user_view_type: 'private',
		name: p.name,
		company: null,
		blog: '',
		location: null,
		email: p.email,
		notification_email: p.email,
		hireable: null,
		bio: null,
		twitter_username: null,
		public_repos: 0,
		public_gists: 0,
		followers: 0,
		following: 0,
		created_at: p.createdAt,
		updated_at: p.createdAt,
		private_gists: 0,
		total_private_repos: 0,
		owned_private_repos: 0,
		disk_usage: 0,
		collaborators: 0,
		two_factor_authentication: false
	};
}

export interface GitHubAuth {
	/** The grant behind the request's token, or undefined after answering 401. */
	authenticate(req: IncomingMessage, res: ServerResponse, presented: string | undefined): AccessGrant | undefined;
	/** Whether the grant's scopes allow the matched route; false after answering as GitHub does. */
	authorize(req: IncomingMessage, res: ServerResponse, pattern: string, grant: AccessGrant): boolean;
	/** Registers /user, /user/orgs, /user/teams and /user/emails. */
	routes(router: Router, bases: (ctx: Ctx) => Bases): void;
}

export function createGitHubAuth(identity: Identity): GitHubAuth {
	const dir = identity.directory;
	/** The sandbox org, or an organisation that exists only as the first segment of group paths. */
	const org = (login: string): Org =>
		login === ORG.login ? ORG : { id: 91000 + dir.groupId(login), login, name: login, description: `Organisation ${login} of the sandbox's users`, createdAt: CREATED };
	const orgId = (login: string) => org(login).id;

	function teamSimple(b: Bases, t: { org: string; slug: string; path: string }) {
		const id = dir.groupId(t.path);
		const url = `${b.api}/organizations/${orgId(t.org)}/team/${id}`;
		return {
			id,
			node_id: nodeId('04:Team', id),
			url,
			html_url: `${b.web}/orgs/${t.org}/teams/${t.slug}`,
			name: t.slug,
			slug: t.slug,
			description: null,
			privacy: 'closed',
			notification_setting: 'notifications_enabled',
			permission: 'pull',
			members_url: `${url}/members{/member}`,
			repositories_url: `${url}/repos`,
			type: 'organization',
			organization_id: orgId(t.org)
		};
	}

	function teamFull(b: Bases, t: GitHubTeamRef) {
		const parentPath = t.parent === null ? null : t.path.slice(0, t.path.lastIndexOf('/'));
		return {
			...teamSimple(b, t),
			parent: parentPath === null ? null : teamSimple(b, { org: t.org, slug: t.parent as string, path: parentPath }),
			members_count: dir.list().filter((u) => u.groups.includes(t.path)).length,
			repos_count: 0,
			created_at: CREATED,
			updated_at: CREATED,
			organization: orgEntity(b, org(t.org))
		};
	}

	/** One page of `all`, with GitHub's Link header. */
	function sendList<T>(ctx: Ctx, all: readonly T[]): void {
		const p = readPaging(ctx.url.searchParams);
		const link = linkHeader(ctx, p, all.length);
		ok(ctx, pageOf(all, p), link ? { Link: link } : {});
	}

	const userOf = (ctx: Ctx): User | undefined => {
		const g = grants.get(ctx.req) as AccessGrant;
		return g.userId === null ? undefined : dir.byId(g.userId);
	};

	return {
		authenticate(req, res, presented) {
			if (presented === undefined) {
				jsonError(res, 401, 'Requires authentication');
				return undefined;
			}
			const found = identity.tokens.lookup('github', presented);
			if (!found.ok) {
				jsonError(res, 401, 'Bad credentials');
				return undefined;
			}
			res.setHeader('X-OAuth-Scopes', found.grant.scopes.join(', '));
			grants.set(req, found.grant);
			return found.grant;
		},
		authorize(_req, res, pattern, grant) {
			const need = githubNeeds(pattern);
			res.setHeader('X-Accepted-OAuth-Scopes', need ? need.accepted.join(', ') : '');
			if (githubAllows(need, grant.scopes)) return true;
			if (need?.deny === 404) jsonError(res, 404, 'Not Found');
			else jsonError(res, 403, 'Must have admin rights to Repository.');
			return false;
		},
		routes(router, bases) {
			router.get('/user', (ctx) => {
				const u = userOf(ctx);
				const b = bases(ctx);
				const s = GITHUB_SERVICE_USER;
				ok(
					ctx,
					u
						? privateUserEntity(b, { login: u.username, id: u.githubId, name: u.name, email: u.email, createdAt: iso(u.createdAt).replace(/\.\d{3}Z$/, 'Z'), siteAdmin: false })
						: privateUserEntity(b, { login: s.login, id: s.id, name: s.name, email: s.email, createdAt: CREATED, siteAdmin: true })
				);
			});
			router.get('/user/orgs', (ctx) => {
				const u = userOf(ctx);
				const logins = u ? dir.githubOrgs(u) : [ORG.login];
				sendList(ctx, logins.map((l) => orgSimpleEntity(bases(ctx), org(l))));
			});
			router.get('/user/teams', (ctx) => {
				const u = userOf(ctx);
				sendList(ctx, u ? dir.githubTeams(u).map((t) => teamFull(bases(ctx), t)) : []);
			});
			router.get('/user/emails', (ctx) => {
				const u = userOf(ctx);
				sendList(ctx, [{ email: u ? u.email : GITHUB_SERVICE_USER.email, primary: true, verified: true, visibility: 'public' }]);
			});
		}
	};
}
