import type { Principal } from '$lib/server/auth/principal';

declare global {
	const __BUILD_INFO__: { version: string; revision: string; built_at: string; node_abi: string };
	namespace App {
		interface Error {
			code?: string;
			message: string;
		}
		interface Locals {
			principal: Principal | null;
			requestId: string;
			/** The client's address as ADDRESS_HEADER / XFF_DEPTH say, or `unknown-peer`. */
			clientAddress: string;
		}
	}
}

export {};
