package uid

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
)

// Cipher is a keyed pseudorandom permutation of 96-bit values: a
// four-round Feistel network on two 48-bit halves whose round function
// is AES-128 under the key. It maps a counter to a UID (UID) and back
// (Counter), so whoever knows the key can send a uid as its counter and
// have the receiver recompute it; without the key the uids look random.
//
// A Cipher keeps scratch blocks so that UID and Counter do not
// allocate: it is not safe for concurrent use.
type Cipher struct {
	key     [16]byte
	b       cipher.Block
	in, out [16]byte
}

// NewCipher returns the Cipher of key.
func NewCipher(key [16]byte) *Cipher {
	b, err := aes.NewCipher(key[:])
	if err != nil { // 16 bytes is always a valid AES key
		panic("uid: " + err.Error())
	}
	return &Cipher{key: key, b: b}
}

// Key returns the key of c.
func (c *Cipher) Key() [16]byte { return c.key }

const (
	feistelRounds = 4
	mask48        = 1<<48 - 1
)

// round is the Feistel round function: the first 48 bits of
// AES(key, round ‖ x).
func (c *Cipher) round(i int, x uint64) uint64 {
	c.in[0] = byte(i)
	binary.BigEndian.PutUint64(c.in[8:], x)
	c.b.Encrypt(c.out[:], c.in[:])
	return binary.BigEndian.Uint64(c.out[:8]) >> 16
}

// UID returns the uid of counter: the 96-bit permutation of the value
// counter (high 32 bits zero). Distinct counters give distinct uids.
func (c *Cipher) UID(counter uint64) UID {
	l, r := counter>>48, counter&mask48
	for i := 0; i < feistelRounds; i++ {
		l, r = r, l^c.round(i, r)
	}
	return UID{Hi: l >> 16, Lo: l<<48 | r}
}

// Counter inverts UID: it returns the counter u is the uid of, and
// false when u is not the uid of any 64-bit counter under this key
// (then u was made with another key, or by hand).
func (c *Cipher) Counter(u UID) (uint64, bool) {
	l, r := (u.Hi&0xffffffff)<<16|u.Lo>>48, u.Lo&mask48
	for i := feistelRounds - 1; i >= 0; i-- {
		l, r = r^c.round(i, l), l
	}
	if l>>16 != 0 {
		return 0, false
	}
	return l<<48 | r, true
}

// FromKey returns the uid of counter under key, as the Generator of
// that key made it for its counter-th uid (counting from 0; the rare
// counter whose uid would be zero is skipped by New, so FromKey returns
// the zero UID for it). It builds a Cipher each call: keep a Cipher to
// make many.
func FromKey(key [16]byte, counter uint64) UID {
	return NewCipher(key).UID(counter)
}

// Generator makes UIDs: the n-th uid is the Cipher permutation of n
// under a random 16-byte key of its own. Uids of one Generator are
// therefore distinct, and those of different Generators collide with
// probability about 2^-96 per pair. Each worker owns one; it is not
// safe for concurrent use.
type Generator struct {
	c Cipher
	n uint64
}

// NewGenerator returns a generator with a key from the operating
// system's random source, mixed with seed (e.g. the worker index).
func NewGenerator(seed uint64) *Generator {
	var key [16]byte
	rand.Read(key[:])
	binary.LittleEndian.PutUint64(key[:8], binary.LittleEndian.Uint64(key[:8])^seed)
	return &Generator{c: *NewCipher(key)}
}

// Key returns the generator's key: with it, FromKey (or a Cipher)
// recomputes any uid the generator made from its counter.
func (g *Generator) Key() [16]byte { return g.c.key }

// New returns a fresh non-zero UID. It does not allocate.
func (g *Generator) New() UID {
	for {
		u := g.c.UID(g.n)
		g.n++
		if !u.IsZero() {
			return u
		}
	}
}
