// Package http analyses HTTP/1.x on reassembled TCP streams and produces
// the records of Zeek's http.log.
//
// # Model
//
// A Session follows one connection. The worker feeds it the in-order bytes
// of each direction (Data), content gaps (Gap), FINs (EOF) and the removal
// of the connection (Done). Inside, it mirrors Zeek in three layers:
//
//   - line framing as Zeek's ContentLine analyzer does it (CR, LF and CRLF
//     end a line; a CRLF split across two deliveries counts once; plain
//     delivery of a known number of body bytes bypasses framing);
//   - the HTTP analyzer (src/analyzer/protocol/http/HTTP.cc): request and
//     status lines, HTTP/0.9, MIME-style headers with folding, bodies by
//     Content-Length, chunked transfer coding (with Zeek's wrapping integer
//     parser, so 2^64 and uint64-max behave as in Zeek), close-delimited
//     and line-delimited bodies, 1xx replies, 206 Content-Range, CONNECT
//     tunnels and 101 upgrades (parsing stops), gaps inside bodies;
//   - the script layer (scripts/base/protocols/http/main.zeek): the table
//     of pending transactions keyed by request number, trans_depth,
//     pipelining, and the moments a record is written (the end of a non-1xx
//     reply, or Done for whatever is still pending).
//
// Bodies are measured, never stored. A gzip or deflate Content-Encoding
// counts decompressed bytes, as Zeek does: a window-less inflater
// (inflate.go) decodes the Huffman stream and adds back-reference lengths
// without producing output. File-analysis fields (fuids, filenames, MIME
// types) are left unset.
//
// # Worker contract
//
// Violated reports Zeek's analyzer_violation within DPD's 10 KiB window:
// with Zeek's default scripts the analyzer is then removed, so the worker
// stops feeding the Session (and still calls Done). Tunneled reports a
// successful CONNECT: the rest of the stream belongs to whatever DPD finds
// in it. Zeek's HTTP analyzer also ignores partial connections (no SYN
// seen); that decision is the worker's.
//
// # Hazards
//
// Every buffer a Record points to belongs to the Session and is valid only
// during the emit callback. Lines longer than MaxLine bytes are truncated
// (Zeek buffers them whole). The weird callback receives Zeek's weird
// names; its addl argument is built with a string conversion, which
// allocates, but weirds are not on the steady-state path.
package http
