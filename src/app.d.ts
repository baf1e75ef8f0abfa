import type { IncomingMessage } from 'node:http';
import type { PrincipalKind, Role } from '$lib/core/access';

/** Who is signed in, as the pages know them. */
interface PagePrincipal {
	kind: PrincipalKind;
	name: string;
	role: Role;
	/** Must choose a new password before anything else (the generated first admin, an admin's reset). */
	mustChangePassword?: boolean;
}

declare global {
	const __BUILD_INFO__: { version: string; revision: string; built_at: string; node_abi: string };
	namespace App {
		interface Error {
			code?: string;
			message: string;
		}
		interface Locals {
			principal: PagePrincipal | null;
			requestId: string;
		}
		interface Platform {
			/** The Node request; the API server in front attaches what it resolved (src/lib/server/api/server.ts). */
			req: IncomingMessage & {
				dashboard?: {
					principal: PagePrincipal | null;
					requestId: string;
					/** Calls the JSON API in-process on behalf of this request's client. */
					api(request: Request): Promise<Response>;
				};
			};
		}
	}
}

export {};
