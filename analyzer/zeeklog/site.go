package zeeklog

import "net/netip"

// Site says which addresses are local, for conn.log's local_orig and
// local_resp (Zeek's Site::local_nets). A Site is read-only after
// construction and safe for concurrent use.
type Site struct {
	local []netip.Prefix
}

// NewSite returns a site whose local networks are nets. With no nets,
// local_orig and local_resp are logged unset, as Zeek does when
// Site::local_nets is empty.
func NewSite(nets ...netip.Prefix) *Site {
	s := &Site{local: make([]netip.Prefix, 0, len(nets))}
	for _, p := range nets {
		if p.IsValid() {
			s.local = append(s.local, p.Masked())
		}
	}
	return s
}

// DefaultSite returns Zeek's default since 6.0: Site::local_nets holds
// Site::private_address_space (Site::private_address_space_is_local=T).
func DefaultSite() *Site { return NewSite(privateAddressSpace()...) }

// Known reports whether any local networks are configured.
func (s *Site) Known() bool { return s != nil && len(s.local) > 0 }

// IsLocal reports whether a is in one of the local networks.
func (s *Site) IsLocal(a netip.Addr) bool {
	if s == nil {
		return false
	}
	a = a.Unmap().WithZone("")
	for _, p := range s.local {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// privateAddressSpace is Zeek's Site::private_address_space
// (scripts/base/utils/site.zeek): IANA's special-purpose blocks that are
// not routable, with their 6to4 equivalents. The two IPv4 multicast
// blocks at the end are not in the site.zeek we could read but are local
// in the conn.log baselines of the Zeek that made our conformance data
// (224.0.0.9 and 239.114.155.111 local, 224.2.127.254 and 237.x not).
func privateAddressSpace() []netip.Prefix {
	nets := []string{
		"0.0.0.0/8", "2002::/24",
		"10.0.0.0/8", "2002:a00::/24",
		"100.64.0.0/10", "2002:6440::/26",
		"127.0.0.0/8", "2002:7f00::/24",
		"169.254.0.0/16", "2002:a9fe::/32",
		"172.16.0.0/12", "2002:ac10::/28",
		"192.0.0.0/24", "2002:c000::/40",
		"192.0.2.0/24", "2002:c000:200::/40",
		"192.168.0.0/16", "2002:c0a8::/32",
		"198.18.0.0/15", "2002:c612::/31",
		"198.51.100.0/24", "2002:c633:6400::/40",
		"203.0.113.0/24", "2002:cb00:7100::/40",
		"240.0.0.0/4", "2002:f000::/20",
		"255.255.255.255/32", "2002:ffff:ffff::/48",
		"::/128", "::1/128", "64:ff9b:1::/48", "100::/64", "2001::/23",
		"2001:2::/48", "2001:db8::/32", "fc00::/7", "fe80::/10",
		"224.0.0.0/24", "239.0.0.0/8",
	}
	out := make([]netip.Prefix, len(nets))
	for i, n := range nets {
		out[i] = netip.MustParsePrefix(n)
	}
	return out
}
