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
// # Hazards
//
//   - Memory is bounded by the Senders: when a receiver stops reading,
//     WriteLog blocks up to MaxBlock per chunk, then drops the chunk and
//     counts its records in Stats.DroppedRecords. It never grows a queue.
//   - Close flushes (waits for acknowledgements) up to the given timeout
//     before closing; with a spool, what is still unacknowledged is kept
//     on disk and resent by the next run.
//   - A Shipper is safe for concurrent use by all workers of a node.
package ship
