// Command benchsum summarises repeated `go test -bench` runs (-count K, or several outputs
// concatenated): per benchmark, the number of runs and the minimum, median and maximum of one
// metric, and, for the benchmarks a limit applies to, how many runs and whether the median
// are within it. It is how `make bench-engine` checks the engine's targets: this VM's speed
// drifts by tens of percent between runs, so one run decides nothing and the median of many
// is the figure.
//
//	go test -run '^$' -bench 'DCNetwork$' -cpu 1 -count 5 ./benchmarks/ | benchsum -metric ms/img -limit 'N=100/=1,N=400/=4'
//
// A limit "S=V" applies to the benchmarks whose name contains S (the first such limit wins);
// a limit that applies to none is an error. Names are kept whole: go test appends -N to them
// when GOMAXPROCS is N ≠ 1, so runs at different GOMAXPROCS are summarised apart. It exits
// with 1 if a median is over its limit, 2 on bad input or flags.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	metric := flag.String("metric", "ms/img", "the metric to summarise (its unit as the benchmark reports it)")
	limits := flag.String("limit", "", `comma-separated limits "substring=value": a benchmark whose name contains the substring must have its median ≤ value`)
	flag.Parse()
	lim, err := parseLimits(*limits)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchsum:", err)
		os.Exit(2)
	}
	runs, order, err := parse(os.Stdin, *metric)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchsum:", err)
		os.Exit(2)
	}
	if len(order) == 0 {
		fmt.Fprintf(os.Stderr, "benchsum: no benchmark line reports %q\n", *metric)
		os.Exit(2)
	}
	if err := checkLimits(lim, order); err != nil {
		fmt.Fprintln(os.Stderr, "benchsum:", err)
		os.Exit(2)
	}
	if over := report(os.Stdout, runs, order, *metric, lim); over > 0 {
		os.Exit(1)
	}
}

// limit is the bound on the median of the benchmarks whose name contains sub.
type limit struct {
	sub string
	max float64
}

func parseLimits(s string) ([]limit, error) {
	var ls []limit
	if s == "" {
		return nil, nil
	}
	for _, f := range strings.Split(s, ",") {
		k := strings.LastIndexByte(f, '=')
		if k <= 0 {
			return nil, fmt.Errorf("-limit %q: want substring=value", f)
		}
		v, err := strconv.ParseFloat(f[k+1:], 64)
		if err != nil || v != v {
			return nil, fmt.Errorf("-limit %q: %q is not a number", f, f[k+1:])
		}
		ls = append(ls, limit{f[:k], v})
	}
	return ls, nil
}

// parse reads benchmark lines ("BenchmarkX  300  123 ns/op  0.84 ms/img …") and returns
// the metric's values per benchmark and the names in their first order.
func parse(r io.Reader, metric string) (map[string][]float64, []string, error) {
	runs := map[string][]float64{}
	var order []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue // a log line that starts with a benchmark's name
		}
		name := f[0] // with its -GOMAXPROCS suffix, if any: runs at different GOMAXPROCS stay apart
		for k := 3; k < len(f); k += 2 {
			if f[k] != metric {
				continue
			}
			v, err := strconv.ParseFloat(f[k-1], 64)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return nil, nil, fmt.Errorf("%s: %s %q is not a finite number", name, metric, f[k-1])
			}
			if _, ok := runs[name]; !ok {
				order = append(order, name)
			}
			runs[name] = append(runs[name], v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, nil, fmt.Errorf("reading the benchmark output: %w", err)
	}
	return runs, order, nil
}

// checkLimits returns an error if a limit applies to no benchmark: a renamed benchmark or a
// narrower -bench pattern would otherwise pass the check unmeasured.
func checkLimits(lim []limit, names []string) error {
	for _, l := range lim {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, l.sub) }) {
			return fmt.Errorf("-limit %q=%g: no benchmark's name contains %q", l.sub, l.max, l.sub)
		}
	}
	return nil
}

// median is the middle value of v (the mean of the two middle ones for an even count).
func median(v []float64) float64 {
	if len(v) == 0 {
		panic(errors.New("benchsum: median of nothing"))
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// report prints one line per benchmark and returns how many medians are over their limit.
func report(w io.Writer, runs map[string][]float64, order []string, metric string, lim []limit) int {
	width := 0
	for _, name := range order {
		width = max(width, len(name))
	}
	over := 0
	fmt.Fprintf(w, "%-*s  %4s  %10s %10s %10s  (%s)\n", width, "benchmark", "runs", "min", "median", "max", metric)
	for _, name := range order {
		v := runs[name]
		med := median(v)
		line := fmt.Sprintf("%-*s  %4d  %10.4g %10.4g %10.4g", width, name, len(v), slices.Min(v), med, slices.Max(v))
		for _, l := range lim {
			if !strings.Contains(name, l.sub) {
				continue
			}
			under := 0
			for _, x := range v {
				if x <= l.max {
					under++
				}
			}
			verdict := "median within"
			if med > l.max {
				verdict = "median OVER"
				over++
			}
			line += fmt.Sprintf("  %s %g (%d/%d runs ≤ %g)", verdict, l.max, under, len(v), l.max)
			break
		}
		fmt.Fprintln(w, line)
	}
	return over
}
