// Package dns is Zeek's DNS analyzer (src/analyzer/protocol/dns) with the
// logic of scripts/base/protocols/dns/main.zeek folded in: it parses DNS
// messages carried in UDP datagrams (Packet) or in a TCP stream with the
// 2-byte length framing (Data), pairs queries with replies per
// connection, and produces dns.log records.
//
// Model. A Session is one connection's analyzer. Each message runs Zeek's
// event sequence: dns_message (set_session: pairing by transaction id,
// with one fast-path pending query plus FIFO queues of unmatched queries
// and replies), dns_request / dns_rejected per question, one *_reply per
// answer record (authority and additional sections are skipped, as with
// Zeek's default dns_skip_all_auth and dns_skip_all_addl), and dns_end,
// which logs the current transaction once both its query and its reply
// were seen. What is still pending when the connection goes away is
// logged by Done (finalize_dns). Answers are rendered as main.zeek
// renders them ("TXT 3 foo", "RRSIG 48 example.com", "<unknown type=99>").
//
// Hazards. Input is hostile: every read is bounds-checked, name
// compression pointers must point backwards (Zeek's rule) so pointer loops
// are impossible, names are capped at 512 bytes, and a message with more
// than MaxQueries questions is a protocol violation. Zeek does not resync
// a record whose rdata is shorter or longer than its rdlength; neither do
// we, so a malformed answer can make the following ones garbage, as in
// Zeek.
//
// Memory. A Session reuses its transaction records, answer buffers and
// TCP framing buffers across connections (the worker pools Sessions), so
// steady-state analysis allocates nothing; a session's buffers grow only
// when a connection holds more pending transactions or larger TCP
// messages than any before it.
//
// Concurrency: a Session is owned by one worker goroutine.
package dns
