// Package ship sends a node's encoded log records to the cluster's log
// receivers: the loggers, or the manager when node.cfg has none.
//
// # Model
//
// A Shipper is a worker.Sink. Each chunk of whole records a worker hands
// it becomes one sequenced LogBatch frame (stream and #path = the
// schema's path, the record count, the format) on the wire.Sender of the
// receiver that owns the stream: loggers share the streams by rendezvous
// hashing (Route), so every node sends a given stream to the same logger
// and each logger writes whole files. There is one Sender per receiver,
// created on first use, spooling to SpoolDir/<node>/to-<receiver> when
// the cluster allows spilling.
//
// conn.log TSV batches go in the columnar layout of cluster/conncodec
// (conncodec.Encoder, Format bit conncodec.FormatColumns) unless
// Options.RawConn: one stream per field, each value coded from what
// precedes it, so the wire's zstd sees like next to like. A uid made by
// a worker of the node (keys given with AddUIDKey) goes as its
// generator's counter, predicted from ts, and the batch carries those
// keys; cluster/logger decodes the batch (conncodec.Decoder) back byte
// for byte.
//
// # Hazards
//
//   - Memory is bounded by the Senders: when a receiver stops reading,
//     WriteLog blocks up to MaxBlock per chunk, then drops the chunk and
//     counts its records in Stats.DroppedRecords. It never grows a queue.
//   - Close flushes (waits for acknowledgements) up to the given timeout
//     before closing; with a spool, what is still unacknowledged is kept
//     on disk and resent by the next run.
//   - A Shipper is safe for concurrent use by all workers of a node.
//   - The uid keys sent with conn.log batches let whoever reads the wire
//     (already authenticated, optionally TLS) tell the order in which a
//     worker made its uids; without them uids look random as in Zeek.
//   - A receiver that does not know conncodec.FormatColumns drops conn.log
//     batches (counted): set RawConn to ship to one.
package ship
