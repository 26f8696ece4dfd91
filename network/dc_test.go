package network

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"runtime"
	"slices"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runHash trains a small DC network with STDP on a few images and hashes
// every excitatory spike (step, index), the weights and θ.
func runHash(t *testing.T, blockSteps int) [32]byte {
	t.Helper()
	cfg := DefaultDCConfig(784, 30)
	cfg.Seed = 11
	cfg.BlockSteps = blockSteps
	w := NewDense(784, 30)
	DCInitWeights(w.W, 11, 7)
	d, err := NewDC(cfg, w)
	require.NoError(t, err)
	h := sha256.New()
	stdp := newTestSTDP(w)
	spikes := 0
	d.SetPlasticity(PlasticityFunc(func(step int, pre, post []int32) {
		stdp.Step(step, pre, post)
		spikes += len(post)
		for _, j := range post {
			binary.Write(h, binary.LittleEndian, [2]int64{int64(step), int64(j)})
		}
	}))
	presentSynth(t, d, 3)
	require.Greater(t, spikes, 10, "the hash should cover spikes")
	binary.Write(h, binary.LittleEndian, w.W)
	binary.Write(h, binary.LittleEndian, d.Theta())
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

func TestDCDeterministicAcrossGOMAXPROCS(t *testing.T) {
	old := runtime.GOMAXPROCS(1)
	defer runtime.GOMAXPROCS(old)
	h1 := runHash(t, 100)
	runtime.GOMAXPROCS(2)
	h2 := runHash(t, 100)
	h3 := runHash(t, 7) // another frame size: other interleaving of the stages
	runtime.GOMAXPROCS(old)
	assert.Equal(t, h1, h2, "GOMAXPROCS 1 vs 2")
	assert.Equal(t, h1, h3, "block of 100 vs 7 steps")
}

// TestPipelineNoLeak cancels a presentation midway and makes a source fail:
// Present must return the error and leave no goroutine behind (synctest
// fails the test if any goroutine of the bubble is still alive and blocked).
func TestPipelineNoLeak(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d, _ := newTestDC(t, 50, 10, 1)
		ctx, cancel := context.WithCancel(context.Background())
		d.SetPlasticity(PlasticityFunc(func(step int, _, _ []int32) {
			if step == 150 {
				cancel()
			}
		}))
		rates := make([]float64, 50)
		for i := range rates {
			rates[i] = 50
		}
		_, err := d.Present(ctx, rates)
		assert.ErrorIs(t, err, context.Canceled)

		d2, _ := newTestDC(t, 50, 10, 1)
		boom := errors.New("boom")
		_, err = d2.PresentSource(context.Background(), failingSource{at: 300, err: boom})
		assert.ErrorIs(t, err, boom)

		// And a normal run afterwards still works with the same network.
		_, err = d2.Present(context.Background(), rates)
		assert.NoError(t, err)

		// A stage that panics fails the presentation with an error.
		d3, _ := newTestDC(t, 50, 10, 1)
		d3.SetPlasticity(PlasticityFunc(func(step int, _, _ []int32) {
			if step == 120 {
				panic("rule")
			}
		}))
		_, err = d3.Present(context.Background(), rates)
		assert.ErrorContains(t, err, "panicked: rule")
		synctest.Wait()
	})
}

type failingSource struct {
	at  int
	err error
}

func (f failingSource) Fill(out *Frame, step0, steps int) error {
	if step0+steps > f.at {
		return f.err
	}
	for range steps {
		out.EndStep()
	}
	return nil
}

func TestPipelineSourceChecked(t *testing.T) {
	d, _ := newTestDC(t, 50, 10, 1)
	_, err := d.PresentSource(context.Background(), &SpikeTrain{Spikes: [][]int32{{3, 50}}})
	assert.ErrorContains(t, err, "out of range")
	_, err = d.Present(context.Background(), make([]float64, 49))
	assert.Error(t, err)
	bad := make([]float64, 50)
	bad[3] = math.NaN()
	_, err = d.Present(context.Background(), bad)
	assert.ErrorContains(t, err, "input 3")
}

// TestRestSkipMatchesSimulatedRest: skipping the quiet part of the rest in
// closed form leaves the next image the same state and the same spikes as
// simulating all of it.
func TestRestSkipMatchesSimulatedRest(t *testing.T) {
	run := func(simulate bool) (*DC, []Result) {
		cfg := DefaultDCConfig(784, 40)
		cfg.Seed = 5
		cfg.SimulateRest = simulate
		w := NewDense(784, 40)
		DCInitWeights(w.W, 5, 7)
		d, err := NewDC(cfg, w)
		require.NoError(t, err)
		return d, presentSynth(t, d, 3)
	}
	sim, rs := run(true)
	skip, rk := run(false)
	for k := range rs {
		assert.Equal(t, rs[k].Counts, rk[k].Counts, "image %d", k)
		assert.Equal(t, rs[k].Tries, rk[k].Tries, "image %d", k)
	}
	assert.Equal(t, sim.Step(), skip.Step())
	assert.Less(t, skip.Counters().Steps, sim.Counters().Steps, "the skip should skip something")
	ss, err := sim.State()
	require.NoError(t, err)
	sk, err := skip.State()
	require.NoError(t, err)
	vs, vk := sim.ExcV(nil), skip.ExcV(nil)
	for j := range vs {
		assert.InDelta(t, vs[j], vk[j], 1e-6, "exc v[%d]", j)
		assert.InDelta(t, ss.ExcGe[j], sk.ExcGe[j], 1e-6)
		assert.InDelta(t, ss.ExcGi[j], sk.ExcGi[j], 1e-6)
		assert.InEpsilon(t, sim.Theta()[j], skip.Theta()[j], 1e-12)
	}
	sim.inh.sync(sim.Step())
	skip.inh.sync(skip.Step())
	for j := range sim.inh.v {
		assert.InDelta(t, sim.inh.v[j], skip.inh.v[j], 1e-6, "inh v[%d]", j)
	}
}

// TestStateRoundTrip: a network restored from a saved state (through JSON)
// and the saved weights continues bit-identically.
func TestStateRoundTrip(t *testing.T) {
	d, w := newTestDC(t, 784, 20, 9)
	stdp := newTestSTDP(w)
	d.SetPlasticity(stdp)
	ctx := context.Background()
	for k := range 2 {
		_, err := d.PresentImage(ctx, synthImage(784, uint64(k)))
		require.NoError(t, err)
	}
	st, err := d.State()
	require.NoError(t, err)
	js, err := json.Marshal(st)
	require.NoError(t, err)
	savedW := w.Clone(0)
	savedSTDP := *stdp
	savedSTDP.pre = append([]float64(nil), stdp.pre...)
	savedSTDP.post = append([]float64(nil), stdp.post...)
	var want []Result
	for k := 2; k < 4; k++ {
		r, err := d.PresentImage(ctx, synthImage(784, uint64(k)))
		require.NoError(t, err)
		want = append(want, r)
	}

	d2, err := NewDC(d.Config(), savedW)
	require.NoError(t, err)
	var st2 DCState
	require.NoError(t, json.Unmarshal(js, &st2))
	require.NoError(t, d2.SetState(&st2))
	savedSTDP.w = savedW
	d2.SetPlasticity(&savedSTDP)
	for k := 2; k < 4; k++ {
		r, err := d2.PresentImage(ctx, synthImage(784, uint64(k)))
		require.NoError(t, err)
		assert.Equal(t, want[k-2], r, "image %d", k)
	}
	assert.Equal(t, w.W, savedW.W)
	assert.Equal(t, d.Theta(), d2.Theta())

	bad := st2
	bad.ExcV = bad.ExcV[:3]
	assert.ErrorContains(t, d2.SetState(&bad), "exc_v")

	th := d2.Theta()
	th[0] = 25
	require.NoError(t, d2.SetTheta(th))
	assert.Equal(t, th, d2.Theta())
	assert.Error(t, d2.SetTheta(th[:1]))
}

func TestDCCounters(t *testing.T) {
	const n = 25
	d, _ := newTestDC(t, 784, n, 3)
	r, err := d.PresentImage(context.Background(), synthImage(784, 1))
	require.NoError(t, err)
	c := r.Counters
	in, exc, inh := c.Spikes[0], c.Spikes[1], c.Spikes[2]
	require.Greater(t, in, uint64(1000))
	assert.Equal(t, in*n+exc+inh*(n-1), c.SOPs, "SOPs = input×N + exc×1 + inh×(N−1)")
	assert.Equal(t, in*n, c.DeviceReads)
	assert.Equal(t, 2*n*c.Steps, c.NeuronUpdates)
	assert.GreaterOrEqual(t, exc, uint64(r.Total()), "counts cover the presentation, counters the rest too")
	// ~19 % of 784 pixels at ~180/8·2 Hz for 350 ms: about 2,300 spikes.
	assert.InDelta(t, 2300, float64(in)/float64(r.Tries), 500)
}

func TestPresentImageRetries(t *testing.T) {
	d, _ := newTestDC(t, 784, 10, 3)
	cfg := d.Config()
	r, err := d.PresentImage(context.Background(), make([]float64, 784))
	require.NoError(t, err)
	assert.Equal(t, cfg.MaxTries, r.Tries, "a blank image never reaches MinSpikes")
	assert.Equal(t, cfg.StartIntensity+float64(cfg.MaxTries-1), r.Intensity)
	assert.GreaterOrEqual(t, r.Counters.Steps, uint64(cfg.MaxTries*int(math.Round(cfg.Present/cfg.Dt))),
		"counters add up over the tries")

	stdp := newTestSTDP(NewDense(784, 10))
	d.SetPlasticity(stdp)
	img := synthImage(784, 2)
	for i := range img {
		img[i] *= 0.25 // too faint at k = 2
	}
	r, err = d.PresentImage(context.Background(), img)
	require.NoError(t, err)
	assert.Greater(t, r.Tries, 1)
	assert.GreaterOrEqual(t, r.Total(), cfg.MinSpikes)
	assert.Equal(t, r.Tries, stdp.begins, "BeginPresentation once per try")
}

// newEvalTestDC returns a frozen 784-input, 20-neuron network, its synapses and n synthetic
// images, for the evaluation tests.
func newEvalTestDC(t *testing.T, n int) (*DC, *Dense, [][]float64) {
	d, w := newTestDC(t, 784, 20, 4)
	d.FreezeTheta(true)
	images := make([][]float64, n)
	for k := range images {
		images[k] = synthImage(784, uint64(k))
	}
	return d, w, images
}

func TestEvaluateIndependentOfWorkers(t *testing.T) {
	d, w, images := newEvalTestDC(t, 7)
	clone := func(uint64) (Synapses, error) { return w.Clone(0), nil }
	ctx := context.Background()
	r1, err := d.Evaluate(ctx, images, EvalConfig{Workers: 1, Chunk: 3}, clone)
	require.NoError(t, err)
	r3, err := d.Evaluate(ctx, images, EvalConfig{Workers: 3, Chunk: 3}, clone)
	require.NoError(t, err)
	assert.Equal(t, r1, r3)
	require.Len(t, r1, 7)
	// Image 0 of chunk 0 starts from d's state, like a replica built by hand.
	rep, err := d.Replica(w.Clone(0), evalStreamBase)
	require.NoError(t, err)
	r, err := rep.PresentImage(ctx, images[0])
	require.NoError(t, err)
	assert.Equal(t, r1[0], r)
	assert.Equal(t, 0, d.Step(), "Evaluate must not change d")

	_, err = d.Evaluate(ctx, images, EvalConfig{}, func(uint64) (Synapses, error) { return nil, errors.New("no clone") })
	assert.ErrorContains(t, err, "no clone")
}

// TestEvaluateGroupsMatchesEvaluate: groups evaluated from one queue give what an Evaluate
// per group gives, whatever the workers; clone learns each chunk's group, and progress ends
// at every image.
func TestEvaluateGroupsMatchesEvaluate(t *testing.T) {
	d, w, images := newEvalTestDC(t, 11)
	ctx := context.Background()
	ec := EvalConfig{Chunk: 2}
	var want []Result
	for g := 0; g < len(images); g += 5 { // groups of 5: 5, 5, 1
		r, err := d.Evaluate(ctx, images[g:min(g+5, len(images))], ec, func(uint64) (Synapses, error) { return w.Clone(0), nil })
		require.NoError(t, err)
		want = append(want, r...)
	}
	image := func(k int, buf []float64) []float64 { return append(buf[:0], images[k]...) }
	for _, workers := range []int{1, 3} {
		ec.Workers = workers
		var groups []int
		var mu sync.Mutex
		last := 0
		got, err := d.EvaluateGroups(ctx, len(images), 5, image, ec, func(g int, _ uint64) (Synapses, error) {
			mu.Lock()
			groups = append(groups, g)
			mu.Unlock()
			return w.Clone(0), nil
		}, func(done int) {
			assert.Greater(t, done, last)
			last = done
		})
		require.NoError(t, err)
		assert.Equal(t, want, got, "%d workers", workers)
		slices.Sort(groups)
		assert.Equal(t, []int{0, 0, 0, 1, 1, 1, 2}, groups, "clones per group")
		assert.Equal(t, len(images), last, "progress")
	}
}

func TestDCConfigValidate(t *testing.T) {
	for name, mod := range map[string]func(*DCConfig){
		"Inputs":     func(c *DCConfig) { c.Inputs = 0 },
		"Dt":         func(c *DCConfig) { c.Dt = -1 },
		"Present":    func(c *DCConfig) { c.Present = 0.1 },
		"MaxDelay":   func(c *DCConfig) { c.MaxDelay = 1000 },
		"BlockSteps": func(c *DCConfig) { c.BlockSteps = 0 },
		"Exc":        func(c *DCConfig) { c.Exc.TauM = 0 },
		"Inh":        func(c *DCConfig) { c.Inh.VThresh = -70 },
	} {
		t.Run(name, func(t *testing.T) {
			c := DefaultDCConfig(10, 5)
			require.NoError(t, c.Validate())
			mod(&c)
			assert.ErrorContains(t, c.Validate(), name)
		})
	}
	_, err := NewDC(DefaultDCConfig(10, 5), NewDense(10, 4))
	assert.ErrorContains(t, err, "10×4")
}

// TestPresentAllocsIndependentOfSteps: a presentation allocates its
// channels, goroutines and result slices, but nothing per step or per
// frame (frames are recycled): doubling the presentation's length must not
// change the count.
func TestPresentAllocsIndependentOfSteps(t *testing.T) {
	allocs := func(presentMs float64) float64 {
		cfg := DefaultDCConfig(784, 50)
		cfg.Present = presentMs
		cfg.BlockSteps = 10
		w := NewDense(784, 50)
		DCInitWeights(w.W, 1, 7)
		d, err := NewDC(cfg, w)
		require.NoError(t, err)
		rates := make([]float64, 784)
		for i, p := range synthImage(784, 1) {
			rates[i] = p / 4
		}
		ctx := context.Background()
		for range 3 { // warm up: scratch slices reach their final size
			_, err := d.Present(ctx, rates)
			require.NoError(t, err)
		}
		return testing.AllocsPerRun(10, func() {
			if _, err := d.Present(ctx, rates); err != nil {
				panic(err)
			}
		})
	}
	short, long := allocs(350), allocs(700)
	t.Logf("allocations per presentation: %v (350 ms), %v (700 ms)", short, long)
	assert.Equal(t, short, long, "allocations grow with the number of steps")
	assert.Less(t, short, 100.0)
}

// rowless is Dense without its Row: synapses whose rows the delay line must read into a
// buffer before scattering them.
type rowless struct{ d *Dense }

func (r rowless) Rows() int                                     { return r.d.Rows() }
func (r rowless) Cols() int                                     { return r.d.Cols() }
func (r rowless) AccumulateRow(dst []float64, i int, t float64) { r.d.AccumulateRow(dst, i, t) }

// TestDelayLineRowsWithoutCopy: plain weight rows scattered into the delay line as they are
// give the bits of a row read into a zeroed buffer and scattered from there.
func TestDelayLineRowsWithoutCopy(t *testing.T) {
	run := func(plain bool) []Result {
		d, w := newTestDC(t, 784, 30, 5)
		if !plain {
			var err error
			d, err = NewDC(d.Config(), rowless{w})
			require.NoError(t, err)
		}
		return presentSynth(t, d, 3)
	}
	a, b := run(true), run(false)
	require.Greater(t, a[0].Total()+a[1].Total()+a[2].Total(), 0)
	assert.Equal(t, a, b)
}
