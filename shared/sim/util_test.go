package sim

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/aws/smithy-go"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func equalStrings(a, b []string) bool { return slices.Equal(a, b) }

// isCode reports whether err carries an API error whose code contains code.
func isCode(err error, code string) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && strings.Contains(ae.ErrorCode(), code)
}
