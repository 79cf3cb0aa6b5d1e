// Package zeeklog writes Zeek's log formats byte for byte: the Ascii
// writer's TSV (header block, tab-separated records, "#close" trailer) and
// its JSON lines (LogAscii::use_json=T with the default epoch timestamps).
//
// # Model
//
// A Schema names a log stream (its #path) and its fields in Zeek's order.
// An Encoder appends the records of one schema to a caller-owned []byte:
// Begin, then one call per field in schema order (Time, String, Addr, Count,
// Unset, SetBegin/SetItem/SetEnd, …), then End. It never allocates once the
// caller's buffer has grown to its working size, so workers can encode
// every record they emit on the hot path and hand whole batches to a File
// (or to the cluster shipper) later.
//
// Values are rendered as Zeek renders them:
//   - time and interval: Zeek's double (seconds, microsecond pcap
//     resolution) printed by modp_dtoa with 6 decimals in TSV and by
//     rapidjson's shortest round-trip form in JSON;
//   - strings and enums: in TSV, "(empty)" for "", "\x2d" for "-",
//     "\x28empty)" for "(empty)", "\\" for a backslash, \xHH for control
//     bytes, for the separator and (inside sets) the set separator, and for
//     bytes that are not valid UTF-8 (LogAscii::enable_utf_8=T, Zeek's
//     default); in JSON, rapidjson's escaping of the string Zeek's
//     json_escape_utf8 produced, so invalid bytes read "\\xHH";
//   - addresses as bro_inet_ntop does (IPv4-mapped IPv6 is IPv4,
//     "::a.b.c.d" for IPv4-compatible);
//   - sets and vectors: comma-joined or "(empty)" in TSV, arrays in JSON;
//   - unset (&optional) fields: "-" in TSV, key left out in JSON.
//
// # Hazards
//
//   - Calls must follow the schema's field order exactly; the Encoder does
//     not check types, and a JSON key is taken from the field position.
//   - An Encoder and the buffers it appends to belong to one goroutine.
//     File is the only type here that is safe for concurrent use.
//   - Grisu2 (rapidjson) and Go's shortest formatting agree on the digits
//     of almost every double; in rare cases rapidjson prints one digit more.
//     Times (whole microseconds) are not affected in practice.
package zeeklog
