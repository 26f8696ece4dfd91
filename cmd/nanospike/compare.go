package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/nanospike/nanospike/experiment"
)

func init() {
	register(&command{name: "compare", summary: "train and test several devices (or one device's parameter sweep) and tabulate accuracy and energy", run: runCompare})
}

func runCompare(ctx context.Context, e *env, args []string) error {
	fs := e.flags("compare", "compare [--rule stdp|backprop] --devices all|a,b,c [--sweep param=v1,v2,…] [--shard i/n] [--jobs J] [training flags] [--out DIR]")
	var o experiment.Options
	registerTrainFlags(fs, &o)
	var devices, sweep, shard, energyFile string
	var sets setList
	var jobs, seeds, draws int
	var maxMemory float64
	fs.Float64Var(&maxMemory, "max-memory", 0, "refuse runs estimated to need, --jobs at once, more memory than this many bytes (0: the memory available)")
	fs.StringVar(&energyFile, "energy-config", "", "JSON file of the energy model's constants (docs/energy.md) to cost every run with, finished ones included; fields not given take the defaults")
	fs.IntVar(&draws, "uncertainty", 0, "also run K draws of each device's assumed parameters from their plausible ranges "+
		"(Latin hypercube, seeded by --seed; draw k uses the k-th seed, cycling): tables give each device's range over the draws "+
		"and which rankings survive them")
	fs.IntVar(&seeds, "seeds", experiment.DefaultSeeds, "seeds per device: every device runs with master seeds --seed, --seed+1, …; tables give mean, sd and 95 % intervals")
	fs.StringVar(&devices, "devices", "all", "devices to compare: \"all\" (every preset), or a comma-separated list of preset names, device JSON files and \"float\"")
	fs.StringVar(&sweep, "sweep", "", "sweep one parameter of the one device in --devices: param=v1,v2,… with param one of "+strings.Join(experiment.SweepParams, ", ")+
		" (nl sets nl_ltp=v, nl_ltd=−v; d2d sets both device-to-device σ; stuck=f puts f/2 at Gmin and f/2 at Gmax)")
	fs.Var(&sets, "set", "fix a device parameter for every run, param=v (repeatable; the parameters of --sweep), e.g. --set c2c=0 to see quantisation alone")
	fs.StringVar(&shard, "shard", "", "run only part i of n (0 ≤ i < n): item k belongs to part k mod n; join the parts with nanospike merge")
	fs.IntVar(&jobs, "jobs", 0, "runs trained at once, each on one core (0: GOMAXPROCS)")
	e.jsonFlag(fs)
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usagef("unexpected argument %q", fs.Arg(0))
	}
	fc, err := experiment.ApplyConfig(fs, &o, registerTrainFlags)
	if err != nil {
		return e.usagef("%v", err)
	}
	noteDevice(e, fc, "compare")
	applyCompareDefaults(fs, fc, &o)
	if _, _, err := experiment.ParseShard(shard); err != nil {
		return e.usagef("--shard: %v", err)
	}
	if jobs < 0 {
		return e.usagef("--jobs must be ≥ 0, got %d", jobs)
	}
	if seeds < 1 || seeds > experiment.MaxSeeds {
		return e.usagef("--seeds must be between 1 and %d, got %d", experiment.MaxSeeds, seeds)
	}
	if jobs == 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	if draws < 0 || draws > experiment.MaxDraws {
		return e.usagef("--uncertainty must be between 0 and %d, got %d", experiment.MaxDraws, draws)
	}
	if draws > 0 && sweep != "" {
		return e.usagef("--uncertainty draws devices' assumed parameters; it does not combine with --sweep")
	}
	groups, param, err := experiment.CompareItems(devices, sweep, sets...)
	if err != nil {
		return e.usagef("%v", err)
	}
	seedList := experiment.Seeds(o.Seed, seeds)
	items := experiment.WithSeeds(groups, seedList)
	if items, err = experiment.WithDraws(items, groups, draws, seedList, o.Seed); err != nil {
		return err
	}
	o.Device = items[0].Device
	if err := validate(e, &o); err != nil {
		return err
	}
	if err := experiment.Preflight(o, jobs, maxMemory); err != nil {
		return err
	}
	if o.Out == "" {
		if param != "" {
			o.Out = filepath.Join("runs", fmt.Sprintf("sweep-%s-%s-%s-n%d", o.Rule, experiment.DeviceLabel(items[0].Device), param, o.Neurons))
		} else {
			o.Out = filepath.Join("runs", fmt.Sprintf("compare-%s-n%d", o.Rule, o.Neurons))
		}
	}
	out := o.Out
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	ec, err := energyConfig(e, energyFile, fc)
	if err != nil {
		return err
	}
	data, err := loadData(o.Data)
	if err != nil {
		return err
	}
	if err := checkSamples(data, o.TrainSamples, o.LabelSamples, o.TestSamples); err != nil {
		return err
	}
	spec := experiment.CompareSpec{Options: o, Groups: groups, Items: items, Param: param, Sets: sets, Seeds: seedList, Draws: draws,
		Energy: ec, Shard: shard, Jobs: jobs, Command: commandLine(), Commit: buildCommit(), Machine: machine()}
	cf, err := experiment.Compare(ctx, e.log(), spec, data)
	if cf == nil {
		return err
	}
	if len(cf.Rows) > 0 {
		if e.asJSON {
			if err := e.printJSON(cf); err != nil {
				return err
			}
		} else {
			experiment.PrintTable(e.stdout, cf)
			fmt.Fprintf(e.stdout, "\nresults in %s (%s, %s, %s, plots)\n", out, experiment.CompareCSV, experiment.CompareJSON, experiment.CompareMD)
		}
	}
	return err
}

// applyCompareDefaults sets compare's STDP workload where its flags were
// not given.
func applyCompareDefaults(fs *flag.FlagSet, fc *experiment.FileConfig, o *experiment.Options) {
	if o.Rule != "stdp" {
		return
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	// A --config file's options set the workload too.
	set["train-samples"] = set["train-samples"] || fc.Sets("train_samples")
	set["label-samples"] = set["label-samples"] || fc.Sets("label_samples")
	if !set["train-samples"] {
		o.TrainSamples = experiment.CompareSTDPTrain
	}
	if !set["label-samples"] {
		o.LabelSamples = experiment.CompareSTDPLabel
	}
}

// registerTrainFlags adds train's flags to fs except --device (compare has
// --devices) and --workers (each run uses one core).
func registerTrainFlags(fs *flag.FlagSet, o *experiment.Options) {
	scratch := flag.NewFlagSet("train", flag.ContinueOnError)
	registerTrain(scratch, o)
	scratch.VisitAll(func(f *flag.Flag) {
		switch f.Name {
		case "device", "workers":
			return
		case "out":
			f.Usage = "output folder: one sub-folder per run plus the tables and plots (default runs/compare-<rule>-n<neurons> or runs/sweep-…)"
		case "train-samples":
			f.Usage = fmt.Sprintf("training images per epoch (STDP default %d, see docs/compare.md; backprop default 0: all 60000)", experiment.CompareSTDPTrain)
		case "label-samples":
			f.Usage = fmt.Sprintf("STDP: training images used to label the neurons (default %d)", experiment.CompareSTDPLabel)
		}
		fs.Var(f.Value, f.Name, f.Usage)
	})
	configFlag(fs)
}

// setList is the value of the repeatable --set flag.
type setList []string

func (s *setList) String() string { return strings.Join(*s, " ") }

func (s *setList) Set(v string) error {
	*s = append(*s, strings.TrimSpace(v))
	return nil
}
