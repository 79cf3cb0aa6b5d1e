package main

import (
	"path/filepath"

	"xsensor/bench"
)

// benchShipping replays pcap into conn.log, then ships that log over the
// cluster wire and measures it.
func benchShipping(tmp, pcap string) (*bench.Shipping, error) {
	dir := filepath.Join(tmp, "ship")
	_, ws, err := replayFile(replayConfig{file: pcap, dir: dir, workers: 2})
	if err != nil {
		return nil, err
	}
	var keys [][16]byte
	for _, w := range ws {
		keys = append(keys, w.UIDKey())
	}
	s, err := bench.Ship(filepath.Join(dir, "conn.log"), keys)
	if err != nil {
		return nil, err
	}
	s.Note = "(columnar conn codec + zstd, end to end over loopback into a real logger, sender and receiver on this machine's 2 cores)"
	return s, nil
}
