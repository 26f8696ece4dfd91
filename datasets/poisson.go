package datasets

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Poisson encodes images as independent Bernoulli spike trains per pixel,
// the discrete-time Poisson process of Brian2's PoissonGroup (see the
// package doc for the equations). The zero value is not usable; start from
// DiehlCookPoisson.
type Poisson struct {
	MaxRate float64 // Hz for a pixel of 255 at intensity 1
	Dt      float64 // s, time step
	Steps   int     // steps per image
}

// DiehlCookPoisson is Diehl & Cook's encoding: 350 ms at dt 0.5 ms, pixel/8
// Hz per unit of intensity (their k, which starts at 2).
func DiehlCookPoisson() Poisson {
	return Poisson{MaxRate: 255.0 / 8, Dt: 0.5e-3, Steps: 700}
}

// Validate reports an impossible encoder setting.
func (e Poisson) Validate() error {
	switch {
	case !(e.MaxRate >= 0) || math.IsInf(e.MaxRate, 0):
		return fmt.Errorf("poisson: max rate must be a finite number ≥ 0 Hz, got %v", e.MaxRate)
	case !(e.Dt > 0) || math.IsInf(e.Dt, 0):
		return fmt.Errorf("poisson: dt must be > 0 s, got %v", e.Dt)
	case e.Steps < 1:
		return fmt.Errorf("poisson: steps must be ≥ 1, got %d", e.Steps)
	}
	return nil
}

// Train is a spike train in compressed sparse rows: the inputs that fire in
// step s are Index[Offsets[s]:Offsets[s+1]], in ascending order. A Train is
// reused across images: encoding into it allocates only when it must grow.
type Train struct {
	Steps   int
	Offsets []int32
	Index   []int32

	pix, step []int32 // scratch: spikes in pixel order
}

// At returns the inputs that fire in step s (do not modify).
func (t *Train) At(s int) []int32 { return t.Index[t.Offsets[s]:t.Offsets[s+1]] }

// Len returns the number of spikes.
func (t *Train) Len() int { return len(t.Index) }

// EncodeTo writes into dst the spike train of img at the given intensity,
// drawing from rng. It panics if the encoder is invalid (call Validate) or
// intensity is negative.
func (e Poisson) EncodeTo(dst *Train, img []uint8, intensity float64, rng *rand.Rand) {
	if e.Steps < 1 || !(e.Dt > 0) || !(intensity >= 0) {
		panic("datasets: invalid Poisson encoder or intensity")
	}
	dst.Steps = e.Steps
	dst.pix, dst.step = dst.pix[:0], dst.step[:0]
	scale := intensity * e.MaxRate * e.Dt / 255
	var logq [256]float64 // log(1 − p) per pixel value, computed on demand
	var have [256]bool
	for k, v := range img {
		if v == 0 {
			continue
		}
		p := float64(v) * scale
		if p >= 1 {
			for s := 0; s < e.Steps; s++ {
				dst.pix = append(dst.pix, int32(k))
				dst.step = append(dst.step, int32(s))
			}
			continue
		}
		if !have[v] {
			logq[v], have[v] = math.Log1p(-p), true
		}
		// Gap to the next spike ~ Geometric(p) on {1, 2, …}.
		s := -1
		for {
			s += 1 + int(math.Log(1-rng.Float64())/logq[v])
			if s >= e.Steps {
				break
			}
			dst.pix = append(dst.pix, int32(k))
			dst.step = append(dst.step, int32(s))
		}
	}
	// Counting sort by step; pixel order is kept within a step.
	if cap(dst.Offsets) < e.Steps+1 {
		dst.Offsets = make([]int32, e.Steps+1)
	}
	off := dst.Offsets[:e.Steps+1]
	clear(off)
	for _, s := range dst.step {
		off[s+1]++
	}
	for s := 1; s <= e.Steps; s++ {
		off[s] += off[s-1]
	}
	n := len(dst.pix)
	if cap(dst.Index) < n {
		dst.Index = make([]int32, n, n+n/4)
	}
	dst.Index = dst.Index[:n]
	// Fill using off[s] as a cursor, then shift back.
	for i, s := range dst.step {
		dst.Index[off[s]] = dst.pix[i]
		off[s]++
	}
	for s := e.Steps; s > 0; s-- {
		off[s] = off[s-1]
	}
	off[0] = 0
	dst.Offsets = off
}

// Rates writes the firing rate (Hz) of each pixel of img at the given
// intensity into dst and returns it.
func (e Poisson) Rates(dst []float64, img []uint8, intensity float64) []float64 {
	dst = dst[:0]
	for _, v := range img {
		dst = append(dst, intensity*e.MaxRate*float64(v)/255)
	}
	return dst
}
