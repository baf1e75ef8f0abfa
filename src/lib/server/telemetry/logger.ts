import pino from 'pino';

export function createLogger(level: string) {
	return pino({
		level,
		base: { app: 'runner-dashboard' },
		// Never log credentials that may sit in request headers or source configs.
		redact: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.password', 'password', 'token']
	});
}

export type Logger = ReturnType<typeof createLogger>;
