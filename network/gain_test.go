package network

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInputGain: an excitatory neuron's input conductance with gain g is g times that
// without (ge only integrates input, so the scaling holds at every step, delayed arrivals
// included); replicas keep the gains; nil removes them.
func TestInputGain(t *testing.T) {
	a, _ := newTestDC(t, 50, 4, 3)
	b, _ := newTestDC(t, 50, 4, 3)
	g := []float64{2, 0.5, 1, 0}
	b.SetInputGain(g)
	r := rand.New(rand.NewPCG(1, 2))
	pre := make([]int32, 0, 50)
	moved := false
	for range 200 {
		pre = pre[:0]
		for i := range 50 {
			if r.IntN(10) == 0 {
				pre = append(pre, int32(i))
			}
		}
		a.advance(pre)
		b.advance(pre)
		for j, gj := range g {
			want := gj * a.exc.ge[j]
			require.InDelta(t, want, b.exc.ge[j], 1e-9*math.Max(math.Abs(want), 1e-12), "neuron %d", j)
			moved = moved || a.exc.ge[j] > 0
		}
	}
	assert.True(t, moved, "the inputs reached the neurons")
	rep, err := b.Replica(b.Synapses(), 5)
	require.NoError(t, err)
	assert.Equal(t, g, rep.InputGain())
	b.SetInputGain(nil)
	assert.Nil(t, b.InputGain())
	assert.Panics(t, func() { b.SetInputGain([]float64{1}) })
}
