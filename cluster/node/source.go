package node

import (
	"sync/atomic"

	"xsensor/capture/pcapfile"
	"xsensor/capture/replay"
)

// eofSource marks the end of the file for the node's stats.
type eofSource struct {
	src  replay.Source
	read *atomic.Bool
}

func (h *eofSource) Next() ([]byte, pcapfile.Info, error) {
	data, info, err := h.src.Next()
	if err != nil {
		h.read.Store(true)
	}
	return data, info, err
}
