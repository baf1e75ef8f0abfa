import pino from 'pino';
import pretty from 'pino-pretty';

export interface LoggerOptions {
	/**
	 * Readable lines (time, level, message, fields) instead of JSON: for a person at a
	 * terminal. Anywhere else stdout is collected by a log pipeline, which wants JSON.
	 */
	pretty?: boolean;
}

export function createLogger(level: string, opts: LoggerOptions = {}) {
	const options = {
		level,
		base: { app: 'runner-dashboard' },
		// Never log credentials that may sit in request headers or source configs.
		redact: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.password', 'password', 'token']
	};
	if (!opts.pretty) return pino(options);
	// In-process and synchronous, so log lines and the start banner keep their order.
	return pino(options, pretty({ sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,app' }));
}

export type Logger = ReturnType<typeof createLogger>;
