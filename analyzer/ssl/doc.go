// Package ssl analyses SSL/TLS on reassembled TCP streams and produces the
// records of Zeek's ssl.log, with a JA4 client fingerprint as an extra
// last column.
//
// # Model
//
// A Session follows one connection in three layers, after Zeek:
//
//   - the record layer (src/analyzer/protocol/ssl/ssl-dissector.pac and
//     ssl-protocol.pac): 5-byte record headers, records split across
//     segments, the record-layer version check, clear and encrypted state
//     per direction (ChangeCipherSpec before TLS 1.3; the first
//     application-data record once TLS 1.3 was negotiated), alerts,
//     heartbeats, and established once both sides are encrypted and an
//     encrypted record is seen;
//   - the handshake layer (tls-handshake-protocol.pac): handshake
//     messages reassembled across records, ClientHello and ServerHello
//     with their extensions (server_name, ALPN, supported_versions,
//     key_share, session_ticket, pre_shared_key), ServerKeyExchange for
//     the ECDHE curve; an SSLv2-compatible ClientHello is recognised;
//   - the script layer (scripts/base/protocols/ssl/main.zeek): version,
//     cipher, curve, server_name, resumed (session id, ticket and PSK
//     rules), last_alert, next_protocol, established and ssl_history; the
//     record is written when the connection is established (analysis then
//     stops, as with SSL::disable_analyzer_after_detection), on a protocol
//     violation, or at Done.
//
// Certificates are hashed, not parsed: cert_chain_fps and
// client_cert_chain_fps carry their SHA-256 fingerprints, sni_matches_cert
// stays unset. DTLS and QUIC are not handled here.
//
// # Hazards
//
// Record slices point into Session buffers, valid during emit only. After
// a content gap the Session stops parsing, as Zeek's SSL analyzer does.
package ssl
