package ssl

import (
	"crypto/tls"
	"strconv"
)

// Names as Zeek's scripts/base/protocols/ssl/consts.zeek gives them; a
// value missing from a table is written "unknown-N" as Zeek's &default
// does.

// TLS protocol version numbers.
const (
	SSLv2   = 0x0002
	SSLv3   = 0x0300
	TLSv10  = 0x0301
	TLSv11  = 0x0302
	TLSv12  = 0x0303
	TLSv13  = 0x0304
	DTLSv10 = 0xfeff
	DTLSv12 = 0xfefd
	DTLSv13 = 0xfefc
)

func appendUnknown(dst []byte, v int) []byte {
	dst = append(dst, "unknown-"...)
	return strconv.AppendInt(dst, int64(v), 10)
}

// appendVersionName appends Zeek's version_strings name of v.
func appendVersionName(dst []byte, v uint16) []byte {
	switch v {
	case SSLv2:
		return append(dst, "SSLv2"...)
	case SSLv3:
		return append(dst, "SSLv3"...)
	case TLSv10:
		return append(dst, "TLSv10"...)
	case TLSv11:
		return append(dst, "TLSv11"...)
	case TLSv12:
		return append(dst, "TLSv12"...)
	case TLSv13:
		return append(dst, "TLSv13"...)
	case DTLSv10:
		return append(dst, "DTLSv10"...)
	case DTLSv12:
		return append(dst, "DTLSv12"...)
	case DTLSv13:
		return append(dst, "DTLSv13"...)
	}
	if v>>8 == 0x7f && v&0xff >= 0x0e && v&0xff <= 0x1c {
		dst = append(dst, "TLSv13-draft"...)
		return strconv.AppendInt(dst, int64(v&0xff), 10)
	}
	return appendUnknown(dst, int(v))
}

// cipherNames maps cipher suite numbers to their IANA names (Zeek's
// cipher_desc): crypto/tls's table plus the suites below.
var cipherNames = func() map[uint16]string {
	m := map[uint16]string{}
	for _, c := range tls.CipherSuites() {
		m[c.ID] = c.Name
	}
	for _, c := range tls.InsecureCipherSuites() {
		m[c.ID] = c.Name
	}
	for _, c := range extraCiphers {
		m[c.id] = c.name
	}
	return m
}()

var extraCiphers = []struct {
	id   uint16
	name string
}{
	{0x0000, "TLS_NULL_WITH_NULL_NULL"},
	{0x0001, "TLS_RSA_WITH_NULL_MD5"},
	{0x0002, "TLS_RSA_WITH_NULL_SHA"},
	{0x0003, "TLS_RSA_EXPORT_WITH_RC4_40_MD5"},
	{0x0004, "TLS_RSA_WITH_RC4_128_MD5"},
	{0x0005, "TLS_RSA_WITH_RC4_128_SHA"},
	{0x0006, "TLS_RSA_EXPORT_WITH_RC2_CBC_40_MD5"},
	{0x0007, "TLS_RSA_WITH_IDEA_CBC_SHA"},
	{0x0008, "TLS_RSA_EXPORT_WITH_DES40_CBC_SHA"},
	{0x0009, "TLS_RSA_WITH_DES_CBC_SHA"},
	{0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0x0011, "TLS_DHE_DSS_EXPORT_WITH_DES40_CBC_SHA"},
	{0x0012, "TLS_DHE_DSS_WITH_DES_CBC_SHA"},
	{0x0013, "TLS_DHE_DSS_WITH_3DES_EDE_CBC_SHA"},
	{0x0014, "TLS_DHE_RSA_EXPORT_WITH_DES40_CBC_SHA"},
	{0x0015, "TLS_DHE_RSA_WITH_DES_CBC_SHA"},
	{0x0016, "TLS_DHE_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0x0018, "TLS_DH_anon_WITH_RC4_128_MD5"},
	{0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"},
	{0x0032, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA"},
	{0x0033, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA"},
	{0x0034, "TLS_DH_anon_WITH_AES_128_CBC_SHA"},
	{0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
	{0x0038, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA"},
	{0x0039, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA"},
	{0x003a, "TLS_DH_anon_WITH_AES_256_CBC_SHA"},
	{0x003b, "TLS_RSA_WITH_NULL_SHA256"},
	{0x003c, "TLS_RSA_WITH_AES_128_CBC_SHA256"},
	{0x003d, "TLS_RSA_WITH_AES_256_CBC_SHA256"},
	{0x0040, "TLS_DHE_DSS_WITH_AES_128_CBC_SHA256"},
	{0x0041, "TLS_RSA_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0045, "TLS_DHE_RSA_WITH_CAMELLIA_128_CBC_SHA"},
	{0x0067, "TLS_DHE_RSA_WITH_AES_128_CBC_SHA256"},
	{0x006a, "TLS_DHE_DSS_WITH_AES_256_CBC_SHA256"},
	{0x006b, "TLS_DHE_RSA_WITH_AES_256_CBC_SHA256"},
	{0x0084, "TLS_RSA_WITH_CAMELLIA_256_CBC_SHA"},
	{0x0088, "TLS_DHE_RSA_WITH_CAMELLIA_256_CBC_SHA"},
	{0x008c, "TLS_PSK_WITH_AES_128_CBC_SHA"},
	{0x008d, "TLS_PSK_WITH_AES_256_CBC_SHA"},
	{0x0096, "TLS_RSA_WITH_SEED_CBC_SHA"},
	{0x009c, "TLS_RSA_WITH_AES_128_GCM_SHA256"},
	{0x009d, "TLS_RSA_WITH_AES_256_GCM_SHA384"},
	{0x009e, "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256"},
	{0x009f, "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384"},
	{0x00a2, "TLS_DHE_DSS_WITH_AES_128_GCM_SHA256"},
	{0x00a3, "TLS_DHE_DSS_WITH_AES_256_GCM_SHA384"},
	{0x00ff, "TLS_EMPTY_RENEGOTIATION_INFO_SCSV"},
	{0x1304, "TLS_AES_128_CCM_SHA256"},
	{0x1305, "TLS_AES_128_CCM_8_SHA256"},
	{0x5600, "TLS_FALLBACK_SCSV"},
	{0xc001, "TLS_ECDH_ECDSA_WITH_NULL_SHA"},
	{0xc002, "TLS_ECDH_ECDSA_WITH_RC4_128_SHA"},
	{0xc003, "TLS_ECDH_ECDSA_WITH_3DES_EDE_CBC_SHA"},
	{0xc004, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA"},
	{0xc005, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA"},
	{0xc006, "TLS_ECDHE_ECDSA_WITH_NULL_SHA"},
	{0xc008, "TLS_ECDHE_ECDSA_WITH_3DES_EDE_CBC_SHA"},
	{0xc00b, "TLS_ECDH_RSA_WITH_NULL_SHA"},
	{0xc00c, "TLS_ECDH_RSA_WITH_RC4_128_SHA"},
	{0xc00d, "TLS_ECDH_RSA_WITH_3DES_EDE_CBC_SHA"},
	{0xc00e, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA"},
	{0xc00f, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA"},
	{0xc010, "TLS_ECDHE_RSA_WITH_NULL_SHA"},
	{0xc015, "TLS_ECDH_anon_WITH_NULL_SHA"},
	{0xc016, "TLS_ECDH_anon_WITH_RC4_128_SHA"},
	{0xc017, "TLS_ECDH_anon_WITH_3DES_EDE_CBC_SHA"},
	{0xc018, "TLS_ECDH_anon_WITH_AES_128_CBC_SHA"},
	{0xc019, "TLS_ECDH_anon_WITH_AES_256_CBC_SHA"},
	{0xc024, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"},
	{0xc025, "TLS_ECDH_ECDSA_WITH_AES_128_CBC_SHA256"},
	{0xc026, "TLS_ECDH_ECDSA_WITH_AES_256_CBC_SHA384"},
	{0xc028, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384"},
	{0xc029, "TLS_ECDH_RSA_WITH_AES_128_CBC_SHA256"},
	{0xc02a, "TLS_ECDH_RSA_WITH_AES_256_CBC_SHA384"},
	{0xcc13, "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD"},
	{0xcc14, "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256_OLD"},
	{0xcc15, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256_OLD"},
	{0xccaa, "TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256"},
}

func appendCipherName(dst []byte, c uint16) []byte {
	if n, ok := cipherNames[c]; ok {
		return append(dst, n...)
	}
	return appendUnknown(dst, int(c))
}

var curveNames = map[uint16]string{
	1: "sect163k1", 2: "sect163r1", 3: "sect163r2", 4: "sect193r1", 5: "sect193r2",
	6: "sect233k1", 7: "sect233r1", 8: "sect239k1", 9: "sect283k1", 10: "sect283r1",
	11: "sect409k1", 12: "sect409r1", 13: "sect571k1", 14: "sect571r1", 15: "secp160k1",
	16: "secp160r1", 17: "secp160r2", 18: "secp192k1", 19: "secp192r1", 20: "secp224k1",
	21: "secp224r1", 22: "secp256k1", 23: "secp256r1", 24: "secp384r1", 25: "secp521r1",
	26: "brainpoolP256r1", 27: "brainpoolP384r1", 28: "brainpoolP512r1", 29: "x25519", 30: "x448",
	31: "brainpoolP256r1tls13", 32: "brainpoolP384r1tls13", 33: "brainpoolP512r1tls13",
	256: "ffdhe2048", 257: "ffdhe3072", 258: "ffdhe4096", 259: "ffdhe6144", 260: "ffdhe8192",
	0x11eb: "SecP256r1MLKEM768", 0x11ec: "X25519MLKEM768", 0x11ed: "SecP384r1MLKEM1024",
	0x6399: "X25519Kyber768Draft00", 0x639a: "SecP256r1Kyber768Draft00",
	0xff01: "arbitrary_explicit_prime_curves", 0xff02: "arbitrary_explicit_char2_curves",
}

func appendCurveName(dst []byte, c uint16) []byte {
	if n, ok := curveNames[c]; ok {
		return append(dst, n...)
	}
	return appendUnknown(dst, int(c))
}

var alertNames = map[uint8]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed",
	22: "record_overflow", 30: "decompression_failure", 40: "handshake_failure", 41: "no_certificate",
	42: "bad_certificate", 43: "unsupported_certificate", 44: "certificate_revoked",
	45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
	49: "access_denied", 50: "decode_error", 51: "decrypt_error", 60: "export_restriction",
	70: "protocol_version", 71: "insufficient_security", 80: "internal_error",
	86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation",
	109: "missing_extension", 110: "unsupported_extension", 111: "certificate_unobtainable",
	112: "unrecognized_name", 113: "bad_certificate_status_response",
	114: "bad_certificate_hash_value", 115: "unknown_psk_identity", 116: "certificate_required",
	120: "no_application_protocol", 121: "ech_required",
}

func appendAlertName(dst []byte, a uint8) []byte {
	if n, ok := alertNames[a]; ok {
		return append(dst, n...)
	}
	return appendUnknown(dst, int(a))
}
