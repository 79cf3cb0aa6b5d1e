package conncodec

import (
	"net/netip"

	"xsensor/analyzer/communityid"
)

// FormatColumns is the bit set in a LogBatch's Format when its Body is
// a conn.log TSV batch in the columnar layout (Encoder) rather than the
// records themselves; the low bits still hold the zeeklog.Format (TSV).
const FormatColumns uint8 = 0x80

// Version is the first byte of a columnar body: the only layout this
// package writes and reads.
const Version = 2

// Column kinds of the conn.log fields (zeeklog.Conn, in order).
const (
	kTime     = iota // fixed-point microseconds, delta from the previous record
	kUID             // 'C' + base62 of 96 bits → 12 raw bytes
	kAddr            // binary v4/v6
	kCount           // decimal → uvarint
	kInterval        // duration: fixed-point microseconds, coded as the change of ts+duration (the end time) from the previous record's
	kDict            // per-batch dictionary
	kCID             // community_id: omitted when recomputable
	kPort            // tag, then 2 bytes in a byte-plane stream
	kIPBytes         // count predicted from bytes, packets and proto
)

// connKinds is the field table of a batch: one entry per field of
// zeeklog.Conn.
var connKinds = [...]uint8{
	kTime,     // ts
	kUID,      // uid
	kAddr,     // id.orig_h
	kPort,     // id.orig_p
	kAddr,     // id.resp_h
	kPort,     // id.resp_p
	kDict,     // proto
	kDict,     // service
	kInterval, // duration
	kCount,    // orig_bytes
	kCount,    // resp_bytes
	kDict,     // conn_state
	kDict,     // local_orig
	kDict,     // local_resp
	kCount,    // missed_bytes
	kDict,     // history
	kCount,    // orig_pkts
	kIPBytes,  // orig_ip_bytes
	kCount,    // resp_pkts
	kIPBytes,  // resp_ip_bytes
	kDict,     // tunnel_parents
	kCount,    // ip_proto
	kCID,      // community_id
}

const (
	nConnFields = len(connKinds)
	// Field indices the community_id is recomputed from.
	fOrigH, fOrigP, fRespH, fRespP, fIPProto = 2, 3, 4, 5, 21
	fProto                                   = 6
	fDuration                                = 8
	// Fields the ip_bytes predictions use.
	fOrigBytes, fRespBytes = 9, 10
	fOrigPkts, fRespPkts   = 16, 18
	fRespIPBytes           = 19
	// Streams: one per field, then the fixed-size bytes of the uid, the
	// addresses (v4 and v6 apart) and the ports, the last six stored as
	// byte planes (all first bytes, then all second bytes, …).
	sUIDBytes = nConnFields
	sOrigV4   = nConnFields + 1
	sOrigV6   = nConnFields + 2
	sRespV4   = nConnFields + 3
	sRespV6   = nConnFields + 4
	sOrigPort = nConnFields + 5
	sRespPort = nConnFields + 6
	// sUIDCounter holds, per uid sent by key, its counter as the
	// zigzag difference from counterModel's prediction.
	sUIDCounter = nConnFields + 7
	nStreams    = nConnFields + 8
)

// Value codes shared by the time, count and interval columns: a uvarint
// v+2 is the value v; 0 is Zeek's unset "-"; 1 is an escape, followed by
// the field's bytes (uvarint length, bytes). The uid and address columns
// use tag bytes: tagRaw (escape, inline bytes follow), tagUID / 4 / 6.
const (
	codeUnset = 0
	codeRaw   = 1
	tagUnset  = 0
	tagRaw    = 1
	tagUID    = 2
	tagKeyed  = 8  // + key index: the uid is that key's permutation of a counter
	maxKeys   = 64 // keys per batch
	// flagDurPlain in the flags byte: the duration column is plain
	// microseconds (uvarint v+2), not the change of the end time.
	flagDurPlain = 1
	codePort     = 2 // port: the value is in the port stream
	tagV4        = 4
	tagV6        = 6
	cidSame      = 0 // community_id equals the recomputation
	cidRaw       = 1
	cidProto0    = 2       // equals the recomputation with protocol 0 (unknown transport)
	maxDict      = 1 << 12 // entries per dictionary column per batch
)

// planeWidth is the value width of a stream stored as byte planes, 0
// for the others.
func planeWidth(s int) int {
	switch s {
	case sOrigV4, sRespV4:
		return 4
	case sOrigV6, sRespV6:
		return 16
	case sOrigPort, sRespPort:
		return 2
	}
	return 0
}

// ipHeader is the per-packet overhead ip_bytes is predicted with.
func ipHeader(proto []byte) uint64 {
	switch string(proto) {
	case "tcp":
		return 40
	case "udp", "icmp":
		return 28
	}
	return 20
}

// ipPrediction predicts the ip_bytes field i (orig_ip_bytes or
// resp_ip_bytes) from the payload bytes and packets of its side:
// bytes + packets × a header size for the transport. The value is sent
// as the difference.
func ipPrediction(i int, proto []byte, nums [nConnFields]uint64, have [nConnFields]bool) uint64 {
	by, pk := fOrigBytes, fOrigPkts
	if i == fRespIPBytes {
		by, pk = fRespBytes, fRespPkts
	}
	var p uint64
	if have[by] {
		p = nums[by]
	}
	if have[pk] {
		p += nums[pk] * ipHeader(proto)
	}
	return p
}

// endPrediction predicts a duration as the one that makes the record
// end (ts+duration) when the previous one did: records are written as
// connections end. Arithmetic is modulo 2^64.
func endPrediction(prevEnd uint64, ts int64, haveTS bool) uint64 {
	if !haveTS || prevEnd == 0 {
		return 0
	}
	return prevEnd - uint64(ts)
}

// connCommunityID appends the Community ID (seed 0) of a record from its
// decoded ip_proto (or 0 when proto0, as a worker does for an unknown
// transport), addresses and ports, or nothing when one of them is
// missing or out of range.
func connCommunityID(dst []byte, addrs [2]netip.Addr, nums [nConnFields]uint64, have [nConnFields]bool, proto0 bool) []byte {
	if !addrs[0].IsValid() || !addrs[1].IsValid() || !have[fOrigP] || !have[fRespP] || !have[fIPProto] ||
		nums[fOrigP] > 0xffff || nums[fRespP] > 0xffff || nums[fIPProto] > 0xff {
		return dst
	}
	proto := uint8(nums[fIPProto])
	if proto0 {
		proto = 0
	}
	return communityid.Append(dst, 0, proto, addrs[0], addrs[1], uint16(nums[fOrigP]), uint16(nums[fRespP]))
}

func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

func unzigzag(u uint64) int64 { return int64(u>>1) ^ -int64(u&1) }
