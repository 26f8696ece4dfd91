package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"text/tabwriter"

	"github.com/nanospike/nanospike/energy"
	"github.com/nanospike/nanospike/experiment"
)

func init() {
	register(&command{name: "energy", summary: "energy per inference and per training image of a trained model, by pathway and component", run: runEnergy})
}

// energyReport is the output of `energy --json`.
type energyReport struct {
	Model    string  `json:"model"`
	Rule     string  `json:"rule"`
	Device   string  `json:"device"`
	Neurons  int     `json:"neurons"`
	Accuracy float64 `json:"accuracy"`
	// Constants are the peripheral energies used; Overridden tells whether
	// they differ from the run's (then the figures are recomputed).
	Constants  energy.Config `json:"constants"`
	Overridden bool          `json:"overridden"`
	// Source says where the figures come from: "metrics.json" (as stored),
	// "raw counts…" (recomputed from the run's event totals) or
	// "breakdown items" (per-image counts of the stored breakdown times the
	// new constants).
	Source      string           `json:"source"`
	TestImages  int              `json:"test_images"`
	TrainImages int              `json:"train_images"`
	Inference   energy.Breakdown `json:"inference"`
	Training    energy.Breakdown `json:"training"`
}

func runEnergy(ctx context.Context, e *env, args []string) error {
	fs := e.flags("energy", "energy --model DIR [--json] [--energy-config FILE] [--neuron-circuit if|lif] [--tile RxC] [--step-time S] [--e-neuron J] [--e-spike J] [--e-digital-sop J]")
	var dir, file, circuit, tile string
	var asJSON bool
	var c energy.Config
	def := energy.DefaultConfig()
	fs.StringVar(&dir, "model", "", "folder of a trained run (holding config.json and metrics.json)")
	fs.BoolVar(&asJSON, "json", false, "print JSON instead of tables")
	fs.StringVar(&file, "energy-config", "", "JSON file of energy constants (the \"energy\" object of a run's config.json) replacing the run's; fields not given take the defaults")
	fs.StringVar(&circuit, "neuron-circuit", def.NeuronCircuit, "neuron circuit: if (NeuroSim's integrate-and-fire read circuit) or lif (digital LIF updates)")
	fs.StringVar(&tile, "tile", "128x128", "crossbar tile size, rows x columns")
	fs.Float64Var(&c.StepTime, "step-time", 0, "hardware time of one simulated step, s (0: one array read per step; the model's dt: real time)")
	fs.Float64Var(&c.NeuronUpdate, "e-neuron", def.NeuronUpdate, "energy of one digital neuron update, J")
	fs.Float64Var(&c.Spike, "e-spike", def.Spike, "energy of routing one spike, J")
	fs.Float64Var(&c.DigitalSOP, "e-digital-sop", def.DigitalSOP, "energy of one digital synaptic operation, J")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usagef("unexpected argument %q", fs.Arg(0))
	}
	if dir == "" {
		return e.usagef("--model DIR is required")
	}
	var rows, cols int
	if _, err := fmt.Sscanf(tile, "%dx%d", &rows, &cols); err != nil || fmt.Sprintf("%dx%d", rows, cols) != tile {
		return e.usagef("--tile: %q is not ROWSxCOLS (e.g. 128x128)", tile)
	}
	// The file and the flags are checked before the run's files are read, as flags.
	var fromFile *energy.Config
	if file != "" {
		c, err := experiment.ReadEnergyConfig(file)
		if err != nil {
			return e.usagef("%v", err)
		}
		fromFile = &c
	}
	override := func(c0 energy.Config) (energy.Config, error) {
		if fromFile != nil {
			c0 = *fromFile
		}
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "neuron-circuit":
				c0.NeuronCircuit = circuit
			case "tile":
				c0.Crossbar.Rows, c0.Crossbar.Cols = rows, cols
			case "step-time":
				c0.StepTime = c.StepTime
			case "e-neuron":
				c0.NeuronUpdate = c.NeuronUpdate
			case "e-spike":
				c0.Spike = c.Spike
			case "e-digital-sop":
				c0.DigitalSOP = c.DigitalSOP
			}
		})
		return c0, c0.Validate()
	}
	if _, err := override(def); err != nil {
		return e.usagef("%v", err)
	}
	var cfg experiment.RunConfig
	if err := experiment.ReadJSON(filepath.Join(dir, experiment.ConfigFile), &cfg); err != nil {
		return err
	}
	var met experiment.Metrics
	if err := experiment.ReadJSON(filepath.Join(dir, experiment.MetricsFile), &met); err != nil {
		return err
	}
	stored := cfg.Energy.Current()
	consts, err := override(stored)
	if err != nil {
		return e.usagef("%v", err)
	}
	rep := energyReport{Model: dir, Rule: met.Rule, Device: met.Device, Neurons: met.Neurons, Accuracy: met.Accuracy,
		Constants: consts, Overridden: consts != stored, TestImages: met.TestImages, TrainImages: met.TrainImages}
	var ok bool
	rep.Inference, rep.Training, rep.Source, ok = experiment.RecomputeEnergy(consts, &cfg, &met)
	if !ok {
		return fmt.Errorf("%s: metrics.json holds no raw event counts (a run made before they were stored): rerun it to cost it with the crossbar model", dir)
	}
	if asJSON {
		return e.printJSON(rep)
	}
	printEnergy(e.stdout, &rep)
	return nil
}

func printEnergy(w io.Writer, r *energyReport) {
	fmt.Fprintf(w, "model %s: %s, device %s, %d neurons, test accuracy %.2f %%\n", r.Model, r.Rule, r.Device, r.Neurons, 100*r.Accuracy)
	how := "the run's"
	if r.Overridden {
		how = "overridden"
	}
	k := r.Constants
	step := "one array read per step"
	if k.StepTime > 0 {
		step = fmt.Sprintf("%g s per step", k.StepTime)
	}
	fmt.Fprintf(w, "circuit (%s): %d×%d cross-point tiles, %s neurons, digital update %s, spike routing %s, digital SOP %s, %s\n",
		how, k.Crossbar.Rows, k.Crossbar.Cols, k.NeuronCircuit, experiment.Joules(k.NeuronUpdate), experiment.Joules(k.Spike), experiment.Joules(k.DigitalSOP), step)
	fmt.Fprintf(w, "figures from: %s\n", r.Source)
	printBreakdown(w, fmt.Sprintf("per inference (mean over %d test images)", r.TestImages), r.Inference, false)
	printBreakdown(w, fmt.Sprintf("per training image (mean over %d training images; programming included)", r.TrainImages), r.Training, true)
}

// printBreakdown prints one breakdown: its parts with their shares (device-decided ones
// marked), the per-cycle view, and the same synaptic operations at TrueNorth's and Loihi's
// per-SOP energy.
func printBreakdown(w io.Writer, title string, b energy.Breakdown, training bool) {
	total, dev, devShare := b.Inference, b.Device, b.DeviceShare
	if training {
		total, dev, devShare = b.Training, b.DeviceTraining, b.DeviceShareTraining
	}
	fmt.Fprintf(w, "\n%s: %s on %d tiles, %.4g steps of %s\n", title, experiment.Joules(total), b.Tiles, b.Steps, seconds(b.StepTime))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	share := func(j float64) string {
		if total <= 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f %%", 100*j/total)
	}
	for _, p := range b.Parts(training) {
		mark := ""
		if p.Device {
			mark = "device"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t\n", p.Label, experiment.Joules(p.Joules), share(p.Joules), mark)
	}
	fmt.Fprintf(tw, "  total\t%s\t\t\t\n", experiment.Joules(total))
	tw.Flush()
	fmt.Fprintf(w, "  decided by the device (cells, word lines at its V_read%s): %s, %s\n",
		map[bool]string{true: ", programming", false: ""}[training], experiment.Joules(dev), experiment.ShareCell(devShare))
	if !training {
		fmt.Fprintf(w, "  per cycle (every tile read and every neuron updated each step, as SpikeSim charges): %s\n", experiment.Joules(b.Clocked))
	}
	ratio := func(j float64) string {
		if total <= 0 {
			return ""
		}
		return fmt.Sprintf(", %.3g× this", j/total)
	}
	fmt.Fprintf(w, "  %.4g synaptic operations: at TrueNorth's %s/SOP %s%s; at Loihi's %s/SOP %s%s\n",
		b.SOPs, experiment.Joules(energy.TrueNorthSOP), experiment.Joules(b.TrueNorth), ratio(b.TrueNorth),
		experiment.Joules(energy.LoihiSOP), experiment.Joules(b.Loihi), ratio(b.Loihi))
	if len(b.Items) > 0 {
		fmt.Fprintln(w, "  by layer and population:")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		for _, it := range b.Items {
			fmt.Fprintf(tw, "    %s\t%s\t%.4g\t%s\t%s\t\n", it.Name, it.Component, it.Count, experiment.Joules(it.Joules), share(it.Joules))
		}
		tw.Flush()
	}
}

// seconds formats a duration in seconds with an SI prefix.
func seconds(s float64) string {
	switch {
	case s == 0:
		return "0 s"
	case s < 1e-6:
		return fmt.Sprintf("%.3g ns", s*1e9)
	case s < 1e-3:
		return fmt.Sprintf("%.3g µs", s*1e6)
	case s < 1:
		return fmt.Sprintf("%.3g ms", s*1e3)
	}
	return fmt.Sprintf("%.3g s", s)
}
