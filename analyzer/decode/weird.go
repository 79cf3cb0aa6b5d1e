package decode

import "xsensor/analyzer/frag"

// Weird names the decoder produces. They are Zeek's, so weird.log lines
// match; a weird raised while decoding a packet inside a tunnel gets
// Zeek's "_in_tunnel" suffix (see inTunnel).
const (
	WeirdTruncatedIP            = "truncated_IP"
	WeirdUnknownIPVersion       = "unknown_ip_version"
	WeirdIPHdrLenZero           = "ip_hdr_len_zero"
	WeirdTruncatedIPLen         = "truncated_IP_len"
	WeirdInvalidIPHeaderSize    = "invalid_IP_header_size"
	WeirdInternallyTruncatedHdr = "internally_truncated_header"
	WeirdIPv4MinHeaderSize      = "IPv4_min_header_size"
	WeirdIPv6MinHeaderSize      = "IPv6_min_header_size"
	WeirdBadIPChecksum          = "bad_IP_checksum"
	WeirdIncompleteFragment     = "incompletely_captured_fragment"
	WeirdIPv6NoNext             = "ipv6_no_next"
	WeirdBogusIPHeaderLengths   = "bogus_IP_header_lengths"
	WeirdRouting0Hdr            = "routing0_hdr"
	WeirdOddRouting0Len         = "odd_routing0_len"
	WeirdBadRouting2Len         = "bad_routing2_len"
	WeirdUnknownRoutingType     = "unknown_routing_type"
	WeirdMobilityPiggyback      = "mobility_piggyback"
	WeirdTruncatedHeader        = "truncated_header"
	WeirdBadTCPHeaderLen        = "bad_TCP_header_len"
	WeirdUDPLengthMismatch      = "UDP_datagram_length_mismatch"

	WeirdTruncatedEthernet   = "truncated_ethernet_frame"
	WeirdTruncatedCFP        = "truncated_link_header_cfp"
	WeirdUndefinedEtherType  = "undefined_ether_type"
	WeirdTruncatedVLAN       = "truncated_VLAN_header"
	WeirdTruncatedLinkHeader = "truncated_link_header"
	WeirdNoIPInMPLS          = "no_ip_in_mpls_payload"
	WeirdTruncatedPPPoE      = "truncated_pppoe_header"
	WeirdTruncatedPPPSerial  = "truncated_ppp_serial_header"
	WeirdTruncatedPPP        = "truncated_ppp_header"
	WeirdTruncatedPPPHDLC    = "truncated_ppp_hdlc_header"
	WeirdTruncatedVNTag      = "truncated_vntag_header"
	WeirdTruncatedPBB        = "truncated_pbb_header"
	WeirdTruncatedSNAP       = "truncated_snap_header"
	WeirdTruncatedNull       = "truncated_null_header"
	WeirdTruncatedSLL        = "truncated_Linux_SLL_header"
	WeirdTruncatedSLL2       = "truncated_Linux_SLL2_header"
	WeirdTruncatedFDDI       = "truncated_fddi_header"
	WeirdTruncatedNFLOG      = "truncated_nflog_header"
	WeirdUnknownNFLOGVersion = "unknown_nflog_version"
	WeirdNFLOGNoPayload      = "nflog_no_pcap_payload"
	WeirdNFLOGBadTLVLen      = "nflog_bad_tlv_len"
	WeirdTruncatedRadiotap   = "truncated_radiotap_header"
	WeirdTruncated80211      = "truncated_802_11_header"
	WeirdTruncated80211LLC   = "truncated_802_11_llc_header"
	WeirdTruncatedAMSDUHdr   = "truncated_802_11_amsdu_header"
	WeirdTruncatedAMSDUPkt   = "truncated_802_11_amsdu_packet"
	WeirdInvalidAMSDUInner   = "invalid_802_11_amsdu_inner_packet"
	WeirdUnknownLinkType     = "unknown_link_type"

	WeirdExceededTunnelDepth   = "exceeded_tunnel_max_depth"
	WeirdTruncatedGRE          = "truncated_GRE"
	WeirdUnknownGREVersion     = "unknown_gre_version"
	WeirdEGREProtocolType      = "egre_protocol_type"
	WeirdGRERouting            = "gre_routing"
	WeirdUnknownGREFlags       = "unknown_gre_flags"
	WeirdNonIPInEncap          = "non_ip_packet_in_encap"
	WeirdInvalidInnerIPVersion = "invalid_inner_IP_version"
	WeirdTruncatedInnerIP      = "truncated_inner_IP"
	WeirdInnerIPLenMismatch    = "inner_IP_payload_length_mismatch"
	WeirdVXLANEmpty            = "vxlan_empty_packet"
	WeirdGeneveInvalidVersion  = "geneve_invalid_version"
	WeirdGeneveEmpty           = "geneve_empty_packet"
	WeirdAYIYAEmpty            = "ayiya_empty_packet"
	WeirdTeredoBubblePayload   = "Teredo_bubble_with_payload"
	WeirdTruncatedTeredo       = "truncated_Teredo"
	WeirdTruncatedTeredoOrigin = "truncated_Teredo_origin_indication"
	WeirdTruncatedTeredoAuth   = "truncated_Teredo_authentication"
	WeirdTruncatedIPv6Teredo   = "truncated_IPv6_in_Teredo"
)

var weirdNames = [...]string{
	WeirdTruncatedIP, WeirdUnknownIPVersion, WeirdIPHdrLenZero, WeirdTruncatedIPLen,
	WeirdInvalidIPHeaderSize, WeirdInternallyTruncatedHdr, WeirdIPv4MinHeaderSize,
	WeirdIPv6MinHeaderSize, WeirdBadIPChecksum, WeirdIncompleteFragment, WeirdIPv6NoNext,
	WeirdBogusIPHeaderLengths, WeirdRouting0Hdr, WeirdOddRouting0Len, WeirdBadRouting2Len,
	WeirdUnknownRoutingType, WeirdMobilityPiggyback, WeirdTruncatedHeader, WeirdBadTCPHeaderLen,
	WeirdUDPLengthMismatch,
	WeirdTruncatedEthernet, WeirdTruncatedCFP, WeirdUndefinedEtherType, WeirdTruncatedVLAN,
	WeirdTruncatedLinkHeader, WeirdNoIPInMPLS, WeirdTruncatedPPPoE, WeirdTruncatedPPPSerial, WeirdTruncatedPPP, WeirdTruncatedPPPHDLC,
	WeirdTruncatedVNTag, WeirdTruncatedPBB, WeirdTruncatedSNAP, WeirdTruncatedNull,
	WeirdTruncatedSLL, WeirdTruncatedSLL2, WeirdTruncatedFDDI, WeirdTruncatedNFLOG,
	WeirdUnknownNFLOGVersion, WeirdNFLOGNoPayload, WeirdNFLOGBadTLVLen, WeirdTruncatedRadiotap,
	WeirdTruncated80211, WeirdTruncated80211LLC, WeirdTruncatedAMSDUHdr, WeirdTruncatedAMSDUPkt,
	WeirdInvalidAMSDUInner, WeirdUnknownLinkType,
	WeirdExceededTunnelDepth, WeirdTruncatedGRE, WeirdUnknownGREVersion, WeirdEGREProtocolType,
	WeirdGRERouting, WeirdUnknownGREFlags, WeirdNonIPInEncap, WeirdInvalidInnerIPVersion,
	WeirdTruncatedInnerIP, WeirdInnerIPLenMismatch, WeirdVXLANEmpty, WeirdGeneveInvalidVersion,
	WeirdGeneveEmpty, WeirdAYIYAEmpty, WeirdTeredoBubblePayload, WeirdTruncatedTeredo,
	WeirdTruncatedTeredoOrigin, WeirdTruncatedTeredoAuth, WeirdTruncatedIPv6Teredo,
	frag.WeirdOverlap, frag.WeirdInconsistency, frag.WeirdSize, frag.WeirdProtocol,
	frag.WeirdWithDF, frag.WeirdExcessSmall, frag.WeirdExcessLarge,
}

// inTunnel maps each weird name to its "_in_tunnel" variant, the name Zeek
// gives a weird raised on a packet that has an encapsulation stack. Built
// once at init so the hot path only reads it.
var inTunnel = func() map[string]string {
	m := make(map[string]string, len(weirdNames))
	for _, n := range weirdNames {
		m[n] = n + "_in_tunnel"
	}
	return m
}()

// weird records name as the packet's weird unless one is already set, and
// counts it. Suffixing and counting never allocate: every name and its
// variant are keys of the Weirds map from construction on.
func (d *Decoder) weird(name string) {
	if d.depth > 0 {
		if t, ok := inTunnel[name]; ok {
			name = t
		}
	}
	d.stats.Weirds[name]++
	if d.p.Weird == "" {
		d.p.Weird = name
	}
}
