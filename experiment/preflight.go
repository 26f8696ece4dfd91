package experiment

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Bytes of memory per synapse, measured with /usr/bin/time on the 2-core machine (2026-12-04):
// STDP 263 B per device with two evaluation replicas (N = 1000 → 4000: 244 → 862 MB), taken
// as 150 B for the trained array plus 150 B per replica; backprop 402 B per weight
// (784-1000-10 → 784-20000-10: 0.42 → 6.4 GB: pairs, optimizer state, float copies, chunk
// gradients), taken as 450 B. Both round up: the check is to refuse the absurd before
// allocating, not to pack a machine to the byte.
const (
	stdpBytesPerDevice     = 150
	backpropBytesPerWeight = 450
	baseBytes              = 100 << 20 // MNIST and the program
)

// runMemory estimates the bytes one run of o needs and names what sizes it.
func runMemory(o Options) (float64, string) {
	if o.Rule == "backprop" {
		sizes := []int{mnistInputs}
		for _, s := range SplitList(o.Backprop.Hidden) {
			h, err := strconv.Atoi(s)
			if err != nil || h < 1 {
				return 0, "" // the flag's own check reports it
			}
			sizes = append(sizes, h)
		}
		sizes = append(sizes, 10)
		w := 0.0
		for i := 1; i < len(sizes); i++ {
			w += float64(sizes[i-1]) * float64(sizes[i])
		}
		return baseBytes + w*backpropBytesPerWeight, fmt.Sprintf("--hidden %s (%.3g weights)", o.Backprop.Hidden, w)
	}
	replicas := o.Workers
	if replicas == 0 {
		replicas = runtime.GOMAXPROCS(0)
	}
	dev := float64(mnistInputs) * float64(o.Neurons)
	return baseBytes + dev*stdpBytesPerDevice*float64(1+replicas), fmt.Sprintf("--neurons %d (%.3g devices, %d evaluation replicas)", o.Neurons, dev, replicas)
}

// Preflight refuses runs (jobs of them at once) that would need more memory than limit bytes
// (0: the memory the machine has available), before anything is allocated.
func Preflight(o Options, jobs int, limit float64) error {
	need, what := runMemory(o)
	if need == 0 {
		return nil
	}
	need *= float64(max(jobs, 1))
	src := "--max-memory"
	if limit <= 0 {
		limit, src = availableMemory(), "available on this machine"
	}
	if limit > 0 && need > limit {
		at := ""
		if jobs > 1 {
			at = fmt.Sprintf(" × %d runs at once", jobs)
		}
		return &UsageError{Msg: fmt.Sprintf("%s%s needs about %s of memory, more than the %s %s (--max-memory BYTES to set the limit)",
			what, at, byteCount(need), byteCount(limit), src)}
	}
	return nil
}

// availableMemory returns MemAvailable of /proc/meminfo in bytes (0 where there is none).
func availableMemory() float64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			var kb float64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%g kB", &kb); err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// byteCount formats a number of bytes with a binary prefix.
func byteCount(b float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	i := 0
	for b >= 1024 && i < len(units)-1 {
		b /= 1024
		i++
	}
	return fmt.Sprintf("%.3g %s", b, units[i])
}
