#!/usr/bin/env node
// The installed command: runs the built CLI (npm run build creates build/cli.js).
import { existsSync } from 'node:fs';

const cli = new URL('../build/cli.js', import.meta.url);
if (!existsSync(cli)) {
	console.error('runner-dashboard: build/cli.js is missing; run `npm run build` first');
	process.exit(1);
}
const { main } = await import(cli.href);
await main(process.argv.slice(2));
