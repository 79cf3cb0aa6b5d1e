// Package conncodec is the columnar wire format of conn.log TSV
// batches: the Encoder a worker node's cluster/ship uses before Send
// and the Decoder cluster/logger uses in WriteBatch, defined once, side
// by side, so the two ends cannot drift apart.
//
// # Model
//
// A LogBatch whose Format has the FormatColumns bit carries, instead of
// the records, one stream per conn.log field (the values of all records
// contiguous) plus a few side streams, so the wire's zstd sees like
// next to like. The low bits of Format still hold the zeeklog.Format
// (TSV). Layout (Version 2):
//
//	version u8 | flags u8 | keys uvarint | keys × 16 bytes
//	| records uvarint | nStreams × (length uvarint) | the streams
//
// Streams 0‥22 are the fields of zeeklog.Conn in order, each coded by
// its kind (connKinds): times and durations as fixed-point microseconds
// (ts as the change from the previous record's, duration as the change
// of the end time ts+duration, or plain when flagDurPlain says so),
// counts as uvarints, ip_bytes as the difference from a prediction from
// bytes, packets and the transport's header size, short text through a
// per-batch dictionary, community_id left out when it is recomputable.
// Then come the uid bytes, the orig and resp addresses (v4 and v6
// apart) and ports, the last six stored as byte planes (all first
// bytes, then all second bytes, …), and the uid counters.
//
// A uid that one of the encoder's keys (SetUIDKeys: the keys of the
// workers' analyzer/uid Generators) maps to a counter is sent as the
// key's index in the batch's key table and the counter, as the zigzag
// difference from counterModel's prediction; the decoder recomputes it
// with uid.Cipher. Any value that would not come back byte-identical is
// escaped and sent as its bytes.
//
// # Versioning
//
// The version byte names the whole layout (field table, stream
// numbering, codes, predictions); any change to one of them is a new
// Version, and a Decoder reads only the version it was built with. A
// flags bit the decoder does not know makes the batch malformed. A
// logger that does not know FormatColumns at all sees a format above
// zeeklog.JSON and drops the batch (counted), so it never writes a
// columnar body as text.
//
// # Hazards
//
//   - Encoder and Decoder reuse their buffers: neither is safe for
//     concurrent use (keep one per goroutine, or a pool).
//   - The Decoder never panics on bad input; every error wraps
//     ErrMalformed and leaves dst as it was.
//   - A batch that is not all well-formed conn.log records (field
//     count, trailing newline), or that would not be smaller, is not
//     encoded: Encode returns false and the batch goes as it is.
//   - The uid keys in a batch let whoever reads the wire tell the order
//     in which a worker made its uids.
package conncodec
