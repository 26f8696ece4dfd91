package device

import (
	"math"
	"math/rand/v2"
)

// normals draws standard Gaussians from a PCG stream with the Marsaglia–Tsang ziggurat with
// 256 layers (math/rand/v2's NormFloat64 has 128), from 32 bits per draw, two draws per 64-bit
// PCG output: 24 bits of signed magnitude and 8 bits of layer index (disjoint bits, so the layer
// does not correlate with the value). The value is thus quantised to 2⁻²³ of its layer's width
// (< 5·10⁻⁷ absolute), far below any noise level it models. The ~1.5 % of draws that fall in a
// wedge or the tail (2.8 % with 128 layers) use further 64-bit uniforms and an exponential. It
// saves the interface call and half of the PCG steps of rand.Rand.NormFloat64.
//
// Not safe for concurrent use. Its state (the PCG and the spare half word) is part of an array's
// checkpoint.
type normals struct {
	src  *rand.PCG
	buf  uint32 // the unused half of the last 64-bit draw
	have bool
}

const (
	zigN  = 256                // layers
	zigR  = 3.6541528853610088 // start of the tail (Marsaglia & Tsang 2000, 256 layers)
	zigV  = 4.92867323399e-3   // area of each layer
	zigM1 = 1 << 23            // scale of the 24-bit signed magnitude
)

var (
	zigK [zigN]uint32
	zigW [zigN]float64
	zigF [zigN]float64
)

func init() {
	// Marsaglia & Tsang (2000), "The ziggurat method for generating random variables", zigset.
	dn, tn := zigR, zigR
	const vn = zigV
	q := vn / math.Exp(-0.5*dn*dn)
	zigK[0] = uint32((dn / q) * zigM1)
	zigK[1] = 0
	zigW[0] = q / zigM1
	zigW[zigN-1] = dn / zigM1
	zigF[0] = 1
	zigF[zigN-1] = math.Exp(-0.5 * dn * dn)
	for i := zigN - 2; i >= 1; i-- {
		dn = math.Sqrt(-2 * math.Log(vn/dn+math.Exp(-0.5*dn*dn)))
		zigK[i+1] = uint32((dn / tn) * zigM1)
		tn = dn
		zigF[i] = math.Exp(-0.5 * dn * dn)
		zigW[i] = dn / zigM1
	}
}

// bits32 returns 32 fresh random bits.
func (n *normals) bits32() uint32 {
	if n.have {
		n.have = false
		return n.buf
	}
	u := n.src.Uint64()
	n.buf = uint32(u >> 32)
	n.have = true
	return uint32(u)
}

// uniform returns a float64 in (0, 1].
func (n *normals) uniform() float64 {
	return (float64(n.src.Uint64()>>11) + 1) * (1.0 / (1 << 53))
}

// norm returns a standard normal deviate. The fast path (97 % of draws) makes no call.
func (n *normals) norm() float64 {
	j, i, ok := zigFast(n.bits32())
	if ok {
		return float64(j) * zigW[i]
	}
	return n.slow(j, i)
}

// slow finishes a draw that fell outside its layer's rectangle: the tail beyond zigR (layer 0),
// or the wedge test; a rejected draw starts over.
func (n *normals) slow(j int32, i uint32) float64 {
	for {
		x := float64(j) * zigW[i]
		if i == 0 {
			// Marsaglia's exponential rejection for the tail.
			for {
				x = -math.Log(n.uniform()) / zigR
				y := -math.Log(n.uniform())
				if y+y >= x*x {
					break
				}
			}
			if j > 0 {
				return zigR + x
			}
			return -zigR - x
		}
		if zigF[i]+n.uniform()*(zigF[i-1]-zigF[i]) < math.Exp(-0.5*x*x) {
			return x
		}
		var ok bool
		if j, i, ok = zigFast(n.bits32()); ok {
			return float64(j) * zigW[i]
		}
	}
}
