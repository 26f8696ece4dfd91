package network

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nanospike/nanospike/internal/pad"
)

// ColumnSplit is implemented by a Plasticity that a DC may step in parts, one per range of
// its columns (excitatory neurons), each on a goroutine of its own at the same time. A part
// sees every input spike and the spikes of its own neurons only, numbered from 0 at the
// range's first column, and touches the weights of its own columns only; its hooks (if it
// implements PresentationHooks) are called on its goroutine. A part's results must not depend
// on how the columns are cut: the DC's spikes are the same for any number of parts.
type ColumnSplit interface {
	Plasticity
	// ColumnParts returns the parts on the column ranges [bounds[k], bounds[k+1]), the same
	// ones while nothing has joined them, or nil if the plasticity cannot be split now (the
	// DC then joins any parts and steps the whole).
	ColumnParts(bounds []int) []ColumnPart
	// GatherColumns is called on the DC's caller's goroutine after each presentation (with
	// its rest) stepped in parts, to do there what spans the columns.
	GatherColumns()
	// JoinColumns hands the parts' state back to the whole, which is stepped from then on.
	JoinColumns()
}

// ColumnPart is one part of a split plasticity.
type ColumnPart struct {
	Plasticity
	// Weights, if not nil, holds the weights of the part's columns while split (row i: the
	// weights from input i, from the range's first column on; the DC's synapses are then
	// out of date until the parts join). A part that programs its weights keeps them apart
	// from the other parts': two cores writing neighbouring halves of one row slow each
	// other several times over (see pad.Isolated).
	Weights interface{ Row(i int) []float64 }
}

// minSplitCols is the fewest columns a goroutine of a split DC takes: below, a step's work is
// too short for the ranges' exchange at every step to pay.
const minSplitCols = 128

// SetWorkers sets the number of goroutines that may step the network's columns at once
// (1, the default: the caller's alone; at most GOMAXPROCS are used; 0: GOMAXPROCS, but the
// whole on one goroutine for a while after three presentations in a row in which a range
// waited over a fifth of the time for threads that were not running, as when other work
// holds the cores; see judgeSplit). The spikes are the same bit for bit for any number.
//
// The network splits its excitatory and inhibitory neurons into that many ranges of columns
// (at least 128 columns each) where it can: float weights whose rows it reads without a copy,
// input delays, no input gain, and a plasticity (if any) that is a ColumnSplit willing to
// split. Each range, its delay-line columns and its part of the rule are stepped by one
// goroutine; the ranges publish what they know after every step and wait for each other two
// steps behind, to add up the inhibitory spikes that inhibit them all. Elsewhere it steps
// the whole on one goroutine. The goroutines live until the whole is stepped again
// (SetWorkers(1), or a presentation stepped whole), which also joins the rule's parts: call
// SetWorkers(1) when done.
func (d *DC) SetWorkers(n int) {
	d.workers, d.autoSplit = max(n, 1), n <= 0
	if d.autoSplit {
		d.workers = math.MaxInt // GOMAXPROCS, whatever it is at each presentation
	}
	d.splitOff, d.splitBackoff, d.stalled = 0, 0, 0
	if d.split != nil && len(d.split.shards) != d.splitCount() {
		d.stopSplit()
	}
}

// splitCount is the number of column ranges a presentation would be stepped in now (1: not
// split).
func (d *DC) splitCount() int {
	least := d.minSplit
	if least == 0 {
		least = minSplitCols
	}
	// More ranges than threads would spin on a thread that another needs.
	k := min(d.workers, runtime.GOMAXPROCS(0), d.cfg.Neurons/least)
	if k < 2 || d.splitOff > 0 || d.rows == nil || d.noisy != nil || d.delays == nil || d.gain != nil {
		return 1
	}
	if d.plast != nil {
		if _, ok := d.plast.(ColumnSplit); !ok {
			return 1
		}
	}
	return k
}

// dcSplit is a DC's column ranges and their goroutines (all but the first range's, which is
// the caller's).
type dcSplit struct {
	shards []*dcShard
	bounds []int    // the ranges' columns: [bounds[s], bounds[s+1])
	frames []*Frame // the presentation's input, block by block, from a source not the DC's own
	job    splitJob
	_      [128]byte
	gen    atomic.Int64 // jobs published; −1: stop
	_      [120]byte
	failed atomic.Bool
	errMu  sync.Mutex
	err    error
	wg     sync.WaitGroup
}

// splitJob is one presentation and its rest, as every range steps it.
type splitJob struct {
	ctx          context.Context
	g            int64
	step0, steps int
	k0           int  // inhibitory spikes of the step before step0
	own          bool // the input is the DC's Poisson: each range draws a share of the inputs
	quietEnds    bool // the rest ends once every range is quiet (not SimulateRest)
}

// mark is the tag of what a range publishes once its excitatory neurons have stepped through
// step n of job j (n = step0−1: the job has started): the job in the high bits, so that no
// value of an earlier job reads as this one's.
func (j *splitJob) mark(n int) int64 { return j.g<<32 + int64(n-j.step0+1) }

// mayEnd reports whether the rest may end (every range quiet) after step n: a step of the
// rest or the presentation's last, after the delay line's last arrival, in a rest that ends
// when quiet. Every range has the same busyUntil (every range sees every input spike), so
// the ranges agree on it.
func (j *splitJob) mayEnd(sh *dcShard, n int) bool {
	return j.quietEnds && n >= j.step0+j.steps-1 && n >= sh.busyUntil
}

// dcShard is one range of columns: its neurons, delay line and part of the rule, with state
// of their own (copied from and back to the DC around each presentation, in isolated arrays:
// see pad.Isolated), and what it publishes to the other ranges.
//
// A range steps its inhibitory neurons one step ahead of its excitatory ones: the
// inhibitory step n+1 needs only the range's own excitatory spikes of step n, and the
// excitatory step n+1 of every range needs every range's inhibitory spikes of step n. So a
// range publishes, with its excitatory step n, its inhibitory spike count of step n+1, and
// the other ranges wait for it only at their step n+2: the ranges may drift a step apart
// without waiting. (Where the rest may end, the step ahead is undone; see runShard.)
//
// A range publishes after every step. Publishing every second step instead (fewer lines
// between cores) made the ranges meet at every second step with a step of slack only, and
// measured slower once a publication stopped waiting for the line (see storeRelease).
type dcShard struct {
	_        [128]byte
	lo, hi   int
	index    int // of the range, from 0
	exc, inh *condPop
	inhSave  *condPop  // inh before its step ahead, where the rest may end there
	ring     []float64 // the delay line of the range: slots of stride columns
	delayOff []int32   // delay·stride + j − lo, row-major over (input, j in range)
	stride   int
	maxOff   int32
	part     Plasticity
	hooks    PresentationHooks
	rows     weightRows // the range's weights: rows of the part's, or of the DC's synapses from rowLo
	rowLo    int
	// Spikes relative to lo: excitatory of the last step, inhibitory of the last step and
	// of the step ahead.
	lastExc, lastInh, nextInh []int32
	in, all                   *Frame // the range's share of the inputs' spikes (job.own), and every share's
	fill                      fillScratch
	seen                      []int64 // the last tag seen of each range
	cnt                       Counters
	busyUntil                 int
	end                       int           // the step after the job
	stall                     time.Duration // the job's waits longer than stallAfter
	sleeping                  atomic.Bool
	wake                      chan struct{}
	_                         [128]byte
	// What the range publishes after step n, in slot n mod 4: an isolated array whose slots
	// each fill two cache lines of their own, so that the slot another range reads is not
	// written again for four steps (it may fetch it early: see stepShard). The slice itself
	// is never written once made.
	slots []pubSlot
	_     [128]byte
	// Written by the range's goroutine, read by the others.
	done   published // jobs finished
	filled published // jobs whose input share is drawn
	_      [128]byte
}

// pubSlot is what a range publishes once its excitatory neurons have stepped through step s:
// tag mark(s), written last, the inhibitory spike count of step s+1 (stepped ahead), and
// whether the range is quiet after step s. Its size, 128 bytes, keeps every slot of an
// isolated array (which starts at a multiple of 128 bytes into a page) in lines of its own.
type pubSlot struct {
	tag   published
	inh   int64
	quiet bool
	_     [128 - 17]byte
}

// publish publishes, after step n of job j, the range's inhibitory spike count of step
// n+1 and whether it is quiet after step n.
func (sh *dcShard) publish(j *splitJob, n, inh int, quiet bool) {
	sl := &sh.slots[n&3]
	sl.inh, sl.quiet = int64(inh), quiet
	sl.tag.Store(j.mark(n))
}

// splitFor returns the split to step the next presentation with, made or remade as needed,
// or nil to step the whole (any split stopped).
func (d *DC) splitFor() *dcSplit {
	k := d.splitCount()
	if d.split != nil && len(d.split.shards) != k {
		d.stopSplit()
	}
	if k < 2 {
		return nil
	}
	var bounds []int
	if d.split != nil {
		bounds = d.split.bounds
	} else {
		bounds = splitBounds(d.cfg.Neurons, k)
	}
	var parts []ColumnPart
	if cs, ok := d.plast.(ColumnSplit); ok {
		if parts = cs.ColumnParts(bounds); parts == nil {
			d.stopSplit()
			return nil
		}
		if len(parts) != k {
			panic(fmt.Sprintf("network: ColumnSplit.ColumnParts gave %d parts for %d column ranges", len(parts), k))
		}
	}
	sp := d.split
	if sp == nil {
		sp = d.startSplit(bounds)
	}
	for s, sh := range sp.shards {
		sh.part, sh.hooks, sh.rows, sh.rowLo = nil, nil, d.rows, sh.lo
		if parts != nil {
			sh.part = parts[s].Plasticity
			sh.hooks, _ = sh.part.(PresentationHooks)
			if parts[s].Weights != nil {
				sh.rows, sh.rowLo = parts[s].Weights, 0
			}
		}
	}
	return sp
}

// splitBounds cuts n columns into k ranges [b[s], b[s+1]), in whole cache lines of float64
// columns.
func splitBounds(n, k int) []int {
	b := make([]int, k+1)
	for s := 1; s < k; s++ {
		b[s] = s * n / k &^ 7
	}
	b[k] = n
	return b
}

func (d *DC) startSplit(bounds []int) *dcSplit {
	sp := &dcSplit{bounds: bounds}
	for s := range len(bounds) - 1 {
		lo, hi := bounds[s], bounds[s+1]
		w := hi - lo
		sh := &dcShard{lo: lo, hi: hi, index: s, exc: d.exc.part(lo, hi), inh: d.inh.part(lo, hi),
			inhSave: d.inh.part(lo, hi), lastExc: pad.Isolated[int32](0, w), lastInh: pad.Isolated[int32](0, w),
			nextInh: pad.Isolated[int32](0, w), in: &Frame{}, all: &Frame{}, seen: pad.Isolated[int64](len(bounds)-1, len(bounds)-1),
			cnt:  Counters{Spikes: pad.Isolated[uint64](3, 3)},
			wake: make(chan struct{}, 1)}
		sh.stride = (w + 7) &^ 7
		ring := len(d.ring) / d.stride * sh.stride
		sh.ring = pad.Isolated[float64](ring, ring)
		sh.delayOff = make([]int32, d.cfg.Inputs*w)
		n := d.cfg.Neurons
		for i := range d.cfg.Inputs {
			for j := lo; j < hi; j++ {
				sh.delayOff[i*w+j-lo] = int32(int(d.delays[i*n+j])*sh.stride + j - lo)
			}
		}
		sh.maxOff = int32(d.maxDelay*sh.stride + w - 1)
		sh.slots = pad.Isolated[pubSlot](4, 4)
		sp.shards = append(sp.shards, sh)
	}
	for _, sh := range sp.shards[1:] {
		sp.wg.Go(func() { d.splitWorker(sp, sh) })
	}
	d.split = sp
	return sp
}

// stopSplit ends the goroutines and joins the rule's parts.
func (d *DC) stopSplit() {
	sp := d.split
	if sp == nil {
		return
	}
	sp.gen.Store(-1)
	for _, sh := range sp.shards[1:] {
		sh.nudge()
	}
	sp.wg.Wait()
	d.split = nil
	if cs, ok := d.plast.(ColumnSplit); ok {
		cs.JoinColumns()
	}
}

// nudge wakes the range's goroutine if it is parked (a wake already pending will do).
func (sh *dcShard) nudge() {
	select {
	case sh.wake <- struct{}{}:
	default:
	}
}

// splitWorker steps one range for every job published.
func (d *DC) splitWorker(sp *dcSplit, sh *dcShard) {
	for g := int64(1); ; g++ {
		if !sp.waitJob(sh, g) {
			return
		}
		d.runShard(sp, sh)
		sh.done.Store(g)
	}
}

// Waits spin on an atomic counter, which another core answers within a fraction of a µs,
// and yield the thread now and then. Between presentations a goroutine spins for up to
// parkAfter and then parks: waking a parked goroutine costs ~100 µs on a virtual machine whose
// idle core sleeps, but the caller may be away for long (a checkpoint).
const (
	spinYield  = 1 << 10
	yieldAfter = 20 * time.Microsecond
	stallAfter = 50 * time.Microsecond
	sleepAfter = 500 * time.Microsecond
	sleepFor   = 20 * time.Microsecond
	parkAfter  = 5 * time.Millisecond
)

// waitJob waits for job g (true) or the stop (false).
func (sp *dcSplit) waitJob(sh *dcShard, g int64) bool {
	var since time.Time
	for i := 1; ; i++ {
		if v := sp.gen.Load(); v >= g || v < 0 {
			return v >= 0
		}
		if i%spinYield != 0 {
			continue
		}
		switch {
		case since.IsZero():
			since = time.Now()
		case time.Since(since) > parkAfter:
			sh.sleeping.Store(true)
			if v := sp.gen.Load(); v < g && v >= 0 {
				<-sh.wake
			}
			sh.sleeping.Store(false)
			since = time.Time{}
		case time.Since(since) > yieldAfter:
			runtime.Gosched()
		}
	}
}

// waitFor waits until range oi has published what it knows after step n of job j, and
// returns it (true), or returns false once a range has failed. It reads nothing of the
// range but what it publishes: the range writes its other fields at every step.
func (sp *dcSplit) waitFor(sh *dcShard, oi int, j *splitJob, n int) (*pubSlot, bool) {
	sl := &sp.shards[oi].slots[n&3]
	if v := j.mark(n); sh.seen[oi] < v {
		p, ok := sp.await(&sl.tag, v, true, &sh.stall)
		if !ok {
			return nil, false
		}
		// Slots are published in step order.
		sh.seen[oi] = max(sh.seen[oi], p)
	}
	return sl, true
}

// await spins until a reaches v and returns its value and true, or, with failed, returns
// false once a range has failed. A wait longer than stallAfter (timed from its first pause,
// a µs or so in) is added to stall.
func (sp *dcSplit) await(a *published, v int64, failed bool, stall *time.Duration) (int64, bool) {
	var since time.Time
	for i := 1; ; i++ {
		if p := a.Load(); p >= v {
			if !since.IsZero() {
				if d := time.Since(since); d > stallAfter {
					*stall += d
				}
			}
			return p, true
		}
		if i%spinYield == 0 {
			if failed && sp.failed.Load() {
				return 0, false
			}
			pause(&since)
		}
	}
}

// pause lets a wait that began at since (zero: now, which it sets) yield its thread once it
// has waited longer than a few steps take: to another goroutine (the one it waits for may need
// the thread), or, after far longer (the thread it waits for is not running: more threads
// than free cores), to the operating system. A shorter wait only spins: a yield takes
// longer than most waits, and the wait would notice its value that much later.
func pause(since *time.Time) {
	if since.IsZero() {
		*since = time.Now()
		return
	}
	switch d := time.Since(*since); {
	case d > sleepAfter:
		time.Sleep(sleepFor)
	case d > yieldAfter:
		runtime.Gosched()
	}
}

// fail records the first failure of a range and stops the others at their next wait.
func (sp *dcSplit) fail(err error) {
	sp.errMu.Lock()
	if sp.err == nil {
		sp.err = err
	}
	sp.errMu.Unlock()
	sp.failed.Store(true)
}

// presentSplit is PresentSource's presentation and rest, stepped in column ranges.
func (d *DC) presentSplit(ctx context.Context, sp *dcSplit) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	own := d.source == Source(d.src)
	if !own {
		// Another source: its input, block by block as the pipeline's input stage draws
		// it (the ranges draw the DC's Poisson input themselves).
		bs := d.cfg.BlockSteps
		nb := (d.presentSteps + bs - 1) / bs
		for len(sp.frames) < nb {
			sp.frames = append(sp.frames, &Frame{})
		}
		for b, f := range sp.frames[:nb] {
			step0 := d.step + b*bs
			f.Reset(step0)
			if err := d.sourceBlock(nil, f, step0, min(bs, d.presentSteps-b*bs)); err != nil {
				return err
			}
		}
	}
	start := time.Now()
	g := sp.gen.Load() + 1
	sp.job = splitJob{ctx: ctx, g: g, step0: d.step, steps: d.presentSteps, k0: len(d.lastInh), own: own,
		quietEnds: !d.cfg.SimulateRest}
	d.inh.sortAct() // as its next step would; the ranges read it at once
	sp.gen.Store(g)
	for _, sh := range sp.shards[1:] {
		if sh.sleeping.Load() {
			sh.nudge()
		}
	}
	d.runShard(sp, sp.shards[0])
	for _, sh := range sp.shards[1:] {
		sp.await(&sh.done, g, false, &sp.shards[0].stall)
	}
	if sp.failed.Load() {
		err := sp.err
		d.stopSplit()
		return err
	}
	// Gather what the ranges kept of their own (each stored its neurons' state).
	d.lastExc, d.lastInh = d.lastExc[:0], d.lastInh[:0]
	d.busyUntil = sp.shards[0].busyUntil
	d.step = sp.shards[0].end
	d.exc.thScale, d.inh.thScale = sp.shards[0].exc.thScale, sp.shards[0].inh.thScale
	d.inh.act = d.inh.act[:0]
	for _, sh := range sp.shards {
		d.inh.act = shifted(d.inh.act, sh.inh.act, sh.lo)
		d.lastExc = shifted(d.lastExc, sh.lastExc, sh.lo)
		d.lastInh = shifted(d.lastInh, sh.lastInh, sh.lo)
		d.cnt.add(sh.cnt)
	}
	if cs, ok := d.plast.(ColumnSplit); ok {
		cs.GatherColumns()
	}
	if d.autoSplit {
		d.judgeSplit(sp, time.Since(start))
	}
	return nil
}

// With SetWorkers(0), stalledRun split presentations in a row in each of which a range spent
// more than stallShare of the time in waits longer than stallAfter (another range's thread
// was not running: more busy threads than cores, as with two runs at once on every core) say
// the split is not paying: the next firstSplitOff presentations (each try of PresentImage is
// one), doubled each time it comes to that again without a good presentation between, up
// to maxSplitOff, are stepped whole on one goroutine. A single stalled presentation is the host's doing more often than not
// (a vCPU taken away for a millisecond). The spikes are the same either way.
const (
	stallShare    = 0.2
	stalledRun    = 3
	firstSplitOff = 32
	maxSplitOff   = 1024
)

// judgeSplit looks at the waits of a split presentation that took wall.
func (d *DC) judgeSplit(sp *dcSplit, wall time.Duration) {
	var worst time.Duration
	for _, sh := range sp.shards {
		worst = max(worst, sh.stall)
	}
	if float64(worst) <= stallShare*float64(wall) {
		d.stalled, d.splitBackoff = 0, 0
		return
	}
	if d.stalled++; d.stalled < stalledRun {
		return
	}
	d.stalled = 0
	d.splitBackoff = min(max(2*d.splitBackoff, firstSplitOff), maxSplitOff)
	d.splitOff = d.splitBackoff
}

// moveColumns moves w columns of every slot of the delay line src (slots of sstride
// columns, from column slo) to dst's (dstride, from dlo), zeroing them in src.
func moveColumns(dst []float64, dstride, dlo int, src []float64, sstride, slo, w int) {
	for q := 0; q*sstride < len(src); q++ {
		from := src[q*sstride+slo : q*sstride+slo+w]
		copy(dst[q*dstride+dlo:q*dstride+dlo+w], from)
		clear(from)
	}
}

// shifted appends to dst the indices of src plus lo: local's converse.
func shifted(dst, src []int32, lo int) []int32 {
	for _, j := range src {
		dst = append(dst, j+int32(lo))
	}
	return dst
}

// local appends to dst[:0] the spikes of src in [lo, hi), relative to lo.
func local(dst, src []int32, lo, hi int) []int32 {
	dst = dst[:0]
	for _, j := range src {
		if int(j) >= lo && int(j) < hi {
			dst = append(dst, j-int32(lo))
		}
	}
	return dst
}

// runShard steps range sh through the job: the presentation, then the rest (until every
// range is quiet, unless the rest is simulated). It recovers a panic of the rule into the
// split's failure.
func (d *DC) runShard(sp *dcSplit, sh *dcShard) {
	defer func() {
		if r := recover(); r != nil {
			sp.fail(fmt.Errorf("network: columns %d–%d: %v", sh.lo, sh.hi-1, r))
		}
	}()
	j := &sp.job
	step := j.step0
	sh.end, sh.stall = step, 0
	// The range's state from the DC's (every range reads its own part of it).
	sh.exc.load(d.exc, sh.lo)
	sh.inh.load(d.inh, sh.lo)
	if step <= d.busyUntil {
		moveColumns(sh.ring, sh.stride, 0, d.ring, d.stride, sh.lo, sh.hi-sh.lo)
	}
	sh.lastExc, sh.lastInh = local(sh.lastExc, d.lastExc, sh.lo, sh.hi), local(sh.lastInh, d.lastInh, sh.lo, sh.hi)
	sh.cnt = Counters{Spikes: sh.cnt.Spikes} // input, exc, inh: isolated, as written at every step
	clear(sh.cnt.Spikes)
	sh.busyUntil = d.busyUntil
	defer d.storeShard(sh)
	if j.own {
		d.drawShare(sp, sh)
	}
	if sh.hooks != nil {
		sh.hooks.BeginPresentation(step) // while the other ranges draw their shares
	}
	if j.own && !d.gatherShares(sp, sh) {
		return
	}
	// The inhibitory step ahead of the first excitatory one.
	sh.publish(j, step-1, d.inhAhead(sh, step, false), false)
	rest := d.restSteps
	bs := d.cfg.BlockSteps
	for s := range j.steps {
		var pre []int32
		if j.own {
			pre = sh.all.Spikes(s)
		} else {
			pre = sp.frames[s/bs].Spikes(s % bs)
		}
		last := s == j.steps-1
		if (s+1)%bs == 0 && sh.index == 0 {
			if err := j.ctx.Err(); err != nil { // between blocks, as the pipeline
				sp.fail(err)
				return
			}
		}
		// The pipeline's layer stage flushes after each block.
		flush := (s+1)%bs == 0 || last
		if !d.stepShard(sp, sh, step, pre, true, flush, last && rest == 0, last && rest > 0 && j.mayEnd(sh, step)) {
			return
		}
		step++
	}
	if sh.hooks != nil {
		sh.hooks.EndPresentation(step)
	}
	done := 0
	if !j.quietEnds {
		for ; done < rest; done++ {
			if !d.stepShard(sp, sh, step, nil, false, done%100 == 99, done == rest-1, false) {
				return
			}
			step++
		}
	} else {
		for done < rest {
			// While the delay line is busy no range is quiet: nothing to wait for.
			// A range that is not quiet itself needs no one's flag.
			quiet := j.mayEnd(sh, step-1) && sh.slots[(step-1)&3].quiet
			for oi, o := range sp.shards {
				if !quiet || o == sh {
					continue
				}
				sl, ok := sp.waitFor(sh, oi, j, step-1)
				if !ok {
					return
				}
				quiet = sl.quiet
			}
			if quiet {
				// Every range is quiet after step−1: undo the inhibitory step ahead, and
				// relax from there.
				sh.inh.copyFrom(sh.inhSave)
				break
			}
			if !d.stepShard(sp, sh, step, nil, false, (done+1)%100 == 0, done == rest-1, done < rest-1 && j.mayEnd(sh, step)) {
				return
			}
			step++
			done++
		}
		if m := rest - done; m > 0 {
			sh.exc.relax(step, m)
			sh.inh.relax(step, m)
			step += m
		}
	}
	sh.end = step
}

// storeShard stores range sh's state back into the DC's, its delay line if busy (the DC's
// threshold scale and list of active inhibitory neurons are gathered after the job).
func (d *DC) storeShard(sh *dcShard) {
	sh.exc.store(d.exc, sh.lo)
	sh.inh.store(d.inh, sh.lo)
	if sh.end <= sh.busyUntil {
		moveColumns(d.ring, d.stride, sh.lo, sh.ring, sh.stride, 0, sh.hi-sh.lo)
	}
}

// drawShare draws the range's share of the DC's Poisson input for the whole presentation.
// Each input's spikes come from its own stream, however the steps and the inputs are cut.
func (d *DC) drawShare(sp *dcSplit, sh *dcShard) {
	j := &sp.job
	act, k, K := d.src.active, sh.index, len(sp.shards)
	sh.in.Reset(j.step0)
	d.src.fill(sh.in, 0, j.steps, act[k*len(act)/K:(k+1)*len(act)/K], &sh.fill)
	sh.filled.Store(j.g)
}

// gatherShares waits for every range's share of the input and gathers them step by step in
// a frame of the range's own.
func (d *DC) gatherShares(sp *dcSplit, sh *dcShard) bool {
	j := &sp.job
	for _, o := range sp.shards {
		if _, ok := sp.await(&o.filled, j.g, true, &sh.stall); !ok {
			return false
		}
	}
	sh.all.Reset(j.step0)
	for s := range j.steps {
		for _, o := range sp.shards {
			sh.all.Idx = append(sh.all.Idx, o.in.Spikes(s)...)
		}
		sh.all.EndStep()
	}
	return true
}

// inhAhead steps range sh's inhibitory neurons through step n, driven by the range's
// excitatory spikes of step n−1 (lastExc), into nextInh, and returns their count. save
// keeps their state before the step first (inhSave).
func (d *DC) inhAhead(sh *dcShard, n int, save bool) int {
	if save {
		sh.inhSave.copyFrom(sh.inh)
	}
	sh.inh.drive(sh.lastExc, d.cfg.WExcInh, n)
	sh.cnt.SOPs += uint64(len(sh.lastExc))
	sh.nextInh = append(sh.nextInh[:0], sh.inh.step(n)...)
	return len(sh.nextInh)
}

// stepShard is advance for range sh at step n, the inhibitory neurons already through it
// (nextInh): what advance does to these columns, so that every neuron's and every weight's
// arithmetic is the same, and the flush of the excitatory conductances where the serial
// path makes one (flush). Unless last (the job's last step) it then steps the inhibitory
// neurons ahead, and publishes their count with, if check (the rest may end after this
// step), whether the range is quiet. It returns false if another range failed.
func (d *DC) stepShard(sp *dcSplit, sh *dcShard, n int, pre []int32, presenting, flush, last, check bool) bool {
	cfg, N := &d.cfg, d.cfg.Neurons
	j := &sp.job
	exc, lo, hi := sh.exc, sh.lo, sh.hi
	// The input first: it does not depend on the other ranges, which have that much longer
	// to publish (the inhibition below touches gi alone, the input the ring and ge alone).
	// Meanwhile the slots of the other ranges read below travel here: they have most likely
	// been published already and are not written again for four steps.
	if n > j.step0 {
		for _, o := range sp.shards {
			if o != sh {
				prefetch(&o.slots[(n-2)&3].tag.v)
			}
		}
	}
	r := d.maxDelay + 1
	if len(pre) > 0 {
		ring, w := sh.ring[(n%r)*sh.stride:], hi-lo
		for _, i := range pre {
			scatterRow(ring, sh.delayOff[int(i)*w:int(i)*w+w], sh.rows.Row(int(i))[sh.rowLo:sh.rowLo+w], sh.maxOff)
		}
		sh.busyUntil = n + d.maxDelay
		sh.cnt.SOPs += uint64(len(pre) * (hi - lo))
		sh.cnt.DeviceReads += uint64(len(pre) * (hi - lo))
		if lo == 0 {
			sh.cnt.Spikes[0] += uint64(len(pre))
		}
	}
	if n <= sh.busyUntil {
		base, w := (n%r)*sh.stride, hi-lo
		drain(exc.ge, sh.ring[base:base+w], sh.ring[base+r*sh.stride:base+r*sh.stride+w])
	}
	// The inhibitory spikes of step n−1, of every range.
	k := j.k0
	if n > j.step0 {
		k = 0
		for oi, o := range sp.shards {
			sl := &sh.slots[(n-2)&3]
			if o != sh {
				var ok bool
				if sl, ok = sp.waitFor(sh, oi, j, n-2); !ok {
					return false
				}
			}
			k += int(sl.inh)
		}
	}
	if k > 0 {
		inhibit(exc.gi, cfg.WInhExc, k, sh.lastInh)
		sh.cnt.SOPs += uint64(len(sh.lastInh) * (N - 1))
	}
	es := exc.step(n)
	sh.lastExc = append(sh.lastExc[:0], es...)
	is := sh.nextInh
	if presenting {
		for _, j := range es {
			d.excCount[lo+int(j)]++
		}
		for _, j := range is {
			d.inhCount[lo+int(j)]++
		}
	}
	sh.cnt.Spikes[1] += uint64(len(es))
	sh.cnt.Spikes[2] += uint64(len(is))
	sh.cnt.NeuronUpdates += uint64(2 * (hi - lo))
	if lo == 0 {
		sh.cnt.Steps++
	}
	if flush {
		exc.flush()
	}
	quiet := check && d.shardQuiet(sh, n, len(es)+len(is))
	sh.lastInh, sh.nextInh = is, sh.lastInh
	inh := 0
	if !last {
		inh = d.inhAhead(sh, n+1, quiet)
	}
	sh.publish(j, n, inh, quiet)
	if sh.part != nil {
		sh.part.Step(n, pre, sh.lastExc)
	}
	return true
}

// shardQuiet is DC.quiet for range sh after step n, whose spikes in the range were spikes.
func (d *DC) shardQuiet(sh *dcShard, n, spikes int) bool {
	return n+1 > sh.busyUntil && spikes == 0 && d.popsQuiet(sh.exc, sh.inh, sh.lo == 0)
}
