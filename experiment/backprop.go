package experiment

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/nanospike/nanospike/datasets"
	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/energy"
	"github.com/nanospike/nanospike/learning"
)

// BackpropOptions are the flags of `train --rule backprop`.
type BackpropOptions struct {
	Hidden    string  `json:"hidden"`
	Steps     int     `json:"steps"`
	Mode      string  `json:"mode"`
	Update    string  `json:"update"`
	Batch     int     `json:"batch"`
	LR        float64 `json:"lr"`
	Encoding  string  `json:"encoding"`
	CarryEach int     `json:"carry_every"`
	// CurveEvery adds a point to the learning curve every this many mini-batches (0: once
	// per epoch); CurveTest tests the network at the end of each epoch for the curve.
	CurveEvery int  `json:"curve_every,omitempty"`
	CurveTest  bool `json:"curve_test"`
}

// config returns the backprop configuration of the options.
func (o *Options) BackpropConfig() (learning.BackpropConfig, error) {
	c := learning.DefaultBackpropConfig()
	if o.Model != nil && o.Model.Backprop != nil {
		c = *o.Model.Backprop
		c.Hidden = slices.Clone(c.Hidden)
	}
	b := o.Backprop
	c.Hidden = c.Hidden[:0]
	for _, s := range SplitList(b.Hidden) {
		h, err := strconv.Atoi(s)
		if err != nil || h < 1 {
			return c, fmt.Errorf("--hidden: %q is not a positive layer size", s)
		}
		c.Hidden = append(c.Hidden, h)
	}
	if len(c.Hidden) == 0 {
		return c, errors.New("--hidden: at least one hidden layer")
	}
	c.Steps, c.BatchSize, c.LR, c.Encoding, c.Seed = b.Steps, b.Batch, b.LR, b.Encoding, o.Seed
	c.Device.Update, c.Device.CarryEvery = b.Update, b.CarryEach
	switch {
	case o.Device == FloatDevice:
		c.Device.Mode = learning.ModeIdeal
	case b.Mode == "":
		c.Device.Mode = learning.ModeInSitu
	default:
		c.Device.Mode = b.Mode
	}
	if o.Device == FloatDevice && b.Mode != "" && b.Mode != learning.ModeIdeal {
		return c, fmt.Errorf("--mode %s needs a device, not --device float", b.Mode)
	}
	return c, c.Validate()
}

// trainBackprop trains the surrogate-gradient network of cfg in
// cfg.Options.Out (resuming from its checkpoint if asked), tests it, writes
// the run's files and returns its metrics.
func trainBackprop(ctx context.Context, e *Log, cfg *RunConfig, data *datasets.Dataset, resuming bool) (Metrics, error) {
	o := cfg.Options
	dir := o.Out
	ckpt := filepath.Join(dir, CheckpointFile)
	var n *learning.Backprop
	if resuming {
		var err error
		if n, err = learning.LoadBackpropFile(ckpt); err != nil {
			if b, rerr := os.ReadFile(ckpt); rerr == nil {
				if _, serr := learning.UnmarshalSTDPModel(b); serr == nil {
					return Metrics{}, fmt.Errorf("--resume: %s holds an STDP run but %s says rule backprop (edited?)", ckpt, filepath.Join(dir, ConfigFile))
				}
			}
			return Metrics{}, fmt.Errorf("--resume: %w", err)
		}
		bc, err := o.BackpropConfig()
		if err != nil {
			return Metrics{}, fmt.Errorf("--resume: %s: %w", filepath.Join(dir, ConfigFile), err)
		}
		if err := sameBackprop(bc, n.Config()); err != nil {
			return Metrics{}, fmt.Errorf("--resume: %s and %s disagree (config.json edited?): %v", filepath.Join(dir, ConfigFile), ckpt, err)
		}
		fmt.Fprintf(e.W, "resuming %s at epoch %d\n", dir, n.Epoch()+1)
	} else {
		bc, err := o.BackpropConfig()
		if err != nil {
			return Metrics{}, &UsageError{Msg: err.Error()} // a flag's value
		}
		// dir exists: Train's LockRun made it.
		if n, err = learning.NewBackprop(bc, cfg.Device); err != nil {
			return Metrics{}, err
		}
		cfg.Backprop = &bc
		if err := WriteJSON(filepath.Join(dir, ConfigFile), cfg); err != nil {
			return Metrics{}, err
		}
	}
	train, test := data.Train.Subset(o.TrainSamples), data.Test.Subset(o.TestSamples)
	total := train.N * o.Epochs
	// The learning curve and the training time so far live in progress.json beside the
	// checkpoint; the position is in images (an epoch's images done: batches × batch size).
	position := func() int { return n.Epoch()*train.N + min(n.Batch()*n.Config().BatchSize, train.N) }
	var entries ProgressEntries
	var prog runProgress
	if resuming {
		var warn string
		if entries, prog, warn = readProgress(dir, position()); warn != "" {
			fmt.Fprintf(e.W, "warning: %s\n", warn)
		}
	}
	// saveCkpt writes progress.json, then the checkpoint (in the background if async).
	saveCkpt := func(async bool) func() error {
		prog.Images = position()
		if err := writeProgress(dir, &entries, prog); err != nil {
			return func() error { return err }
		}
		if async {
			return n.SaveFileAsync(ckpt)
		}
		err := n.SaveFile(ckpt)
		return func() error { return err }
	}
	bar := e.NewBar(total, "train", "img")
	plog := e.newProgressLog("train", n.Epoch()*train.N)
	sinceCkpt := 0
	// Periodic checkpoints are encoded and written in the background (a snapshot is taken at
	// once); the previous one is waited for before the next, and before any other save.
	pending := func() error { return nil }
	waitCkpt := func() {
		if err := pending(); err != nil {
			fmt.Fprintf(e.W, "warning: checkpoint: %v\n", err)
		}
		pending = func() error { return nil }
	}
	defer waitCkpt()
	for n.Epoch() < o.Epochs {
		ep := n.Epoch()
		start := time.Now()
		// TrainEpoch counts the images and hits of this call; the epoch's earlier ones (before
		// a resume) are in prog.
		baseSeen, baseCorrect := prog.EpochSeen, prog.EpochCorrect
		callSeen, callCorrect := 0, 0
		lastLoss, lastBatches := 0.0, 0
		first := n.Batch()
		_, err := n.TrainEpoch(ctx, train, func(p learning.BackpropProgress) {
			done := ep*train.N + p.Images
			callSeen = p.Images - min(first*o.Backprop.Batch, train.N)
			callCorrect = int(math.Round(p.Acc * float64(callSeen)))
			prog.EpochLoss += p.Loss
			prog.EpochBatches++
			lastLoss += p.Loss
			lastBatches++
			seen, correct := baseSeen+callSeen, baseCorrect+callCorrect
			acc := float64(correct) / float64(max(seen, 1))
			plog.report(done, total, fmt.Sprintf(", epoch %d, loss %.3f, train accuracy %.1f%%", ep+1, p.Loss, 100*acc))
			_ = bar.Set(done)
			bar.Describe(fmt.Sprintf("train epoch %d (acc %.1f%%)", ep+1, 100*acc))
			if o.Backprop.CurveEvery > 0 && p.Batch%o.Backprop.CurveEvery == 0 && p.Batch < p.Batches {
				prog.History = append(prog.History, curvePoint{Images: done, Epoch: ep + 1,
					Loss: ptr(lastLoss / float64(lastBatches)), TrainAccuracy: ptr(acc)})
				lastLoss, lastBatches = 0, 0
			}
			sinceCkpt += o.Backprop.Batch
			if o.CheckpointEvery > 0 && sinceCkpt >= o.CheckpointEvery && p.Batch < p.Batches {
				sinceCkpt = 0
				waitCkpt()
				prog.TrainSeconds += time.Since(start).Seconds()
				prog.EpochSeconds += time.Since(start).Seconds()
				start = time.Now()
				prog.EpochSeen, prog.EpochCorrect = seen, correct
				pending = saveCkpt(true)
			}
		})
		prog.TrainSeconds += time.Since(start).Seconds()
		prog.EpochSeconds += time.Since(start).Seconds()
		waitCkpt()
		if errors.Is(err, context.Canceled) {
			_ = bar.Finish()
			prog.EpochSeen, prog.EpochCorrect = baseSeen+callSeen, baseCorrect+callCorrect
			if serr := saveCkpt(false)(); serr != nil {
				return Metrics{}, errors.Join(err, serr)
			}
			return Metrics{}, fmt.Errorf("interrupted in epoch %d; checkpoint written to %s; continue with: nanospike train --resume %s", ep+1, ckpt, dir)
		}
		if err != nil {
			return Metrics{}, err
		}
		seen, correct := baseSeen+callSeen, baseCorrect+callCorrect
		loss := prog.EpochLoss / float64(max(prog.EpochBatches, 1))
		pointLoss := loss
		if o.Backprop.CurveEvery > 0 && lastBatches > 0 {
			pointLoss = lastLoss / float64(lastBatches) // since the previous point
		}
		pt := curvePoint{Images: (ep + 1) * train.N, Epoch: ep + 1, Loss: ptr(pointLoss), TrainAccuracy: ptr(float64(correct) / float64(max(seen, 1)))}
		testMsg := ""
		if o.Backprop.CurveTest {
			acc, err := curveTest(n, test)
			if err != nil {
				return Metrics{}, err
			}
			pt.TestAccuracy = ptr(acc)
			testMsg = fmt.Sprintf(", test accuracy %.2f%%", 100*acc)
		}
		prog.History = append(prog.History, pt)
		_ = bar.Clear() // the summary on a line of its own, not over the bar
		fmt.Fprintf(e.W, "epoch %d: loss %.4f, train accuracy %.2f%%%s, %.1f s\n", ep+1, loss, 100**pt.TrainAccuracy, testMsg, prog.EpochSeconds)
		prog.EpochLoss, prog.EpochBatches, prog.EpochSeen, prog.EpochCorrect, prog.EpochSeconds = 0, 0, 0, 0, 0
		if err := saveCkpt(false)(); err != nil {
			return Metrics{}, err
		}
	}
	_ = bar.Finish()
	trainSeconds := prog.TrainSeconds
	trainStats := n.Counters()
	if n.Config().Device.Mode == learning.ModeExSitu {
		if err := n.ProgramDevices(); err != nil {
			return Metrics{}, err
		}
	}
	// The model is saved before the test, so that eval --model repeats this very test (the
	// devices' read noise draws from their state).
	if err := n.SaveFile(filepath.Join(dir, ModelFile)); err != nil {
		return Metrics{}, err
	}
	res, before, after, testSeconds, err := timedEvaluate(n, test)
	if err != nil {
		return Metrics{}, err
	}
	met := backpropMetrics(n, cfg, res, before, after, trainStats, trainSeconds, testSeconds)
	met.History = prog.History
	if err := WriteJSON(filepath.Join(dir, MetricsFile), met); err != nil {
		return Metrics{}, err
	}
	if err := writeCurves(dir, runTitle(cfg)+": accuracy", met.History); err != nil {
		return Metrics{}, err
	}
	return met, nil
}

// backpropEnergy returns the per-image energy of the forward passes counted between two
// counter snapshots (images of them). Each layer of a device run is a crossbar of
// differential pairs (two cells per synapse) whose rows the layer's input spikes drive and
// whose columns feed the next layer's neurons; on an ideal run the synapses are digital adds.
// Every neuron is updated every step; programming pulses are added for training, costed on
// one entry for all layers (a pulse's energy does not depend on its layer). The backward
// pass's digital arithmetic is not counted. With several hidden layers the counters hold
// their spikes summed; each layer's share is taken in proportion to its size.
func backpropEnergy(cfg energy.Config, bc learning.BackpropConfig, p *device.Params, a, b learning.BackpropCounters, images int) energy.Breakdown {
	sizes := append(append([]int{mnistInputs}, bc.Hidden...), bc.Classes)
	hidden := float64(b.HiddenSpikes - a.HiddenSpikes)
	sumHidden := 0
	for _, h := range bc.Hidden {
		sumHidden += h
	}
	// Row activations of each layer: its input spikes.
	rows := make([]float64, len(sizes)-1)
	rest := float64(b.SynEvents - a.SynEvents)
	for l, h := range bc.Hidden {
		rows[l+1] = hidden * float64(h) / float64(max(sumHidden, 1))
		rest -= rows[l+1] * float64(sizes[l+2])
	}
	rows[0] = max(rest, 0) / float64(sizes[1])

	onDevice := p != nil && bc.Device.Mode != learning.ModeIdeal
	// Mean conductance of a read, from the devices' own counted reads.
	g := 0.0
	if onDevice {
		g = (p.Gmin + p.Gmax) / 2
		if rd := b.Read.Sub(a.Read); rd.Reads > 0 {
			g = rd.ReadGSum / float64(rd.Reads)
		}
	}
	net := energy.Network{Steps: float64(images) * float64(bc.Steps)}
	for l := range rows {
		ly := energy.Layer{Name: fmt.Sprintf("%d→%d", sizes[l], sizes[l+1]), In: sizes[l], Out: sizes[l+1], Cells: 2,
			Rows: rows[l], SOPs: rows[l] * float64(sizes[l+1])}
		if onDevice {
			reads := 2 * ly.SOPs
			ly.Device, ly.Dev = p, device.Counters{Reads: uint64(reads), ReadGSum: reads * g}
		}
		net.Layers = append(net.Layers, ly)
		pop := energy.Population{Name: fmt.Sprintf("layer %d", l+1), N: sizes[l+1],
			Updates: float64(images) * float64(bc.Steps) * float64(sizes[l+1]), Columns: onDevice}
		if !onDevice {
			pop.Inputs = ly.SOPs
		}
		if l == len(rows)-1 {
			pop.Spikes = float64(b.OutputSpikes - a.OutputSpikes)
		} else {
			pop.Spikes = rows[l+1]
		}
		net.Pops = append(net.Pops, pop)
	}
	if onDevice {
		prog := b.Update.Add(b.Program).Sub(a.Update.Add(a.Program))
		prog.Reads, prog.ReadGSum = 0, 0
		if prog.PotPulses+prog.DepPulses > 0 {
			net.Layers = append(net.Layers, energy.Layer{Name: "programming (all layers)", Device: p, Dev: prog})
		}
	}
	return cfg.Current().Cost(net).Per(float64(max(images, 1)))
}

// mnistInputs is the input size of the networks (MNIST's 28 × 28 pixels).
const mnistInputs = 28 * 28

func backpropMetrics(n *learning.Backprop, cfg *RunConfig, res learning.BackpropResult, before, after, train learning.BackpropCounters, trainSec, testSec float64) Metrics {
	bc := n.Config()
	inf := backpropEnergy(cfg.Energy, bc, n.Device(), before, after, res.Images)
	tr := backpropEnergy(cfg.Energy, bc, n.Device(), learning.BackpropCounters{}, train, int(train.Samples))
	hidden := 0
	for _, h := range bc.Hidden {
		hidden += h
	}
	met := Metrics{
		Rule: "backprop", Device: cfg.Options.Device, Neurons: hidden, Seed: bc.Seed, Accuracy: res.Accuracy,
		TrainImages: int(train.Samples), TrainSeconds: trainSec, TestImages: res.Images, TestSeconds: testSec,
		SOPsPerInference: inf.SOPs, EnergyPerInference: inf.Inference, EnergyPerTrainImage: tr.Training,
		Inference: inf, Training: tr, Confusion: res.Confusion,
		Counts: RunCounts{TestImages: res.Images, TrainImages: int(train.Samples),
			BackpropTest: &[2]learning.BackpropCounters{before, after}, BackpropTrain: &train},
	}
	if trainSec > 0 {
		met.TrainImagesPerS = float64(train.Samples) / trainSec
	}
	if testSec > 0 {
		met.TestImagesPerS = float64(res.Images) / testSec
	}
	if train.Samples > 0 {
		c := train.Update.Add(train.Program)
		met.PulsesPerTrainImage = float64(c.PotPulses+c.DepPulses) / float64(train.Samples)
	}
	return met
}

// evalBackprop re-evaluates the saved backprop model in dir on the first
// testSamples test images (< 0: as trained, 0: all).
func evalBackprop(cfg *RunConfig, dir string, d *datasets.Dataset, testSamples int) (Metrics, error) {
	n, err := learning.LoadBackpropFile(filepath.Join(dir, ModelFile))
	if err != nil {
		return Metrics{}, err
	}
	if testSamples < 0 {
		testSamples = cfg.Options.TestSamples
	}
	test := d.Test.Subset(testSamples)
	res, before, after, sec, err := timedEvaluate(n, test)
	if err != nil {
		return Metrics{}, err
	}
	met := backpropMetrics(n, cfg, res, before, after, learning.BackpropCounters{}, 0, sec)
	// Training figures come from the run itself: the counters now also
	// hold the evaluations made since.
	var trained Metrics
	mpath := filepath.Join(dir, MetricsFile)
	if err := ReadJSON(mpath, &trained); err != nil {
		return Metrics{}, fmt.Errorf("%s: %w (the run's training figures; did it finish?)", mpath, err)
	}
	if trained.Rule != "backprop" || trained.TrainImages <= 0 || !(trained.EnergyPerTrainImage > 0) {
		return Metrics{}, fmt.Errorf("%s: not the metrics of a finished backprop run (rule %q, %d training images, %g J per training image)",
			mpath, trained.Rule, trained.TrainImages, trained.EnergyPerTrainImage)
	}
	met.TrainImages, met.TrainSeconds, met.TrainImagesPerS = trained.TrainImages, trained.TrainSeconds, trained.TrainImagesPerS
	met.EnergyPerTrainImage, met.Training, met.PulsesPerTrainImage = trained.EnergyPerTrainImage, trained.Training, trained.PulsesPerTrainImage
	if err := WriteJSON(filepath.Join(dir, "eval.json"), met); err != nil {
		return Metrics{}, err
	}
	return met, nil
}

// sameBackprop reports the first of the flag-set settings in which two backprop
// configurations differ (nil: none).
func sameBackprop(a, b learning.BackpropConfig) error {
	type flags struct {
		Hidden       []int
		Steps, Batch int
		LR           float64
		Encoding     string
		Seed         uint64
		Mode, Update string
		CarryEvery   int
	}
	pick := func(c learning.BackpropConfig) flags {
		return flags{c.Hidden, c.Steps, c.BatchSize, c.LR, c.Encoding, c.Seed, c.Device.Mode, c.Device.Update, c.Device.CarryEvery}
	}
	ja, _ := json.Marshal(pick(a))
	jb, _ := json.Marshal(pick(b))
	if !bytes.Equal(ja, jb) {
		return fmt.Errorf("settings %s vs %s", ja, jb)
	}
	return nil
}

// curveTest returns the test accuracy of a copy of n (the devices' read noise and counters
// of n are not touched, so the run is the same with or without its curve).
func curveTest(n *learning.Backprop, test learning.Samples) (float64, error) {
	var b bytes.Buffer
	if err := n.Save(&b); err != nil {
		return 0, err
	}
	c, err := learning.LoadBackprop(&b)
	if err != nil {
		return 0, err
	}
	r, err := c.Evaluate(test)
	if err != nil {
		return 0, err
	}
	return r.Accuracy, nil
}

// timedEvaluate tests n on test, with the network's counters before and after and the wall
// time taken.
func timedEvaluate(n *learning.Backprop, test learning.Samples) (res learning.BackpropResult, before, after learning.BackpropCounters, seconds float64, err error) {
	before = n.Counters()
	start := time.Now()
	if res, err = n.Evaluate(test); err != nil {
		return res, before, before, 0, err
	}
	return res, before, n.Counters(), time.Since(start).Seconds(), nil
}
