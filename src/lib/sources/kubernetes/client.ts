// A KubeConfig from the source's settings: a kubeconfig file (and context), the
// in-cluster service account, or a bare API server URL (kubectl proxy, the sandbox).
import { KubeConfig } from '@kubernetes/client-node';

/** How to reach one cluster: exactly one of a kubeconfig file (with an optional context), the in-cluster service account, or a server URL. */
export interface ClusterConnection {
	/** Names the cluster, user and context of a server-URL connection. */
	name: string;
	kubeconfig?: string;
	context?: string;
	in_cluster?: boolean;
	server?: string;
}

export function kubeConfigFor(cfg: ClusterConnection): KubeConfig {
	const kc = new KubeConfig();
	if (cfg.in_cluster) kc.loadFromCluster();
	else if (cfg.kubeconfig) {
		kc.loadFromFile(cfg.kubeconfig);
		if (cfg.context) kc.setCurrentContext(cfg.context);
	} else {
		// client-node refuses plain http unless TLS verification is marked off; there is
		// no TLS to verify on http (kubectl proxy on loopback, the sandbox), and https
		// servers keep verification on.
		const plainHttp = cfg.server!.startsWith('http:');
		kc.loadFromOptions({
			clusters: [{ name: cfg.name, server: cfg.server!, skipTLSVerify: plainHttp }],
			users: [{ name: cfg.name }],
			contexts: [{ name: cfg.name, cluster: cfg.name, user: cfg.name }],
			currentContext: cfg.name
		});
	}
	return kc;
}

/** The API server URL, for status displays (never credentials). */
export function serverOf(kc: KubeConfig): string {
	return kc.getCurrentCluster()?.server ?? 'unknown';
}
