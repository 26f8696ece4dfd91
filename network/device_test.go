package network

import (
	"context"
	"runtime"
	"testing"

	"github.com/nanospike/nanospike/device"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newDeviceDC builds a small DC network on a noisy device array (read
// noise deferred to one Gaussian per column per step, facilitation on).
func newDeviceDC(t *testing.T, seed uint64) (*DC, *device.Array) {
	t.Helper()
	p, err := device.Preset("si-nc-memristor")
	require.NoError(t, err)
	require.Greater(t, p.ReadNoise, 0.0, "the test needs a noisy preset")
	const inputs, n = 784, 20
	a, err := device.NewArray(p, inputs, n, seed)
	require.NoError(t, err)
	w := make([]float64, inputs*n)
	DCInitWeights(w, seed, 7)
	for i := range inputs {
		a.Program(&device.Batch{Shape: device.InRow, Line: i, DW: w[i*n : (i+1)*n], Model: true})
	}
	cfg := DefaultDCConfig(inputs, n)
	cfg.Seed = seed
	d, err := NewDC(cfg, a)
	require.NoError(t, err)
	return d, a
}

func TestDCOnNoisyDevice(t *testing.T) {
	run := func(procs int) ([]Result, device.Counters) {
		old := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(old)
		d, a := newDeviceDC(t, 3)
		require.NotNil(t, d.noisy, "deferred-noise path expected for a noisy device")
		before := a.Counters()
		var out []Result
		// Depress every input row a little on each post spike so that the
		// pulses show up in the counters.
		dw := []float64{-1 / float64(a.Params().States)} // one depression pulse
		d.SetPlasticity(PlasticityFunc(func(_ int, _, post []int32) {
			for _, j := range post {
				a.Program(&device.Batch{Index: []int32{j}, DW: dw})
			}
		}))
		for k := range 2 {
			r, err := d.PresentImage(context.Background(), synthImage(784, uint64(k)))
			require.NoError(t, err)
			out = append(out, r)
			require.Greater(t, r.Total(), 0)
		}
		after := a.Counters()
		var sum Counters
		for _, r := range out {
			sum = sum.Add(r.Counters)
		}
		assert.Equal(t, after.Reads-before.Reads, sum.DeviceReads, "reads counted by the network and by the array")
		assert.Equal(t, after.DepPulses-before.DepPulses, sum.DepPulses)
		assert.Positive(t, sum.DepPulses)
		return out, after
	}
	r1, c1 := run(1)
	r2, c2 := run(2)
	assert.Equal(t, r1, r2, "noisy device: same spikes with GOMAXPROCS 1 and 2")
	assert.Equal(t, c1, c2)
}

// TestDelayRingPaddingAndState: the delay ring's slots are padded to a multiple of eight
// columns (N = 20: 24) for the pairs' arrival in whole blocks; the padding must stay zero, the
// excitatory conductances beyond N too, and a state saved with spikes in flight (the ring
// saved without its padding) must continue bit for bit on a restored network.
func TestDelayRingPaddingAndState(t *testing.T) {
	d, a := newDeviceDC(t, 5)
	n := d.cfg.Neurons
	require.Equal(t, 24, d.stride)
	require.NotNil(t, d.pring)
	steps := func(d *DC, from, to int) {
		for s := from; s < to; s++ {
			// Eight rows per step, the same for both networks.
			pre := make([]int32, 0, 8)
			for k := range 8 {
				pre = append(pre, int32((s*97+k*131)%784))
			}
			d.advance(pre)
		}
	}
	steps(d, 0, 40)
	var inFlight bool
	for base := 0; base < len(d.pring); base += d.stride {
		for j := range d.stride {
			if j >= n {
				require.Equal(t, [2]float64{}, d.pring[base+j], "padding of slot %d", base/d.stride)
			} else if d.pring[base+j] != [2]float64{} {
				inFlight = true
			}
		}
	}
	require.True(t, inFlight, "the state should hold spikes in flight")
	for _, g := range d.exc.ge[n:d.stride] {
		require.Zero(t, g, "conductance of a padding column")
	}

	st, err := d.State()
	require.NoError(t, err)
	require.Len(t, st.Ring, 2*(d.maxDelay+1)*n*2, "the saved ring has N columns per slot")
	blob, err := a.MarshalBinary()
	require.NoError(t, err)
	d2, a2 := newDeviceDC(t, 5)
	require.NoError(t, a2.UnmarshalBinary(blob))
	require.NoError(t, d2.SetState(st))
	require.Equal(t, d.pring, d2.pring)
	steps(d, 40, 80)
	steps(d2, 40, 80)
	assert.Equal(t, d.exc.v, d2.exc.v)
	assert.Equal(t, d.exc.ge, d2.exc.ge)
}
