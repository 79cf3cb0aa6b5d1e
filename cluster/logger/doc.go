// Package logger is the cluster's log sink: it receives log batches from
// every worker node over the wire and writes one file per stream for the
// whole cluster, rotates the files into zstd archives, and survives a
// kill -9 without losing or duplicating a record.
//
// # Model
//
// A Writer owns the live files LogDir/<path>.log. A batch (whole encoded
// records of one stream, in the format the workers encoded it) is
// appended to its stream's file through a buffer; the first batch of a
// file creates it with Zeek's TSV header (from Options.Schemas; JSON has
// none). Server wraps a Writer in a wire.Server for a logger node; the
// manager package embeds a Writer the same way.
//
// Rotation: each file rotates at the first LogRotationInterval boundary
// after it opened, counted from local midnight as Zeek does. The file
// gets its "#close" line, is renamed to ".pending.<date>.<name>" and is
// compressed into LOGDIR/YYYY-MM-DD/<path>.HH:MM:SS-HH:MM:SS.log.zst
// (zeek-archiver's naming: open date, open and close times) through a
// ".tmp." file, fsync and rename; the pending file is removed once the
// archive is durable. A second archive of the same name gets "-1", "-2"…
// before ".log.zst".
//
// # Crash safety
//
// The wire Server acknowledges only after a commit: Writer.Sync flushes
// and fsyncs every live file and returns a Checkpoint (each file's name,
// inode, open time and durable size) which the Server stores atomically
// with its de-duplication marks. At start, Open(checkpoint) reconciles
// the directory before anything is written:
//
//   - files the checkpoint lists (found by inode, so a file renamed for
//     rotation after the last commit is still recognised) are truncated
//     to their listed size — the bytes past it belong to batches that
//     were never acknowledged and that the senders resend — then either
//     reopened (interval not over) or closed and archived ("leftover
//     files are rotated at the next start");
//   - files the checkpoint does not list but that were modified after
//     the last commit (or since the start of a run that never committed,
//     from the ".logger-run" marker) hold only unacknowledged records and
//     are removed;
//   - older unknown files are leftovers of some other run: archived as
//     they are.
//
// A rotated file is archived only after a commit that covers all of it
// (Options.Committed), so an archive never holds records that will be
// resent.
//
// # Several loggers
//
// PickLogger spreads streams over the loggers by rendezvous hashing of
// the stream name over the logger names: every worker node picks the
// same logger for a stream, and removing a logger moves only its
// streams. Writers sharing one LogDir (the manager beside a logger, or
// loggers on one host) use Options.Owns so that none touches another's
// files (see Owner).
//
// # Concurrency
//
// Writer: all methods are safe for concurrent use; one mutex orders
// writes, Sync and rotation; compression runs outside it on the Writer's
// goroutine. Server: as wire.Server (Handle and Sync serialized).
//
// # Hazards
//
//   - Close the wire Server before the Writer (Server.Close does): with
//     rotation on, Writer.Close archives the live files, which is safe
//     only once the final commit covered them.
//   - A TSV stream without a schema is written with a header lacking
//     #fields/#types (logged once): give every stream a schema.
//   - Batches that cannot be written as they are (invalid path, last
//     record without its newline, a format other than the open file's)
//     are dropped and counted in Stats.Dropped, not refused: refusing
//     would make the sender resend them forever.
//   - Times in file headers and archive names are in Options.Location
//     (local time by default, as Zeek).
package logger
