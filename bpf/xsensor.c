//go:build ignore

// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xsensor.c: xsensor's XDP program. For every frame it
 *
 *   1. parses Ethernet, up to 8 VLAN tags, up to 8 MPLS labels or one PPPoE
 *      session header, IPv4 or IPv6 with up to 8 extension headers, and the
 *      TCP and SCTP ports of non-fragments, exactly as the Go definition in
 *      analyzer/flowhash/doc.go says;
 *   2. builds the canonical flow key and drops the frame when the flow is in
 *      the shunt map, or hands it to the configured action when the CIDR
 *      filter refuses it;
 *   3. computes the symmetric flow hash (MurmurHash3 x86_32, seed 0, over
 *      the key bytes) and redirects to XSKMAP slot
 *      rx_queue * workers_per_queue + hash % workers_per_queue, falling back
 *      to the configured action when that slot holds no socket;
 *   4. leaves through one exit that records per-CPU counters.
 *
 * Every packet access is bounds-checked against data_end right before it
 * (the xdp-tools habit: if (p + 1 > data_end)); every loop is bounded by a
 * constant. The L2 and L3 parsers are global (BPF-to-BPF) functions so the
 * verifier checks each once instead of once per VLAN/MPLS path.
 *
 * Layouts and constants shared with Go live in xsensor_common.h.
 */
#include <linux/bpf.h>
#include "bpf_helpers.h"
#include "bpf_endian.h"
#include "xsensor_common.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the flow hash reads key words little-endian: build for bpfel only"
#endif

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* ---- maps ------------------------------------------------------------ */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_stats);
} xs_stats_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_config);
} xs_config_map SEC(".maps");

/* Sized by the loader: queues * workers_per_queue. */
struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} xs_xsks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct xs_flow_key);
	__type(value, struct xs_shunt_val);
} xs_shunt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xs_lpm4);
	__type(value, __u8);
} xs_filter4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 16384);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct xs_lpm6);
	__type(value, __u8);
} xs_filter6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xs_debug);
} xs_debug_map SEC(".maps");

/* ---- header layouts (own definitions: no kernel headers needed) ------- */

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define ETH_P_QINQ1 0x9100
#define ETH_P_MPLS_UC 0x8847
#define ETH_P_MPLS_MC 0x8848
#define ETH_P_PPP_SES 0x8864
#define PPP_IP 0x0021
#define PPP_IPV6 0x0057

#define IPPROTO_HOPOPTS 0
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define IPPROTO_ROUTING 43
#define IPPROTO_FRAGMENT 44
#define IPPROTO_AH 51
#define IPPROTO_DSTOPTS 60
#define IPPROTO_MH 135
#define IPPROTO_SCTP 132

struct ethhdr {
	__u8 h_dest[6];
	__u8 h_source[6];
	__be16 h_proto;
} __attribute__((packed));

struct vlan_hdr {
	__be16 h_vlan_TCI;
	__be16 h_vlan_encapsulated_proto;
};

struct mpls_hdr {
	__u8 label_tc_s[3]; /* bottom of stack: bit 0 of byte 2 */
	__u8 ttl;
};

struct pppoe_hdr {
	__u8 ver_type;
	__u8 code;
	__be16 sid;
	__be16 length;
	__be16 ppp_proto;
};

struct iphdr {
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
	__sum16 check;
	__be32 saddr;
	__be32 daddr;
};

struct ipv6hdr {
	__be32 ver_tc_flow;
	__be16 payload_len;
	__u8 nexthdr;
	__u8 hop_limit;
	__be32 saddr[4];
	__be32 daddr[4];
};

/* Generic IPv6 extension header prefix (hop-by-hop, routing, ...). */
struct ipv6_opt_hdr {
	__u8 nexthdr;
	__u8 hdrlen;
	__u8 rest[6];
};

struct l4_ports {
	__be16 source;
	__be16 dest;
};

/* Return codes of xs_parse_l2 (non-negative: offset of the IP header). */
#define XS_L2_NOT_IP (-1) /* unknown EtherType, PPP protocol, MPLS too deep */
#define XS_L2_ERR (-2)    /* truncated header or bad IP version */

/* ---- cursor helpers (the parsing_helpers.h pattern) ------------------- */

struct hdr_cursor {
	void *pos;
};

static __always_inline int proto_is_vlan(__u16 h_proto)
{
	return h_proto == bpf_htons(ETH_P_8021Q) ||
	       h_proto == bpf_htons(ETH_P_8021AD) ||
	       h_proto == bpf_htons(ETH_P_QINQ1);
}

/* ip_at: flowhash's ipAt — an IPv4 or IPv6 version nibble at the cursor. */
static __always_inline int ip_at(struct hdr_cursor *nh, void *data, void *data_end)
{
	__u8 *v = nh->pos;

	if (v + 1 > data_end)
		return XS_L2_ERR;
	switch (*v >> 4) {
	case 4:
	case 6:
		return (int)((void *)v - data);
	}
	return XS_L2_ERR;
}

static __always_inline int ppp_proto(struct hdr_cursor *nh, void *data, void *data_end,
				     __be16 proto)
{
	if (proto == bpf_htons(PPP_IP) || proto == bpf_htons(PPP_IPV6))
		return ip_at(nh, data, data_end);
	return XS_L2_NOT_IP;
}

/*
 * xs_parse_l2 walks Ethernet, VLAN/QinQ, MPLS and PPPoE to the first IP
 * header and returns its offset, or XS_L2_NOT_IP / XS_L2_ERR.
 * flowhash.go: ethernet, etherType, pppProto, ipAt.
 */
__attribute__((noinline)) int xs_parse_l2(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	struct hdr_cursor nh = { .pos = data };
	struct ethhdr *eth = nh.pos;
	__u16 et;
	int i;

	if (eth + 1 > data_end)
		return XS_L2_ERR;
	et = eth->h_proto;
	nh.pos = eth + 1;

#pragma unroll
	for (i = 0; i < XS_MAX_VLAN; i++) {
		struct vlan_hdr *vh = nh.pos;

		if (!proto_is_vlan(et))
			break;
		if (vh + 1 > data_end)
			return XS_L2_ERR;
		et = vh->h_vlan_encapsulated_proto;
		nh.pos = vh + 1;
	}

	switch (et) {
	case bpf_htons(ETH_P_IP):
	case bpf_htons(ETH_P_IPV6):
		return ip_at(&nh, data, data_end);
	case bpf_htons(ETH_P_MPLS_UC):
	case bpf_htons(ETH_P_MPLS_MC):
#pragma unroll
		for (i = 0; i < XS_MAX_MPLS; i++) {
			struct mpls_hdr *m = nh.pos;

			if (m + 1 > data_end)
				return XS_L2_ERR;
			nh.pos = m + 1;
			if (m->label_tc_s[2] & 0x01)
				return ip_at(&nh, data, data_end);
		}
		return XS_L2_NOT_IP;
	case bpf_htons(ETH_P_PPP_SES): {
		struct pppoe_hdr *ph = nh.pos;

		if (ph + 1 > data_end)
			return XS_L2_ERR;
		nh.pos = ph + 1;
		return ppp_proto(&nh, data, data_end, ph->ppp_proto);
	}
	}
	return XS_L2_NOT_IP;
}

/* ---- the canonical key ------------------------------------------------ */

static __always_inline int is_port_proto(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP;
}

/* read_ports: flowhash's ports() once the transport header is in the frame. */
static __always_inline void read_ports(struct l4_ports *pp, __u8 proto, __be16 *sport,
				       __be16 *dport)
{
	/* UDP keys on the address pair alone: its fragments carry no ports, and
	 * a tunnel's two directions use different source ports. */
	if (proto == IPPROTO_UDP) {
		*sport = 0;
		*dport = 0;
		return;
	}
	*sport = pp->source;
	*dport = pp->dest;
}

/*
 * put_tail writes lo port, hi port and protocol after n address bytes.
 * Ports are stored as they are on the wire (big-endian).
 */
static __always_inline void put_tail(struct xs_flow_key *key, int n, __be16 lo, __be16 hi,
				     __u8 proto)
{
	struct l4_ports *pp = (struct l4_ports *)&key->bytes[n];

	pp->source = lo;
	pp->dest = hi;
	key->bytes[n + 4] = proto;
}

/* Word w of an address in host order, for the memcmp-order comparison. */
static __always_inline int cmp_words(const __be32 *a, const __be32 *b, int n)
{
	int i;

#pragma unroll
	for (i = 0; i < 4; i++) {
		__u32 x, y;

		if (i >= n)
			break;
		x = bpf_ntohl(a[i]);
		y = bpf_ntohl(b[i]);
		if (x != y)
			return x < y ? -1 : 1;
	}
	return 0;
}

/*
 * fill_key: flowhash's fill in 5-tuple mode. a and b point to nw address
 * words already copied out of the packet.
 */
static __always_inline void fill_key(struct xs_flow_key *key, const __be32 *a, const __be32 *b,
				     int nw, __be16 sport, __be16 dport, __u8 proto)
{
	__be32 *w = (__be32 *)key->bytes;
	int c = cmp_words(a, b, nw);
	int i;

	if (c > 0 || (c == 0 && bpf_ntohs(sport) > bpf_ntohs(dport))) {
		const __be32 *t = a;
		__be16 tp = sport;

		a = b;
		b = t;
		sport = dport;
		dport = tp;
	}
#pragma unroll
	for (i = 0; i < 4; i++) {
		if (i >= nw)
			break;
		w[i] = a[i];
		w[nw + i] = b[i];
	}
	put_tail(key, nw * 8, sport, dport, proto);
	key->family = nw == 1 ? 4 : 6;
}

/*
 * xs_parse_l3 parses the IP header at off and fills key (zeroed by the
 * caller). It returns XS_ST_* bits: XS_ST_IP (and XS_ST_FRAGMENT) when the
 * key is valid, XS_ST_PARSE_ERR when the header is truncated or malformed.
 * flowhash.go: OfIP, ports, fill.
 */
__attribute__((noinline)) int xs_parse_l3(struct xdp_md *ctx, __u64 off, struct xs_flow_key *key)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	__be16 sport = 0, dport = 0;
	int st = XS_ST_IP;
	__u8 *v;
	__u8 proto;
	int i;

	if (!key)
		return XS_ST_PARSE_ERR;
	if (off > 255) /* xs_parse_l2 never returns more than 14+32+32 */
		return XS_ST_PARSE_ERR;
	v = data + off;
	if (v + 1 > data_end)
		return XS_ST_PARSE_ERR;

	if ((*v >> 4) == 4) {
		struct iphdr *ip = (void *)v;
		struct l4_ports *pp;
		__be32 a[1], b[1];
		__u32 ihl;

		if (ip + 1 > data_end)
			return XS_ST_PARSE_ERR;
		ihl = (ip->ver_ihl & 0x0f) * 4;
		if (ihl < 20)
			return XS_ST_PARSE_ERR;
		if (ip->frag_off & bpf_htons(0x3fff))
			st |= XS_ST_FRAGMENT;
		proto = ip->protocol;
		if (!(st & XS_ST_FRAGMENT) && is_port_proto(proto)) {
			pp = (void *)v + ihl;
			if (pp + 1 <= data_end)
				read_ports(pp, proto, &sport, &dport);
		}
		a[0] = ip->saddr;
		b[0] = ip->daddr;
		fill_key(key, a, b, 1, sport, dport, proto);
		return st;
	}

	if ((*v >> 4) == 6) {
		struct ipv6hdr *ip6 = (void *)v;
		struct l4_ports *pp;
		__be32 a[4], b[4];
		__u64 o;

		if (ip6 + 1 > data_end)
			return XS_ST_PARSE_ERR;
		proto = ip6->nexthdr;
		o = off + sizeof(*ip6);

#pragma unroll
		for (i = 0; i < XS_MAX_EXTHDR; i++) {
			struct ipv6_opt_hdr *h;
			__u64 len;

			if (proto != IPPROTO_HOPOPTS && proto != IPPROTO_ROUTING &&
			    proto != IPPROTO_DSTOPTS && proto != IPPROTO_MH &&
			    proto != IPPROTO_AH && proto != IPPROTO_FRAGMENT)
				break;
			if (o > XS_MAX_OFF)
				break;
			h = data + o;
			if (h + 1 > data_end)
				break;
			if (proto == IPPROTO_AH) {
				len = ((__u64)h->hdrlen + 2) * 4;
			} else if (proto == IPPROTO_FRAGMENT) {
				len = 8;
				st |= XS_ST_FRAGMENT;
			} else {
				len = ((__u64)h->hdrlen + 1) * 8;
			}
			proto = h->nexthdr;
			o += len;
		}

		if (!(st & XS_ST_FRAGMENT) && is_port_proto(proto) && o <= XS_MAX_OFF) {
			pp = data + o;
			if (pp + 1 <= data_end)
				read_ports(pp, proto, &sport, &dport);
		}
#pragma unroll
		for (i = 0; i < 4; i++) {
			a[i] = ip6->saddr[i];
			b[i] = ip6->daddr[i];
		}
		fill_key(key, a, b, 4, sport, dport, proto);
		return st;
	}
	return XS_ST_PARSE_ERR;
}

/* ---- the flow hash ---------------------------------------------------- */

static __always_inline __u32 rotl32(__u32 x, int r)
{
	return (x << r) | (x >> (32 - r));
}

/*
 * xs_hash: MurmurHash3 x86_32, seed 0, over the key's 16 (IPv4) or 40
 * (IPv6) bytes, reading 4-byte blocks little-endian (flowhash murmur.go).
 * In ip-pair mode the last two words (ports, protocol) count as zero.
 */
static __always_inline __u32 mur_block(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51;
	k = rotl32(k, 15);
	k *= 0x1b873593;
	h ^= k;
	h = rotl32(h, 13);
	return h * 5 + 0xe6546b64;
}

static __always_inline __u32 mur_final(__u32 h, __u32 nbytes)
{
	h ^= nbytes;
	h ^= h >> 16;
	h *= 0x85ebca6b;
	h ^= h >> 13;
	h *= 0xc2b2ae35;
	h ^= h >> 16;
	return h;
}

static __always_inline __u32 xs_hash(const struct xs_flow_key *key, int ippair)
{
	const __u32 *w = (const __u32 *)key->bytes;
	__u32 h = 0;
	int i;

	if (key->family == 4) {
#pragma unroll
		for (i = 0; i < 4; i++)
			h = mur_block(h, ippair && i >= 2 ? 0 : w[i]);
		return mur_final(h, 16);
	}
#pragma unroll
	for (i = 0; i < 10; i++)
		h = mur_block(h, ippair && i >= 8 ? 0 : w[i]);
	return mur_final(h, 40);
}

/* ---- filter ----------------------------------------------------------- */

/* in_filter: either address of the key is covered by a filter prefix. */
static __always_inline int in_filter(const struct xs_flow_key *key)
{
	if (key->family == 4) {
		struct xs_lpm4 k = { .prefixlen = 32 };

		__builtin_memcpy(k.addr, &key->bytes[0], 4);
		if (bpf_map_lookup_elem(&xs_filter4, &k))
			return 1;
		__builtin_memcpy(k.addr, &key->bytes[4], 4);
		return bpf_map_lookup_elem(&xs_filter4, &k) != NULL;
	} else {
		struct xs_lpm6 k = { .prefixlen = 128 };

		__builtin_memcpy(k.addr, &key->bytes[0], 16);
		if (bpf_map_lookup_elem(&xs_filter6, &k))
			return 1;
		__builtin_memcpy(k.addr, &key->bytes[16], 16);
		return bpf_map_lookup_elem(&xs_filter6, &k) != NULL;
	}
}

/* ---- the program ------------------------------------------------------ */

SEC("xdp")
int xsensor_xdp(struct xdp_md *ctx)
{
	void *data_end = (void *)(long)ctx->data_end;
	void *data = (void *)(long)ctx->data;
	__u64 len = data_end - data;
	struct xs_flow_key key;
	struct xs_config *cfg;
	struct xs_stats *stats;
	struct xs_shunt_val *sv;
	__u32 mask = 1 << XS_STAT_SEEN;
	__u32 zero = 0, status = 0, hash = 0, slot = 0, wpq;
	int action = XDP_PASS;
	int l3, i;

	__builtin_memset(&key, 0, sizeof(key));

	cfg = bpf_map_lookup_elem(&xs_config_map, &zero);
	if (!cfg)
		goto out;
	action = cfg->no_socket_action == XDP_DROP ? XDP_DROP : XDP_PASS;

	l3 = xs_parse_l2(ctx);
	if (l3 >= 0)
		status = xs_parse_l3(ctx, l3, &key);
	else if (l3 == XS_L2_ERR)
		status = XS_ST_PARSE_ERR;
	if (status & XS_ST_PARSE_ERR)
		mask |= 1 << XS_STAT_PARSE_ERRORS;

	if (status & XS_ST_IP) {
		if (cfg->filter_mode != XS_FILTER_OFF &&
		    in_filter(&key) != (cfg->filter_mode == XS_FILTER_ALLOW)) {
			status |= XS_ST_FILTERED;
			mask |= 1 << XS_STAT_FILTERED;
			goto out;
		}
		sv = bpf_map_lookup_elem(&xs_shunt, &key);
		if (sv) {
			__sync_fetch_and_add(&sv->packets, 1);
			__sync_fetch_and_add(&sv->bytes, len);
			status |= XS_ST_SHUNTED;
			mask |= 1 << XS_STAT_SHUNTED;
			action = XDP_DROP;
			goto out;
		}
		hash = xs_hash(&key, cfg->hash_mode == XS_HASH_IPPAIR);
	}

	wpq = cfg->workers_per_queue;
	if (wpq == 0)
		wpq = 1;
	slot = ctx->rx_queue_index * wpq + hash % wpq;
	action = bpf_redirect_map(&xs_xsks, slot, action);
	if (action == XDP_REDIRECT)
		mask |= 1 << XS_STAT_REDIRECTED;
	else
		mask |= 1 << XS_STAT_REDIRECT_FAIL;

out:
	if (action == XDP_PASS)
		mask |= 1 << XS_STAT_PASSED;
	else if (action == XDP_DROP)
		mask |= 1 << XS_STAT_DROPPED;

	stats = bpf_map_lookup_elem(&xs_stats_map, &zero);
	if (stats) {
#pragma unroll
		for (i = 0; i < XS_STAT_MAX; i++)
			if (mask & (1 << i))
				stats->count[i]++;
		stats->bytes += len;
	}

	if (cfg && (cfg->flags & XS_CFG_DEBUG)) {
		struct xs_debug *d = bpf_map_lookup_elem(&xs_debug_map, &zero);

		if (d) {
			d->seq++;
			d->hash = hash;
			d->slot = slot;
			d->action = action;
			d->status = status;
			__builtin_memcpy(&d->key, &key, sizeof(key));
		}
	}
	return action;
}
