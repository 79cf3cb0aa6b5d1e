package conn

// icmpCounterpart maps an ICMP type to the "port" Zeek uses as the
// responder port: the counterpart type for request/reply pairs (so both
// directions share one connection), else the code, in which case the
// flow is one-way (Zeek's ICMP4_counterpart / ICMP6_counterpart).
func icmpCounterpart(v6 bool, typ, code uint8) (port uint16, oneWay bool) {
	if !v6 {
		switch typ {
		case 8:
			return 0, false // echo → echo reply
		case 0:
			return 8, false
		case 13:
			return 14, false // timestamp
		case 14:
			return 13, false
		case 15:
			return 16, false // information
		case 16:
			return 15, false
		case 10:
			return 9, false // router solicitation / advertisement
		case 9:
			return 10, false
		case 17:
			return 18, false // address mask
		case 18:
			return 17, false
		}
		return uint16(code), true
	}
	switch typ {
	case 128:
		return 129, false // echo
	case 129:
		return 128, false
	case 133:
		return 134, false // router solicitation / advertisement
	case 134:
		return 133, false
	case 135:
		return 136, false // neighbor solicitation / advertisement
	case 136:
		return 135, false
	case 130:
		return 131, false // MLD query / report
	case 131:
		return 130, false
	case 139:
		return 140, false // node information
	case 140:
		return 139, false
	case 144:
		return 145, false // home agent address discovery
	case 145:
		return 144, false
	}
	return uint16(code), true
}
