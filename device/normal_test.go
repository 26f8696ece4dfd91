package device

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// assertStandardNormal checks that xs look like independent N(0, 1) draws: mean, variance,
// fourth moment and the tail fractions P(|z| > k), each within 5 standard errors.
func assertStandardNormal(t *testing.T, xs []float64) {
	t.Helper()
	N := float64(len(xs))
	var m1, m2, m4 float64
	tails := map[float64]int{1: 0, 2: 0, 3: 0, 3.5: 0}
	for _, x := range xs {
		m1 += x
		m2 += x * x
		m4 += x * x * x * x
		for k := range tails {
			if math.Abs(x) > k {
				tails[k]++
			}
		}
	}
	m1, m2, m4 = m1/N, m2/N, m4/N
	assert.InDelta(t, 0, m1, 5/math.Sqrt(N), "mean")
	assert.InDelta(t, 1, m2, 5*math.Sqrt(2.0/N), "variance")
	assert.InDelta(t, 3, m4, 5*math.Sqrt(96.0/N), "fourth moment")
	for k, c := range tails {
		p := math.Erfc(k / math.Sqrt2)
		assert.InDelta(t, p, float64(c)/N, 5*math.Sqrt(p*(1-p)/N)+1e-6, "P(|z| > %g)", k)
	}
}

func TestNormalsDistribution(t *testing.T) {
	n := normals{src: rand.NewPCG(1, 2)}
	xs := make([]float64, 2000000)
	for k := range xs {
		xs[k] = n.norm()
	}
	assertStandardNormal(t, xs)
	// Quantiles: a coarse histogram against the normal CDF (a KS-like check).
	n = normals{src: rand.NewPCG(3, 4)}
	const M = 400000
	edges := []float64{-2.5, -1.5, -0.7, -0.2, 0, 0.2, 0.7, 1.5, 2.5}
	cnt := make([]int, len(edges))
	for range M {
		x := n.norm()
		for e, v := range edges {
			if x < v {
				cnt[e]++
			}
		}
	}
	for e, v := range edges {
		p := 0.5 * math.Erfc(-v/math.Sqrt2)
		assert.InDelta(t, p, float64(cnt[e])/M, 5*math.Sqrt(p*(1-p)/M), "CDF at %g", v)
	}
}

// TestWedgeSqueezeAgreesWithExp: wherever the chord-and-tangent squeeze decides a wedge point,
// it decides as the exponential test does, over every layer, random points of each wedge, and
// points pressed against the curve and against the wedge's ends; and it decides most points
// (else it saves nothing). A bound on the wrong side of the curve (a convex layer treated as
// concave, a tangent at the wrong end) fails it.
func TestWedgeSqueezeAgreesWithExp(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	decided, total := 0, 0
	for i := uint32(1); i < zigN; i++ {
		for k := range 4000 {
			j := int32(zigK[i]) + r.Int32N(int32(zigM1)-int32(zigK[i])) // the wedge's |j|
			if k%2 == 1 {
				j = -j
			}
			x := float64(j) * zigW[i]
			f := math.Exp(-0.5 * x * x)
			y := zigF[i] + r.Float64()*(zigF[i-1]-zigF[i])
			switch k % 8 {
			case 6: // on the curve, within rounding
				y = f + float64(r.IntN(5)-2)*1e-16
			case 7: // just off it
				y = f + float64(r.IntN(3)-1)*2e-12
			}
			total++
			accept, sure := wedgeSqueeze(i, x, y)
			if !sure {
				continue
			}
			decided++
			if accept != (y < f) {
				t.Fatalf("layer %d, x = %v, y = %v: squeeze says accept=%v, e^(−x²/2) = %v", i, x, y, accept, f)
			}
		}
	}
	assert.Greater(t, float64(decided)/float64(total), 0.6, "share of wedge points decided without exp")
	t.Logf("decided %d of %d", decided, total)
}

// TestZigguratTables: the tables built from zigR and zigV make every layer of the ziggurat the
// same area v — the base layer (rectangle up to r plus the tail), each rectangle x_i·(f_{i−1} −
// f_i), the top layer x₁·(1 − f₁) — which is what makes its draws exactly Gaussian; and the
// fast path accepts the advertised ~99.6 % of words.
func TestZigguratTables(t *testing.T) {
	f := func(x float64) float64 { return math.Exp(-0.5 * x * x) }
	base := zigR*f(zigR) + math.Sqrt(math.Pi/2)*math.Erfc(zigR/math.Sqrt2)
	assert.InEpsilon(t, zigV, base, 1e-12, "base layer")
	for i := 2; i < zigN; i++ {
		require.InEpsilon(t, zigV, zigX[i]*(zigF[i-1]-zigF[i]), 1e-9, "layer %d", i)
	}
	assert.InEpsilon(t, zigV, zigX[1]*(1-zigF[1]), 1e-9, "top layer")
	r := rand.New(rand.NewPCG(5, 6))
	rejected := 0
	const draws = 1 << 20
	for range draws {
		if _, _, ok := zigFast(r.Uint32()); !ok {
			rejected++
		}
	}
	assert.InDelta(t, 0.0043, float64(rejected)/draws, 0.0005, "fraction of words left to the slow path")
}
