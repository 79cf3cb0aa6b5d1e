package bpf

import "structs"

// Go mirrors of bpf/xsensor_common.h, the header shared with the XDP
// program. Each type below has the same fields as its C struct and as the
// type bpf2go generates from the object's BTF (xsensor_bpfel.go); the
// conversions in layoutCheck (program_linux.go) only compile while the
// two agree, so a change to the header that is not made here breaks the
// build. Constants are checked by TestCommonConstants.

// Parser limits (xsensor_common.h XS_MAX_*; flowhash doc.go).
const (
	maxVLAN   = 8
	maxMPLS   = 8
	maxExtHdr = 8
)

// Counter indices (enum xs_stat).
const (
	statSeen = iota
	statRedirected
	statPassed
	statDropped
	statParseErrors
	statRedirectFail
	statShunted
	statFiltered
	statMax
)

// stats mirrors struct xs_stats (one per CPU).
type stats struct {
	_     structs.HostLayout
	Count [statMax]uint64
	Bytes uint64
}

// Hash modes (XS_HASH_*), equal to flowhash.Mode values.
const (
	hash5Tuple = 0
	hashIPPair = 1
)

// Filter modes (XS_FILTER_*).
const (
	filterOff   = 0
	filterAllow = 1
	filterDeny  = 2
)

// Config flags (XS_CFG_*).
const cfgDebug = 1

// XDP actions (enum xdp_action in linux/bpf.h).
const (
	xdpAborted  = 0
	xdpDrop     = 1
	xdpPass     = 2
	xdpTx       = 3
	xdpRedirect = 4
)

// config mirrors struct xs_config.
type config struct {
	_               structs.HostLayout
	WorkersPerQueue uint32
	HashMode        uint32
	NoSocketAction  uint32
	FilterMode      uint32
	Flags           uint32
}

// keyBytes is XS_KEY_BYTES.
const keyBytes = 40

// FlowKey mirrors struct xs_flow_key: the canonical flow key, the bytes
// the flow hash is computed over and the key of the shunt map. Build one
// with NewFlowKey. Bytes holds lo address ‖ hi address ‖ lo port ‖ hi port
// ‖ protocol ‖ three zero bytes (16 bytes used for IPv4, 40 for IPv6; the
// rest zero); Family is 4 or 6. A FlowKey is a plain value.
type FlowKey struct {
	_      structs.HostLayout
	Bytes  [keyBytes]uint8
	Family uint8
	Pad    [3]uint8
}

// shuntVal mirrors struct xs_shunt_val.
type shuntVal struct {
	_       structs.HostLayout
	Packets uint64
	Bytes   uint64
}

// lpm4 and lpm6 mirror struct xs_lpm4 and struct xs_lpm6.
type lpm4 struct {
	_         structs.HostLayout
	Prefixlen uint32
	Addr      [4]uint8
}

type lpm6 struct {
	_         structs.HostLayout
	Prefixlen uint32
	Addr      [16]uint8
}

// Status bits of debugRecord.Status (XS_ST_*).
const (
	stIP       = 1
	stFragment = 2
	stParseErr = 4
	stShunted  = 8
	stFiltered = 16
)

// The debug record (struct xs_debug: the last verdict, written only when
// the config has cfgDebug) is read through bpf2go's generated
// xsensorXsDebug, which embeds the FlowKey layout.
