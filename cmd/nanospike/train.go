package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/energy"
	"github.com/nanospike/nanospike/experiment"
	"github.com/nanospike/nanospike/learning"
)

func init() {
	register(&command{name: "train", summary: "train a network on a device (STDP or backprop) and report accuracy and energy", run: runTrain})
	register(&command{name: "eval", summary: "re-evaluate a trained model (--model DIR)", run: runEval})
}

func registerTrain(fs *flag.FlagSet, o *experiment.Options) {
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
	fs.IntVar(&o.Workers, "workers", 0, "cores the run uses: evaluation replicas run at once, and an STDP float network's column ranges in training (0: every core, the network stepped whole for a while when other work holds the cores; results do not depend on it)")
	dataFlag(fs, &o.Data)
	registerBackprop(fs, &o.Backprop)
}

func validate(e *env, o *experiment.Options) error {
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

func runTrain(ctx context.Context, e *env, args []string) error {
	fs := e.flags("train", "train [--rule stdp|backprop] [--device NAME|FILE|float] [--neurons N] [--train-samples K] [--test-samples M] [--epochs E] [--seed S] [--out DIR] | --resume DIR")
	var o experiment.Options
	registerTrain(fs, &o)
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
	fc, err := experiment.ApplyConfig(fs, &o, registerTrain)
	if err != nil {
		return e.usagef("%v", err)
	}
	if resume != "" && fc != nil {
		return e.usagef("--config starts a new run; --resume continues one with its own config.json (to train again with an edited config.json: --config DIR/config.json --out NEWDIR)")
	}
	var cfg experiment.RunConfig
	if resume != "" {
		if err := experiment.ReadJSON(filepath.Join(resume, experiment.ConfigFile), &cfg); err != nil {
			return fmt.Errorf("--resume: %w", err)
		}
		if err := checkRunConfig(e, resume, "--resume"); err != nil {
			return err
		}
		unlock, err := experiment.LockRun(resume) // another process may be writing the folder
		if err != nil {
			return err
		}
		met, done, err := experiment.Finished(resume)
		unlock()
		if err != nil {
			return fmt.Errorf("--resume: %w", err)
		} else if done {
			fmt.Fprintf(e.stderr, "%s: the run has finished; nothing to resume (train anew: --config %s --out NEWDIR)\n", resume, filepath.Join(resume, experiment.ConfigFile))
			printMetrics(e, met, resume)
			return nil
		}
		cfg.Options.Out = resume
		o = cfg.Options
	} else {
		if err := validate(e, &o); err != nil {
			return err
		}
		if err := experiment.Preflight(o, 1, maxMemory); err != nil {
			return err
		}
		ec := energy.DefaultConfig()
		if c, err := energyConfig(e, energyFile, fc); err != nil {
			return err
		} else if c != nil {
			ec = *c
		}
		if o.Out == "" {
			o.Out = filepath.Join("runs", fmt.Sprintf("%s-%s-n%d", o.Rule, experiment.DeviceLabel(o.Device), o.Neurons))
		}
		var dev *device.Params
		if fc != nil && fc.Device != nil && !flagSet(fs, "device") && o.Device != experiment.FloatDevice {
			dev = fc.Device // the file's device parameters, under its options' device name
		} else if dev, err = experiment.LoadDevice(o.Device); err != nil {
			return err
		}
		cfg = experiment.RunConfig{Command: commandLine(), Options: o, Device: dev, Energy: ec}
	}
	data, err := loadData(o.Data)
	if err != nil {
		return err
	}
	if err := checkSamples(data, o.TrainSamples, o.LabelSamples, o.TestSamples); err != nil {
		return err
	}
	met, err := experiment.Train(ctx, e.log(), &cfg, data, resume != "", force)
	if err != nil {
		return err
	}
	printMetrics(e, met, o.Out)
	return nil
}

func printMetrics(e *env, m experiment.Metrics, dir string) {
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
		experiment.Joules(m.EnergyPerInference), in.Tiles, experiment.Joules(in.Device), experiment.ShareCell(in.DeviceShare), experiment.Joules(in.Periphery), experiment.Joules(in.Neurons),
		experiment.Joules(in.Leakage), experiment.Joules(in.Clocked), m.SOPsPerInference, experiment.Joules(in.Loihi))
	fmt.Fprintf(e.stdout, "energy per train image %s: programming %s (cells %s, bit lines %s, light %s) for %.0f pulses; device %s\n",
		experiment.Joules(m.EnergyPerTrainImage), experiment.Joules(tr.Program), experiment.Joules(tr.ProgramCells), experiment.Joules(tr.ProgramWires), experiment.Joules(tr.ProgramLight),
		m.PulsesPerTrainImage, experiment.ShareCell(tr.DeviceShareTraining))
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
	var cfg experiment.RunConfig
	if err := experiment.ReadJSON(filepath.Join(dir, experiment.ConfigFile), &cfg); err != nil {
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
	met, err := experiment.Eval(ctx, e.log(), &cfg, dir, d, testSamples, workers)
	if err != nil {
		return err
	}
	printMetrics(e, met, dir)
	return nil
}

func registerBackprop(fs *flag.FlagSet, b *experiment.BackpropOptions) {
	d := learning.DefaultBackpropConfig()
	fs.StringVar(&b.Hidden, "hidden", "1000", "backprop: hidden layer sizes, comma-separated (784-H1-…-10)")
	fs.IntVar(&b.Steps, "steps", d.Steps, "backprop: time steps per image")
	fs.StringVar(&b.Mode, "mode", "", "backprop: insitu (train on the devices) or exsitu (train in float, then write-and-verify); default insitu, ideal with --device float")
	fs.StringVar(&b.Update, "update", d.Device.Update, "backprop in-situ: round (NeuroSim), stochastic, accumulate (digital buffer) or exact")
	fs.IntVar(&b.Batch, "batch", d.BatchSize, "backprop: mini-batch size")
	fs.Float64Var(&b.LR, "lr", d.LR, "backprop: Adam learning rate")
	fs.StringVar(&b.Encoding, "encoding", d.Encoding, "backprop: input encoding, rate (Bernoulli spikes) or direct (analog current)")
	fs.IntVar(&b.CurveEvery, "curve-every", 0, "backprop: a learning-curve point (loss, train accuracy) every this many mini-batches (0: once per epoch)")
	fs.BoolVar(&b.CurveTest, "curve-test", true, "backprop: test the network at the end of each epoch for the learning curve (a copy is tested: the run is unchanged)")
	fs.IntVar(&b.CarryEach, "carry-every", 0, "backprop in-situ: periodic carry from a fine to a coarse device pair every this many mini-batches (0: off)")
}
