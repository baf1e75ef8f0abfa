export interface BuildInfo {
	version: string;
	revision: string;
	built_at: string;
	node_abi: string;
}

/** Version and git revision baked in at build time (see scripts/build-info.mjs). */
export function buildInfo(): BuildInfo {
	return typeof __BUILD_INFO__ === 'undefined'
		? { version: '0.0.0-dev', revision: 'unknown', built_at: new Date(0).toISOString(), node_abi: process.versions.modules }
		: __BUILD_INFO__;
}
