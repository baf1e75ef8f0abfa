// Runs a command on a pseudo-terminal (util-linux `script`), as an operator's shell would:
// its stdout is a TTY, and Ctrl+C typed on it reaches the command as SIGINT.
import { spawn } from 'node:child_process';
import { stripVTControlCharacters } from 'node:util';
import { root } from './app';

export interface OnTerminal {
	/** Everything the terminal showed so far, colours stripped, lines ending in \n. */
	output(): string;
	/** Types Ctrl+C. */
	interrupt(): void;
	/** The command's exit code (script -e passes it on). */
	exited: Promise<number | null>;
}

export function onTerminal(command: string, env: Record<string, string>): OnTerminal {
	const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { cwd: root, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
	let out = '';
	child.stdout.on('data', (d) => (out += d));
	child.stderr.on('data', (d) => (out += d));
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	return {
		output: () => stripVTControlCharacters(out).replaceAll('\r\n', '\n'),
		interrupt: () => void child.stdin.write('\x03'),
		exited
	};
}
