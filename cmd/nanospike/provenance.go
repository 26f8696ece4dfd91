package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// commitStamp is the commit make build stamps in (-ldflags -X).
var commitStamp string

// buildCommit returns the VCS revision the binary was built from (with
// "+dirty" when the tree had changes): make build's stamp, else the go
// command's VCS information, else "unknown" (go run, go test, -buildvcs=false).
func buildCommit() string {
	if commitStamp != "" {
		return commitStamp
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	var rev, mod string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			mod = s.Value
		}
	}
	if rev == "" {
		return "unknown"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if mod == "true" {
		rev += "+dirty"
	}
	return rev
}

// machine describes this machine: CPU model and the cores Go may use.
func machine() string {
	model := runtime.GOARCH
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	return fmt.Sprintf("%s, %d cores (GOMAXPROCS %d)", model, runtime.NumCPU(), runtime.GOMAXPROCS(0))
}
