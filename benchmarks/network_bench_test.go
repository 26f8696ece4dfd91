package benchmarks

import (
	"context"
	"flag"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/nanospike/nanospike/datasets"
	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/internal/pad"
	"github.com/nanospike/nanospike/learning"
	"github.com/nanospike/nanospike/network"
)

// netCPUTime returns the process's user+system CPU time: on this shared
// machine the wall-clock rate drops when other processes compete for the
// cores, the rate per CPU-second much less.
func netCPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

var (
	netImagesOnce sync.Once
	netImages     [][]float64
	netImagesSrc  string
)

// benchImages returns 100 MNIST test images as pixel values (0–255), or, if
// MNIST cannot be found, 100 synthetic MNIST-like images (~19 % of the pixels
// on, mean intensity ~0.13).
func benchImages(b *testing.B) ([][]float64, string) {
	netImagesOnce.Do(func() { netImages, netImagesSrc = loadImages("test", 100, 1) })
	return netImages, netImagesSrc
}

// loadImages returns the first n images of MNIST's split as pixel values (0–255) and
// "mnist-"+split, or, if MNIST cannot be read, n synthetic images of stream s
// (syntheticImage) and "synthetic".
func loadImages(split string, n int, s uint64) ([][]float64, string) {
	return imagesOf(mnistSplit(split), "mnist-"+split, n, s)
}

// imagesOf is loadImages from set (nil: MNIST could not be read), named src.
func imagesOf(set *datasets.Set, src string, n int, s uint64) ([][]float64, string) {
	if set == nil || set.Len() < n {
		set, src = nil, "synthetic"
	}
	imgs := make([][]float64, n)
	for k := range imgs {
		imgs[k] = make([]float64, 784)
		imageOf(imgs[k], set, s, k)
	}
	return imgs, src
}

// imageOf writes the pixels (0–255) of image k mod set.Len() of set to dst, or, if set is nil,
// synthetic image k of stream s (syntheticImage).
func imageOf(dst []float64, set *datasets.Set, s uint64, k int) {
	if set == nil {
		syntheticImage(dst, s, uint64(k))
		return
	}
	for i, p := range set.Image(k % set.Len()) {
		dst[i] = float64(p)
	}
}

// mnistSplit returns MNIST's split ("train" or "test") as datasets.Locate finds it, or nil if
// it cannot be read (the benchmarks then use synthetic images).
func mnistSplit(split string) *datasets.Set {
	dir, err := datasets.Locate()
	if err != nil {
		return nil
	}
	set, err := datasets.LoadSplit(dir, split)
	if err != nil || set.Len() == 0 {
		return nil
	}
	return set
}

// syntheticImage fills dst with synthetic image k of stream s: MNIST-like, ~19 % of the
// pixels on, at 100–255.
func syntheticImage(dst []float64, s, k uint64) {
	rng := rand.New(rand.NewPCG(s, k))
	for i := range dst {
		dst[i] = 0
		if rng.Float64() < 0.19 {
			dst[i] = 100 + 155*rng.Float64()
		}
	}
}

// benchSTDP is a simple Diehl & Cook-style trace STDP that programs the
// device array: on an input spike i, w_ij −= 1e-4·post1_j for the recently
// active neurons j; on a spike of neuron j, w_ij += 1e-2·pre_i·post2_j for
// the recently active inputs i; each Δw becomes Δw/WMax·Pmax pulses
// (stochastic rounding in the device), the updates of a step's pre spikes and
// of each post spike in one batch each (device.Array.Program). Traces are
// lazy (value 1 at the last spike, decaying with τ = 20, 20, 40 ms); entries
// older than 5τ are dropped from the active lists. (No weight normalisation:
// that is package learning's.)
type benchSTDP struct {
	arr                  *device.Array
	dt                   float64 // ms
	lastPre, lastPost    []int   // step of the last spike, −1: never
	prev2                []float64
	actPre, actPost      []int32
	inActPre, inActPost  []bool
	tPre, tPost1, tPost2 []float64    // trace after k steps, k ≤ window
	winPre, winPost      int          // steps after which a trace is dropped
	dw                   []float64    // the active neurons' depressions at a pre spike
	tr                   []float64    // the active inputs' traces at a post spike
	dep, pot             device.Batch // the batches of a step's pre spikes and of a post spike
}

// decayTable returns exp(−k·dt/τ) for k = 0 … n.
func decayTable(dt, tau float64, n int) []float64 {
	t := make([]float64, n+1)
	for k := range t {
		t[k] = math.Exp(-float64(k) * dt / tau)
	}
	return t
}

func newBenchSTDP(arr *device.Array, dt float64) *benchSTDP {
	s := &benchSTDP{
		arr: arr, dt: dt,
		lastPre: make([]int, arr.Rows()), lastPost: make([]int, arr.Cols()),
		inActPre: make([]bool, arr.Rows()), inActPost: make([]bool, arr.Cols()),
		winPre: int(100 / dt), winPost: int(200 / dt),
	}
	s.tPre = decayTable(dt, 20, s.winPre)
	s.tPost1 = decayTable(dt, 20, s.winPost)
	s.tPost2 = decayTable(dt, 40, s.winPost)
	for i := range s.lastPre {
		s.lastPre[i] = -1 << 40
	}
	for j := range s.lastPost {
		s.lastPost[j] = -1 << 40
	}
	return s
}

func (s *benchSTDP) Step(step int, pre, post []int32) {
	if len(pre) > 0 && len(s.actPost) > 0 {
		// The active neurons' depressions, pruning the list on the way: they depend on the
		// neuron only, so they are computed once and applied to each pre spike's row.
		keep, dw := s.actPost[:0], s.dw[:0]
		for _, j := range s.actPost {
			k := step - s.lastPost[j]
			if k > s.winPost {
				s.inActPost[j] = false
				continue
			}
			keep = append(keep, j)
			dw = append(dw, -1e-4*s.tPost1[k])
		}
		s.actPost, s.dw = keep, dw
		n := int32(s.arr.Cols())
		b := &s.dep
		b.Index, b.DW = b.Index[:0], b.DW[:0]
		for _, i := range pre {
			for m, j := range keep {
				b.Index = append(b.Index, i*n+j)
				b.DW = append(b.DW, dw[m])
			}
		}
		s.arr.Program(b)
	}
	for _, i := range pre {
		s.lastPre[i] = step
		if !s.inActPre[i] {
			s.inActPre[i] = true
			s.actPre = append(s.actPre, i)
		}
	}
	if len(post) > 0 {
		// The active inputs' traces, once for all of this step's post spikes, pruning the list
		// on the way.
		keep, tr := s.actPre[:0], s.tr[:0]
		for _, i := range s.actPre {
			k := step - s.lastPre[i]
			if k > s.winPre {
				s.inActPre[i] = false
				continue
			}
			keep = append(keep, i)
			tr = append(tr, s.tPre[k])
		}
		s.actPre, s.tr = keep, tr
		for _, j := range post {
			k := step - s.lastPost[j] // post2 is read before it is set
			if k > s.winPost {
				continue
			}
			c := 1e-2 * s.tPost2[k]
			b := &s.pot
			b.Shape, b.Line, b.Index, b.DW = device.InColumn, int(j), keep, b.DW[:0]
			for _, x := range tr {
				b.DW = append(b.DW, c*x)
			}
			s.arr.Program(b)
		}
		for _, j := range post {
			s.lastPost[j] = step
			if !s.inActPost[j] {
				s.inActPost[j] = true
				s.actPost = append(s.actPost, j)
			}
		}
	}
}

// newBenchArray784 returns an Inputs×n array of the named preset programmed
// to Diehl & Cook's initial weights 0.3·(U + 0.01): each weight a Δw from
// Gmin with the model-based pulse count, which lands near it on a nonlinear
// device (the nominal count overshoots).
func newBenchArray784(b *testing.B, preset string, n int) *device.Array {
	p, err := device.Preset(preset)
	if err != nil {
		b.Fatal(err)
	}
	a, err := device.NewArray(p, 784, n, 1)
	if err != nil {
		b.Fatal(err)
	}
	w := make([]float64, 784*n)
	network.DCInitWeights(w, 1, 7)
	for i := range 784 {
		a.Program(&device.Batch{Shape: device.InRow, Line: i, DW: w[i*n : (i+1)*n], Model: true})
	}
	a.ResetCounters()
	return a
}

// newBenchDC returns Diehl & Cook's network (seed 1) of n neurons on an Inputs×n array of the
// named preset at the initial weights, with its configuration.
func newBenchDC(b *testing.B, preset string, n int) (*device.Array, *network.DC, network.DCConfig) {
	arr := newBenchArray784(b, preset, n)
	d, cfg := benchDCOn(b, arr)
	return arr, d, cfg
}

// benchDCOn returns Diehl & Cook's network (seed 1) on arr (784 × N), with its configuration.
func benchDCOn(b *testing.B, arr *device.Array) (*network.DC, network.DCConfig) {
	cfg := network.DefaultDCConfig(784, arr.Cols())
	cfg.Seed = 1
	d, err := network.NewDC(cfg, arr)
	if err != nil {
		b.Fatal(err)
	}
	return d, cfg
}

// presentImages shows images[0], images[1], … (rates pixel/8·k Hz), one per benchmark
// iteration, and returns the network's counters over the loop.
func presentImages(b *testing.B, d *network.DC, images [][]float64, k float64) network.Counters {
	rates := make([]float64, 784)
	c0 := d.Counters()
	img := 0
	for b.Loop() {
		for i, p := range images[img%len(images)] {
			rates[i] = p / 8 * k
		}
		img++
		if _, err := d.Present(context.Background(), rates); err != nil {
			b.Fatal(err)
		}
	}
	return d.Counters().Sub(c0)
}

// benchPresentations times presentImages on d (plasticity: benchSTDP on arr and θ adaptive,
// or θ frozen) and reports the engine benchmarks' metrics.
func benchPresentations(b *testing.B, arr *device.Array, d *network.DC, cfg network.DCConfig, images [][]float64, k float64, plastic bool) {
	if plastic {
		d.SetPlasticity(newBenchSTDP(arr, cfg.Dt))
	} else {
		d.FreezeTheta(true)
	}
	cpu0 := netCPUTime()
	c := presentImages(b, d, images, k)
	cpu := (netCPUTime() - cpu0).Seconds()
	per := float64(b.N)
	b.ReportMetric(b.Elapsed().Seconds()*1e3/per, "ms/img")
	b.ReportMetric(per/b.Elapsed().Seconds(), "img/s")
	b.ReportMetric(cpu*1e3/per, "cpu-ms/img")
	b.ReportMetric(float64(c.SOPs)/per, "SOP/img")
	b.ReportMetric(float64(c.SOPs)/b.Elapsed().Seconds(), "SOP/s")
	b.ReportMetric(float64(c.Spikes[0])/per, "in-spikes/img")
	b.ReportMetric(float64(c.Spikes[1])/per, "exc-spikes/img")
	b.ReportMetric(float64(c.PotPulses+c.DepPulses)/per, "pulses/img")
}

// BenchmarkDCNetwork measures Diehl & Cook's network (784 Poisson inputs at
// pixel/8·k Hz → N excitatory + N inhibitory neurons, lateral inhibition,
// input delays U[0, 10] ms, 350 ms presentation + 150 ms rest at dt 0.5 ms)
// on device synapses (ideal; ag-a-si, NeuroSim's Ag:a-Si: NL 2.4/−4.88, 97 states, C2C 3.5 %,
// D2D, noiseless reads; si-nc-memristor: read noise, facilitation, C2C, D2D;
// si-nc-phototransistor, the default device of make run: 2 % read noise,
// two-component facilitation),
// per presentation, plasticity off (θ frozen) and on
// (θ adaptive + benchSTDP programming the array). Run with -cpu 1 for the
// one-core figures. The network is new (initial weights and thresholds), the
// costliest state of a training run: BenchmarkDCNetworkTrained measures a
// trained one.
func BenchmarkDCNetwork(b *testing.B) {
	images, _ := benchImages(b)
	for _, n := range []int{100, 400} {
		for _, preset := range []string{"ideal", "ag-a-si", "si-nc-memristor", "si-nc-phototransistor"} {
			for _, k := range []float64{2, 4} {
				for _, plastic := range []bool{false, true} {
					name := fmt.Sprintf("N=%d/dev=%s/k=%g/plastic=%v", n, preset, k, plastic)
					b.Run(name, func(b *testing.B) {
						arr, d, cfg := newBenchDC(b, preset, n)
						benchPresentations(b, arr, d, cfg, images, k, plastic)
					})
				}
			}
		}
	}
}

// dcWarmup is the length of the training that BenchmarkDCNetworkTrained's networks have
// behind them: by default 5,000 images (make run's training length, though make run trains
// with package learning's rule, and with retries). A flag of this package: use it with
// ./benchmarks/ only.
var dcWarmup = flag.Int("dc.warmup", 5000, "training images (benchSTDP) before BenchmarkDCNetworkTrained times")

var (
	trainSetOnce sync.Once
	trainSet     *datasets.Set // MNIST's training split; nil: synthetic images
	heldOutOnce  sync.Once
	heldOut      [][]float64
	heldOutSrc   string
)

// trainingSet returns MNIST's training split, read once, or nil if it cannot be read
// (BenchmarkDCNetworkTrained then trains on synthetic images, as benchImages falls back).
func trainingSet() *datasets.Set {
	trainSetOnce.Do(func() { trainSet = mnistSplit("train") })
	return trainSet
}

// heldOutImages returns the images BenchmarkDCNetworkTrained times, which its training has
// not seen: the first 1,000 MNIST test images, or, if MNIST cannot be read, 1,000 synthetic
// images of stream 3; and their source.
func heldOutImages() ([][]float64, string) {
	heldOutOnce.Do(func() { heldOut, heldOutSrc = loadImages("test", 1000, 3) })
	return heldOut, heldOutSrc
}

// trainedState is an N×784 network's synapses and state after dcWarmup training images.
type trainedState struct {
	arr *device.Array
	net *network.DCState
}

var trainedStates = map[string]trainedState{}

// trainedDC returns Diehl & Cook's network of n neurons on the named preset in the state that
// *dcWarmup training images (0, 1, … of trainingSet, or synthetic ones; one presentation each at k = 2) of
// benchSTDP training from newBenchDC's start leave: a copy of the array (with new noise
// streams) and the network's state (weights, thresholds, facilitation, step clock; not the
// learning rule's traces, which a new benchSTDP starts afresh). The training is done once per
// (n, preset, warm-up) in a process and kept.
func trainedDC(b *testing.B, preset string, n int) (*device.Array, *network.DC, network.DCConfig) {
	key := fmt.Sprintf("%d/%s/%d", n, preset, *dcWarmup)
	st, ok := trainedStates[key]
	if !ok {
		if *dcWarmup < 0 {
			b.Fatalf("-dc.warmup %d: must be ≥ 0", *dcWarmup)
		}
		arr, d, cfg := newBenchDC(b, preset, n)
		d.SetPlasticity(newBenchSTDP(arr, cfg.Dt))
		rates := make([]float64, 784)
		for k := range *dcWarmup {
			imageOf(rates, trainingSet(), 2, k) // synthetic images: stream 2
			for i, p := range rates {
				rates[i] = p / 8 * 2 // as presentImages at k = 2
			}
			if _, err := d.Present(context.Background(), rates); err != nil {
				b.Fatal(err)
			}
		}
		ns, err := d.State()
		if err != nil {
			b.Fatal(err)
		}
		st = trainedState{arr: arr, net: ns}
		trainedStates[key] = st
	}
	arr := st.arr.Clone(1)
	d, cfg := benchDCOn(b, arr)
	if err := d.SetState(st.net); err != nil {
		b.Fatal(err)
	}
	return arr, d, cfg
}

// BenchmarkDCNetworkTrained is BenchmarkDCNetwork (k = 2) on a network that has been trained
// (-dc.warmup MNIST training images of benchSTDP, by default 5,000, one presentation each at
// k = 2, without D&C's retries; not timed) instead of a new one, timed on held-out images:
// MNIST test images 0, 1, …, 999, each seen once in a run of up to 1,000 images. A new
// network's thresholds all start at their initial value: it fires more than a trained one
// (si-nc-phototransistor: ~48 excitatory spikes per presentation over its first images), and
// every spike costs the learning rule a column of programming. Plasticity on continues the
// training; off freezes θ (inference on the trained network).
//
// The "plastic=…" cases time one presentation per image at k = 2, as BenchmarkDCNetwork. The
// "protocol" case times Diehl & Cook's protocol (DC.PresentImage, plasticity on): an image
// that draws fewer than 5 excitatory spikes is shown again at k + 1, which a trained network
// needs more often than a new one; it reports presentations/img.
func BenchmarkDCNetworkTrained(b *testing.B) {
	images, src := heldOutImages()
	trainSrc := "synthetic"
	if trainingSet() != nil {
		trainSrc = "mnist-train"
	}
	b.Logf("trained on %d %s images, timed on %s images", *dcWarmup, trainSrc, src)
	for _, n := range []int{100, 400} {
		for _, preset := range []string{"ideal", "ag-a-si", "si-nc-memristor", "si-nc-phototransistor"} {
			for _, plastic := range []bool{false, true} {
				b.Run(fmt.Sprintf("N=%d/dev=%s/plastic=%v", n, preset, plastic), func(b *testing.B) {
					arr, d, cfg := trainedDC(b, preset, n)
					benchPresentations(b, arr, d, cfg, images, 2, plastic)
				})
			}
			b.Run(fmt.Sprintf("N=%d/dev=%s/protocol", n, preset), func(b *testing.B) {
				arr, d, cfg := trainedDC(b, preset, n)
				d.SetPlasticity(newBenchSTDP(arr, cfg.Dt))
				c0 := d.Counters()
				tries, img := 0, 0
				for b.Loop() {
					r, err := d.PresentImage(context.Background(), images[img%len(images)])
					if err != nil {
						b.Fatal(err)
					}
					img++
					tries += r.Tries
				}
				c := d.Counters().Sub(c0)
				per := float64(b.N)
				b.ReportMetric(b.Elapsed().Seconds()*1e3/per, "ms/img")
				b.ReportMetric(float64(tries)/per, "presentations/img")
				b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(tries), "ms/presentation")
				b.ReportMetric(float64(c.SOPs)/per, "SOP/img")
				b.ReportMetric(float64(c.Spikes[1])/per, "exc-spikes/img")
			})
		}
	}
}

// BenchmarkDCNetworkRule is BenchmarkDCNetwork (k = 2) with package
// learning's STDP instead of benchSTDP: arrival timing on the delayed
// synapses, and the normalisation of every neuron's weights to 78 before
// each presentation, programmed into all N×784 devices. That is the cost of
// a training presentation of `nanospike train` (which adds the retries of
// images that drew fewer than 5 spikes).
func BenchmarkDCNetworkRule(b *testing.B) {
	images, _ := benchImages(b)
	for _, n := range []int{100, 400} {
		for _, preset := range []string{"ideal", "si-nc-phototransistor"} {
			b.Run(fmt.Sprintf("N=%d/dev=%s", n, preset), func(b *testing.B) {
				arr, d, cfg := newBenchDC(b, preset, n)
				rule := learning.NewSTDP(learning.DefaultSTDPRule(), arr, cfg.Dt)
				rule.SetDelays(d.Delays())
				d.SetPlasticity(rule)
				cpu0 := netCPUTime()
				c := presentImages(b, d, images, 2)
				per := float64(b.N)
				b.ReportMetric(b.Elapsed().Seconds()*1e3/per, "ms/img")
				b.ReportMetric((netCPUTime()-cpu0).Seconds()*1e3/per, "cpu-ms/img")
				b.ReportMetric(float64(c.SOPs)/per, "SOP/img")
				b.ReportMetric(float64(c.Spikes[1])/per, "exc-spikes/img")
				b.ReportMetric(float64(c.PotPulses+c.DepPulses)/per, "pulses/img")
			})
		}
	}
}

// BenchmarkDCNetworkDense is BenchmarkDCNetwork's N = 100, k = 2,
// plasticity-off case on the ideal float matrix (network.Dense), without
// and with delays: the engine's own cost without device reads.
func BenchmarkDCNetworkDense(b *testing.B) {
	images, _ := benchImages(b)
	for _, delays := range []bool{false, true} {
		b.Run(fmt.Sprintf("N=100/delays=%v", delays), func(b *testing.B) {
			cfg := network.DefaultDCConfig(784, 100)
			if !delays {
				cfg.MaxDelay = 0
			}
			w := network.NewDense(784, 100)
			network.DCInitWeights(w.W, 1, 7)
			d, err := network.NewDC(cfg, w)
			if err != nil {
				b.Fatal(err)
			}
			d.FreezeTheta(true)
			c := presentImages(b, d, images, 2)
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/img")
			b.ReportMetric(float64(c.SOPs)/b.Elapsed().Seconds(), "SOP/s")
		})
	}
}

// BenchmarkDCEvaluate measures evaluation of a frozen N = 100 network on
// 100 images with replicas (network.DC.Evaluate, chunks of 10 images, one
// worker per GOMAXPROCS): run with -cpu 1,2 to see the replicas scale.
func BenchmarkDCEvaluate(b *testing.B) {
	images, _ := benchImages(b)
	for _, preset := range []string{"ideal", "ag-a-si", "si-nc-memristor"} {
		b.Run("N=100/dev="+preset, func(b *testing.B) {
			arr, d, _ := newBenchDC(b, preset, 100)
			d.FreezeTheta(true)
			clone := func(seed uint64) (network.Synapses, error) { return arr.Clone(seed), nil }
			cpu0 := netCPUTime()
			for b.Loop() {
				if _, err := d.Evaluate(context.Background(), images, network.EvalConfig{Chunk: 10}, clone); err != nil {
					b.Fatal(err)
				}
			}
			n := float64(b.N * len(images))
			b.ReportMetric(n/b.Elapsed().Seconds(), "img/s")
			b.ReportMetric(b.Elapsed().Seconds()*1e3/n, "ms/img")
			b.ReportMetric((netCPUTime()-cpu0).Seconds()*1e3/n, "cpu-ms/img")
		})
	}
}

var (
	trainImagesOnce sync.Once
	trainImages     [][]float64
	trainImagesSrc  string
)

// BenchmarkSTDPTrainingPresentation measures a training presentation of `nanospike train
// --device float` (Diehl & Cook's protocol with its retries, the float rule with arrival
// timing and normalisation) at N = 400 and 1600, one image of MNIST's first 1000 training
// images per iteration from a new network, the network's columns split over GOMAXPROCS
// goroutines (network.DC.SetWorkers). Run each of -cpu 1 and -cpu 2 in a process of its own
// (a second -cpu value in one process reads differently), e.g. -benchtime 1000x for N = 400.
func BenchmarkSTDPTrainingPresentation(b *testing.B) {
	trainImagesOnce.Do(func() { trainImages, trainImagesSrc = imagesOf(trainingSet(), "mnist-train", 1000, 3) })
	for _, n := range []int{400, 1600} {
		b.Run(fmt.Sprintf("N=%d", n), func(b *testing.B) {
			c := learning.DefaultSTDPConfig()
			c.Neurons, c.Float, c.Seed = n, true, 1
			m, err := learning.NewSTDPModel(c, nil, 784)
			if err != nil {
				b.Fatal(err)
			}
			m.Net.FreezeTheta(false)
			m.Net.SetWorkers(runtime.GOMAXPROCS(0))
			defer m.Net.SetWorkers(1)
			img, spikes := 0, 0
			for b.Loop() {
				r, err := m.Net.PresentImage(context.Background(), trainImages[img%len(trainImages)])
				if err != nil {
					b.Fatal(err)
				}
				img++
				spikes += r.Total()
			}
			b.ReportMetric(b.Elapsed().Seconds()*1e3/float64(b.N), "ms/img")
			b.ReportMetric(float64(spikes)/float64(b.N), "exc-spikes/img")
			b.Logf("images: %s", trainImagesSrc)
		})
	}
}

// BenchmarkCoreRoundTrip measures a round trip of a cache line between two goroutines
// spinning on atomic counters (-cpu 2): what a column range of one network pays, in part,
// each time it publishes its progress and another reads it (network.DC.SetWorkers). On a
// virtual machine it depends on where the host runs the two cores.
func BenchmarkCoreRoundTrip(b *testing.B) {
	if runtime.GOMAXPROCS(0) < 2 {
		b.Skip("needs -cpu 2 or more")
	}
	var ping, pong struct {
		_ [64]byte
		v atomic.Int64
		_ [64]byte
	}
	n := int64(b.N)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := int64(1); i <= n; i++ {
			for ping.v.Load() < i {
			}
			pong.v.Store(i)
		}
	}()
	b.ResetTimer()
	for i := int64(1); i <= n; i++ {
		ping.v.Store(i)
		for pong.v.Load() < i {
		}
	}
	b.StopTimer()
	<-done
}

// BenchmarkThreadGaps counts the interruptions a goroutine that reads the clock in a loop
// sees on each of GOMAXPROCS threads at once: gaps of 2–32 µs and over 32 µs between two
// reads, per thread-second, and the share of the time they take (lost-%). Whatever takes a
// thread away shows: the host taking the vCPU, the kernel, other processes, Go's own
// preemption (every 10 ms); compare the steal column of /proc/stat to tell the host's share.
// A network split in column ranges (network.DC.SetWorkers) waits out each gap of one range
// on every other range too.
func BenchmarkThreadGaps(b *testing.B) {
	p := runtime.GOMAXPROCS(0)
	type count struct {
		small, big  int
		lost, total time.Duration
	}
	counts := make([]*pad.Padded[count], p)
	var wg sync.WaitGroup
	for g := range p {
		counts[g] = new(pad.Padded[count])
		wg.Go(func() {
			c := &counts[g].V
			start := time.Now()
			last := start
			for range b.N {
				t := time.Now()
				switch d := t.Sub(last); {
				case d > 32*time.Microsecond:
					c.big++
					c.lost += d
				case d > 2*time.Microsecond:
					c.small++
					c.lost += d
				}
				last = t
			}
			c.total = last.Sub(start)
		})
	}
	wg.Wait()
	var small, big int
	var lost, total time.Duration
	for _, pc := range counts {
		c := &pc.V
		small, big, lost, total = small+c.small, big+c.big, lost+c.lost, total+c.total
	}
	b.ReportMetric(float64(small)/total.Seconds(), "gaps-2-32us/s")
	b.ReportMetric(float64(big)/total.Seconds(), "gaps-over-32us/s")
	b.ReportMetric(100*lost.Seconds()/total.Seconds(), "lost-%")
}
