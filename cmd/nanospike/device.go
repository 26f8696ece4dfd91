package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/nanospike/nanospike/device"
	"github.com/nanospike/nanospike/experiment"
)

func init() {
	register(&command{name: "device", summary: "list, show, characterise and fit synaptic devices", run: runDevice})
}

const deviceUsage = `usage: nanospike device <subcommand> [flags]

subcommands:
  list [--json]                          the presets: kind, states, NL, on/off, energy, source
  show NAME|FILE [--json]                every field of a preset or a device JSON file, with its source
  characterize NAME|FILE|all|NAME,NAME… [--out DIR] [--seed S] [--format png|svg]
                                         run every protocol; CSVs, plots and a review-vs-simulated summary
  fit CURVE.csv [--name NAME] [--out FILE.json] [--unit S|mS|uS|nS|pS] [--base NAME|FILE] [--plot FILE] [--bootstrap N]
                                         fit a device to a measured LTP/LTD curve (or characterize's
                                         ltp_ltd.csv), with 95 % bootstrap intervals

Run 'nanospike device <subcommand> --help' for its flags.
`

// runDevice dispatches the device subcommands.
func runDevice(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(e.stderr, deviceUsage)
		return e.usagef("missing subcommand (list, show, characterize or fit)")
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "-h", "-help", "--help", "help":
		fmt.Fprint(e.stderr, deviceUsage)
		return flag.ErrHelp
	case "list":
		return deviceList(e, rest)
	case "show":
		return deviceShow(e, rest)
	case "characterize", "characterise":
		return deviceCharacterize(ctx, e, rest)
	case "fit":
		return deviceFit(e, rest)
	}
	return e.usagef("unknown subcommand %q (want list, show, characterize or fit)", sub)
}

// devParseArgs parses flags that may come before or after the positional arguments
// ("show NAME --json"), which the flag package alone stops at.
func devParseArgs(e *env, fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := e.parse(fs, args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func deviceList(e *env, args []string) error {
	fs := e.flags("device list", "device list [--json]")
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	pos, err := devParseArgs(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return e.usagef("unexpected argument %q", pos[0])
	}
	l := experiment.ListPresets()
	if *asJSON {
		return e.printJSON(l.Rows)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "name\tkind\tstates\tNL LTP/LTD\ton/off\tsourced\tE/read (J)\tE/pulse (J)\tsource")
	for _, r := range l.Rows {
		def := ""
		if r.Name == device.DefaultPreset {
			def = " (default)"
		}
		src := fmt.Sprintf("%d/%d", r.Sourced, r.Quantities)
		if r.Prior == "" {
			src = "–"
		} else if len(r.SameAs) > 0 {
			src += "*"
		}
		fmt.Fprintf(tw, "%s%s\t%s\t%d\t%.2f/%.2f\t%.3g\t%s\t%.2g\t%.2g\t%s\n", r.Name, def, r.Kind, r.States, r.NLLTP, r.NLLTD, r.OnOff,
			src, r.EEvent, r.EPot, r.Source)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\n%d presets. sourced: learning-relevant quantities (states, NL LTP, NL LTD, on/off, C2C, D2D, read noise, "+
		"stuck devices, short-term part) whose value cites a measurement; the others are assumed, each with a plausible range "+
		"(device show NAME). *: identical in every learning field to another preset (the same class prior, no number of its own). "+
		"NC presets: %d of %d quantities sourced, %d sharing a prior with another. E/read: one read at Gmax, V_read²·Gmax·t_read; "+
		"E/pulse: one potentiation pulse, V²·G_mid·t_pulse (device/doc.go, Energy).\n", len(l.Rows), l.Sourced, l.Quantities, l.Shared)
	return nil
}

func deviceShow(e *env, args []string) error {
	fs := e.flags("device show", "device show NAME|FILE [--json]")
	asJSON := fs.Bool("json", false, "print the device JSON (the format of a device file)")
	pos, err := devParseArgs(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return e.usagef("want one device (a preset name or a JSON file), got %d arguments", len(pos))
	}
	p, err := experiment.ResolveDevice(pos[0])
	if err != nil {
		return err
	}
	if *asJSON {
		return p.WriteJSON(e.stdout)
	}
	return experiment.DescribeDevice(e.stdout, p)
}

func deviceCharacterize(ctx context.Context, e *env, args []string) error {
	fs := e.flags("device characterize", "device characterize NAME|FILE|all|NAME,NAME… [--out DIR] [--seed S] [--format png|svg]")
	out := fs.String("out", "characterization", "folder to write DIR/<device>/{*.csv, plots, summary.json, summary.csv} into")
	seed := fs.Uint64("seed", 1, "seed of the simulated device's noise")
	format := fs.String("format", "png", "plot format: png or svg")
	pos, err := devParseArgs(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return e.usagef("want one device argument (a preset name, a JSON file, a comma-separated list of them, or all), got %d arguments", len(pos))
	}
	if *format != "png" && *format != "svg" {
		return e.usagef("--format must be png or svg, got %q", *format)
	}
	var devs []*device.Params
	var srcs []string
	if pos[0] == "all" {
		devs = device.Presets()
		for _, p := range devs {
			srcs = append(srcs, p.Name)
		}
	} else {
		for _, arg := range experiment.SplitList(pos[0]) {
			p, err := experiment.ResolveDevice(arg)
			if err != nil {
				return err
			}
			devs, srcs = append(devs, p), append(srcs, arg)
		}
		if len(devs) == 0 {
			return e.usagef("no device named in %q", pos[0])
		}
		seen := map[string]string{}
		for i, p := range devs {
			d := experiment.CharacterizationDir(*out, p.Name)
			if prev, dup := seen[d]; dup {
				return e.usagef("%s and %s both write to %s: give each device once, with distinct names", prev, srcs[i], d)
			}
			seen[d] = srcs[i]
		}
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	bar := e.log().NewBar(len(devs), "characterize", "dev")
	defer bar.Close()
	reports, err := experiment.Characterize(ctx, experiment.CharacterizeOptions{
		Out: *out, Format: *format, Seed: *seed, Done: func() { _ = bar.Add(1) }}, devs, srcs)
	if err != nil {
		return err
	}
	_ = bar.Finish()
	return experiment.WriteCharacterizationSummary(e.stdout, *out, devs, reports)
}

func deviceFit(e *env, args []string) error {
	fs := e.flags("device fit", "device fit CURVE.csv [--name NAME] [--out FILE.json] [--unit S|mS|uS|nS|pS] [--base NAME|FILE] [--plot FILE.png|svg] [--bootstrap N]")
	name := fs.String("name", "", "name of the fitted device (default: the curve file's base name)")
	out := fs.String("out", "", "write the device JSON to this file (default: stdout)")
	unit := fs.String("unit", "S", "unit of the conductance column: S, mS, uS, nS, pS, or a number of siemens")
	base := fs.String("base", "", "take the fields a curve does not give (noise, energy, STP, retention) from this preset or device file (default: documented assumptions)")
	plotPath := fs.String("plot", "", "also plot the measured and fitted curves to this .png or .svg file")
	boot := fs.Int("bootstrap", device.DefaultFitBootstrap, "bootstrap replicates for the 95 % intervals (seeded: the same intervals every run); 0 = no intervals")
	pos, err := devParseArgs(e, fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return e.usagef("want one curve file, got %d arguments", len(pos))
	}
	u, ok := experiment.ParseConductanceUnit(*unit)
	if !ok {
		return e.usagef("--unit must be S, mS, uS, nS, pS or a positive number, got %q", *unit)
	}
	if *plotPath != "" {
		if ext := strings.ToLower(filepath.Ext(*plotPath)); ext != ".png" && ext != ".svg" {
			return e.usagef("--plot must end in .png or .svg, got %q", *plotPath)
		}
	}
	if *boot < 0 {
		return e.usagef("--bootstrap must be a number of replicates ≥ 0 (0: no intervals), got %d", *boot)
	}
	cfg := device.DefaultFitConfig()
	cfg.Name, cfg.Unit, cfg.Bootstrap = *name, u, *boot
	if *base != "" {
		b, err := experiment.ResolveDevice(*base)
		if err != nil {
			return fmt.Errorf("--base: %w", err)
		}
		cfg.Base = b
	}
	r, err := device.FitFile(pos[0], cfg)
	if err != nil {
		return err
	}
	experiment.WriteFitReport(e.stderr, pos[0], r)
	if *plotPath != "" {
		if err := experiment.PlotFit(*plotPath, r); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "  plot: %s\n", *plotPath)
	}
	if *out == "" {
		return r.Params.WriteJSON(e.stdout)
	}
	if err := experiment.SaveDevice(*out, r.Params); err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "  device: %s\n", *out)
	return nil
}
