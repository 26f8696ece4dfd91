package learning

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/internal/pad"
	"github.com/nanospike/nanospike/network"
)

// Programmable is what the STDP rule needs of the array holding the
// input→excitatory weights: its shape, the stored weights (WeightsTo writes
// them row-major into dst, allocated if short, and returns it; no noise, not
// counted), and Program, which carries out a batch of weight changes in
// order: the updates of one post spike (a column), of one row by
// normalisation, or of one step's arrivals (scattered). *device.Array
// implements it, and so does Float (the ideal float rule, whose changes the
// rule also makes itself, in the same order: float.go's add).
type Programmable interface {
	Rows() int
	Cols() int
	WeightsTo(dst []float64) []float64
	Program(b *device.Batch)
}

// Synapses is the array of an STDP model: read by the network on every
// input spike and programmed by the rule. *device.Array and Float implement
// it.
type Synapses interface {
	network.Synapses
	Programmable
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
	// Timing says when a pre-synaptic spike acts on the rule when the
	// input→excitatory synapses have delays (DC.Delays; without delays the
	// two are the same): TimingArrival (Brian's STDP on a delayed
	// connection, as in Diehl & Cook's code: the depression w −= ν_pre·x_post1
	// and the synapse's pre trace happen when the spike reaches the synapse,
	// d_ij after emission) or TimingEmission (at emission, one pre trace per
	// input). "" means TimingArrival.
	Timing string `json:"timing,omitempty"`
	// ClipNorm clips the float rule's normalised weights to [0, WMax] at
	// once. Diehl & Cook's code does not (see STDP.normaliseFloat); device
	// arrays always stay within their bounds.
	ClipNorm bool `json:"clip_norm,omitempty"`
	// Programming is how a Δw becomes a pulse count on a device array:
	// ProgrammingNominal (NeuroSim's open loop, Δw/WMax·Pmax pulses
	// whatever the device's state) or ProgrammingModel (the count that
	// moves the preset's nominal curve by Δw from the device's present
	// conductance: device.Batch.Model). "" means nominal.
	Programming string `json:"programming,omitempty"`
	// Normalise is how each neuron's summed input is held at Norm: "program" (Diehl &
	// Cook: every weight rescaled before each presentation, on devices by programming
	// pulses; the default, also "") or "gain" (the devices are left alone; the read-out
	// circuit of neuron j scales its input by Norm / Σ_i w_ij, set before each presentation).
	Normalise string `json:"normalise,omitempty"`
}

// Normalisation modes (STDPRule.Normalise).
const (
	NormaliseProgram = "program"
	NormaliseGain    = "gain"
)

// Programmings of STDPRule.Programming.
const (
	ProgrammingNominal = "nominal"
	ProgrammingModel   = "model"
)

// Timings of STDPRule.Timing.
const (
	TimingArrival  = "arrival"
	TimingEmission = "emission"
)

// DefaultSTDPRule returns Diehl & Cook 2015's constants.
func DefaultSTDPRule() STDPRule {
	return STDPRule{NuPre: 1e-4, NuPost: 1e-2, TauPre: 20, TauPost1: 20, TauPost2: 40, Norm: 78, Cut: 1e-7, Timing: TimingArrival}
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
	if r.Programming != "" && r.Programming != ProgrammingNominal && r.Programming != ProgrammingModel {
		return fmt.Errorf("learning: STDP rule: programming must be %q or %q, got %q", ProgrammingNominal, ProgrammingModel, r.Programming)
	}
	if r.Normalise != "" && r.Normalise != NormaliseProgram && r.Normalise != NormaliseGain {
		return fmt.Errorf("learning: STDP rule: normalise must be %q or %q, got %q", NormaliseProgram, NormaliseGain, r.Normalise)
	}
	if r.Timing != "" && r.Timing != TimingArrival && r.Timing != TimingEmission {
		return fmt.Errorf("learning: STDP rule: timing must be %q or %q, got %q", TimingArrival, TimingEmission, r.Timing)
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
	if d < 0 {
		return v
	}
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

// prune drops the traces that have decayed below cut by step s (for the
// pre trace under arrival timing, s is lowered by the largest delay).
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
// With input delays d_ij and Timing arrival (the default, as Brian's STDP on
// Diehl & Cook's delayed connection), a pre spike acts when it reaches the
// synapse: the depression reads x_post1,j at emission + d_ij, and the pre
// trace of synapse ij restarts at 1 on each arrival (SetDelays).
//
// Every Δw is carried out as pulses on the device (device.Array.Program),
// whose fraction is rounded stochastically by the device; the bounds
// [0, WMax] are the device's own. Normalisation is programmed too: it reads
// the stored weights (counted in NormReads) and applies Δw = w·(Norm/Σw − 1).
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
	// setGain receives the input gains in NormaliseGain mode (SetGainSink).
	setGain func([]float64)

	// Arrival timing (SetDelays): delays d_ij in steps (column-major: j·Rows + i), the last histLen
	// emission steps of every input (newest at hist[i·histLen + hpos[i]]),
	// and the spikes emitted in the last maxDelay steps, whose arrivals may
	// still be ahead.
	delays   []uint8
	maxDelay int
	overMax  *Float // the float weights, while normalisation left some above WMax
	hist     []int
	hpos     []uint8
	pending  []pendingSpike // mostly in pendArr, after the room of those dropped (dropArrived)
	pendArr  []pendingSpike
	// wheel[s mod (maxDelay+1)] holds the depressions due at step s: the
	// arrivals (i, j) of the spikes in flight at the neurons j whose post1
	// trace is on. wheelAt is the last step processed (−1: none).
	wheel   [][]arrival
	wheelAt int
	// b is the batch being built (its slices reused from call to call; its
	// Model says how the array counts pulses); x1j are the neurons of
	// post1.Active with x_post1 > 0 at this step and x1 their depression.
	b   device.Batch
	x1j []int32
	x1  []float64

	// Column ranges (stdpsplit.go): the parts while split, their first columns, and, in
	// a part, where normalisation leaves its column sums (its columns of the whole's colSum)
	// and whether it did.
	parts      []*STDP
	partLo     []int
	colParts   []network.ColumnPart // the parts as ColumnParts returns them
	colSum     []float64
	normalised bool
}

// batch empties r.b and starts it as a batch of the given shape and line.
func (r *STDP) batch(shape device.Shape, line int) *device.Batch {
	b := &r.b
	b.Shape, b.Line, b.Index, b.DW = shape, line, b.Index[:0], b.DW[:0]
	return b
}

// histLen emission times are kept per input: the latest arrival at a
// synapse with delay d ≤ maxDelay is among them unless the input fired more
// than histLen times within d (above 1.6 kHz at Diehl & Cook's 10 ms).
const histLen = 16

// noSpike marks an empty history slot: its arrival is long past any trace.
const noSpike = math.MinInt32

// pendingSpike is a pre-synaptic spike on its way to the synapses.
type pendingSpike struct {
	I    int32
	Step int
}

// arrival is a depression due: input I's spike reaching neuron J.
type arrival struct{ I, J int32 }

// NewSTDP returns the rule on syn with time step dt (ms). It panics if the
// rule is invalid (call Validate first).
func NewSTDP(rule STDPRule, syn Programmable, dt float64) *STDP {
	if err := rule.Validate(); err != nil {
		panic(err.Error())
	}
	r := &STDP{
		rule: rule, syn: syn, Enabled: true,
		pre:   newTrace(syn.Rows(), dt, rule.TauPre),
		post1: newTrace(syn.Cols(), dt, rule.TauPost1),
		post2: newTrace(syn.Cols(), dt, rule.TauPost2),
		w:     make([]float64, syn.Rows()*syn.Cols()),
		sums:  make([]float64, syn.Cols()),
	}
	r.b.Model = rule.Programming == ProgrammingModel
	return r
}

// SetDelays selects arrival timing (if the rule's Timing is arrival) for
// input→excitatory delays d (steps, row-major i·Cols + j, as DC.Delays; nil:
// no delays). It resets the rule's record of spikes in flight.
func (r *STDP) SetDelays(d []uint8) {
	r.delays, r.maxDelay, r.hist, r.hpos, r.pending = nil, 0, nil, nil, nil
	r.wheel, r.wheelAt = nil, -1
	if d == nil || r.rule.Timing == TimingEmission {
		return
	}
	if len(d) != r.syn.Rows()*r.syn.Cols() {
		panic(fmt.Sprintf("learning: STDP.SetDelays: %d delays for %d×%d synapses", len(d), r.syn.Rows(), r.syn.Cols()))
	}
	for _, x := range d {
		r.maxDelay = max(r.maxDelay, int(x))
	}
	if r.maxDelay == 0 {
		return
	}
	// Column by column: a neuron's synapses are read together (the arrivals booked for
	// its spikes in flight, its potentiation), and a part of the rule on a range of columns
	// (stdpsplit.go) is a slice of them.
	rows, cols := r.syn.Rows(), r.syn.Cols()
	r.delays = make([]uint8, len(d))
	for i := range rows {
		for j, x := range d[i*cols : (i+1)*cols] {
			r.delays[j*rows+i] = x
		}
	}
	r.hist = make([]int, r.syn.Rows()*histLen)
	for k := range r.hist {
		r.hist[k] = noSpike
	}
	r.hpos = make([]uint8, r.syn.Rows())
	r.wheel = make([][]arrival, r.maxDelay+1)
	r.wheelAt = -1
}

// Step applies the rule to the spikes of one step: pre are the inputs that
// emitted a spike at this step, post the neurons that fired.
func (r *STDP) Step(step int, pre, post []int32) {
	if !r.Enabled {
		return
	}
	if r.overMax != nil && (len(pre) > 0 || len(post) > 0) {
		r.clipEvents(pre, post)
	}
	if r.delays != nil {
		r.stepArrival(step, pre, post)
		return
	}
	if len(pre) > 0 && len(r.post1.Active) > 0 {
		// The neurons with a post1 trace and their Δw, once for all of the step's pre spikes.
		js, dws := r.x1j[:0], r.x1[:0]
		for _, j := range r.post1.Active {
			if x := r.post1.at(j, step); x > 0 {
				js, dws = append(js, j), append(dws, -r.rule.NuPre*x)
			}
		}
		r.x1j, r.x1 = js, dws
		n := int32(r.syn.Cols())
		b := r.batch(device.Scattered, 0)
		for _, i := range pre {
			for m, j := range js {
				b.Index = append(b.Index, i*n+j)
				b.DW = append(b.DW, dws[m])
			}
		}
		r.syn.Program(b)
	}
	for _, i := range pre {
		r.pre.set(i, step)
	}
	for _, j := range post {
		x2 := r.post2.at(j, step)
		if x2 > 0 {
			b := r.batch(device.InColumn, int(j))
			for _, i := range r.pre.Active {
				if x := r.pre.at(i, step); x > 0 {
					b.Index = append(b.Index, i)
					b.DW = append(b.DW, r.rule.NuPost*x*x2)
				}
			}
			r.syn.Program(b)
		}
		r.post1.set(j, step)
		r.post2.set(j, step)
	}
}

// stepArrival is Step with arrival timing, in Brian's order: the spikes
// arriving at this step (those emitted now with zero delay included) set
// their synapses' pre traces and depress, w_ij −= ν_pre·x_post1,j; then each
// post spike potentiates w_ij += ν_post·x_pre,ij·x_post2,j, where x_pre,ij
// decays from the latest arrival at synapse ij, and sets the post traces.
//
// A depression is scheduled, not searched for: an input spike books its
// arrival at every neuron whose post1 trace is on, on the wheel slot of its
// arrival step, and a neuron whose trace comes on books the arrivals still
// ahead of the spikes in flight. So a step costs the arrivals that depress,
// not (spikes in flight) × (neurons).
func (r *STDP) stepArrival(step int, pre, post []int32) {
	n := r.syn.Cols()
	rows := r.syn.Rows()
	r.turnWheel(step)
	// book without its division: every delay is ≤ maxDelay < len(wheel), so the slot of
	// step + d is base + d, less one turn of the wheel if it passes the end.
	wheel := r.wheel
	base := step % len(wheel)
	for _, i := range pre {
		r.emit(i, step)
		for _, j := range r.post1.Active {
			s := base + int(r.delays[int(j)*rows+int(i)])
			if s >= len(wheel) {
				s -= len(wheel)
			}
			wheel[s] = append(wheel[s], arrival{i, j})
		}
	}
	r.depress(step)
	r.dropArrived(step)
	f, _ := r.syn.(*Float)
	for _, j := range post {
		if x2 := r.post2.at(j, step); x2 > 0 {
			var b *device.Batch
			if f == nil {
				b = r.batch(device.InColumn, int(j))
			}
			for _, i := range r.pre.Active {
				if x := r.preAt(i, int(j), step); x > 0 {
					change(f, b, int(i)*n+int(j), i, r.rule.NuPost*x*x2)
				}
			}
			if b != nil {
				r.syn.Program(b)
			}
		}
		if !r.post1.on[j] {
			// Its trace comes on: book the arrivals still ahead.
			for _, ps := range r.pending {
				if at := ps.Step + int(r.delays[int(j)*rows+int(ps.I)]); at > step {
					r.book(at, ps.I, j)
				}
			}
		}
		r.post1.set(j, step)
		r.post2.set(j, step)
	}
}

// emit records input i's spike at step: its history, its pre trace and its
// place among the spikes in flight.
func (r *STDP) emit(i int32, step int) {
	p := (int(r.hpos[i]) + 1) % histLen
	r.hpos[i] = uint8(p)
	r.hist[int(i)*histLen+p] = step
	r.pre.set(i, step)
	if len(r.pending) == cap(r.pending) {
		r.compactPending()
	}
	r.pending = append(r.pending, pendingSpike{i, step})
}

// compactPending moves the spikes in flight to the start of pendArr, if the room of those
// dropped before them is at least as large, or else to a new pendArr of twice their number
// (at least pendRoom, isolated: a part of a split rule writes it at every step): each step
// drops a few from the front and appends a few, at a cost that does not grow with the
// number in flight.
func (r *STDP) compactPending() {
	n := len(r.pending)
	if cap(r.pendArr) < 2*n || r.pendArr == nil {
		r.pendArr = pad.Isolated[pendingSpike](max(2*n, pendRoom), max(2*n, pendRoom))
	}
	r.pending = r.pendArr[:copy(r.pendArr, r.pending)]
}

// pendRoom is the fewest spikes in flight a new array of them holds.
const pendRoom = 1024

// dropArrived forgets the spikes in flight that have reached every synapse
// by step (no arrival of theirs lies ahead). pending is in emission order
// (setState refuses any other), so they are a prefix.
func (r *STDP) dropArrived(step int) {
	k := 0
	for k < len(r.pending) && step-r.pending[k].Step >= r.maxDelay {
		k++
	}
	r.pending = r.pending[k:]
}

// book schedules the arrival of input i's spike at neuron j at step at.
func (r *STDP) book(at int, i, j int32) {
	s := at % len(r.wheel)
	r.wheel[s] = append(r.wheel[s], arrival{i, j})
}

// turnWheel drops the arrivals of the steps skipped since the last call
// (a rest relaxed in closed form): Brian's synapses never see them.
func (r *STDP) turnWheel(step int) {
	if r.wheelAt >= 0 && step != r.wheelAt+1 {
		gap := step - r.wheelAt - 1
		if gap < 0 || gap >= len(r.wheel) {
			gap = len(r.wheel)
		}
		for k := 1; k <= gap; k++ {
			s := (r.wheelAt + k) % len(r.wheel)
			r.wheel[s] = r.wheel[s][:0]
		}
	}
	r.wheelAt = step
}

// depress carries out the depressions due at step, in booking order: in one
// Program call, or on a Float one by one.
func (r *STDP) depress(step int) {
	s := step % len(r.wheel)
	due := r.wheel[s]
	n := int32(r.syn.Cols())
	f, _ := r.syn.(*Float)
	var b *device.Batch
	if f == nil {
		b = r.batch(device.Scattered, 0)
	}
	for _, a := range due {
		if x := r.post1.at(a.J, step); x > 0 {
			change(f, b, int(a.I*n+a.J), a.I*n+a.J, -r.rule.NuPre*x)
		}
	}
	if b != nil && len(b.Index) > 0 {
		r.syn.Program(b)
	}
	r.wheel[s] = due[:0]
}

// change makes the weight change dw of synapse k (index bi in batch b): on the float
// weights f at once, with Program's arithmetic (f.add), or else into b for Program.
func change(f *Float, b *device.Batch, k int, bi int32, dw float64) {
	if f != nil {
		f.add(k, dw)
		return
	}
	b.Index = append(b.Index, bi)
	b.DW = append(b.DW, dw)
}

// pruneWheel drops the booked arrivals at neurons whose post1 trace went
// off (a neuron that comes on again books them anew).
func (r *STDP) pruneWheel() {
	for s, due := range r.wheel {
		keep := due[:0]
		for _, a := range due {
			if r.post1.on[a.J] {
				keep = append(keep, a)
			}
		}
		r.wheel[s] = keep
	}
}

// preAt returns the pre trace of synapse ij at step s: 1 at the latest
// arrival (emission + d_ij) not after s, decaying since.
func (r *STDP) preAt(i int32, j, s int) float64 {
	last := s - int(r.delays[j*r.syn.Rows()+int(i)]) // latest emission that has arrived
	h := r.hist[int(i)*histLen : int(i)*histLen+histLen]
	p := int(r.hpos[i])
	for range histLen {
		e := h[p]
		if e == noSpike {
			return 0
		}
		if e <= last {
			k := last - e
			if k < len(r.pre.decay) {
				return r.pre.decay[k]
			}
			return math.Exp(-float64(k) * r.pre.k)
		}
		p = (p + histLen - 1) % histLen
	}
	return 0
}

// BeginPresentation prunes decayed traces and normalises the weights.
func (r *STDP) BeginPresentation(step int) {
	if !r.Enabled {
		return
	}
	cut := r.rule.Cut
	// Under arrival timing a pre trace starts up to maxDelay after its
	// emission.
	r.pre.prune(step-r.maxDelay, cut)
	r.post1.prune(step, cut)
	r.post2.prune(step, cut)
	if r.wheel != nil {
		r.pruneWheel()
	}
	if r.rule.Norm > 0 {
		if r.rule.Normalise == NormaliseGain {
			r.UpdateGain()
			return
		}
		r.normalise()
	}
}

// SetGainSink sets where NormaliseGain mode sends the input gains (the network's
// SetInputGain).
func (r *STDP) SetGainSink(f func([]float64)) { r.setGain = f }

// UpdateGain reads the stored weights (counted as normalisation reads) and sends each
// neuron's input gain Norm / Σ_i w_ij (1 for an empty column) to the gain sink. It does
// nothing outside NormaliseGain mode.
func (r *STDP) UpdateGain() {
	if r.rule.Normalise != NormaliseGain || r.rule.Norm <= 0 || r.setGain == nil {
		return
	}
	r.setGain(r.normFactors(r.syn.WeightsTo(r.w)))
}

// normFactors reads the weights w (row-major, counted as normalisation reads) and returns, in
// r.sums, each column's factor Norm / Σ_i w_ij (1 for an empty column).
func (r *STDP) normFactors(w []float64) []float64 {
	r.NormReads += uint64(len(w))
	cols := r.syn.Cols()
	sums := r.sums
	clear(sums)
	for i := 0; i < len(w); i += cols {
		for j, x := range w[i : i+cols] {
			sums[j] += x
		}
	}
	if r.colSum != nil {
		// A part: the whole adds the sums up in column order (GatherColumns).
		copy(r.colSum, sums)
		r.normalised = true
	} else {
		for _, s := range sums {
			r.NormWSum += s
		}
	}
	for j, s := range sums {
		sums[j] = 1
		if s > 0 {
			sums[j] = r.rule.Norm / s
		}
	}
	return sums
}

// Freeze ends training: it normalises the weights once more, as the next
// presentation would have, so that the frozen network is evaluated with every
// column at Norm and not with the last image's unnormalised potentiation (a
// neuron that won the last image can leave it with a column sum 20–90 % above
// Norm and then win every test image). On a device array a pass programs
// pulses and lands near Norm only; it is repeated, at most freezePasses times,
// until every column sum is within 1 % of Norm.
func (r *STDP) Freeze() {
	if !r.Enabled || r.rule.Norm <= 0 {
		return
	}
	if r.rule.Normalise == NormaliseGain {
		r.UpdateGain()
		return
	}
	for range freezePasses {
		r.normalise()
		if _, ok := r.syn.(*Float); ok {
			return
		}
		w := r.syn.WeightsTo(r.w)
		r.NormReads += uint64(len(w))
		cols := r.syn.Cols()
		clear(r.sums)
		for k, x := range w {
			r.sums[k%cols] += x
		}
		ok := true
		for _, s := range r.sums {
			r.NormWSum += s
			ok = ok && math.Abs(s-r.rule.Norm) <= 0.01*r.rule.Norm
		}
		if ok {
			return
		}
	}
}

// freezePasses bounds Freeze's normalisation passes.
const freezePasses = 8

// EndPresentation does nothing; it completes network.PresentationHooks.
func (r *STDP) EndPresentation(int) {}

func (r *STDP) normalise() {
	rows, cols := r.syn.Rows(), r.syn.Cols()
	if f, ok := r.syn.(*Float); ok && !r.rule.ClipNorm {
		r.normaliseFloat(f)
		return
	}
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
	b := r.batch(device.InRow, 0)
	for range cols {
		b.DW = append(b.DW, 0)
	}
	// A zero Δw (x = 0, or f = 0) is skipped by Program.
	for i := range rows {
		b.Line = i
		for j, x := range w[i*cols : (i+1)*cols] {
			b.DW[j] = x * sums[j]
		}
		r.syn.Program(b)
	}
}

// normaliseFloat rescales the float weights as Diehl & Cook's code does
// (connection[:, j] *= 78/colSum), without clipping: a weight that this
// lifts above WMax keeps its value, and acts with it, until the next STDP
// update of its synapse clips it (Brian clips at every pre/post event). A
// neuron with a narrow receptive field (a "1") thus keeps its summed input
// 78 at the start of each presentation instead of losing the clipped part.
func (r *STDP) normaliseFloat(f *Float) {
	rows, cols := f.Rows(), f.Cols()
	sums := r.normFactors(f.W)
	r.overMax = nil
	for i := range rows {
		row := f.W[i*cols : (i+1)*cols]
		for j, fj := range sums[:len(row)] {
			row[j] *= fj
			if row[j] > f.WMax {
				r.overMax = f
			}
		}
	}
}

// clipEvents clips to WMax the weights that Brian's pre/post code would
// clip at these events (it clips every synapse of a spiking input or
// neuron), needed only while normalisation has left weights above WMax: the
// row of each input spike (at emission: the network has already read the
// row for this spike, so it delivers the unclipped weight as Brian does),
// the column of each post spike.
func (r *STDP) clipEvents(pre, post []int32) {
	f := r.overMax
	cols := f.Cols()
	for _, i := range pre {
		row := f.W[int(i)*cols : int(i)*cols+cols]
		for j, w := range row {
			if w > f.WMax {
				row[j] = f.WMax
			}
		}
	}
	for _, j := range post {
		for k := int(j); k < len(f.W); k += cols {
			if f.W[k] > f.WMax {
				f.W[k] = f.WMax
			}
		}
	}
}

// stdpState is the serialisable state of the rule.
type stdpState struct {
	Pre, Post1, Post2 trace
	NormReads         uint64
	NormWSum          float64
	Hist              []int // arrival timing
	HPos              []uint8
	Pending           []pendingSpike
	// The booked arrivals in step order, and the last step processed
	// (states saved before the wheel have neither: their spikes in flight,
	// saved between presentations, could no longer arrive).
	Wheel   []bookedArrival
	WheelAt *int
}

// bookedArrival is an arrival of the wheel with its step.
type bookedArrival struct {
	At   int
	I, J int32
}

func (r *STDP) state() stdpState {
	if r.parts != nil {
		r.sync() // the whole as the parts have it
	}
	cp := func(t trace) trace {
		return trace{V: append([]float64(nil), t.V...), At: append([]int(nil), t.At...), Active: append([]int32{}, t.Active...)}
	}
	st := stdpState{Pre: cp(r.pre), Post1: cp(r.post1), Post2: cp(r.post2), NormReads: r.NormReads, NormWSum: r.NormWSum,
		Hist: append([]int(nil), r.hist...), HPos: append([]uint8(nil), r.hpos...), Pending: append([]pendingSpike(nil), r.pending...)}
	if r.wheel != nil {
		at := r.wheelAt
		st.WheelAt = &at
		for k := 1; k < len(r.wheel); k++ {
			s := r.wheelAt + k
			for _, a := range r.wheel[((s%len(r.wheel))+len(r.wheel))%len(r.wheel)] {
				st.Wheel = append(st.Wheel, bookedArrival{s, a.I, a.J})
			}
		}
	}
	if _, ok := r.syn.(*Float); ok {
		// On a Float the order of the active traces and of a step's booked arrivals changes
		// nothing (each arrival changes its own weight, exactly), and it depends on how the
		// columns were cut (stdpsplit.go): saved in one order, a model is the same bytes for
		// any cut. A device array's order is that of its programming and stays.
		slices.Sort(st.Post1.Active)
		slices.Sort(st.Post2.Active)
		slices.SortStableFunc(st.Wheel, func(a, b bookedArrival) int {
			return cmp.Or(cmp.Compare(a.At, b.At), cmp.Compare(a.J, b.J), cmp.Compare(a.I, b.I))
		})
	}
	return st
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
	if r.delays != nil && len(s.Hist) > 0 {
		if len(s.Hist) != len(r.hist) || len(s.HPos) != len(r.hpos) {
			return fmt.Errorf("learning: STDP state: spike history of %d entries, want %d", len(s.Hist), len(r.hist))
		}
		for _, p := range s.HPos {
			if int(p) >= histLen {
				return fmt.Errorf("learning: STDP state: history position %d out of range", p)
			}
		}
		for k, ps := range s.Pending {
			if ps.I < 0 || int(ps.I) >= r.syn.Rows() {
				return fmt.Errorf("learning: STDP state: pending spike of input %d out of range", ps.I)
			}
			if k > 0 && ps.Step < s.Pending[k-1].Step {
				return fmt.Errorf("learning: STDP state: pending spikes out of emission order (step %d after %d)", ps.Step, s.Pending[k-1].Step)
			}
			if s.WheelAt != nil && ps.Step > *s.WheelAt {
				return fmt.Errorf("learning: STDP state: pending spike emitted at step %d, after the last step processed (%d)", ps.Step, *s.WheelAt)
			}
		}
		copy(r.hist, s.Hist)
		copy(r.hpos, s.HPos)
		r.pending = append(r.pending[:0], s.Pending...)
		for k := range r.wheel {
			r.wheel[k] = r.wheel[k][:0]
		}
		r.wheelAt = -1
		if s.WheelAt != nil {
			r.wheelAt = *s.WheelAt
			for _, a := range s.Wheel {
				if a.At <= r.wheelAt || a.At > r.wheelAt+r.maxDelay || a.I < 0 || int(a.I) >= r.syn.Rows() || a.J < 0 || int(a.J) >= r.syn.Cols() {
					return fmt.Errorf("learning: STDP state: booked arrival %+v out of range", a)
				}
				r.book(a.At, a.I, a.J)
			}
		}
	}
	return nil
}
