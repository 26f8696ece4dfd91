package learning

import (
	"slices"

	"github.com/nanospike/nanospike/internal/pad"
	"github.com/nanospike/nanospike/network"
)

// The rule in column ranges: STDP implements network.ColumnSplit, so that one network's
// neurons, and the rule on their columns, can be stepped by several goroutines at once.
//
// A part is the whole rule on a network of its columns alone: a Float of those columns (the
// whole's weights are out of date until the parts join), their delays, post traces and booked
// depressions, and a copy of everything kept per input (pre traces, spike history, spikes in
// flight), which every part updates alike from the step's input spikes. On a Float every
// weight change is exact and touches one weight, so the parts' changes are those of the whole
// rule whatever their order: the weights are the same for any cut. A device array's
// programming draws its stochastic rounding from one stream in order, so it is not split.

var _ network.ColumnSplit = (*STDP)(nil)

// ColumnParts implements network.ColumnSplit: the rule on a Float with input delays
// (arrival timing) and weights normalised by programming (or not at all) splits; any other
// rule, or a disabled one, returns nil.
func (r *STDP) ColumnParts(bounds []int) []network.ColumnPart {
	_, float := r.syn.(*Float)
	if !float || !r.Enabled || r.delays == nil || r.rule.ClipNorm ||
		(r.rule.Norm > 0 && r.rule.Normalise == NormaliseGain) {
		r.JoinColumns()
		return nil
	}
	if r.parts != nil && !slices.Equal(r.partLo, bounds[:len(bounds)-1]) {
		r.JoinColumns()
	}
	if r.parts == nil {
		r.split(bounds)
	}
	return r.colParts
}

// split hands the rule's state to parts on the column ranges of bounds.
func (r *STDP) split(bounds []int) {
	f := r.syn.(*Float)
	rows, n := f.Rows(), f.Cols()
	r.colSum = make([]float64, n)
	for k := range len(bounds) - 1 {
		lo, hi := bounds[k], bounds[k+1]
		w := hi - lo
		fw := NewFloat(rows, w, f.WMax)
		for i := range rows {
			copy(fw.W[i*w:(i+1)*w], f.W[i*n+lo:i*n+hi])
		}
		// A part's state is written at every step on its core: in arrays of its own, which
		// share no cache line with another part's (pad.Isolated), and so is the part itself.
		p := &new(pad.Padded[STDP]).V
		*p = STDP{
			rule: r.rule, syn: fw, Enabled: true,
			pre: r.pre.isolated(0, rows), post1: r.post1.isolated(lo, hi), post2: r.post2.isolated(lo, hi),
			sums: pad.Isolated[float64](w, w), colSum: r.colSum[lo:hi],
			delays: r.delays[lo*rows : hi*rows], maxDelay: r.maxDelay, // column-major: its columns'
			hist: isolatedClone(r.hist), hpos: isolatedClone(r.hpos), pending: r.pending, // compactPending copies it
			wheel: pad.Isolated[[]arrival](len(r.wheel), len(r.wheel)), wheelAt: r.wheelAt,
		}
		p.b.Model = r.b.Model
		p.compactPending()
		// Each slot of the wheel, with room for wheelRoom arrivals, in one block.
		block := pad.Isolated[arrival](0, len(r.wheel)*wheelRoom)
		for s := range p.wheel {
			p.wheel[s] = block[s*wheelRoom : s*wheelRoom : (s+1)*wheelRoom]
		}
		if r.overMax != nil {
			p.overMax = fw // clipping checks: a weight above WMax may be among its columns
		}
		for s, due := range r.wheel {
			for _, a := range due {
				if int(a.J) >= lo && int(a.J) < hi {
					p.wheel[s] = append(p.wheel[s], arrival{a.I, a.J - int32(lo)})
				}
			}
		}
		r.parts, r.partLo = append(r.parts, p), append(r.partLo, lo)
		r.colParts = append(r.colParts, network.ColumnPart{Plasticity: p, Weights: fw})
	}
}

// GatherColumns implements network.ColumnSplit: the parts' normalisation reads, and the
// column sums they read, added in column order as the whole rule adds them.
func (r *STDP) GatherColumns() {
	for _, p := range r.parts {
		r.NormReads += p.NormReads
		p.NormReads = 0
	}
	if len(r.parts) > 0 && r.parts[0].normalised {
		for _, s := range r.colSum {
			r.NormWSum += s
		}
		for _, p := range r.parts {
			p.normalised = false
		}
	}
}

// JoinColumns implements network.ColumnSplit: the parts' weights and state go back to the
// whole.
func (r *STDP) JoinColumns() {
	if r.parts == nil {
		return
	}
	r.sync()
	r.parts, r.partLo, r.colParts, r.colSum = nil, nil, nil, nil
}

// sync copies the parts' weights and state into the whole, which the parts keep stepping.
func (r *STDP) sync() {
	r.GatherColumns()
	f := r.syn.(*Float)
	rows, n := f.Rows(), f.Cols()
	p0 := r.parts[0]
	r.pre.Active = r.pre.Active[:0]
	r.pre.take(&p0.pre, 0)
	copy(r.hist, p0.hist)
	copy(r.hpos, p0.hpos)
	r.pending = append(r.pending[:0], p0.pending...)
	r.wheelAt = p0.wheelAt
	r.overMax = nil
	for s := range r.wheel {
		r.wheel[s] = r.wheel[s][:0]
	}
	r.post1.Active, r.post2.Active = r.post1.Active[:0], r.post2.Active[:0]
	for k, p := range r.parts {
		lo := r.partLo[k]
		fw := p.syn.(*Float)
		w := fw.Cols()
		for i := range rows {
			copy(f.W[i*n+lo:i*n+lo+w], fw.W[i*w:(i+1)*w])
		}
		r.post1.take(&p.post1, lo)
		r.post2.take(&p.post2, lo)
		for s, due := range p.wheel {
			for _, a := range due {
				r.wheel[s] = append(r.wheel[s], arrival{a.I, a.J + int32(lo)})
			}
		}
		if p.overMax != nil {
			r.overMax = f
		}
	}
}

// isolated returns the traces [lo, hi) of t, numbered from 0, in isolated arrays (see
// pad.Isolated), with room for every trace in Active.
func (t *trace) isolated(lo, hi int) trace {
	c := *t
	c.V, c.At, c.on = isolatedClone(t.V[lo:hi]), isolatedClone(t.At[lo:hi]), isolatedClone(t.on[lo:hi])
	c.Active = pad.Isolated[int32](0, hi-lo)
	for _, k := range t.Active {
		if int(k) >= lo && int(k) < hi {
			c.Active = append(c.Active, k-int32(lo))
		}
	}
	return c
}

// isolatedClone returns a copy of s in an isolated array.
func isolatedClone[T any](s []T) []T {
	c := pad.Isolated[T](len(s), len(s))
	copy(c, s)
	return c
}

// wheelRoom is the arrivals a part's wheel slot holds before its array grows (as an
// ordinary allocation): 8 KiB per slot.
const wheelRoom = 1024

// take copies the traces of part p, the columns from lo on, into t and appends p's active
// ones.
func (t *trace) take(p *trace, lo int) {
	w := len(p.V)
	copy(t.V[lo:lo+w], p.V)
	copy(t.At[lo:lo+w], p.At)
	copy(t.on[lo:lo+w], p.on)
	for _, k := range p.Active {
		t.Active = append(t.Active, k+int32(lo))
	}
}
