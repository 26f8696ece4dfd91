package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/nanospike/nanospike/experiment"
)

func init() {
	register(&command{name: "report", summary: "regenerate the tables and figures of markdown files from the compare records they name (--check: fail if one differs)", run: runReport})
}

func runReport(_ context.Context, e *env, args []string) error {
	fs := e.flags("report", "report [--check] FILE.md...")
	var check bool
	fs.BoolVar(&check, "check", false, "change nothing; fail if a generated block differs from what its records give")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return e.usagef("name the markdown files to regenerate")
	}
	var stale []string
	for _, path := range fs.Args() {
		old, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		gen, n, err := experiment.RegenerateFile(path, old, !check)
		if err != nil {
			return err
		}
		switch {
		case bytes.Equal(old, gen):
			fmt.Fprintf(e.stdout, "%s: %d generated blocks, up to date\n", path, n)
		case check:
			stale = append(stale, path)
		default:
			if err := experiment.WriteFileAtomic(path, gen); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "%s: %d generated blocks, rewritten\n", path, n)
		}
	}
	if len(stale) > 0 {
		return fmt.Errorf("%s: generated blocks differ from their records (edited by hand, or records changed): run nanospike report %s", strings.Join(stale, ", "), strings.Join(stale, " "))
	}
	return nil
}
