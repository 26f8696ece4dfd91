package main

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"strings"

	"github.com/nanospike/nanospike/experiment"
)

func init() {
	register(&command{name: "targets", summary: "design targets: what a device must reach to stay within a loss of the ideal device (sweeps, thresholds, tornado, heat maps)", run: runTargets})
}

func runTargets(ctx context.Context, e *env, args []string) error {
	fs := e.flags("targets", "targets [--rule stdp|backprop] --device NAME|FILE --loss PP [--params a,b,…] [--pairs a:b,…] [--seeds K] [--jobs J] [--shard i/n] [training flags] --out DIR")
	var o experiment.Options
	registerTrainFlags(fs, &o)
	var dev, params, pairs, shard string
	var values setList
	var loss float64
	var seeds, jobs int
	fs.StringVar(&dev, "device", "", "the device: a preset name or a device JSON file")
	fs.Float64Var(&loss, "loss", 1, "the accuracy loss against the ideal device to stay within, percentage points (same network and seeds)")
	fs.StringVar(&params, "params", "all", "parameters to sweep: all, or a comma-separated list of "+strings.Join(experiment.TargetParamNames(), ", "))
	fs.StringVar(&pairs, "pairs", "states:nl_ltp,c2c:states", "pairs swept together for heat maps, a:b,… (\"\": none)")
	fs.Var(&values, "values", "sweep a parameter over these values instead of its default grid, param=v1,v2,… (repeatable); the range must contain the device's value")
	fs.IntVar(&seeds, "seeds", 3, "seeds per point: thresholds come with intervals over them")
	fs.IntVar(&jobs, "jobs", 0, "runs trained at once, each on one core (0: GOMAXPROCS)")
	fs.StringVar(&shard, "shard", "", "run only part i of n; run the same command without --shard afterwards to assemble the outputs")
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
	noteDevice(e, fc, "targets")
	applyCompareDefaults(fs, fc, &o)
	if o.Rule == "backprop" && !flagSet(fs, "epochs") && !fc.Sets("epochs") {
		o.Epochs = experiment.TargetsBackpropEpochs // converged for the ideal device (docs/targets.md)
	}
	switch {
	case dev == "":
		return e.usagef("--device is required")
	case dev == experiment.FloatDevice:
		return e.usagef("--device float has no device parameters to sweep")
	case !(loss > 0) || math.IsInf(loss, 0):
		return e.usagef("--loss must be a number of percentage points > 0, got %v", loss)
	case seeds < 1 || seeds > experiment.MaxSeeds:
		return e.usagef("--seeds must be between 1 and %d, got %d", experiment.MaxSeeds, seeds)
	case jobs < 0:
		return e.usagef("--jobs must be ≥ 0, got %d", jobs)
	case o.Out == "":
		return e.usagef("--out DIR is required")
	}
	if jobs == 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	si, sn, err := experiment.ParseShard(shard)
	if err != nil {
		return e.usagef("--shard: %v", err)
	}
	names, err := experiment.TargetParamList(params)
	if err != nil {
		return e.usagef("--params: %v", err)
	}
	pairList, err := experiment.TargetPairList(pairs)
	if err != nil {
		return e.usagef("--pairs: %v", err)
	}
	base, err := experiment.LoadDevice(dev)
	if err != nil {
		return e.usagef("%v", err)
	}
	o.Device = dev
	if err := validate(e, &o); err != nil {
		return err
	}
	if err := experiment.Preflight(o, jobs, 0); err != nil {
		return err
	}

	spec := experiment.TargetsSpec{Options: o, Device: dev, Base: base, Loss: loss, Params: names, Pairs: pairList, Values: values,
		Seeds: seeds, Jobs: jobs, Shard: si, Shards: sn, Command: commandLine(), Commit: buildCommit(), Machine: machine()}
	plan, err := experiment.PlanTargets(spec)
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
	tf, err := plan.Run(ctx, e.log(), data)
	if err != nil {
		return err
	}
	if tf == nil {
		fmt.Fprintf(e.stdout, "shard %s done; run the command without --shard once every shard is, to assemble the targets\n", shard)
		return nil
	}
	fmt.Fprint(e.stdout, experiment.TargetsMarkdown(tf))
	fmt.Fprintf(e.stdout, "\nresults in %s (targets.json, targets.csv, targets.md, tornado and heat-map plots)\n", o.Out)
	return nil
}
