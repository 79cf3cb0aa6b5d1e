package proxy

import "xsensor/cluster/config"

// Candidates returns, in order of preference, the proxies worker should
// use: workers are dealt to proxies round-robin in node.cfg order (the
// k-th worker gets proxy k mod P), and the rest of the proxies follow in
// ring order as fail-over targets. It returns nil when the cluster has no
// proxy or worker is not a worker of c.
func Candidates(c *config.Cluster, worker string) []*config.Node {
	proxies := c.ByRole(config.Proxy)
	if len(proxies) == 0 {
		return nil
	}
	k := -1
	for i, w := range c.ByRole(config.Worker) {
		if w.Name == worker {
			k = i
			break
		}
	}
	if k < 0 {
		return nil
	}
	out := make([]*config.Node, 0, len(proxies))
	for i := range proxies {
		out = append(out, proxies[(k+i)%len(proxies)])
	}
	return out
}

// Ring returns the proxies after name in ring order (node.cfg order,
// wrapping), excluding name itself: its successor first, then the ones
// it skips to when the successor is dead.
func Ring(c *config.Cluster, name string) []*config.Node {
	proxies := c.ByRole(config.Proxy)
	me := -1
	for i, p := range proxies {
		if p.Name == name {
			me = i
		}
	}
	if me < 0 {
		return nil
	}
	out := make([]*config.Node, 0, len(proxies)-1)
	for i := 1; i < len(proxies); i++ {
		out = append(out, proxies[(me+i)%len(proxies)])
	}
	return out
}
