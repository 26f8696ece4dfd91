package network

import (
	"context"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIFHandComputed(t *testing.T) {
	tests := []struct {
		name     string
		subtract bool
		want     []int
	}{
		// w = 0.375 (exact in binary): v = 0.375, 0.75, 1.125 → spike at
		// step 2, reset to 0, and so on every third step.
		{"reset to zero", false, []int{2, 5, 8, 11, 14, 17}},
		// 1.125 − 1 = 0.125 carries over: 0.5, 0.875, 1.25 → step 5;
		// 0.25 → 0.625, 1.0 → step 7; 0 → steps 10, 13, 15, 18.
		{"reset by subtraction", true, []int{2, 5, 7, 10, 13, 15, 18}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultFFConfig(1)
			cfg.Layers[0].TauM = 0 // IF
			cfg.Layers[0].ResetSubtract = tc.subtract
			cfg.BlockSteps = 4
			w := NewDense(1, 1)
			w.Set(0, 0, 0.375)
			n, err := NewFF(cfg, w)
			require.NoError(t, err)
			train := &SpikeTrain{Spikes: make([][]int32, 20)}
			for s := range train.Spikes {
				train.Spikes[s] = []int32{0}
			}
			var got []int
			var vpre []float64
			n.Layer(0).SetPlasticity(PlasticityFunc(func(_ int, _, _ []int32) {
				vpre = append(vpre, n.Layer(0).VPre()[0])
			}))
			res, err := n.Run(context.Background(), train, 20, func(step int, sp []int32) {
				if len(sp) > 0 {
					got = append(got, step)
				}
			})
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, 0.375, vpre[0])
			assert.Equal(t, 1.125, vpre[2], "potential before the reset")
			assert.Equal(t, int32(len(tc.want)), res.Counts[0][0])
			assert.Equal(t, uint64(20), res.Counters.SOPs)
		})
	}
}

// refFF is a sequential, step-by-step implementation of the LIF equations
// of LIFParams, to check the pipelined FF against.
func refFF(ps []LIFParams, dt float64, ws []*Dense, train [][]int32) (outs [][]int32, counts [][]int32) {
	type st struct{ v, i []float64 }
	layers := make([]st, len(ws))
	for l, w := range ws {
		layers[l] = st{make([]float64, w.Cols()), make([]float64, w.Cols())}
		for j := range layers[l].v {
			layers[l].v[j] = ps[l].VRest
		}
		counts = append(counts, make([]int32, w.Cols()))
	}
	for _, in := range train {
		pre := in
		for l, w := range ws {
			p := ps[l]
			alpha, beta := 0.0, 1.0
			if p.TauSyn > 0 {
				alpha = math.Exp(-dt / p.TauSyn)
			}
			if p.TauM > 0 {
				beta = math.Exp(-dt / p.TauM)
			}
			var post []int32
			for j := range layers[l].v {
				cur := alpha * layers[l].i[j]
				for _, k := range pre {
					cur += w.At(int(k), j)
				}
				layers[l].i[j] = cur
				v := p.VRest + beta*(layers[l].v[j]-p.VRest) + cur
				if v >= p.Threshold {
					v = p.VReset
					post = append(post, int32(j))
					counts[l][j]++
				}
				layers[l].v[j] = v
			}
			pre = post
		}
		outs = append(outs, pre)
	}
	return outs, counts
}

func TestFFMatchesSequentialReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	sizes := []int{40, 30, 20, 10}
	var ws []*Dense
	var syns []Synapses
	for l := 1; l < len(sizes); l++ {
		w := NewDense(sizes[l-1], sizes[l])
		for k := range w.W {
			w.W[k] = 0.4*rng.Float64() - 0.1
		}
		ws = append(ws, w)
		syns = append(syns, w)
	}
	const steps = 300
	train := make([][]int32, steps)
	for s := range train {
		for i := range sizes[0] {
			if rng.Float64() < 0.1 {
				train[s] = append(train[s], int32(i))
			}
		}
	}
	cfg := DefaultFFConfig(3)
	cfg.Layers[1].TauSyn = 5
	cfg.Layers[2].TauM = 0
	wantOut, wantCounts := refFF(cfg.Layers, cfg.Dt, ws, train)
	total := 0
	for _, c := range wantCounts[2] {
		total += int(c)
	}
	require.Greater(t, total, 10, "the last layer should fire")
	old := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(old)
	for _, procs := range []int{1, 2} {
		for _, block := range []int{1, 7, 300} {
			runtime.GOMAXPROCS(procs)
			cfg.BlockSteps = block
			n, err := NewFF(cfg, syns...)
			require.NoError(t, err)
			var got [][]int32
			res, err := n.Run(context.Background(), &SpikeTrain{Spikes: train}, steps, func(_ int, sp []int32) {
				got = append(got, append([]int32{}, sp...))
			})
			require.NoError(t, err)
			for s := range wantOut {
				if len(wantOut[s]) == 0 {
					wantOut[s] = []int32{}
				}
			}
			assert.Equal(t, wantOut, got, "procs %d block %d", procs, block)
			assert.Equal(t, wantCounts, res.Counts, "procs %d block %d", procs, block)
		}
	}
}

func TestFFNoLeakOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		cfg := DefaultFFConfig(3)
		cfg.BlockSteps = 2
		n, err := NewFF(cfg, NewDense(5, 5), NewDense(5, 5), NewDense(5, 5))
		require.NoError(t, err)
		ctx, cancel := context.WithCancel(context.Background())
		n.Layer(1).SetPlasticity(PlasticityFunc(func(step int, _, _ []int32) {
			if step == 20 {
				cancel()
			}
		}))
		_, err = n.Run(ctx, &SpikeTrain{}, 1000, nil)
		assert.ErrorIs(t, err, context.Canceled)
		synctest.Wait()
	})
}

func TestFFConfigErrors(t *testing.T) {
	_, err := NewFF(DefaultFFConfig(2), NewDense(3, 4), NewDense(5, 2))
	assert.ErrorContains(t, err, "layer 1 has 5 rows")
	_, err = NewFF(DefaultFFConfig(2), NewDense(3, 4))
	assert.ErrorContains(t, err, "1 arrays for 2 layers")
	c := DefaultFFConfig(1)
	c.Layers[0].Threshold = -1
	assert.ErrorContains(t, c.Validate(), "Layers[0]")
}
