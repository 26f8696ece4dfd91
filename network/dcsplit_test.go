package network

import (
	"context"
	"reflect"
	"runtime"
	"testing"
	"time"
	"unsafe"

	"github.com/nanospike/nanospike/internal/pad"
)

// splitCase is a configuration TestDCSplitSameSpikesAnyGOMAXPROCS steps in column ranges.
type splitCase struct {
	name    string
	simRest bool
	retries int  // MaxTries
	inhθ    bool // adaptive inhibitory thresholds
	train   bool // the input a SpikeTrain (a source not the DC's own Poisson)
	turns   bool // presentations in column ranges and whole in turn (SetWorkers(0)'s fallback)
}

// TestDCSplitSameSpikesAnyGOMAXPROCS steps one network in 1, 2 and 3 column ranges (ranges
// of 16 columns and up, N = 100) and wants the same spikes, counters and end state: the rest
// simulated, or ended when quiet, with retries (the rest runs its course) and without (it
// ends with inhibitory neurons still active: the ranges undo their step ahead); adaptive
// inhibitory thresholds; another input source; ranges and the whole in turn, as
// SetWorkers(0) steps them when the split does not pay.
func TestDCSplitSameSpikesAnyGOMAXPROCS(t *testing.T) {
	for _, tc := range []splitCase{
		{name: "simulated rest", simRest: true, retries: 20},
		{name: "rest ends when quiet", retries: 20},
		{name: "rest ends early", retries: 1},
		{name: "adaptive inhibitory θ", retries: 1, inhθ: true},
		{name: "spike train", retries: 1, train: true},
		{name: "split and whole in turn", retries: 20, turns: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r1, s1 := runSplitCase(t, tc, 1)
			spikes := 0
			for _, r := range r1 {
				spikes += r.Total()
			}
			if spikes == 0 {
				t.Fatal("no excitatory spike: the test shows nothing")
			}
			if tc.retries == 1 && !tc.train && s1.Counters.Steps >= uint64(len(r1)*1000) {
				t.Fatalf("%d steps for %d presentations: no rest ended early", s1.Counters.Steps, len(r1))
			}
			for _, w := range []int{2, 3} {
				rw, sw := runSplitCase(t, tc, w)
				if !reflect.DeepEqual(r1, rw) {
					t.Errorf("%d ranges: results differ from one goroutine's", w)
				}
				if !reflect.DeepEqual(s1, sw) {
					t.Errorf("%d ranges: end state differs from one goroutine's", w)
				}
			}
		})
	}
}

// runSplitCase presents 6 images to a new network of case tc on the given number of cores
// and returns the results and the end state.
func runSplitCase(t *testing.T, tc splitCase, workers int) ([]Result, *DCState) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(workers))
	cfg := DefaultDCConfig(64, 100)
	cfg.Seed, cfg.SimulateRest, cfg.MaxTries = 5, tc.simRest, tc.retries
	if tc.retries == 1 {
		// Strong input and a coarse quiet test: the rest ends a few steps after the last
		// spikes, inhibitory neurons still active.
		cfg.StartIntensity, cfg.RestEps = 16, 0.5
	}
	if tc.inhθ {
		cfg.Inh.AdaptiveTheta, cfg.Inh.ThetaPlus, cfg.Inh.TauTheta = true, 5, 1e4 // θ outlasts a rest
	}
	w := NewDense(64, 100)
	DCInitWeights(w.W, 5, 7)
	d, err := NewDC(cfg, w)
	if err != nil {
		t.Fatal(err)
	}
	d.minSplit = 16
	d.SetWorkers(workers)
	defer d.SetWorkers(1)
	var rs []Result
	split, whole := 0, 0
	for k := range 6 {
		if tc.turns {
			// As judgeSplit does after three stalled presentations: odd images whole.
			d.splitOff = 100 * (k % 2)
		}
		var r Result
		var err error
		if tc.train {
			// Every input spikes every third step of the presentation.
			src := &SpikeTrain{Spikes: make([][]int32, d.presentSteps)}
			for s := 0; s < len(src.Spikes); s += 3 {
				for i := range int32(64) {
					if (int(i)+s+k)%5 == 0 {
						src.Spikes[s] = append(src.Spikes[s], i)
					}
				}
			}
			r, err = d.PresentSource(context.Background(), src)
		} else {
			r, err = d.PresentImage(context.Background(), synthImage(64, uint64(k)))
		}
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
		if d.split != nil {
			split++
		} else {
			whole++
		}
	}
	if tc.turns {
		if workers > 1 && (split == 0 || whole == 0) {
			t.Fatalf("workers %d: %d presentations split, %d whole: not in turn", workers, split, whole)
		}
	} else if want := min(workers, 100/16); d.split == nil && want > 1 || d.split != nil && len(d.split.shards) != want {
		t.Fatalf("workers %d: split %v, want %d ranges", workers, d.split != nil, want)
	}
	st, err := d.State()
	if err != nil {
		t.Fatal(err)
	}
	return rs, st
}

// TestDCSplitGoroutinesEnd: SetWorkers(1) ends the ranges' goroutines, also after a pause
// long enough for them to park, and a cancelled presentation returns the context's error.
func TestDCSplitGoroutinesEnd(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	before := runtime.NumGoroutine()
	d, _ := newTestDC(t, 64, 100, 5)
	d.minSplit = 16
	d.SetWorkers(2)
	for k := range 2 {
		if _, err := d.PresentImage(context.Background(), synthImage(64, uint64(k))); err != nil {
			t.Fatal(err)
		}
		time.Sleep(2 * parkAfter) // the worker parks
	}
	if d.split == nil {
		t.Fatal("not split")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := d.PresentImage(ctx, synthImage(64, 9)); err != context.Canceled {
		t.Fatalf("cancelled presentation: error %v, want %v", err, context.Canceled)
	}
	d.SetWorkers(1)
	for i := 0; runtime.NumGoroutine() > before; i++ {
		if i == 100 {
			t.Fatalf("%d goroutines after SetWorkers(1), %d before", runtime.NumGoroutine(), before)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestPubSlotLines checks that the slots of a split each lie in cache lines of their own.
func TestPubSlotLines(t *testing.T) {
	if s := unsafe.Sizeof(pubSlot{}); s != 128 {
		t.Fatalf("pubSlot is %d bytes, want 128", s)
	}
	for range 3 {
		sl := pad.Isolated[pubSlot](4, 4)
		if a := uintptr(unsafe.Pointer(&sl[0])); a%128 != 0 {
			t.Errorf("slots start at %#x, not a multiple of 128 bytes", a)
		}
	}
}

// TestJudgeSplit: three stalled split presentations in a row send the next 32 to one
// goroutine, the next such run 64, up to 1,024; a good presentation between resets both.
func TestJudgeSplit(t *testing.T) {
	d := &DC{autoSplit: true}
	sp := &dcSplit{shards: []*dcShard{{}, {}}}
	present := func(stall time.Duration) {
		sp.shards[1].stall = stall
		d.judgeSplit(sp, time.Millisecond)
	}
	for run, want := range []int{32, 64, 128, 256, 512, 1024, 1024} {
		present(300 * time.Microsecond)
		present(300 * time.Microsecond)
		if d.splitOff != 0 {
			t.Fatalf("run %d: whole after two stalled presentations", run)
		}
		present(300 * time.Microsecond)
		if d.splitOff != want {
			t.Fatalf("run %d: %d presentations whole, want %d", run, d.splitOff, want)
		}
		d.splitOff = 0
	}
	present(100 * time.Microsecond) // 10 %: good
	present(300 * time.Microsecond)
	present(300 * time.Microsecond)
	present(300 * time.Microsecond)
	if d.splitOff != 32 {
		t.Errorf("after a good presentation: %d whole, want 32 again", d.splitOff)
	}
}
