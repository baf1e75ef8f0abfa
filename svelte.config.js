import adapter from '@sveltejs/adapter-node';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';
import { buildInfo } from './scripts/build-info.mjs';

const info = buildInfo();

/** @type {import('@sveltejs/kit').Config} */
const config = {
	preprocess: vitePreprocess(),
	kit: {
		// No envPrefix: the server reads PORT, HOST and ORIGIN under their plain names.
		adapter: adapter({ out: 'build/app', precompress: false }),
		// The app version clients poll for is the commit and its time, not SvelteKit's
		// default Date.now(): two builds of one commit must be byte-identical (npm run package).
		version: { name: `${info.revision.slice(0, 12)}-${Date.parse(info.built_at) / 1000}` },
		// Every mutation (JSON API and forms alike) gets its Origin checked in
		// hooks.server.ts against ORIGIN or the request's Host, which also works when
		// ORIGIN is unset; SvelteKit's form-only check would refuse that case.
		csrf: { trustedOrigins: ['*'] },
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self'],
				'style-src': ['self', 'unsafe-inline'],
				'img-src': ['self', 'data:'],
				'connect-src': ['self'],
				'frame-ancestors': ['none'],
				'base-uri': ['self'],
				'form-action': ['self']
			}
		}
	}
};

export default config;
