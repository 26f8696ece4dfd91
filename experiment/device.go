package experiment

import (
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/nanospike/nanospike/device"
)

// ResolveDevice returns the preset called arg or, if arg names a file (it ends in .json or
// contains a path separator, or no preset has that name but the file exists), the device in
// it. An unknown name that is no file gives device.Preset's error, which lists the presets.
func ResolveDevice(arg string) (*device.Params, error) {
	isFile := strings.HasSuffix(strings.ToLower(arg), ".json") || strings.ContainsRune(arg, os.PathSeparator) || strings.ContainsRune(arg, '/')
	if !isFile {
		p, err := device.Preset(arg)
		if err == nil {
			return p, nil
		}
		if _, statErr := os.Stat(arg); statErr != nil {
			return nil, err
		}
	}
	return device.LoadParams(arg)
}

// PresetRow is one preset in `nanospike device list`: what it is, the figures that set its
// learning and energy, and how much of it is sourced rather than assumed.
type PresetRow struct {
	Name      string  `json:"name"`
	Kind      string  `json:"kind"`
	Material  string  `json:"material"`
	States    int     `json:"states"`
	NLLTP     float64 `json:"nl_ltp"`
	NLLTD     float64 `json:"nl_ltd"`
	OnOff     float64 `json:"on_off"`
	EEvent    float64 `json:"e_event_j"` // energy of one read at Gmax
	EPot      float64 `json:"e_pot_j"`   // energy of one potentiation pulse
	Source    string  `json:"source"`    // short form of Reference (ShortRef)
	Reference string  `json:"reference"`
	// Sourced of Quantities learning-relevant quantities cite a measurement; Assumed names the
	// others (each with a plausible range, see DescribeDevice); Prior is the class prior they
	// come from; SameAs lists the presets identical to this one in every learning field.
	Sourced    int      `json:"sourced"`
	Quantities int      `json:"learning_quantities"`
	Assumed    []string `json:"assumed"`
	Prior      string   `json:"prior,omitempty"`
	SameAs     []string `json:"learns_as,omitempty"`
}

// PresetList is every preset's row, in device.Presets order, with a tally over the NC presets
// (those with a class prior that is not NeuroSim's table): Sourced of their Quantities
// learning-relevant quantities cite a measurement, and Shared of them learn exactly like
// another preset.
type PresetList struct {
	Rows                        []PresetRow
	Sourced, Quantities, Shared int
}

// ListPresets returns the rows of `nanospike device list`.
func ListPresets() PresetList {
	var l PresetList
	presets := device.Presets()
	byKey := map[string][]string{}
	for _, p := range presets {
		byKey[p.LearningKey()] = append(byKey[p.LearningKey()], p.Name)
	}
	for _, p := range presets {
		r := PresetRow{Name: p.Name, Kind: p.Kind, Material: p.Material, States: p.States,
			NLLTP: p.NLLTP, NLLTD: p.NLLTD, OnOff: p.OnOff(), EEvent: p.ReadEnergy(p.Gmax), EPot: p.EPot,
			Source: ShortRef(p.Reference), Reference: p.Reference, Prior: p.Prior, Assumed: []string{}}
		for _, q := range p.Provenance() {
			r.Quantities++
			if q.Sourced {
				r.Sourced++
			} else {
				r.Assumed = append(r.Assumed, q.Quantity)
			}
		}
		for _, n := range byKey[p.LearningKey()] {
			if n != p.Name {
				r.SameAs = append(r.SameAs, n)
			}
		}
		if p.Prior != "" && !strings.HasPrefix(p.Prior, "NeuroSim") {
			l.Sourced, l.Quantities = l.Sourced+r.Sourced, l.Quantities+r.Quantities
			if len(r.SameAs) > 0 {
				l.Shared++
			}
		}
		l.Rows = append(l.Rows, r)
	}
	return l
}

var refYear = regexp.MustCompile(`\b((?:19|20)\d\d)[a-z]?\b`)

// ShortRef shortens a reference to "first author year, journal" when it has the shape
// "Author A, …, 2020, Journal 70:104541", and otherwise to its first 39 characters and "…".
func ShortRef(ref string) string {
	author, rest, ok := strings.Cut(ref, ",")
	if m := refYear.FindStringSubmatchIndex(rest); ok && m != nil {
		s := author + " " + rest[m[2]:m[3]]
		// The journal follows the year: "…, 2020, Nano Energy 70:104541".
		if after := strings.TrimLeft(rest[m[1]:], ", "); after != "" {
			j := after
			if i := strings.IndexAny(j, "0123456789("); i > 0 {
				j = j[:i]
			}
			j = strings.TrimSuffix(strings.TrimSpace(j), " p.")
			if j = strings.TrimSpace(j); j != "" {
				s += ", " + j
			}
		}
		return s
	}
	if len([]rune(ref)) > 40 {
		return string([]rune(ref)[:39]) + "…"
	}
	return ref
}

// DeviceField is one field of a device with its JSON name, value and source.
type DeviceField struct {
	Field  string `json:"field"`
	Value  any    `json:"value"`
	Source string `json:"source"`
}

// DeviceFields lists p's fields in declaration order, nested ones (the review's figures) as
// "review.x", with the source p.Source gives each ("" if none).
func DeviceFields(p *device.Params) []DeviceField {
	var out []DeviceField
	var walk func(v reflect.Value, prefix string)
	walk = func(v reflect.Value, prefix string) {
		t := v.Type()
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if name == "" || name == "-" || name == "source" || name == "ranges" {
				continue
			}
			f := v.Field(i)
			if f.Kind() == reflect.Struct {
				walk(f, prefix+name+".")
				continue
			}
			key := prefix + name
			out = append(out, DeviceField{Field: key, Value: f.Interface(), Source: p.Source[key]})
		}
	}
	walk(reflect.ValueOf(p).Elem(), "")
	return out
}

// DescribeDevice writes what `nanospike device show` prints of p: a heading, every field with
// its value and source (leaving out the review figures the review does not quote), the
// derived on/off ratio and read energy, and p's provenance (WriteProvenance).
func DescribeDevice(w io.Writer, p *device.Params) error {
	fmt.Fprintf(w, "%s: %s, %s, %s programming\nreference: %s\n\n", p.Name, p.Kind, p.Material, p.Programming, p.Reference)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "field\tvalue\tsource")
	for _, f := range DeviceFields(p) {
		switch f.Field {
		case "name", "kind", "material", "programming", "reference":
			continue
		}
		src := f.Source
		if strings.HasPrefix(f.Field, "review.") && src == "" && reflect.ValueOf(f.Value).IsZero() {
			continue // a figure the review does not quote
		}
		if src == "" {
			src = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.Field, fieldText(f.Value), src)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nderived: on/off %.4g, read energy at Gmax %.3g J\n", p.OnOff(), p.ReadEnergy(p.Gmax))
	WriteProvenance(w, p)
	return nil
}

// WriteProvenance writes which learning-relevant quantities of p are sourced and, for each
// assumed one, its fields' values and plausible ranges.
func WriteProvenance(w io.Writer, p *device.Params) {
	s, n := p.SourcedCount()
	fmt.Fprintf(w, "learning-relevant quantities: %d of %d sourced", s, n)
	if p.Prior != "" {
		fmt.Fprintf(w, "; assumptions from the prior of a %s", p.Prior)
	}
	fmt.Fprintln(w)
	for _, q := range p.Provenance() {
		if q.Sourced {
			fmt.Fprintf(w, "  %-10s sourced\n", q.Quantity)
			continue
		}
		var parts []string
		for _, a := range q.Assumed {
			r := "no range (a rule ties it to others)"
			if a.Range != nil {
				r = fmt.Sprintf("range %s–%s", fieldText(a.Range[0]), fieldText(a.Range[1]))
			}
			parts = append(parts, fmt.Sprintf("%s %s, %s", a.Field, fieldText(a.Value), r))
		}
		fmt.Fprintf(w, "  %-10s assumed: %s\n", q.Quantity, strings.Join(parts, "; "))
	}
}

// fieldText formats a field's value: floats to 6 significant digits.
func fieldText(v any) string {
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', 6, 64)
	case string:
		return x
	}
	return fmt.Sprint(v)
}
