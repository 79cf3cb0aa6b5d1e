// Package manager is the cluster's manager node. It starts first and
// only listens (a wire.Server); every other node connects to it.
//
// # Model
//
//   - Notices: a worker sends each notice it raises as a wire notice
//     frame (note, identifier, suppression interval, and the record
//     encoded with NoticeSchema / AppendNotice). The manager logs the
//     first notice of a (note, identifier) and suppresses the others for
//     the interval, across the whole cluster, as Zeek's Notice framework
//     does (scripts/base/frameworks/notice/main.zeek: the suppressing
//     table, entries expiring suppress_for after creation, keyed by
//     $note and $identifier; a notice without identifier, or with a zero
//     interval, is never suppressed). The interval runs on the manager's
//     clock (Config.Now), which is what a Zeek manager's network time is.
//   - Statistics: a node sends stats frames whose Path says what the
//     JSON body is: PathStats (NodeStats → one stats.log record),
//     PathCaptureLoss (CaptureLoss → one capture_loss.log record),
//     PathNode (NodeStats for status only). Unknown NodeStats fields are
//     written unset ("-").
//   - Status: a status request (from xsensor ctl) is answered with a
//     Status (JSON): the manager itself and every node that connected
//     or reported, with pid, uptime and peers where the node sent them.
//   - Logs: notice.log, stats.log and capture_loss.log are written by a
//     logger.Writer, with its rotation and crash safety; when node.cfg
//     has no logger (Config.WriteLogs) the manager writes every log
//     stream too.
//
// # Concurrency
//
// Handle and Sync are serialized by the wire Server; Status, Stats and
// Close are safe from any goroutine.
//
// # Hazards
//
//   - Suppression state lives in memory: after a manager restart the
//     first notice of each key is logged again (as in Zeek).
//   - The notice record comes encoded from the worker in the cluster's
//     LogFormat; the manager cannot check it matches Config.Format.
package manager
