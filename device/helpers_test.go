package device

import "math"

// testParams is a fixture shaped like NeuroSim's Ag:a-Si cell (window, states, NL labels, C2C)
// with an assumed two-exponential short-term part. Tests must not depend on presets.go.
func testParams() *Params {
	return &Params{
		Name: "test", Kind: "memristor", Material: "test", Programming: "electrical",
		Gmin: 3.0769e-9, Gmax: 38.462e-9, States: 97, NLLTP: 2.40, NLLTD: -4.88,
		C2C: 0.035, ReadNoise: 0.02,
		PPFC1: 0.6, PPFTau1: 0.05, PPFC2: 0.25, PPFTau2: 0.8,
		RetA: 0.6, RetB: 0.4, RetM: 0.3,
		VRead: 0.5, TRead: 5e-9, EPot: 2e-12, EDep: 1.5e-12, TPulse: 300e-6,
	}
}

// idealParams is a noise-free, linear, variation-free device without a volatile part.
func idealParams() *Params {
	return &Params{Name: "ideal", Gmin: 1e-9, Gmax: 10e-9, States: 64, VRead: 0.5, TRead: 1e-8}
}

// program applies a signed, fractional number of pulses to device (i, j) alone: the fractional
// part by stochastic rounding, an Analog device's exactly. It is the one-device reference the
// batches (Program) are compared with.
func (a *Array) program(i, j int, pulses float64) {
	k := a.index(i, j)
	if pulses == 0 {
		return
	}
	if a.p.Analog {
		a.step(k, pulses)
		return
	}
	n := a.round(math.Abs(pulses))
	if n == 0 {
		return
	}
	a.step(k, math.Copysign(n, pulses))
}

// programPulses is Program with b.DW read as pulse counts instead of weight changes.
func (a *Array) programPulses(b *Batch) {
	base, stride, idx := a.span(b)
	a.programAt(base, stride, idx, b.DW, 1)
}

// programTo writes device (i, j) toward the stored weight w by write-and-verify: read (with read
// noise, counted), stop if within tol, else apply round(pulsesFor(w − read)) pulses (at least
// one, of the right sign), until maxPulses pulses have been used. It returns the pulses used.
func (a *Array) programTo(i, j int, w, tol float64, maxPulses int) int {
	k := a.index(i, j)
	used := 0
	for used < maxPulses {
		e := w - a.readWeight(i, j)
		if math.Abs(e) <= tol {
			break
		}
		n := math.Round(a.pulsesFor(e))
		if n == 0 {
			n = math.Copysign(1, e)
		}
		if left := float64(maxPulses - used); math.Abs(n) > left {
			n = math.Copysign(left, n)
		}
		a.step(k, n)
		used += int(math.Abs(n))
	}
	return used
}

// window returns device (i, j)'s own [Gmin, Gmax] (drawn with device-to-device variation).
func (a *Array) window(i, j int) (gmin, gmax float64) {
	k := a.index(i, j)
	return a.floor(k), a.ceil(k)
}

// isStuck reports whether device (i, j) is stuck (at Gmin or Gmax).
func (a *Array) isStuck(i, j int) bool {
	k := a.index(i, j)
	return a.stuck != nil && a.stuck[k] != notStuck
}

// conductance returns the stored conductance of device (i, j) (S).
func (a *Array) conductance(i, j int) float64 { return a.g[a.index(i, j)] }

// resetShortTerm clears every row's facilitation and sets the time origin back to 0.
func (a *Array) resetShortTerm() {
	if a.stp != nil {
		a.stp.reset()
	}
}

// relax lets the array sit unstimulated for a time t (seconds) after programming: each stored
// conductance relaxes toward its device's Gmin, G ← Gmin + (G − Gmin)·Params.Retained(t), stuck
// devices excepted, and the volatile state is cleared. As for Device.Relax, t is measured from
// the last programming; two calls do not compose.
func (a *Array) relax(t float64) {
	r := a.p.Retained(t)
	if r != 1 {
		for k, g := range a.g {
			if a.stuck != nil && a.stuck[k] != notStuck {
				continue
			}
			c := &a.curves[0]
			if len(a.curves) > 1 {
				c = &a.curves[k]
			}
			a.g[k] = c.gmin + (g-c.gmin)*r
		}
	}
	a.resetShortTerm()
}
