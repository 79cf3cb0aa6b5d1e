/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xsensor_common.h: the one header shared by the XDP program (xsensor.c)
 * and its Go loader. Every struct and constant here is mirrored by hand in
 * common.go; TestCommonLayout checks the mirrors against the BTF of the
 * compiled object, so a change here that is not made there fails the tests.
 *
 * Keep every struct free of implicit padding (explicit pad fields), so the
 * Go mirrors can be encoded with encoding/binary and the kernel never sees
 * uninitialised bytes in a map key.
 */
#ifndef __XSENSOR_COMMON_H
#define __XSENSOR_COMMON_H

/* Parser limits: analyzer/flowhash/doc.go, "Definition (version 1)". */
#define XS_MAX_VLAN 8
#define XS_MAX_MPLS 8
#define XS_MAX_EXTHDR 8

/*
 * Largest packet offset the parser follows. IPv6 extension headers that
 * reach past it are treated like headers that reach past the end of the
 * frame (as flowhash does); no frame an XDP program sees is this long.
 */
#define XS_MAX_OFF 0x7fff

/* Per-CPU counters: index into xs_stats.count. */
enum xs_stat {
	XS_STAT_SEEN = 0,         /* every frame the program ran on */
	XS_STAT_REDIRECTED = 1,   /* bpf_redirect_map returned XDP_REDIRECT */
	XS_STAT_PASSED = 2,       /* returned XDP_PASS */
	XS_STAT_DROPPED = 3,      /* returned XDP_DROP */
	XS_STAT_PARSE_ERRORS = 4, /* truncated or malformed L2/L3 header */
	XS_STAT_REDIRECT_FAIL = 5,/* no socket in the chosen slot */
	XS_STAT_SHUNTED = 6,      /* dropped because the flow is in xs_shunt */
	XS_STAT_FILTERED = 7,     /* refused by the CIDR filter */
	XS_STAT_MAX = 8,
};

struct xs_stats {
	__u64 count[XS_STAT_MAX];
	__u64 bytes; /* bytes of all frames seen */
};

/* xs_config.hash_mode: analyzer/flowhash.Mode. */
#define XS_HASH_5TUPLE 0
#define XS_HASH_IPPAIR 1

/* xs_config.filter_mode. */
#define XS_FILTER_OFF 0
#define XS_FILTER_ALLOW 1 /* only IP packets with an address in the filter */
#define XS_FILTER_DENY 2  /* all but IP packets with an address in the filter */

/* xs_config.flags. */
#define XS_CFG_DEBUG 1 /* record every verdict in xs_debug (tests) */

struct xs_config {
	__u32 workers_per_queue; /* > 0 */
	__u32 hash_mode;         /* XS_HASH_* */
	__u32 no_socket_action;  /* XDP_PASS or XDP_DROP; also used for filtered frames */
	__u32 filter_mode;       /* XS_FILTER_* */
	__u32 flags;             /* XS_CFG_* */
};

/*
 * The canonical flow key: the bytes the flow hash is computed over, and the
 * key of the shunt map. bytes holds, for IPv4 (family 4) the first 16 and
 * for IPv6 (family 6) all 40 bytes of
 *   lo address | hi address | lo port (BE) | hi port (BE) | proto | 0 0 0
 * with the endpoints in canonical order (flowhash doc.go, "Symmetry"). The
 * unused tail is zero. The shunt map always uses the 5-tuple key, also in
 * ip-pair mode; the hash then covers the same bytes with ports and
 * protocol zeroed.
 */
#define XS_KEY_BYTES 40

struct xs_flow_key {
	__u8 bytes[XS_KEY_BYTES];
	__u8 family; /* 4 or 6 */
	__u8 pad[3];
} __attribute__((aligned(4)));

/* Shunt map value: what the kernel dropped for the flow. */
struct xs_shunt_val {
	__u64 packets;
	__u64 bytes;
};

/* LPM trie keys (BPF_MAP_TYPE_LPM_TRIE: prefix length first). */
struct xs_lpm4 {
	__u32 prefixlen;
	__u8 addr[4];
};

struct xs_lpm6 {
	__u32 prefixlen;
	__u8 addr[16];
};

/* xs_debug.status bits. */
#define XS_ST_IP 1        /* an IP header was found: key is valid */
#define XS_ST_FRAGMENT 2  /* IPv4 fragment or IPv6 Fragment header */
#define XS_ST_PARSE_ERR 4 /* truncated or malformed header */
#define XS_ST_SHUNTED 8
#define XS_ST_FILTERED 16

/* The last verdict, written only with XS_CFG_DEBUG (single entry, not per CPU). */
struct xs_debug {
	__u64 seq; /* number of frames recorded */
	__u32 hash;
	__u32 slot;
	__u32 action; /* XDP action returned */
	__u32 status; /* XS_ST_* */
	struct xs_flow_key key;
};

#endif /* __XSENSOR_COMMON_H */
