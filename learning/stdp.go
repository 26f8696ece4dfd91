package learning

import (
	"fmt"
	"math"

	"github.com/nanospike/nanospike/network"
)

// Programmable is what the STDP rule needs of the array holding the
// input→excitatory weights: read stored weights and program them by
// pulses. *device.Array implements it, and so does Float (the ideal float
// rule).
type Programmable interface {
	network.Synapses
	Weight(i, j int) float64
	WeightsTo(dst []float64) []float64
	Program(i, j int, pulses float64)
	PulsesFor(dw float64) float64
}

// STDPRule holds the constants of Diehl & Cook's trace rule. Times in ms.
type STDPRule struct {
	NuPre    float64 `json:"nu_pre"`     // depression per pre spike, × post1; default 1e-4
	NuPost   float64 `json:"nu_post"`    // potentiation per post spike, × pre × post2; default 1e-2
	TauPre   float64 `json:"tau_pre_ms"` // default 20
	TauPost1 float64 `json:"tau_post1_ms"`
	TauPost2 float64 `json:"tau_post2_ms"`
	// Norm is the sum every neuron's input weights are rescaled to before
	// each presentation; default 78. 0 turns normalisation off.
	Norm float64 `json:"norm"`
	// Cut drops a trace from the rule's active set once it has decayed
	// below Cut (its contribution to Δw is then below NuPost·Cut); default
	// 1e-7. Without it every pre spike would touch all N columns.
	Cut float64 `json:"trace_cut"`
}

// DefaultSTDPRule returns Diehl & Cook 2015's constants.
func DefaultSTDPRule() STDPRule {
	return STDPRule{NuPre: 1e-4, NuPost: 1e-2, TauPre: 20, TauPost1: 20, TauPost2: 40, Norm: 78, Cut: 1e-7}
}

// Validate reports the first invalid constant.
func (r STDPRule) Validate() error {
	for _, f := range []struct {
		name string
		v    float64
		pos  bool
	}{
		{"nu_pre", r.NuPre, false}, {"nu_post", r.NuPost, false}, {"tau_pre_ms", r.TauPre, true},
		{"tau_post1_ms", r.TauPost1, true}, {"tau_post2_ms", r.TauPost2, true}, {"norm", r.Norm, false},
		{"trace_cut", r.Cut, false},
	} {
		if math.IsNaN(f.v) || math.IsInf(f.v, 0) || f.v < 0 || (f.pos && f.v == 0) {
			return fmt.Errorf("learning: STDP rule: %s must be a finite number %s, got %v", f.name, map[bool]string{true: "> 0", false: "≥ 0"}[f.pos], f.v)
		}
	}
	return nil
}

// trace is a set of exponentially decaying traces, one per neuron, decayed
// lazily: the value of trace k at step s is v[k]·exp(−(s − at[k])·dt/τ).
// active lists the neurons whose trace may still exceed the cut.
type trace struct {
	V      []float64 `json:"v"`
	At     []int     `json:"at"`
	Active []int32   `json:"active"`
	on     []bool
	decay  []float64 // decay[n] = exp(−n·dt/τ) for small n
	k      float64   // dt/τ
}

func newTrace(n int, dt, tau float64) trace {
	t := trace{V: make([]float64, n), At: make([]int, n), on: make([]bool, n), k: dt / tau}
	t.decay = make([]float64, 2048)
	for i := range t.decay {
		t.decay[i] = math.Exp(-float64(i) * t.k)
	}
	return t
}

// at returns trace k at step s.
func (t *trace) at(k int32, s int) float64 {
	v := t.V[k]
	if v == 0 {
		return 0
	}
	d := s - t.At[k]
	if d < len(t.decay) {
		return v * t.decay[d]
	}
	return v * math.Exp(-float64(d)*t.k)
}

// set sets trace k to 1 at step s (Diehl & Cook set traces to 1, they do
// not add).
func (t *trace) set(k int32, s int) {
	t.V[k], t.At[k] = 1, s
	if !t.on[k] {
		t.on[k] = true
		t.Active = append(t.Active, k)
	}
}

// prune drops the traces that have decayed below cut by step s.
func (t *trace) prune(s int, cut float64) {
	keep := t.Active[:0]
	for _, k := range t.Active {
		if t.at(k, s) >= cut {
			keep = append(keep, k)
			continue
		}
		t.V[k], t.on[k] = 0, false
	}
	t.Active = keep
}

// restore rebuilds the derived fields after decoding.
func (t *trace) restore() {
	for i := range t.on {
		t.on[i] = false
	}
	for _, k := range t.Active {
		t.on[k] = true
	}
}

// STDP is Diehl & Cook's trace rule acting on a Programmable array. It
// implements network.Plasticity and network.PresentationHooks:
//
//	pre spike of input i:      w_ij −= ν_pre · x_post1,j          for every j
//	post spike of neuron j:    w_ij += ν_post · x_pre,i · x_post2,j (x_post2 read before it is set)
//	then the spiking side's traces are set to 1; traces decay as exp(−t/τ).
//	before each presentation:  w_ij ← w_ij · Norm / Σ_i w_ij
//
// Every Δw is carried out as pulses on the device, PulsesFor(Δw), whose
// fraction is rounded stochastically by the device; the bounds [0, WMax]
// are the device's own. Normalisation is programmed too: it reads the stored
// weights (counted in NormReads) and applies Δw = w·(Norm/Σw − 1).
//
// Only traces above Cut are visited (the others add less than ν·Cut), so a
// pre spike touches the columns of recently active neurons only, not all N.
// An STDP is not safe for concurrent use; the network calls it from the
// goroutine that owns the array.
type STDP struct {
	rule      STDPRule
	syn       Programmable
	pre       trace
	post1     trace
	post2     trace
	w         []float64
	sums      []float64
	NormReads uint64  // stored-weight reads made by normalisation
	NormWSum  float64 // Σ of the weights those reads returned (for their read energy)
	Enabled   bool    // false: Step and the hooks do nothing
}

// NewSTDP returns the rule on syn with time step dt (ms). It panics if the
// rule is invalid (call Validate first).
func NewSTDP(rule STDPRule, syn Programmable, dt float64) *STDP {
	if err := rule.Validate(); err != nil {
		panic(err.Error())
	}
	return &STDP{
		rule: rule, syn: syn, Enabled: true,
		pre:   newTrace(syn.Rows(), dt, rule.TauPre),
		post1: newTrace(syn.Cols(), dt, rule.TauPost1),
		post2: newTrace(syn.Cols(), dt, rule.TauPost2),
		w:     make([]float64, syn.Rows()*syn.Cols()),
		sums:  make([]float64, syn.Cols()),
	}
}

// Step applies the rule to the spikes of one step.
func (r *STDP) Step(step int, pre, post []int32) {
	if !r.Enabled {
		return
	}
	syn := r.syn
	if len(pre) > 0 && len(r.post1.Active) > 0 {
		for _, i := range pre {
			for _, j := range r.post1.Active {
				if x := r.post1.at(j, step); x > 0 {
					syn.Program(int(i), int(j), syn.PulsesFor(-r.rule.NuPre*x))
				}
			}
		}
	}
	for _, i := range pre {
		r.pre.set(i, step)
	}
	for _, j := range post {
		x2 := r.post2.at(j, step)
		if x2 > 0 {
			for _, i := range r.pre.Active {
				if x := r.pre.at(i, step); x > 0 {
					syn.Program(int(i), int(j), syn.PulsesFor(r.rule.NuPost*x*x2))
				}
			}
		}
		r.post1.set(j, step)
		r.post2.set(j, step)
	}
}

// BeginPresentation prunes decayed traces and normalises the weights.
func (r *STDP) BeginPresentation(step int) {
	if !r.Enabled {
		return
	}
	cut := r.rule.Cut
	r.pre.prune(step, cut)
	r.post1.prune(step, cut)
	r.post2.prune(step, cut)
	if r.rule.Norm > 0 {
		r.normalise()
	}
}

// EndPresentation does nothing; it completes network.PresentationHooks.
func (r *STDP) EndPresentation(int) {}

func (r *STDP) normalise() {
	rows, cols := r.syn.Rows(), r.syn.Cols()
	w := r.syn.WeightsTo(r.w)
	r.NormReads += uint64(len(w))
	total := 0.0
	sums := r.sums
	clear(sums)
	for i := range rows {
		for j, x := range w[i*cols : (i+1)*cols] {
			sums[j] += x
		}
	}
	for j, s := range sums {
		total += s
		if s > 0 {
			sums[j] = r.rule.Norm/s - 1
		}
	}
	r.NormWSum += total
	for i := range rows {
		for j, x := range w[i*cols : (i+1)*cols] {
			if f := sums[j]; f != 0 && x != 0 {
				r.syn.Program(i, j, r.syn.PulsesFor(x*f))
			}
		}
	}
}

// stdpState is the serialisable state of the rule.
type stdpState struct {
	Pre, Post1, Post2 trace
	NormReads         uint64
	NormWSum          float64
}

func (r *STDP) state() stdpState {
	cp := func(t trace) trace {
		return trace{V: append([]float64(nil), t.V...), At: append([]int(nil), t.At...), Active: append([]int32{}, t.Active...)}
	}
	return stdpState{Pre: cp(r.pre), Post1: cp(r.post1), Post2: cp(r.post2), NormReads: r.NormReads, NormWSum: r.NormWSum}
}

func (r *STDP) setState(s stdpState) error {
	for _, x := range []struct {
		name string
		dst  *trace
		src  trace
	}{{"pre", &r.pre, s.Pre}, {"post1", &r.post1, s.Post1}, {"post2", &r.post2, s.Post2}} {
		if len(x.src.V) != len(x.dst.V) || len(x.src.At) != len(x.dst.At) {
			return fmt.Errorf("learning: STDP state: %s trace has %d values, want %d", x.name, len(x.src.V), len(x.dst.V))
		}
		for _, k := range x.src.Active {
			if k < 0 || int(k) >= len(x.dst.V) {
				return fmt.Errorf("learning: STDP state: %s trace: neuron %d out of range", x.name, k)
			}
		}
		copy(x.dst.V, x.src.V)
		copy(x.dst.At, x.src.At)
		x.dst.Active = append(x.dst.Active[:0], x.src.Active...)
		x.dst.restore()
	}
	r.NormReads, r.NormWSum = s.NormReads, s.NormWSum
	return nil
}
