// What drift never shows: credentials. A field named like one is masked whole; inside
// strings (config.toml, env files, INI, YAML, JSON held in a ConfigMap) only the secret
// parts are masked — assignments to credential-named keys, values in known token formats,
// passwords in URLs, private-key blocks — so the rest of the text still diffs readably.
// Masking happens before an item leaves the engine and again before it is stored.
import { parsePath } from './paths';

/** What a masked value is shown as. */
export const SENSITIVE = '(sensitive)';

const SECRET_NAME = /token|password|passwd|secret|credential|private[_-]?key|api[_-]?key|^auth$/i;
// `token_obtained_at`, `token_expires_at` in config.toml are timestamps, not credentials.
const TIMESTAMP_NAME = /_at$/i;

/** Whether a key or a list element's name says it holds a credential (`RUNNER_TOKEN`, `password`). */
export function isSecretName(name: string): boolean {
	return SECRET_NAME.test(name) && !TIMESTAMP_NAME.test(name);
}

/**
 * Whether an item's field path names a credential in any step: a key
 * (`data.runner-token`), a named list element (`env[name=RUNNER_TOKEN].value`), or
 * the key a mapping reads inside a string (`data["config.toml"]#runners.token`).
 */
export function isSecretField(field: string): boolean {
	const hash = field.indexOf('#');
	const path = hash < 0 ? field : field.slice(0, hash);
	const inner = hash < 0 ? [] : field.slice(hash + 1).split('.');
	const names = (parsePath(path) ?? [{ key: path }]).flatMap((s) => ('key' in s ? [s.key] : 'field' in s ? [s.value] : []));
	return [...names, ...inner].some(isSecretName);
}

// Token formats GitLab and GitHub issue: runner, personal, deploy, trigger, CI job,
// feed, incoming-mail, agent, OAuth tokens, the legacy runner registration prefix;
// GitHub personal, OAuth, server, user, refresh and fine-grained tokens.
const TOKEN = /\b(?:glrt-|glrtr-|glpat-|gldt-|glptt-|glcbt-|glft-|glimt-|glagent-|gloas-|glsoat-|GR1348941|ghp_|gho_|ghs_|ghu_|ghr_|github_pat_)[A-Za-z0-9_.-]+/g;
const URL_PASSWORD = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@"']+:)([^\s@/"']+)(@)/gi;
const PRIVATE_KEY = /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)/g;
// `key = value`, `key: value`, `key=value`, `"key": "value"`, `export KEY=value`: a
// quoted value up to its closing quote, an unquoted one up to the next delimiter.
const ASSIGNMENT = /(^|[\s{,;(])((?:export\s+)?)(["']?)([A-Za-z_][\w.-]*)\3([ \t]*[:=][ \t]*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\n,;#}]*[^\s,;#}])/gm;

// Each finder marks its matches with a placeholder so later finders skip them.
const HOLD = '\u0000';

function findSecrets(text: string, found: string[]): string {
	const hold = (secret: string, wrap: (label: string) => string = (l) => l) => {
		if (secret.startsWith(SENSITIVE.slice(0, -1))) return wrap(secret);
		found.push(secret);
		return wrap(`${HOLD}${found.length - 1}${HOLD}`);
	};
	let out = text.replace(PRIVATE_KEY, (m) => hold(m));
	out = out.replace(ASSIGNMENT, (m, lead: string, exp: string, q: string, key: string, sep: string, value: string) => {
		if (!isSecretName(key) || value.includes(HOLD)) return m;
		const quote = value[0] === '"' || value[0] === "'" ? value[0] : '';
		const inner = quote ? value.slice(1, -1) : value;
		if (inner === '') return m;
		return `${lead}${exp}${q}${key}${q}${sep}${hold(inner, (l) => `${quote}${l}${quote}`)}`;
	});
	out = out.replace(URL_PASSWORD, (m, head: string, password: string, at: string) => (password.includes(HOLD) ? m : `${head}${hold(password)}${at}`));
	out = out.replace(TOKEN, (m) => hold(m));
	return out;
}

/**
 * Masks the secrets of the sides of one item (declared, applied, live ...) together:
 * strings inside, values under credential-named keys, `value`s of credential-named list
 * elements. Equal secrets get equal labels, so a changed token still shows as a change:
 * `(sensitive)` when the item holds one distinct secret, `(sensitive #1)`, `(sensitive #2)`
 * when it holds several. Values without secrets come back unchanged (the same objects).
 */
export function maskSecrets<T extends unknown[]>(sides: T): T {
	const found: string[] = [];
	const held = sides.map((v) => holdSecrets(v, found));
	if (found.length === 0) return sides;
	const distinct = [...new Set(found)];
	const label = (secret: string) => (distinct.length === 1 ? SENSITIVE : `(sensitive #${distinct.indexOf(secret) + 1})`);
	const labels = found.map(label);
	return held.map((v) => release(v, labels)) as T;
}

export interface ItemValues {
	declared: unknown;
	applied: unknown;
	live: unknown;
}

/**
 * An item's values as they may be shown and stored: all `(sensitive)` when the field
 * names a credential (or `whole` says the values are secret), else with the secrets
 * inside them masked. Idempotent, so stored values can be masked again safely.
 */
export function maskedValues(field: string, v: ItemValues, whole = false): ItemValues {
	if (whole || isSecretField(field)) {
		const mask = (x: unknown) => (x === null || x === undefined ? x : SENSITIVE);
		return { declared: mask(v.declared), applied: mask(v.applied), live: mask(v.live) };
	}
	// Applied first: it is the reference side, so its secret is #1 when they differ.
	const [applied, live, declared] = maskSecrets([v.applied, v.live, v.declared]);
	return { declared, applied, live };
}

/** One text with its secrets masked (messages, single values). */
export function maskText(text: string): string {
	return maskSecrets([text])[0] as string;
}

/** The value with every secret replaced by a placeholder, the secrets appended to `found`. */
function holdSecrets(v: unknown, found: string[]): unknown {
	if (typeof v === 'string') return findSecrets(v, found);
	if (Array.isArray(v)) return v.map((x) => holdSecrets(x, found));
	if (v === null || typeof v !== 'object') return v;
	const o = v as Record<string, unknown>;
	const namedSecret = typeof o.name === 'string' && isSecretName(o.name);
	const out: Record<string, unknown> = {};
	for (const [k, x] of Object.entries(o)) {
		const whole = isSecretName(k) || (namedSecret && k === 'value');
		if (whole && x !== null && x !== undefined && !(typeof x === 'string' && x.startsWith(SENSITIVE.slice(0, -1)))) {
			found.push(typeof x === 'string' ? x : JSON.stringify(x));
			out[k] = `${HOLD}${found.length - 1}${HOLD}`;
		} else out[k] = holdSecrets(x, found);
	}
	return out;
}

const PLACEHOLDER = new RegExp(`${HOLD}(\\d+)${HOLD}`, 'g');

function release(v: unknown, labels: string[]): unknown {
	if (typeof v === 'string') return v.includes(HOLD) ? v.replace(PLACEHOLDER, (_, i: string) => labels[Number(i)] ?? SENSITIVE) : v;
	if (Array.isArray(v)) return v.map((x) => release(x, labels));
	if (v === null || typeof v !== 'object') return v;
	return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, release(x, labels)]));
}
