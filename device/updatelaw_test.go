package device

import (
	"math"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNormalizedATable(t *testing.T) {
	tests := []struct {
		nl, want float64
	}{
		{0.01, 126.268958}, {2.40, normATable[239]}, {-4.88, -normATable[487]}, {9, 0.022810},
		{0.50, normATable[49]}, {-0.63, -normATable[62]}, {12, 0.022810},
	}
	for _, tt := range tests {
		assert.InEpsilon(t, tt.want, NormalizedA(tt.nl), 1e-9, "NL %g", tt.nl)
	}
	assert.True(t, math.IsInf(NormalizedA(0), 1))
	// Between grid points 1/A is interpolated: continuous and monotone.
	prev := 0.0
	for nl := 0.0; nl <= 9.2; nl += 0.0037 {
		k := invNormA(nl)
		require.GreaterOrEqual(t, k, prev, "1/A must not decrease with NL (NL %g)", nl)
		require.InDelta(t, -k, invNormA(-nl), 1e-15)
		prev = k
	}
}

// NeuroSim's label is 0.099 × the largest deviation of the normalised curve from the straight
// line: checking it ties the table to its meaning.
func TestNormalizedAMeaning(t *testing.T) {
	for i := 0; i < len(normATable); i += 37 {
		nl := float64(i+1) * normAStep
		a := normATable[i]
		dev := 0.0
		for x := 0.0; x <= 1; x += 1e-3 {
			y := -math.Expm1(-x/a) / -math.Expm1(-1/a)
			dev = max(dev, y-x)
		}
		assert.InEpsilon(t, 0.099, dev/nl, 0.003, "NL %g", nl)
	}
}

func TestCurveEndpoints(t *testing.T) {
	labels := []struct{ p, d float64 }{{0, 0}, {2.4, -4.88}, {0.04, -0.63}, {1.75, 1.46}, {9, -9}, {-1, 1}, {0.005, -0.003}}
	for _, l := range labels {
		c := newCurve(3e-9, 38e-9, 97, l.p, l.d)
		g := c.gmin
		for range 97 {
			g = c.pot(g, 1)
		}
		assert.InEpsilon(t, c.gmax, g, 1e-12, "LTP %v", l)
		assert.InEpsilon(t, c.gmax, c.pot(c.gmin, 97), 1e-12, "LTP in one step %v", l)
		g = c.gmax
		for range 97 {
			g = c.dep(g, 1)
		}
		assert.InDelta(t, c.gmin, g, 1e-12*c.gmax, "LTD %v", l)
		// n pulses at once equal n single pulses.
		g1 := c.pot(c.pot(c.pot(10e-9, 1), 1), 1)
		assert.InEpsilon(t, g1, c.pot(10e-9, 3), 1e-12)
		g1 = c.dep(c.dep(20e-9, 1), 1)
		assert.InEpsilon(t, g1, c.dep(20e-9, 2), 1e-12)
	}
}

func TestCurveShapes(t *testing.T) {
	lin := newCurve(1, 3, 50, 0, 0)
	step := 2.0 / 50
	g := lin.gmin
	for range 50 {
		next := lin.pot(g, 1)
		assert.InDelta(t, step, next-g, 1e-12, "NL 0 gives equal LTP steps")
		g = next
	}
	for range 50 {
		next := lin.dep(g, 1)
		assert.InDelta(t, step, g-next, 1e-12, "NL 0 gives equal LTD steps")
		g = next
	}
	// NL_LTP > 0: LTP steps shrink; NL_LTD < 0: LTD steps shrink as G approaches Gmin.
	c := newCurve(1, 3, 50, 2.4, -4.88)
	g = c.gmin
	prev := math.Inf(1)
	for range 50 {
		next := c.pot(g, 1)
		require.Less(t, next-g, prev)
		prev, g = next-g, next
	}
	prev = math.Inf(1)
	for range 50 {
		next := c.dep(g, 1)
		require.Less(t, g-next, prev)
		prev, g = g-next, next
	}
	// A positive LTD label (HZO FeFET) makes depression steps grow as G falls.
	f := newCurve(1, 3, 50, 1.75, 1.46)
	g = f.gmax
	prev = 0
	for range 50 {
		next := f.dep(g, 1)
		require.Greater(t, g-next, prev)
		prev, g = g-next, next
	}
}

// TestCurveIsOneCacheLine: a device-to-device varied array reads a random device's curve at
// every programming step; 64 bytes keep it on one cache line.
func TestCurveIsOneCacheLine(t *testing.T) {
	assert.Equal(t, uintptr(64), unsafe.Sizeof(curve{}))
}
