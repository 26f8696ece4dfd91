package experiment

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRegenerate(t *testing.T) {
	md := "# T\n\n<!-- report: a.json table -->\nold\n<!-- end report -->\nmiddle\n<!-- report: b.json figure x -->\n<!-- end report -->\nend\n"
	var calls []string
	got, n, err := Regenerate([]byte(md), func(rec string, view []string) (string, error) {
		calls = append(calls, rec+":"+strings.Join(view, "+"))
		return "new " + rec + "\n", nil
	})
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, []string{"a.json:table", "b.json:figure+x"}, calls)
	assert.Equal(t, "# T\n\n<!-- report: a.json table -->\nnew a.json\n<!-- end report -->\nmiddle\n<!-- report: b.json figure x -->\nnew b.json\n<!-- end report -->\nend\n", string(got))

	again, _, err := Regenerate(got, func(rec string, _ []string) (string, error) { return "new " + rec + "\n", nil })
	require.NoError(t, err)
	assert.Equal(t, string(got), string(again), "regenerating is idempotent")

	for _, bad := range []string{
		"<!-- report: a.json table -->\nno end\n",
		"<!-- report: a.json table -->\n<!-- report: b.json table -->\n<!-- end report -->\n",
	} {
		_, _, err := Regenerate([]byte(bad), func(string, []string) (string, error) { return "", nil })
		assert.ErrorContains(t, err, "a.json", bad)
	}
	_, _, err = Regenerate([]byte(md), func(string, []string) (string, error) { return "", errors.New("boom") })
	assert.ErrorContains(t, err, "block of a.json: boom")
}
