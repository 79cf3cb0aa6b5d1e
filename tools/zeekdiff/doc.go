// Package zeekdiff compares Zeek-style logs with Zeek's own, as
// /work/shared/conformance/zeekdiff.py does, with the same matching rules
// and the same numbers: records are paired by connection tuple (plus
// trans_id and query for dns.log, trans_depth for http.log), uids and
// timestamps are never compared, service is compared only where Zeek set
// it, duration and TTLs compare with a small tolerance, and for each
// expected record the candidate with the fewest differing fields is taken.
//
// # Model
//
// ReadLog turns a TSV (#fields) or JSON-lines file into records of
// normalised strings, the way the Python script does (JSON values are
// rendered as Python would print them: lists comma-joined, booleans T/F,
// null "-", floats in repr form). CompareDirs runs the comparison for
// conn.log, dns.log, http.log and ssl.log; Report prints the script's
// summary lines.
//
// # Hazards
//
//   - This is a test tool, not a hot path: it reads whole files into
//     memory and allocates freely.
//   - Python's json accepts NaN and Infinity literals; Go's does not, so
//     such lines are skipped here (Zeek never writes them).
//   - Unicode printability in example strings follows Go's tables, which
//     can differ from the running Python's in rare code points.
package zeekdiff
