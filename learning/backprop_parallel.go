package learning

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// bpChunk is the number of images of a mini-batch (or of an evaluation batch) one goroutine
// works through with a workspace and gradient sums of its own. A batch's gradient is the sum
// of its chunks' sums taken in chunk order, and a chunk sums its images in order, so the result
// is the same bit for bit whatever the number of cores; the chunk size, not GOMAXPROCS, fixes
// the order of the additions.
const bpChunk = 8

// bpGrad is one chunk's gradient sums and counts: per layer the weight (gw; gwt transposed for
// narrow layers) and bias (gb) gradients, and which rows of gw the chunk touched.
type bpGrad struct {
	ws      *bpWork
	gw, gb  [][]float32
	gwt     [][]float32
	rows    [][]int32 // per layer (not narrow ones): the rows of gw written since the last clear
	touched [][]bool
	stats   BackpropCounters
	loss    float64
	correct int
	conf    [][]int   // evaluation: [label][prediction]
	w0      []float32 // evaluation: this core's copy of the first layer's weights
}

// chunks returns the workspaces of k chunks, with gradient buffers when grads (training).
func (n *Backprop) chunks(k int, grads bool) []*bpGrad {
	for len(n.parts) < k {
		n.parts = append(n.parts, &bpGrad{ws: n.newWorkspace()})
	}
	ps := n.parts[:k]
	if grads {
		for _, p := range ps {
			if p.gw != nil {
				continue
			}
			for l, ly := range n.layers {
				p.gb = append(p.gb, make([]float32, len(ly.b)))
				if l > 0 && ly.narrow() {
					p.gw = append(p.gw, nil)
					p.gwt = append(p.gwt, make([]float32, len(ly.w)))
					p.touched = append(p.touched, nil)
				} else {
					p.gw = append(p.gw, make([]float32, len(ly.w)))
					p.gwt = append(p.gwt, nil)
					p.touched = append(p.touched, make([]bool, ly.in))
				}
				p.rows = append(p.rows, nil)
			}
		}
	}
	return ps
}

// reset clears a chunk's sums: only the rows of gw it touched, which hold all its nonzeros.
func (p *bpGrad) reset(layers []*bpLayer) {
	for l, ly := range layers {
		clear(p.gb[l])
		if p.gwt[l] != nil {
			clear(p.gwt[l])
			continue
		}
		N := ly.out
		for _, r := range p.rows[l] {
			clear(p.gw[l][int(r)*N : int(r+1)*N])
			p.touched[l][r] = false
		}
		p.rows[l] = p.rows[l][:0]
	}
	p.stats, p.loss, p.correct = BackpropCounters{}, 0, 0
}

// touch records that row r of layer l's gw is written.
func (p *bpGrad) touch(l int, r int32) {
	if !p.touched[l][r] {
		p.touched[l][r] = true
		p.rows[l] = append(p.rows[l], r)
	}
}

// forChunks runs f on the chunks of [0, m), bpChunk items each, on up to GOMAXPROCS
// goroutines: f(c, lo, hi) with c the chunk's index.
func forChunks(m int, f func(c, lo, hi int)) {
	forWorkers(bpWorkers(m), m, func(_, c, lo, hi int) { f(c, lo, hi) })
}

// bpWorkers is the number of goroutines for m items in chunks of bpChunk: one per core, at
// most one per chunk.
func bpWorkers(m int) int { return min(runtime.GOMAXPROCS(0), (m+bpChunk-1)/bpChunk) }

// forWorkers runs f on the chunks of [0, m), bpChunk items each, on the given number of
// goroutines, each taking the next chunk when done: f(w, c, lo, hi) with w the goroutine's
// index and c the chunk's.
func forWorkers(workers, m int, f func(w, c, lo, hi int)) {
	k := (m + bpChunk - 1) / bpChunk
	if workers <= 1 {
		for c := range k {
			f(0, c, c*bpChunk, min((c+1)*bpChunk, m))
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for {
				c := int(next.Add(1) - 1)
				if c >= k {
					return
				}
				f(w, c, c*bpChunk, min((c+1)*bpChunk, m))
			}
		})
	}
	wg.Wait()
}

// forRanges runs f on [0, m) cut into one contiguous range per core, each at least minLen
// long: for work whose result does not depend on how it is cut.
func forRanges(m, minLen int, f func(lo, hi int)) {
	w := min(runtime.GOMAXPROCS(0), max(m/minLen, 1))
	if w <= 1 {
		f(0, m)
		return
	}
	var wg sync.WaitGroup
	for i := range w {
		lo, hi := i*m/w, (i+1)*m/w
		wg.Go(func() { f(lo, hi) })
	}
	wg.Wait()
}

// reduce sums the chunks' gradients into the layers' gw, gb (and gwt), chunk by chunk in order,
// and returns the chunks' loss and correct predictions and adds their counters to the network's,
// in the same order.
func (n *Backprop) reduce(ps []*bpGrad) (loss float64, correct int) {
	for l, ly := range n.layers {
		clear(ly.gb)
		for _, p := range ps {
			bpAdd(ly.gb, p.gb[l])
		}
		if ps[0].gwt[l] != nil {
			if ly.gwt == nil {
				ly.gwt = make([]float32, len(ly.w))
			}
			clear(ly.gwt)
			for _, p := range ps {
				bpAdd(ly.gwt, p.gwt[l])
			}
			for i := range ly.in {
				for j := range ly.out {
					ly.gw[i*ly.out+j] = ly.gwt[j*ly.in+i]
				}
			}
			continue
		}
		// Row by row: a row no chunk touched is zero; the others are summed in chunk order
		// (adding a chunk's exact zeros would change nothing).
		N := ly.out
		forRanges(ly.in, 16, func(lo, hi int) {
			for r := lo; r < hi; r++ {
				row := ly.gw[r*N : (r+1)*N]
				clear(row)
				for _, p := range ps {
					if p.touched[l][r] {
						bpAdd(row, p.gw[l][r*N:(r+1)*N])
					}
				}
			}
		})
	}
	for _, p := range ps {
		loss += p.loss
		correct += p.correct
		n.stats = n.stats.addEvents(p.stats)
	}
	return loss, correct
}

// addEvents returns c with the event counts of o added (samples, spikes, synaptic events).
func (c BackpropCounters) addEvents(o BackpropCounters) BackpropCounters {
	c.Samples += o.Samples
	c.InputSpikes += o.InputSpikes
	c.HiddenSpikes += o.HiddenSpikes
	c.OutputSpikes += o.OutputSpikes
	c.SynEvents += o.SynEvents
	return c
}
