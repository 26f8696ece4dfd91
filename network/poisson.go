package network

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Poisson is an event-driven Poisson spike source: in each step of length dt
// input i spikes with probability p_i = rate_i·dt (Brian2's PoissonGroup),
// but instead of one draw per input per step it draws the geometric number
// of silent steps before each input's next spike, so its cost is one
// logarithm per spike and silent inputs cost nothing.
//
// A Poisson is not safe for concurrent use; as a pipeline source it is used
// by its stage's goroutine only. (A DC stepped in column ranges has each range
// fill the spikes of its own inputs at once: fill touches only those inputs'
// state.)
type Poisson struct {
	dt        float64      // seconds
	rngs      []*rand.Rand // one stream per input: spikes independent of the block size
	pcgs      []*rand.PCG
	invLambda []float64 // −1/log(1 − p_i); 0 for silent inputs
	sure      []bool    // p_i ≥ 1: spikes every step
	next      []int     // step of input i's next spike
	active    []int32   // inputs with p_i > 0, increasing
	scratch   fillScratch
}

// fillScratch is the scratch of one fill: its events, and spikes per step.
type fillScratch struct {
	events []event
	count  []int32
}

type event struct{ step, idx int32 }

// NewPoisson returns a source of n inputs with step dtMs (milliseconds).
// Input i draws from its own PCG stream, seeded by the i-th pair of numbers
// of PCG(seed, stream), so its spikes do not depend on how the steps are cut
// into blocks. All rates are 0 until SetRates.
func NewPoisson(n int, dtMs float64, seed, stream uint64) *Poisson {
	if n <= 0 || !(dtMs > 0) {
		panic(fmt.Sprintf("network: NewPoisson(%d, %g): size and dt must be positive", n, dtMs))
	}
	master := rand.New(rand.NewPCG(seed, stream))
	pcgs := make([]*rand.PCG, n)
	rngs := make([]*rand.Rand, n)
	for i := range pcgs {
		pcgs[i] = rand.NewPCG(master.Uint64(), master.Uint64())
		rngs[i] = rand.New(pcgs[i])
	}
	return &Poisson{
		dt: dtMs * 1e-3, pcgs: pcgs, rngs: rngs,
		invLambda: make([]float64, n), sure: make([]bool, n), next: make([]int, n),
		active: make([]int32, 0, n),
	}
}

// Len returns the number of inputs.
func (p *Poisson) Len() int { return len(p.invLambda) }

// SetRates sets the firing rates (Hz) from step start on and draws
// every input's first spike. It returns an error naming the first rate that
// is negative or not finite.
func (p *Poisson) SetRates(rates []float64, start int) error {
	if len(rates) != len(p.invLambda) {
		return fmt.Errorf("network: Poisson: %d rates for %d inputs", len(rates), len(p.invLambda))
	}
	p.active = p.active[:0]
	for i, r := range rates {
		if r < 0 || math.IsNaN(r) || math.IsInf(r, 0) {
			return fmt.Errorf("network: Poisson: rate of input %d is %v", i, r)
		}
		pr := r * p.dt
		p.sure[i] = pr >= 1
		p.invLambda[i] = 0
		if pr <= 0 {
			continue
		}
		if !p.sure[i] {
			p.invLambda[i] = -1 / math.Log1p(-pr)
		}
		p.active = append(p.active, int32(i))
		p.next[i] = start + p.gap(i)
	}
	return nil
}

// gap draws the number of silent steps before the next spike of input i:
// floor(E/λ) with E ~ Exp(1) and λ = −log(1 − p) is geometric with success
// probability p (ExpFloat64 is a ziggurat: no logarithm per spike).
func (p *Poisson) gap(i int) int {
	if p.sure[i] {
		return 0
	}
	g := p.rngs[i].ExpFloat64() * p.invLambda[i]
	if g > maxGap {
		return maxGap
	}
	return int(g)
}

// maxGap bounds a drawn gap (steps): ~6 days of silence at dt = 0.5 ms, far beyond any
// presentation (a source is re-armed by SetRates), and small enough that next[i] + gap fits an
// int on 32-bit platforms too.
const maxGap = 1 << 30

// Fill writes the spikes of steps [step0, step0+steps) into out (steps
// counted as in SetRates). Spikes of a step are in increasing input order.
// It never fails.
func (p *Poisson) Fill(out *Frame, step0, steps int) error {
	p.fill(out, step0, steps, p.active, &p.scratch)
	return nil
}

// fill is Fill for the active inputs act alone (a part of p.active), with scratch sc: fills
// of disjoint parts may run at once (each input's stream is its own).
func (p *Poisson) fill(out *Frame, step0, steps int, act []int32, sc *fillScratch) {
	end := step0 + steps
	events := sc.events[:0]
	for _, i := range act {
		for p.next[i] < end {
			events = append(events, event{int32(p.next[i] - step0), i})
			p.next[i] += 1 + p.gap(int(i))
		}
	}
	sc.events = events
	// Counting sort by step; stable, so inputs stay in increasing order.
	if cap(sc.count) < steps+1 {
		sc.count = make([]int32, steps+1)
	}
	cnt := sc.count[:steps+1]
	clear(cnt)
	for _, e := range events {
		cnt[e.step+1]++
	}
	for s := 1; s <= steps; s++ {
		cnt[s] += cnt[s-1]
	}
	if cap(out.Idx) < len(events) {
		out.Idx = make([]int32, len(events), 2*len(events))
	}
	out.Idx = out.Idx[:len(events)]
	out.Off = append(out.Off[:0], cnt...)
	for _, e := range events {
		out.Idx[cnt[e.step]] = e.idx
		cnt[e.step]++
	}
}

// MarshalBinary returns the state of the random generators (the rates and
// pending spikes are not included: a restored source starts with SetRates).
func (p *Poisson) MarshalBinary() ([]byte, error) {
	var out []byte
	for _, g := range p.pcgs {
		b, err := g.MarshalBinary()
		if err != nil {
			return nil, err
		}
		out = append(out, b...)
	}
	return out, nil
}

// UnmarshalBinary restores the state saved by MarshalBinary.
func (p *Poisson) UnmarshalBinary(b []byte) error {
	if len(b)%len(p.pcgs) != 0 {
		return fmt.Errorf("network: Poisson: %d bytes of state for %d inputs", len(b), len(p.pcgs))
	}
	k := len(b) / len(p.pcgs)
	for i, g := range p.pcgs {
		if err := g.UnmarshalBinary(b[i*k : (i+1)*k]); err != nil {
			return fmt.Errorf("network: Poisson: input %d: %w", i, err)
		}
	}
	return nil
}

// Source produces the input spikes of a presentation or run. Fill writes
// the spikes of steps [step0, step0+steps), counted from the start of the
// presentation, into out (already Reset; out.Step0 is the network's global
// step and must be left alone), each step closed by EndStep. It is called
// from the input stage's goroutine only, blocks in increasing order.
type Source interface {
	Fill(out *Frame, step0, steps int) error
}

// SpikeTrain is a fixed Source: Spikes[s] are the inputs that spike at step
// s of the presentation (none after the last).
type SpikeTrain struct {
	Spikes [][]int32
}

// Fill implements Source.
func (t *SpikeTrain) Fill(out *Frame, step0, steps int) error {
	for s := step0; s < step0+steps; s++ {
		if s >= 0 && s < len(t.Spikes) {
			for _, i := range t.Spikes[s] {
				out.Add(i)
			}
		}
		out.EndStep()
	}
	return nil
}
