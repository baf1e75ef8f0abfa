import { describe, expect, it } from 'vitest';
import { httpUrl } from './gitlab-job';

describe('httpUrl', () => {
	it('keeps http(s) links', () => {
		expect(httpUrl('https://gitlab.example.com/g/p/-/jobs/7')).toBe('https://gitlab.example.com/g/p/-/jobs/7');
		expect(httpUrl('http://10.0.0.1:8080/x')).toBe('http://10.0.0.1:8080/x');
	});

	it('drops every other scheme and anything that is not a URL', () => {
		for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<script>1</script>', 'vbscript:x', 'file:///etc/passwd', '//evil.example/x', '/relative', 'not a url', '', null, undefined]) {
			expect(httpUrl(bad), String(bad)).toBeNull();
		}
	});
});
