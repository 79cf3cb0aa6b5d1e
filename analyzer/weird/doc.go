// Package weird is Zeek's weird.log: the record and schema of
// scripts/base/frameworks/notice/weird.zeek and the Reporter's weird
// sampling (weird_sampling_threshold, weird_sampling_rate): of the
// occurrences of one weird name in one scope (a connection, or the whole
// worker for weirds without a connection) the first Threshold are
// logged, then every Rate-th.
//
// The weird framework's per-name actions (ACTION_IGNORE,
// ACTION_LOG_PER_ORIG, …) are not modelled: every weird is logged as
// with the default ACTION_LOG, subject to sampling.
//
// Concurrency: Counter and Global belong to one worker goroutine.
package weird
