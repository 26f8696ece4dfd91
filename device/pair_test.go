package device

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pairTestParams is a linear, noiseless device with 100 states.
func pairTestParams() *Params {
	return &Params{Name: "pair-test", Gmin: 1e-9, Gmax: 11e-9, States: 100}
}

func TestPairWeightMap(t *testing.T) {
	q, err := NewPair(pairTestParams(), 2, 3, 1)
	require.NoError(t, err)
	q.SetWMax(2)
	assert.Equal(t, 0.0, q.Weight(1, 2))
	q.Program(1, 2, 10) // +10 pulses on G+ = +10/100 of the window
	assert.InDelta(t, 0.2, q.Weight(1, 2), 1e-12)
	q.Program(1, 2, -25) // G- up by 25 pulses
	assert.InDelta(t, -0.3, q.Weight(1, 2), 1e-12)
	assert.InDelta(t, 0.1*2, q.Pos.weight(1, 2), 1e-12, "unipolar: G+ only potentiated")
	w := q.WeightsTo(nil)
	r := q.ReadTo(nil, nil)
	assert.InDelta(t, -0.3, w[1*3+2], 1e-12)
	assert.InDelta(t, -0.3, r[1*3+2], 1e-12)
	c := q.Counters()
	assert.Equal(t, uint64(35), c.PotPulses)
	assert.Equal(t, uint64(0), c.DepPulses)
	assert.Equal(t, uint64(12), c.Reads, "ReadTo reads both arrays")
}

func TestPairSignMagnitude(t *testing.T) {
	q, err := NewPair(pairTestParams(), 1, 1, 1)
	require.NoError(t, err)
	q.Scheme = SignMagnitude
	q.Program(0, 0, 10)
	q.Program(0, 0, -4) // shrinks |w|: depresses G+
	assert.InDelta(t, 0.06, q.Weight(0, 0), 1e-12)
	assert.InDelta(t, 0.0, q.Neg.weight(0, 0), 1e-12, "G- untouched")
	q.Program(0, 0, -6) // G+ to its floor
	q.Program(0, 0, -3) // now G- carries the weight
	assert.InDelta(t, -0.03, q.Weight(0, 0), 1e-12)
	q.Program(0, 0, 2) // shrinks |w|: depresses G-
	assert.InDelta(t, -0.01, q.Weight(0, 0), 1e-12)
	c := q.Counters()
	assert.Equal(t, uint64(13), c.PotPulses)
	assert.Equal(t, uint64(12), c.DepPulses)
}

func TestPairProgramToAndRefresh(t *testing.T) {
	p := pairTestParams()
	p.C2C = 0.01
	p.ReadNoise = 0.002
	p.NLLTP, p.NLLTD = 2, -2
	q, err := NewPair(p, 4, 4, 7)
	require.NoError(t, err)
	for _, w := range []float64{0.5, -0.3, 0.05, -0.9} {
		q.ProgramTo(1, 1, w, 0.02, 200)
		assert.InDelta(t, w, q.Weight(1, 1), 0.05, "target %g", w)
		q.Refresh(1, 1, 0.02, 200)
		assert.InDelta(t, w, q.Weight(1, 1), 0.08, "after refresh, target %g", w)
		assert.False(t, q.NeedsRefresh(1, 1, 0.95))
		// reset for the next target
		q.Pos.step(q.Pos.index(1, 1), -200)
		q.Neg.step(q.Neg.index(1, 1), -200)
	}
	for range 95 {
		q.Program(2, 2, 1)
	}
	for range 90 {
		q.Program(2, 2, -1)
	}
	assert.True(t, q.NeedsRefresh(2, 2, 0.8))
	q.Refresh(2, 2, 0.01, 300)
	assert.False(t, q.NeedsRefresh(2, 2, 0.8))
}

func TestPairReset(t *testing.T) {
	p := pairTestParams()
	p.NLLTP, p.NLLTD = 3, -3
	q, err := NewPair(p, 1, 1, 2)
	require.NoError(t, err)
	q.Program(0, 0, 40)
	q.Program(0, 0, -70)
	assert.Equal(t, 200, q.Reset(0, 0))
	assert.Equal(t, 0.0, q.Weight(0, 0))
	assert.Equal(t, uint64(200), q.Counters().DepPulses)
	assert.InDelta(t, 0, q.ReadWeight(0, 0), 1e-15)
}

func TestPairContinuousIsExactOnLinearDevice(t *testing.T) {
	q, err := NewPair(pairTestParams(), 1, 2, 3)
	require.NoError(t, err)
	q.SetWMax(0.5)
	want := 0.0
	for k, dw := range []float64{0.0123, -0.0301, 0.00071, 0.2, -0.11} {
		want += dw
		q.ProgramContinuous(0, k%2, q.PulsesFor(dw))
		q.ProgramContinuous(0, 1-k%2, q.PulsesFor(dw))
	}
	assert.InDelta(t, want, q.Weight(0, 0), 1e-14)
	assert.InDelta(t, want, q.Weight(0, 1), 1e-14)
}

func TestPairStochasticRoundingMean(t *testing.T) {
	q, err := NewPair(pairTestParams(), 1, 1000, 5)
	require.NoError(t, err)
	n := make([]float64, 1000)
	for j := range n {
		n[j] = 0.3
	}
	for range 10 {
		q.ProgramRow(0, n)
	}
	w := q.WeightsTo(nil)
	var s float64
	for _, x := range w {
		s += x
	}
	// mean of 10 steps of 0.3 pulse each = 3 pulses = 0.03
	assert.InDelta(t, 0.03, s/1000, 0.002)
}

func TestPairMarshalRoundTrip(t *testing.T) {
	p := pairTestParams()
	p.ReadNoise = 0.01
	q, err := NewPair(p, 3, 2, 9)
	require.NoError(t, err)
	q.Scheme = SignMagnitude
	q.SetWMax(0.7)
	q.Program(2, 1, 17)
	b, err := q.MarshalBinary()
	require.NoError(t, err)
	var r Pair
	require.NoError(t, r.UnmarshalBinary(b))
	assert.Equal(t, q.WeightsTo(nil), r.WeightsTo(nil))
	assert.Equal(t, q.Counters(), r.Counters())
	assert.Equal(t, SignMagnitude, r.Scheme)
	// the noise streams continue identically
	assert.Equal(t, q.ReadTo(nil, nil), r.ReadTo(nil, nil))
	assert.False(t, math.IsNaN(r.Weight(2, 1)))
}

func TestParsePairScheme(t *testing.T) {
	for _, s := range []PairScheme{Unipolar, SignMagnitude} {
		got, err := ParsePairScheme(s.String())
		require.NoError(t, err)
		assert.Equal(t, s, got)
	}
	_, err := ParsePairScheme("nope")
	assert.Error(t, err)
}
