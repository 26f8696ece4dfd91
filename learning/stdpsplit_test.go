package learning

import (
	"context"
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
		c.Eval.Workers = procs // not 0: the split is kept even where it does not pay
		m, err := NewSTDPModel(c, nil, datasets.Pixels)
		require.NoError(t, err)
		h := TrainHooks{CheckpointEvery: 5, Checkpoint: func(m *STDPModel) error {
			if want := min(procs, 3); procs > 1 && len(m.Rule.parts) != want {
				t.Errorf("%d cores: the rule in %d parts, want %d", procs, len(m.Rule.parts), want)
			}
			b, err := m.MarshalBinary()
			ckpts = append(ckpts, b)
			if len(ckpts)%2 == 0 {
				// The parts join the whole, and the next presentation splits it again (as
				// DC.SetWorkers(0) does when the split stalls).
				m.Net.SetWorkers(1)
				m.Net.SetWorkers(procs)
			}
			return err
		}}
		require.NoError(t, m.Train(context.Background(), d.Train, h))
		require.Positive(t, m.TrainCounters.Spikes[1], "no excitatory spike: the test shows nothing")
		m.TrainSeconds, m.Config.Eval.Workers = 0, 0
		model, err = m.MarshalBinary()
		require.NoError(t, err)
		return model, ckpts
	}
	// The checkpoints without their timing and their cores (which the runs set apart).
	zeroSeconds := func(b []byte) []byte {
		m, err := UnmarshalSTDPModel(b)
		require.NoError(t, err)
		m.TrainSeconds, m.Config.Eval.Workers = 0, 0
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
