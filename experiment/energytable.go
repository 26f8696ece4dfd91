package experiment

import (
	"fmt"
	"slices"
	"strings"
)

// energyTable is the energy breakdown of a comparison, one line per device (mean over its
// seeds): per inference by part with the device-decided share, and per training image with
// the programming split into the cells' and bit lines' electrical energy and the light; and,
// as a reference, the inference's synaptic operations at Loihi's energy per SOP.
// Sorted by energy per inference. Empty when the runs were stored before the crossbar model.
func energyTable(cf *Comparison) string {
	type line struct {
		name string
		v    [14]float64 // inference, device, periphery, neurons, routing, leakage, clocked, share, training, prog, light, share, pulses, Loihi
	}
	var lines []line
	for _, s := range cf.Summary {
		rows := groupRows(cf, s.Group)
		var l line
		l.name = s.Group
		if r := rows[0]; r.Value != nil {
			l.name = fmt.Sprintf("%s = %g", cf.Sweep, *r.Value)
		}
		for _, r := range rows {
			if r.CellsPerInference+r.PeripheryPerInference+r.NeuronsPerInference+r.LeakagePerInference == 0 {
				return ""
			}
			for k, v := range []float64{r.EnergyPerInference, r.CellsPerInference + r.WiresPerInference, r.PeripheryPerInference,
				r.NeuronsPerInference, r.RoutingPerInference, r.LeakagePerInference, r.ClockedPerInference, r.DeviceShare,
				r.EnergyPerTrainImage, r.ProgramCells + r.ProgramWires, r.ProgramLight, r.DeviceShareTraining, r.PulsesPerTrainImage, r.Loihi} {
				l.v[k] += v / float64(len(rows))
			}
		}
		lines = append(lines, l)
	}
	slices.SortStableFunc(lines, func(a, b line) int {
		switch {
		case a.v[0] < b.v[0]:
			return -1
		case a.v[0] > b.v[0]:
			return 1
		}
		return 0
	})
	var b strings.Builder
	head := []string{"device", "per inference", "device: cells + word lines", "periphery", "neurons", "routing + digital", "leakage",
		"per cycle", "device share", "per training image", "programming: cells + bit lines", "programming: light", "device share (training)", "pulses / image", "same SOPs on Loihi"}
	fmt.Fprintf(&b, "| %s |\n| :--- |%s\n", strings.Join(head, " | "), strings.Repeat(" ---: |", len(head)-1))
	for _, l := range lines {
		cells := []string{l.name}
		for k, v := range l.v {
			switch k {
			case 7, 11:
				cells = append(cells, ShareCell(v))
			case 12:
				cells = append(cells, fmt.Sprintf("%.0f", v))
			default:
				cells = append(cells, Joules(v))
			}
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
	}
	return b.String()
}

// ShareCell formats a fraction as a percentage with the digits a small share needs.
func ShareCell(f float64) string {
	switch p := 100 * f; {
	case p == 0:
		return "0 %"
	case p < 0.01:
		return fmt.Sprintf("%.1g %%", p)
	case p < 1:
		return fmt.Sprintf("%.2f %%", p)
	default:
		return fmt.Sprintf("%.1f %%", p)
	}
}
