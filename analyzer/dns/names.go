package dns

import "strconv"

// Zeek's DNS constants (scripts/base/protocols/dns/consts.zeek).

var queryTypes = map[uint16]string{
	1: "A", 2: "NS", 3: "MD", 4: "MF", 5: "CNAME", 6: "SOA", 7: "MB", 8: "MG", 9: "MR", 10: "NULL",
	11: "WKS", 12: "PTR", 13: "HINFO", 14: "MINFO", 15: "MX", 16: "TXT", 17: "RP", 18: "AFSDB",
	19: "X25", 20: "ISDN", 21: "RT", 22: "NSAP", 23: "NSAP-PTR", 24: "SIG", 25: "KEY", 26: "PX",
	27: "GPOS", 28: "AAAA", 29: "LOC", 30: "NXT", 31: "EID", 32: "NIMLOC", 33: "SRV", 34: "ATMA",
	35: "NAPTR", 36: "KX", 37: "CERT", 38: "A6", 39: "DNAME", 40: "SINK", 41: "OPT", 42: "APL",
	43: "DS", 44: "SSHFP", 45: "IPSECKEY", 46: "RRSIG", 47: "NSEC", 48: "DNSKEY", 49: "DHCID",
	50: "NSEC3", 51: "NSEC3PARAM", 52: "TLSA", 53: "SMIMEA", 55: "HIP", 56: "NINFO", 57: "RKEY",
	58: "TALINK", 59: "CDS", 60: "CDNSKEY", 61: "OPENPGPKEY", 62: "CSYNC", 63: "ZONEMD",
	64: "SVCB", 65: "HTTPS", 99: "SPF", 100: "UINFO", 101: "UID", 102: "GID", 103: "UNSPEC",
	104: "NID", 105: "L32", 106: "L64", 107: "LP", 108: "EUI48", 109: "EUI64", 249: "TKEY",
	250: "TSIG", 251: "IXFR", 252: "AXFR", 253: "MAILB", 254: "MAILA", 255: "*", 256: "URI",
	257: "CAA", 32768: "TA", 32769: "DLV", 65281: "WINS", 65282: "WINS-R", 65422: "XPF",
	65521: "INTEGRITY",
}

var baseErrors = [...]string{
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED", "YXDOMAIN", "YXRRSET",
	"NXRRSet", "NOTAUTH", "NOTZONE", "unassigned-11", "unassigned-12", "unassigned-13",
	"unassigned-14", "unassigned-15", "BADVERS", "BADKEY", "BADTIME", "BADMODE", "BADNAME",
	"BADALG", "BADTRUNC", "BADCOOKIE",
}

var classes = map[uint16]string{1: "C_INTERNET", 2: "C_CSNET", 3: "C_CHAOS", 4: "C_HESIOD", 254: "C_NONE", 255: "C_ANY"}

var opcodes = [...]string{0: "query", 1: "iquery", 2: "server-status", 4: "notify", 5: "dynamic-update", 6: "dso"}

var netbiosOpcodes = [...]string{0: "netbios-query", 5: "netbios-registration", 6: "netbios-release", 7: "netbios-wack", 8: "netbios-refresh"}

// AppendQTypeName appends Zeek's name for query type t (query_types).
func AppendQTypeName(b []byte, t uint16) []byte {
	if s, ok := queryTypes[t]; ok {
		return append(b, s...)
	}
	return strconv.AppendUint(append(b, "query-"...), uint64(t), 10)
}

// AppendQClassName appends Zeek's name for query class c (classes).
func AppendQClassName(b []byte, c uint16) []byte {
	if s, ok := classes[c]; ok {
		return append(b, s...)
	}
	return strconv.AppendUint(append(b, "qclass-"...), uint64(c), 10)
}

// AppendRCodeName appends Zeek's name for response code r (base_errors).
func AppendRCodeName(b []byte, r uint16) []byte {
	if int(r) < len(baseErrors) {
		return append(b, baseErrors[r]...)
	}
	if r == 3842 {
		return append(b, "BADSIG"...)
	}
	return strconv.AppendUint(append(b, "rcode-"...), uint64(r), 10)
}

// AppendOpcodeName appends Zeek's name for opcode o (opcodes, or
// netbios_opcodes for NetBIOS name service messages).
func AppendOpcodeName(b []byte, o uint8, netbios bool) []byte {
	if netbios {
		if int(o) < len(netbiosOpcodes) && netbiosOpcodes[o] != "" {
			return append(b, netbiosOpcodes[o]...)
		}
		return strconv.AppendUint(append(b, "netbios-opcode-"...), uint64(o), 10)
	}
	if int(o) < len(opcodes) && opcodes[o] != "" {
		return append(b, opcodes[o]...)
	}
	return strconv.AppendUint(append(b, "opcode-"...), uint64(o), 10)
}
