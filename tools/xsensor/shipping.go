package main

import "xsensor/bench"

// benchShipping measures conn.log bytes on the wire against raw bytes and
// the logger's ingest rate.
func benchShipping(tmp, pcap string) (*bench.Shipping, error) {
	return nil, errNoWire
}
