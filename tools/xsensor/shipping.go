package main

import (
	"path/filepath"

	"xsensor/bench"
)

// benchShipping replays pcap into conn.log, then ships that log over the
// cluster wire and measures it.
func benchShipping(tmp, pcap string) (*bench.Shipping, error) {
	dir := filepath.Join(tmp, "ship")
	if _, _, err := replayFile(replayConfig{file: pcap, dir: dir, workers: 1}); err != nil {
		return nil, err
	}
	s, err := bench.Ship(filepath.Join(dir, "conn.log"), nil)
	if err != nil {
		return nil, err
	}
	s.Note = "(end to end over loopback, sender and receiver on this machine's 2 cores)"
	return s, nil
}
