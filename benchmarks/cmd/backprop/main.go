// Command backprop is the experiment driver of benchmarks/RESULTS.md (backprop section): it trains a
// surrogate-gradient SNN with package learning and prints one line per epoch and a JSON summary.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/nanospike/nanospike/datasets"
	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/learning"
)

func main() {
	cfg := learning.DefaultBackpropConfig()
	hidden := flag.String("hidden", "1000", "hidden layer sizes, comma-separated")
	flag.IntVar(&cfg.Steps, "steps", cfg.Steps, "time steps")
	epochs := flag.Int("epochs", 1, "epochs")
	nTrain := flag.Int("train", 0, "training images (0: all)")
	nTest := flag.Int("test", 0, "test images (0: all)")
	flag.Float64Var(&cfg.LR, "lr", cfg.LR, "learning rate")
	flag.Float64Var(&cfg.LRDecay, "lr-decay", cfg.LRDecay, "per-epoch learning-rate factor")
	flag.Float64Var(&cfg.WeightDecay, "wd", cfg.WeightDecay, "decoupled weight decay")
	flag.StringVar(&cfg.Optimizer, "opt", cfg.Optimizer, "adam or sgd")
	flag.IntVar(&cfg.BatchSize, "batch", cfg.BatchSize, "batch size")
	flag.StringVar(&cfg.Readout, "readout", cfg.Readout, "count or count-membrane")
	flag.StringVar(&cfg.Encoding, "encoding", cfg.Encoding, "rate or direct")
	flag.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed")
	dev := flag.String("device", "", "device preset or JSON file (empty: ideal float weights)")
	flag.StringVar(&cfg.Device.Mode, "mode", cfg.Device.Mode, "ideal, insitu or exsitu")
	flag.StringVar(&cfg.Device.Update, "update", cfg.Device.Update, "round, stochastic, accumulate or exact")
	flag.StringVar(&cfg.Device.Scheme, "scheme", cfg.Device.Scheme, "unipolar or sign-magnitude")
	flag.Float64Var(&cfg.Device.WMaxScale, "wmax", cfg.Device.WMaxScale, "WMax·√fan_in")
	flag.Float64Var(&cfg.Device.ExSituQuantile, "exq", cfg.Device.ExSituQuantile, "ex-situ WMax quantile of |w|")
	flag.Float64Var(&cfg.Device.LRScale, "lrscale", cfg.Device.LRScale, "in-situ LR multiplier")
	flag.Float64Var(&cfg.Device.Threshold, "thr", cfg.Device.Threshold, "accumulate threshold (pulses)")
	flag.IntVar(&cfg.Device.RefreshEvery, "refresh", cfg.Device.RefreshEvery, "refresh period (batches, 0 off)")
	flag.IntVar(&cfg.Device.CarryEvery, "carry", cfg.Device.CarryEvery, "periodic carry every N batches (0 off)")
	flag.Float64Var(&cfg.Device.CarryGain, "carry-gain", cfg.Device.CarryGain, "WMax ratio of coarse to fine pair")
	evalEvery := flag.Bool("eval-every", true, "evaluate after every epoch")
	flag.Parse()
	cfg.Hidden = nil
	for _, s := range strings.Split(*hidden, ",") {
		h, err := strconv.Atoi(s)
		if err != nil {
			fail(err)
		}
		cfg.Hidden = append(cfg.Hidden, h)
	}
	var p *device.Params
	if *dev != "" {
		var err error
		if strings.HasSuffix(*dev, ".json") {
			p, err = device.LoadParams(*dev)
		} else {
			p, err = device.Preset(*dev)
		}
		if err != nil {
			fail(err)
		}
		if cfg.Device.Mode == learning.ModeIdeal {
			cfg.Device.Mode = learning.ModeInSitu
		}
	}
	d, err := datasets.Load("")
	if err != nil {
		fail(err)
	}
	train, test := d.Train, d.Test
	if *nTrain > 0 {
		train = train.Subset(*nTrain)
	}
	if *nTest > 0 {
		test = test.Subset(*nTest)
	}
	t0 := time.Now()
	net, err := learning.NewBackprop(cfg, p)
	if err != nil {
		fail(err)
	}
	fmt.Fprintf(os.Stderr, "init %.2fs\n", time.Since(t0).Seconds())
	type epochOut struct {
		learning.BackpropEpoch
		TestAcc float64 `json:"test_acc"`
		// TestAccCountMembrane is the accuracy with spike-count ties broken by the membrane.
		TestAccCountMembrane float64 `json:"test_acc_count_membrane"`
		CPUSeconds           float64 `json:"cpu_seconds"` // process CPU time of the epoch (robust to a shared machine)
	}
	var outs []epochOut
	var last learning.BackpropResult
	for e := range *epochs {
		cpu0 := cpuSeconds()
		r, err := net.TrainEpoch(context.Background(), train, nil)
		cpu := cpuSeconds() - cpu0
		if err != nil {
			fail(err)
		}
		if cfg.Device.Mode == learning.ModeExSitu && e == *epochs-1 {
			if err := net.ProgramDevices(); err != nil {
				fail(err)
			}
		}
		o := epochOut{BackpropEpoch: r, TestAcc: -1, CPUSeconds: cpu}
		if *evalEvery || e == *epochs-1 {
			t1 := time.Now()
			if err := net.SetReadout(learning.ReadoutCountMembrane); err != nil {
				fail(err)
			}
			alt, err := net.Evaluate(test)
			if err != nil {
				fail(err)
			}
			o.TestAccCountMembrane = alt.Accuracy
			if err := net.SetReadout(cfg.Readout); err != nil {
				fail(err)
			}
			last, err = net.Evaluate(test)
			if err != nil {
				fail(err)
			}
			o.TestAcc = last.Accuracy
			fmt.Fprintf(os.Stderr, "eval %.1fs\n", time.Since(t1).Seconds())
		}
		outs = append(outs, o)
		fmt.Printf("epoch %d: %.2f s (cpu %.2f s), loss %.3f, train acc %.2f%%, test acc %.2f%% (count-membrane readout %.2f%%)\n",
			e+1, r.Seconds, cpu, r.Loss, 100*r.TrainAcc, 100*o.TestAcc, 100*o.TestAccCountMembrane)
	}
	sum := map[string]any{
		"config": net.Config(), "device": *dev, "epochs": outs, "test": last.Accuracy,
		"counters": net.Counters(), "energy": net.Energy(),
	}
	b, _ := json.Marshal(sum)
	fmt.Println(string(b))
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "backprop:", err)
	os.Exit(1)
}

// cpuSeconds returns the process's user+system CPU time.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}
