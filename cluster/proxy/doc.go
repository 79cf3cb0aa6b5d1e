// Package proxy relays the cluster's shared state (Zeek's Known::hosts
// and Known::services sets) as the Bro cluster architecture describes:
// a worker's insertion goes to its proxy, around the ring of proxies, and
// down to every worker.
//
// # Model
//
// Each proxy keeps every set in a store: an append-only log of entries
// plus an index by (set, key). An insertion is appended when it is new
// here, and only then travels on, so it goes around the ring once and
// stops at the first proxy that already has it.
//
//   - Ring: each proxy sends StateOps (wire.Sender, sequenced and
//     acknowledged) to the next proxy in node.cfg order that is connected,
//     skipping dead ones (Ring). Whenever the successor changes or
//     reconnects, the whole store is pushed to it (sets are grow-only, so
//     a push is idempotent): a restarted or skipped proxy catches up.
//   - Workers: proxies are dealt to workers round-robin in node.cfg order
//     (Candidates), a worker whose proxy stays unreachable moves to the
//     next. wire's server-to-client frames are best effort, so downstream
//     delivery is a pull with pushes as hints: a worker asks for the log
//     from the index it reached (SyncRequest in a StatusRequest); the
//     proxy answers and also pushes new entries unasked (SyncResponse in
//     a StatusResponse, id SyncID). A worker that sees a gap, a new proxy
//     or a new proxy epoch asks again from where it is (0 on a new epoch).
//   - Deciding: as Zeek's known-hosts.zeek uses Cluster::publish_hrw, the
//     proxy that owns a key by rendezvous hashing (Owner) over the proxies
//     not known dead decides whether it is new for the cluster, logs it
//     (known_hosts.log / known_services.log, shipped to the logger) and
//     marks the entry Decided. Decided entries are never logged again, so
//     two workers that see a new host at once produce one record, and a
//     proxy that restarts empty and is refilled by a push logs nothing.
//     When a peer has been unreachable for DeadAfter, the proxy decides
//     the undecided entries it now owns (they arrived while their owner
//     was presumed alive), so no key is left unlogged.
//
// # Hazards
//
//   - A proxy presumes a peer alive until it has been unreachable for
//     DeadAfter; while two proxies disagree about who is alive (a
//     partition) both may decide the same key.
//   - The store grows with the sets (no expiry yet).
//   - Stats and Close are safe from any goroutine; message handling is
//     serialized by the wire Server.
package proxy
