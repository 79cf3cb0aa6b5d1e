// Package quic analyses QUIC over UDP as Zeek's QUIC analyzer does
// (src/analyzer/protocol/quic/QUIC.spicy, decrypt_crypto.cc and
// scripts/base/protocols/quic/main.zeek), so that the TLS handshake that
// QUIC carries reaches ssl.log.
//
// # Model
//
// A Session follows one UDP connection. Each datagram may hold several
// coalesced QUIC packets:
//
//   - long headers are parsed for the versions Zeek knows (v1, v2, IETF
//     drafts 22-34, mvfst); any other version is a violation ("unhandled
//     QUIC version"). 0-RTT and Handshake packets are skipped by their
//     Length; a Retry takes the rest of the datagram and resets the
//     decryption state, so the client's next Initial DCID keys both
//     directions (Zeek's reset_crypto);
//   - short headers and packets with a clear fixed bit take the rest of
//     the datagram;
//   - Initial packets are decrypted while the direction's handshake
//     message is incomplete: keys come from the client's first Initial
//     DCID (RFC 9001 §5.2; RFC 9369 salt and labels for v2, the v1 salt
//     for every other version, as in Zeek), header protection is removed
//     with AES-128-ECB and the payload opened with AES-128-GCM, tag
//     checked. A server Initial seen before any client Initial is
//     skipped. The first successful decryption confirms QUIC;
//   - decrypted frames are parsed as Zeek's Frame unit does: PADDING,
//     PING, ACK, CRYPTO and CONNECTION_CLOSE (0x1c); anything else is a
//     violation;
//   - CRYPTO frames are reassembled by offset per direction (first copy
//     wins), and the first handshake message (ClientHello, ServerHello)
//     is handed to the ssl.Session through Handshake as it becomes
//     contiguous. A message over 2^14+256 bytes, or contiguous CRYPTO
//     data past it, is a violation, as is more than 2000 bytes with no
//     message header yet.
//
// A violation (a Spicy parse error in Zeek) drops the rest of the
// datagram; within the first 10 KiB of payload it also disables the
// analyzer, as DPD::ignore_violations_after does, and Violated reports
// it. The ssl.Session writes its record at Done.
//
// The quic.log script state is tracked only for its history letters,
// which give the weirds QUIC_max_history_length_reached,
// QUIC_spurious_short_packet_threshold_crossed and
// QUIC_spurious_discarded_packet; quic.log itself is not written.
//
// # Hazards
//
// Key derivation allocates: once per direction per client Initial DCID
// (twice per connection, again after a Retry). Everything else reuses
// Session buffers (the decryption buffer grows to the largest Initial,
// each CRYPTO buffer to the highest offset seen, at most about 16 KiB).
// Packet reads its payload and never retains it.
package quic
