package network

import (
	"context"
	"reflect"
	"runtime"
	"testing"
)

// TestDCSplitSameSpikes steps one network in 1, 2 and 3 column ranges (ranges of 16 columns
// and up, N = 100) and wants the same spikes, counters and end state: the rest simulated, or
// ended when quiet, with retries (the rest runs its course) and without (it ends with
// inhibitory neurons still active: the ranges undo their step ahead).
func TestDCSplitSameSpikesAnyGOMAXPROCS(t *testing.T) {
	for _, tc := range []struct {
		simRest bool
		retries int
	}{{true, 20}, {false, 20}, {false, 1}} {
		run := func(workers int) ([]Result, *DCState) {
			defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(workers))
			d, _ := newTestDC(t, 64, 100, 5)
			d.cfg.SimulateRest, d.cfg.MaxTries = tc.simRest, tc.retries
			if tc.retries == 1 {
				// Strong input and a coarse quiet test: the rest ends a few steps after the last
				// spikes, inhibitory neurons still active.
				d.cfg.StartIntensity, d.cfg.RestEps = 16, 0.5
			}
			d.minSplit = 16
			d.SetWorkers(workers)
			defer d.SetWorkers(1)
			var rs []Result
			for k := range 6 {
				r, err := d.PresentImage(context.Background(), synthImage(64, uint64(k)))
				if err != nil {
					t.Fatal(err)
				}
				rs = append(rs, r)
			}
			if want := min(workers, 100/16); d.split == nil && want > 1 || d.split != nil && len(d.split.shards) != want {
				t.Fatalf("workers %d: split %v, want %d ranges", workers, d.split != nil, want)
			}
			st, err := d.State()
			if err != nil {
				t.Fatal(err)
			}
			return rs, st
		}
		r1, s1 := run(1)
		spikes := 0
		for _, r := range r1 {
			spikes += r.Total()
		}
		if spikes == 0 {
			t.Fatal("no excitatory spike: the test shows nothing")
		}
		for _, w := range []int{2, 3} {
			rw, sw := run(w)
			if !reflect.DeepEqual(r1, rw) {
				t.Errorf("%+v: %d ranges: results differ from one goroutine's", tc, w)
			}
			if !reflect.DeepEqual(s1, sw) {
				t.Errorf("%+v: %d ranges: end state differs from one goroutine's", tc, w)
			}
		}
	}
}
