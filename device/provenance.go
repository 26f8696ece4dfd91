package device

import (
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strings"
)

// Where each learning-relevant number of a device comes from.
//
// A Params field is learning-relevant when changing it changes what a network of the device
// learns (its energy aside): the window ratio, the update law, the variations and noise,
// stuck devices and the short-term component (facilitation of the rows an array reads). The
// absolute conductance scale, voltages and pulse widths only set energies (weights are
// w = WMax·(G − Gmin)/(Gmax − Gmin)); retention and the STP→LTP conversion act only when a
// device idles (Relax) or is stimulated alone (Device), which the learning runs never do. So
// none of those is counted here; characterize's protocols use them. The fields are grouped into the quantities a device paper would
// report; a quantity is sourced when every one of its fields cites a measurement (directly or
// derived from one), assumed when any of them is an assumption.

// LearningQuantity is one learning-relevant quantity of a device and the Params fields (JSON
// names; "on_off" is Gmax/Gmin) that carry it.
type LearningQuantity struct {
	Name   string
	Fields []string
}

// LearningQuantities lists the learning-relevant quantities, in the order device papers report
// them.
var LearningQuantities = []LearningQuantity{
	{"states", []string{"states"}},
	{"nl_ltp", []string{"nl_ltp"}},
	{"nl_ltd", []string{"nl_ltd"}},
	{"on_off", []string{"on_off"}},
	{"c2c", []string{"c2c_sigma"}},
	{"d2d", []string{"d2d_nl_sigma", "d2d_g_sigma"}},
	{"read_noise", []string{"read_noise"}},
	{"stuck", []string{"stuck_min_frac", "stuck_max_frac"}},
	{"stp", []string{"ppf_c1", "ppf_tau1_s", "ppf_c2", "ppf_tau2_s", "stp_max"}},
}

// LearningFields returns the JSON names of every learning-relevant field, in the order of
// LearningQuantities.
func LearningFields() []string {
	var out []string
	for _, q := range LearningQuantities {
		out = append(out, q.Fields...)
	}
	return out
}

// Range is the plausible interval [lo, hi] of an assumed value.
type Range [2]float64

// Contains reports whether lo ≤ v ≤ hi.
func (r Range) Contains(v float64) bool { return r[0] <= v && v <= r[1] }

// IsAssumedSource reports whether a source text marks its value as an assumption (or a
// derivation from one) rather than a citation of a measurement.
func IsAssumedSource(s string) bool {
	s = strings.TrimSpace(s)
	for _, pre := range []string{"assumed", "derived (assumed", "derived: assumed", "calibrated (assumed"} {
		if strings.HasPrefix(s, pre) {
			return true
		}
	}
	return s == ""
}

// LearningValue returns the value of the learning-relevant field with JSON name field
// ("on_off" is Gmax/Gmin; see LearningFields). It panics on another name.
func (p *Params) LearningValue(field string) float64 {
	if field == "on_off" {
		return p.OnOff()
	}
	v := fieldByJSON(p, field)
	if v.Kind() == reflect.Int {
		return float64(v.Int())
	}
	return v.Float()
}

// SetLearningValue sets the learning-relevant field with JSON name field to v: "states" is
// rounded (at least 2), and "on_off" moves Gmin and Gmax about the same mid-window conductance,
// so the pulse energies V²·G_mid·t_pulse stay as they are. It does not validate p.
func (p *Params) SetLearningValue(field string, v float64) error {
	if !slices.Contains(LearningFields(), field) {
		return fmt.Errorf("device %s: %q is not a learning-relevant field (want one of %s)",
			p.Name, field, strings.Join(LearningFields(), ", "))
	}
	switch field {
	case "on_off":
		gmid := (p.Gmin + p.Gmax) / 2
		p.Gmin = 2 * gmid / (1 + v)
		p.Gmax = v * p.Gmin
	case "states":
		p.States = max(2, int(math.Round(v)))
	default:
		fieldByJSON(p, field).SetFloat(v)
	}
	return nil
}

// learningSource returns the source text of a learning field. The on/off ratio's is kept under
// "on_off"; files written before it was, carry it in gmax_s's derivation ("…; on/off: SRC").
func (p *Params) learningSource(field string) string {
	if s, ok := p.Source[field]; ok || field != "on_off" {
		return s
	}
	g := p.Source["gmax_s"]
	if _, after, ok := strings.Cut(g, "on/off: "); ok {
		return after
	}
	return g
}

// QuantityProvenance is the status of one learning quantity of a device.
type QuantityProvenance struct {
	Quantity string `json:"quantity"`
	Sourced  bool   `json:"sourced"`
	// Assumed lists the quantity's assumed fields, each with its range (nil: none given).
	Assumed []AssumedField `json:"assumed,omitempty"`
}

// AssumedField is an assumed learning field, its value and its plausible range.
type AssumedField struct {
	Field string  `json:"field"`
	Value float64 `json:"value"`
	Range *Range  `json:"range,omitempty"`
}

// Provenance returns, per learning quantity, whether p's value is sourced and, if not, the
// assumed fields with their ranges.
func (p *Params) Provenance() []QuantityProvenance {
	out := make([]QuantityProvenance, 0, len(LearningQuantities))
	for _, q := range LearningQuantities {
		qp := QuantityProvenance{Quantity: q.Name, Sourced: true}
		for _, f := range q.Fields {
			if !IsAssumedSource(p.learningSource(f)) {
				continue
			}
			qp.Sourced = false
			af := AssumedField{Field: f, Value: p.LearningValue(f)}
			if r, ok := p.Ranges[f]; ok {
				af.Range = &r
			}
			qp.Assumed = append(qp.Assumed, af)
		}
		out = append(out, qp)
	}
	return out
}

// SourcedCount returns how many of the learning quantities of p are sourced, and how many
// there are.
func (p *Params) SourcedCount() (sourced, total int) {
	for _, q := range p.Provenance() {
		if q.Sourced {
			sourced++
		}
	}
	return sourced, len(LearningQuantities)
}

// LearningKey returns p's learning-relevant values as one string: two devices with equal keys
// learn identically (for the same seed) whatever their names, windows' scale or energies.
func (p *Params) LearningKey() string {
	var b strings.Builder
	for _, f := range LearningFields() {
		v := p.LearningValue(f)
		if f == "on_off" {
			v = math.Round(v*1e9) / 1e9 // Gmax/Gmin of a derived window carries rounding
		}
		fmt.Fprintf(&b, "%s=%g;", f, v)
	}
	return b.String()
}

// validateRanges reports a range that is not a finite interval, or that names no learning
// field. A range need not contain the value: a user may move a preset's value (compare --set)
// outside what the preset's sources make plausible.
func (p *Params) validateRanges() error {
	fields := LearningFields()
	for _, f := range slices.Sorted(maps.Keys(p.Ranges)) {
		r := p.Ranges[f]
		if !slices.Contains(fields, f) {
			return fmt.Errorf("device %s: ranges: %q is not a learning-relevant field (want one of %s)",
				p.Name, f, strings.Join(fields, ", "))
		}
		if math.IsNaN(r[0]) || math.IsNaN(r[1]) || math.IsInf(r[0], 0) || math.IsInf(r[1], 0) || r[0] > r[1] {
			return fmt.Errorf("device %s: ranges.%s: want a finite interval [lo, hi] with lo ≤ hi, got [%g, %g]", p.Name, f, r[0], r[1])
		}
	}
	return nil
}
