package network

import (
	"fmt"
	"math"
	"slices"

	"github.com/nanospike/nanospike/internal/pad"
)

// CondParams are the parameters of a conductance-based LIF population with
// an optional adaptive threshold (Diehl & Cook 2015). Potentials in mV,
// times in ms; conductances are in units of the leak conductance.
//
//	τm·dv/dt = (VRest − v) + ge·(EExc − v) + gi·(EInh − v)   (v held at VReset while refractory)
//	dge/dt = −ge/τge,  dgi/dt = −gi/τgi,  dθ/dt = −θ/τθ
//	spike when v > VThresh + θ − ThetaOffset; then v = VReset, θ += ThetaPlus
type CondParams struct {
	TauM          float64 `json:"tau_m_ms"`
	VRest         float64 `json:"v_rest_mv"`
	VReset        float64 `json:"v_reset_mv"`
	VThresh       float64 `json:"v_thresh_mv"`
	VInit         float64 `json:"v_init_mv"` // membrane potential at construction
	EExc          float64 `json:"e_exc_mv"`
	EInh          float64 `json:"e_inh_mv"`
	TauGe         float64 `json:"tau_ge_ms"`
	TauGi         float64 `json:"tau_gi_ms"`
	Refractory    float64 `json:"refractory_ms"`
	ThetaInit     float64 `json:"theta_init_mv"`   // 0 with ThetaPlus 0: fixed threshold
	ThetaPlus     float64 `json:"theta_plus_mv"`   // threshold increment per spike
	ThetaOffset   float64 `json:"theta_offset_mv"` // subtracted from θ in the threshold
	TauTheta      float64 `json:"tau_theta_ms"`    // 0: θ does not decay
	AdaptiveTheta bool    `json:"adaptive_theta"`
	// RefractoryIntegrates: during the refractory period v keeps
	// integrating (from VReset) and only spiking is suppressed, for
	// Refractory − dt/2 after the spike (the neuron may fire again
	// Refractory later). That is what Brian 1, which Diehl & Cook's code
	// runs on, does with their multi-statement excitatory reset
	// ("v = v_reset_e; theta += theta_plus_e; timer = 0*ms"): a string
	// reset is not a Refractoriness, so v is not clamped, and the group's
	// next-allowed-spike time alone enforces the 5 ms. False: v is held at
	// VReset for Refractory (Brian 2's "unless refractory", and Brian 1's
	// scalar reset of the inhibitory neurons).
	RefractoryIntegrates bool `json:"refractory_integrates,omitempty"`
	// Lockout, if longer than Refractory, keeps the neuron from firing for
	// Lockout after a spike (v integrating once Refractory is over).
	// Diehl & Cook's threshold carries a condition "timer > refrac_e" with
	// "dtimer/dt = 100.0 : ms" and timer = 0 at reset; the Brian 2 ports of
	// their code (e.g. zxzhijia/Brian2STDPMNIST) read the rate as
	// 100 ms/s = 0.1, so that timer passes 5 ms 50 ms after the spike:
	// Lockout 50. Read in Brian 1's SI units (timer in seconds growing at
	// 100 s/s) the condition holds one step after the spike and adds
	// nothing, hence the default 0 (none), which also learns better at N = 100
	// (benchmarks/RESULTS.md).
	Lockout float64 `json:"lockout_ms,omitempty"`
}

// DCExcParams returns Diehl & Cook's excitatory neuron.
func DCExcParams() CondParams {
	return CondParams{
		TauM: 100, VRest: -65, VReset: -65, VThresh: -52, VInit: -105,
		EExc: 0, EInh: -100, TauGe: 1, TauGi: 2, Refractory: 5,
		ThetaInit: 20, ThetaPlus: 0.05, ThetaOffset: 20, TauTheta: 1e7, AdaptiveTheta: true,
		RefractoryIntegrates: true,
	}
}

// DCInhParams returns Diehl & Cook's inhibitory neuron.
func DCInhParams() CondParams {
	return CondParams{
		TauM: 10, VRest: -60, VReset: -45, VThresh: -40, VInit: -100,
		EExc: 0, EInh: -85, TauGe: 1, TauGi: 2, Refractory: 2,
	}
}

// Validate reports the first impossible parameter.
func (p CondParams) Validate() error {
	for _, x := range []struct {
		name string
		v    float64
	}{
		{"tau_m_ms", p.TauM}, {"tau_ge_ms", p.TauGe}, {"tau_gi_ms", p.TauGi},
	} {
		if !(x.v > 0) || math.IsInf(x.v, 0) {
			return fmt.Errorf("%s must be positive and finite, got %v", x.name, x.v)
		}
	}
	for _, x := range []struct {
		name string
		v    float64
	}{
		{"v_rest_mv", p.VRest}, {"v_reset_mv", p.VReset}, {"v_thresh_mv", p.VThresh}, {"v_init_mv", p.VInit},
		{"e_exc_mv", p.EExc}, {"e_inh_mv", p.EInh}, {"theta_init_mv", p.ThetaInit},
		{"theta_plus_mv", p.ThetaPlus}, {"theta_offset_mv", p.ThetaOffset},
	} {
		if math.IsNaN(x.v) || math.IsInf(x.v, 0) {
			return fmt.Errorf("%s must be finite, got %v", x.name, x.v)
		}
	}
	if p.Refractory < 0 || math.IsNaN(p.Refractory) || math.IsInf(p.Refractory, 0) {
		return fmt.Errorf("refractory_ms must be ≥ 0 and finite, got %v", p.Refractory)
	}
	if p.Lockout < 0 || math.IsNaN(p.Lockout) || math.IsInf(p.Lockout, 0) {
		return fmt.Errorf("lockout_ms must be ≥ 0 and finite, got %v", p.Lockout)
	}
	if p.TauTheta < 0 || math.IsNaN(p.TauTheta) || math.IsInf(p.TauTheta, 0) {
		return fmt.Errorf("tau_theta_ms must be ≥ 0 and finite, got %v", p.TauTheta)
	}
	if p.ThetaPlus < 0 || p.ThetaInit < 0 {
		return fmt.Errorf("theta_init_mv and theta_plus_mv must be ≥ 0, got %v and %v", p.ThetaInit, p.ThetaPlus)
	}
	if p.VThresh+p.ThetaInit-p.ThetaOffset <= p.VRest {
		return fmt.Errorf("threshold %v mV must be above v_rest_mv %v (the neuron would fire at rest)",
			p.VThresh+p.ThetaInit-p.ThetaOffset, p.VRest)
	}
	if p.VReset >= p.VThresh+p.ThetaInit-p.ThetaOffset {
		return fmt.Errorf("v_reset_mv %v must be below the threshold %v mV", p.VReset, p.VThresh+p.ThetaInit-p.ThetaOffset)
	}
	return nil
}

// condPop is a population of conductance-based LIF neurons, state in flat
// slices. Within a step the conductances decay exactly; the membrane is
// integrated exactly for the step-mean conductances (an exponential
// integrator, second order in dt), which is the exact solution whenever the
// conductances are zero or constant (see step).
//
// A lazy population updates only its active neurons (those with a
// conductance, or refractory): an idle neuron relaxes to rest in closed form
// when it is next touched. Diehl & Cook's inhibitory neurons, driven only by
// their excitatory partner, are idle almost all the time. Conductances of a
// lazy population must be raised through addGe/addGi.
//
// The adaptive threshold is stored as θ_j = thScale·u_j so that its decay is
// one multiplication per step for the whole population.
type condPop struct {
	p                     CondParams
	v, ge, gi, u          []float64
	ref                   []int32 // remaining refractory steps
	de, di, ce, ci, dtTau float64
	dTheta, thScale       float64
	thrBase               float64
	e0                    float64 // exp(−dt/τm); Euler: 1 − dt/τm
	xmax                  float64 // x = g·dt/τm from which the step calls math.Exp (exact: 0.1; Euler: 1)
	euler                 bool    // forward-Euler integration (Brian's), see DCConfig.Integration
	refSteps              int32   // steps without spiking after a spike
	// holdAbove: v is held at VReset while the remaining count (before
	// its decrement) is above holdAbove, and integrates below it.
	holdAbove    int32
	frozen       bool // θ neither decays nor grows
	spikes       []int32
	slow         []slowUpdate
	k            *condConsts // dense: constants of the arithmetic kernel
	vold, as, bs []float64   // dense: scratch of the kernel (old v, a, b)
	flags        []uint8     // dense: kernel flags, bit j%4 of flags[j/4]
	lazy         bool
	act          []int32 // lazy: active neurons
	isAct        []bool
	last         []int // lazy: step at which an idle neuron's v is current
	actDirty     bool  // lazy: act needs sorting
}

func newCondPop(p CondParams, n int, dtMs float64, lazy, euler bool) *condPop {
	c := &condPop{
		// ge has room for a multiple of eight: DC's ring drains whole blocks into it.
		p: p, v: make([]float64, n), ge: make([]float64, n, (n+7)&^7), gi: make([]float64, n),
		u: make([]float64, n), ref: make([]int32, n), spikes: make([]int32, 0, n),
		slow: make([]slowUpdate, 0, n),
		lazy: lazy, thScale: 1, euler: euler, xmax: 0.1,
	}
	c.de = math.Exp(-dtMs / p.TauGe)
	c.di = math.Exp(-dtMs / p.TauGi)
	// Mean of exp(−s/τ) over a step of length dt.
	c.ce = p.TauGe / dtMs * (1 - c.de)
	c.ci = p.TauGi / dtMs * (1 - c.di)
	c.dtTau = dtMs / p.TauM
	c.e0 = math.Exp(-c.dtTau)
	c.dTheta = 1
	if p.AdaptiveTheta && p.TauTheta > 0 {
		c.dTheta = math.Exp(-dtMs / p.TauTheta)
	}
	if euler {
		// Forward Euler on every variable, as Brian does for this
		// nonlinear system: the step uses the conductances at its start
		// (ce = ci = 1), which then decay by 1 − dt/τ, and
		// v' = v + dt/τm·(num − g·v) = v∞ + (v − v∞)·(1 − x).
		c.de, c.di = 1-dtMs/p.TauGe, 1-dtMs/p.TauGi
		c.ce, c.ci = 1, 1
		c.e0 = 1 - c.dtTau
		// Where x = dt·g/τm ≥ 1 Euler overshoots v∞ (1 − x ≤ 0), and
		// beyond 2 it diverges: a volley of ≥ 24 inhibitory spikes in
		// one step (gi ≥ 400 at N = 400) makes v oscillate with growing
		// amplitude past any threshold, and the whole layer then fires
		// every refractory period for good. There the step is the exact
		// exponential one for the step-start conductances; below, where
		// the network spends all but a few steps, it is Euler bit for bit.
		c.xmax = 1
		if p.AdaptiveTheta && p.TauTheta > 0 {
			c.dTheta = 1 - dtMs/p.TauTheta
		}
	}
	c.thrBase = p.VThresh - p.ThetaOffset
	c.refSteps = int32(math.Round(p.Refractory / dtMs))
	if p.RefractoryIntegrates && c.refSteps > 0 {
		// Spiking is suppressed while t − t_spike < Refractory − dt/2:
		// steps 1 … refSteps−1 after the spike.
		c.refSteps--
	}
	if l := int32(math.Round(p.Lockout / dtMs)); l > c.refSteps {
		// Held for the refractory steps, then integrating but not firing
		// until the lockout ends.
		hold := c.refSteps
		if p.RefractoryIntegrates {
			hold = 0
		}
		c.refSteps = l
		c.holdAbove = l - hold
	} else if p.RefractoryIntegrates {
		c.holdAbove = c.refSteps
	}
	for j := range c.v {
		c.v[j] = p.VInit
		c.u[j] = p.ThetaInit
	}
	if !lazy {
		c.k = newCondConsts(c)
		c.vold, c.as, c.bs = make([]float64, n), make([]float64, n), make([]float64, n)
		c.flags = make([]uint8, (n+3)/4)
	}
	if lazy {
		c.act = make([]int32, 0, n)
		c.isAct = make([]bool, n)
		c.last = make([]int, n)
		// Until first touched, every neuron relaxes from VInit at step 0.
	}
	return c
}

// theta returns θ_j.
func (c *condPop) theta(j int) float64 { return c.thScale * c.u[j] }

// thetaTo writes every θ_j to dst.
func (c *condPop) thetaTo(dst []float64) []float64 {
	dst = dst[:0]
	for _, x := range c.u {
		dst = append(dst, c.thScale*x)
	}
	return dst
}

// setTheta sets θ from src.
func (c *condPop) setTheta(src []float64) {
	copy(c.u, src)
	c.thScale = 1
}

// activate brings idle neuron j to step now and makes it active.
func (c *condPop) activate(j int32, now int) {
	if c.isAct[j] {
		return
	}
	if k := now - c.last[j]; k > 0 {
		c.v[j] = c.p.VRest + (c.v[j]-c.p.VRest)*math.Pow(c.e0, float64(k))
	}
	c.isAct[j] = true
	c.act = append(c.act, j)
	c.actDirty = true
}

// drive raises the excitatory conductance of each neuron of spikes (indices: their partners'
// spikes) by w before step now.
func (c *condPop) drive(spikes []int32, w float64, now int) {
	for _, j := range spikes {
		c.addGe(j, w, now)
	}
}

// addGe raises neuron j's excitatory conductance by w before step now.
func (c *condPop) addGe(j int32, w float64, now int) {
	if c.lazy {
		c.activate(j, now)
	}
	c.ge[j] += w
}

// sync brings every idle neuron of a lazy population to step now.
func (c *condPop) sync(now int) {
	if !c.lazy {
		return
	}
	for j := range c.v {
		if !c.isAct[j] {
			if k := now - c.last[j]; k > 0 {
				c.v[j] = c.p.VRest + (c.v[j]-c.p.VRest)*math.Pow(c.e0, float64(k))
			}
			c.last[j] = now
		}
	}
}

// flush zeroes conductances below tiny. Dense populations call it now and
// then instead of testing every conductance at every step.
func (c *condPop) flush() {
	for j, x := range c.ge {
		if x < tiny {
			c.ge[j] = 0
		}
	}
	for j, x := range c.gi {
		if x < tiny {
			c.gi[j] = 0
		}
	}
}

// tiny is the conductance below which a decaying conductance is set to
// zero: its effect on v is then below tiny·τg/τm·|E−v| < 1e-10 mV. It lets
// an inhibitory neuron go idle and keeps subnormal numbers (~100× slower on
// x86) out of the loops.
const tiny = 1e-12

// slowUpdate is a neuron whose step needs math.Exp, with its step-mean
// conductances.
type slowUpdate struct {
	j    int32
	a, b float64
}

// step advances the population by the step now and returns the indices of
// the neurons that spiked, in increasing order (aliasing an internal
// buffer).
//
// For conductances ge(s) = ge·e^(−s/τge), gi(s) = gi·e^(−s/τgi) over the step,
// v is integrated exactly for their step means a = ce·ge, b = ci·gi:
//
//	g = 1 + a + b,  v∞ = (VRest + a·EExc + b·EInh)/g,  v' = v∞ + (v − v∞)·e^(−x),  x = g·dt/τm
//
// The loop makes no call (a call spills every float register in Go):
// e^(−x) is the Taylor series to x⁵ (relative error < x⁶/6! < 1.4e-9 for
// x < 0.1; ~1e-14 at the typical x ≈ 0.01), and the rarer larger x are
// deferred to a second loop that calls math.Exp.
func (c *condPop) step(now int) []int32 {
	c.spikes = c.spikes[:0]
	c.slow = c.slow[:0]
	if c.lazy {
		c.stepLazy(now)
	} else {
		c.stepDense()
	}
	if len(c.slow) > 0 {
		c.stepSlow()
	}
	if c.p.AdaptiveTheta && !c.frozen {
		c.thScale *= c.dTheta
		for _, j := range c.spikes {
			c.u[j] += c.p.ThetaPlus / c.thScale
		}
		if c.thScale < 0.5 {
			for j := range c.u {
				c.u[j] *= c.thScale
			}
			c.thScale = 1
		}
	}
	return c.spikes
}

// sortAct sorts a lazy population's active neurons where they may be out of order.
func (c *condPop) sortAct() {
	if c.actDirty {
		slices.Sort(c.act)
		c.actDirty = false
	}
}

// part returns a population for neurons lo … hi−1 of c with state of its own (load and
// store copy it from and to c) in isolated arrays, and c's parameters: disjoint parts step at
// once on different cores without sharing a cache line. Its indices are relative to lo.
func (c *condPop) part(lo, hi int) *condPop {
	w := hi - lo
	s := &new(pad.Padded[condPop]).V
	*s = condPop{
		p: c.p, de: c.de, di: c.di, ce: c.ce, ci: c.ci, dtTau: c.dtTau, dTheta: c.dTheta,
		thrBase: c.thrBase, e0: c.e0, xmax: c.xmax, euler: c.euler, refSteps: c.refSteps,
		holdAbove: c.holdAbove, lazy: c.lazy,
		v: pad.Isolated[float64](w, w), ge: pad.Isolated[float64](w, w), gi: pad.Isolated[float64](w, w), u: pad.Isolated[float64](w, w),
		ref: pad.Isolated[int32](w, w), spikes: pad.Isolated[int32](0, w), slow: pad.Isolated[slowUpdate](0, w),
	}
	if c.lazy {
		s.act, s.isAct, s.last = pad.Isolated[int32](0, w), pad.Isolated[bool](w, w), pad.Isolated[int](w, w)
	} else {
		k := &new(pad.Padded[condConsts]).V
		*k = *c.k
		s.k = k
		s.vold, s.as, s.bs = pad.Isolated[float64](w, w), pad.Isolated[float64](w, w), pad.Isolated[float64](w, w)
		s.flags = pad.Isolated[uint8]((w+3)/4, (w+3)/4)
	}
	return s
}

// load copies the state of neurons lo … of c into part s: potentials, conductances,
// thresholds (and their scale), refractory counts, the frozen flag, and a lazy population's
// idle clocks and active neurons (c's list, which the caller has sorted as c's next step
// would).
func (s *condPop) load(c *condPop, lo int) {
	hi := lo + len(s.v)
	copy(s.v, c.v[lo:hi])
	copy(s.ge, c.ge[lo:hi])
	copy(s.gi, c.gi[lo:hi])
	copy(s.u, c.u[lo:hi])
	copy(s.ref, c.ref[lo:hi])
	s.thScale, s.frozen = c.thScale, c.frozen
	if !c.lazy {
		return
	}
	copy(s.isAct, c.isAct[lo:hi])
	copy(s.last, c.last[lo:hi])
	s.act, s.actDirty = local(s.act, c.act, lo, hi), false
}

// store copies part s's state back into neurons lo … of c (load's converse but for the
// threshold scale and the active neurons, which c gathers from all its parts).
func (s *condPop) store(c *condPop, lo int) {
	hi := lo + len(s.v)
	copy(c.v[lo:hi], s.v)
	copy(c.ge[lo:hi], s.ge)
	copy(c.gi[lo:hi], s.gi)
	copy(c.u[lo:hi], s.u)
	copy(c.ref[lo:hi], s.ref)
	if c.lazy {
		copy(c.isAct[lo:hi], s.isAct)
		copy(c.last[lo:hi], s.last)
	}
}

// copyFrom copies the state of part o, of the same neurons, into part s.
func (s *condPop) copyFrom(o *condPop) {
	copy(s.v, o.v)
	copy(s.ge, o.ge)
	copy(s.gi, o.gi)
	copy(s.u, o.u)
	copy(s.ref, o.ref)
	s.thScale, s.frozen = o.thScale, o.frozen
	if s.lazy {
		copy(s.isAct, o.isAct)
		copy(s.last, o.last)
		s.act, s.actDirty = append(s.act[:0], o.act...), o.actDirty
	}
}

func (c *condPop) stepDense() {
	n := len(c.v)
	// Pass 1, vectorised (condStep): decays, potentials, and a flag for
	// every neuron that is refractory, needs math.Exp, or crossed its
	// threshold.
	c.k.ths = x4(c.thScale)
	condStep(c.k, c.v, c.ge, c.gi, c.u, c.ref, c.vold, c.as, c.bs, c.flags)
	// Pass 2: the flagged neurons only.
	spk := c.spikes[:0]
	for g, f := range c.flags[:(n+3)/4] {
		if f == 0 {
			continue
		}
		for l := range 4 {
			if f&(1<<l) == 0 {
				continue
			}
			j := 4*g + l
			if r := c.ref[j]; r > 0 {
				c.ref[j] = r - 1
				if r <= c.holdAbove {
					c.v[j] = c.integrate(c.vold[j], c.as[j], c.bs[j])
				}
				continue
			}
			a, b := c.as[j], c.bs[j]
			if c.dtTau*((1+a)+b) >= c.xmax {
				c.slow = append(c.slow, slowUpdate{int32(j), a, b})
				continue
			}
			// Above threshold: v holds the new potential.
			c.v[j] = c.p.VReset
			c.ref[j] = c.refSteps
			spk = append(spk, int32(j))
		}
	}
	c.spikes = spk
}

func (c *condPop) stepLazy(now int) {
	c.sortAct()
	p := &c.p
	v, ge, gi, ref := c.v, c.ge, c.gi, c.ref
	vrest, ee, ei, vreset := p.VRest, p.EExc, p.EInh, p.VReset
	ce, ci, de, di, dtTau, xmax, euler := c.ce, c.ci, c.de, c.di, c.dtTau, c.xmax, c.euler
	thr := c.thrBase
	keep := c.act[:0]
	for _, j := range c.act {
		a, b := ce*ge[j], ci*gi[j]
		gej, gij := ge[j]*de, gi[j]*di
		if gej < tiny {
			gej = 0
		}
		if gij < tiny {
			gij = 0
		}
		ge[j], gi[j] = gej, gij
		switch {
		case ref[j] > 0:
			if ref[j] <= c.holdAbove {
				v[j] = c.integrate(v[j], a, b)
			}
			ref[j]--
		case dtTau*(1+a+b) >= xmax:
			c.slow = append(c.slow, slowUpdate{j, a, b})
		default:
			g := 1 + a + b
			num := vrest + a*ee + b*ei
			var vj float64
			if euler {
				vj = eulerStep(v[j], num, g, dtTau)
			} else {
				x := dtTau * g
				x2 := x * x
				e := (1 - x) + x2*((0.5-x*(1.0/6))+x2*(1.0/24-x*(1.0/120)))
				vinf := num / g
				vj = vinf + (v[j]-vinf)*e
			}
			if vj > thr+c.theta(int(j)) {
				vj = vreset
				ref[j] = c.refSteps
				c.spikes = append(c.spikes, j)
			}
			v[j] = vj
		}
		if gej == 0 && gij == 0 && ref[j] == 0 {
			// Idle from the next step on: v is current at now+1 (a slow
			// neuron's v is updated below, still for this step).
			c.isAct[j] = false
			c.last[j] = now + 1
			continue
		}
		keep = append(keep, j)
	}
	c.act = keep
}

// integrate returns v after one step with step-mean conductances a, b (at
// the step's start with Euler), without threshold: the step of a
// refractory neuron whose v keeps integrating.
func (c *condPop) integrate(v, a, b float64) float64 {
	p := &c.p
	g := 1 + a + b
	x := c.dtTau * g
	var e float64
	switch {
	case x >= c.xmax:
		e = math.Exp(-x)
	case c.euler:
		return eulerStep(v, p.VRest+a*p.EExc+b*p.EInh, g, c.dtTau)
	default:
		x2 := x * x
		e = (1 - x) + x2*((0.5-x*(1.0/6))+x2*(1.0/24-x*(1.0/120)))
	}
	vinf := (p.VRest + a*p.EExc + b*p.EInh) / g
	return vinf + (v-vinf)*e
}

// eulerStep is forward Euler's v' = v + dt/τm·(num − g·v), num = VRest +
// a·EExc + b·EInh, g = 1 + a + b: Brian's v + dt/τm·((VRest − v) + a·(EExc −
// v) + b·(EInh − v)) without a division, as the dense kernel computes it.
func eulerStep(v, num, g, dtTau float64) float64 {
	return v + float64(dtTau*(num-float64(g*v)))
}

// stepSlow finishes the step of the neurons whose x needs math.Exp.
func (c *condPop) stepSlow() {
	p := &c.p
	n := len(c.spikes)
	for _, s := range c.slow {
		g := 1 + s.a + s.b
		vinf := (p.VRest + s.a*p.EExc + s.b*p.EInh) / g
		vj := vinf + (c.v[s.j]-vinf)*math.Exp(-c.dtTau*g)
		if vj > c.thrBase+c.theta(int(s.j)) {
			vj = p.VReset
			c.ref[s.j] = c.refSteps
			c.spikes = append(c.spikes, s.j)
		}
		c.v[s.j] = vj
	}
	if len(c.spikes) > n && n > 0 {
		slices.Sort(c.spikes) // keep spikes in index order
	}
}

// quiet reports whether the population's future, without input, is a pure
// relaxation to rest: no conductance above eps, no neuron refractory.
func (c *condPop) quiet(eps float64) bool {
	for j := range c.v {
		if c.ge[j] > eps || c.gi[j] > eps || c.ref[j] > 0 {
			return false
		}
	}
	return true
}

// relax advances a quiet population from step now by n steps in closed
// form (the neglected conductances, below the quiet eps, are zeroed).
func (c *condPop) relax(now, n int) {
	c.sync(now)
	k := math.Pow(c.e0, float64(n))
	for j := range c.v {
		c.v[j] = c.p.VRest + (c.v[j]-c.p.VRest)*k
		c.ge[j] = 0
		c.gi[j] = 0
	}
	if c.lazy {
		for _, j := range c.act {
			c.isAct[j] = false
		}
		c.act = c.act[:0]
		for j := range c.last {
			c.last[j] = now + n
		}
	}
	if c.p.AdaptiveTheta && !c.frozen {
		c.thScale *= math.Pow(c.dTheta, float64(n))
	}
}
