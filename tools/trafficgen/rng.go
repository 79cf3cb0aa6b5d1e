package trafficgen

import "math"

// rng is a small, fast, deterministic generator (wyrand). The generator
// owns one; not safe for concurrent use.
type rng struct{ s uint64 }

func newRNG(seed uint64) rng { return rng{s: seed ^ 0x9e3779b97f4a7c15} }

func (r *rng) u64() uint64 {
	r.s += 0xa0761d6478bd642f
	hi, lo := mul64(r.s, r.s^0xe7037ed1a0b428db)
	return hi ^ lo
}

func mul64(a, b uint64) (uint64, uint64) {
	const mask32 = 1<<32 - 1
	a0, a1 := a&mask32, a>>32
	b0, b1 := b&mask32, b>>32
	w0 := a0 * b0
	t := a1*b0 + w0>>32
	w1 := t&mask32 + a0*b1
	hi := a1*b1 + t>>32 + w1>>32
	return hi, a * b
}

// intn returns a value in [0, n); n > 0.
func (r *rng) intn(n int) int {
	hi, _ := mul64(r.u64(), uint64(n))
	return int(hi)
}

// float returns a value in [0, 1).
func (r *rng) float() float64 { return float64(r.u64()>>11) / (1 << 53) }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// exp returns an exponentially distributed value with the given mean.
func (r *rng) exp(mean float64) float64 { return -math.Log(1-r.float()) * mean }
