// Package communityid computes Community ID v1 flow hashes
// (https://github.com/corelight/community-id-spec): "1:" followed by the
// base64 of SHA-1 over seed, the ordered endpoint addresses, the protocol,
// a zero pad byte and, for TCP, UDP, SCTP, ICMP and ICMPv6, the ordered
// ports.
//
// # Model
//
// Endpoints are ordered so that the smaller (address, port) pair comes
// first, making both directions of a flow hash alike. ICMP and ICMPv6 use
// type and code as ports, mapped as Zeek maps them: a request or reply
// type is paired with its counterpart type (echo 8 with echo reply 0, …)
// and ordered like ports; any other type is one-way and keeps the
// direction it was seen in, with the code as destination port.
//
// # Hazards
//
//   - Addresses are hashed in their own family: IPv4-mapped IPv6 addresses
//     are hashed as IPv4. A flow whose endpoints differ in family is
//     hashed as IPv6.
//   - Append allocates nothing when dst has room for 30 more bytes; it is
//     safe for concurrent use.
package communityid
