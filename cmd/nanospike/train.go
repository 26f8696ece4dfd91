package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"github.com/nanospike/nanospike/datasets"
	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/energy"
	"github.com/nanospike/nanospike/internal/plots"
	"github.com/nanospike/nanospike/learning"
	"github.com/nanospike/nanospike/network"
)

func init() {
	register(&command{name: "train", summary: "train a network on a device (STDP or backprop) and report accuracy and energy", run: runTrain})
	register(&command{name: "eval", summary: "re-evaluate a trained model (--model DIR)", run: runEval})
}

// floatDevice names the exact float rule in --device.
const floatDevice = "float"

// trainOptions are the flags of `train`; config.json stores them so that a
// run can be repeated or resumed.
type trainOptions struct {
	Rule            string          `json:"rule"`
	Device          string          `json:"device"`
	Neurons         int             `json:"neurons"`
	TrainSamples    int             `json:"train_samples"`
	TestSamples     int             `json:"test_samples"`
	LabelSamples    int             `json:"label_samples"`
	Epochs          int             `json:"epochs"`
	Seed            uint64          `json:"seed"`
	Out             string          `json:"out"`
	Data            string          `json:"data"`
	CheckpointEvery int             `json:"checkpoint_every"`
	Workers         int             `json:"workers"`
	Programming     string          `json:"programming,omitempty"` // STDP: nominal or model
	Normalise       string          `json:"normalise,omitempty"`   // STDP: program or gain
	Backprop        backpropOptions `json:"backprop"`
	// model holds the model settings of a --config file (nil: the defaults); the fields
	// above override the ones they name.
	model *modelSettings
}

// runConfig is DIR/config.json.
type runConfig struct {
	Command  string                   `json:"command"`
	Options  trainOptions             `json:"options"`
	Device   *device.Params           `json:"device_params,omitempty"`
	STDP     *learning.STDPConfig     `json:"stdp,omitempty"`
	Backprop *learning.BackpropConfig `json:"backprop,omitempty"`
	Energy   energy.Config            `json:"energy"`
}

// registerOn is register with the flag set first, as applyConfig takes it.
func (o *trainOptions) registerOn(fs *flag.FlagSet) { o.register(fs) }

func (o *trainOptions) register(fs *flag.FlagSet) {
	fs.StringVar(&o.Rule, "rule", "stdp", "learning rule: stdp or backprop")
	fs.StringVar(&o.Device, "device", device.DefaultPreset, "device preset name, a device JSON file, or \"float\" for the exact float rule")
	fs.IntVar(&o.Neurons, "neurons", 100, "STDP: excitatory neurons")
	fs.IntVar(&o.TrainSamples, "train-samples", 0, "training images per epoch (0: all 60000)")
	fs.IntVar(&o.TestSamples, "test-samples", 0, "test images (0: all 10000)")
	fs.IntVar(&o.LabelSamples, "label-samples", 0, "training images used to label the neurons (STDP; 0: min(train-samples, 10000))")
	fs.IntVar(&o.Epochs, "epochs", 1, "epochs")
	fs.StringVar(&o.Programming, "programming", "", "STDP on a device: how a weight change becomes pulses: nominal (NeuroSim's open loop, Δw/WMax·Pmax pulses; the default) or model (the count that moves the preset's curve by Δw from the device's present conductance)")
	fs.StringVar(&o.Normalise, "normalise", "", "STDP: how each neuron's summed input weight is held at 78 before each presentation: program (Diehl & Cook: every device reprogrammed; the default) or gain (devices untouched, the read-out circuit scales each neuron's input)")
	fs.Uint64Var(&o.Seed, "seed", 1, "master seed: same seed, same result")
	fs.StringVar(&o.Out, "out", "", "output folder (default runs/<rule>-<device>-n<neurons>)")
	fs.IntVar(&o.CheckpointEvery, "checkpoint-every", 1000, "write a checkpoint every this many training images")
	fs.IntVar(&o.Workers, "workers", 0, "evaluation replicas run at once (0: one per core; results do not depend on it)")
	dataFlag(fs, &o.Data)
	o.Backprop.register(fs)
}

func (o *trainOptions) validate(e *env) error {
	switch {
	case o.Rule != "stdp" && o.Rule != "backprop":
		return e.usagef("--rule must be stdp or backprop, got %q", o.Rule)
	case o.Neurons < 1:
		return e.usagef("--neurons must be ≥ 1, got %d", o.Neurons)
	case o.TrainSamples < 0 || o.TestSamples < 0 || o.LabelSamples < 0:
		return e.usagef("sample counts must be ≥ 0")
	case o.Epochs < 1:
		return e.usagef("--epochs must be ≥ 1, got %d", o.Epochs)
	case o.Workers < 0:
		return e.usagef("--workers must be ≥ 0 (0: one per core), got %d", o.Workers)
	case o.CheckpointEvery < 0:
		return e.usagef("--checkpoint-every must be ≥ 0, got %d", o.CheckpointEvery)
	case o.Device == "":
		return e.usagef("--device must name a preset, a JSON file or \"float\"")
	case o.Programming != "" && o.Programming != learning.ProgrammingNominal && o.Programming != learning.ProgrammingModel:
		return e.usagef("--programming must be %s or %s, got %q", learning.ProgrammingNominal, learning.ProgrammingModel, o.Programming)
	case o.Normalise != "" && o.Normalise != learning.NormaliseProgram && o.Normalise != learning.NormaliseGain:
		return e.usagef("--normalise must be %s or %s, got %q", learning.NormaliseProgram, learning.NormaliseGain, o.Normalise)
	case o.Normalise != "" && o.Rule != "stdp":
		return e.usagef("--normalise applies to --rule stdp")
	case o.Programming != "" && o.Rule != "stdp":
		return e.usagef("--programming applies to --rule stdp (backprop has --update)")
	}
	return nil
}

// loadDevice resolves --device: a preset name, else a JSON file.
func loadDevice(name string) (*device.Params, error) {
	if name == floatDevice {
		return nil, nil
	}
	if p, err := device.Preset(name); err == nil {
		return p, nil
	} else if _, serr := os.Stat(name); serr != nil {
		return nil, fmt.Errorf("--device: %w", err)
	}
	return device.LoadParams(name)
}

func deviceLabel(name string) string {
	base := filepath.Base(name)
	return strings.TrimSuffix(base, filepath.Ext(base))
}

func runTrain(ctx context.Context, e *env, args []string) error {
	fs := e.flags("train", "train [--rule stdp|backprop] [--device NAME|FILE|float] [--neurons N] [--train-samples K] [--test-samples M] [--epochs E] [--seed S] [--out DIR] | --resume DIR")
	var o trainOptions
	o.register(fs)
	var resume, energyFile string
	var maxMemory float64
	var force bool
	fs.BoolVar(&force, "force", false, "train into --out even if it holds a finished run (its files are replaced)")
	fs.Float64Var(&maxMemory, "max-memory", 0, "refuse a run estimated to need more memory than this many bytes (0: the memory available)")
	fs.StringVar(&resume, "resume", "", "continue the interrupted run in DIR (other flags are read from DIR/config.json)")
	fs.StringVar(&energyFile, "energy-config", "", "JSON file of the energy model's constants (crossbar tile, periphery, neuron circuit; docs/energy.md); fields not given take the defaults")
	configFlag(fs)
	e.jsonFlag(fs)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usagef("unexpected argument %q", fs.Arg(0))
	}
	if resume != "" && energyFile != "" {
		return e.usagef("--energy-config cannot change a resumed run's constants (cost it anew with nanospike energy --energy-config)")
	}
	fc, err := applyConfig(fs, &o, (*trainOptions).registerOn)
	if err != nil {
		return e.usagef("%v", err)
	}
	if resume != "" && fc != nil {
		return e.usagef("--config starts a new run; --resume continues one with its own config.json (to train again with an edited config.json: --config DIR/config.json --out NEWDIR)")
	}
	var cfg runConfig
	if resume != "" {
		if err := readJSON(filepath.Join(resume, "config.json"), &cfg); err != nil {
			return fmt.Errorf("--resume: %w", err)
		}
		if err := checkRunConfig(e, resume, "--resume"); err != nil {
			return err
		}
		unlock, err := lockRun(resume) // another process may be writing the folder
		if err != nil {
			return err
		}
		met, done, err := finishedRun(resume)
		unlock()
		if err != nil {
			return fmt.Errorf("--resume: %w", err)
		} else if done {
			fmt.Fprintf(e.stderr, "%s: the run has finished; nothing to resume (train anew: --config %s --out NEWDIR)\n", resume, filepath.Join(resume, configFile))
			printMetrics(e, met, resume)
			return nil
		}
		cfg.Options.Out = resume
		o = cfg.Options
	} else {
		if err := o.validate(e); err != nil {
			return err
		}
		if err := preflight(o, 1, maxMemory); err != nil {
			return err
		}
		ec := energy.DefaultConfig()
		if energyFile != "" {
			var err error
			if ec, err = readEnergyConfig(energyFile); err != nil {
				return e.usagef("--energy-config: %v", err)
			}
		} else if fc != nil && fc.energy != nil {
			ec = *fc.energy
		}
		if o.Out == "" {
			o.Out = filepath.Join("runs", fmt.Sprintf("%s-%s-n%d", o.Rule, deviceLabel(o.Device), o.Neurons))
		}
		var dev *device.Params
		if fc != nil && fc.device != nil && !flagSet(fs, "device") && o.Device != floatDevice {
			dev = fc.device // the file's device parameters, under its options' device name
		} else if dev, err = loadDevice(o.Device); err != nil {
			return err
		}
		cfg = runConfig{Command: "nanospike " + strings.Join(os.Args[1:], " "), Options: o, Device: dev, Energy: ec}
	}
	data, err := loadData(o.Data)
	if err != nil {
		return err
	}
	if err := checkSamples(data, o.TrainSamples, o.LabelSamples, o.TestSamples); err != nil {
		return err
	}
	met, err := trainRule(ctx, e, &cfg, data, resume != "", force)
	if err != nil {
		return err
	}
	printMetrics(e, met, o.Out)
	return nil
}

func (o *trainOptions) stdpConfig() learning.STDPConfig {
	c := learning.DefaultSTDPConfig()
	if o.model != nil && o.model.STDP != nil {
		c = *o.model.STDP
	}
	c.Neurons, c.TrainSamples, c.TestSamples, c.LabelSamples = o.Neurons, o.TrainSamples, o.TestSamples, o.LabelSamples
	c.Epochs, c.Seed, c.Float = o.Epochs, o.Seed, o.Device == floatDevice
	c.Net.Neurons, c.Net.Seed = o.Neurons, o.Seed
	c.Eval.Workers = o.Workers
	c.Rule.Programming = o.Programming
	if o.Normalise != "" || c.Rule.Normalise == "" {
		c.Rule.Normalise = o.Normalise
	}
	return c
}

const (
	checkpointFile = "checkpoint.gob"
	modelFile      = "model.gob"
)

// trainRule trains and tests the network of cfg.Options.Rule in
// cfg.Options.Out, writes the run's files (config.json, metrics.json,
// checkpoints, model) and returns its metrics. It holds the folder's lock
// throughout; a new run into a folder holding one needs replace.
func trainRule(ctx context.Context, e *env, cfg *runConfig, data *datasets.Dataset, resuming, replace bool) (metrics, error) {
	unlock, err := lockRun(cfg.Options.Out)
	if err != nil {
		return metrics{}, err
	}
	defer unlock()
	if !resuming {
		if err := checkOverwrite(cfg.Options.Out, replace); err != nil {
			return metrics{}, err
		}
	}
	switch cfg.Options.Rule {
	case "stdp":
		return trainSTDP(ctx, e, cfg, data, resuming)
	case "backprop":
		return trainBackprop(ctx, e, cfg, data, resuming)
	}
	return metrics{}, fmt.Errorf("unknown rule %q", cfg.Options.Rule)
}

// trainSTDP trains, labels and tests the STDP network of cfg in
// cfg.Options.Out (resuming from its checkpoint if asked), writes the run's
// files and returns its metrics. Progress goes to e.stderr.
func trainSTDP(ctx context.Context, e *env, cfg *runConfig, data *datasets.Dataset, resuming bool) (metrics, error) {
	o := cfg.Options
	dir := o.Out
	var m *learning.STDPModel
	if resuming {
		b, err := os.ReadFile(filepath.Join(dir, checkpointFile))
		if err != nil {
			return metrics{}, fmt.Errorf("--resume: %w", err)
		}
		if m, err = learning.UnmarshalSTDPModel(b); err != nil {
			if _, berr := learning.LoadBackprop(bytes.NewReader(b)); berr == nil {
				return metrics{}, fmt.Errorf("--resume: %s holds a backprop run but %s says rule stdp (edited?)", filepath.Join(dir, checkpointFile), filepath.Join(dir, configFile))
			}
			return metrics{}, fmt.Errorf("--resume: %s: %w", filepath.Join(dir, checkpointFile), err)
		}
		if want := o.stdpConfig(); want.Neurons != m.Config.Neurons || want.TrainSamples != m.Config.TrainSamples ||
			want.Epochs != m.Config.Epochs || want.Seed != m.Config.Seed || want.LabelSamples != m.Config.LabelSamples || want.Float != m.Config.Float {
			return metrics{}, fmt.Errorf("--resume: %s and %s disagree (config.json edited?): neurons %d/%d, train samples %d/%d, label samples %d/%d, epochs %d/%d, seed %d/%d",
				filepath.Join(dir, configFile), filepath.Join(dir, checkpointFile), want.Neurons, m.Config.Neurons,
				want.TrainSamples, m.Config.TrainSamples, want.LabelSamples, m.Config.LabelSamples, want.Epochs, m.Config.Epochs, want.Seed, m.Config.Seed)
		}
		fmt.Fprintf(e.stderr, "resuming %s at epoch %d, image %d\n", dir, m.Epoch+1, m.Next)
	} else {
		sc := o.stdpConfig()
		if err := sc.Validate(); err != nil {
			return metrics{}, err
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return metrics{}, err
		}
		var err error
		if m, err = learning.NewSTDPModel(sc, cfg.Device, datasets.Pixels); err != nil {
			return metrics{}, err
		}
		cfg.STDP = &m.Config
		if err := writeJSON(filepath.Join(dir, "config.json"), cfg); err != nil {
			return metrics{}, err
		}
	}
	k := m.Config.TrainSamples
	if k == 0 || k > data.Train.N {
		k = data.Train.N
	}
	total := k * m.Config.Epochs
	// The learning curve: the running accuracy every few images, kept in progress.json
	// beside each checkpoint so that a resumed run continues it.
	var entries progressEntries
	var prog runProgress
	if resuming {
		var warn string
		if entries, prog, warn = readProgress(dir, m.Epoch*k+m.Next); warn != "" {
			fmt.Fprintf(e.stderr, "warning: %s\n", warn)
		}
	}
	every := curveEvery(total)
	save := func(name string) func(*learning.STDPModel) error {
		return func(m *learning.STDPModel) error {
			b, err := m.MarshalBinary()
			if err != nil {
				return err
			}
			if name == checkpointFile {
				prog.Images, prog.TrainSeconds = m.Epoch*k+m.Next, m.TrainSeconds
				if err := writeProgress(dir, &entries, prog); err != nil {
					return err
				}
			}
			return writeFileAtomic(filepath.Join(dir, name), b)
		}
	}
	bar := e.newBar(total, "train", "img")
	_ = bar.Set(m.Epoch*k + m.Next)
	lines := e.newProgressLog("train", m.Epoch*k+m.Next)
	lines.decile = 10 * lines.first / max(total, 1)
	err := m.Train(ctx, data.Train, learning.TrainHooks{
		Progress: func(_ string, done, _ int, acc float64) {
			extra := ""
			if !math.IsNaN(acc) {
				extra = fmt.Sprintf(", running accuracy %.1f%%", 100*acc)
			}
			lines.report(done, total, extra)
			if done%every == 0 || done == total {
				prog.History = append(prog.History, curvePoint{Images: done, Epoch: (done-1)/k + 1, TrainAccuracy: ptr(acc)})
			}
			if done%10 == 0 || done == total {
				if !math.IsNaN(acc) {
					bar.Describe(fmt.Sprintf("train (running acc %.1f%%)", 100*acc))
				}
				_ = bar.Set(done)
			}
		},
		Checkpoint:      save(checkpointFile),
		CheckpointEvery: o.CheckpointEvery,
	})
	_ = bar.Finish()
	if errors.Is(err, context.Canceled) {
		return metrics{}, fmt.Errorf("interrupted after %d training images; checkpoint written to %s; continue with: nanospike train --resume %s",
			m.Epoch*k+m.Next, filepath.Join(dir, checkpointFile), dir)
	}
	if err != nil {
		return metrics{}, err
	}
	if err := save(checkpointFile)(m); err != nil {
		return metrics{}, err
	}
	if err := m.Label(ctx, data.Train, e.phaseBar("label")); err != nil {
		return metrics{}, fmt.Errorf("labelling: %w (training is saved; rerun with --resume %s)", err, dir)
	}
	// The model is saved before the test, so that eval --model repeats this very test.
	if err := save(modelFile)(m); err != nil {
		return metrics{}, err
	}
	acc, res, err := m.Test(ctx, data.Test, e.phaseBar("test"))
	if err != nil {
		return metrics{}, fmt.Errorf("testing: %w (training is saved; rerun with --resume %s)", err, dir)
	}
	met := stdpMetrics(m, cfg, acc, res)
	met.History = prog.History
	if err := writeJSON(filepath.Join(dir, "metrics.json"), met); err != nil {
		return metrics{}, err
	}
	if err := saveReceptiveFields(filepath.Join(dir, "weights.png"), runTitle(cfg), m); err != nil {
		return metrics{}, err
	}
	if err := writeCurves(dir, runTitle(cfg)+": running accuracy", met.History); err != nil {
		return metrics{}, err
	}
	return met, nil
}

// phaseBar returns a progress callback drawing a bar for one phase.
func (e *env) phaseBar(phase string) learning.STDPProgress {
	var bar interface {
		Set(int) error
		Finish() error
	}
	plog := e.newProgressLog(phase, 0)
	return func(_ string, done, total int, _ float64) {
		plog.report(done, total, "")
		if bar == nil {
			bar = e.newBar(total, phase, "img")
		}
		_ = bar.Set(done)
		if done == total {
			_ = bar.Finish()
		}
	}
}

// metrics is DIR/metrics.json.
type metrics struct {
	Rule     string  `json:"rule"`
	Device   string  `json:"device"`
	Neurons  int     `json:"neurons"`
	Seed     uint64  `json:"seed"`
	Accuracy float64 `json:"accuracy"`
	// AccuracySelfLabelled (STDP): the test pass labelled by its own
	// responses, as the reference's evaluation script does; not held out.
	AccuracySelfLabelled float64          `json:"accuracy_self_labelled,omitempty"`
	TrainImages          int              `json:"train_images"`
	TrainSeconds         float64          `json:"train_seconds"`
	TrainImagesPerS      float64          `json:"train_images_per_s"`
	TestImages           int              `json:"test_images"`
	TestSeconds          float64          `json:"test_seconds"`
	TestImagesPerS       float64          `json:"test_images_per_s"`
	SOPsPerInference     float64          `json:"sops_per_inference"`
	EnergyPerInference   float64          `json:"energy_per_inference_j"`
	EnergyPerTrainImage  float64          `json:"energy_per_training_image_j"`
	PulsesPerTrainImage  float64          `json:"pulses_per_training_image"`
	Inference            energy.Breakdown `json:"inference_energy"`
	Training             energy.Breakdown `json:"training_energy"`
	Confusion            [][]int          `json:"confusion"`
	// Diagnosis (STDP): who won the images, labels over neurons, θ and
	// weights at the end, and whether learning collapsed.
	Diagnosis *learning.Diagnosis `json:"diagnosis,omitempty"`
	// Raw totals, so `nanospike energy` can recompute with other constants.
	Counts runCounts `json:"counts"`
	// History is the learning curve (curves.png).
	History []curvePoint `json:"history,omitempty"`
}

// runCounts are the event totals behind the energy figures.
type runCounts struct {
	TestImages  int              `json:"test_images"`
	Test        network.Counters `json:"test_network"`
	TestDevice  device.Counters  `json:"test_device"`
	TrainImages int              `json:"train_images"`
	Train       network.Counters `json:"train_network"`
	TrainDevice device.Counters  `json:"train_device"` // incl. normalisation reads
	// Backprop: the network's counters before and after the test pass, and of training.
	BackpropTest  *[2]learning.BackpropCounters `json:"backprop_test,omitempty"`
	BackpropTrain *learning.BackpropCounters    `json:"backprop_train,omitempty"`
}

func stdpMetrics(m *learning.STDPModel, cfg *runConfig, acc float64, r *learning.EvalResult) metrics {
	inf := m.Energy(cfg.Energy, r)
	tr := m.TrainEnergy(cfg.Energy)
	conf := make([][]int, 10)
	for i := range conf {
		conf[i] = make([]int, 11) // column 10: no neuron fired
	}
	for k, p := range r.Predicted {
		if p < 0 {
			p = 10
		}
		conf[r.Labels[k]][p]++
	}
	name := cfg.Options.Device
	diag := m.Diagnose(r)
	met := metrics{
		Rule: "stdp", Device: name, Neurons: m.Config.Neurons, Seed: m.Config.Seed, Accuracy: acc,
		AccuracySelfLabelled: r.SelfLabelledAccuracy(),
		TrainImages:          m.TrainImages, TrainSeconds: m.TrainSeconds,
		TestImages: r.Images, TestSeconds: r.Seconds,
		SOPsPerInference: inf.SOPs, EnergyPerInference: inf.Inference,
		EnergyPerTrainImage: tr.Training, Inference: inf, Training: tr, Confusion: conf, Diagnosis: &diag,
		Counts: runCounts{TestImages: r.Images, Test: r.Net, TestDevice: r.Dev,
			TrainImages: m.TrainImages, Train: m.TrainCounters, TrainDevice: m.TrainDeviceCounters()},
	}
	if m.TrainSeconds > 0 {
		met.TrainImagesPerS = float64(m.TrainImages) / m.TrainSeconds
	}
	if r.Seconds > 0 {
		met.TestImagesPerS = float64(r.Images) / r.Seconds
	}
	if m.TrainImages > 0 {
		c := m.DeviceCounters()
		met.PulsesPerTrainImage = float64(c.PotPulses+c.DepPulses) / float64(m.TrainImages)
	}
	return met
}

func printMetrics(e *env, m metrics, dir string) {
	if e.asJSON {
		if err := e.printJSON(m); err != nil {
			fmt.Fprintf(e.stderr, "warning: %v\n", err)
		}
		return
	}
	size := fmt.Sprintf("%d neurons", m.Neurons)
	if m.Rule == "backprop" {
		size = fmt.Sprintf("%d hidden neurons", m.Neurons)
	}
	fmt.Fprintf(e.stdout, "rule %s, device %s, %s, seed %d\n", m.Rule, m.Device, size, m.Seed)
	fmt.Fprintf(e.stdout, "test accuracy          %.2f %% (%d images)\n", 100*m.Accuracy, m.TestImages)
	if d := m.Diagnosis; d != nil {
		state := "learnt a distributed code"
		if d.Collapsed {
			state = "COLLAPSED: " + d.Reason + "; the accuracy measures the collapse, not the device"
		}
		fmt.Fprintf(e.stdout, "  diagnosis            %s (%d of %d neurons won training images, %d won test images, %d dominant, %d silent in the test)\n",
			state, d.TrainWinners, d.Neurons, d.TestWinners, d.Dominant, d.Dead)
	}
	if m.AccuracySelfLabelled > 0 {
		fmt.Fprintf(e.stdout, "  labelled on the test %.2f %% (neurons labelled by the test pass itself, as the reference's evaluation script; not held out)\n", 100*m.AccuracySelfLabelled)
	}
	in, tr := m.Inference, m.Training
	fmt.Fprintf(e.stdout, "energy per inference   %s on %d crossbar tiles: device %s (%s), periphery %s, neurons %s, leakage %s; "+
		"per cycle %s; %.0f SOPs (Loihi %s at its per-SOP energy)\n",
		joules(m.EnergyPerInference), in.Tiles, joules(in.Device), shareCell(in.DeviceShare), joules(in.Periphery), joules(in.Neurons),
		joules(in.Leakage), joules(in.Clocked), m.SOPsPerInference, joules(in.Loihi))
	fmt.Fprintf(e.stdout, "energy per train image %s: programming %s (cells %s, bit lines %s, light %s) for %.0f pulses; device %s\n",
		joules(m.EnergyPerTrainImage), joules(tr.Program), joules(tr.ProgramCells), joules(tr.ProgramWires), joules(tr.ProgramLight),
		m.PulsesPerTrainImage, shareCell(tr.DeviceShareTraining))
	fmt.Fprintf(e.stdout, "throughput             train %.0f img/s, test %.0f img/s\n", m.TrainImagesPerS, m.TestImagesPerS)
	files := "metrics.json, config.json, model.gob"
	if len(m.History) > 0 {
		files += ", curves.png"
	}
	if m.Rule == "stdp" {
		files += ", weights.png"
	}
	fmt.Fprintf(e.stdout, "results in             %s (%s)\n", dir, files)
}

// joules formats an energy with an SI prefix.
func joules(j float64) string {
	if j == 0 {
		return "0 J"
	}
	for _, u := range []struct {
		f float64
		s string
	}{{1, "J"}, {1e-3, "mJ"}, {1e-6, "µJ"}, {1e-9, "nJ"}, {1e-12, "pJ"}, {1e-15, "fJ"}} {
		if math.Abs(j) >= u.f {
			return fmt.Sprintf("%.3g %s", j/u.f, u.s)
		}
	}
	return fmt.Sprintf("%.3g J", j)
}

// saveReceptiveFields writes the input weights of every excitatory neuron
// as a grid of 28×28 tiles.
func saveReceptiveFields(path, title string, m *learning.STDPModel) error {
	rows, cols := m.Syn.Rows(), m.Syn.Cols()
	w := m.Syn.WeightsTo(nil)
	t := make([]float64, len(w))
	for i := range rows {
		for j := range cols {
			t[j*rows+i] = w[i*cols+j]
		}
	}
	side := int(math.Ceil(math.Sqrt(float64(cols))))
	var labels []string
	if m.Labels != nil {
		labels = make([]string, cols)
		for j := range labels {
			labels[j] = fmt.Sprintf("n%d: %d", j, m.Labels[j])
			if m.Labels[j] < 0 {
				labels[j] = fmt.Sprintf("n%d: –", j)
			}
		}
	}
	f := plots.Figure{Title: "receptive fields: " + title, YLabel: "weight (normalised conductance)",
		Caption: "nK: d above a field: excitatory neuron K, labelled with digit d (the class it responded to most in labelling; –: never fired)."}
	return f.Fields(path, t, (cols+side-1)/side, side, datasets.Height, datasets.Width, labels)
}

func runEval(ctx context.Context, e *env, args []string) error {
	fs := e.flags("eval", "eval --model DIR [--test-samples M] [--data DIR]")
	var dir, data string
	var testSamples, workers int
	fs.StringVar(&dir, "model", "", "folder of a trained model (holding model.gob)")
	fs.IntVar(&testSamples, "test-samples", -1, "test images (default: as trained; 0: all)")
	fs.IntVar(&workers, "workers", 0, "evaluation replicas run at once (0: one per core)")
	dataFlag(fs, &data)
	e.jsonFlag(fs)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if dir == "" {
		return e.usagef("--model DIR is required")
	}
	var cfg runConfig
	if err := readJSON(filepath.Join(dir, "config.json"), &cfg); err != nil {
		return err
	}
	if err := checkRunConfig(e, dir, "--model"); err != nil {
		return err
	}
	d, err := loadData(data)
	if err != nil {
		return err
	}
	if err := checkSamples(d, 0, 0, testSamples); err != nil {
		return err
	}
	if cfg.Options.Rule == "backprop" {
		return evalBackprop(e, &cfg, dir, d, testSamples)
	}
	b, err := os.ReadFile(filepath.Join(dir, modelFile))
	if err != nil {
		return err
	}
	m, err := learning.UnmarshalSTDPModel(b)
	if err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(dir, modelFile), err)
	}
	if testSamples >= 0 {
		m.Config.TestSamples = testSamples
	}
	m.Config.Eval.Workers = workers
	acc, res, err := m.Test(ctx, d.Test, e.phaseBar("test"))
	if err != nil {
		return err
	}
	met := stdpMetrics(m, &cfg, acc, res)
	if err := writeJSON(filepath.Join(dir, "eval.json"), met); err != nil {
		return err
	}
	printMetrics(e, met, dir)
	return nil
}

// checkOverwrite refuses to train into a folder holding a run (config.json or metrics.json)
// unless force, and with force removes that run's files first, so nothing of it (a weights.png
// of another rule) is left beside the new one.
func checkOverwrite(dir string, force bool) error {
	held := ""
	for _, f := range []string{metricsFile, configFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			held = f
			break
		}
	}
	if held == "" {
		return nil
	}
	if !force {
		return &usageError{msg: fmt.Sprintf("%s holds a run (%s): --resume %s to continue it, --force to replace it, or another --out", dir, held, dir)}
	}
	for _, f := range runFiles {
		if err := os.Remove(filepath.Join(dir, f)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	return nil
}

// finishedRun reports whether dir holds a finished run (its model and metrics), with the
// metrics; a metrics.json that does not read is an error.
func finishedRun(dir string) (metrics, bool, error) {
	var met metrics
	if _, err := os.Stat(filepath.Join(dir, metricsFile)); err != nil {
		return met, false, nil
	}
	if _, err := os.Stat(filepath.Join(dir, modelFile)); err != nil {
		return met, false, nil
	}
	if err := readJSON(filepath.Join(dir, metricsFile), &met); err != nil {
		return met, false, err
	}
	if met.Rule == "" || met.TestImages <= 0 {
		return met, false, fmt.Errorf("%s: not the metrics of a finished run (rule %q, %d test images)", filepath.Join(dir, metricsFile), met.Rule, met.TestImages)
	}
	return met, true, nil
}
