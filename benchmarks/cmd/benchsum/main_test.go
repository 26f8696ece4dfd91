package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sample = `goos: linux
BenchmarkDCNetwork/N=100/dev=ideal/k=2/plastic=true         	     300	    640000 ns/op	 0.6400 ms/img	 1562 img/s
BenchmarkDCNetwork/N=100/dev=ideal/k=2/plastic=true         	     300	    900000 ns/op	 0.9000 ms/img	 1111 img/s
BenchmarkDCNetwork/N=100/dev=ideal/k=2/plastic=true         	     300	   1200000 ns/op	 1.2000 ms/img	 833 img/s
BenchmarkDCNetwork/N=400/dev=ideal/k=2/plastic=true-2       	     300	   4500000 ns/op	 4.5000 ms/img
BenchmarkDCNetwork/N=400/dev=ideal/k=2/plastic=true-2       	     300	   3500000 ns/op	 3.5000 ms/img
BenchmarkDCNetworkTrained/N=100/dev=ideal/protocol          	     300	   1100000 ns/op	 1.100 ms/img	 1.600 presentations/img
    network_bench_test.go:425: trained on 5000 mnist-train images
BenchmarkOther                                              	    1000	      1000 ns/op
PASS
`

func TestParse(t *testing.T) {
	runs, order, err := parse(strings.NewReader(sample), "ms/img")
	require.NoError(t, err)
	assert.Equal(t, []string{
		"BenchmarkDCNetwork/N=100/dev=ideal/k=2/plastic=true",
		"BenchmarkDCNetwork/N=400/dev=ideal/k=2/plastic=true-2",
		"BenchmarkDCNetworkTrained/N=100/dev=ideal/protocol",
	}, order, "names are kept whole; a benchmark without the metric is left out")
	assert.Equal(t, []float64{0.64, 0.9, 1.2}, runs[order[0]])
	assert.Equal(t, []float64{4.5, 3.5}, runs[order[1]])

	runs, order, err = parse(strings.NewReader(sample), "presentations/img")
	require.NoError(t, err)
	assert.Equal(t, []string{"BenchmarkDCNetworkTrained/N=100/dev=ideal/protocol"}, order)
	assert.Equal(t, []float64{1.6}, runs[order[0]])

	_, _, err = parse(strings.NewReader("BenchmarkX 3 10 ns/op x ms/img\n"), "ms/img")
	assert.ErrorContains(t, err, `BenchmarkX: ms/img "x"`)
	_, _, err = parse(strings.NewReader("BenchmarkX 3 10 ns/op NaN ms/img\n"), "ms/img")
	assert.ErrorContains(t, err, `BenchmarkX: ms/img "NaN"`)

	// Under -cpu 1 go test appends no suffix: a name's own "-<digits>" stays.
	runs, order, err = parse(strings.NewReader("BenchmarkR/k=-2 3 10 ns/op 1 ms/img\nBenchmarkR/k=-3 3 10 ns/op 2 ms/img\n"), "ms/img")
	require.NoError(t, err)
	assert.Equal(t, []string{"BenchmarkR/k=-2", "BenchmarkR/k=-3"}, order)
}

func TestMedian(t *testing.T) {
	assert.Equal(t, 2.0, median([]float64{3, 1, 2}))
	assert.Equal(t, 2.5, median([]float64{4, 1, 3, 2}))
	v := []float64{3, 1, 2}
	median(v)
	assert.Equal(t, []float64{3, 1, 2}, v, "median leaves its input in order")
	assert.Panics(t, func() { median(nil) })
}

func TestReport(t *testing.T) {
	runs, order, err := parse(strings.NewReader(sample), "ms/img")
	require.NoError(t, err)
	lim, err := parseLimits("N=100/=1,N=400/=4")
	require.NoError(t, err)
	var out bytes.Buffer
	over := report(&out, runs, order, "ms/img", lim)
	// N=100 ideal: median 0.9 ≤ 1 (2 of 3 runs); N=400: median 4.0 ≤ 4 (1 of 2);
	// the protocol case: median 1.1 > 1.
	assert.Equal(t, 1, over, out.String())
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, 4)
	assert.Contains(t, lines[1], "median within 1 (2/3 runs ≤ 1)")
	assert.Contains(t, lines[2], "median within 4 (1/2 runs ≤ 4)")
	assert.Contains(t, lines[3], "median OVER 1 (0/1 runs ≤ 1)")
}

func TestCheckLimits(t *testing.T) {
	names := []string{"BenchmarkA/N=100/x", "BenchmarkA/N=400/x"}
	assert.NoError(t, checkLimits([]limit{{"N=100/", 1}, {"N=400/", 4}}, names))
	assert.ErrorContains(t, checkLimits([]limit{{"N=100/", 1}, {" N=400/", 4}}, names), `" N=400/"`)
}

func TestParseLimits(t *testing.T) {
	lim, err := parseLimits("a=b=1.5")
	require.NoError(t, err)
	assert.Equal(t, []limit{{"a=b", 1.5}}, lim, "the last = separates the value")
	for _, bad := range []string{"x", "=1", "x=", "x=y", "x=NaN"} {
		_, err := parseLimits(bad)
		assert.Error(t, err, bad)
	}
}
