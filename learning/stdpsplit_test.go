package learning

import (
	"context"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/datasets"
)

// TestSTDPSplitSameModelAnyGOMAXPROCS trains one float network on 1, 2 and 3 cores (the network and the
// rule split into as many column ranges), with checkpoints taken mid-training, and wants the
// same model, bit for bit, and the same checkpoints.
func TestSTDPSplitSameModelAnyGOMAXPROCS(t *testing.T) {
	d := mnist(t)
	run := func(procs int) (model []byte, ckpts [][]byte) {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		c := smallConfig(384, 12, 7) // 384 columns: three ranges of 128
		c.Float = true
		m, err := NewSTDPModel(c, nil, datasets.Pixels)
		require.NoError(t, err)
		h := TrainHooks{CheckpointEvery: 5, Checkpoint: func(m *STDPModel) error {
			b, err := m.MarshalBinary()
			ckpts = append(ckpts, b)
			return err
		}}
		require.NoError(t, m.Train(context.Background(), d.Train, h))
		require.Positive(t, m.TrainCounters.Spikes[1], "no excitatory spike: the test shows nothing")
		m.TrainSeconds = 0
		model, err = m.MarshalBinary()
		require.NoError(t, err)
		return model, ckpts
	}
	zeroSeconds := func(b []byte) []byte {
		m, err := UnmarshalSTDPModel(b)
		require.NoError(t, err)
		m.TrainSeconds = 0
		out, err := m.MarshalBinary()
		require.NoError(t, err)
		return out
	}
	m1, c1 := run(1)
	for _, procs := range []int{2, 3} {
		m, c := run(procs)
		assert.Equal(t, m1, m, "%d cores: model", procs)
		require.Len(t, c, len(c1))
		for k := range c {
			assert.Equal(t, zeroSeconds(c1[k]), zeroSeconds(c[k]), "%d cores: checkpoint %d", procs, k)
		}
	}
}

// TestFloatAddClips: Float.add's two compares clip as math.Min(math.Max(w+dw, 0), WMax).
func TestFloatAddClips(t *testing.T) {
	f := NewFloat(1, 1, 1)
	for _, w := range []float64{0, math.Copysign(0, -1), 0.5, 1, 2, -1, math.Inf(1), math.Inf(-1), 5e-324} {
		for _, dw := range []float64{0, math.Copysign(0, -1), 1e-17, -1e-17, 0.25, -0.75, 3, -3, math.Inf(1)} {
			if math.IsNaN(w + dw) {
				continue
			}
			f.W[0] = w
			f.add(0, dw)
			want := math.Min(math.Max(w+dw, 0), 1)
			if math.Float64bits(f.W[0]) != math.Float64bits(want) {
				t.Errorf("%v + %v: got %v, want %v", w, dw, f.W[0], want)
			}
		}
	}
}
