package network

import (
	"context"
	"fmt"
	"sync"
)

// blockFunc is one pipeline stage's work on one block of steps: it reads the
// spikes of the previous stage (in; nil for the source stage) and writes its
// own spikes of steps [step0, step0+steps) to out, which has been Reset to
// step0. It runs on the stage's own goroutine.
type blockFunc func(in, out *Frame, step0, steps int) error

// framesPerStage is the number of frames each stage may have in flight: one
// being filled, one queued for the next stage, one being read by it.
const framesPerStage = 3

// pipeline is a chain of stages, one goroutine each, joined by channels of
// frames. Its frame pools persist across runs, so a run allocates only its
// channels and goroutines, never per step or per block.
type pipeline struct {
	stages []blockFunc
	pools  [][]*Frame
	// serial runs the stages in turn on the caller's goroutine, block after block: for a
	// network that is one of several run at once, one per core (DC.Replica), whose stages
	// would gain nothing from cores already busy and lose their caches to the moves of new
	// goroutines between cores.
	serial bool
}

func newPipeline(stages ...blockFunc) *pipeline {
	p := &pipeline{stages: stages, pools: make([][]*Frame, len(stages))}
	for k := range p.pools {
		for range framesPerStage {
			p.pools[k] = append(p.pools[k], &Frame{})
		}
	}
	return p
}

// run simulates steps [step0, step0+total) in blocks of blockSteps: stage k
// works on block b while stage k−1 works on block b+1. sink, if not nil, sees
// every frame of the last stage, in order, on the last stage's goroutine,
// and after is called on the last stage's goroutine once all blocks are done
// (it is skipped if the run fails or is cancelled). run returns when every
// stage goroutine has exited; the first error (or the context's) cancels the
// other stages and is returned.
func (p *pipeline) run(ctx context.Context, step0, total, blockSteps int, sink func(*Frame), after func() error) error {
	if blockSteps <= 0 {
		panic("network: pipeline block size must be positive")
	}
	if p.serial {
		return p.runSerial(ctx, step0, total, blockSteps, sink, after)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	nb := (total + blockSteps - 1) / blockSteps
	n := len(p.stages)
	out := make([]chan *Frame, n)
	free := make([]chan *Frame, n)
	for k := range n {
		out[k] = make(chan *Frame, framesPerStage)
		free[k] = make(chan *Frame, framesPerStage)
		for _, f := range p.pools[k] {
			free[k] <- f
		}
	}
	var (
		wg      sync.WaitGroup
		errOnce sync.Once
		first   error
		done    bool // the last stage finished every block (written before wg.Done)
	)
	fail := func(err error) {
		errOnce.Do(func() { first = err })
		cancel(err)
	}
	for k := range n {
		wg.Go(func() {
			defer close(out[k])
			defer func() {
				if r := recover(); r != nil {
					fail(fmt.Errorf("network: stage %d panicked: %v", k, r))
				}
			}()
			last := k == n-1
			for b := range nb {
				var in *Frame
				if k > 0 {
					select {
					case f, ok := <-out[k-1]:
						if !ok {
							return // upstream failed or was cancelled
						}
						in = f
					case <-ctx.Done():
						return
					}
				}
				var fo *Frame
				select {
				case fo = <-free[k]:
				case <-ctx.Done():
					return
				}
				s0 := step0 + b*blockSteps
				steps := min(blockSteps, step0+total-s0)
				fo.Reset(s0)
				if err := p.stages[k](in, fo, s0, steps); err != nil {
					fail(err)
					return
				}
				if in != nil {
					free[k-1] <- in // never blocks: the channel holds the whole pool
				}
				if last {
					if sink != nil {
						sink(fo)
					}
					free[k] <- fo
					continue
				}
				select {
				case out[k] <- fo:
				case <-ctx.Done():
					return
				}
			}
			if last && ctx.Err() == nil {
				if after != nil {
					if err := after(); err != nil {
						fail(err)
						return
					}
				}
				done = true
			}
		})
	}
	wg.Wait()
	if first != nil {
		return first
	}
	if done {
		return nil // a cancellation that came after the work was complete changes nothing
	}
	return context.Cause(ctx)
}

// runSerial is run with the stages taken in turn on the caller's goroutine: the same blocks,
// frames and calls in the same order, so the same result.
func (p *pipeline) runSerial(ctx context.Context, step0, total, blockSteps int, sink func(*Frame), after func() error) (err error) {
	k := 0 // the stage at work, for a panic's message
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("network: stage %d panicked: %v", k, r)
		}
	}()
	for s0 := step0; s0 < step0+total; s0 += blockSteps {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		steps := min(blockSteps, step0+total-s0)
		var in *Frame
		for k = range p.stages {
			out := p.pools[k][0]
			out.Reset(s0)
			if err := p.stages[k](in, out, s0, steps); err != nil {
				return err
			}
			in = out
		}
		if sink != nil {
			sink(in)
		}
	}
	if after != nil {
		return after()
	}
	return nil
}
