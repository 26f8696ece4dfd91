package device

import (
	"fmt"
	"math"
)

// rowSTP is the short-term facilitation of an array's rows (a single Device is an array of one
// row): each component c decays as s_c(t) = s_c(T)·e^(−(t−T)/τ_c) from the row's last stimulus
// T and grows by C_c at each stimulus. With a cap (STPMax > 0) the increments shrink as the
// facilitation fills up, C_c·(1 − (s1+s2)/STPMax), so a long fast train saturates at a gain of
// 1 + STPMax instead of growing without bound; the first pair (and so PPF) is unchanged.
//
// It keeps every row's state referred to one common time t0,
//
//	u_c = s_c(T)·e^((T−t0)/τ_c),   so that   s_c(t) = u_c·e^(−(t−t0)/τ_c),
//
// and the factors e^(−(t−t0)/τ_c) are computed once per distinct read time for all the rows read
// then (an input's spikes of one time step), not twice per row read. Before e^((t−t0)/τ) could
// grow past e^500, t0 moves up to t and every u is rescaled. The result is the same function of
// the spike times as the per-stimulus model, rounded differently (TestRowSTPMatchesModel: within
// 1e-12). The price: read times must not decrease across the whole array (an engine's clock),
// not only within a row.
//
// An engine reads at t, t + dt, t + 2dt, …: the gaps between read times take a handful of
// values (a few multiples of dt, each with a few roundings), kept in Steps with their factors
// e^(−Δ/τ_c) and inverses. A read one such gap after the previous one takes its factors by a
// multiply each instead of two exponentials and two divisions; after maxChain multiplies, or any
// other gap, they are computed afresh, which bounds the product's rounding drift to ~maxChain
// ulps. The whole state is exported: a checkpoint continues with the same bits.
type rowSTP struct {
	U1, U2 []float64 // the rows' components referred to T0
	Last   []float64 // each row's last stimulus time (s)
	T0     float64

	// Tc is the time of the present factors, D1 and D2 the decay factors e^(−(Tc−T0)/τ_c) of
	// the two components, Inv1 and Inv2 their inverses (all meaningful if Valid). The names
	// are those of the checkpoint format.
	Tc, D1, D2, Inv1, Inv2 float64
	Valid                  bool
	Steps                  [8]stpStep // recent gaps between read times (FIFO, Next replaced next)
	Next                   int
	Chain                  int // multiplies since the factors were last computed afresh
}

// stpStep is a gap Dx between two read times and its decay factors and their inverses; E1 = 0
// marks an empty entry.
type stpStep struct {
	Dx, E1, E2, I1, I2 float64
}

// maxChain bounds the factors' chain of multiplies between exact computations.
const maxChain = 256

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
	*r = rowSTP{U1: r.U1, U2: r.U2, Last: r.Last}
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
	chained := r.Valid
	if x > 500*tmin {
		d1, d2 := decay(p.PPFC1, p.PPFTau1, x), decay(p.PPFC2, p.PPFTau2, x)
		for i := range r.U1 {
			r.U1[i] *= d1
			r.U2[i] *= d2
		}
		r.T0, x = t, 0
		chained = false
	}
	dx := t - r.Tc
	if chained && r.Chain < maxChain {
		if s := r.find(dx); s != nil {
			r.D1, r.D2 = r.D1*s.E1, r.D2*s.E2
			r.Inv1, r.Inv2 = r.Inv1*s.I1, r.Inv2*s.I2
			r.Tc = t
			r.Chain++
			return
		}
	}
	r.D1, r.D2 = decay(p.PPFC1, p.PPFTau1, x), decay(p.PPFC2, p.PPFTau2, x)
	r.Inv1, r.Inv2 = 1/r.D1, 1/r.D2
	if chained && r.find(dx) == nil {
		e1, e2 := decay(p.PPFC1, p.PPFTau1, dx), decay(p.PPFC2, p.PPFTau2, dx)
		if e1 > 0 && e2 > 0 {
			r.Steps[r.Next] = stpStep{dx, e1, e2, 1 / e1, 1 / e2}
			r.Next = (r.Next + 1) % len(r.Steps)
		}
	}
	r.Tc, r.Valid, r.Chain = t, true, 0
}

// checkFactors reports a factor state that no rowSTP can reach (a corrupt checkpoint): a
// replacement index outside Steps, a negative chain, or a factor that is not finite.
func (r *rowSTP) checkFactors() error {
	if r.Next < 0 || r.Next >= len(r.Steps) || r.Chain < 0 {
		return fmt.Errorf("facilitation factor state: next %d (want 0 to %d), chain %d", r.Next, len(r.Steps)-1, r.Chain)
	}
	finite := func(xs ...float64) bool {
		for _, x := range xs {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return false
			}
		}
		return true
	}
	if !finite(r.T0, r.Tc, r.D1, r.D2, r.Inv1, r.Inv2) {
		return fmt.Errorf("facilitation factor state: not finite (t0 %v, tc %v, factors %v %v %v %v)", r.T0, r.Tc, r.D1, r.D2, r.Inv1, r.Inv2)
	}
	for k, s := range r.Steps {
		if !finite(s.Dx, s.E1, s.E2, s.I1, s.I2) {
			return fmt.Errorf("facilitation factor state: cached gap %d not finite (%v)", k, s)
		}
	}
	return nil
}

// find returns the cached gap dx, or nil.
func (r *rowSTP) find(dx float64) *stpStep {
	for k := range r.Steps {
		if s := &r.Steps[k]; s.E1 != 0 && s.Dx == dx {
			return s
		}
	}
	return nil
}

// at returns row i's facilitation s1 + s2 at time t (the factors move to t; the rows' state
// does not change). It panics if t is before the array's last read.
func (r *rowSTP) at(p *Params, i int, t float64) float64 {
	if !r.Valid || t != r.Tc {
		if r.Valid && t < r.Tc {
			panic(fmt.Sprintf("device: read at %g s, before the array's previous read at %g s", t, r.Tc))
		}
		r.factors(p, t)
	}
	return r.U1[i]*r.D1 + r.U2[i]*r.D2
}

// scale multiplies row i's facilitation by k (the STP→LTP transition of a Device moves that
// part into the stored conductance).
func (r *rowSTP) scale(i int, k float64) {
	r.U1[i] *= k
	r.U2[i] *= k
}

// stimulate returns row i's facilitation s1 + s2 at time t, then adds the stimulus' own
// increments. It panics if t is before the array's last read.
func (r *rowSTP) stimulate(p *Params, i int, t float64) float64 {
	s := r.at(p, i, t)
	room := 1.0
	if p.STPMax > 0 {
		// Clamped by a compare: the builtin max handles −0 and NaN with extra branches, and
		// neither can differ here (1 − s/STPMax is never −0; a NaN stays NaN either way).
		if room = 1 - s/p.STPMax; room < 0 {
			room = 0
		}
	}
	r.U1[i] += p.PPFC1 * room * r.Inv1
	r.U2[i] += p.PPFC2 * room * r.Inv2
	r.Last[i] = t
	return s
}

// facil is one row's facilitation as array checkpoints before version 3 stored it: the two
// components at the row's last stimulus time T.
type facil struct {
	S1, S2, T float64
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
