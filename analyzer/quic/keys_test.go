package quic

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"testing"
)

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestInitialSecrets checks the key derivation against RFC 9001
// Appendix A.1 (v1) and RFC 9369 Appendix A.1 (v2).
func TestInitialSecrets(t *testing.T) {
	dcid := unhex(t, "8394c8f03e515708")
	if got := hex.EncodeToString(initialSecret(Version1, dcid, true)); got != "c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea" {
		t.Errorf("client_initial_secret = %s", got)
	}
	for _, tc := range []struct {
		version     uint32
		client      bool
		key, iv, hp string
	}{
		{Version1, true, "1f369613dd76d5467730efcbe3b1a22d", "fa044b2f42a3fd3b46fb255c", "9f50449e04a0e810283a1e9933adedd2"},
		{Version1, false, "cf3a5331653c364c88f0f379b6067e37", "0ac1493ca1905853b0bba03e", "c206b8d9b9f0f37644430b490eeaa314"},
		{Version2, true, "8b1a0bc121284290a29e0971b5cd045d", "91f73e2351d8fa91660e909f", "45b95e15235d6f45a6b19cbcb0294ba9"},
		{Version2, false, "82db637861d55e1d011f19ea71d5d2a7", "dd13c276499c0249d3310652", "edf6d05c83121201b436e16877593c3a"},
	} {
		secret := initialSecret(tc.version, dcid, tc.client)
		lk, liv, lhp := "quic key", "quic iv", "quic hp"
		if tc.version == Version2 {
			lk, liv, lhp = "quicv2 key", "quicv2 iv", "quicv2 hp"
		}
		for _, c := range []struct{ label, want string }{{lk, tc.key}, {liv, tc.iv}, {lhp, tc.hp}} {
			if got := hex.EncodeToString(expandLabel(secret, c.label, len(c.want)/2)); got != c.want {
				t.Errorf("version %#x client %v %s = %s, want %s", tc.version, tc.client, c.label, got, c.want)
			}
		}
	}
}

// TestHeaderProtection checks the mask of RFC 9001 Appendix A.2.
func TestHeaderProtection(t *testing.T) {
	var k keys
	k.derive(Version1, unhex(t, "8394c8f03e515708"), true)
	var mask [16]byte
	k.hp.Encrypt(mask[:], unhex(t, "d1b1c98dd7689fb8ec11d242b123dc9b"))
	if got := hex.EncodeToString(mask[:5]); got != "437b9aec36" {
		t.Errorf("mask = %s, want 437b9aec36", got)
	}
}

// sealInitial builds a protected client or server Initial packet with
// the frames in plain, as a QUIC endpoint would (RFC 9001 §5).
func sealInitial(t testing.TB, version uint32, dcid, scid []byte, client bool, pn uint32, plain []byte) []byte {
	secret := initialSecret(version, dcid, client)
	lk, liv, lhp := "quic key", "quic iv", "quic hp"
	typeBits := byte(0)
	if version == Version2 {
		lk, liv, lhp = "quicv2 key", "quicv2 iv", "quicv2 hp"
		typeBits = 1
	}
	key, iv, hp := expandLabel(secret, lk, 16), expandLabel(secret, liv, 12), expandLabel(secret, lhp, 16)
	first := 0xc0 | typeBits<<4 | 3 // 4-byte packet number
	hdr := []byte{first, byte(version >> 24), byte(version >> 16), byte(version >> 8), byte(version)}
	hdr = append(hdr, byte(len(dcid)))
	hdr = append(hdr, dcid...)
	hdr = append(hdr, byte(len(scid)))
	hdr = append(hdr, scid...)
	hdr = append(hdr, 0) // token length
	length := 4 + len(plain) + 16
	hdr = append(hdr, 0x40|byte(length>>8), byte(length))
	pnOff := len(hdr)
	hdr = append(hdr, byte(pn>>24), byte(pn>>16), byte(pn>>8), byte(pn))
	nonce := append([]byte(nil), iv...)
	for i := 0; i < 4; i++ {
		nonce[11-i] ^= byte(pn >> (8 * i))
	}
	a, _ := aes.NewCipher(key)
	g, _ := cipher.NewGCM(a)
	pkt := g.Seal(append([]byte(nil), hdr...), nonce, plain, hdr)
	h, _ := aes.NewCipher(hp)
	var mask [16]byte
	h.Encrypt(mask[:], pkt[pnOff+4:pnOff+20])
	pkt[0] ^= mask[0] & 0x0f
	for i := 0; i < 4; i++ {
		pkt[pnOff+i] ^= mask[1+i]
	}
	return pkt
}

func TestOpenRoundTrip(t *testing.T) {
	dcid := unhex(t, "8394c8f03e515708")
	plain := append([]byte{0x06, 0x00, 0x04, 1, 0, 0, 0}, make([]byte, 40)...)
	for _, v := range []uint32{Version1, Version2} {
		for _, client := range []bool{true, false} {
			pkt := sealInitial(t, v, dcid, []byte{1, 2}, client, 7, plain)
			var k keys
			k.derive(v, dcid, client)
			var scratch [2][16]byte
			pnOff := 1 + 4 + 1 + 8 + 1 + 2 + 1 + 2
			got, _ := k.open(make([]byte, len(pkt)), nil, pkt, pnOff, len(pkt)-pnOff, &scratch)
			if !bytes.Equal(got, plain) {
				t.Errorf("version %#x client %v: plaintext mismatch", v, client)
			}
			pkt[len(pkt)-1] ^= 1
			if got, _ := k.open(make([]byte, len(pkt)), nil, pkt, pnOff, len(pkt)-pnOff, &scratch); got != nil {
				t.Errorf("version %#x client %v: a bad tag was accepted", v, client)
			}
		}
	}
}
