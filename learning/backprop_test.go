package learning

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/nanospike/nanospike/datasets"
	"github.com/nanospike/nanospike/device"
)

// bpSynth is a synthetic labelled set: each class has a prototype image; samples are noisy copies.
type bpSynth struct {
	img    [][]uint8
	labels []int
}

func (s *bpSynth) Len() int            { return len(s.img) }
func (s *bpSynth) Image(i int) []uint8 { return s.img[i] }
func (s *bpSynth) Label(i int) int     { return s.labels[i] }

// slice returns images [lo, hi) as a set of their own (same prototypes).
func (s *bpSynth) slice(lo, hi int) *bpSynth {
	return &bpSynth{img: s.img[lo:hi], labels: s.labels[lo:hi]}
}

func newBPSynth(n, pixels, classes int, seed uint64) *bpSynth {
	r := rand.New(rand.NewPCG(seed, 99))
	proto := make([][]uint8, classes)
	for c := range proto {
		proto[c] = make([]uint8, pixels)
		for i := range proto[c] {
			if r.Float64() < 0.3 {
				proto[c][i] = uint8(128 + r.IntN(128))
			}
		}
	}
	s := &bpSynth{}
	for k := range n {
		c := k % classes
		im := append([]uint8(nil), proto[c]...)
		for i := range im {
			if r.Float64() < 0.1 {
				im[i] = uint8(r.IntN(256))
			}
		}
		s.img = append(s.img, im)
		s.labels = append(s.labels, c)
	}
	return s
}

func bpTinyConfig(enc string) BackpropConfig {
	c := DefaultBackpropConfig()
	c.Inputs, c.Hidden, c.Classes = 12, []int{9, 7}, 3
	c.Steps = 6
	c.Encoding = enc
	c.BatchSize = 4
	c.Seed = 3
	return c
}

// engineGradient runs the engine's forward and backward for one image and returns the
// per-layer weight (row-major, in×out) and bias gradients, the loss, and the input spikes the
// engine drew (T×inputs).
func engineGradient(n *Backprop, img []uint8, label int) (gw, gb [][]float64, loss float64, x [][]float64) {
	p := n.chunks(1, true)[0]
	p.reset(n.layers)
	ws := p.ws
	ws.src.Seed(11, 12)
	var st BackpropCounters
	n.forward(ws, n.layers[0].w32, img, &st, true)
	loss = n.backward(ws, p, label)
	n.stats = n.stats.addEvents(st)
	for l, ly := range n.layers {
		g := make([]float64, len(ly.w))
		for i := range ly.in {
			for j := range ly.out {
				if l > 0 && ly.narrow() {
					g[i*ly.out+j] = float64(p.gwt[l][j*ly.in+i])
				} else {
					g[i*ly.out+j] = float64(p.gw[l][i*ly.out+j])
				}
			}
		}
		gw = append(gw, g)
		b := make([]float64, ly.out)
		for j := range b {
			b[j] = float64(p.gb[l][j])
		}
		gb = append(gb, b)
	}
	// The input spikes: m plus the flips of each step (rate), or the pixel values (direct).
	T := n.cfg.Steps
	x = make([][]float64, T)
	for t := range T {
		x[t] = make([]float64, n.cfg.Inputs)
		for k, i := range ws.on {
			if n.cfg.Encoding == EncodingRate {
				x[t][i] = 1
			} else {
				x[t][i] = float64(ws.onP[k])
			}
		}
		if n.cfg.Encoding == EncodingRate {
			for _, f := range ws.flips[ws.flipAt[t]:ws.flipAt[t+1]] {
				if f >= 0 {
					x[t][f] = 1
				} else {
					x[t][-1-f] = 0
				}
			}
		}
	}
	return gw, gb, loss, x
}

// bpRef is an independent, dense, float64 implementation of the same network, written
// step by step like an autograd trace: its forward stores every intermediate and its backward
// walks them in reverse. spike gives the forward spike function of U − θ; its derivative is
// always the fast-sigmoid surrogate.
type bpRef struct {
	sizes      []int
	w, b       [][]float64 // w[l][i*out+j]
	beta, thr  float64
	k          float64
	smoothSpks bool // spikes = (U−θ)/(1+k|U−θ|), whose derivative is the surrogate exactly
}

func (r *bpRef) spike(x float64) float64 {
	if r.smoothSpks {
		return x / (1 + r.k*math.Abs(x))
	}
	if x > 0 {
		return 1
	}
	return 0
}

func (r *bpRef) dspike(x float64) float64 { d := r.k*math.Abs(x) + 1; return 1 / (d * d) }

// lossGrad returns Σ_t CE(U_out,t, label) and its gradient with respect to w and b.
func (r *bpRef) lossGrad(x [][]float64, label int) (float64, [][]float64, [][]float64) {
	T := len(x)
	L := len(r.sizes) - 1
	// u[l][t][j], s[l][t][j]; layer input in[l][t] (in[0] = x)
	u := make([][][]float64, L)
	s := make([][][]float64, L)
	in := make([][][]float64, L)
	for l := range L {
		u[l] = make([][]float64, T)
		s[l] = make([][]float64, T)
		in[l] = make([][]float64, T)
	}
	var loss float64
	for t := range T {
		for l := range L {
			nin, nout := r.sizes[l], r.sizes[l+1]
			if l == 0 {
				in[l][t] = x[t]
			} else {
				in[l][t] = s[l-1][t]
			}
			u[l][t] = make([]float64, nout)
			s[l][t] = make([]float64, nout)
			for j := range nout {
				cur := r.b[l][j]
				for i := range nin {
					cur += r.w[l][i*nout+j] * in[l][t][i]
				}
				v := cur
				if t > 0 {
					pv := u[l][t-1][j]
					v += r.beta * pv
					if pv > r.thr {
						v -= r.thr // detached reset
					}
				}
				u[l][t][j] = v
				s[l][t][j] = r.spike(v - r.thr)
			}
		}
		o := u[L-1][t]
		mx := math.Inf(-1)
		for _, v := range o {
			mx = max(mx, v)
		}
		z := 0.0
		for _, v := range o {
			z += math.Exp(v - mx)
		}
		loss += math.Log(z) + mx - o[label]
	}
	gw := make([][]float64, L)
	gb := make([][]float64, L)
	for l := range L {
		gw[l] = make([]float64, r.sizes[l]*r.sizes[l+1])
		gb[l] = make([]float64, r.sizes[l+1])
	}
	// Adjoints: du[l][j] carried from step t+1 (through β), ds from the layer above.
	du := make([][]float64, L)
	for l := range L {
		du[l] = make([]float64, r.sizes[l+1])
	}
	for t := T - 1; t >= 0; t-- {
		// total adjoint of u at t for each layer, top down
		gu := make([][]float64, L)
		var dsAbove []float64
		for l := L - 1; l >= 0; l-- {
			nout := r.sizes[l+1]
			gu[l] = make([]float64, nout)
			for j := range nout {
				g := r.beta * du[l][j]
				if l == L-1 {
					o := u[l][t]
					mx := math.Inf(-1)
					for _, v := range o {
						mx = max(mx, v)
					}
					z := 0.0
					for _, v := range o {
						z += math.Exp(v - mx)
					}
					p := math.Exp(o[j]-mx) / z
					if j == label {
						p--
					}
					g += p
				} else {
					g += dsAbove[j] * r.dspike(u[l][t][j]-r.thr)
				}
				gu[l][j] = g
			}
			nin := r.sizes[l]
			ds := make([]float64, nin)
			for i := range nin {
				for j := range nout {
					gw[l][i*nout+j] += in[l][t][i] * gu[l][j]
					ds[i] += r.w[l][i*nout+j] * gu[l][j]
				}
			}
			for j := range nout {
				gb[l][j] += gu[l][j]
			}
			dsAbove = ds
		}
		du = gu
	}
	return loss, gw, gb
}

func bpRefFrom(n *Backprop) *bpRef {
	r := &bpRef{sizes: n.cfg.sizes(), beta: n.cfg.Beta, thr: n.cfg.Threshold, k: n.cfg.Slope}
	for _, ly := range n.layers {
		w := make([]float64, len(ly.w32))
		for k, v := range ly.w32 {
			w[k] = float64(v)
		}
		b := make([]float64, len(ly.b32))
		for k, v := range ly.b32 {
			b[k] = float64(v)
		}
		r.w = append(r.w, w)
		r.b = append(r.b, b)
	}
	return r
}

// TestReferenceBPTTMatchesFiniteDifferences checks the reference implementation's BPTT on the
// smooth network (spikes replaced by the surrogate's primitive) against central differences.
func TestReferenceBPTTMatchesFiniteDifferences(t *testing.T) {
	n, err := NewBackprop(bpTinyConfig(EncodingDirect), nil)
	require.NoError(t, err)
	r := bpRefFrom(n)
	r.smoothSpks = true
	r.thr = 0.1 // smooth spikes are small; a low threshold keeps the reset path exercised
	rng := rand.New(rand.NewPCG(1, 2))
	for l := range r.w {
		for k := range r.w[l] {
			r.w[l][k] *= 3
		}
	}
	T := 6
	x := make([][]float64, T)
	for t := range x {
		x[t] = make([]float64, r.sizes[0])
		for i := range x[t] {
			x[t][i] = rng.Float64()
		}
	}
	_, gw, gb := r.lossGrad(x, 1)
	const eps = 1e-6
	check := func(p *float64, want float64, what string) {
		old := *p
		*p = old + eps
		lp, _, _ := r.lossGrad(x, 1)
		*p = old - eps
		lm, _, _ := r.lossGrad(x, 1)
		*p = old
		fd := (lp - lm) / (2 * eps)
		assert.InDelta(t, fd, want, 1e-6+1e-5*math.Abs(fd), what)
	}
	for l := range r.w {
		for k := range r.w[l] {
			check(&r.w[l][k], gw[l][k], "w")
		}
		for k := range r.b[l] {
			check(&r.b[l][k], gb[l][k], "b")
		}
	}
}

// TestEngineGradientMatchesReference checks the engine's surrogate BPTT (float32, sparse,
// flip-split input) against the dense float64 reference with Heaviside spikes.
func TestEngineGradientMatchesReference(t *testing.T) {
	for _, enc := range []string{EncodingRate, EncodingDirect} {
		t.Run(enc, func(t *testing.T) {
			n, err := NewBackprop(bpTinyConfig(enc), nil)
			require.NoError(t, err)
			for _, ly := range n.layers { // larger weights so that every layer spikes
				for k := range ly.w {
					ly.w[k] *= 4
				}
			}
			n.syncTranspose()
			data := newBPSynth(4, 12, 3, 5)
			spikes := int64(0)
			for i := range data.Len() {
				gw, gb, loss, x := engineGradient(n, data.Image(i), data.Label(i))
				r := bpRefFrom(n)
				rl, rw, rb := r.lossGrad(x, data.Label(i))
				assert.InDelta(t, rl, loss, 1e-4*math.Abs(rl)+1e-5)
				for l := range rw {
					scale := 1e-6
					for _, v := range rw[l] {
						scale = max(scale, math.Abs(v))
					}
					for k := range rw[l] {
						assert.InDelta(t, rw[l][k], gw[l][k], 1e-4*scale, "layer %d w[%d]", l, k)
					}
					for k := range rb[l] {
						assert.InDelta(t, rb[l][k], gb[l][k], 1e-4*scale, "layer %d b[%d]", l, k)
					}
				}
			}
			spikes = n.stats.HiddenSpikes
			assert.Positive(t, spikes, "hidden layers must spike for the check to mean anything")
		})
	}
}

func TestConfigValidate(t *testing.T) {
	ok := DefaultBackpropConfig()
	require.NoError(t, ok.Validate())
	cases := []struct {
		name string
		mod  func(c *BackpropConfig)
	}{
		{"inputs", func(c *BackpropConfig) { c.Inputs = 0 }},
		{"hidden", func(c *BackpropConfig) { c.Hidden = nil }},
		{"hidden", func(c *BackpropConfig) { c.Hidden = []int{10, 0} }},
		{"classes", func(c *BackpropConfig) { c.Classes = 1 }},
		{"steps", func(c *BackpropConfig) { c.Steps = 0 }},
		{"beta", func(c *BackpropConfig) { c.Beta = 1.5 }},
		{"threshold", func(c *BackpropConfig) { c.Threshold = 0 }},
		{"surrogate_slope", func(c *BackpropConfig) { c.Slope = math.NaN() }},
		{"encoding", func(c *BackpropConfig) { c.Encoding = "poisson" }},
		{"optimizer", func(c *BackpropConfig) { c.Optimizer = "rmsprop" }},
		{"lr", func(c *BackpropConfig) { c.LR = -1 }},
		{"batch_size", func(c *BackpropConfig) { c.BatchSize = 0 }},
		{"device.mode", func(c *BackpropConfig) { c.Device.Mode = "hybrid" }},
		{"device.update", func(c *BackpropConfig) { c.Device.Update = "x" }},
		{"device.scheme", func(c *BackpropConfig) { c.Device.Scheme = "x" }},
		{"device.wmax_scale", func(c *BackpropConfig) { c.Device.WMaxScale = 0 }},
		{"device.verify_max_pulses", func(c *BackpropConfig) { c.Device.VerifyMaxPulses = -1 }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := DefaultBackpropConfig()
			tc.mod(&c)
			err := c.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.name)
		})
	}
	_, err := NewBackprop(BackpropConfig{}, nil)
	assert.Error(t, err)
	c := DefaultBackpropConfig()
	c.Device.Mode = ModeInSitu
	_, err = NewBackprop(c, nil)
	assert.Error(t, err, "device mode without device parameters")
}

// bpTrainSteps trains the first k mini-batches of an epoch.
func bpTrainSteps(t *testing.T, n *Backprop, data Samples, k int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := n.TrainEpoch(ctx, data, func(p BackpropProgress) {
		if p.Batch == k {
			cancel()
		}
	})
	if k < (data.Len()+n.cfg.BatchSize-1)/n.cfg.BatchSize {
		require.ErrorIs(t, err, context.Canceled)
	} else {
		require.NoError(t, err)
	}
}

// TestIdealDeviceEqualsFloat: in-situ training on the ideal (linear, noiseless) device with
// exact (analog) pulses reproduces floating-point training.
func TestIdealDeviceEqualsFloat(t *testing.T) {
	ideal, err := device.Preset("ideal")
	require.NoError(t, err)
	data := newBPSynth(40, 12, 3, 8)
	cf := bpTinyConfig(EncodingRate)
	fl, err := NewBackprop(cf, nil)
	require.NoError(t, err)
	cd := cf
	cd.Device.Mode, cd.Device.Update = ModeInSitu, UpdateExact
	cd.Device.LRScale = 1 // the same step as the float run
	dv, err := NewBackprop(cd, ideal)
	require.NoError(t, err)
	for range 2 {
		_, err = fl.TrainEpoch(context.Background(), data, nil)
		require.NoError(t, err)
		_, err = dv.TrainEpoch(context.Background(), data, nil)
		require.NoError(t, err)
	}
	var maxDiff, maxW float64
	for l := range fl.layers {
		a, ab := fl.Weights(l)
		dv.readDevices()
		b, bb := dv.Weights(l)
		for k := range a {
			maxDiff = max(maxDiff, math.Abs(a[k]-b[k]))
			maxW = max(maxW, math.Abs(a[k]))
		}
		assert.Equal(t, ab, bb, "biases are digital: bit for bit")
	}
	assert.Less(t, maxDiff, 1e-12, "max |w_float − w_device|")
	assert.Positive(t, maxW)
	assert.Positive(t, dv.Counters().Update.PotPulses)
}

func TestCheckpointResumesExactly(t *testing.T) {
	p := &device.Params{Name: "ckpt-test", Gmin: 1e-9, Gmax: 10e-9, States: 64, NLLTP: 2, NLLTD: -2, C2C: 0.02, ReadNoise: 0.01,
		Source: map[string]string{"gmin_s": "a", "gmax_s": "b", "states": "c", "nl_ltp": "d", "nl_ltd": "e", "c2c": "f", "read_noise": "g"}}
	for _, mode := range []string{ModeIdeal, ModeInSitu} {
		t.Run(mode, func(t *testing.T) {
			data := newBPSynth(24, 12, 3, 4)
			c := bpTinyConfig(EncodingRate)
			c.Device.Mode = mode
			c.Device.LRScale = 20
			a, err := NewBackprop(c, p)
			require.NoError(t, err)
			b, err := NewBackprop(c, p)
			require.NoError(t, err)
			_, err = a.Train(context.Background(), data, 2, nil)
			require.NoError(t, err)
			bpTrainSteps(t, b, data, 4) // interrupted mid-epoch 1
			path := filepath.Join(t.TempDir(), "ck.gob")
			require.NoError(t, b.SaveFile(path))
			var s1, s2 bytes.Buffer
			require.NoError(t, b.Save(&s1))
			require.NoError(t, b.Save(&s2))
			assert.Equal(t, s1.Bytes(), s2.Bytes(), "the same state, the same bytes")
			r, err := LoadBackpropFile(path)
			require.NoError(t, err)
			if mode != ModeIdeal {
				assert.Equal(t, p.Source, r.Device().Source)
			}
			assert.Equal(t, 0, r.Epoch())
			_, err = r.Train(context.Background(), data, 2, nil)
			require.NoError(t, err)
			for l := range a.layers {
				wa, ba := a.Weights(l)
				wr, br := r.Weights(l)
				assert.Equal(t, wa, wr)
				assert.Equal(t, ba, br)
			}
			assert.Equal(t, a.Counters(), r.Counters())
		})
	}
	_, err := LoadBackprop(bytes.NewReader([]byte("nonsense")))
	assert.Error(t, err)
}

func TestDeviceModesLearnAndCount(t *testing.T) {
	p := &device.Params{Name: "mode-test", Gmin: 1e-9, Gmax: 10e-9, States: 64, NLLTP: 1, NLLTD: -1, C2C: 0.01, ReadNoise: 0.005, EPot: 1e-12, EDep: 2e-12, VRead: 0.1, TRead: 1e-6}
	all := newBPSynth(180, 12, 3, 21)
	train, test := all.slice(0, 120), all.slice(120, 180)
	for _, tc := range []struct{ mode, update string }{
		{ModeInSitu, UpdateRound}, {ModeInSitu, UpdateStochastic}, {ModeInSitu, UpdateAccumulate}, {ModeExSitu, UpdateAccumulate},
	} {
		t.Run(tc.mode+"/"+tc.update, func(t *testing.T) {
			c := bpTinyConfig(EncodingRate)
			c.Hidden = []int{20}
			c.Device.Mode, c.Device.Update = tc.mode, tc.update
			c.Device.LRScale = 10
			c.LR = 5e-3
			n, err := NewBackprop(c, p)
			require.NoError(t, err)
			_, err = n.Train(context.Background(), train, 4, nil)
			require.NoError(t, err)
			res, err := n.Evaluate(test)
			require.NoError(t, err)
			cnt := n.Counters()
			assert.Positive(t, cnt.Program.PotPulses, "weights written by write-and-verify")
			assert.Positive(t, cnt.Read.Reads)
			if tc.mode == ModeInSitu {
				assert.Positive(t, cnt.Update.PotPulses)
			} else {
				assert.Zero(t, cnt.Update.PotPulses)
			}
			e := n.Energy()
			assert.Positive(t, e.Program.Pot)
			assert.InDelta(t, e.Read.Total+e.Update.Total+e.Program.Total, e.Total, 1e-30)
			if tc.update != UpdateRound {
				assert.Greater(t, res.Accuracy, 0.6, "synthetic 3-class task")
			}
		})
	}
}

// TestSmallMNISTTraining: a few hundred MNIST images train a 784-H-10 network to ≥ 80 % on
// held-out test images (the time is logged; benchmarks measure speed).
func TestSmallMNISTTraining(t *testing.T) {
	d, err := datasets.Load("")
	if err != nil {
		t.Skipf("MNIST not available: %v", err)
	}
	c := DefaultBackpropConfig()
	c.Hidden = []int{200}
	c.LR = 2e-3
	c.BatchSize = 20
	train := d.Train.Subset(500)
	test := d.Test.Subset(500)
	n, err := NewBackprop(c, nil)
	require.NoError(t, err)
	start := time.Now()
	_, err = n.Train(context.Background(), train, 8, nil)
	require.NoError(t, err)
	res, err := n.Evaluate(test)
	require.NoError(t, err)
	t.Logf("500 images × 8 epochs, 784-200-10: %.1f %% on 500 test images in %v", 100*res.Accuracy, time.Since(start))
	assert.GreaterOrEqual(t, res.Accuracy, 0.80)
}

// TestSameSeedSameResult: two networks built from the same seed train bit-identically (in-situ
// on a noisy device, so the device streams are covered too); another seed differs.
func TestSameSeedSameResult(t *testing.T) {
	p := &device.Params{Name: "seed-test", Gmin: 1e-9, Gmax: 10e-9, States: 64, NLLTP: 2, NLLTD: -2, C2C: 0.02, ReadNoise: 0.01, D2DNL: 0.2, D2DG: 0.05}
	data := newBPSynth(32, 12, 3, 6)
	run := func(seed uint64) []float64 {
		c := bpTinyConfig(EncodingRate)
		c.Seed = seed
		c.Device.Mode, c.Device.Update = ModeInSitu, UpdateStochastic
		n, err := NewBackprop(c, p)
		require.NoError(t, err)
		_, err = n.Train(context.Background(), data, 2, nil)
		require.NoError(t, err)
		w, _ := n.Weights(0)
		return w
	}
	a, b, c := run(5), run(5), run(6)
	assert.Equal(t, a, b)
	assert.NotEqual(t, a, c)
}

// TestBackpropDeterministicAcrossGOMAXPROCS: the mini-batch's chunks run on the cores, and
// their gradients are summed in chunk order, so training and evaluation give the same bits
// with 1, 2 or 3 cores (ideal and in-situ on a noisy device), an evaluation between epochs
// included.
func TestBackpropDeterministicAcrossGOMAXPROCS(t *testing.T) {
	p := &device.Params{Name: "procs-test", Gmin: 1e-9, Gmax: 10e-9, States: 64, NLLTP: 2, NLLTD: -2, C2C: 0.02, ReadNoise: 0.01}
	data := newBPSynth(80, 12, 3, 6)
	for _, mode := range []string{ModeIdeal, ModeInSitu} {
		run := func(procs int) ([]byte, BackpropResult, BackpropCounters) {
			old := runtime.GOMAXPROCS(procs)
			defer runtime.GOMAXPROCS(old)
			c := bpTinyConfig(EncodingRate)
			c.BatchSize = 37 // chunks of 8 and a ragged last one
			c.Device.Mode = mode
			n, err := NewBackprop(c, p)
			require.NoError(t, err)
			// An evaluation between the epochs: its per-core copies of the weights must
			// not reach the training after it.
			_, err = n.TrainEpoch(context.Background(), data, nil)
			require.NoError(t, err)
			_, err = n.Evaluate(data)
			require.NoError(t, err)
			_, err = n.TrainEpoch(context.Background(), data, nil)
			require.NoError(t, err)
			res, err := n.Evaluate(data)
			require.NoError(t, err)
			var buf bytes.Buffer
			require.NoError(t, n.Save(&buf))
			return buf.Bytes(), res, n.Counters()
		}
		b1, r1, c1 := run(1)
		for _, procs := range []int{2, 3} {
			b, r, c := run(procs)
			assert.Equal(t, b1, b, "%s: model with %d cores", mode, procs)
			assert.Equal(t, r1, r, "%s: evaluation with %d cores", mode, procs)
			assert.Equal(t, c1, c, "%s: counters with %d cores", mode, procs)
		}
	}
}
