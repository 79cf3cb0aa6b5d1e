package uid

// UID is a 96-bit identifier. The zero UID is "unset".
type UID struct {
	Hi uint64 // only the low 32 bits are used
	Lo uint64
}

// IsZero reports whether u is unset.
func (u UID) IsZero() bool { return u.Hi == 0 && u.Lo == 0 }

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// Append appends prefix followed by u in base62 to b and returns the
// extended buffer. It does not allocate when b has room.
func (u UID) Append(b []byte, prefix byte) []byte {
	b = append(b, prefix)
	// Zeek encodes each 64-bit word separately, least significant digit
	// last; we do the same for the 32-bit high word and the 64-bit low word.
	b = appendBase62(b, u.Hi&0xffffffff)
	b = appendBase62(b, u.Lo)
	return b
}

// String returns u as "C" + base62. It allocates; use Append on hot paths.
func (u UID) String() string { return string(u.Append(nil, 'C')) }

func appendBase62(b []byte, v uint64) []byte {
	var tmp [11]byte
	i := len(tmp)
	for {
		i--
		tmp[i] = base62[v%62]
		v /= 62
		if v == 0 {
			break
		}
	}
	return append(b, tmp[i:]...)
}
