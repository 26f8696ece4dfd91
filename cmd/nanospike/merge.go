package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/nanospike/nanospike/experiment"
)

func init() {
	register(&command{name: "merge", summary: "join the outputs of sharded compare runs (--shard i/n) into one table and plots", run: runMerge})
}

func runMerge(ctx context.Context, e *env, args []string) error {
	fs := e.flags("merge", "merge --out DIR [--partial] DIR...")
	var out string
	var partial bool
	fs.StringVar(&out, "out", "", "folder of the merged table, plots and run folders (may be one of the inputs)")
	fs.BoolVar(&partial, "partial", false, "write the table even if some runs of the comparison are missing")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if out == "" {
		return e.usagef("--out DIR is required")
	}
	if fs.NArg() == 0 {
		return e.usagef("name the output folders of the shards to merge")
	}
	merged, err := experiment.Merge(out, fs.Args())
	if err != nil {
		return err
	}
	var missing []string
	have := map[string]bool{}
	for _, r := range merged.Rows {
		have[r.Label] = true
	}
	for _, l := range merged.Items {
		if !have[l] {
			missing = append(missing, l)
		}
	}
	if len(missing) > 0 && !partial {
		return fmt.Errorf("%d of %d runs missing (%s): run their shards, or pass --partial", len(missing), len(merged.Items), strings.Join(missing, ", "))
	}
	if len(merged.Rows) == 0 {
		return fmt.Errorf("no finished run in %s", strings.Join(fs.Args(), ", "))
	}
	if err := experiment.WriteCompareOutputs(out, merged); err != nil {
		return err
	}
	experiment.PrintTable(e.stdout, merged)
	if len(missing) > 0 {
		fmt.Fprintf(e.stdout, "\nmissing (--partial): %s\n", strings.Join(missing, ", "))
	}
	fmt.Fprintf(e.stdout, "\nmerged %d runs from %d folders into %s (%s, %s, %s, plots)\n", len(merged.Rows), fs.NArg(), out, experiment.CompareCSV, experiment.CompareJSON, experiment.CompareMD)
	return nil
}
