export interface CheckResult {
	ok: boolean;
	message: string;
}
export function checkVersion(tag: string, version: string): CheckResult;
