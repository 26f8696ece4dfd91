package device

import (
	"encoding/binary"
	"math"
	"math/bits"
	"math/rand/v2"
)

// noiseLanes are the four xoshiro256++ generators (Blackman & Vigna 2019) that feed the
// deferred read noise of AddReadNoise, eight Gaussians per step of the four. s[k][l] is word k
// of lane l: the layout of the AVX2 kernel, which holds word k of all four lanes in one
// register. xoshiro256++ needs only adds, shifts and xors, so four lanes advance in a handful
// of vector instructions, where a PCG step needs a 128-bit multiply per 64 bits.
//
// The lanes are part of an array's checkpoint.
type noiseLanes struct {
	s [4][4]uint64
}

// seed fills the lanes from src. A lane of all zeros would stay zero; it cannot be drawn in
// practice (2⁻²⁵⁶), but is replaced anyway.
func (x *noiseLanes) seed(src *rand.PCG) {
	for l := range 4 {
		var or uint64
		for k := range 4 {
			x.s[k][l] = src.Uint64()
			or |= x.s[k][l]
		}
		if or == 0 {
			x.s[0][l] = 1
		}
	}
}

// next advances the four lanes one step and returns their outputs.
func (x *noiseLanes) next() (out [4]uint64) {
	for l := range 4 {
		s0, s1, s2, s3 := x.s[0][l], x.s[1][l], x.s[2][l], x.s[3][l]
		out[l] = bits.RotateLeft64(s0+s3, 23) + s0
		t := s1 << 17
		s2 ^= s0
		s3 ^= s1
		s1 ^= s2
		s0 ^= s3
		s2 ^= t
		s3 = bits.RotateLeft64(s3, 45)
		x.s[0][l], x.s[1][l], x.s[2][l], x.s[3][l] = s0, s1, s2, s3
	}
	return out
}

// zigFast is the fast path of the ziggurat for one 32-bit word b: bits 0–21 are a signed
// magnitude j, bits 22–31 the layer i (as normals.norm reads them).
// It reports whether the draw j·w_i is accepted without further tests.
func zigFast(b uint32) (j int32, i uint32, ok bool) {
	j = int32(b<<zigLayerBits) >> zigLayerBits
	i = b >> (32 - zigLayerBits)
	aj := j
	if aj < 0 {
		aj = -aj
	}
	return j, i, uint32(aj) < zigK[i]
}

// addReadNoise is AddReadNoise's body: for each column c with variance[c] > 0 it adds
// √variance[c]·z_c to dst[c] and zeroes variance[c]. The z_c come eight at a time from one
// step of the lanes (columns 8m … 8m+7 from step m, word c mod 8: lane (c mod 8)/2, low half
// first); a word that fails the ziggurat's fast path is finished by normals.slow on the PCG
// stream, in column order, after the fast pass. Every column consumes its word, whether or not
// its variance is zero, so the streams do not depend on the data.
//
// The AVX2 kernel does the blocks of eight (the last one padded) with the same operations in the same order
// (no fused multiply-add), so both paths give the same bits; TestReadNoiseKernelMatchesGo
// checks it.
func (a *Array) addReadNoise(dst, variance []float64) {
	n := len(dst)
	if n == 0 {
		return
	}
	variance = variance[:n]
	words, rej := a.noiseScratch(n)
	a.fastNoise(dst, variance, words, rej)
	a.slowNoise(dst, variance, words, rej)
}

// noiseScratch returns the scratch of a noise pass over n columns: the words of its blocks of
// eight and their rejected columns (and sizes a.nvar to match).
func (a *Array) noiseScratch(n int) (words []uint32, rej []uint8) {
	blocks := (n + 7) / 8
	if cap(a.nbits) < 8*blocks {
		a.nbits = make([]uint32, 8*blocks)
		a.nrej = make([]uint8, (blocks+7)&^7) // whole words of eight blocks for slowNoise
		a.nvar = make([]float64, 8*blocks)
	}
	return a.nbits[:8*blocks], a.nrej[:blocks]
}

// fastNoise is the fast pass of addReadNoise over dst (from a block boundary): words and rej
// are those of dst's blocks.
func (a *Array) fastNoise(dst, variance []float64, words []uint32, rej []uint8) {
	n := len(dst)
	blocks := (n + 7) / 8
	if useNoiseAsm {
		if m := n / 8; m > 0 {
			readNoiseAVX2(&a.lanes, &dst[0], &variance[0], &words[0], &rej[0], m, &zigK[0], &zigW[0])
		}
		if r := n % 8; r > 0 {
			// The tail through the kernel too, padded with zero variances: the same words and
			// sums as noiseBlockGo on the tail (columns ≥ n are ignored by slowNoise).
			lo := n - r
			var pd, pv [8]float64
			copy(pd[:], dst[lo:])
			copy(pv[:], variance[lo:])
			readNoiseAVX2(&a.lanes, &pd[0], &pv[0], &words[lo], &rej[blocks-1], 1, &zigK[0], &zigW[0])
			copy(dst[lo:], pd[:r])
			copy(variance[lo:], pv[:r])
		}
		return
	}
	for b := range blocks {
		lo, hi := 8*b, min(8*b+8, n)
		rej[b] = noiseBlockGo(&a.lanes, dst[lo:hi], variance[lo:hi], (*[8]uint32)(words[8*b:8*b+8]))
	}
}

// slowNoise finishes the columns of dst that the fast pass rejected, in column order. It reads
// rej eight blocks (64 columns) at a time, as one word: rej's capacity is a whole number of
// words, and a byte past len(rej) is zero or belongs to a column ≥ n (skipped).
func (a *Array) slowNoise(dst, variance []float64, words []uint32, rej []uint8) {
	n := len(dst)
	rej = rej[:(len(rej)+7)&^7]
	for w := 0; w < len(rej); w += 8 {
		for r := binary.LittleEndian.Uint64(rej[w : w+8]); r != 0; r &= r - 1 {
			c := 8*w + bits.TrailingZeros64(r)
			if c >= n || variance[c] == 0 {
				continue
			}
			j, i, _ := zigFast(words[c])
			z := a.ns.slow(j, i)
			dst[c] += float64(math.Sqrt(variance[c]) * z)
			variance[c] = 0
		}
	}
}

// drainNoise is DrainReadNoise's body. The kernel takes the whole blocks of eight; a tail is
// drained into the scratch variances and goes through fastNoise, whose words it would have
// consumed the same way.
func (a *Array) drainNoise(dst []float64, lo, hi [][2]float64) {
	n := len(dst)
	if n == 0 {
		return
	}
	words, rej := a.noiseScratch(n)
	variance := a.nvar[:n]
	m := 0
	if useNoiseAsm {
		if m = n / 8; m > 0 {
			drainNoiseAVX2(&a.lanes, &dst[0], &lo[0], &hi[0], &variance[0], &words[0], &rej[0], m, &zigK[0], &zigW[0])
		}
	}
	if c := 8 * m; c < n {
		drainPairsGo(dst[c:], variance[c:], lo[c:n], hi[c:n])
		a.fastNoise(dst[c:], variance[c:], words[c:], rej[m:])
	}
	a.slowNoise(dst, variance, words, rej)
}

// drainPairsGo is the drain of two ring slots of (weight, variance) pairs: dst[j] += lo[j][0] +
// hi[j][0], variance[j] = lo[j][1] + hi[j][1], lo and hi zeroed.
func drainPairsGo(dst, variance []float64, lo, hi [][2]float64) {
	variance, lo, hi = variance[:len(dst)], lo[:len(dst)], hi[:len(dst)]
	for j := range dst {
		p, q := &lo[j], &hi[j]
		dst[j] += p[0] + q[0]
		variance[j] = p[1] + q[1]
		*p, *q = [2]float64{}, [2]float64{}
	}
}

// noiseBlockGo is one block of addReadNoise in Go: one step of the lanes gives the words of
// up to eight columns; the accepted ones with positive variance get their noise, the others
// are left for the slow path and reported as bits of the result.
func noiseBlockGo(x *noiseLanes, dst, variance []float64, words *[8]uint32) (rej uint8) {
	out := x.next()
	for c := range 8 {
		words[c] = uint32(out[c/2] >> (32 * (c % 2)))
	}
	variance = variance[:len(dst)]
	for c := range dst {
		j, i, ok := zigFast(words[c])
		if !ok {
			rej |= 1 << c
			continue
		}
		z := float64(j) * zigW[i]
		if v := variance[c]; v > 0 {
			dst[c] += float64(math.Sqrt(v) * z)
			variance[c] = 0
		}
	}
	return rej
}
