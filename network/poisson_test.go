package network

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPoissonRate checks the event-driven generator against the
// per-step Bernoulli process it replaces: mean count p·T per input and the
// binomial variance T·p·(1−p), for several rates including p ≥ 1.
func TestPoissonRate(t *testing.T) {
	const steps = 200000
	rates := []float64{0, 5, 63.75, 500, 2000, 3000} // Hz; dt 0.5 ms: p = 0 … 1.5
	p := NewPoisson(len(rates), 0.5, 1, 2)
	require.NoError(t, p.SetRates(rates, 0))
	var f Frame
	counts := make([]float64, len(rates))
	perBlock := make([][]float64, len(rates))
	const block = 1000
	for s0 := 0; s0 < steps; s0 += block {
		f.Reset(s0)
		require.NoError(t, p.Fill(&f, s0, block))
		require.Equal(t, block, f.Steps())
		blk := make([]float64, len(rates))
		for s := range block {
			sp := f.Spikes(s)
			for k := 1; k < len(sp); k++ {
				require.Less(t, sp[k-1], sp[k], "indices increasing within a step")
			}
			for _, i := range sp {
				counts[i]++
				blk[i]++
			}
		}
		for i := range rates {
			perBlock[i] = append(perBlock[i], blk[i])
		}
	}
	for i, r := range rates {
		pr := min(1, r*0.5e-3)
		mean := pr * steps
		sd := math.Sqrt(steps * pr * (1 - pr))
		assert.InDelta(t, mean, counts[i], 5*sd+1e-9, "rate %v Hz: count", r)
		// Variance of per-block counts: binomial block·p·(1−p).
		var m, v float64
		for _, c := range perBlock[i] {
			m += c
		}
		m /= float64(len(perBlock[i]))
		for _, c := range perBlock[i] {
			v += (c - m) * (c - m)
		}
		v /= float64(len(perBlock[i]) - 1)
		want := block * pr * (1 - pr)
		assert.InDelta(t, want, v, 0.25*want+1e-9, "rate %v Hz: block variance", r)
	}
	assert.Error(t, p.SetRates([]float64{1, 2}, 0))
	assert.ErrorContains(t, p.SetRates([]float64{0, -1, 0, 0, 0, 0}, 0), "input 1")
}

func TestPoissonMarshal(t *testing.T) {
	a := NewPoisson(5, 0.5, 3, 4)
	rates := []float64{10, 20, 30, 40, 50}
	require.NoError(t, a.SetRates(rates, 0))
	var f Frame
	f.Reset(0)
	require.NoError(t, a.Fill(&f, 0, 100))
	st, err := a.MarshalBinary()
	require.NoError(t, err)
	b := NewPoisson(5, 0.5, 99, 99)
	require.NoError(t, b.UnmarshalBinary(st))
	require.NoError(t, a.SetRates(rates, 0))
	require.NoError(t, b.SetRates(rates, 0))
	var fa, fb Frame
	fa.Reset(0)
	fb.Reset(0)
	require.NoError(t, a.Fill(&fa, 0, 1000))
	require.NoError(t, b.Fill(&fb, 0, 1000))
	assert.Equal(t, fa.Idx, fb.Idx)
	assert.Equal(t, fa.Off, fb.Off)
	assert.Error(t, b.UnmarshalBinary(st[:7]))
}
