package ship

import (
	"xsensor/cluster/config"
	"xsensor/cluster/logger"
)

// Route returns the receiver of stream among receivers as the logger
// package assigns streams (logger.PickLogger: rendezvous hashing on the
// receiver names), so every node sends a stream to the same logger.
func Route(stream string, receivers []*config.Node) *config.Node {
	names := make([]string, len(receivers))
	for i, n := range receivers {
		names[i] = n.Name
	}
	best := logger.PickLogger(stream, names)
	for _, n := range receivers {
		if n.Name == best {
			return n
		}
	}
	return nil
}
