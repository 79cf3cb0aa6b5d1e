// Package streamtest is a small trace replayer for the stream analyzers'
// tests: it reads a capture with its own minimal pcap/pcapng reader
// (analyzer never imports capture), decodes frames with analyzer/decode
// (tunnels included), reassembles each TCP direction by sequence number
// and feeds a stream analyzer in timestamp order. It also reads Zeek's
// expected logs and matches records as zeekdiff.py does.
package streamtest
