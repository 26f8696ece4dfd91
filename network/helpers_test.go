package network

import (
	"context"
	"math/rand/v2"
	"testing"
)

// synthImage returns a fixed MNIST-like image: ~19 % of the pixels on, mean
// intensity ~0.13·255.
func synthImage(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 99))
	img := make([]float64, n)
	for i := range img {
		if rng.Float64() < 0.19 {
			img[i] = 100 + 155*rng.Float64()
		}
	}
	return img
}

func newTestDC(tb interface{ Fatal(...any) }, inputs, neurons int, seed uint64) (*DC, *Dense) {
	cfg := DefaultDCConfig(inputs, neurons)
	cfg.Seed = seed
	w := NewDense(inputs, neurons)
	DCInitWeights(w.W, seed, 7)
	d, err := NewDC(cfg, w)
	if err != nil {
		tb.Fatal(err)
	}
	return d, w
}

// testSTDP is a small trace STDP on a Dense matrix (pre trace, post trace;
// depression on pre, potentiation on post), enough to make weights depend
// on every spike for the determinism tests.
type testSTDP struct {
	w         *Dense
	pre, post []float64
	lastStep  int
	decay     float64
	begins    int
}

func newTestSTDP(w *Dense) *testSTDP {
	return &testSTDP{w: w, pre: make([]float64, w.Rows()), post: make([]float64, w.Cols()), decay: 0.975}
}

func (s *testSTDP) Step(step int, pre, post []int32) {
	k := step - s.lastStep
	s.lastStep = step
	f := 1.0
	for range k {
		f *= s.decay
	}
	for i := range s.pre {
		s.pre[i] *= f
	}
	for j := range s.post {
		s.post[j] *= f
	}
	for _, i := range pre {
		row := s.w.Row(int(i))
		for j := range row {
			row[j] = max(0, row[j]-1e-3*s.post[j])
		}
		s.pre[i] = 1
	}
	for _, j := range post {
		for i := range s.pre {
			w := s.w.At(i, int(j)) + 1e-2*s.pre[i]
			s.w.Set(i, int(j), min(1, w))
		}
		s.post[j] = 1
	}
}

func (s *testSTDP) BeginPresentation(int) { s.begins++ }
func (s *testSTDP) EndPresentation(int)   {}

// presentSynth presents synthetic images 0 … n−1 (synthImage) to d and returns the results.
func presentSynth(t testing.TB, d *DC, n int) []Result {
	t.Helper()
	var out []Result
	for k := range n {
		r, err := d.PresentImage(context.Background(), synthImage(d.Config().Inputs, uint64(k)))
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}
