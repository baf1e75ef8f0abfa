import { describe, expect, it } from 'vitest';
import { clusterRows, deniedAccess, driftStackRows, exitCodeOf, githubRows, gitlabRows, prometheusRows, report, type AccessReview, type CheckRow, type ForgeUse, type GitlabFacts } from '.';

const byCheck = (rows: CheckRow[]) => Object.fromEntries(rows.map((r) => [r.check, r]));

const GITLAB: GitlabFacts = {
	url: 'https://gitlab.example.com',
	user: { ok: true, username: 'runner-bot', admin: true, auditor: null, bot: false },
	token: { ok: true, name: 'dashboard', scopes: ['api'], expiresAt: '2027-01-01' },
	version: '17.5.2',
	runners: { ok: true, route: 'GET /runners/all' }
};
const USE: ForgeUse = { scope: 'all', declared: ['gitlab-runners'], state: ['gitlab-runners'] };

describe('GitLab', () => {
	it('an api token covers every feature', () => {
		const rows = gitlabRows('gl', GITLAB, USE);
		expect(rows.map((r) => [r.check, r.status])).toEqual([
			['connection', 'ok'],
			['token', 'ok'],
			['read runners', 'ok'],
			['runner jobs', 'ok'],
			['pause and resume', 'ok'],
			['drift: declared files', 'ok'],
			['change flow', 'ok'],
			['drift: state', 'ok']
		]);
		expect(byCheck(rows).token!.detail).toBe('user runner-bot (administrator); token "dashboard" with api; expires 2027-01-01');
		expect(exitCodeOf(report(rows, new Date()))).toBe(0);
	});

	it('a read_api token reads everything, but cannot pause runners or open merge requests', () => {
		const rows = byCheck(gitlabRows('gl', { ...GITLAB, token: { ok: true, name: 'ro', scopes: ['read_api'], expiresAt: null } }, USE));
		for (const check of ['read runners', 'runner jobs', 'drift: declared files', 'drift: state']) expect(rows[check]!.status, check).toBe('ok');
		expect(rows['pause and resume']).toMatchObject({ status: 'missing', detail: 'pausing and resuming runners (PUT /runners/:id) needs api; the token has read_api' });
		expect(rows['pause and resume']!.fix).toMatch(/^a token with the api scope/);
		expect(rows['change flow']).toMatchObject({ status: 'missing' });
		expect(rows['change flow']!.detail).toContain('merge requests');
		expect(rows['change flow']!.fix).toContain('api scope');
	});

	it('scope all without an administrator: the listing is refused, and the fix says why', () => {
		const facts = { ...GITLAB, user: { ok: true as const, username: 'dev', admin: null, auditor: null, bot: false }, runners: { ok: false as const, route: 'GET /runners/all', error: 'GitLab answered 403: 403 Forbidden', status: 403 } };
		const row = byCheck(gitlabRows('gl', facts, USE))['read runners']!;
		expect(row).toMatchObject({ status: 'missing', detail: 'GET /runners/all: GitLab answered 403: 403 Forbidden' });
		expect(row.fix).toContain("administrator's (or auditor's) token");
	});

	it('an unreachable instance or a refused token is one connection row', () => {
		const down = gitlabRows('gl', { ...GITLAB, user: { ok: false, error: 'GitLab request failed: connect ECONNREFUSED', unreachable: true } }, USE);
		expect(down).toEqual([expect.objectContaining({ check: 'connection', status: 'error', detail: 'cannot reach https://gitlab.example.com: GitLab request failed: connect ECONNREFUSED' })]);
		const refused = gitlabRows('gl', { ...GITLAB, user: { ok: false, error: 'GitLab answered 401: 401 Unauthorized', status: 401 } }, USE);
		expect(refused[0]!.fix).toContain('expired or revoked');
	});

	it('a token whose scopes are not readable leaves the scope rows unknown, not failing', () => {
		const rows = gitlabRows('gl', { ...GITLAB, token: { ok: false, error: 'GitLab answered 404: 404 Not Found', status: 404 } }, USE);
		expect(byCheck(rows)['pause and resume']!.status).toBe('unknown');
		expect(exitCodeOf(report(rows, new Date()))).toBe(0);
	});

	it('a read_repository token: GitLab answers, the user is not readable, and no feature is covered', () => {
		const facts: GitlabFacts = {
			...GITLAB,
			user: { ok: false, error: 'GitLab answered 403: insufficient_scope', status: 403 },
			token: { ok: true, name: 'gitops-read', scopes: ['read_repository'], expiresAt: null },
			runners: { ok: false, route: 'GET /runners/all', error: 'GitLab answered 403: insufficient_scope', status: 403 }
		};
		const rows = gitlabRows('gl', facts, USE);
		expect(rows.map((r) => [r.check, r.status])).toEqual([
			['connection', 'ok'],
			['token', 'ok'],
			['read runners', 'missing'],
			['runner jobs', 'missing'],
			['pause and resume', 'missing'],
			['drift: declared files', 'missing'],
			['change flow', 'missing'],
			['drift: state', 'missing']
		]);
		expect(rows[1]!.detail).toBe('user not readable (GET /user: GitLab answered 403: insufficient_scope); token "gitops-read" with read_repository; no expiry date');
		expect(rows[2]!.fix).toBe('a token with read_api (read-only) or api (to pause and resume too)');
	});

	it('features no stack uses are not used', () => {
		const rows = byCheck(gitlabRows('gl', GITLAB, { scope: 'groups', declared: [], state: [] }));
		expect([rows['change flow']!.status, rows['drift: state']!.status]).toEqual(['not_used', 'not_used']);
	});
});

describe('GitHub', () => {
	const facts = {
		url: 'https://api.github.com',
		user: { ok: true as const, login: 'ci-bot', type: 'User', scopes: ['repo'] },
		installation: null,
		runners: { ok: false as const, route: 'GET /orgs/acme/actions/runners', error: 'GitHub answered 403: Must have admin rights to Repository.', status: 403 }
	};

	it('a classic token without admin:org cannot list the organization’s runners', () => {
		const rows = byCheck(githubRows('gh', facts, { scope: 'org', declared: ['arc-runners'], state: [] }));
		expect(rows['read runners']!.status).toBe('missing');
		expect(rows['read runners']!.fix).toBe('a classic token with admin:org or manage_runners:org, or a fine-grained token with the organization permission "Self-hosted runners: read"');
		expect(rows['change flow']!.status).toBe('ok');
		expect(rows['pause and resume']!.status).toBe('not_used');
	});

	it('admin:org covers manage_runners:org; a fine-grained token leaves the scope rows unknown', () => {
		const ok = { ...facts, user: { ...facts.user, scopes: ['admin:org', 'repo', 'workflow'] }, runners: { ok: true as const, route: facts.runners.route } };
		expect(githubRows('gh', ok, { scope: 'org', declared: ['arc-runners'], state: [] }).filter((r) => r.status !== 'ok' && r.status !== 'not_used')).toEqual([]);
		const fine = byCheck(githubRows('gh', { ...ok, user: { ...ok.user, scopes: null } }, { scope: 'org', declared: ['arc-runners'], state: [] }));
		expect([fine.token!.status, fine['change flow']!.status, fine['read runners']!.status]).toEqual(['unknown', 'unknown', 'ok']);
	});
});

describe('Kubernetes', () => {
	const arc = { moduleVariable: 'arc_namespaces', moduleRole: 'arc' };
	const gl = { moduleVariable: 'runner_namespaces', moduleRole: 'runners' };
	const review = (namespace: string, group: string, resource: string, verb: string, allowed: boolean, grantedBy = arc): AccessReview => ({
		namespace,
		group,
		resource,
		verb,
		why: `${resource} feature`,
		grantedBy,
		result: { ok: true, allowed, reason: '' }
	});
	const reviews = [
		review('gitlab-runners', '', 'pods', 'list', true, gl),
		review('gitlab-runners', '', 'pods', 'watch', true, gl),
		review('arc-runners', '', 'pods', 'list', true),
		review('arc-runners', '', 'pods', 'watch', false),
		review('arc-runners', 'actions.github.com', 'autoscalingrunnersets', 'list', true),
		review('arc-runners', 'actions.github.com', 'autoscalingrunnersets', 'patch', true)
	];
	const facts = { server: 'https://k8s.example.com', version: { ok: true as const, gitVersion: 'v1.31.0' }, identity: { ok: true as const, username: 'system:serviceaccount:rd:rd' }, reviews };

	it('names the denied verb, resource and namespace, and the Role or rule that grants it', () => {
		const rows = byCheck(clusterRows('k8s', facts));
		expect(rows['watch gitlab-runners']).toMatchObject({ status: 'ok', detail: 'may list and watch pods' });
		expect(rows['drain scale sets in arc-runners']!.status).toBe('ok');
		const row = rows['watch arc-runners']!;
		expect(row.status).toBe('missing');
		expect(row.detail).toBe('cannot watch pods in arc-runners (needed for: pods feature)');
		expect(row.fix).toBe(
			`grant it with the module's Role (rbac.tf: kubernetes_role_v1.arc, one per entry of var.arc_namespaces — list "arc-runners" there) or a Role in arc-runners bound to system:serviceaccount:rd:rd with the rule apiGroups: [""], resources: ["pods"], verbs: ["list", "watch"]`
		);
		expect(exitCodeOf(report(clusterRows('k8s', facts), new Date()))).toBe(1);
	});

	it('says each denial once per resource, as the source status shows it', () => {
		const bothDenied = reviews.map((r) => (r.namespace === 'arc-runners' && r.resource === 'pods' ? { ...r, result: { ok: true as const, allowed: false, reason: '' } } : r));
		const denied = deniedAccess(bothDenied);
		expect(denied).toHaveLength(1);
		expect(denied[0]).toMatchObject({ namespace: 'arc-runners', group: '', resource: 'pods', verbs: ['list', 'watch'], cannot: 'cannot list or watch pods in arc-runners' });
		expect(denied[0]!.sentence).toMatch(/^cannot list or watch pods in arc-runners: grant it with the module's Role \(rbac\.tf/);
	});

	it('an API server that does not answer is one connection row', () => {
		expect(clusterRows('k8s', { ...facts, version: { ok: false, error: 'connect ECONNREFUSED' } })).toEqual([expect.objectContaining({ check: 'connection', status: 'error' })]);
	});
});

describe('a drift stack', () => {
	it('names a missing tfvars and a state that does not exist, each with its fix', () => {
		const rows = driftStackRows('gitlab-runners', {
			where: 'GitLab project 42 at main',
			forge: { source: 'gitlab-main', kind: 'gitlab' },
			declared: { ok: true, revision: 'e45f9b41aa', found: ['variables.tf', 'dev.tfvars'], absent: ['prod.tfvars'] },
			states: [
				{ env: 'dev', file: 'terraform/state/gitlab-runners-dev', result: { ok: true, serial: 14, instances: 1 } },
				{ env: 'prod', file: 'terraform/state/gitlab-runners-prod', result: { ok: false, error: 'no state "gitlab-runners-prod" in GitLab project 42' } }
			]
		});
		expect(rows.map((r) => [r.source, r.check, r.status, r.detail])).toEqual([
			['drift/gitlab-runners', 'declared files', 'missing', 'GitLab project 42 at main: prod.tfvars not found (found variables.tf and dev.tfvars)'],
			['drift/gitlab-runners', 'state dev', 'ok', 'terraform/state/gitlab-runners-dev: serial 14, 1 resource instance'],
			['drift/gitlab-runners', 'state prod', 'missing', 'terraform/state/gitlab-runners-prod: no state "gitlab-runners-prod" in GitLab project 42']
		]);
		expect(rows[2]!.fix).toContain('gitlab-runners-{env} unless state.gitlab.name says otherwise');
	});

	it('a refused read points at the token of the source that reads it', () => {
		const [row] = driftStackRows('arc-runners', {
			where: 'GitHub repository acme/gitops at main',
			forge: { source: 'github-main', kind: 'github' },
			declared: { ok: false, error: 'GitHub answered 404: Not Found', status: 404 },
			states: []
		});
		expect(row).toMatchObject({ status: 'missing', detail: 'GitHub repository acme/gitops at main: GitHub answered 404: Not Found' });
		expect(row!.fix).toContain('the token of github-main needs repo');
	});
});

describe('Prometheus', () => {
	it('answers, but holds no runner series: the capacity panels would be empty', () => {
		const rows = prometheusRows({ url: 'http://prom:9090', query: { ok: true }, series: { ok: true, gitlab: 0, arc: 3 }, expect: { gitlab: true, arc: true } }, { targets: 0, discovery: 0 });
		expect(rows.map((r) => [r.check, r.status])).toEqual([
			['query', 'ok'],
			['runner metrics', 'missing']
		]);
		expect(rows[1]!.detail).toContain('no gitlab_runner_*');
		expect(prometheusRows(null, { targets: 2, discovery: 1 })[0]!.status).toBe('not_used');
	});
});
