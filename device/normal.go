package device

import (
	"math"
	"math/rand/v2"
)

// normals draws standard Gaussians from a PCG stream with the Marsaglia–Tsang ziggurat with
// 1024 layers (math/rand/v2's NormFloat64 has 128), from 32 bits per draw, two draws per 64-bit
// PCG output: 22 bits of signed magnitude and 10 bits of layer index (disjoint bits, so the
// layer does not correlate with the value). The value is thus quantised to 2⁻²¹ of its layer's
// width (< 2·10⁻⁶ absolute), far below any noise level it models. The ~0.43 % of draws that
// fall in a wedge or the tail (1.5 % with 256 layers, 2.8 % with 128) take the slow path: a
// further 64-bit uniform, and an exponential only near the curve (wedgeSqueeze). It saves the
// interface call and half of the PCG steps of rand.Rand.NormFloat64.
//
// Not safe for concurrent use. Its state (the PCG and the spare half word) is part of an array's
// checkpoint.
type normals struct {
	src  *rand.PCG
	buf  uint32 // the unused half of the last 64-bit draw
	have bool
}

// The ziggurat's constants. zigR and zigV solve Marsaglia & Tsang's (2000) conditions for
// zigN layers of area zigV each (the base layer holding the tail beyond zigR): r·f(r) + ∫_r^∞ f
// = v and, building the layers up from r, a top layer of area v (x₁·(1 − f(x₁)) = v to 5e-15);
// found by bisection in float64 (the same procedure gives their published 3.442619855899 for
// 128 layers and 3.6541528853610088 for 256).
const (
	zigLayerBits = 10                       // bits of the layer index, the top bits of a word
	zigN         = 1 << zigLayerBits        // layers
	zigR         = 4.038849846109505        // start of the tail
	zigV         = 0.0012263246463530852    // area of each layer
	zigM1        = 1 << (31 - zigLayerBits) // scale of the signed magnitude (22 bits)
)

var (
	zigK [zigN]uint32
	zigW [zigN]float64
	zigF [zigN]float64
	// The wedge squeeze of slow: layer i's wedge spans x_{i−1} ≤ |x| < x_i (zigX; x_0 = 0),
	// under the chord of slope zigS[i] from (x_{i−1}, f_{i−1}) to (x_i, f_i). zigC[i] is +1
	// where f(x) = e^(−x²/2) is convex over the wedge (x_{i−1} ≥ 1), −1 where it is concave
	// (x_i ≤ 1), 0 for the layer holding the inflection point.
	zigX [zigN]float64
	zigS [zigN]float64
	zigC [zigN]int8
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
	for i := 1; i < zigN; i++ {
		zigX[i] = zigW[i] * zigM1 // exact: zigM1 is a power of two
	}
	for i := 1; i < zigN; i++ {
		zigS[i] = (zigF[i] - zigF[i-1]) / (zigX[i] - zigX[i-1])
		switch {
		case zigX[i-1] >= 1:
			zigC[i] = 1
		case zigX[i] <= 1:
			zigC[i] = -1
		}
	}
}

// squeezeMargin is how far (in f) a point must lie from a squeeze bound for wedgeSqueeze to
// decide: far above the rounding of the bounds and of math.Exp (~1e-16), far below a wedge's
// height (~4e-3), so a decision is always the one the exponential would give.
const squeezeMargin = 1e-12

// wedgeSqueeze decides the wedge test y < e^(−x²/2) of layer i without the exponential where
// the curve's chord and tangents settle it: for a convex f the chord lies above the curve and
// every tangent below it, for a concave f the other way round. sure is false where they do not
// (then the caller computes the exponential), and outside the wedge's interval, where the
// bounds do not hold.
func wedgeSqueeze(i uint32, x, y float64) (accept, sure bool) {
	ax := math.Abs(x)
	x0, x1 := zigX[i-1], zigX[i]
	if zigC[i] == 0 || ax < x0 || ax > x1 {
		return false, false
	}
	f0, f1 := zigF[i-1], zigF[i]
	chord := f0 + zigS[i]*(ax-x0)
	t0 := f0 * (1 - x0*(ax-x0)) // f's tangents at the interval's ends, f' = −x·f
	t1 := f1 * (1 - x1*(ax-x1))
	if zigC[i] > 0 {
		switch {
		case y > chord+squeezeMargin:
			return false, true
		case y < max(t0, t1)-squeezeMargin:
			return true, true
		}
		return false, false
	}
	switch {
	case y < chord-squeezeMargin:
		return true, true
	case y > min(t0, t1)+squeezeMargin:
		return false, true
	}
	return false, false
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
		y := zigF[i] + n.uniform()*(zigF[i-1]-zigF[i])
		if accept, sure := wedgeSqueeze(i, x, y); sure {
			if accept {
				return x
			}
		} else if y < math.Exp(-0.5*x*x) {
			return x
		}
		var ok bool
		if j, i, ok = zigFast(n.bits32()); ok {
			return float64(j) * zigW[i]
		}
	}
}
