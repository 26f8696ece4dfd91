package main

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime"
	"runtime/debug"
)

func init() {
	register(&command{name: "version", summary: "the module version, commit and Go version this binary was built from", run: runVersion})
}

// versionInfo is what `nanospike version` prints.
type versionInfo struct {
	Version string `json:"version"` // module version: a tag, a pseudo-version, or "(devel)"
	Commit  string `json:"commit"`  // as in the records runs write (buildCommit)
	Go      string `json:"go"`      // the Go release that built the binary
}

// buildVersion returns the binary's version information: the module version from the go
// command's build information ("(devel)" when it has none), the commit (buildCommit: make
// build's stamp first) and the Go release.
func buildVersion() versionInfo {
	v := versionInfo{Version: "(devel)", Commit: buildCommit(), Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		v.Version = bi.Main.Version
	}
	return v
}

func runVersion(_ context.Context, e *env, args []string) error {
	fs := e.flags("version", "version [--json]")
	asJSON := fs.Bool("json", false, "print one JSON object on one line")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return e.usagef("unexpected argument %q", fs.Arg(0))
	}
	v := buildVersion()
	if *asJSON {
		return json.NewEncoder(e.stdout).Encode(v)
	}
	_, err := fmt.Fprintf(e.stdout, "version: %s\ncommit:  %s\ngo:      %s\n", v.Version, v.Commit, v.Go)
	return err
}
