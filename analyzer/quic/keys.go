package quic

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
)

// Initial salts (RFC 9001 §5.2, RFC 9369 §3.3.1).
var (
	saltV1 = []byte{0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17,
		0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a}
	saltV2 = []byte{0x0d, 0xed, 0xe3, 0xde, 0xf7, 0x00, 0xa6, 0xdb, 0x81, 0x93,
		0x81, 0xbe, 0x6e, 0x26, 0x9d, 0xcb, 0xf9, 0xbd, 0x2e, 0xd9}
)

const (
	tagLen    = 16
	sampleLen = 16
	maxPNLen  = 4
)

// keys are the Initial packet protection keys of one direction.
//
// Deriving them allocates (HKDF output, AES key schedules, the GCM): once per
// direction per client Initial DCID and version, that is once or twice a
// connection. Using them does not allocate.
type keys struct {
	valid   bool
	version uint32
	hp      cipher.Block // header protection, AES-128-ECB
	aead    cipher.AEAD  // payload, AES-128-GCM
	iv      [12]byte
}

// expandLabel is HKDF-Expand-Label (RFC 8446 §7.1) with an empty context.
func expandLabel(secret []byte, label string, n int) []byte {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = append(info, byte(n>>8), byte(n), byte(len(full)))
	info = append(info, full...)
	info = append(info, 0)
	out, err := hkdf.Expand(sha256.New, secret, string(info), n)
	if err != nil {
		return make([]byte, n) // unreachable for these lengths
	}
	return out
}

// initialSecret is the client's or the server's Initial secret for dcid.
func initialSecret(version uint32, dcid []byte, client bool) []byte {
	salt := saltV1
	if version == Version2 {
		salt = saltV2
	}
	prk, err := hkdf.Extract(sha256.New, dcid, salt)
	if err != nil {
		return make([]byte, 32)
	}
	label := "server in"
	if client {
		label = "client in"
	}
	return expandLabel(prk, label, 32)
}

// derive sets k to the Initial keys of one direction (RFC 9001 §5.2;
// RFC 9369 §3.3.2 for the v2 labels).
func (k *keys) derive(version uint32, dcid []byte, client bool) {
	secret := initialSecret(version, dcid, client)
	lk, liv, lhp := "quic key", "quic iv", "quic hp"
	if version == Version2 {
		lk, liv, lhp = "quicv2 key", "quicv2 iv", "quicv2 hp"
	}
	key := expandLabel(secret, lk, 16)
	iv := expandLabel(secret, liv, 12)
	hp := expandLabel(secret, lhp, 16)
	a, err1 := aes.NewCipher(key)
	h, err2 := aes.NewCipher(hp)
	if err1 != nil || err2 != nil {
		k.valid = false
		return
	}
	g, err := cipher.NewGCM(a)
	if err != nil {
		k.valid = false
		return
	}
	k.valid, k.version, k.aead, k.hp = true, version, g, h
	copy(k.iv[:], iv)
}

// open removes the header protection of the long-header packet pkt, whose
// packet number starts at pnOff and whose Length field says length, and
// decrypts and authenticates its payload into dst, as Zeek's
// decrypt_crypto.cc does (since Zeek 7.1 it checks the AEAD tag). hdr is
// scratch space for the unprotected header. It returns the plaintext, or
// nil when there is none (Zeek's "decryption failed"); pkt is read only.
// Like Zeek it takes the truncated packet number as the full one.
func (k *keys) open(dst, hdr, pkt []byte, pnOff, length int, scratch *[2][16]byte) (plain, hdrBuf []byte) {
	if pnOff+maxPNLen+sampleLen > len(pkt) || pnOff+length > len(pkt) {
		return nil, hdr
	}
	mask := &scratch[0]
	k.hp.Encrypt(mask[:], pkt[pnOff+maxPNLen:pnOff+maxPNLen+sampleLen])
	first := pkt[0] ^ mask[0]&0x0f
	pnLen := int(first&3) + 1
	hdr = append(hdr[:0], pkt[:pnOff+pnLen]...)
	hdr[0] = first
	var pn uint64
	for i := 0; i < pnLen; i++ {
		hdr[pnOff+i] ^= mask[1+i]
		pn = pn<<8 | uint64(hdr[pnOff+i])
	}
	if length-pnLen-tagLen <= 0 {
		return nil, hdr
	}
	nonce := scratch[1][:12]
	copy(nonce, k.iv[:])
	for i := 0; i < 8; i++ {
		nonce[11-i] ^= byte(pn >> (8 * i))
	}
	out, err := k.aead.Open(dst[:0], nonce, pkt[pnOff+pnLen:pnOff+length], hdr)
	if err != nil {
		return nil, hdr
	}
	return out, hdr
}
