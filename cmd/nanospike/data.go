package main

import (
	"context"
	"fmt"
	"os"
	"text/tabwriter"

	"github.com/nanospike/nanospike/datasets"
)

func init() {
	register(&command{name: "data", summary: "show the dataset: sizes, class counts, where it was read from", run: runData})
}

// dataFlag adds the --data flag shared by every command that reads a dataset.
func dataFlag(fs interface {
	StringVar(*string, string, string, string)
}, p *string) {
	fs.StringVar(p, "data", "", "folder of IDX files (default: $"+datasets.EnvDataDir+", else MNIST from the GoMNIST module cache)")
}

// loadData loads the dataset named by --data (or the default).
func loadData(dir string) (*datasets.Dataset, error) {
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("--data: %w", err)
		}
	}
	return datasets.Load(dir)
}

func runData(ctx context.Context, e *env, args []string) error {
	fs := e.flags("data", "data [--data DIR] [--json]")
	var dir string
	var asJSON bool
	dataFlag(fs, &dir)
	fs.BoolVar(&asJSON, "json", false, "print JSON instead of a table")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usagef("unexpected argument %q", fs.Arg(0))
	}
	d, err := loadData(dir)
	if err != nil {
		return err
	}
	type split struct {
		Images      int    `json:"images"`
		ImageFile   string `json:"image_file"`
		LabelFile   string `json:"label_file"`
		ClassCounts []int  `json:"class_counts"`
	}
	out := struct {
		Dir    string `json:"dir"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
		Train  split  `json:"train"`
		Test   split  `json:"test"`
	}{Dir: d.Dir, Width: d.Train.Cols, Height: d.Train.Rows,
		Train: split{d.Train.N, d.Train.ImagePath, d.Train.LabelPath, d.Train.ClassCounts()},
		Test:  split{d.Test.N, d.Test.ImagePath, d.Test.LabelPath, d.Test.ClassCounts()}}
	if asJSON {
		return e.printJSON(out)
	}
	fmt.Fprintf(e.stdout, "data from %s (%d×%d images)\n", d.Dir, out.Height, out.Width)
	fmt.Fprintf(e.stdout, "train: %d images (%s)\ntest:  %d images (%s)\n\n", d.Train.N, d.Train.ImagePath, d.Test.N, d.Test.ImagePath)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "class\ttrain\ttest\t")
	for c := 0; c < max(len(out.Train.ClassCounts), len(out.Test.ClassCounts)); c++ {
		fmt.Fprintf(tw, "%d\t%d\t%d\t\n", c, at(out.Train.ClassCounts, c), at(out.Test.ClassCounts, c))
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t\n", d.Train.N, d.Test.N)
	return tw.Flush()
}

func at(s []int, i int) int {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// checkSamples reports a sample count above what the dataset holds as a usage error naming
// the flag (0 means all).
func checkSamples(d *datasets.Dataset, train, label, test int) error {
	for _, x := range []struct {
		flag   string
		n, max int
		split  string
	}{
		{"--train-samples", train, d.Train.N, "training"},
		{"--label-samples", label, d.Train.N, "training"},
		{"--test-samples", test, d.Test.N, "test"},
	} {
		if x.n > x.max {
			return &usageError{Msg: fmt.Sprintf("%s %d: the %s set of %s has %d images (0: all of them)", x.flag, x.n, x.split, d.Dir, x.max)}
		}
	}
	return nil
}
