package device

import (
	"fmt"
	"math"
)

// rowSTP is the short-term facilitation of an array's rows, the model of facil for one device:
// each component c decays as s_c(t) = s_c(T)·e^(−(t−T)/τ_c) from the row's last stimulus T and
// grows by C_c (times the cap's room) at each stimulus.
//
// It keeps every row's state referred to one common time t0,
//
//	u_c = s_c(T)·e^((T−t0)/τ_c),   so that   s_c(t) = u_c·e^(−(t−t0)/τ_c),
//
// and the factors e^(−(t−t0)/τ_c) are computed once per distinct read time for all the rows read
// then (an input's spikes of one time step), not twice per row read: the two exponentials were
// 8 % of a training step on a facilitating preset. Before e^((t−t0)/τ) could grow past e^500,
// t0 moves up to t and every u is rescaled. The result is the same function of the spike times
// as facil's, rounded differently (TestRowSTPMatchesDevice: within 1e-12). The price: read times
// must not decrease across the whole array (an engine's clock), not only within a row.
type rowSTP struct {
	U1, U2 []float64 // the rows' components referred to T0
	Last   []float64 // each row's last stimulus time (s)
	T0     float64

	tc, d1, d2, inv1, inv2 float64 // the factors at time tc, and their inverses
	valid                  bool
}

func newRowSTP(rows int) *rowSTP {
	return &rowSTP{U1: make([]float64, rows), U2: make([]float64, rows), Last: make([]float64, rows)}
}

// clone returns a deep copy.
func (r *rowSTP) clone() *rowSTP {
	c := *r
	c.U1 = append([]float64(nil), r.U1...)
	c.U2 = append([]float64(nil), r.U2...)
	c.Last = append([]float64(nil), r.Last...)
	return &c
}

// reset clears every row and sets the time origin back to 0.
func (r *rowSTP) reset() {
	clear(r.U1)
	clear(r.U2)
	clear(r.Last)
	r.T0, r.valid = 0, false
}

// decay returns e^(−x/τ) for a component with amplitude c (1 if the component is off: its u
// stays 0 and τ may be 0).
func decay(c, tau, x float64) float64 {
	if c == 0 {
		return 1
	}
	return math.Exp(-x / tau)
}

// factors sets the decay factors for time t, moving t0 up first if they would get too small.
func (r *rowSTP) factors(p *Params, t float64) {
	x := t - r.T0
	tmin := math.Inf(1)
	if p.PPFC1 != 0 {
		tmin = p.PPFTau1
	}
	if p.PPFC2 != 0 {
		tmin = min(tmin, p.PPFTau2)
	}
	if x > 500*tmin {
		d1, d2 := decay(p.PPFC1, p.PPFTau1, x), decay(p.PPFC2, p.PPFTau2, x)
		for i := range r.U1 {
			r.U1[i] *= d1
			r.U2[i] *= d2
		}
		r.T0, x = t, 0
	}
	r.tc = t
	r.d1, r.d2 = decay(p.PPFC1, p.PPFTau1, x), decay(p.PPFC2, p.PPFTau2, x)
	r.inv1, r.inv2 = 1/r.d1, 1/r.d2
	r.valid = true
}

// stimulate returns row i's facilitation s1 + s2 at time t, then adds the stimulus' own
// increments (see facil.stimulate). It panics if t is before the array's last read.
func (r *rowSTP) stimulate(p *Params, i int, t float64) float64 {
	if !r.valid || t != r.tc {
		if r.valid && t < r.tc {
			panic(fmt.Sprintf("device: read at %g s, before the array's previous read at %g s (see ResetShortTerm)", t, r.tc))
		}
		r.factors(p, t)
	}
	s := r.U1[i]*r.d1 + r.U2[i]*r.d2
	room := 1.0
	if p.STPMax > 0 {
		// Clamped by a compare: the builtin max handles −0 and NaN with extra branches, and
		// neither can differ here (1 − s/STPMax is never −0; a NaN stays NaN either way).
		if room = 1 - s/p.STPMax; room < 0 {
			room = 0
		}
	}
	r.U1[i] += p.PPFC1 * room * r.inv1
	r.U2[i] += p.PPFC2 * room * r.inv2
	r.Last[i] = t
	return s
}

// fromFacil converts per-row facil states (the array checkpoint before version 3) into a rowSTP
// referred to their latest stimulus time.
func fromFacil(p *Params, f []facil) *rowSTP {
	r := newRowSTP(len(f))
	for _, x := range f {
		r.T0 = max(r.T0, x.T)
	}
	for i, x := range f {
		d := r.T0 - x.T
		r.U1[i] = x.S1 * decay(p.PPFC1, p.PPFTau1, d)
		r.U2[i] = x.S2 * decay(p.PPFC2, p.PPFTau2, d)
		r.Last[i] = x.T
	}
	return r
}
